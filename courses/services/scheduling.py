"""Scheduling rules that guard admin edits of sessions and ticket types: what a schedule
may be, what may be removed or deleted, and what follows a capacity change.
"""

from collections import defaultdict
from collections.abc import Sequence

from django.db import transaction

from courses.errors import (
    SessionHasRegistrations,
    SessionInvalid,
)
from courses.formatting import local_datetime
from courses.models import (
    Registration,
    Session,
    SessionStatus,
    TicketType,
)
from courses.selectors import session_seats_taken, ticket_type_has_registrations
from courses.services.locking import session_lock
from courses.services.waitlist import waitlist_close_for_session, waitlist_seats_freed


def session_validate(*, session: Session, ticket_types: Sequence[TicketType]) -> None:
    """Refuse a schedule that is impossible or that nobody could buy.

    ``session`` may be unsaved or carry unsaved changes; ``ticket_types`` are the ticket
    types it will have after saving (deleted ones left out). Raises ``SessionInvalid``.
    """
    errors: dict[str | None, list[str]] = defaultdict(list)
    starts, ends = session.starts_at, session.ends_at
    if starts and ends and ends <= starts:
        errors["ends_at"].append("The session must end after it starts.")
    if session.pk and session.capacity is not None:
        taken = session_seats_taken(session=session)
        if session.capacity < taken:
            errors["capacity"].append(
                f"{taken} seats are already taken, so the capacity cannot be lower than "
                f"{taken}. Cancel registrations first if you need fewer seats."
            )
    opens = session.registration_opens_at
    closes = session.registration_closes_at or starts
    if opens and closes and opens >= closes:
        errors["registration_opens_at"].append(
            "Registration must open before it closes (and before the session starts)."
        )
    if session.registration_closes_at and ends and session.registration_closes_at > ends:
        errors["registration_closes_at"].append(
            "Registration cannot stay open after the session has ended."
        )
    for ticket in ticket_types:
        if ticket.sales_start and ticket.sales_end and ticket.sales_end <= ticket.sales_start:
            errors[None].append(f"“{ticket.name}”: the sales window ends before it starts.")
        if (
            ticket.quantity_limit is not None
            and session.capacity is not None
            and ticket.quantity_limit > session.capacity
        ):
            errors[None].append(
                f"“{ticket.name}”: its limit of {ticket.quantity_limit} is more than the "
                f"session's capacity of {session.capacity}."
            )
        if (
            ticket.max_per_order is not None
            and ticket.min_per_order is not None
            and ticket.max_per_order < ticket.min_per_order
        ):
            errors[None].append(f"“{ticket.name}”: the maximum per order is below the minimum.")
    if session.status == SessionStatus.SCHEDULED and closes and not errors:
        if not ticket_types:
            errors[None].append("Add at least one ticket type: without one nobody can register.")
        elif not any(_sells_while_open(t, opens, closes) for t in ticket_types):
            window = (
                f"from {local_datetime(opens, session.tz)} " if opens else ""
            ) + f"until {local_datetime(closes, session.tz)}"
            errors[None].append(
                "No ticket type is on sale while registration is open "
                f"({window}), so nobody could register. Adjust the sales windows."
            )
    if errors:
        raise SessionInvalid(dict(errors))


def _sells_while_open(ticket: TicketType, opens, closes) -> bool:
    """Whether the ticket's sales window overlaps the registration window."""
    starts = max(filter(None, [ticket.sales_start, opens]), default=None)
    ends = min(filter(None, [ticket.sales_end, closes]))
    return starts is None or starts < ends


def ticket_type_removal_check(*, ticket_type: TicketType) -> None:
    """A ticket type that people hold cannot disappear from under them."""
    if ticket_type.pk and ticket_type_has_registrations(ticket_type=ticket_type):
        raise SessionHasRegistrations(
            f"“{ticket_type.name}” has registrations and cannot be removed. Set its sales "
            "end to now to stop selling it."
        )


def session_delete_check(*, session: Session) -> None:
    if Registration.objects.filter(session=session).exists():
        raise SessionHasRegistrations(
            f"“{session}” has registrations, so it cannot be deleted. Cancel the session "
            "instead (“Cancel this session” in its actions menu): attendees keep their "
            "records, paid orders are refunded and everyone is e-mailed."
        )


@transaction.atomic
def session_delete(*, session: Session) -> None:
    """Delete a session nobody registered for; refuse otherwise."""
    session_lock(session_id=session.pk)
    session_delete_check(session=session)
    session.delete()


def session_cancel(*, session: Session) -> Session:
    """Cancelling keeps the registrations (refunds are the payments app's job)."""
    session.status = SessionStatus.CANCELLED
    session.save(update_fields=["status", "updated_at"])
    waitlist_close_for_session(session_id=session.pk)
    return session


def session_capacity_change(*, session: Session) -> None:
    """After an editor saved a session: a raised capacity (or a reopened registration)
    may free seats, which go to the waiting list first. A cancelled session has no list
    any more (and the form cannot cancel one: "Cancel this session" closes the list)."""
    if not session.is_cancelled:
        waitlist_seats_freed(session_id=session.pk)
