"""Who may watch which masterclass, and lesson progress."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import (
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import (
    AccessGrant,
    AccessSource,
    LessonProgress,
    Masterclass,
    Workshop,
)

# --- Masterclass access and progress ------------------------------------------------
# One rule decides who may watch: ``user_can_watch_masterclass``. Everything else (pages,
# the stream endpoint, the progress API) asks it, so there is nothing to keep in sync.


def access_grants_active(*, user, at=None) -> QuerySet[AccessGrant]:
    """The user's grants that count at ``at``: started, not ended, not revoked."""
    at = at or timezone.now()
    if user is None or not user.is_authenticated:
        return AccessGrant.objects.none()
    return AccessGrant.objects.filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=at),
        user=user,
        starts_at__lte=at,
        revoked_at__isnull=True,
    )


def _masterclass_id(masterclass: Masterclass | int | None) -> int | None:
    return masterclass.pk if isinstance(masterclass, Masterclass) else masterclass


def user_can_watch_masterclass(*, user, masterclass: Masterclass | int, at=None) -> bool:
    """Staff preview everything; others need an active grant for all masterclasses
    (membership) or for this one (purchase, workshop, staff grant)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff:
        return True
    return (
        access_grants_active(user=user, at=at)
        .filter(Q(masterclass__isnull=True) | Q(masterclass_id=_masterclass_id(masterclass)))
        .exists()
    )


def user_can_watch_lesson(
    *, user, masterclass: Masterclass | int, is_preview: bool, at=None
) -> bool:
    """Free previews are for everyone, signed in or not; the rest follows the grants."""
    return is_preview or user_can_watch_masterclass(user=user, masterclass=masterclass, at=at)


@dataclass(frozen=True)
class ViewerAccess:
    """What a viewer's access to one masterclass is, for labels on pages."""

    can_watch: bool
    source: str = ""
    label: str = ""
    ends_at: object = None


def masterclass_access_for_user(
    *, user, masterclass_ids: Iterable[int], at=None
) -> dict[int, ViewerAccess]:
    """Access per masterclass id in one query (the library lists many)."""
    ids = list(masterclass_ids)
    none = ViewerAccess(can_watch=False)
    if user is None or not user.is_authenticated or not user.is_active:
        return dict.fromkeys(ids, none)
    if user.is_staff:
        staff = ViewerAccess(can_watch=True, source=AccessSource.STAFF, label=_("Staff preview"))
        return dict.fromkeys(ids, staff)
    grants = list(
        access_grants_active(user=user, at=at)
        .filter(Q(masterclass__isnull=True) | Q(masterclass_id__in=ids))
        .order_by("ends_at")
    )
    result = {}
    for masterclass_id in ids:
        matching = [g for g in grants if g.masterclass_id in (None, masterclass_id)]
        if not matching:
            result[masterclass_id] = none
            continue
        # The grant that lasts longest describes the access best (lifetime beats monthly).
        best = max(matching, key=lambda g: (g.ends_at is None, g.ends_at or g.starts_at))
        result[masterclass_id] = ViewerAccess(
            can_watch=True,
            source=best.source,
            label=best.get_source_display(),
            ends_at=best.ends_at,
        )
    return result


def user_membership_grant(*, user, at=None) -> AccessGrant | None:
    """The active all-masterclasses grant that lasts longest, if any."""
    grants = access_grants_active(user=user, at=at).filter(masterclass__isnull=True)
    return grants.order_by(F("ends_at").desc(nulls_first=True)).first()


def lesson_progress_for_user(*, user, lesson_keys: Iterable[str]) -> dict[str, LessonProgress]:
    if user is None or not user.is_authenticated:
        return {}
    rows = LessonProgress.objects.filter(user=user, lesson_key__in=list(lesson_keys))
    return {row.lesson_key: row for row in rows}


def lesson_progress_recent(*, user, limit: int = 6) -> QuerySet[LessonProgress]:
    """Lessons started and not finished, most recent first ("continue watching")."""
    return LessonProgress.objects.filter(
        user=user, completed_at__isnull=True, position_seconds__gt=0
    ).order_by("-updated_at", "-pk")[:limit]


def workshops_including_masterclass(*, masterclass: Masterclass | int) -> QuerySet[Workshop]:
    return Workshop.objects.filter(included_masterclasses=_masterclass_id(masterclass))


def masterclasses_purchased(*, user, at=None) -> QuerySet[Masterclass]:
    """Masterclasses the user bought outright and may still watch ("Your masterclasses")."""
    bought = access_grants_active(user=user, at=at).filter(
        source=AccessSource.PURCHASE, masterclass=OuterRef("pk")
    )
    return Masterclass.objects.filter(Exists(bought)).order_by("title")
