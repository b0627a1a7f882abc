from django.http import HttpRequest
from django.utils import timezone

from wagtail.models import Page, Site

from config.kept import Kept

from .content_version import content_version

# Per process, per content version and host: a page view costs no query and no cache
# round trip for the menu; any publish, unpublish, move or delete starts a new version.
_navigation = Kept(size=50)


def site_chrome(request: HttpRequest) -> dict:
    """Main navigation: the home page's live children marked "show in menus", and the
    address of the one this request is for ("none" otherwise), which the header marks;
    the footer's copyright year (``{% now %}`` cost more than the kept footer)."""
    items = _main_navigation(request)
    current = next((item["url"] for item in items if item["url"] == request.path), "none")
    return {
        "main_navigation": items,
        "main_navigation_current": current,
        "footer_year": timezone.localdate().year,
    }


def _main_navigation(request: HttpRequest) -> list[dict]:
    version = content_version(request)
    if version is None:  # the cache cannot say what changed: build it
        return _navigation_build(request)
    key = (version, request.get_host())
    items = _navigation.get(key)
    if items is None:
        items = _navigation.put(key, _navigation_build(request))
    return items


def _navigation_build(request: HttpRequest) -> list[dict]:
    items = []
    site = Site.find_for_request(request)
    root = Page.objects.filter(pk=site.root_page_id).first() if site else None
    if root is not None:
        for page in root.get_children().live().public().in_menu().specific(defer=True):
            items.append({"title": page.title, "url": page.get_url(request)})
    return items
