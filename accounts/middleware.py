from urllib.parse import urlencode

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
