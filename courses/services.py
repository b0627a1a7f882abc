"""Writes for courses: scheduling rules that guard admin edits, and seats (hold,
confirm, release, expire).

Every service that can take a seat locks the session row (``select_for_update``) inside
one transaction and counts seats taken at query time (``selectors``), so concurrent
buyers on any number of processes cannot exceed capacity. SQLite has no row locks; its
IMMEDIATE transactions (settings) serialise writers instead.
"""

import datetime
import math
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from . import emails, selectors
from .errors import (
    CoursesError,
    HoldExpired,
    InvalidAccessGrant,
    InvalidProgress,
    InvalidQuantity,
    NotCheckedIn,
    RegistrationClosed,
    SessionFull,
    SessionHasRegistrations,
    SessionInvalid,
    SessionNotEnded,
    TicketAlreadyUsed,
    TicketNotFound,
    TicketNotValid,
    TicketTypeUnavailable,
    TicketWrongSession,
    WaitlistError,
    WaitlistOfferInvalid,
)
from .models import (
    WAITLIST_ACTIVE,
    AccessGrant,
    AccessSource,
    AttendeeMessage,
    Certificate,
    CourseType,
    LessonProgress,
    Masterclass,
    Registration,
    RegistrationStatus,
    ReminderSent,
    Session,
    SessionStatus,
    TicketType,
    Video,
    WaitlistEntry,
    WaitlistStatus,
)
from .selectors import session_seats_taken, ticket_type_has_registrations


def _local(value, session: Session) -> str:
    return f"{timezone.localtime(value, session.tz):%-d %b %Y, %H:%M}"


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
                f"from {_local(opens, session)} " if opens else ""
            ) + f"until {_local(closes, session)}"
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
    Session.objects.select_for_update().filter(pk=session.pk).first()
    session_delete_check(session=session)
    session.delete()


def session_cancel(*, session: Session) -> Session:
    """Cancelling keeps the registrations (refunds are the payments app's job)."""
    session.status = SessionStatus.CANCELLED
    session.save(update_fields=["status", "updated_at"])
    waitlist_close_for_session(session_id=session.pk)
    return session


# Stripe Checkout Sessions live at least 30 minutes; the hold equals the checkout's
# `expires_at`, plus a minute so the request reaching Stripe still satisfies the minimum.
DEFAULT_HOLD = datetime.timedelta(seconds=getattr(settings, "CHECKOUT_HOLD_SECONDS", 31 * 60))


@dataclass(frozen=True)
class SeatRequest:
    """One seat to reserve: which ticket type and who sits in it."""

    ticket_type_id: int
    attendee_name: str
    attendee_email: str
    licence_number: str = ""


def _session_locked(session_id: int) -> Session:
    try:
        return Session.objects.select_for_update().select_related("workshop").get(pk=session_id)
    except Session.DoesNotExist:
        raise RegistrationClosed("This session does not exist.") from None


def _check_quantities(
    *, session: Session, requests: Sequence[SeatRequest], now: datetime.datetime
) -> dict[int, TicketType]:
    """Per-ticket-type rules; returns the ticket types by id. Raises on the first breach."""
    if not requests:
        raise InvalidQuantity("Choose at least one ticket.")
    wanted = Counter(r.ticket_type_id for r in requests)
    ticket_types = {t.pk: t for t in TicketType.objects.filter(session=session, pk__in=wanted)}
    for ticket_type_id, quantity in wanted.items():
        ticket_type = ticket_types.get(ticket_type_id)
        if ticket_type is None:
            raise TicketTypeUnavailable("That ticket is not sold for this session.")
        if not ticket_type.on_sale(now):
            raise TicketTypeUnavailable(f"“{ticket_type.name}” tickets are not on sale now.")
        if quantity < ticket_type.min_per_order:
            raise InvalidQuantity(
                f"“{ticket_type.name}” needs at least {ticket_type.min_per_order} per order."
            )
        if quantity > ticket_type.max_per_order:
            raise InvalidQuantity(
                f"You can book at most {ticket_type.max_per_order} “{ticket_type.name}” "
                "tickets per order."
            )
        if ticket_type.quantity_limit is not None:
            left = ticket_type.quantity_limit - selectors.ticket_type_seats_taken(
                ticket_type=ticket_type, now=now
            )
            if quantity > left:
                raise TicketTypeUnavailable(
                    f"Only {max(left, 0)} “{ticket_type.name}” tickets are left."
                    if left > 0
                    else f"“{ticket_type.name}” tickets are sold out."
                )
    return ticket_types


