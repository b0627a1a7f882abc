"""E-mail messages of the courses domain (built here, sent by services from tasks).

Every message has a text and an HTML part from templates/emails/<name>.{txt,html}."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from .calendar import session_ics
from .certificates import certificate_filename, certificate_pdf, certificate_verify_url
from .models import AttendeeMessage, Certificate, Registration


def _message(*, template: str, subject: str, to: str, context: dict) -> EmailMultiAlternatives:
    context = {"site_url": settings.SITE_URL, **context}
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    return message


def _kind_label(kind: str) -> str:
    hours = int(kind.rstrip("h"))
    if hours % 24 == 0:
        days = hours // 24
        return "tomorrow" if days == 1 else f"in {days} days"
    return f"in {hours} hours"


def reminder_message(*, registration: Registration, kind: str) -> EmailMultiAlternatives:
    session = registration.session
    when = _kind_label(kind)
    message = _message(
        template="session_reminder",
        subject=f"Reminder: {session.workshop.title} starts {when}",
        to=registration.attendee_email,
        context={"registration": registration, "session": session, "when": when},
    )
    message.attach("workshop.ics", session_ics(session=session), "text/calendar")
    return message


def certificate_message(*, certificate: Certificate) -> EmailMultiAlternatives:
    message = _message(
        template="certificate_issued",
        subject=f"Your CE certificate: {certificate.course_title}",
        to=certificate.registration.attendee_email,
        context={
            "certificate": certificate,
            "verify_url": certificate_verify_url(certificate=certificate),
            "account_url": settings.SITE_URL + reverse("accounts:dashboard"),
        },
    )
    message.attach(
        certificate_filename(certificate=certificate),
        certificate_pdf(certificate=certificate),
        "application/pdf",
    )
    return message


def attendee_message(
    *, message: AttendeeMessage, registration: Registration
) -> EmailMultiAlternatives:
    return _message(
        template="attendee_message",
        subject=message.subject,
        to=registration.attendee_email,
        context={"message": message, "registration": registration, "session": message.session},
    )
