"""The waiting list: the queue, a person's place in it, offers that lapsed."""

from django.db.models import (
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from config.prepared import Param, PreparedRead
from courses.models import (
    WAITLIST_ACTIVE,
    Session,
    TicketType,
    WaitlistEntry,
    WaitlistStatus,
)
from courses.selectors.seats import _offer_open_q, waitlist_offer_outstanding

# --- Waiting list ---------------------------------------------------------------------


def waitlist_seat_limit(*, session: Session, ticket_type: TicketType | None = None) -> int:
    """The most seats one person may wait for: what one order may book (the ticket's
    maximum per order, or the largest of the session's), never more than the room."""
    if ticket_type is not None:
        most = ticket_type.max_per_order
    else:
        most = max((t.max_per_order for t in session.ticket_types.all()), default=0)
    return min(most, session.capacity)


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


def _ahead_in_line(*, session_id, sort_key, pk) -> QuerySet[WaitlistEntry]:
    """Entries still waiting before (sort_key, pk) in a session's line; people holding an
    offer are not in line. Values or ``OuterRef``s."""
    return WaitlistEntry.objects.filter(
        session_id=session_id, status=WaitlistStatus.WAITING
    ).filter(Q(sort_key__lt=sort_key) | Q(sort_key=sort_key, pk__lt=pk))


def waitlist_position(*, entry: WaitlistEntry) -> int:
    """1 for the first person still waiting."""
    return (
        _ahead_in_line(session_id=entry.session_id, sort_key=entry.sort_key, pk=entry.pk).count()
        + 1
    )


def _ahead_count() -> Subquery:
    """``_ahead_in_line`` counted for each row of an entries query (no query per entry)."""
    ahead = _ahead_in_line(
        session_id=OuterRef("session_id"), sort_key=OuterRef("sort_key"), pk=OuterRef("pk")
    )
    return Subquery(ahead.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n"))


def user_waitlist_entry(*, user, session_id: int) -> WaitlistEntry | None:
    """The user's active entry for a session, if any."""
    if user is None or not user.is_authenticated:
        return None
    return (
        WaitlistEntry.objects.filter(user=user, session_id=session_id, status__in=WAITLIST_ACTIVE)
        .select_related("ticket_type")
        .first()
    )


def user_active_waitlist_entries(*, user) -> dict[int, WaitlistEntry]:
    """The user's active entries by session id, in one query whatever the number of
    sessions a page shows (``user_waitlist_entry`` for each would cost one per session)."""
    if user is None or not user.is_authenticated:
        return {}
    found: dict[int, WaitlistEntry] = {}
    for entry in _ACTIVE_ENTRIES.all(user=user.pk):
        found.setdefault(entry.session_id, entry)
    return found


# On every workshop page and registration step a signed-in person opens: compiled once
# per process.
_ACTIVE_ENTRIES = PreparedRead(
    lambda: (
        WaitlistEntry.objects.filter(
            user_id=Param("user", IntegerField()), status__in=WAITLIST_ACTIVE
        )
        .select_related("ticket_type")
        .order_by("pk")
    )
)


def user_waitlist_upcoming(*, user, now) -> QuerySet[WaitlistEntry]:
    """The user's places in line and open offers in sessions that have not started."""
    return WaitlistEntry.objects.filter(
        Q(status=WaitlistStatus.WAITING) | _offer_open_q(now),
        user=user,
        session__starts_at__gt=now,
    )


def user_waitlist_entries(*, user, now=None) -> list[WaitlistEntry]:
    """The user's active entries in sessions that have not started, offers first, each
    with ``position`` (waiting) or ``seats_open`` (offered) set."""
    now = now or timezone.now()
    if user is None or not user.is_authenticated:
        return []
    entries: list[WaitlistEntry] = list(
        user_waitlist_upcoming(user=user, now=now)
        .select_related("session__workshop", "session__venue", "ticket_type")
        .annotate(ahead=_ahead_count())
        .order_by("session__starts_at", "pk")
    )
    for entry in entries:
        if entry.status == WaitlistStatus.OFFERED:
            entry.seats_open = waitlist_offer_outstanding(entry_id=entry.pk, now=now)
        else:
            entry.position = entry.ahead + 1  # type: ignore[attr-defined]
    entries.sort(key=lambda e: (e.status != WaitlistStatus.OFFERED, e.session.starts_at))
    return entries


def waitlist_offers_lapsed(*, now=None) -> QuerySet[WaitlistEntry]:
    """Offers whose deadline passed (they stopped counting already; the job moves on)."""
    now = now or timezone.now()
    return WaitlistEntry.objects.filter(
        status=WaitlistStatus.OFFERED, offer_expires_at__lte=now
    ).order_by("session_id", "sort_key", "pk")
