"""Reads. Seat counts are computed at query time, so an expired hold stops counting the
instant it expires and no periodic job is needed for availability to be right."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import (
    WAITLIST_ACTIVE,
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
    WaitlistEntry,
    WaitlistStatus,
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


def session_seats_available(
    *, session: Session, now=None, waitlist_entry_id: int | None = None
) -> int:
    """Seats the public may buy now: one query. With ``waitlist_entry_id``, what that
    entry's holder may buy: the public's seats plus their own outstanding offer."""
    now = now or timezone.now()
    counted = sessions_with_seats(Session.objects.filter(pk=session.pk), now=now).first()
    if counted is None:
        return 0
    left = availability_of(counted).left
    if waitlist_entry_id is not None:
        left += waitlist_offer_outstanding(entry_id=waitlist_entry_id, now=now)
    return left


def session_seat_counts(*, session: Session, now=None) -> "Availability":
    """Capacity, seats taken, offered and waited for: one query."""
    counted = sessions_with_seats(Session.objects.filter(pk=session.pk), now=now).get()
    return availability_of(counted)


def ticket_type_seats_taken(*, ticket_type: TicketType, now=None) -> int:
    return registrations_taking_seats(now=now).filter(ticket_type=ticket_type).count()


@dataclass(frozen=True)
class Availability:
    """Seats of one session. ``offered`` are seats held for people with an open
    waiting-list offer (not yet in their checkout); ``waiting`` the seats people on the
    list still wait for. Both come before the public: the public gets what is left."""

    capacity: int
    taken: int
    offered: int = 0
    waiting: int = 0

    @property
    def free(self) -> int:
        """Seats nobody has and nobody was offered: what the waiting list may be offered."""
        return max(0, self.capacity - self.taken - self.offered)

    @property
    def left(self) -> int:
        """Seats the public may buy: the waiting list's demand is served first."""
        return max(0, self.free - self.waiting)

    @property
    def sold_out(self) -> bool:
        return self.left == 0

    @property
    def few_left(self) -> bool:
        return 0 < self.left <= FEW_SEATS_THRESHOLD

    @property
    def has_waitlist(self) -> bool:
        return bool(self.offered or self.waiting)


def _offer_open_q(now, prefix: str = "") -> Q:
    return Q(
        **{
            f"{prefix}status": WaitlistStatus.OFFERED,
            f"{prefix}offer_expires_at__gt": now,
        }
    )


def _per_session(queryset: QuerySet, aggregate):
    """A correlated subquery aggregating ``queryset`` per session (0 when it has no rows)."""
    rows = queryset.filter(session=OuterRef("pk")).order_by().values("session")
    return Coalesce(Subquery(rows.annotate(total=aggregate).values("total")[:1]), 0)


def sessions_with_seats(queryset: QuerySet[Session], *, now=None) -> QuerySet[Session]:
    """Annotate ``seats_taken``, ``seats_offered`` (open offers not yet in checkout) and
    ``seats_waiting`` on each session: still one query for a whole listing."""
    now = now or timezone.now()
    # Seats an offer holder already holds or bought count as taken, not as offered.
    in_offer_checkout = Registration.objects.filter(
        _seat_taking_q(now), _offer_open_q(now, "waitlist_entry__")
    )
    return queryset.annotate(
        seats_taken=Count("registrations", filter=_seat_taking_q(now, "registrations__")),
        seats_offered=_per_session(
            WaitlistEntry.objects.filter(_offer_open_q(now)), Sum("offered_seats")
        )
        - _per_session(in_offer_checkout, Count("pk")),
        seats_waiting=_per_session(
            WaitlistEntry.objects.filter(status=WaitlistStatus.WAITING), Sum("seats")
        ),
    )


def availability_of(session: Session) -> Availability:
    """Availability of a session annotated by ``sessions_with_seats``."""
    return Availability(
        capacity=session.capacity,
        taken=session.seats_taken,
        offered=max(0, session.seats_offered),
        waiting=session.seats_waiting,
    )