@transaction.atomic
def seat_hold_create(
    *,
    session_id: int,
    requests: Sequence[SeatRequest],
    buyer=None,
    hold_for: datetime.timedelta = DEFAULT_HOLD,
    now: datetime.datetime | None = None,
    waitlist_entry_id: int | None = None,
) -> list[Registration]:
    """Hold one seat per request until ``now + hold_for``; all or nothing.

    With ``waitlist_entry_id`` the buyer uses the seats a waiting-list offer holds for
    them (at most the offered seats), which the public cannot take.

    Raises ``RegistrationClosed``, ``TicketTypeUnavailable``, ``InvalidQuantity``,
    ``SessionFull`` or ``WaitlistOfferInvalid`` and then writes nothing.
    """
    now = now or timezone.now()
    if waitlist_entry_id is None:
        # Sold out already? Refuse before queueing for the lock: in a rush most buyers
        # lose, and they should not wait in line to hear it. Granting is decided under
        # the lock.
        unlocked = Session.objects.filter(pk=session_id).only("pk", "capacity").first()
        if (
            unlocked is not None
            and selectors.session_seats_available(session=unlocked, now=now) == 0
        ):
            raise SessionFull("This session is sold out.")
    session = _session_locked(session_id)
    if not session.registration_is_open(now):
        raise RegistrationClosed("Registration for this session is closed.")
    entry = None
    if waitlist_entry_id is not None:
        entry = _waitlist_offer_usable(
            entry_id=waitlist_entry_id, session=session, buyer=buyer, now=now
        )
    ticket_types = _check_quantities(session=session, requests=requests, now=now)
    if entry is not None:
        left = selectors.waitlist_offer_outstanding(entry_id=entry.pk, now=now)
    else:
        left = selectors.session_seats_available(session=session, now=now)
    if entry is not None and len(requests) > left:
        raise SessionFull(
            f"Your offer is for {left} seat{'s' if left != 1 else ''}: book at most that many "
            "with it."
            if left
            else "You already hold or booked every seat of your offer."
        )
    if len(requests) > left:
        raise SessionFull(
            f"Only {left} seat{'s' if left != 1 else ''} left in this session."
            if left
            else "This session is sold out."
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
    # One by one (not bulk_create) so every row gets its pk on all databases.
    for registration in registrations:
        registration.save()
    return registrations


@transaction.atomic
def reservation_confirm(
    *, reservation: uuid.UUID, now: datetime.datetime | None = None
) -> list[Registration]:
    """Confirm the seats of a reservation; idempotent.

    Unexpired holds are confirmed as they are. Holds that expired (a late payment) take
    free seats if the session still has enough; otherwise ``HoldExpired`` is raised and
    nothing changes, so the caller refunds.
    """
    now = now or timezone.now()
    registrations = list(Registration.objects.filter(reservation=reservation))
    if not registrations:
        raise HoldExpired("These seats no longer exist.")
    session = _session_locked(registrations[0].session_id)
    # Re-read under the session lock: a concurrent expiry or confirmation is visible now.
    registrations = list(
        Registration.objects.select_for_update().filter(reservation=reservation).order_by("pk")
    )
    pending = [r for r in registrations if r.status != RegistrationStatus.CONFIRMED]
    if not pending:
        return registrations
    if any(r.status == RegistrationStatus.CANCELLED for r in pending):
        raise HoldExpired("These seats were cancelled.")
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
            raise HoldExpired("The seats were released and the session is now full.")
    for registration in pending:
        registration.status = RegistrationStatus.CONFIRMED
        registration.confirmed_at = now
        registration.save(update_fields=["status", "confirmed_at"])
    # One reservation is one booking, so it used at most one waiting-list offer.
    if pending[0].waitlist_entry_id is not None:
        _waitlist_entry_claim(entry_id=pending[0].waitlist_entry_id, session_id=session.pk, now=now)
    return registrations


@transaction.atomic
def reservation_release(
    *, reservation: uuid.UUID, reason: str = "", now: datetime.datetime | None = None
) -> int:
    """Give back the held seats of a reservation (abandoned or failed payment)."""
    now = now or timezone.now()
    released = Registration.objects.filter(
        reservation=reservation, status=RegistrationStatus.HELD
    ).update(status=RegistrationStatus.EXPIRED, cancel_reason=reason[:255], cancelled_at=now)
    if released:
        _reservation_seats_freed(reservation)
    return released


@transaction.atomic
def reservation_cancel(
    *, reservation: uuid.UUID, reason: str, now: datetime.datetime | None = None
) -> int:
    """Cancel every seat of a reservation (refunded order)."""
    now = now or timezone.now()
    cancelled = (
        Registration.objects.filter(reservation=reservation)
        .exclude(status=RegistrationStatus.CANCELLED)
        .update(status=RegistrationStatus.CANCELLED, cancel_reason=reason[:255], cancelled_at=now)
    )
    if cancelled:
        _reservation_seats_freed(reservation)
    return cancelled


def _reservation_seats_freed(reservation: uuid.UUID) -> None:
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
        raise InvalidAccessGrant("An access grant must end after it starts.")
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
        raise InvalidProgress(f"{name} must be a number of seconds.")
    try:
        number = float(value)
    except ValueError as exc:
        raise InvalidProgress(f"{name} must be a number of seconds.") from exc
    if not math.isfinite(number):
        raise InvalidProgress(f"{name} must be a finite number.")
    if number < 0:
        raise InvalidProgress(f"{name} cannot be negative.")
    if number > MAX_LESSON_SECONDS:
        raise InvalidProgress(f"{name} is longer than any lesson.")
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
        raise InvalidProgress("Sign in to save your progress.")
    if not lesson_key or len(str(lesson_key)) > 64:
        raise InvalidProgress("Unknown lesson.")
    position = _seconds(position_seconds, "position")
    duration = _seconds(duration_seconds, "duration")
    if duration <= 0:
        raise InvalidProgress("duration must be more than zero.")
    if position > duration + POSITION_TOLERANCE_SECONDS:
        raise InvalidProgress("position is past the end of the video.")
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


# --- Check-in ---------------------------------------------------------------------------


def _local_time(moment: datetime.datetime, session: Session) -> str:
    local = timezone.localtime(moment, session.tz)
    return f"{local:%a %d %b, %H:%M}"


def _refuse_unusable(registration: Registration) -> None:
    """Only confirmed tickets admit anyone; say plainly why any other one does not."""
    if registration.status == RegistrationStatus.CANCELLED:
        raise TicketNotValid(
            f"Ticket cancelled: {registration.attendee_name}'s registration was cancelled"
            f"{' (' + registration.cancel_reason + ')' if registration.cancel_reason else ''}. "
            "Do not admit; the attendee can register at the door as a walk-in."
        )
    if registration.status == RegistrationStatus.EXPIRED:
        raise TicketNotValid(
            f"Ticket not valid: {registration.attendee_name}'s reservation expired before "
            "payment. Do not admit; register them as a walk-in if there is room."
        )
    if registration.status != RegistrationStatus.CONFIRMED:
        raise TicketNotValid(
            f"Ticket not paid: {registration.attendee_name}'s order is still awaiting "
            "payment. Ask them to finish paying, or register them as a walk-in."
        )


def registration_check_in(
    *,
    session: Session,
    code: str | None = None,
    registration_id: int | None = None,
    now: datetime.datetime | None = None,
) -> Registration:
    """Admit one attendee, found by ticket code (scanner, typed code) or by id (list).

    The row lock makes two scanners at two doors agree on who was first."""
    now = now or timezone.now()
    with transaction.atomic():
        registrations = Registration.objects.select_for_update().select_related("session")
        registration = None
        if code is not None:
            registration = registrations.filter(code=code.strip()).first()
        elif registration_id is not None:
            registration = registrations.filter(pk=registration_id).first()
        if registration is None:
            raise TicketNotFound(
                "Unknown ticket: no ticket has this code. Check the code, or search the "
                "attendee by name."
            )
        if registration.session_id != session.pk:
            raise TicketWrongSession(
                f"Wrong session: this ticket is for {registration.session}. Do not admit "
                "to this session."
            )
        _refuse_unusable(registration)
        if registration.checked_in_at is not None:
            raise TicketAlreadyUsed(
                f"Already used: {registration.attendee_name} was checked in at "
                f"{_local_time(registration.checked_in_at, session)}."
            )
        registration.checked_in_at = now
        registration.save(update_fields=["checked_in_at"])
    return registration


def registration_check_out(
    *, session: Session, registration_id: int, now: datetime.datetime | None = None
) -> Registration:
    """Record that the attendee stayed to the end: full attendance earns the certificate."""
    now = now or timezone.now()
    with transaction.atomic():
        registration = Registration.objects.select_for_update().filter(pk=registration_id).first()
        if registration is None or registration.session_id != session.pk:
            raise TicketNotFound("This attendee is not registered for this session.")
        _refuse_unusable(registration)
        if registration.checked_in_at is None:
            raise NotCheckedIn(
                f"{registration.attendee_name} has not been checked in, so cannot be checked out."
            )
        if registration.checked_out_at is not None:
            raise TicketAlreadyUsed(
                f"{registration.attendee_name} was already checked out at "
                f"{_local_time(registration.checked_out_at, session)}."
            )
        registration.checked_out_at = now
        registration.save(update_fields=["checked_out_at"])
    return registration


def registration_create_walk_in(
    *,
    session: Session,
    ticket_type: TicketType,
    attendee_name: str,
    attendee_email: str,
    licence_number: str = "",
    complimentary: bool = False,
    override_capacity: bool = False,
    check_in: bool = True,
    now: datetime.datetime | None = None,
) -> Registration:
    """A confirmed seat added at the door (paid there, or complimentary).

    Takes the same session row lock as online checkout, so a walk-in can never take a
    seat an online buyer is being given; staff may go over capacity only explicitly."""
    now = now or timezone.now()
    if ticket_type.session_id != session.pk:
        raise TicketWrongSession("That ticket type belongs to another session.")
    with transaction.atomic():
        locked = Session.objects.select_for_update().get(pk=session.pk)
        if not override_capacity:
            if selectors.session_seats_available(session=locked, now=now) < 1:
                raise SessionFull(
                    "This session is full. Tick “Allow over capacity” if the room can "
                    "take one more."
                )
            limit = ticket_type.quantity_limit
            if limit is not None and (
                selectors.ticket_type_seats_taken(ticket_type=ticket_type, now=now) >= limit
            ):
                raise SessionFull(
                    f"All {limit} “{ticket_type.name}” tickets are taken. Choose another "
                    "ticket type, or allow over capacity."
                )
        email = attendee_email.strip()
        registration = Registration.objects.create(
            session=locked,
            ticket_type=ticket_type,
            attendee_user=get_user_model().objects.filter(email__iexact=email).first(),
            reservation=uuid.uuid4(),
            attendee_name=attendee_name.strip(),
            attendee_email=email,
            licence_number=licence_number.strip(),
            status=RegistrationStatus.CONFIRMED,
            price_amount=0 if complimentary else ticket_type.price_amount,
            currency=ticket_type.currency,
            complimentary=complimentary,
            confirmed_at=now,
            checked_in_at=now if check_in else None,
        )
    return registration


# --- CE certificates --------------------------------------------------------------------


def _date_range(session: Session) -> str:
    """E.g. 14 March 2026; 14-15 March 2026; 30 March - 1 April 2026 (printed with an en
    dash), in the venue's time zone: the days the attendee was in the room."""
    start, end = session.local_starts_at.date(), session.local_ends_at.date()
    if start == end:
        return f"{start.day} {start:%B %Y}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {end:%B %Y}"
    if start.year == end.year:
        return f"{start.day} {start:%B} – {end.day} {end:%B %Y}"
    return f"{start.day} {start:%B %Y} – {end.day} {end:%B %Y}"


def _certificate_snapshot(registration: Registration) -> dict:
    session = registration.session
    workshop = session.workshop
    venue = session.venue
    return {
        "participant_name": registration.attendee_name,
        "licence_number": registration.licence_number,
        "course_title": workshop.ce_title,
        "ce_hours": workshop.ce_hours,
        "course_type": CourseType(workshop.course_type).label,
        "session_dates": _date_range(session),
        "session_ended_on": session.local_ends_at.date(),
        "venue": f"{venue.name}, {venue.city}{', ' + venue.region if venue.region else ''}",
        "provider_name": settings.CE_PROVIDER_NAME,
        "provider_address": settings.CE_PROVIDER_ADDRESS,
        "provider_approval_number": workshop.provider_approval_number,
        "instructors": "; ".join(str(i) for i in session.instructors.all()),
    }


def certificate_issue_for_session(
    *, session: Session, issued_by=None, now: datetime.datetime | None = None
) -> list[Certificate]:
    """Issue a certificate to every attendee checked in AND out (full attendance only).

    Idempotent: a registration with a current certificate gets no second one (the session
    lock serialises two runs; the partial unique constraint backs it up)."""
    now = now or timezone.now()
    if session.ends_at > now:
        raise SessionNotEnded("Certificates are issued once the session has ended.")
    issued = []
    with transaction.atomic():
        Session.objects.select_for_update().get(pk=session.pk)
        registrations = (
            selectors.registrations_with_full_attendance(session=session)
            .exclude(
                pk__in=Certificate.objects.filter(revoked_at__isnull=True).values("registration_id")
            )
            .select_related("session__workshop", "session__venue")
        )
        for registration in registrations:
            issued.append(
                Certificate.objects.create(
                    registration=registration,
                    issued_at=now,
                    issued_by=issued_by,
                    **_certificate_snapshot(registration),
                )
            )
    return issued


def certificate_reissue(
    *, certificate: Certificate, issued_by=None, now: datetime.datetime | None = None
) -> Certificate:
    """A new certificate from the registration as it is now (e.g. a corrected name or
    licence number); the old one stays on file, marked superseded."""
    now = now or timezone.now()
    with transaction.atomic():
        old = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if old.revoked_at is not None:
            raise CoursesError("This certificate was already superseded; re-issue the newest one.")
        old.revoked_at = now
        old.save(update_fields=["revoked_at"])
        registration = Registration.objects.select_related(
            "session__workshop", "session__venue"
        ).get(pk=old.registration_id)
        return Certificate.objects.create(
            registration=registration,
            issued_at=now,
            issued_by=issued_by,
            reissued_from=old,
            **_certificate_snapshot(registration),
        )


def certificate_email_send(*, certificate_id: int) -> bool:
    """E-mail the PDF once. Returns False when it had already gone out."""
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate_id)
        if certificate.emailed_at is not None or certificate.revoked_at is not None:
            return False
        emails.certificate_message(certificate=certificate).send()
        certificate.emailed_at = timezone.now()
        certificate.save(update_fields=["emailed_at"])
    return True


