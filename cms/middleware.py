"""A few seconds of whole-page caching for anonymous visitors.

Rendering a workshop listing costs ~20 queries and tens of milliseconds; serving the
same bytes again costs almost nothing. Only what every anonymous visitor would see is
stored: Wagtail pages (marked by the ``before_serve_page`` hook) answering 200 to a
GET without a session or messages cookie, that set no cookie and used no CSRF token.
Seats left on these pages may therefore be up to ``PAGE_CACHE_SECONDS`` old; checkout
never reads them from here.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

CACHEABLE_FLAG = "cms_page_cacheable"
_SKIPPED_HEADERS = {"set-cookie", "content-length"}


def page_cache_key(request: HttpRequest) -> str:
    raw = f"{request.get_host()}|{request.get_full_path()}".encode()
    return "cms:page:" + hashlib.md5(raw, usedforsecurity=False).hexdigest()


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.seconds = getattr(settings, "PAGE_CACHE_SECONDS", 0)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self._request_is_anonymous_read(request):
            return self.get_response(request)
        key = page_cache_key(request)
        stored = cache.get(key)
        if stored is not None:
            status, headers, content = stored
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response[name] = value
            response["X-Page-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if self._response_is_shareable(request, response):
            headers = [(k, v) for k, v in response.items() if k.lower() not in _SKIPPED_HEADERS]
            cache.set(key, (response.status_code, headers, response.content), self.seconds)
            response["X-Page-Cache"] = "miss"
        return response

    def _request_is_anonymous_read(self, request: HttpRequest) -> bool:
        return (
            self.seconds > 0
            and request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and "messages" not in request.COOKIES
        )

    @staticmethod
    def _response_is_shareable(request: HttpRequest, response: HttpResponse) -> bool:
        return (
            getattr(request, CACHEABLE_FLAG, False)
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not request.META.get("CSRF_COOKIE_USED")
            and "private" not in response.get("Cache-Control", "")
            and "no-store" not in response.get("Cache-Control", "")
        )