def session_availability(sessions: Iterable[Session]) -> dict[int, Availability]:
    """Availability per session id, from sessions annotated by ``sessions_with_seats``."""
    return {s.pk: availability_of(s) for s in sessions}


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


# --- Waiting list ---------------------------------------------------------------------


def waitlist_seat_limit(*, session: Session, ticket_type: TicketType | None = None) -> int:
    """The most seats one person may wait for: what one order may book (the ticket's
    maximum per order, or the largest of the session's), never more than the room."""
    if ticket_type is not None:
        most = ticket_type.max_per_order
    else:
        most = max((t.max_per_order for t in session.ticket_types.all()), default=0)
    return min(most, session.capacity)


def waitlist_offer_outstanding(*, entry_id: int, now=None) -> int:
    """Seats of an open offer that its holder has not yet taken (held or bought)."""
    now = now or timezone.now()
    entry = WaitlistEntry.objects.filter(_offer_open_q(now), pk=entry_id).first()
    if entry is None:
        return 0
    used = registrations_taking_seats(now=now).filter(waitlist_entry_id=entry_id).count()
    return max(0, entry.offered_seats - used)


def session_waitlist(*, session: Session) -> QuerySet[WaitlistEntry]:
    """The queue in serving order (active entries), with who and what they asked for."""
    return (
        WaitlistEntry.objects.filter(session=session, status__in=WAITLIST_ACTIVE)
        .select_related("user", "ticket_type")
        .order_by("sort_key", "pk")
    )


def session_waitlist_history(*, session: Session, limit: int = 50) -> QuerySet[WaitlistEntry]:
    """Entries that are no longer in the queue (booked, left, expired...), newest first."""
    return (
        WaitlistEntry.objects.filter(session=session)
        .exclude(status__in=WAITLIST_ACTIVE)
        .select_related("user", "ticket_type")
        .order_by("-updated_at", "-pk")[:limit]
    )


def waitlist_position(*, entry: WaitlistEntry) -> int:
    """1 for the first person still waiting; people holding an offer are not in line."""
    return (
        WaitlistEntry.objects.filter(session_id=entry.session_id, status=WaitlistStatus.WAITING)
        .filter(Q(sort_key__lt=entry.sort_key) | Q(sort_key=entry.sort_key, pk__lt=entry.pk))
        .count()
        + 1
    )


def user_waitlist_entry(*, user, session_id: int) -> WaitlistEntry | None:
    """The user's active entry for a session, if any."""
    if user is None or not user.is_authenticated:
        return None
    return (
        WaitlistEntry.objects.filter(user=user, session_id=session_id, status__in=WAITLIST_ACTIVE)
        .select_related("ticket_type")
        .first()
    )


def user_waitlist_entries(*, user, now=None) -> list[WaitlistEntry]:
    """The user's active entries in sessions that have not started, offers first, each
    with ``position`` (waiting) or ``seats_open`` (offered) set."""
    now = now or timezone.now()
    if user is None or not user.is_authenticated:
        return []
    entries = list(
        WaitlistEntry.objects.filter(
            Q(status=WaitlistStatus.WAITING) | _offer_open_q(now),
            user=user,
            session__starts_at__gt=now,
        )
        .select_related("session__workshop", "session__venue", "ticket_type")
        .order_by("session__starts_at", "pk")
    )
    for entry in entries:
        if entry.status == WaitlistStatus.OFFERED:
            entry.seats_open = waitlist_offer_outstanding(entry_id=entry.pk, now=now)
        else:
            entry.position = waitlist_position(entry=entry)
    entries.sort(key=lambda e: (e.status != WaitlistStatus.OFFERED, e.session.starts_at))
    return entries


def waitlist_offers_lapsed(*, now=None) -> QuerySet[WaitlistEntry]:
    """Offers whose deadline passed (they stopped counting already; the job moves on)."""
    now = now or timezone.now()
    return WaitlistEntry.objects.filter(
        status=WaitlistStatus.OFFERED, offer_expires_at__lte=now
    ).order_by("session_id", "sort_key", "pk")
