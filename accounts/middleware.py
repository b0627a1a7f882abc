import hashlib
from urllib.parse import urlencode

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from .selectors.mfa import user_must_set_up_mfa

# Every page that shows money or people's data lives under these: the Wagtail admin
# (orders, registrations, refunds, exports) and the check-in pages.
STAFF_PATH_PREFIXES = ("/admin/", "/staff/")
# Signing out must keep working for someone who has not set up a second factor yet.
EXEMPT_PATHS = ("/admin/logout/",)


class StaffMFARequiredMiddleware:
    """Staff who must use a second factor (``user_requires_mfa``) and have none are sent
    to a page that explains why, then to set one up, before any staff page opens."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if (
            path.startswith(STAFF_PATH_PREFIXES)
            and path not in EXEMPT_PATHS
            and user_must_set_up_mfa(user=request.user)
        ):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('accounts:mfa_required')}?{query}")
        return self.get_response(request)


ADMIN_ACCESS_PERMISSION = "wagtailadmin.access_admin"
# Wagtail's own way in and out: the login redirect (to allauth) and signing out.
ADMIN_OPEN_PATHS = ("/admin/login/", "/admin/logout/")


class AdminAccessDeniedMiddleware:
    """A signed-in therapist, member or visitor who opens ``/admin/`` gets one page that
    says the staff area is not for their account. Wagtail would send them to sign in,
    which signs them straight back to ``/admin/``: a loop the browser gives up on."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            request.path.startswith("/admin/")
            and request.path not in ADMIN_OPEN_PATHS
            and user.is_authenticated
            and not user.has_perm(ADMIN_ACCESS_PERMISSION)
        ):
            return render(request, "403.html", {"admin_denied": True}, status=403)
        return self.get_response(request)


# A device's "last seen" on My account is this precise: one write a minute at most.
DEVICE_SEEN_SECONDS = 60


class DeviceSeenMiddleware:
    """allauth's ``UserSessionsMiddleware``, at most once a minute per session, address
    and browser: its "last seen" write (a transaction and four queries) on every request
    of every signed-in person is what a checkout rush paid most for. A new address or
    browser is still recorded at once (it is part of the key); with the cache down,
    every request records as before."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from allauth.account.adapter import get_adapter
        from allauth.usersessions.internal import usersessionkit

        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if user is not None and user.is_authenticated and session and session.session_key:
            client = "|".join(
                (
                    session.session_key,
                    get_adapter().get_client_ip(request) or "",
                    request.META.get("HTTP_USER_AGENT", ""),
                )
            )
            key = "accounts:seen:" + hashlib.sha256(client.encode()).hexdigest()
            if cache.add(key, 1, DEVICE_SEEN_SECONDS):
                usersessionkit.track_activity(request, user=user, session=session)
        return self.get_response(request)
