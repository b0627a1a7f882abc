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
)
from .models import (
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
            "instead (set its status to Cancelled): attendees keep their records and can be "
            "refunded."
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
) -> list[Registration]:
    """Hold one seat per request until ``now + hold_for``; all or nothing.

    Raises ``RegistrationClosed``, ``TicketTypeUnavailable``, ``InvalidQuantity`` or
    ``SessionFull`` and then writes nothing.
    """
    now = now or timezone.now()
    # Sold out already? Refuse before queueing for the lock: in a rush most buyers lose,
    # and they should not wait in line to hear it. Granting is decided under the lock.
    unlocked = Session.objects.filter(pk=session_id).only("pk", "capacity").first()
    if unlocked is not None and selectors.session_seats_available(session=unlocked, now=now) == 0:
        raise SessionFull("This session is sold out.")
    session = _session_locked(session_id)
    if not session.registration_is_open(now):
        raise RegistrationClosed("Registration for this session is closed.")
    ticket_types = _check_quantities(session=session, requests=requests, now=now)
    left = selectors.session_seats_available(session=session, now=now)
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
        # The lapsed seats no longer count, so they need free seats of their own.
        left = selectors.session_seats_available(session=session, now=now)
        if len(lapsed) > left:
            raise HoldExpired("The seats were released and the session is now full.")
    for registration in pending:
        registration.status = RegistrationStatus.CONFIRMED
        registration.confirmed_at = now
        registration.save(update_fields=["status", "confirmed_at"])
    return registrations


@transaction.atomic
def reservation_release(
    *, reservation: uuid.UUID, reason: str = "", now: datetime.datetime | None = None
) -> int:
    """Give back the held seats of a reservation (abandoned or failed payment)."""
    now = now or timezone.now()
    return Registration.objects.filter(
        reservation=reservation, status=RegistrationStatus.HELD
    ).update(status=RegistrationStatus.EXPIRED, cancel_reason=reason[:255], cancelled_at=now)


@transaction.atomic
def reservation_cancel(
    *, reservation: uuid.UUID, reason: str, now: datetime.datetime | None = None
) -> int:
    """Cancel every seat of a reservation (refunded order)."""
    now = now or timezone.now()
    return (
        Registration.objects.filter(reservation=reservation)
        .exclude(status=RegistrationStatus.CANCELLED)
        .update(status=RegistrationStatus.CANCELLED, cancel_reason=reason[:255], cancelled_at=now)
    )


@transaction.atomic
def registration_cancel(
    *, registration_id: int, reason: str, now: datetime.datetime | None = None
) -> Registration:
    """Cancel one seat (the attendee or staff cancelled it); its seat is free at once.
    Refunds are the payments app's job. Idempotent: a cancelled seat stays as it was."""
    now = now or timezone.now()
    registration = Registration.objects.select_for_update().get(pk=registration_id)
    if registration.status != RegistrationStatus.CANCELLED:
        registration.status = RegistrationStatus.CANCELLED
        registration.cancelled_at = now
        registration.cancel_reason = reason[:255]
        registration.save(update_fields=["status", "cancelled_at", "cancel_reason"])
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


# replaced by the waiting-list implementation
def waitlist_seats_freed(*, session_id: int) -> None:
    """Seats of ``session_id`` were freed: offer them to its waiting list. Called from
    every place that frees a confirmed seat (cancellation, full refund)."""
    return None


def holds_expire(*, now: datetime.datetime | None = None) -> int:
    """Mark lapsed holds expired. Only bookkeeping: they stopped counting when they lapsed."""
    now = now or timezone.now()
    return Registration.objects.filter(
        status=RegistrationStatus.HELD, hold_expires_at__lte=now
    ).update(status=RegistrationStatus.EXPIRED, cancel_reason="Hold expired", cancelled_at=now)


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
