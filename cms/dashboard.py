"""Pages for the "what's next" dashboard: drafts and scheduled pages, and masterclass
lessons still without a video, limited to pages the editor may change. One query each."""

from django.db.models import CharField, Exists, OuterRef, QuerySet
from django.db.models.functions import Cast

from wagtail.models import Page, Revision
from wagtail.permission_policies.pages import PagePermissionPolicy

from .models import LessonPage


def _editable(user) -> QuerySet[Page]:
    return PagePermissionPolicy().instances_user_has_any_permission_for(user, ["change"])


def pages_awaiting_publication(*, user, limit: int) -> list[Page]:
    """Drafts and pages with unpublished changes, newest first, each with
    ``go_live_at_scheduled`` (the approved publishing time) when one is scheduled."""
    scheduled = Revision.page_revisions.filter(
        object_id=Cast(OuterRef("pk"), CharField()), approved_go_live_at__isnull=False
    )
    return list(
        _editable(user)
        .filter(has_unpublished_changes=True, depth__gt=1)
        .annotate(is_scheduled=Exists(scheduled))
        .order_by("-latest_revision_created_at", "-pk")[:limit]
    )


def lessons_missing_video(*, user, limit: int) -> list[LessonPage]:
    return list(
        LessonPage.objects.filter(video__isnull=True, pk__in=_editable(user).values("pk")).order_by(
            "path"
        )[:limit]
    )
