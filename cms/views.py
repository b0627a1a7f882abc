from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET

from wagtail.models import Page

SEARCH_PAGE_SIZE = 10


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
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /accounts/",
        "Disallow: /account/",
        "Disallow: /orders/",
        "Disallow: /search/",
        f"Sitemap: {sitemap}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


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
