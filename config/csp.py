"""Content-Security-Policy: Django's middleware, with the admin's own policy.

Our pages get ``SITE_CSP`` (no inline script). The Wagtail admin still writes inline
scripts, so under its URL prefix the same policy with inline allowed (``ADMIN_CSP``)
takes its place, in whichever mode (enforced or report-only) the site uses.

When uploads live in an object store (``STORAGES`` from ``config.settings.media``), the
browser loads them from the buckets' origin, not ours: images from the public bucket,
and lesson videos, HLS segments (fetched by hls.js with XHR) and posters by presigned
redirect from the private one. Those origins are added to whichever policy goes out.
"""

from functools import cache
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import ContentSecurityPolicyMiddleware
from django.urls import reverse

# The attributes Django's csp_override / csp_report_only_override decorators set.
ENFORCED, REPORT_ONLY = "_csp_config", "_csp_ro_config"
# Which bucket each directive needs: <img> from both (media images, HLS posters),
# <video>/<source> and hls.js's segment requests from the private one.
BUCKET_DIRECTIVES = {
    "img-src": ("default", "private"),
    "media-src": ("private",),
    "connect-src": ("private",),
}


def _storage_origin(alias: str) -> str:
    """The scheme://host[:port] a storage's URLs point at; "" for local disk. Built from
    an unsigned URL the storage's own client makes (custom domain, endpoint, path or
    virtual-host addressing all included), so no credentials or network are needed."""
    storage = storages[alias]
    connection = getattr(storage, "unsigned_connection", None)
    if connection is None:  # FileSystemStorage and friends: served from our origin
        return ""
    if storage.custom_domain:
        return f"{storage.url_protocol}//{storage.custom_domain}"
    url = connection.meta.client.generate_presigned_url(
        "get_object", Params={"Bucket": storage.bucket_name, "Key": "csp-origin"}
    )
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@cache
def object_store_sources() -> dict[str, tuple[str, ...]]:
    """Directive -> the bucket origins it must allow; empty on local disk."""
    origins = {alias: _storage_origin(alias) for alias in ("default", "private")}
    found = {}
    for directive, aliases in BUCKET_DIRECTIVES.items():
        sources = tuple(dict.fromkeys(origins[a] for a in aliases if origins[a]))
        if sources:
            found[directive] = sources
    return found


def _forget_sources(*, setting: str, **kwargs) -> None:
    if setting == "STORAGES":
        object_store_sources.cache_clear()


setting_changed.connect(_forget_sources, dispatch_uid="config-csp-object-store")


def with_object_store(policy: dict) -> dict:
    """``policy`` with the bucket origins added to the directives that load uploads."""
    sources = object_store_sources()
    if not policy or not sources:
        return policy
    extended = dict(policy)
    for directive, origins in sources.items():
        current = list(policy.get(directive) or policy.get("default-src") or [])
        extended[directive] = current + [o for o in origins if o not in current]
    return extended


class SiteContentSecurityPolicyMiddleware(ContentSecurityPolicyMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        in_admin = request.path.startswith(reverse("wagtailadmin_home"))
        for attribute, site_policy in [
            (ENFORCED, settings.SECURE_CSP),
            (REPORT_ONLY, settings.SECURE_CSP_REPORT_ONLY),
        ]:
            if in_admin and site_policy and not hasattr(response, attribute):
                setattr(response, attribute, settings.ADMIN_CSP)
            policy = getattr(response, attribute, site_policy)
            if policy:
                setattr(response, attribute, with_object_store(policy))
        return super().process_response(request, response)
