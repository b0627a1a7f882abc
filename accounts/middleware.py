from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
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
