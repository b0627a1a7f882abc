"""Seats: hold, confirm, release and cancel them; expire lapsed holds.

The oversell rule lives here: every service that can take a seat locks the session row
(``session_lock``; the checkout reads its ticket types in the same statement) inside one
transaction and counts seats taken at query time
(``courses.selectors.seats``), so concurrent buyers on any number of processes cannot
exceed capacity. SQLite has no row locks; its IMMEDIATE transactions (settings)
serialise writers instead.
"""

import datetime
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from courses import selectors
from courses.errors import (
    HoldExpired,
    InvalidQuantity,
    RegistrationClosed,
    SessionFull,
    TicketTypeUnavailable,
)
from courses.models import (
    Registration,
    RegistrationStatus,
    Session,
    TicketType,
)
from courses.seats_version import seats_changed
from courses.services.locking import session_lock, session_lock_with_ticket_types
from courses.services.waitlist import (
    _waitlist_entry_claim,
    _waitlist_offer_usable,
    waitlist_seats_freed,
)

# Stripe Checkout Sessions live at least 30 minutes; the hold equals the checkout's
# `expires_at`, plus a minute so the request reaching Stripe still satisfies the minimum.
DEFAULT_HOLD = datetime.timedelta(seconds=getattr(settings, "CHECKOUT_HOLD_SECONDS", 31 * 60))


@dataclass(frozen=True)
class SeatRequest:
    """One seat to hold: which ticket type and who sits in it."""

    ticket_type_id: int
    attendee_name: str
    attendee_email: str
    licence_number: str = ""


def _check_quantities(
    *,
    session: Session,
    requests: Sequence[SeatRequest],
    now: datetime.datetime,
    entry=None,
    seats_left: int | None = None,
    ticket_types: Sequence[TicketType] | None = None,
) -> tuple[dict[int, TicketType], int]:
    """Per-ticket-type rules, from the one seats-left selector; returns the ticket types by
    id and the seats left (the public's, or the offer's). Raises on the first breach.
    ``seats_left``: the public's seats, counted by the caller under the lock;
    ``ticket_types``: the ones asked for, read by the caller with the lock."""
    if not requests:
        raise InvalidQuantity(gettext("Choose at least one ticket."))
    wanted = Counter(r.ticket_type_id for r in requests)
    quantities = selectors.ticket_type_quantity_choices(
        session=session,
        now=now,
        offer=entry,
        ticket_type_ids=wanted,
        seats_left=seats_left,
        ticket_types=ticket_types,
    )
    rows = quantities.by_id()
    for ticket_type_id, quantity in wanted.items():
        row = rows.get(ticket_type_id)
        if row is None:
            raise TicketTypeUnavailable(gettext("That ticket is not sold for this session."))
        ticket_type = row.ticket_type
        if not row.on_sale:
            raise TicketTypeUnavailable(
                gettext("“%(name)s” tickets are not on sale now.") % {"name": ticket_type.name}
            )
        if quantity < ticket_type.min_per_order:
            raise InvalidQuantity(
                gettext("“%(name)s” needs at least %(count)s per order.")
                % {"name": ticket_type.name, "count": ticket_type.min_per_order}
            )
        if quantity > ticket_type.max_per_order:
            raise InvalidQuantity(
                gettext("You can book at most %(count)s “%(name)s” tickets per order.")
                % {"name": ticket_type.name, "count": ticket_type.max_per_order}
            )
        if row.left is not None and quantity > row.left:
            raise TicketTypeUnavailable(
                gettext("Only %(count)s “%(name)s” tickets are left.")
                % {"count": row.left, "name": ticket_type.name}
                if row.left > 0
                else gettext("“%(name)s” tickets are sold out.") % {"name": ticket_type.name}
            )
    return {pk: row.ticket_type for pk, row in rows.items()}, quantities.seats_left


def seat_hold_create(
    *,
    session_id: int,
    requests: Sequence[SeatRequest],
    buyer=None,
    hold_for: datetime.timedelta = DEFAULT_HOLD,
    now: datetime.datetime | None = None,
    waitlist_entry_id: int | None = None,
    savepoint: bool = True,
) -> list[Registration]:
    """Hold one seat per request until ``now + hold_for``; all or nothing.

    With ``waitlist_entry_id`` the buyer uses the seats a waiting-list offer holds for
    them (at most the offered seats), which the public cannot take.

    Raises ``RegistrationClosed``, ``TicketTypeUnavailable``, ``InvalidQuantity``,
    ``SessionFull`` or ``WaitlistOfferInvalid`` and then writes nothing. Inside a
    caller's transaction the hold gets a savepoint of its own, unless ``savepoint`` is
    False: for a caller whose transaction ends with the hold's errors anyway (the order's),
    which saves two statements, one of them while the session is locked.
    """
    with transaction.atomic(savepoint=savepoint):
        return _seat_hold_create(
            session_id=session_id,
            requests=requests,
            buyer=buyer,
            hold_for=hold_for,
            now=now or timezone.now(),
            waitlist_entry_id=waitlist_entry_id,
        )