# --- Reminders --------------------------------------------------------------------------


def reminder_claim(*, registration_id: int, kind: str) -> ReminderSent | None:
    """Insert-or-skip: the one caller whose insert succeeds sends the reminder."""
    try:
        with transaction.atomic():
            return ReminderSent.objects.create(registration_id=registration_id, kind=kind)
    except IntegrityError:
        return None


def reminder_send(*, reminder_id: int) -> bool:
    """Send a claimed reminder once; a retry after success finds ``sent_at`` set."""
    with transaction.atomic():
        reminder = (
            ReminderSent.objects.select_for_update()
            .select_related("registration__session__workshop", "registration__session__venue")
            .get(pk=reminder_id)
        )
        registration = reminder.registration
        if reminder.sent_at is not None or registration.status != RegistrationStatus.CONFIRMED:
            return False
        emails.reminder_message(registration=registration, kind=reminder.kind).send()
        reminder.sent_at = timezone.now()
        reminder.save(update_fields=["sent_at"])
    return True


# --- Messages to attendees ----------------------------------------------------------------


def attendee_message_create(
    *, session: Session, sender, subject: str, body: str
) -> AttendeeMessage:
    recipients = selectors.session_attendees(session=session).count()
    return AttendeeMessage.objects.create(
        session=session,
        sender=sender,
        subject=subject.strip(),
        body=body.strip(),
        recipients_count=recipients,
    )


