from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET

from wagtail.models import Page

from config.cache import FailOpenRedisCache
from courses.links import absolute_url

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
    sitemap = absolute_url("/sitemap.xml")
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
    """For load balancers and uptime checks. Only the database is vital (503 without it):
    without the cache pages render uncached, without the broker side effects wait in the
    outbox, so those two make the site "degraded" and still answer 200."""
    status = {
        "database": _check(_database_ping),
        "cache": _check(_cache_ping),
        "broker": _check(_broker_ping) if settings.CELERY_BROKER_URL else "eager",
    }
    if status["database"] != "ok":
        overall, code = "unavailable", 503
    elif status["cache"] != "ok" or status["broker"] not in ("ok", "eager"):
        overall, code = "degraded", 200
    else:
        overall, code = "ok", 200
    return JsonResponse({**status, "status": overall}, status=code)


def _check(ping: Callable[[], None]) -> str:
    try:
        ping()
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok"


def _database_ping() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache_ping() -> None:
    # Bypasses the fail-open wrapper's silence: the raw client says whether Redis answers.
    backend = caches["default"]
    if isinstance(backend, FailOpenRedisCache):
        backend._cache.get_client(write=True).ping()
        return
    backend.set("healthz", "1", 5)
    if backend.get("healthz") != "1":
        raise LookupError("value not stored")


def _broker_ping() -> None:
    from config.celery_app import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=1)