def _seat_hold_create(
    *,
    session_id: int,
    requests: Sequence[SeatRequest],
    buyer,
    hold_for: datetime.timedelta,
    now: datetime.datetime,
    waitlist_entry_id: int | None,
) -> list[Registration]:
    # Sold out already? Refuse before queueing for the lock: in a rush most buyers lose,
    # and they should not wait in line to hear it. Granting is decided under the lock, on
    # a live count.
    if waitlist_entry_id is None and selectors.session_sold_out_early(
        session_id=session_id, now=now
    ):
        raise SessionFull(gettext("This session is sold out."))
    # The live count, prepared before the lock (run under it, below): the lock is held
    # for queries, not for assembling them.
    public_seats_left = (
        selectors.session_seats_left_counter(session_id=session_id, now=now)
        if waitlist_entry_id is None
        else None
    )
    # The pages' seats figures count again (now, and after the commit), as a saved
    # registration's signal would have said from under the lock: a cache round trip
    # the lock does not wait for. (A refused hold only costs those pages a recount.)
    seats_changed(session_id)
    # The ticket types asked for come with the lock, in the same statement.
    session, locked_types = session_lock_with_ticket_types(
        session_id=session_id, ticket_type_ids={r.ticket_type_id for r in requests}
    )
    if not session.registration_is_open(now):
        raise RegistrationClosed(gettext("Registration for this session is closed."))
    entry = None
    if waitlist_entry_id is not None:
        entry = _waitlist_offer_usable(
            entry_id=waitlist_entry_id, session=session, buyer=buyer, now=now
        )
    ticket_types, left = _check_quantities(
        session=session,
        requests=requests,
        now=now,
        entry=entry,
        seats_left=public_seats_left() if public_seats_left is not None else None,
        ticket_types=locked_types,
    )
    if entry is not None and len(requests) > left:
        raise SessionFull(
            ngettext(
                "Your offer is for %(count)s seat: book at most that many with it.",
                "Your offer is for %(count)s seats: book at most that many with it.",
                left,
            )
            % {"count": left}
            if left
            else gettext("You already hold or booked every seat of your offer.")
        )
    if len(requests) > left:
        if not left:
            # Tell the next buyers without a count (the pre-check's cached figure).
            cache.set(selectors.seats_hint_key(session.pk), 0, selectors.SEATS_HINT_SECONDS)
        raise SessionFull(
            ngettext(
                "Only %(count)s seat left in this session.",
                "Only %(count)s seats left in this session.",
                left,
            )
            % {"count": left}
            if left
            else gettext("This session is sold out.")
        )
    reservation = uuid.uuid4()
    expires_at = now + hold_for
    registrations = [
        Registration(
            session=session,
            ticket_type=ticket_types[r.ticket_type_id],
            buyer=buyer,
            reservation=reservation,
            attendee_name=r.attendee_name.strip(),
            attendee_email=r.attendee_email.strip().lower(),
            licence_number=r.licence_number.strip(),
            status=RegistrationStatus.HELD,
            hold_expires_at=expires_at,
            price_amount=ticket_types[r.ticket_type_id].price_amount,
            currency=ticket_types[r.ticket_type_id].currency,
            waitlist_entry=entry,
        )
        for r in requests
    ]
    # One statement for every seat (PostgreSQL and SQLite >= 3.35 return the new pks).
    # bulk_create sends no post_save: the pages' seats token was changed before the lock.
    Registration.objects.bulk_create(registrations)
    if entry is None:
        # What this hold leaves, for the pre-check of the buyers queueing behind it.
        hint = (selectors.seats_hint_key(session.pk), left - len(requests))
        transaction.on_commit(lambda: cache.set(*hint, selectors.SEATS_HINT_SECONDS))
    return registrations


