"""After the sale: CE certificates, reminders and messages to a session's attendees."""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from courses import emails, selectors
from courses.errors import (
    CoursesError,
    SessionNotEnded,
)
from courses.formatting import date_range
from courses.mail import mail_send_once
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
from courses.services.outbox import outbox_add

# --- CE certificates --------------------------------------------------------------------


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
        "session_dates": date_range(session.local_starts_at.date(), session.local_ends_at.date()),
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
        raise SessionNotEnded(gettext("Certificates are issued once the session has ended."))
    issued = []
    with transaction.atomic():
        session_lock(session_id=session.pk)
        registrations = (
            selectors.registrations_with_full_attendance(session=session)
            .exclude(
                pk__in=Certificate.objects.filter(
                    revoked_at__isnull=True, registration__isnull=False
                ).values("registration_id")
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


def certificates_issue_and_send(*, session: Session, issued_by=None) -> list[Certificate]:
    """Issue what a session owes (``certificate_issue_for_session``) and e-mail each new
    certificate once, after commit: staff's "Issue certificates" and the beat task."""
    from courses import tasks

    certificates = certificate_issue_for_session(session=session, issued_by=issued_by)
    for certificate in certificates:
        outbox_add(tasks.certificate_email_send, certificate.pk)
    return certificates


def certificate_reissue(
    *, certificate: Certificate, issued_by=None, now: datetime.datetime | None = None
) -> Certificate:
    """A new certificate from the registration as it is now (e.g. a corrected name or
    licence number), e-mailed once after commit; the old one stays on file, marked
    superseded."""
    from courses import tasks

    now = now or timezone.now()
    with transaction.atomic():
        old = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if old.revoked_at is not None:
            raise CoursesError(
                gettext("This certificate was already superseded; re-issue the newest one.")
            )
        if old.registration_id is None:
            raise CoursesError(gettext("Home study certificates are issued by passing the test."))
        old.revoked_at = now
        old.save(update_fields=["revoked_at"])
        registration = Registration.objects.select_related(
            "session__workshop", "session__venue"
        ).get(pk=old.registration_id)
        new = Certificate.objects.create(
            registration=registration,
            issued_at=now,
            issued_by=issued_by,
            reissued_from=old,
            **_certificate_snapshot(registration),
        )
        outbox_add(tasks.certificate_email_send, new.pk)
    return new


def certificate_email_send(*, certificate_id: int) -> bool:
    """E-mail the PDF once (``emailed_at`` is the send-once claim); a superseded
    certificate is not sent. Returns False when there was nothing to send."""
    return mail_send_once(
        claim=Certificate.objects.filter(pk=certificate_id, revoked_at__isnull=True),
        field="emailed_at",
        build=lambda: emails.certificate_message(
            certificate=Certificate.objects.get(pk=certificate_id)
        ),
    )


# --- Reminders --------------------------------------------------------------------------


def reminder_claim(*, registration_id: int, kind: str) -> ReminderSent | None:
    """Insert-or-skip: the one caller whose insert succeeds sends the reminder."""
    try:
        with transaction.atomic():
            return ReminderSent.objects.create(registration_id=registration_id, kind=kind)
    except IntegrityError:
        return None


def reminder_send(*, reminder_id: int) -> bool:
    """Send a claimed reminder once (``sent_at`` is the send-once claim), and only for a
    seat that is still confirmed."""

    def build():
        reminder = ReminderSent.objects.select_related(
            "registration__session__workshop", "registration__session__venue"
        ).get(pk=reminder_id)
        return emails.reminder_message(registration=reminder.registration, kind=reminder.kind)

    return mail_send_once(
        claim=ReminderSent.objects.filter(
            pk=reminder_id, registration__status=RegistrationStatus.CONFIRMED
        ),
        field="sent_at",
        build=build,
    )


# --- Messages to attendees ----------------------------------------------------------------


def attendee_message_create(
    *, session: Session, sender, subject: str, body: str
) -> AttendeeMessage:
    """Record a message to the session's confirmed attendees; it goes out once the
    caller's transaction commits (``attendee_message_send``)."""
    from courses import tasks

    recipients = selectors.session_attendees(session=session).count()
    message = AttendeeMessage.objects.create(
        session=session,
        sender=sender,
        subject=subject.strip(),
        body=body.strip(),
        recipients_count=recipients,
    )
    outbox_add(tasks.attendee_message_send, message.pk)
    return message


def attendee_message_send(*, message_id: int) -> int:
    """One e-mail per confirmed attendee (nobody sees anyone else's address). Sent once:
    ``sent_at`` is the send-once claim, so a retry after success sends nothing."""
    recipients: list[Registration] = []

    def build():
        message = AttendeeMessage.objects.get(pk=message_id)
        session = Session.objects.select_related("workshop", "venue").get(pk=message.session_id)
        recipients[:] = selectors.session_attendees(session=session)
        return [emails.attendee_message(message=message, registration=r) for r in recipients]

    claim = AttendeeMessage.objects.filter(pk=message_id)
    if not mail_send_once(claim=claim, field="sent_at", build=build):
        return 0
    claim.update(recipients_count=len(recipients))
    return len(recipients)