def attendee_message_send(*, message_id: int) -> int:
    """One e-mail per confirmed attendee (nobody sees anyone else's address). Sent once:
    the row lock and ``sent_at`` make a retry after success a no-op."""
    with transaction.atomic():
        message = AttendeeMessage.objects.select_for_update().get(pk=message_id)
        if message.sent_at is not None:
            return 0
        session = Session.objects.select_related("workshop", "venue").get(pk=message.session_id)
        recipients = list(selectors.session_attendees(session=session))
        for registration in recipients:
            emails.attendee_message(message=message, registration=registration).send()
        message.recipients_count = len(recipients)
        message.sent_at = timezone.now()
        message.save(update_fields=["recipients_count", "sent_at"])
    return len(recipients)


# --- Waiting list ---------------------------------------------------------------------
# Who is served first: strict order. Freed seats go to the first person still waiting;
# when they asked for more seats than are free, nobody behind them jumps the queue: the
# seats stay held for the list until enough are free for them (staff can move someone up
# when that is the better call). Every write takes the session row lock, the same lock
# checkout takes, so an offer and a public buyer can never both get the same seat.


@transaction.atomic
def waitlist_join(
    *,
    session_id: int,
    user,
    seats: int,
    ticket_type_id: int | None = None,
    now: datetime.datetime | None = None,
) -> WaitlistEntry:
    """Put ``user`` at the end of a sold-out session's waiting list for ``seats`` seats.

    Raises ``WaitlistError`` (and stores nothing) when the session is not sold out, is
    cancelled or closed, the seats are out of range, or the user is already waiting."""
    now = now or timezone.now()
    if user is None or not user.is_authenticated:
        raise WaitlistError("Sign in to join the waiting list.")
    session = _session_locked(session_id)
    if session.is_cancelled:
        raise WaitlistError("This session was cancelled, so it has no waiting list.")
    if not session.registration_is_open(now):
        raise WaitlistError("Registration for this session is closed, and so is its waiting list.")
    ticket_type = None
    if ticket_type_id is not None:
        ticket_type = TicketType.objects.filter(session=session, pk=ticket_type_id).first()
        if ticket_type is None:
            raise WaitlistError("That ticket is not sold for this session.")
    limit = selectors.waitlist_seat_limit(session=session, ticket_type=ticket_type)
    if seats < 1:
        raise WaitlistError("Ask for at least one seat.")
    if seats > limit:
        raise WaitlistError(
            f"You can wait for at most {limit} seat{'s' if limit != 1 else ''} in one request."
        )
    if selectors.user_waitlist_entry(user=user, session_id=session.pk) is not None:
        raise WaitlistError("You are already on the waiting list for this session.")
    if selectors.session_seats_available(session=session, now=now) > 0:
        raise WaitlistError("Seats are still available: book them now instead of waiting.")
    last = WaitlistEntry.objects.filter(session=session).aggregate(last=Max("sort_key"))["last"]
    return WaitlistEntry.objects.create(
        session=session,
        user=user,
        ticket_type=ticket_type,
        seats=seats,
        sort_key=(last or 0) + 1,
    )


