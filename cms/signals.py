from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

from wagtail.contrib.settings.models import BaseGenericSetting, BaseSiteSetting
from wagtail.images import get_image_model
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from courses.models import Instructor, Masterclass, Video, VideoCaption, Workshop
from courses.signals import video_streaming_changed

from .content_version import content_version_bump

# Records of the courses app that pages show as content (title, price, instructor,
# a lesson's duration and transcript, the workshops that include a masterclass): edited
# in the admin, each save moves the content version.
SHOWN_ON_PAGES = (
    Masterclass,
    Instructor,
    Video,
    VideoCaption,
    Workshop,
    Workshop.included_masterclasses.through,
)


def content_changed(sender, instance=None, **kwargs) -> None:
    """Routes, menus, fragments and HTML kept per content version (cms.routing, the main
    navigation, cms.fragments, cms.masterclasses, the ``kept`` template tag) are stale
    once a page, its place in the tree, a site, a view restriction, an image (and its
    renditions), a masterclass, instructor or video the pages show, or a setting (the
    footer's contact details) changes. A setting's row created on first read holds the
    defaults pages already showed: not a change."""
    image = get_image_model()
    shown = (Site, PageViewRestriction, image, image.get_rendition_model(), *SHOWN_ON_PAGES)
    setting = isinstance(instance, BaseSiteSetting | BaseGenericSetting)
    if sender in shown or isinstance(instance, Page) or (setting and not kwargs.get("created")):
        content_version_bump()


def sync_site_after_migrate(sender, **kwargs) -> None:
    """Every ``migrate`` (deploys, ``make run``) brings the Site records in line with
    ``SITE_URL``."""
    from .services.site import site_sync

    site_sync()


def connect(app_config) -> None:
    for signal, name in [
        (page_published, "published"),
        (page_unpublished, "unpublished"),
        (post_page_move, "moved"),
        (post_save, "saved"),
        (post_delete, "deleted"),
        (m2m_changed, "m2m-changed"),
        (video_streaming_changed, "video-streaming"),
    ]:
        signal.connect(content_changed, dispatch_uid=f"cms-content-version-{name}")
    post_migrate.connect(sync_site_after_migrate, sender=app_config, dispatch_uid="cms-site-sync")
