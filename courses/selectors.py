"""Reads. Seat counts are computed at query time, so an expired hold stops counting the
instant it expires and no periodic job is needed for availability to be right."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from .models import (
    AccessGrant,
    AccessSource,
    Certificate,
    LessonProgress,
    Masterclass,
    Registration,
    RegistrationStatus,
    ReminderSent,
    Session,
    SessionStatus,
    TicketType,
    Workshop,
)

FEW_SEATS_THRESHOLD = 5


def _seat_taking_q(now, prefix: str = "") -> Q:
    """Registrations that occupy a seat: confirmed, or held and not yet expired."""
    return Q(**{f"{prefix}status": RegistrationStatus.CONFIRMED}) | Q(
        **{f"{prefix}status": RegistrationStatus.HELD, f"{prefix}hold_expires_at__gt": now}
    )


def registrations_taking_seats(*, now=None) -> QuerySet[Registration]:
    return Registration.objects.filter(_seat_taking_q(now or timezone.now()))


def session_seats_taken(*, session: Session, now=None) -> int:
    return registrations_taking_seats(now=now).filter(session=session).count()


def session_seats_available(*, session: Session, now=None) -> int:
    return max(0, session.capacity - session_seats_taken(session=session, now=now))


def ticket_type_seats_taken(*, ticket_type: TicketType, now=None) -> int:
    return registrations_taking_seats(now=now).filter(ticket_type=ticket_type).count()


@dataclass(frozen=True)
class Availability:
    capacity: int
    taken: int

    @property
    def left(self) -> int:
        return max(0, self.capacity - self.taken)

    @property
    def sold_out(self) -> bool:
        return self.left == 0

    @property
    def few_left(self) -> bool:
        return 0 < self.left <= FEW_SEATS_THRESHOLD


def sessions_with_seats(queryset: QuerySet[Session], *, now=None) -> QuerySet[Session]:
    """Annotate ``seats_taken`` on each session: one query for a whole listing."""
    now = now or timezone.now()
    return queryset.annotate(
        seats_taken=Count("registrations", filter=_seat_taking_q(now, "registrations__"))
    )


def session_availability(sessions: Iterable[Session]) -> dict[int, Availability]:
    """Availability per session id, from sessions annotated by ``sessions_with_seats``."""
    return {s.pk: Availability(capacity=s.capacity, taken=s.seats_taken) for s in sessions}


def upcoming_sessions(*, now=None) -> QuerySet[Session]:
    """Scheduled sessions that have not ended, with seats taken, venue and workshop."""
    now = now or timezone.now()
    return sessions_with_seats(
        Session.objects.filter(status=SessionStatus.SCHEDULED, ends_at__gt=now)
        .select_related("workshop", "venue")
        .order_by("starts_at", "pk"),
        now=now,
    )


def ticket_type_has_registrations(*, ticket_type: TicketType) -> bool:
    return Registration.objects.filter(ticket_type=ticket_type).exists()


def _price_from_subquery(now):
    """Lowest price among ticket types still on sale or coming on sale."""
    return Subquery(
        TicketType.objects.filter(session=OuterRef("pk"))
        .filter(Q(sales_end__isnull=True) | Q(sales_end__gt=now))
        .order_by("price_amount")
        .values("price_amount")[:1]
    )


def listing_sessions(*, now=None) -> QuerySet[Session]:
    """Upcoming sessions for a listing, each with ``seats_taken``, ``price_from`` and
    ``currency``, its workshop and venue: one query whatever the number of sessions."""
    now = now or timezone.now()
    return upcoming_sessions(now=now).annotate(
        price_from=_price_from_subquery(now),
        price_currency=Subquery(
            TicketType.objects.filter(session=OuterRef("pk")).values("currency")[:1]
        ),
    )


def past_sessions(*, now=None, limit: int = 6) -> QuerySet[Session]:
    now = now or timezone.now()
    return (
        Session.objects.filter(status=SessionStatus.SCHEDULED, ends_at__lte=now)
        .select_related("workshop", "venue")
        .order_by("-starts_at", "-pk")[:limit]
    )


def workshop_upcoming_sessions(*, workshop_id: int, now=None) -> list[Session]:
    """A workshop's sessions that have not ended (cancelled ones included, so the page
    can say so), with venue, instructors, ticket types and seats: three queries."""
    now = now or timezone.now()
    tickets = TicketType.objects.annotate(
        seats_taken=Count("registrations", filter=_seat_taking_q(now, "registrations__"))
    ).order_by("sort_order", "price_amount", "pk")
    return list(
        sessions_with_seats(
            Session.objects.filter(workshop_id=workshop_id, ends_at__gt=now)
            .select_related("venue", "workshop")
            .prefetch_related(Prefetch("ticket_types", queryset=tickets), "instructors")
            .order_by("starts_at", "pk"),
            now=now,
        )
    )


def workshop_sessions_for_admin(*, workshop_id: int) -> QuerySet[Session]:
    """Every session of a workshop, newest first, with seats taken now."""
    return sessions_with_seats(
        Session.objects.filter(workshop_id=workshop_id)
        .select_related("venue")
        .order_by("-starts_at", "-pk")
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
        staff = ViewerAccess(can_watch=True, source=AccessSource.STAFF, label="Staff preview")
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


# --- After the sale -----------------------------------------------------------------


def session_attendees(*, session: Session, query: str = "") -> QuerySet[Registration]:
    """Everyone with a seat or a ticket for the session, for the check-in list; cancelled
    and expired registrations are kept out of the list (a scan still explains them)."""
    registrations = Registration.objects.filter(
        session=session, status=RegistrationStatus.CONFIRMED
    ).select_related("ticket_type")
    if query := query.strip():
        registrations = registrations.filter(
            Q(attendee_name__icontains=query)
            | Q(attendee_email__icontains=query)
            | Q(licence_number__icontains=query)
            | Q(code=query)
        )
    return registrations.order_by("attendee_name", "pk")


@dataclass(frozen=True)
class CheckInCounts:
    confirmed: int
    checked_in: int
    checked_out: int


def session_check_in_counts(*, session: Session) -> CheckInCounts:
    counts = Registration.objects.filter(
        session=session, status=RegistrationStatus.CONFIRMED
    ).aggregate(
        confirmed=Count("pk"),
        checked_in=Count("pk", filter=Q(checked_in_at__isnull=False)),
        checked_out=Count("pk", filter=Q(checked_out_at__isnull=False)),
    )
    return CheckInCounts(**counts)


def staff_sessions(*, now=None, past_days: int = 60) -> QuerySet[Session]:
    """Sessions staff work with at the door: upcoming, and recent ones for certificates."""
    now = now or timezone.now()
    return sessions_with_seats(
        Session.objects.filter(ends_at__gt=now - datetime.timedelta(days=past_days))
        .select_related("workshop", "venue")
        .order_by("starts_at", "pk"),
        now=now,
    )


def registrations_with_full_attendance(*, session: Session) -> QuerySet[Registration]:
    """Checked in and checked out: the only attendance a CE certificate may certify."""
    return Registration.objects.filter(
        session=session,
        status=RegistrationStatus.CONFIRMED,
        checked_in_at__isnull=False,
        checked_out_at__isnull=False,
    )


def sessions_needing_certificates(*, now=None, within_days: int = 30) -> QuerySet[Session]:
    """Recently ended sessions with at least one fully attended registration that has no
    current certificate (the beat task's work list)."""
    now = now or timezone.now()
    owed = Registration.objects.filter(
        session=OuterRef("pk"),
        status=RegistrationStatus.CONFIRMED,
        checked_in_at__isnull=False,
        checked_out_at__isnull=False,
    ).exclude(pk__in=Certificate.objects.filter(revoked_at__isnull=True).values("registration_id"))
    return Session.objects.filter(
        Exists(owed),
        status=SessionStatus.SCHEDULED,
        ends_at__lte=now,
        ends_at__gt=now - datetime.timedelta(days=within_days),
    )


def user_certificates(*, user) -> QuerySet[Certificate]:
    """Current certificates whose registration belongs to the user (their account or their
    sign-in e-mail)."""
    return (
        Certificate.objects.filter(revoked_at__isnull=True)
        .filter(
            Q(registration__attendee_user=user) | Q(registration__attendee_email__iexact=user.email)
        )
        .order_by("-session_ended_on", "-pk")
    )


def certificate_visible_to(*, certificate: Certificate, user) -> bool:
    if not user.is_authenticated:
        return False
    if user.has_perm("courses.check_in_attendees"):
        return True
    registration = certificate.registration
    return registration.attendee_user_id == user.pk or (
        registration.attendee_email.lower() == (user.email or "").lower()
    )


def reminders_due(*, now=None, offsets_hours: list[int]) -> list[tuple[int, str]]:
    """(registration id, kind) pairs due now. Per registration only the nearest reminder
    whose time has come is due (a late beat never sends the week-before reminder the day
    before), and a reminder is skipped for people who booked after its time (their
    confirmation told them everything)."""
    now = now or timezone.now()
    offsets = sorted(offsets_hours)
    if not offsets:
        return []
    horizon = now + datetime.timedelta(hours=offsets[-1])
    registrations = Registration.objects.filter(
        status=RegistrationStatus.CONFIRMED,
        session__status=SessionStatus.SCHEDULED,
        session__starts_at__gt=now,
        session__starts_at__lte=horizon,
    ).values_list("pk", "session__starts_at", "confirmed_at", "created_at")
    sent = set(
        ReminderSent.objects.filter(
            registration_id__in=[pk for pk, *_ in registrations]
        ).values_list("registration_id", "kind")
    )
    due = []
    for pk, starts_at, confirmed_at, created_at in registrations:
        for hours in offsets:
            send_from = starts_at - datetime.timedelta(hours=hours)
            if now < send_from:
                continue
            kind = f"{hours}h"
            booked = confirmed_at or created_at
            if booked < send_from and (pk, kind) not in sent:
                due.append((pk, kind))
            break
    return due


def masterclasses_purchased(*, user, at=None) -> QuerySet[Masterclass]:
    """Masterclasses the user bought outright and may still watch ("Your masterclasses")."""
    bought = access_grants_active(user=user, at=at).filter(
        source=AccessSource.PURCHASE, masterclass=OuterRef("pk")
    )
    return Masterclass.objects.filter(Exists(bought)).order_by("title")