def _waitlist_entry_locked(entry_id: int) -> WaitlistEntry:
    """The entry, read again under its session's lock (all waiting-list writes take it)."""
    session_id = (
        WaitlistEntry.objects.filter(pk=entry_id).values_list("session_id", flat=True).first()
    )
    if session_id is None:
        raise WaitlistError("This waiting-list entry does not exist.")
    _session_locked(session_id)
    return WaitlistEntry.objects.select_related("session", "user").get(pk=entry_id)


def _waitlist_entry_end(entry: WaitlistEntry, status: str, now: datetime.datetime) -> None:
    had_offer = entry.status == WaitlistStatus.OFFERED
    entry.status = status
    entry.ended_at = now
    entry.save(update_fields=["status", "ended_at", "updated_at"])
    if had_offer:
        waitlist_seats_freed(session_id=entry.session_id)


@transaction.atomic
def waitlist_leave(*, entry_id: int, user, now: datetime.datetime | None = None) -> WaitlistEntry:
    """The person leaves the list (declining an open offer, if they hold one)."""
    now = now or timezone.now()
    entry = _waitlist_entry_locked(entry_id)
    if user is None or entry.user_id != user.pk:
        raise WaitlistError("This waiting-list entry does not exist.")
    if not entry.is_active:
        raise WaitlistError("You are no longer on this waiting list.")
    _waitlist_entry_end(entry, WaitlistStatus.LEFT, now)
    return entry


