"""At the door: check-in, check-out and walk-in registrations."""

import datetime
import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from courses import selectors
from courses.errors import (
    DoorBatchInvalid,
    NotCheckedIn,
    SessionFull,
    TicketAlreadyUsed,
    TicketNotFound,
    TicketNotValid,
    TicketWrongSession,
)
from courses.formatting import local_datetime, local_time
from courses.models import (
    AuditAction,
    DoorAction,
    DoorActionKind,
    DoorActionOutcome,
    Registration,
    RegistrationStatus,
    Session,
    TicketType,
)
from courses.services.audit import audit_record
from courses.services.locking import session_lock

# The signed-in member of staff (settings.AUTH_USER_MODEL); courses does not import accounts.
StaffUser = Any

# --- Check-in ---------------------------------------------------------------------------


def _refuse_unusable(registration: Registration) -> None:
    """Only confirmed tickets admit anyone; say plainly why any other one does not."""
    if registration.status == RegistrationStatus.CANCELLED:
        raise TicketNotValid(
            f"Ticket canceled: {registration.attendee_name}'s registration was canceled"
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
    staff: StaffUser | None = None,
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
                f"{local_datetime(registration.checked_in_at, session.tz)}."
            )
        registration.checked_in_at = now
        registration.checked_in_by = staff
        registration.door_changed_at = timezone.now()
        registration.save(update_fields=["checked_in_at", "checked_in_by", "door_changed_at"])
        audit_record(
            actor=staff,
            action=AuditAction.CHECK_IN,
            target=registration,
            details={"session": str(session), "code": registration.code},
        )
    return registration


def registration_check_out(
    *,
    session: Session,
    registration_id: int,
    staff: StaffUser | None = None,
    now: datetime.datetime | None = None,
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
                f"{local_datetime(registration.checked_out_at, session.tz)}."
            )
        registration.checked_out_at = now
        registration.checked_out_by = staff
        registration.door_changed_at = timezone.now()
        registration.save(update_fields=["checked_out_at", "checked_out_by", "door_changed_at"])
        audit_record(
            actor=staff,
            action=AuditAction.CHECK_OUT,
            target=registration,
            details={"session": str(session)},
        )
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
    staff: StaffUser | None = None,
    now: datetime.datetime | None = None,
) -> Registration:
    """A confirmed seat added at the door (paid there, or complimentary).

    Takes the same session row lock as online checkout, so a walk-in can never take a
    seat an online buyer is being given; staff may go over capacity only explicitly."""
    now = now or timezone.now()
    if ticket_type.session_id != session.pk:
        raise TicketWrongSession("That ticket type belongs to another session.")
    with transaction.atomic():
        locked = session_lock(session_id=session.pk)
        if not override_capacity:
            quantities = selectors.ticket_type_quantity_choices(
                session=locked, now=now, ticket_type_ids=[ticket_type.pk]
            )
            if quantities.seats_left < 1:
                raise SessionFull(
                    "This session is full. Tick “Allow over capacity” if the room can "
                    "take one more."
                )
            row = quantities.by_id()[ticket_type.pk]
            if row.sold_out:
                raise SessionFull(
                    f"All {ticket_type.quantity_limit} “{ticket_type.name}” tickets are taken. "
                    "Choose another ticket type, or allow over capacity."
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
            checked_in_by=staff if check_in else None,
            door_changed_at=now,
        )
    return registration


# --- Door devices: offline actions synced in batches ------------------------------------
# Each phone at the door queues its check-ins and check-outs (often offline) and sends them
# here. Every action carries the id the device made for it, so a replayed batch answers
# the stored outcome and changes nothing. When two devices admitted the same ticket, the
# earliest device time wins whatever order the batches arrive in.

MAX_DOOR_ACTIONS = 500


@dataclass(frozen=True)
class DoorActionInput:
    client_id: uuid.UUID
    kind: str
    registration_id: int
    device_time: datetime.datetime


