"""Sessions for listings (public pages, the admin), each with its seats in one query."""

from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from config.prepared import Param, PreparedRead
from courses.models import (
    Session,
    SessionStatus,
    TicketType,
)
from courses.selectors.seats import _seat_taking_q, sessions_with_seats

# The registration steps read one statement for every session, compiled once per process
# (``config.prepared``): its ticket types with the session, its workshop and venue.
_TICKET_TYPES_WITH_SESSION = PreparedRead(
    lambda: TicketType.objects.select_related("session__workshop", "session__venue").filter(
        session_id=Param("session", IntegerField())
    )
)
_SESSION_WITH_PLACE = PreparedRead(
    lambda: Session.objects.select_related("workshop", "venue").filter(
        pk=Param("session", IntegerField())
    )
)


def session_with_place(*, session_id: int) -> Session | None:
    """One session with its workshop and venue, or None."""
    return _SESSION_WITH_PLACE.first(session=session_id)


def session_with_ticket_types(*, session_id: int) -> tuple[Session | None, list[TicketType]]:
    """A session with its workshop and venue, and its ticket types in the order its page
    lists them (each pointing at that one session object): one query, or two for a
    session without ticket types. (None, []) when there is no such session."""
    ticket_types = _TICKET_TYPES_WITH_SESSION.all(session=session_id)
    if not ticket_types:
        return session_with_place(session_id=session_id), []
    session = ticket_types[0].session
    for ticket_type in ticket_types:
        ticket_type.session = session
    return session, ticket_types


def upcoming_sessions(*, now=None) -> QuerySet[Session]:
    """Scheduled sessions that have not ended, with seats taken, venue and workshop."""
    now = now or timezone.now()
    return sessions_with_seats(
        Session.objects.filter(status=SessionStatus.SCHEDULED, ends_at__gt=now)
        .select_related("workshop", "venue")
        .order_by("starts_at", "pk"),
        now=now,
    )


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