@transaction.atomic
def waitlist_remove(*, entry_id: int, now: datetime.datetime | None = None) -> WaitlistEntry:
    """Staff take someone off the list (their open offer, if any, moves on)."""
    now = now or timezone.now()
    entry = _waitlist_entry_locked(entry_id)
    if not entry.is_active:
        raise WaitlistError(f"{entry.user} is no longer on this waiting list.")
    _waitlist_entry_end(entry, WaitlistStatus.REMOVED, now)
    return entry


@transaction.atomic
def waitlist_move(*, entry_id: int, direction: str) -> WaitlistEntry:
    """Staff swap a waiting entry with the one before (``up``) or after (``down``) it."""
    if direction not in ("up", "down"):
        raise WaitlistError("Move an entry up or down.")
    entry = _waitlist_entry_locked(entry_id)
    if entry.status != WaitlistStatus.WAITING:
        raise WaitlistError("Only people still waiting can be moved.")
    waiting = WaitlistEntry.objects.filter(
        session_id=entry.session_id, status=WaitlistStatus.WAITING
    ).exclude(pk=entry.pk)
    if direction == "up":
        neighbour = waiting.filter(sort_key__lt=entry.sort_key).order_by("-sort_key", "-pk")
    else:
        neighbour = waiting.filter(sort_key__gt=entry.sort_key).order_by("sort_key", "pk")
    other = neighbour.first()
    if other is None:
        raise WaitlistError(
            f"{entry.user} is already {'first' if direction == 'up' else 'last'} in line."
        )
    # Keys are unique per session (each join takes the next one under the lock).
    entry.sort_key, other.sort_key = other.sort_key, entry.sort_key
    entry.save(update_fields=["sort_key", "updated_at"])
    other.save(update_fields=["sort_key", "updated_at"])
    # A new first in line may fit seats that were held for the one before.
    waitlist_seats_freed(session_id=entry.session_id)
    return entry


