from wagtail.signals import page_published, page_unpublished

from .context_processors import navigation_forget


def forget_navigation(sender, instance, **kwargs) -> None:
    """A published or withdrawn page may change the menu: rebuild it on the next request."""
    navigation_forget()


def connect() -> None:
    page_published.connect(forget_navigation, dispatch_uid="cms-forget-navigation-published")
    page_unpublished.connect(forget_navigation, dispatch_uid="cms-forget-navigation-unpublished")
