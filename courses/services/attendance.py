"""At the door: check-in, check-out and walk-in registrations."""

import datetime
import uuid
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from courses import selectors
from courses.errors import (
    NotCheckedIn,
    SessionFull,
    TicketAlreadyUsed,
    TicketNotFound,
    TicketNotValid,
    TicketWrongSession,
)
from courses.formatting import local_datetime
from courses.models import (
    AuditAction,
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
        raise TicketNotValid(selectors.registration_cancelled_refusal(registration=registration))
    if registration.status == RegistrationStatus.EXPIRED:
        raise TicketNotValid(
            gettext(
                "Ticket not valid: %(name)s's reservation expired before "
                "payment. Do not admit; register them as a walk-in if there is room."
            )
            % {"name": registration.attendee_name}
        )
    if registration.status != RegistrationStatus.CONFIRMED:
        raise TicketNotValid(
            gettext(
                "Ticket not paid: %(name)s's order is still awaiting "
                "payment. Ask them to finish paying, or register them as a walk-in."
            )
            % {"name": registration.attendee_name}
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
                gettext(
                    "Unknown ticket: no ticket has this code. Check the code, or search the "
                    "attendee by name."
                )
            )
        if registration.session_id != session.pk:
            raise TicketWrongSession(
                gettext(
                    "Wrong session: this ticket is for %(session)s. Do not admit to this session."
                )
                % {"session": registration.session}
            )
        _refuse_unusable(registration)
        if registration.checked_in_at is not None:
            raise TicketAlreadyUsed(
                gettext("Already used: %(name)s was checked in at %(time)s.")
                % {
                    "name": registration.attendee_name,
                    "time": local_datetime(registration.checked_in_at, session.tz),
                }
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
            raise TicketNotFound(gettext("This attendee is not registered for this session."))
        _refuse_unusable(registration)
        if registration.checked_in_at is None:
            raise NotCheckedIn(
                gettext("%(name)s has not been checked in, so cannot be checked out.")
                % {"name": registration.attendee_name}
            )
        if registration.checked_out_at is not None:
            raise TicketAlreadyUsed(
                gettext("%(name)s was already checked out at %(time)s.")
                % {
                    "name": registration.attendee_name,
                    "time": local_datetime(registration.checked_out_at, session.tz),
                }
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
        raise TicketWrongSession(gettext("That ticket type belongs to another session."))
    with transaction.atomic():
        locked = session_lock(session_id=session.pk)
        if not override_capacity:
            quantities = selectors.ticket_type_quantity_choices(
                session=locked, now=now, ticket_type_ids=[ticket_type.pk]
            )
            if quantities.seats_left < 1:
                raise SessionFull(
                    gettext(
                        "This session is full. Tick “Allow over capacity” if the room can "
                        "take one more."
                    )
                )
            row = quantities.by_id()[ticket_type.pk]
            if row.sold_out:
                raise SessionFull(
                    gettext(
                        "All %(limit)s “%(name)s” tickets are taken. "
                        "Choose another ticket type, or allow over capacity."
                    )
                    % {"limit": ticket_type.quantity_limit, "name": ticket_type.name}
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
