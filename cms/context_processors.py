from django.core.cache import cache
from django.http import HttpRequest

from wagtail.models import Page, Site

NAVIGATION_CACHE_SECONDS = 60


def site_chrome(request: HttpRequest) -> dict:
    """Main navigation: the home page's live children marked "show in menus".

    Built once a minute per cache rather than on every request; editors see a change
    within a minute, and each page view saves two queries.
    """
    return {"main_navigation": _main_navigation(request)}


def _main_navigation(request: HttpRequest) -> list[dict]:
    site = Site.find_for_request(request)
    if site is None:
        return []
    key = navigation_cache_key(site.pk)
    items = cache.get(key)
    if items is None:
        root = Page.objects.filter(pk=site.root_page_id).first()
        items = []
        if root is not None:
            for page in root.get_children().live().public().in_menu().specific(defer=True):
                items.append({"title": page.title, "url": page.get_url(request)})
        cache.set(key, items, NAVIGATION_CACHE_SECONDS)
    return items


def navigation_cache_key(site_id: int) -> str:
    return f"cms:main-navigation:{site_id}"
