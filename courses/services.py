"""Writes. Keyword-only, typed, named ``<entity>_<action>``; each runs in one transaction
and raises a ``CoursesError`` (fit to show to a person) when a rule refuses it."""

import datetime
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import emails, selectors
from .errors import (
    CoursesError,
    NotCheckedIn,
    SessionFull,
    SessionNotEnded,
    TicketAlreadyUsed,
    TicketNotFound,
    TicketNotValid,
    TicketWrongSession,
)
from .models import (
    AttendeeMessage,
    Certificate,
    CourseType,
    Registration,
    RegistrationStatus,
    ReminderSent,
    Session,
    TicketType,
)

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
