"""A few seconds of whole-page caching for anonymous visitors.

Rendering a workshop listing costs ~20 queries and tens of milliseconds; serving the
same bytes again costs almost nothing. Only what every anonymous visitor would see is
stored: Wagtail pages (marked by the ``before_serve_page`` hook) answering 200 to a
GET without a session or messages cookie, that set no cookie and used no CSRF token.
Seats left on these pages may therefore be up to ``PAGE_CACHE_SECONDS`` old; checkout
never reads them from here.

Each process also keeps its own copy of the pages it served, until the very moment the
shared entry expires (the expiry travels with the entry), so a hit usually costs no
cache round trip and nothing is ever older than ``PAGE_CACHE_SECONDS``.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from config.kept import Kept

CACHEABLE_FLAG = "cms_page_cacheable"
_SKIPPED_HEADERS = {"set-cookie", "content-length"}
Stored = tuple[int, list[tuple[str, str]], bytes, float]  # status, headers, body, expires


# This process's copies of shared entries, each until the shared one expires.
kept_pages = Kept(size=200)


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
        now = time.time()
        stored = kept_pages.get(key, now)
        if stored is None:
            stored = cache.get(key)
            if stored is not None and len(stored) == 4 and stored[3] > now:
                kept_pages.put(key, stored, until=stored[3])
            elif stored is not None and len(stored) != 4:
                stored = None  # written by an older release: render again
        if stored is not None:
            status, headers, content, _expires = stored
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response[name] = value
            response["X-Page-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if self._response_is_shareable(request, response):
            headers = [(k, v) for k, v in response.items() if k.lower() not in _SKIPPED_HEADERS]
            stored = (response.status_code, headers, response.content, now + self.seconds)
            cache.set(key, stored, self.seconds)
            kept_pages.put(key, stored, until=stored[3])
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
