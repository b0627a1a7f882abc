"""Who may watch which masterclass, and lesson progress."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connections
from django.db.models import (
    CharField,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils import timezone
from django.utils.translation import gettext

from config.prepared import Param, PreparedRead
from courses.locators import lesson_facts
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
# Being staff opens nothing: editors who must check lessons hold this permission.
WATCH_EVERY_MASTERCLASS = "courses.watch_every_masterclass"


def access_grants_active(*, user, at=None) -> QuerySet[AccessGrant]:
    """The user's grants that count at ``at``: started, not ended, not revoked."""
    at = at or timezone.now()
    if user is None or not user.is_authenticated:
        return AccessGrant.objects.none()
    return _grants_counting(user_id=user.pk, at=at)


def _grants_counting(*, user_id, at) -> QuerySet[AccessGrant]:
    """The one rule for a grant that counts (values, or ``Param`` for prepared reads)."""
    return AccessGrant.objects.filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=at),
        user_id=user_id,
        starts_at__lte=at,
        revoked_at__isnull=True,
    )


def _masterclass_id(masterclass: Masterclass | int | None) -> int | None:
    return masterclass.pk if isinstance(masterclass, Masterclass) else masterclass


def _is_active_user(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def user_can_watch_every_masterclass(*, user) -> bool:
    """Those given the permission (editors checking lessons) watch without a grant."""
    return _is_active_user(user) and user.has_perm(WATCH_EVERY_MASTERCLASS)


def user_can_watch_masterclass(*, user, masterclass: Masterclass | int, at=None) -> bool:
    """An active grant for all masterclasses (membership) or for this one (purchase,
    workshop, staff grant), or the permission to watch every masterclass."""
    if not _is_active_user(user):
        return False
    has_grant = (
        access_grants_active(user=user, at=at)
        .filter(Q(masterclass__isnull=True) | Q(masterclass_id=_masterclass_id(masterclass)))
        .exists()
    )
    return has_grant or user_can_watch_every_masterclass(user=user)


def user_can_watch_lesson(
    *, user, lesson_key: str, masterclass: Masterclass | int, video_id: int, at=None
) -> bool:
    """May ``user`` watch ``video_id`` as the lesson ``lesson_key`` of ``masterclass``?

    Whatever a playback token claims, the published lesson is read again on every call:
    it must still belong to that masterclass and show that video, and only its own
    "free preview" flag opens it to everyone. The rest follows the grants. Unpublished or
    moved lessons play only for those who may watch every masterclass (editors).
    """
    lesson = lesson_facts(str(lesson_key))
    if (
        lesson is None
        or lesson.masterclass_id != _masterclass_id(masterclass)
        or lesson.video_id != video_id
    ):
        return user_can_watch_every_masterclass(user=user)
    return lesson.is_preview or user_can_watch_masterclass(
        user=user, masterclass=lesson.masterclass_id, at=at
    )


@dataclass(frozen=True)
class ViewerAccess:
    """What a viewer's access to one masterclass is, for labels on pages."""

    can_watch: bool
    source: str = ""
    label: str = ""
    ends_at: object = None


def access_grants_list(*, user, at=None) -> list[AccessGrant]:
    """All of the user's active grants in one query, for a page that asks several
    questions of them (``masterclass_access_for_user``, ``user_membership_grant``)."""
    return list(access_grants_active(user=user, at=at).order_by("ends_at", "pk"))


def masterclass_access_for_user(
    *, user, masterclass_ids: Iterable[int], at=None, grants: list[AccessGrant] | None = None
) -> dict[int, ViewerAccess]:
    """Access per masterclass id in one query (the library lists many), or none when
    ``grants`` (``access_grants_list``) are given."""
    ids = list(masterclass_ids)
    none = ViewerAccess(can_watch=False)
    if not _is_active_user(user):
        return dict.fromkeys(ids, none)
    if grants is None:
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
            if user_can_watch_every_masterclass(user=user):
                result[masterclass_id] = ViewerAccess(
                    can_watch=True, source=AccessSource.STAFF, label=gettext("Staff preview")
                )
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


def user_membership_grant(
    *, user, at=None, grants: list[AccessGrant] | None = None
) -> AccessGrant | None:
    """The active all-masterclasses grant that lasts longest, if any (no query when
    ``grants``, from ``access_grants_list``, are given)."""
    if grants is not None:
        memberships = [g for g in grants if g.masterclass_id is None]
        # Open-ended first, then the latest end; ties to the lowest id, as the query does.
        return min(
            memberships,
            key=lambda g: (
                g.ends_at is not None,
                -(g.ends_at.timestamp() if g.ends_at else 0),
                g.pk,
            ),
            default=None,
        )
    if user is None or not user.is_authenticated:
        return None
    return _MEMBERSHIP_GRANT.first(user=user.pk, at=at or timezone.now())


# The longest-lasting active all-masterclasses grant (My account's membership card, the
# membership services): one statement, compiled once per process.
_MEMBERSHIP_GRANT = PreparedRead(
    lambda: (
        _grants_counting(user_id=Param("user", IntegerField()), at=Param("at", DateTimeField()))
        .filter(masterclass__isnull=True)
        .order_by(F("ends_at").desc(nulls_first=True), "pk")[:1]
    )
)


def lesson_progress_for_user(*, user, lesson_keys: Iterable[str]) -> dict[str, LessonProgress]:
    if user is None or not user.is_authenticated:
        return {}
    rows = LessonProgress.objects.filter(user=user, lesson_key__in=list(lesson_keys))
    return {row.lesson_key: row for row in rows}


# The reads of ``access_grants_and_progress``, compiled once per process
# (``config.prepared``): the grants, and the progress per number of lesson keys.
_GRANTS_ACTIVE = PreparedRead(
    lambda: _grants_counting(
        user_id=Param("user", IntegerField()), at=Param("at", DateTimeField())
    ).order_by()
)
_progress_reads: dict[int, PreparedRead] = {}


def _progress_read(count: int) -> PreparedRead:
    """The user's progress in ``count`` lessons (keys ``key0`` ... ``key<count-1>``)."""
    read = _progress_reads.get(count)
    if read is None:
        keys = [Param(f"key{i}", CharField()) for i in range(count)]
        read = _progress_reads[count] = PreparedRead(
            lambda: LessonProgress.objects.filter(
                user_id=Param("user", IntegerField()), lesson_key__in=keys
            ).order_by()
        )
    return read


def access_grants_and_progress(
    *, user, lesson_keys: Iterable[str], at=None
) -> tuple[list[AccessGrant], dict[str, LessonProgress]]:
    """``access_grants_list`` and ``lesson_progress_for_user`` in one statement (UNION ALL
    of the same two reads, told apart by a first column): a member's lesson, series or
    library page needs both, and a round trip costs more than the rows."""
    keys = list(dict.fromkeys(lesson_keys))
    if user is None or not user.is_authenticated:
        return [], {}
    grants_sql, grants_params = _GRANTS_ACTIVE.statement(user=user.pk, at=at or timezone.now())
    grant_columns = len(AccessGrant._meta.concrete_fields)
    progress_columns = len(LessonProgress._meta.concrete_fields)
    # Each arm leaves the other's columns NULL (PostgreSQL types them from the other arm).
    nulls_for_progress = ", NULL" * progress_columns
    nulls_for_grants = "NULL, " * grant_columns
    progress_read = _progress_read(len(keys)) if keys else None
    if progress_read is not None:
        progress_sql, progress_params = progress_read.statement(
            user=user.pk, **{f"key{i}": key for i, key in enumerate(keys)}
        )
        progress_arm = f"SELECT 1, {nulls_for_grants}p.* FROM ({progress_sql}) AS p"  # noqa: S608
    else:
        progress_params = []
        progress_arm = f"SELECT 1, {nulls_for_grants}{nulls_for_progress[2:]} WHERE 1 = 0"
    # Only Django's compiled SQL and fixed text are joined; every value is a parameter.
    sql = f"SELECT 0, g.*{nulls_for_progress} FROM ({grants_sql}) AS g UNION ALL {progress_arm}"  # noqa: S608
    with connections[AccessGrant.objects.db].cursor() as cursor:
        cursor.execute(sql, (*grants_params, *progress_params))
        rows = cursor.fetchall()
    split = 1 + grant_columns
    grants = _GRANTS_ACTIVE.read([row[1:split] for row in rows if row[0] == 0])
    progress: dict[str, LessonProgress] = {}
    if progress_read is not None:
        for item in progress_read.read([row[split:] for row in rows if row[0] == 1]):
            progress[item.lesson_key] = item
    # The order of ``access_grants_list``: by end (open-ended last), then id.
    grants.sort(key=lambda g: (g.ends_at is None, g.ends_at or g.starts_at, g.pk))
    return grants, progress


def lesson_progress_unfinished(*, user) -> QuerySet[LessonProgress]:
    """Lessons the user started and has not finished."""
    return LessonProgress.objects.filter(
        user=user, completed_at__isnull=True, position_seconds__gt=0
    )


def lesson_progress_recent(*, user, limit: int = 6) -> QuerySet[LessonProgress]:
    """Lessons started and not finished, most recent first ("continue watching")."""
    return lesson_progress_unfinished(user=user).order_by("-updated_at", "-pk")[:limit]


def workshops_including_masterclass(*, masterclass: Masterclass | int) -> QuerySet[Workshop]:
    return Workshop.objects.filter(included_masterclasses=_masterclass_id(masterclass))


def masterclasses_purchased(*, user, at=None) -> QuerySet[Masterclass]:
    """Masterclasses the user bought outright and may still watch ("Your masterclasses")."""
    bought = access_grants_active(user=user, at=at).filter(
        source=AccessSource.PURCHASE, masterclass=OuterRef("pk")
    )
    return Masterclass.objects.filter(Exists(bought)).order_by("title")
