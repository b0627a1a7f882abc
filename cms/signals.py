from django.db.models.signals import post_migrate

from wagtail.signals import page_published, page_unpublished

from .context_processors import navigation_forget


def forget_navigation(sender, instance, **kwargs) -> None:
    """A published or withdrawn page may change the menu: rebuild it on the next request."""
    navigation_forget()


def sync_site_after_migrate(sender, **kwargs) -> None:
    """Every ``migrate`` (deploys, ``make run``) brings the Site records in line with
    ``SITE_URL``."""
    from .services.site import site_sync

    site_sync()


def connect(app_config) -> None:
    page_published.connect(forget_navigation, dispatch_uid="cms-forget-navigation-published")
    page_unpublished.connect(forget_navigation, dispatch_uid="cms-forget-navigation-unpublished")
    post_migrate.connect(sync_site_after_migrate, sender=app_config, dispatch_uid="cms-site-sync")
