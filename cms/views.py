from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET

from wagtail.models import Page

SEARCH_PAGE_SIZE = 10

# Private or per-person pages: sign-in, accounts, orders, tickets, the test-payment
# stand-ins, staff tools and search results. Each also says noindex itself (base.html).
ROBOTS_DISALLOW = (
    "/admin/",
    "/accounts/",
    "/account/",
    "/payments/orders/",
    "/payments/tickets/",
    "/payments/register/",
    "/payments/masterclass/",
    "/payments/membership/welcome/",
    "/payments/membership/manage/",
    "/payments/test-checkout/",
    "/payments/test-portal/",
    "/staff/",
    "/learn/video/",
    "/search/",
)


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    results = None
    if query:
        pages = Page.objects.live().public().specific().search(query)
        results = Paginator(pages, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cms/search.html", {"query": query, "results": results})


@require_GET
@cache_control(max_age=3600, public=True)
def robots_txt(request: HttpRequest) -> HttpResponse:
    sitemap = request.build_absolute_uri("/sitemap.xml")
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW)]
    lines.append(f"Sitemap: {sitemap}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers and crawlers ask for /favicon.ico whatever the page says."""
    return redirect(static("images/favicon.ico"), permanent=True)


@require_GET
@cache_control(max_age=86400, public=True)
def web_manifest(request: HttpRequest) -> JsonResponse:
    """What a phone shows when the site is added to the home screen."""
    manifest = {
        "name": "PhysioMassage Academy",
        "short_name": "PhysioMassage",
        "start_url": "/",
        "display": "browser",
        "background_color": "#fbf8f4",
        "theme_color": "#0f5257",
        "icons": [
            {"src": static("images/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("images/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static("images/favicon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    return JsonResponse(manifest, content_type="application/manifest+json")


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and uptime checks: 503 when the database cannot answer."""
    status = {"database": "ok", "cache": "ok"}
    healthy = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        status["database"] = f"error: {exc.__class__.__name__}"
        healthy = False
    try:
        cache.set("healthz", "1", 5)
        if cache.get("healthz") != "1":
            status["cache"] = "error: value not stored"
    except Exception as exc:
        status["cache"] = f"error: {exc.__class__.__name__}"
    status["status"] = "ok" if healthy else "unavailable"
    return JsonResponse(status, status=200 if healthy else 503)
