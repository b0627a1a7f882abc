from django.core.cache import cache
from django.http import HttpRequest

from wagtail.models import Page, Site

NAVIGATION_CACHE_SECONDS = 60
NAVIGATION_GENERATION_KEY = "cms:main-navigation:generation"


def site_chrome(request: HttpRequest) -> dict:
    """Main navigation: the home page's live children marked "show in menus".

    Cached per host for a minute, so a page view costs no query for it (not even the site
    lookup); publishing or unpublishing a page starts a new generation at once.
    """
    return {"main_navigation": _main_navigation(request)}


def _main_navigation(request: HttpRequest) -> list[dict]:
    generation = cache.get_or_set(NAVIGATION_GENERATION_KEY, 1, None)
    key = f"cms:main-navigation:{generation}:{request.get_host()}"
    items = cache.get(key)
    if items is None:
        items = []
        site = Site.find_for_request(request)
        root = Page.objects.filter(pk=site.root_page_id).first() if site else None
        if root is not None:
            for page in root.get_children().live().public().in_menu().specific(defer=True):
                items.append({"title": page.title, "url": page.get_url(request)})
        cache.set(key, items, NAVIGATION_CACHE_SECONDS)
    return items


def navigation_forget() -> None:
    try:
        cache.incr(NAVIGATION_GENERATION_KEY)
    except ValueError:  # not in the cache (evicted or never set): any new value will do
        cache.set(NAVIGATION_GENERATION_KEY, 2, None)
