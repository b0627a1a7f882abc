import hashlib
import time
from urllib.parse import urlencode

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from allauth.account.adapter import get_adapter
from allauth.usersessions.internal import usersessionkit

from config.kept import Kept

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


# "Last seen" on the devices list is read in minutes; writing it on every request cost a
# signed-in page five queries (a transaction, two reads, an UPDATE).
ACTIVITY_WRITE_SECONDS = 60
# What this process wrote in the last minute: no cache round trip to learn it again.
activity_written = Kept(size=10_000)


class UserSessionsActivityMiddleware:
    """allauth's ``UserSessionsMiddleware``, writing a session's activity at most once a
    minute per address and browser: a new address or browser is still recorded (and
    signalled) on its first request. Each process remembers what it wrote for that minute;
    with the cache unreachable, each process writes at most once a minute."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        key = _activity_key(request, session)
        now = time.monotonic()
        if key is not None and activity_written.get(key, now=now) is not None:
            return self.get_response(request)
        if key is None or not (user and user.is_authenticated) or cache.get(key) is None:
            usersessionkit.track_activity(request, user=user, session=session)
            if key is not None and user and user.is_authenticated:
                cache.set(key, 1, ACTIVITY_WRITE_SECONDS)
                activity_written.put(key, True, now + ACTIVITY_WRITE_SECONDS)
        return self.get_response(request)


def _activity_key(request: HttpRequest, session) -> str | None:
    if session is None or not session.session_key:
        return None
    try:
        ip = get_adapter().get_client_ip(request)
    except PermissionDenied:  # no address: track_activity refuses the request, as before
        return None
    agent = request.META.get("HTTP_USER_AGENT", "")
    raw = f"{session.session_key}|{ip}|{agent}".encode()
    return "accounts:session-seen:" + hashlib.md5(raw, usedforsecurity=False).hexdigest()
