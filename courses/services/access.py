"""Masterclass access grants (memberships, purchases, workshops, staff) and lesson
progress.
"""

import datetime
import math

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from courses.errors import (
    InvalidAccessGrant,
    InvalidProgress,
)
from courses.models import (
    AccessGrant,
    AccessSource,
    LessonProgress,
    Masterclass,
    Registration,
    Video,
)

COMPLETED_FRACTION = 0.9
# A player may report a position slightly past the duration it read from the file.
POSITION_TOLERANCE_SECONDS = 2.0
MAX_LESSON_SECONDS = 24 * 60 * 60


# --- Access grants ------------------------------------------------------------------


@transaction.atomic
def access_grant_create(
    *,
    user,
    source: str,
    masterclass: Masterclass | None = None,
    starts_at: datetime.datetime | None = None,
    ends_at: datetime.datetime | None = None,
    source_reference: str = "",
) -> AccessGrant:
    """Give ``user`` access to ``masterclass`` (None: every masterclass).

    With a ``source_reference`` (a Stripe subscription id, an order id) the call is
    idempotent: the live grant for the same user, source, reference and masterclass is
    updated instead of duplicated, so a webhook delivered twice or a renewal
    (``invoice.paid``) simply moves ``ends_at``.
    """
    if source not in AccessSource.values:
        raise InvalidAccessGrant(f"Unknown access source {source!r}.")
    starts_at = starts_at or timezone.now()
    if ends_at is not None and ends_at <= starts_at:
        raise InvalidAccessGrant(gettext("An access grant must end after it starts."))
    if source_reference:
        existing = (
            AccessGrant.objects.select_for_update()
            .filter(
                user=user,
                source=source,
                source_reference=source_reference,
                masterclass=masterclass,
                revoked_at__isnull=True,
            )
            .first()
        )
        if existing is not None:
            existing.starts_at = min(existing.starts_at, starts_at)
            existing.ends_at = ends_at
            existing.save(update_fields=["starts_at", "ends_at", "updated_at"])
            return existing
    return AccessGrant.objects.create(
        user=user,
        source=source,
        masterclass=masterclass,
        starts_at=starts_at,
        ends_at=ends_at,
        source_reference=source_reference,
    )


@transaction.atomic
def access_grant_end(
    *,
    source: str,
    source_reference: str,
    at: datetime.datetime | None = None,
    revoke: bool = False,
) -> int:
    """End the grants a source created, at ``at`` (default: now). Returns how many.

    Ending keeps the history (a cancelled subscription ends at the end of its paid
    period: pass that as ``at``). ``revoke`` is for refunds and chargebacks: the grant
    stops counting at once, whatever its dates.
    """
    if not source_reference:
        raise InvalidAccessGrant("Say which grants to end: a source reference is required.")
    at = at or timezone.now()
    grants = AccessGrant.objects.select_for_update().filter(
        source=source, source_reference=source_reference, revoked_at__isnull=True
    )
    count = 0
    for grant in grants:
        if revoke:
            grant.revoked_at = timezone.now()
        elif grant.ends_at is None or grant.ends_at > at:
            # A grant ending before it started simply never counted.
            grant.ends_at = max(at, grant.starts_at + datetime.timedelta(microseconds=1))
        else:
            continue
        grant.save(update_fields=["ends_at", "revoked_at", "updated_at"])
        count += 1
    return count


def workshop_access_grants_create(*, registration: Registration) -> list[AccessGrant]:
    """Grants for the masterclasses a confirmed seat's workshop includes, for the
    attendee's account (when the attendee has one). Idempotent per registration."""
    user = registration.attendee_user
    if user is None:
        return []
    return [
        access_grant_create(
            user=user,
            source=AccessSource.WORKSHOP,
            masterclass=masterclass,
            source_reference=f"registration:{registration.pk}",
        )
        for masterclass in registration.session.workshop.included_masterclasses.all()
    ]


# --- Progress -----------------------------------------------------------------------


def _seconds(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidProgress(gettext("%(name)s must be a number of seconds.") % {"name": name})
    try:
        number = float(value)
    except (ValueError, OverflowError) as exc:  # OverflowError: an integer past 1e308
        raise InvalidProgress(
            gettext("%(name)s must be a number of seconds.") % {"name": name}
        ) from exc
    if not math.isfinite(number):
        raise InvalidProgress(gettext("%(name)s must be a finite number.") % {"name": name})
    if number < 0:
        raise InvalidProgress(gettext("%(name)s cannot be negative.") % {"name": name})
    if number > MAX_LESSON_SECONDS:
        raise InvalidProgress(gettext("%(name)s is longer than any lesson.") % {"name": name})
    return number


@transaction.atomic
def lesson_progress_record(
    *,
    user,
    lesson_key: str,
    position_seconds,
    duration_seconds,
    masterclass: Masterclass | int | None = None,
    video: Video | int | None = None,
) -> LessonProgress:
    """Save where ``user`` is in a lesson. Completed once ≥ 90 % has been reached, and
    it stays completed when the viewer rewatches from the start."""
    if user is None or not user.is_authenticated:
        raise InvalidProgress(gettext("Sign in to save your progress."))
    if not lesson_key or len(str(lesson_key)) > 64:
        raise InvalidProgress(gettext("Unknown lesson."))
    position = _seconds(position_seconds, "position")
    duration = _seconds(duration_seconds, "duration")
    if duration <= 0:
        raise InvalidProgress(gettext("duration must be more than zero."))
    if position > duration + POSITION_TOLERANCE_SECONDS:
        raise InvalidProgress(gettext("position is past the end of the video."))
    position = min(position, duration)
    now = timezone.now()
    progress, _ = LessonProgress.objects.select_for_update().get_or_create(
        user=user, lesson_key=str(lesson_key)
    )
    progress.position_seconds = position
    progress.duration_seconds = duration
    progress.masterclass_id = (
        masterclass.pk if isinstance(masterclass, Masterclass) else masterclass
    )
    progress.video_id = video.pk if isinstance(video, Video) else video
    if progress.completed_at is None and position >= COMPLETED_FRACTION * duration:
        progress.completed_at = now
    progress.updated_at = now
    progress.save()
    return progress
