"""Seat counts. Computed at query time, so an expired hold stops counting the instant it
expires and no periodic job is needed for availability to be right.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connections
from django.db.models import (
    Count,
    DateTimeField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from config.prepared import Param, PreparedRead
from courses.models import (
    Registration,
    RegistrationStatus,
    Session,
    TicketType,
    WaitlistEntry,
    WaitlistStatus,
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


# The sold-out hint: seats left as last counted, kept this long in the cache. Only ever
# used to refuse early (a rush's losers hear "sold out" without queueing for the lock or
# counting); who gets a seat is counted live under the session lock.
SEATS_HINT_SECONDS = 2


def seats_hint_key(session_id: int) -> str:
    return f"courses:seats-left:{session_id}"


def session_seats_left_hint(*, session_id: int) -> int | None:
    """Seats the public may buy, as counted at most ``SEATS_HINT_SECONDS`` ago (no query
    on a cache hit), else counted now (one query) and remembered; None when there is no
    such session. Every path that frees seats forgets it (``waitlist_seats_freed``); a
    grant stores what it left."""
    key = seats_hint_key(session_id)
    left = cache.get(key)
    if left is None:
        counted = sessions_with_seats(Session.objects.filter(pk=session_id)).first()
        if counted is None:
            return None
        left = availability_of(counted).left
        cache.set(key, left, SEATS_HINT_SECONDS)
    return left


def session_sold_out_early(*, session_id: int, now) -> bool:
    """The pre-check before the seat lock: nothing is left for the public. Read from the
    hint when ``now`` is the present; a caller asking about another moment (a replayed
    or back-dated booking) gets a count for that moment."""
    if abs((now - timezone.now()).total_seconds()) < SEATS_HINT_SECONDS:
        return session_seats_left_hint(session_id=session_id) == 0
    unlocked = Session.objects.filter(pk=session_id).only("pk", "capacity").first()
    return unlocked is not None and session_sold_out(session=unlocked, now=now)


def session_seats_left_counter(*, session_id: int, now) -> Callable[[], int]:
    """The public's seats left in one session, prepared now and counted when called.

    The checkout prepares the seat count before it takes the session lock, so the lock is
    held for the query alone; the statement is compiled once per process and database
    (``_SEATS_LEFT``: compiling ``sessions_with_seats`` costs a grant more Python, 3.6 ms,
    than all its other queries). Each call is a new statement, so under the lock it sees
    every seat granted before."""
    sql, params = _SEATS_LEFT.statement(session=session_id, now=now)

    def count() -> int:
        with connections[Session.objects.db].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if not rows:
            return 0
        counted = Session(pk=session_id)
        for name, value in _SEATS_LEFT.read(rows)[0].items():
            setattr(counted, name, value)
        return availability_of(counted).left

    return count


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
    ``seats_waiting`` on each session: still one query for a whole listing.

    Each figure is a correlated subquery (no join, no GROUP BY), so a sliced queryset
    counts the seats of the sessions it returns only, whatever the number of
    registrations and sessions (PostgreSQL evaluates them after ORDER BY ... LIMIT)."""
    now = now or timezone.now()
    # Seats an offer holder already holds or bought count as taken, not as offered.
    in_offer_checkout = Registration.objects.filter(
        _seat_taking_q(now), _offer_open_q(now, "waitlist_entry__")
    )
    return queryset.annotate(
        seats_taken=_per_session(Registration.objects.filter(_seat_taking_q(now)), Count("pk")),
        seats_offered=_per_session(
            WaitlistEntry.objects.filter(_offer_open_q(now)), Sum("offered_seats")
        )
        - _per_session(in_offer_checkout, Count("pk")),
        seats_waiting=_per_session(
            WaitlistEntry.objects.filter(status=WaitlistStatus.WAITING), Sum("seats")
        ),
    )


