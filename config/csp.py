"""Content-Security-Policy: Django's middleware, with the admin's own policy.

Our pages get ``SITE_CSP`` (no inline script). The Wagtail admin still writes inline
scripts, so under its URL prefix the same policy with inline allowed (``ADMIN_CSP``)
takes its place, in whichever mode (enforced or report-only) the site uses.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import ContentSecurityPolicyMiddleware
from django.urls import reverse

# The attributes Django's csp_override / csp_report_only_override decorators set.
ENFORCED, REPORT_ONLY = "_csp_config", "_csp_ro_config"


class SiteContentSecurityPolicyMiddleware(ContentSecurityPolicyMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if request.path.startswith(reverse("wagtailadmin_home")):
            for attribute, site_policy in [
                (ENFORCED, settings.SECURE_CSP),
                (REPORT_ONLY, settings.SECURE_CSP_REPORT_ONLY),
            ]:
                if site_policy and not hasattr(response, attribute):
                    setattr(response, attribute, settings.ADMIN_CSP)
        return super().process_response(request, response)