@dataclass(frozen=True)
class DoorActionResult:
    client_id: str
    registration_id: int
    outcome: str
    message: str


def _field(item: dict, name: str, index: int) -> object:
    if name not in item:
        raise DoorBatchInvalid(f"Action {index + 1} has no “{name}”.")
    return item[name]


def door_actions_parse(*, payload: object) -> list[DoorActionInput]:
    """Read a batch ``{"actions": [{id, kind, registration, device_time}, ...]}``.

    All or nothing: one unreadable action refuses the batch before any work is done."""
    if not isinstance(payload, dict) or not isinstance(payload.get("actions"), list):
        raise DoorBatchInvalid("Send a JSON object with a list of “actions”.")
    items = payload["actions"]
    if not items:
        raise DoorBatchInvalid("The batch has no actions.")
    if len(items) > MAX_DOOR_ACTIONS:
        raise DoorBatchInvalid(f"Send at most {MAX_DOOR_ACTIONS} actions per batch.")
    actions = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise DoorBatchInvalid(f"Action {index + 1} is not an object.")
        try:
            client_id = uuid.UUID(str(_field(item, "id", index)))
        except ValueError:
            raise DoorBatchInvalid(f"Action {index + 1} has an id that is not a UUID.") from None
        kind = _field(item, "kind", index)
        if kind not in DoorActionKind.values:
            raise DoorBatchInvalid(f"Action {index + 1} has an unknown kind “{kind}”.")
        registration_id = _field(item, "registration", index)
        if type(registration_id) is not int:
            raise DoorBatchInvalid(f"Action {index + 1} has a registration that is not a number.")
        device_time = parse_datetime(str(_field(item, "device_time", index)))
        if device_time is None or timezone.is_naive(device_time):
            raise DoorBatchInvalid(
                f"Action {index + 1} has a device time that is not an ISO 8601 time with a zone."
            )
        actions.append(DoorActionInput(client_id, kind, registration_id, device_time))
    if len({action.client_id for action in actions}) != len(actions):
        raise DoorBatchInvalid("Two actions in the batch share one id.")
    return actions


def _by(staff: StaffUser | None) -> str:
    return f" by {staff.get_full_name()}" if staff is not None else ""


def _door_earliest_wins(
    registration: Registration, action: DoorActionInput, staff, session: Session, *, kind: str
) -> tuple[str, str]:
    """Record a check-in or check-out at the device's time unless an earlier one is known:
    the earliest scan wins, whatever order devices sync in, and the later one is the
    duplicate (an already applied later scan is turned into one)."""
    checking_in = kind == DoorActionKind.CHECK_IN
    field, by_field, verb = (
        ("checked_in_at", "checked_in_by", "checked in")
        if checking_in
        else ("checked_out_at", "checked_out_by", "checked out")
    )
    time = local_time(action.device_time, session.tz)
    name = registration.attendee_name
    earlier = getattr(registration, field)
    if earlier is not None and earlier <= action.device_time:
        return DoorActionOutcome.ALREADY, (
            f"{name} was already {verb} at {local_time(earlier, session.tz)}"
            f"{_by(getattr(registration, by_field))}."
        )
    if earlier is not None:
        # This device scanned first: it wins, and the later scan is now the duplicate.
        registration.door_actions.filter(kind=kind, outcome=DoorActionOutcome.APPLIED).update(
            outcome=DoorActionOutcome.ALREADY,
            message=f"{name} was already {verb} at {time}{_by(staff)}."[:300],
        )
    setattr(registration, field, action.device_time)
    setattr(registration, by_field, staff)
    return DoorActionOutcome.APPLIED, f"{name} {verb} at {time}."


def _door_check_in(
    registration: Registration, action: DoorActionInput, staff, session: Session
) -> tuple[str, str]:
    if registration.status != RegistrationStatus.CONFIRMED:
        return DoorActionOutcome.FLAGGED, (
            f"Check {registration.attendee_name}: the ticket was "
            f"{registration.get_status_display().lower()} on the server, but this device "
            f"admitted them at {local_time(action.device_time, session.tz)}. Do not admit "
            "without a new ticket."
        )
    return _door_earliest_wins(registration, action, staff, session, kind=DoorActionKind.CHECK_IN)


