"""After the sale: CE certificates, reminders and messages to a session's attendees."""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from courses import emails, selectors
from courses.errors import (
    CoursesError,
    SessionNotEnded,
)
from courses.models import (
    AttendeeMessage,
    Certificate,
    CourseType,
    Registration,
    RegistrationStatus,
    ReminderSent,
    Session,
)
from courses.services.locking import session_lock

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
        session_lock(session_id=session.pk)
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
