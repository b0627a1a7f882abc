from wagtail import hooks
from wagtail.admin.ui.components import Component

from . import dashboard
from .middleware import CACHEABLE_FLAG

DASHBOARD_ROWS = 10


@hooks.register("before_serve_page")
def mark_page_cacheable(page, request, serve_args, serve_kwargs):
    """Published pages served normally (not previews) may go in the anonymous page cache;
    the middleware still decides per request and response."""
    setattr(request, CACHEABLE_FLAG, not getattr(request, "is_preview", False))


class PagesToFinishPanel(Component):
    """ "What's next" for content: drafts, scheduled pages and lessons without a video,
    among the pages this editor may change."""

    name = "pages_to_finish"
    order = 60
    template_name = "cms/admin/dashboard_pages.html"

    def __init__(self, user) -> None:
        self.user = user

    def get_context_data(self, parent_context):
        return {
            "pages": dashboard.pages_awaiting_publication(user=self.user, limit=DASHBOARD_ROWS),
            "lessons": dashboard.lessons_missing_video(user=self.user, limit=DASHBOARD_ROWS),
        }


@hooks.register("construct_homepage_panels")
def add_pages_to_finish_panel(request, panels):
    if request.user.has_perm("wagtailadmin.access_admin"):
        panels.append(PagesToFinishPanel(request.user))