def _door_check_out(
    registration: Registration, action: DoorActionInput, staff, session: Session
) -> tuple[str, str]:
    time = local_time(action.device_time, session.tz)
    name = registration.attendee_name
    if registration.status != RegistrationStatus.CONFIRMED:
        return DoorActionOutcome.FLAGGED, (
            f"Check {name}: the ticket was {registration.get_status_display().lower()} on the "
            f"server, but this device checked them out at {time}."
        )
    if registration.checked_in_at is None or registration.checked_in_at > action.device_time:
        return DoorActionOutcome.REFUSED, (
            f"{name} was not checked in before {time}, so cannot be checked out."
        )
    return _door_earliest_wins(registration, action, staff, session, kind=DoorActionKind.CHECK_OUT)


def _door_action_apply(
    *, session: Session, staff, action: DoorActionInput, now: datetime.datetime
) -> DoorActionResult:
    with transaction.atomic():
        # The registration's row lock orders every action on one ticket, from any device.
        registration = Registration.objects.select_for_update().get(pk=action.registration_id)
        done = DoorAction.objects.filter(client_id=action.client_id).first()
        if done is None:
            apply = _door_check_in if action.kind == DoorActionKind.CHECK_IN else _door_check_out
            outcome, message = apply(registration, action, staff, session)
            if outcome == DoorActionOutcome.APPLIED:
                registration.door_changed_at = now
                registration.save(
                    update_fields=[
                        "checked_in_at",
                        "checked_in_by",
                        "checked_out_at",
                        "checked_out_by",
                        "door_changed_at",
                    ]
                )
                audit_record(
                    actor=staff,
                    action=(
                        AuditAction.CHECK_IN
                        if action.kind == DoorActionKind.CHECK_IN
                        else AuditAction.CHECK_OUT
                    ),
                    target=registration,
                    details={
                        "session": str(session),
                        "device_time": action.device_time.isoformat(),
                        "via": "door app",
                    },
                )
            done = DoorAction.objects.create(
                client_id=action.client_id,
                session=session,
                registration=registration,
                kind=action.kind,
                device_time=action.device_time,
                staff=staff,
                received_at=now,
                outcome=outcome,
                message=message[:300],
            )
    return DoorActionResult(str(done.client_id), done.registration_id, done.outcome, done.message)


def check_in_actions_apply(
    *,
    session: Session,
    staff: StaffUser | None,
    actions: list[DoorActionInput],
    now: datetime.datetime | None = None,
) -> list[DoorActionResult]:
    """Apply a device's queued check-ins and check-outs; replaying a batch changes nothing.

    Actions run in device-time order, so a device's check-out follows its check-in. A
    device clock ahead of the server is taken as the server's time (no check-in from the
    future); an action for another session's ticket refuses the whole batch."""
    now = now or timezone.now()
    ids = {action.registration_id for action in actions}
    known = set(
        Registration.objects.filter(session=session, pk__in=ids).values_list("pk", flat=True)
    )
    if unknown := sorted(ids - known):
        raise DoorBatchInvalid(
            f"Registration {unknown[0]} is not an attendee of this session; nothing was stored."
        )
    ordered = sorted(
        (
            DoorActionInput(a.client_id, a.kind, a.registration_id, min(a.device_time, now))
            for a in actions
        ),
        key=lambda a: (a.device_time, str(a.client_id)),
    )
    results = []
    for action in ordered:
        try:
            results.append(_door_action_apply(session=session, staff=staff, action=action, now=now))
        except IntegrityError:
            # The same action arrived twice at once: the other request stored it.
            done = DoorAction.objects.get(client_id=action.client_id)
            results.append(
                DoorActionResult(
                    str(done.client_id), done.registration_id, done.outcome, done.message
                )
            )
    return results
