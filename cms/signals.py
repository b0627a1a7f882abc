from django.core.cache import cache

from wagtail.signals import page_published, page_unpublished

from .context_processors import navigation_cache_key


def forget_navigation(sender, instance, **kwargs) -> None:
    """A published or withdrawn page may change the menu: rebuild it on the next request."""
    cache.delete_many([navigation_cache_key(site_id) for site_id in _site_ids()])


def _site_ids() -> list[int]:
    from wagtail.models import Site

    return list(Site.objects.values_list("pk", flat=True))


def connect() -> None:
    page_published.connect(forget_navigation, dispatch_uid="cms-forget-navigation-published")
    page_unpublished.connect(forget_navigation, dispatch_uid="cms-forget-navigation-unpublished")