def waitlist_offer_seats(
    *, session_id: int, now: datetime.datetime | None = None
) -> list[WaitlistEntry]:
    """Offer the free seats to the list in order (strict: see above). Each offer holds its
    seats until ``WAITLIST_OFFER_HOURS`` from now (or registration closing, if sooner)
    and sends one e-mail with the checkout link."""
    from . import tasks

    now = now or timezone.now()
    offered: list[WaitlistEntry] = []
    with transaction.atomic():
        session = _session_locked(session_id)
        if not session.registration_is_open(now):
            return []
        free = selectors.session_seat_counts(session=session, now=now).free
        deadline = min(
            now + datetime.timedelta(hours=settings.WAITLIST_OFFER_HOURS),
            session.effective_registration_closes_at,
        )
        waiting = WaitlistEntry.objects.filter(session=session, status=WaitlistStatus.WAITING)
        for entry in waiting.order_by("sort_key", "pk"):
            if entry.seats > free:
                break
            entry.status = WaitlistStatus.OFFERED
            entry.offered_seats = entry.seats
            entry.offered_at = now
            entry.offer_expires_at = deadline
            entry.save(
                update_fields=[
                    "status",
                    "offered_seats",
                    "offered_at",
                    "offer_expires_at",
                    "updated_at",
                ]
            )
            free -= entry.seats
            offered.append(entry)
            tasks.waitlist_offer_email_send.delay_on_commit(entry.pk)
    return offered


def waitlist_offers_expire(*, now: datetime.datetime | None = None) -> int:
    """Mark lapsed offers expired and offer their seats to the next in line. (They stopped
    holding seats when they lapsed; this moves the list on.)"""
    now = now or timezone.now()
    by_session: defaultdict[int, list[int]] = defaultdict(list)
    for entry_id, session_id in selectors.waitlist_offers_lapsed(now=now).values_list(
        "pk", "session_id"
    ):
        by_session[session_id].append(entry_id)
    expired = 0
    for session_id, entry_ids in by_session.items():
        with transaction.atomic():
            _session_locked(session_id)
            lapsed = WaitlistEntry.objects.filter(
                pk__in=entry_ids, status=WaitlistStatus.OFFERED, offer_expires_at__lte=now
            )
            expired += _waitlist_entries_end_and_notify(lapsed, WaitlistStatus.EXPIRED, now)
            waitlist_seats_freed(session_id=session_id)
    return expired


def _waitlist_entries_end_and_notify(entries, status: str, now: datetime.datetime) -> int:
    """End these entries (call under their session's lock) and e-mail each person once,
    after commit, why (``waitlist_ended_email_send``)."""
    from . import tasks

    entry_ids = list(entries.values_list("pk", flat=True))
    WaitlistEntry.objects.filter(pk__in=entry_ids).update(
        status=status, ended_at=now, updated_at=now
    )
    for entry_id in entry_ids:
        tasks.waitlist_ended_email_send.delay_on_commit(entry_id)
    return len(entry_ids)


