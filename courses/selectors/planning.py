"""Reads for planning in the admin: the calendar of sessions and the "what's next"
dashboard. Each is a fixed number of queries however many sessions there are."""

import datetime

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone

from courses.models import Instructor, Session, SessionStatus, Venue, Workshop
from courses.selectors.seats import sessions_with_seats

UPCOMING_DAYS = 60


def calendar_sessions(
    *,
    starts_from: datetime.datetime,
    starts_before: datetime.datetime,
    workshop_id: int | None = None,
    venue_id: int | None = None,
    instructor_id: int | None = None,
) -> QuerySet[Session]:
    """Sessions (cancelled ones too, marked as such) taking place in a window, with their
    workshop, venue and seats: one query. A multi-day session that began before the
    window and runs into it is included."""
    sessions = Session.objects.filter(starts_at__lt=starts_before, ends_at__gt=starts_from)
    if workshop_id:
        sessions = sessions.filter(workshop_id=workshop_id)
    if venue_id:
        sessions = sessions.filter(venue_id=venue_id)
    if instructor_id:
        sessions = sessions.filter(
            Exists(
                Session.instructors.through.objects.filter(
                    session_id=OuterRef("pk"), instructor_id=instructor_id
                )
            )
        )
    return sessions_with_seats(
        sessions.select_related("workshop", "venue").order_by("starts_at", "pk")
    )


def calendar_filter_choices() -> dict[str, QuerySet]:
    """What the calendar may be filtered by: one query each."""
    return {
        "workshops": Workshop.objects.order_by("title").only("pk", "title"),
        "venues": Venue.objects.order_by("city", "name").only("pk", "name", "city"),
        "instructors": Instructor.objects.order_by("name").only("pk", "name"),
    }


def sessions_coming_up(*, now=None, days: int = UPCOMING_DAYS) -> QuerySet[Session]:
    """Scheduled sessions starting in the next ``days`` days (or running now), soonest
    first, with seats taken and seats people wait for: one query."""
    now = now or timezone.now()
    return sessions_with_seats(
        Session.objects.filter(
            status=SessionStatus.SCHEDULED,
            ends_at__gt=now,
            starts_at__lt=now + datetime.timedelta(days=days),
        )
        .select_related("workshop", "venue")
        .order_by("starts_at", "pk"),
        now=now,
    )


def workshops_with_latest_session(queryset: QuerySet[Workshop]) -> QuerySet[Workshop]:
    """Annotate ``latest_session_id``: the most recent session not cancelled (the one to
    schedule a new season from), or None."""
    latest = (
        Session.objects.filter(workshop_id=OuterRef("pk"))
        .exclude(status=SessionStatus.CANCELLED)
        .order_by("-starts_at", "-pk")
        .values("pk")[:1]
    )
    return queryset.annotate(latest_session_id=Subquery(latest))


def workshops_without_upcoming_date(*, now=None) -> QuerySet[Workshop]:
    """Course records with no scheduled session still to come, each with
    ``latest_session_id``: one query."""
    now = now or timezone.now()
    upcoming = Session.objects.filter(
        workshop_id=OuterRef("pk"), status=SessionStatus.SCHEDULED, ends_at__gt=now
    )
    return workshops_with_latest_session(
        Workshop.objects.filter(~Exists(upcoming)).order_by("title")
    )
