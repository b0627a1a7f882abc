"""Scheduling rules that guard admin edits of sessions and ticket types: what a schedule
may be, what may be removed or deleted, and what follows a capacity change.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext

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
    Venue,
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
        errors["ends_at"].append(gettext("The session must end after it starts."))
    if session.pk and session.capacity is not None:
        taken = session_seats_taken(session=session)
        if session.capacity < taken:
            errors["capacity"].append(
                ngettext(
                    "%(count)s seat is already taken, so the capacity cannot be lower than "
                    "%(count)s. Cancel registrations first if you need fewer seats.",
                    "%(count)s seats are already taken, so the capacity cannot be lower than "
                    "%(count)s. Cancel registrations first if you need fewer seats.",
                    taken,
                )
                % {"count": taken}
            )
    opens = session.registration_opens_at
    closes = session.registration_closes_at or starts
    if opens and closes and opens >= closes:
        errors["registration_opens_at"].append(
            gettext("Registration must open before it closes (and before the session starts).")
        )
    if session.registration_closes_at and ends and session.registration_closes_at > ends:
        errors["registration_closes_at"].append(
            gettext("Registration cannot stay open after the session has ended.")
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
                gettext(
                    "“%(name)s”: its limit of %(limit)s is more than the "
                    "session's capacity of %(capacity)s."
                )
                % {
                    "name": ticket.name,
                    "limit": ticket.quantity_limit,
                    "capacity": session.capacity,
                }
            )
        if (
            ticket.max_per_order is not None
            and ticket.min_per_order is not None
            and ticket.max_per_order < ticket.min_per_order
        ):
            errors[None].append(
                gettext("“%(name)s”: the maximum per order is below the minimum.")
                % {"name": ticket.name}
            )
    if session.status == SessionStatus.SCHEDULED and closes and not errors:
        if not ticket_types:
            errors[None].append(
                gettext("Add at least one ticket type: without one nobody can register.")
            )
        elif not any(_sells_while_open(t, opens, closes) for t in ticket_types):
            window = {
                "opens": local_datetime(opens, session.tz) if opens else "",
                "closes": local_datetime(closes, session.tz),
            }
            text = (
                gettext(
                    "No ticket type is on sale while registration is open "
                    "(from %(opens)s until %(closes)s), so nobody could register. "
                    "Adjust the sales windows."
                )
                if opens
                else gettext(
                    "No ticket type is on sale while registration is open "
                    "(until %(closes)s), so nobody could register. Adjust the sales windows."
                )
            )
            errors[None].append(text % window)
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
            gettext(
                "“%(name)s” has registrations and cannot be removed. Set its sales "
                "end to now to stop selling it."
            )
            % {"name": ticket_type.name}
        )


def session_delete_check(*, session: Session) -> None:
    if Registration.objects.filter(session=session).exists():
        raise SessionHasRegistrations(
            gettext(
                "“%(session)s” has registrations, so it cannot be deleted. Cancel the session "
                "instead (“Cancel this session” in its actions menu): attendees keep their "
                "records, paid orders are refunded and everyone is e-mailed."
            )
            % {"session": session}
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


# --- Running a workshop again ---------------------------------------------------------

MAX_NEW_DATES = 24


@dataclass(frozen=True)
class NewDate:
    """One new run of a session: its local start (in the venue's time zone) and seats."""

    starts_on: date
    starts_at_time: time
    capacity: int


def _shift(value: datetime | None, tz, delta: timedelta) -> datetime | None:
    """Move ``value`` by ``delta`` in local wall-clock time, so an early bird that ended at
    18:00 six weeks before the old start ends at 18:00 six weeks before the new one, even
    across a daylight-saving change."""
    if value is None:
        return None
    local = timezone.localtime(value, tz).replace(tzinfo=None) + delta
    return timezone.make_aware(local, tz)


def session_copy_for(*, source: Session, new_date: NewDate, venue: Venue | None = None):
    """An unsaved copy of ``source`` starting at ``new_date``, with unsaved copies of its
    ticket types: every date (end, registration window, sales windows) moved by the same
    local offset as the start. Returns ``(session, ticket_types)``."""
    tz = source.tz
    old_start = timezone.localtime(source.starts_at, tz).replace(tzinfo=None)
    delta = datetime.combine(new_date.starts_on, new_date.starts_at_time) - old_start
    session = Session(
        workshop=source.workshop,
        label=source.label,
        starts_at=_shift(source.starts_at, tz, delta),
        ends_at=_shift(source.ends_at, tz, delta),
        venue=venue or source.venue,
        time_zone=source.time_zone,
        capacity=new_date.capacity,
        registration_opens_at=_shift(source.registration_opens_at, tz, delta),
        registration_closes_at=_shift(source.registration_closes_at, tz, delta),
        status=SessionStatus.SCHEDULED,
    )
    tickets = [
        TicketType(
            name=ticket.name,
            description=ticket.description,
            price_amount=ticket.price_amount,
            currency=ticket.currency,
            members_price_amount=ticket.members_price_amount,
            sales_start=_shift(ticket.sales_start, tz, delta),
            sales_end=_shift(ticket.sales_end, tz, delta),
            quantity_limit=ticket.quantity_limit,
            min_per_order=ticket.min_per_order,
            max_per_order=ticket.max_per_order,
            sort_order=ticket.sort_order,
        )
        for ticket in source.ticket_types.all()
    ]
    return session, tickets


def session_schedule_again(
    *, source: Session, new_dates: Sequence[NewDate], venue: Venue | None = None, now=None
) -> list[Session]:
    """Create one session per ``new_dates``, each a copy of ``source`` (instructors and
    ticket types included) moved to its new start.

    Every copy is validated as a new session (``session_validate``) before anything is
    written, then all are created in one transaction: either every date is scheduled or
    none is. Raises ``SessionInvalid`` (errors under ``None``, each naming its date).
    """
    now = now or timezone.now()
    errors: list[str] = []
    if not new_dates:
        errors.append(gettext("Enter at least one new start date."))
    if len(new_dates) > MAX_NEW_DATES:
        errors.append(
            gettext("Schedule at most %(count)s dates at a time.") % {"count": MAX_NEW_DATES}
        )
    if errors:
        raise SessionInvalid({None: errors})
    copies = []
    taken_starts = set(
        Session.objects.filter(workshop_id=source.workshop_id)
        .exclude(status=SessionStatus.CANCELLED)
        .values_list("starts_at", flat=True)
    )
    for new_date in new_dates:
        session, tickets = session_copy_for(source=source, new_date=new_date, venue=venue)
        when = local_datetime(session.starts_at, session.tz)
        if session.starts_at <= now:
            errors.append(gettext("%(when)s: this start is in the past.") % {"when": when})
        elif session.starts_at in taken_starts:
            errors.append(
                gettext("%(when)s: this workshop already has a session starting then.")
                % {"when": when}
            )
        else:
            try:
                session_validate(session=session, ticket_types=tickets)
            except SessionInvalid as invalid:
                errors.extend(
                    gettext("%(when)s: %(error)s") % {"when": when, "error": m}
                    for ms in invalid.errors.values()
                    for m in ms
                )
        taken_starts.add(session.starts_at)
        copies.append((session, tickets))
    if errors:
        raise SessionInvalid({None: errors})
    instructors = list(source.instructors.all())
    with transaction.atomic():
        for session, tickets in copies:
            session.save()
            session.instructors.set(instructors)
            for ticket in tickets:
                ticket.session = session
            TicketType.objects.bulk_create(tickets)
    return [session for session, _ in copies]