def waitlist_seats_freed(*, session_id: int) -> None:
    """Seats may have freed up in this session (a hold lapsed, a registration was
    cancelled, the capacity was raised, an offer ended): offer them to the waiting list
    once the caller's transaction commits. The single entry point for other code."""
    from . import tasks

    if WaitlistEntry.objects.filter(session_id=session_id, status=WaitlistStatus.WAITING).exists():
        tasks.waitlist_offer_seats.delay_on_commit(session_id)


@transaction.atomic
def waitlist_close_for_session(*, session_id: int, now: datetime.datetime | None = None) -> int:
    """A cancelled session's list closes: nobody is offered anything any more, and each
    person still waiting or holding an offer is told (once)."""
    now = now or timezone.now()
    _session_locked(session_id)
    active = WaitlistEntry.objects.filter(session_id=session_id, status__in=WAITLIST_ACTIVE)
    return _waitlist_entries_end_and_notify(active, WaitlistStatus.CLOSED, now)


def _waitlist_offer_usable(
    *, entry_id: int, session: Session, buyer, now: datetime.datetime
) -> WaitlistEntry:
    """The entry whose offer ``buyer`` may book now (call under the session lock)."""
    entry = WaitlistEntry.objects.filter(pk=entry_id, session=session).first()
    if entry is None:
        raise WaitlistOfferInvalid("This offer is not for this session.")
    if buyer is None or entry.user_id != buyer.pk:
        raise WaitlistOfferInvalid(
            "This offer was made to another account. Sign in with the account that joined "
            "the waiting list."
        )
    if entry.status == WaitlistStatus.CLAIMED:
        raise WaitlistOfferInvalid("You have already booked the seats of this offer.")
    if not entry.offer_is_open(now):
        raise WaitlistOfferInvalid(
            "This offer has expired, and its seats went to the next person on the list."
        )
    return entry


def _waitlist_entry_claim(*, entry_id: int, session_id: int, now) -> None:
    """Paid seats bought with an offer: the entry is done. Offered seats they did not buy
    go on to the next in line."""
    claimed = WaitlistEntry.objects.filter(
        pk=entry_id, status__in=[WaitlistStatus.OFFERED, WaitlistStatus.EXPIRED]
    ).update(status=WaitlistStatus.CLAIMED, ended_at=now, updated_at=now)
    if claimed:
        waitlist_seats_freed(session_id=session_id)


def waitlist_offer_email_send(*, entry_id: int) -> bool:
    """E-mail an open offer once. ``offer_sent_at`` is claimed with a conditional update
    first, so a retried or duplicated task cannot send it twice; a failed send gives the
    claim back and raises (the task retries)."""
    now = timezone.now()
    open_offer = WaitlistEntry.objects.filter(
        pk=entry_id, status=WaitlistStatus.OFFERED, offer_expires_at__gt=now
    )
    if not open_offer.filter(offer_sent_at__isnull=True).update(offer_sent_at=now):
        return False
    entry = WaitlistEntry.objects.select_related(
        "session__workshop", "session__venue", "user", "ticket_type"
    ).get(pk=entry_id)
    try:
        emails.waitlist_offer_message(entry=entry).send()
    except Exception:
        WaitlistEntry.objects.filter(pk=entry_id).update(offer_sent_at=None)
        raise
    return True


def waitlist_ended_email_send(*, entry_id: int) -> bool:
    """Tell someone once why their place on the list ended without seats: the session
    was cancelled (``closed``), or their offer lapsed unclaimed (``expired``).
    ``ended_notice_sent_at`` is claimed with a conditional update first (retries and a
    second cancellation send nothing more); a failed send gives the claim back and
    raises (the task retries). An entry booked since (``claimed``) is not told."""
    now = timezone.now()
    unsent = WaitlistEntry.objects.filter(
        pk=entry_id,
        status__in=[WaitlistStatus.CLOSED, WaitlistStatus.EXPIRED],
        ended_notice_sent_at__isnull=True,
    )
    if not unsent.update(ended_notice_sent_at=now):
        return False
    entry = WaitlistEntry.objects.select_related("session__workshop", "session__venue", "user").get(
        pk=entry_id
    )
    # A lapsed offer in a session cancelled since: the cancellation is the news.
    if entry.status == WaitlistStatus.CLOSED or entry.session.is_cancelled:
        build = emails.waitlist_session_cancelled_message
    else:
        build = emails.waitlist_offer_expired_message
    try:
        build(entry=entry).send()
    except Exception:
        WaitlistEntry.objects.filter(pk=entry_id).update(ended_notice_sent_at=None)
        raise
    return True
