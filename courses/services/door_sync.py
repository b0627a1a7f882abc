"""Door devices: check-ins and check-outs queued on phones (often offline) and synced in
batches; replaying a batch changes nothing, and the earliest scan of a ticket wins."""

import datetime
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext

from courses.errors import DoorBatchInvalid
from courses.formatting import local_time
from courses.models import (
    AuditAction,
    DoorAction,
    DoorActionKind,
    DoorActionOutcome,
    Registration,
    RegistrationStatus,
    Session,
)
from courses.services.attendance import StaffUser
from courses.services.audit import audit_record

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
        raise DoorBatchInvalid(
            gettext("Action %(number)s has no “%(name)s”.") % {"number": index + 1, "name": name}
        )
    return item[name]


def door_actions_parse(*, payload: object) -> list[DoorActionInput]:
    """Read a batch ``{"actions": [{id, kind, registration, device_time}, ...]}``.

    All or nothing: one unreadable action refuses the batch before any work is done."""
    if not isinstance(payload, dict) or not isinstance(payload.get("actions"), list):
        raise DoorBatchInvalid(gettext("Send a JSON object with a list of “actions”."))
    items = payload["actions"]
    if not items:
        raise DoorBatchInvalid(gettext("The batch has no actions."))
    if len(items) > MAX_DOOR_ACTIONS:
        raise DoorBatchInvalid(
            gettext("Send at most %(count)s actions per batch.") % {"count": MAX_DOOR_ACTIONS}
        )
    actions = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise DoorBatchInvalid(
                gettext("Action %(number)s is not an object.") % {"number": index + 1}
            )
        try:
            client_id = uuid.UUID(str(_field(item, "id", index)))
        except ValueError:
            raise DoorBatchInvalid(
                gettext("Action %(number)s has an id that is not a UUID.") % {"number": index + 1}
            ) from None
        kind = _field(item, "kind", index)
        if kind not in DoorActionKind.values:
            raise DoorBatchInvalid(
                gettext("Action %(number)s has an unknown kind “%(kind)s”.")
                % {"number": index + 1, "kind": kind}
            )
        registration_id = _field(item, "registration", index)
        if type(registration_id) is not int:
            raise DoorBatchInvalid(
                gettext("Action %(number)s has a registration that is not a number.")
                % {"number": index + 1}
            )
        device_time = parse_datetime(str(_field(item, "device_time", index)))
        if device_time is None or timezone.is_naive(device_time):
            raise DoorBatchInvalid(
                gettext(
                    "Action %(number)s has a device time that is not an ISO 8601 time with a zone."
                )
                % {"number": index + 1}
            )
        actions.append(DoorActionInput(client_id, kind, registration_id, device_time))
    if len({action.client_id for action in actions}) != len(actions):
        raise DoorBatchInvalid(gettext("Two actions in the batch share one id."))
    return actions


def _already(kind: str, name: str, time: str, staff: StaffUser | None) -> str:
    """Whole sentences per case, so a translation never glues fragments together."""
    values = {"name": name, "time": time, "staff": staff.get_full_name() if staff else ""}
    if kind == DoorActionKind.CHECK_IN:
        text = (
            gettext("%(name)s was already checked in at %(time)s by %(staff)s.")
            if staff is not None
            else gettext("%(name)s was already checked in at %(time)s.")
        )
    else:
        text = (
            gettext("%(name)s was already checked out at %(time)s by %(staff)s.")
            if staff is not None
            else gettext("%(name)s was already checked out at %(time)s.")
        )
    return text % values


def _door_earliest_wins(
    registration: Registration, action: DoorActionInput, staff, session: Session, *, kind: str
) -> tuple[str, str]:
    """Record a check-in or check-out at the device's time unless an earlier one is known:
    the earliest scan wins, whatever order devices sync in, and the later one is the
    duplicate (an already applied later scan is turned into one)."""
    checking_in = kind == DoorActionKind.CHECK_IN
    field, by_field = (
        ("checked_in_at", "checked_in_by") if checking_in else ("checked_out_at", "checked_out_by")
    )
    time = local_time(action.device_time, session.tz)
    name = registration.attendee_name
    earlier = getattr(registration, field)
    if earlier is not None and earlier <= action.device_time:
        return DoorActionOutcome.ALREADY, _already(
            kind, name, local_time(earlier, session.tz), getattr(registration, by_field)
        )
    if earlier is not None:
        # This device scanned first: it wins, and the later scan is now the duplicate.
        registration.door_actions.filter(kind=kind, outcome=DoorActionOutcome.APPLIED).update(
            outcome=DoorActionOutcome.ALREADY,
            message=_already(kind, name, time, staff)[:300],
        )
    setattr(registration, field, action.device_time)
    setattr(registration, by_field, staff)
    applied = (
        gettext("%(name)s checked in at %(time)s.")
        if checking_in
        else gettext("%(name)s checked out at %(time)s.")
    )
    return DoorActionOutcome.APPLIED, applied % {"name": name, "time": time}


def _door_check_in(
    registration: Registration, action: DoorActionInput, staff, session: Session
) -> tuple[str, str]:
    if registration.status != RegistrationStatus.CONFIRMED:
        return DoorActionOutcome.FLAGGED, gettext(
            "Check %(name)s: the ticket was %(status)s on the server, but this device "
            "admitted them at %(time)s. Do not admit without a new ticket."
        ) % {
            "name": registration.attendee_name,
            "status": registration.get_status_display().lower(),
            "time": local_time(action.device_time, session.tz),
        }
    return _door_earliest_wins(registration, action, staff, session, kind=DoorActionKind.CHECK_IN)


def _door_check_out(
    registration: Registration, action: DoorActionInput, staff, session: Session
) -> tuple[str, str]:
    time = local_time(action.device_time, session.tz)
    name = registration.attendee_name
    if registration.status != RegistrationStatus.CONFIRMED:
        return DoorActionOutcome.FLAGGED, gettext(
            "Check %(name)s: the ticket was %(status)s on the server, but this device "
            "checked them out at %(time)s."
        ) % {"name": name, "status": registration.get_status_display().lower(), "time": time}
    if registration.checked_in_at is None or registration.checked_in_at > action.device_time:
        return DoorActionOutcome.REFUSED, gettext(
            "%(name)s was not checked in before %(time)s, so cannot be checked out."
        ) % {"name": name, "time": time}
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
            gettext("Registration %(id)s is not an attendee of this session; nothing was stored.")
            % {"id": unknown[0]}
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