# One session's seat figures at a moment: the checkout's count (``session_seats_left_counter``).
_SEATS_LEFT = PreparedRead(
    lambda: sessions_with_seats(
        Session.objects.filter(pk=Param("session", IntegerField())),
        now=Param("now", DateTimeField()),
    ).values("capacity", "seats_taken", "seats_offered", "seats_waiting")
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


def ticket_type_has_registrations(*, ticket_type: TicketType) -> bool:
    return Registration.objects.filter(ticket_type=ticket_type).exists()


def waitlist_offer_outstanding(*, entry_id: int, now=None) -> int:
    """Seats of an open offer that its holder has not yet taken (held or bought)."""
    now = now or timezone.now()
    entry = WaitlistEntry.objects.filter(_offer_open_q(now), pk=entry_id).first()
    if entry is None:
        return 0
    used = registrations_taking_seats(now=now).filter(waitlist_entry_id=entry_id).count()
    return max(0, entry.offered_seats - used)


# --- Per ticket type: seats left and how many one order may book ----------------------
# One rule for every place that offers or sells tickets: the register page, the seat
# hold service (under the session lock), walk-ins at the door and the workshop pages.


def seats_sold_out(*, seats_left: int, offer: WaitlistEntry | None = None) -> bool:
    """The sold-out pre-check: nothing is left for the public. An open waiting-list offer
    holds its own seats, so its holder is never turned away here. Made on a count taken
    without the lock, it only answers losers early (in a rush most buyers lose and need
    not queue for the lock to hear it); who gets a seat is decided under the lock."""
    return offer is None and seats_left == 0


def session_sold_out(*, session: Session, now=None, offer: WaitlistEntry | None = None) -> bool:
    """``seats_sold_out`` on a fresh count (one query; none with an offer)."""
    return offer is None and seats_sold_out(
        seats_left=session_seats_available(session=session, now=now)
    )


@dataclass(frozen=True)
class TicketTypeQuantity:
    """One ticket type as an order may book it now.

    ``left`` is what its own limit (``quantity_limit``) leaves, None when only the
    session's seats limit it; ``most`` the largest quantity one order may book now: the
    per-order maximum, the seats left in the session (or the offer) and ``left``."""

    ticket_type: TicketType
    on_sale: bool
    left: int | None
    most: int

    @property
    def sold_out(self) -> bool:
        """Its own limit is reached (the session may still have seats for other types)."""
        return self.left == 0

    @property
    def choices(self) -> list[int]:
        """Quantities to offer in a form: 0 up to ``most``, or only 0 when not on sale."""
        return list(range(0, self.most + 1)) if self.on_sale else [0]


@dataclass(frozen=True)
class TicketQuantities:
    """Seats left for this buyer (the public's, or an offer's) and each ticket type."""

    seats_left: int
    offer: WaitlistEntry | None
    ticket_types: list[TicketTypeQuantity]

    @property
    def sold_out(self) -> bool:
        return seats_sold_out(seats_left=self.seats_left, offer=self.offer)

    def by_id(self) -> dict[int, TicketTypeQuantity]:
        return {row.ticket_type.pk: row for row in self.ticket_types}


def ticket_type_seats_left(*, ticket_type: TicketType, now=None) -> int | None:
    """What the ticket type's own limit leaves (None: it has no limit of its own). Uses
    ``seats_taken`` when the ticket type was annotated with it (listings), else counts."""
    if ticket_type.quantity_limit is None:
        return None
    taken = getattr(ticket_type, "seats_taken", None)
    if taken is None:
        taken = ticket_type_seats_taken(ticket_type=ticket_type, now=now)
    return max(0, ticket_type.quantity_limit - taken)


def ticket_type_quantity_choices(
    *,
    session: Session,
    now=None,
    offer: WaitlistEntry | None = None,
    ticket_type_ids: Iterable[int] | None = None,
    seats_left: int | None = None,
    ticket_types: Iterable[TicketType] | None = None,
) -> TicketQuantities:
    """Seats left and, per ticket type, what is left of its own limit and the quantities
    one order may book now.

    With an ``offer`` (a waiting-list entry) the seats left are the seats the offer still
    holds (``seats_open`` when the offer link set it, else counted), not the public's.
    A session annotated by ``sessions_with_seats`` with prefetched, annotated ticket types
    (``workshop_upcoming_sessions``) costs no query; ``ticket_type_ids`` limits the work to
    the ticket types an order asks for. ``seats_left``: the public's seats as the caller
    already counted them (the checkout's POST, which counts again under the lock).
    ``ticket_types``: the session's ticket types as the caller read them (the checkout,
    with the session lock; the registration steps, ``session_with_ticket_types``); they must
    not carry a ``seats_taken`` counted earlier."""
    now = now or timezone.now()
    if offer is not None:
        seats_left = getattr(offer, "seats_open", None)
        if seats_left is None:
            seats_left = waitlist_offer_outstanding(entry_id=offer.pk, now=now)
    elif seats_left is not None:
        pass  # counted by the caller
    elif hasattr(session, "seats_taken"):
        seats_left = availability_of(session).left
    else:
        seats_left = session_seats_available(session=session, now=now)
    if ticket_types is not None:
        ticket_types = list(ticket_types)
    elif ticket_type_ids is None:
        ticket_types = list(session.ticket_types.all())
    else:
        ticket_types = list(TicketType.objects.filter(session=session, pk__in=ticket_type_ids))
    rows = []
    for ticket_type in ticket_types:
        left = ticket_type_seats_left(ticket_type=ticket_type, now=now)
        most = min(ticket_type.max_per_order, seats_left)
        if left is not None:
            most = min(most, left)
        rows.append(
            TicketTypeQuantity(
                ticket_type=ticket_type, on_sale=ticket_type.on_sale(now), left=left, most=most
            )
        )
    return TicketQuantities(seats_left=seats_left, offer=offer, ticket_types=rows)
