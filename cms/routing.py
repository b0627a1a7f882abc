"""Wagtail's Site lookup and page routing, remembered per process.

Finding the page for ``/workshops/some-workshop/`` costs Wagtail a Site query, one query
per path segment plus the specific page, and two more for view restrictions: most of a
rendered page's queries, and milliseconds of ORM work, for an answer that only changes
when an editor publishes, unpublishes, moves or deletes a page. This middleware keeps the
answer in the process, keyed on the content version (``cms.content_version``, bumped by
those signals in ``cms.signals``), and hands Wagtail's serve view a fresh copy of the page
each request, so nothing one request sets on a page object leaks into the next.

When the shared cache is unreachable the version is unknown: the process forgets what it
kept and Wagtail routes every request itself until the cache is back.
"""

import copy
import functools

from django.http import HttpRequest

from wagtail import views as wagtail_views
from wagtail.models import Page, Site
from wagtail.url_routing import RouteResult

from config.kept import Kept

from .content_version import content_version

_sites = Kept(size=100)  # (host, port) -> Site or None
_routes = Kept(size=2000)  # (host, port, path) -> (page, args, kwargs, restrictions)
_UNKNOWN = object()
_version: list[str | None] = [None]
_root_paths: list = []


def routes_forget() -> None:
    """Drop everything this process kept (tests; a version change does it too)."""
    _sites.clear()
    _routes.clear()
    _root_paths.clear()
    _version[0] = None


class PageRouteCacheMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if view_func is not wagtail_views.serve or request.method not in ("GET", "HEAD"):
            return None
        version = content_version(request)
        if version != _version[0]:
            routes_forget()
            _version[0] = version
        if version is None:
            return None
        site_key = (request._get_raw_host(), request.get_port())
        site = _sites.get(site_key, default=_UNKNOWN)
        if site is _UNKNOWN:
            site = _sites.put(site_key, Site.find_for_request(request))
        request._wagtail_site = site
        if not _root_paths:  # every page link asks for them (a cache read each time)
            _root_paths.append(Site.get_site_root_paths())
        request._wagtail_cached_site_root_paths = _root_paths[0]
        path = view_args[0] if view_args else view_kwargs.get("path", "")
        _route(request, (*site_key, path), path)
        return None


def _route(request: HttpRequest, key: tuple, path: str) -> None:
    kept = _routes.get(key)
    if kept is None:
        result = Page.route_for_request(request, path)
        if result is None:  # a 404: not worth keeping
            return
        page, args, kwargs = result
        restrictions = list(page.get_view_restrictions())
        _images_preload(page)
        kept = _routes.put(key, (copy.copy(page), list(args), dict(kwargs), restrictions))
    page, args, kwargs, restrictions = kept
    page = copy.copy(page)
    # Wagtail's on_serve_page hook asks the page for its restrictions: the kept ones.
    page.get_view_restrictions = functools.partial(list, restrictions)
    request._wagtail_route_for_request = RouteResult(page, list(args), dict(kwargs))


# Images every request of a page shows (hero, cover, link preview), kept with their
# renditions: Wagtail would otherwise ask the cache for each size of each image.
IMAGE_FIELDS = ("hero_image", "cover_image", "social_image")


def _images_preload(page: Page) -> None:
    from wagtail.images import get_image_model

    ids = {name: getattr(page, f"{name}_id", None) for name in IMAGE_FIELDS}
    images = get_image_model().objects.prefetch_related("renditions")
    found = images.in_bulk({pk for pk in ids.values() if pk})
    for name, pk in ids.items():
        if pk in found:
            setattr(page, name, found[pk])