@transaction.atomic
def seat_hold_confirm(
    *, reservation: uuid.UUID, now: datetime.datetime | None = None
) -> list[Registration]:
    """Confirm the seats of a hold (``reservation``: the id its seats share); idempotent.

    Unexpired holds are confirmed as they are. Holds that expired (a late payment) take
    free seats if the session still has enough; otherwise ``HoldExpired`` is raised and
    nothing changes, so the caller refunds.
    """
    now = now or timezone.now()
    registrations = list(Registration.objects.filter(reservation=reservation))
    if not registrations:
        raise HoldExpired(gettext("These seats no longer exist."))
    session = session_lock(session_id=registrations[0].session_id)
    # Re-read under the session lock: a concurrent expiry or confirmation is visible now.
    registrations = list(
        Registration.objects.select_for_update().filter(reservation=reservation).order_by("pk")
    )
    pending = [r for r in registrations if r.status != RegistrationStatus.CONFIRMED]
    if not pending:
        return registrations
    if any(r.status == RegistrationStatus.CANCELLED for r in pending):
        raise HoldExpired(gettext("These seats were canceled."))
    lapsed = [
        r
        for r in pending
        if not (
            r.status == RegistrationStatus.HELD and r.hold_expires_at and r.hold_expires_at > now
        )
    ]
    if lapsed:
        # The lapsed seats no longer count, so they need free seats of their own (or the
        # seats of the waiting-list offer they were bought with, while it is open).
        left = selectors.session_seats_available(
            session=session, now=now, waitlist_entry_id=lapsed[0].waitlist_entry_id
        )
        if len(lapsed) > left:
            raise HoldExpired(gettext("The seats were released and the session is now full."))
    for registration in pending:
        registration.status = RegistrationStatus.CONFIRMED
        registration.confirmed_at = now
        registration.save(update_fields=["status", "confirmed_at"])
    # One hold is one booking, so it used at most one waiting-list offer.
    if pending[0].waitlist_entry_id is not None:
        _waitlist_entry_claim(entry_id=pending[0].waitlist_entry_id, session_id=session.pk, now=now)
    return registrations


@transaction.atomic
def seat_hold_release(
    *, reservation: uuid.UUID, reason: str = "", now: datetime.datetime | None = None
) -> int:
    """Give back the seats of a hold that was never paid (abandoned or failed payment)."""
    now = now or timezone.now()
    released = Registration.objects.filter(
        reservation=reservation, status=RegistrationStatus.HELD
    ).update(status=RegistrationStatus.EXPIRED, cancel_reason=reason[:255], cancelled_at=now)
    if released:
        _seat_hold_seats_freed(reservation)
    return released


@transaction.atomic
def seat_hold_cancel(
    *, reservation: uuid.UUID, reason: str, now: datetime.datetime | None = None
) -> int:
    """Cancel every seat of a hold, confirmed or not (refunded order)."""
    now = now or timezone.now()
    cancelled = (
        Registration.objects.filter(reservation=reservation)
        .exclude(status=RegistrationStatus.CANCELLED)
        .update(status=RegistrationStatus.CANCELLED, cancel_reason=reason[:255], cancelled_at=now)
    )
    if cancelled:
        _seat_hold_seats_freed(reservation)
    return cancelled


def _seat_hold_seats_freed(reservation: uuid.UUID) -> None:
    """Every path that frees seats offers them to the waiting list."""
    session_id = (
        Registration.objects.filter(reservation=reservation)
        .values_list("session_id", flat=True)
        .first()
    )
    if session_id is not None:
        waitlist_seats_freed(session_id=session_id)


@transaction.atomic
def registration_cancel(
    *, registration_id: int, reason: str, now: datetime.datetime | None = None
) -> Registration:
    """Cancel one seat (the attendee or staff cancelled it); its seat is free at once and
    offered to the waiting list. Refunds are the payments app's job. Idempotent: a
    cancelled seat stays as it was."""
    now = now or timezone.now()
    registration = Registration.objects.select_for_update().get(pk=registration_id)
    if registration.status != RegistrationStatus.CANCELLED:
        registration.status = RegistrationStatus.CANCELLED
        registration.cancelled_at = now
        registration.cancel_reason = reason[:255]
        registration.save(update_fields=["status", "cancelled_at", "cancel_reason"])
        waitlist_seats_freed(session_id=registration.session_id)
    return registration


@transaction.atomic
def session_registrations_cancel(
    *, session: Session, reason: str, now: datetime.datetime | None = None
) -> list[int]:
    """Cancel every seat of a session (it was cancelled): confirmed seats and holds.
    Returns the ids of the registrations cancelled now."""
    now = now or timezone.now()
    seats = Registration.objects.select_for_update().filter(
        session=session,
        status__in=[RegistrationStatus.CONFIRMED, RegistrationStatus.HELD],
    )
    ids = list(seats.values_list("pk", flat=True))
    Registration.objects.filter(pk__in=ids).update(
        status=RegistrationStatus.CANCELLED, cancel_reason=reason[:255], cancelled_at=now
    )
    seats_changed(session.pk)
    return ids


def holds_expire(*, now: datetime.datetime | None = None) -> int:
    """Mark lapsed holds expired and let the waiting lists of their sessions move on.
    The seats themselves stopped counting the moment the holds lapsed."""
    now = now or timezone.now()
    lapsed = dict(
        Registration.objects.filter(
            status=RegistrationStatus.HELD, hold_expires_at__lte=now
        ).values_list("pk", "session_id")
    )
    expired = Registration.objects.filter(pk__in=lapsed, status=RegistrationStatus.HELD).update(
        status=RegistrationStatus.EXPIRED, cancel_reason="Hold expired", cancelled_at=now
    )
    for session_id in sorted(set(lapsed.values())):
        waitlist_seats_freed(session_id=session_id)
    return expired
