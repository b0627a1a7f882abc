"""E-mail messages of the courses domain (built here, sent once by services from tasks
through ``courses.mail.mail_send_once``).

Every message has a text and an HTML part from templates/emails/<name>.{txt,html}."""

from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from .calendar import session_ics
from .certificates import certificate_filename, certificate_pdf, certificate_verify_url
from .formatting import local_datetime
from .links import absolute_url
from .mail import mail_message as _message
from .models import AttendeeMessage, Certificate, Registration, WaitlistEntry
from .waitlist_links import waitlist_offer_checkout_url

# The workshop listing (a cms page; courses does not import cms).
WORKSHOPS_PATH = "/workshops/"


def _kind_label(kind: str) -> str:
    hours = int(kind.rstrip("h"))
    if hours % 24 == 0:
        days = hours // 24
        if days == 1:
            return gettext("tomorrow")
        return ngettext("in %(count)s day", "in %(count)s days", days) % {"count": days}
    return ngettext("in %(count)s hour", "in %(count)s hours", hours) % {"count": hours}


def reminder_message(*, registration: Registration, kind: str) -> EmailMultiAlternatives:
    session = registration.session
    when = _kind_label(kind)
    message = _message(
        template="session_reminder",
        subject=gettext("Reminder: %(workshop)s starts %(when)s")
        % {"workshop": session.workshop.title, "when": when},
        to=registration.attendee_email,
        context={"registration": registration, "session": session, "when": when},
    )
    message.attach("workshop.ics", session_ics(session=session), "text/calendar")
    return message


def certificate_message(*, certificate: Certificate) -> EmailMultiAlternatives:
    message = _message(
        template="certificate_issued",
        subject=gettext("Your CE certificate: %(course)s") % {"course": certificate.course_title},
        to=certificate.recipient_email,
        context={
            "certificate": certificate,
            "verify_url": certificate_verify_url(certificate=certificate),
            "account_url": absolute_url(reverse("accounts:dashboard")),
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


def waitlist_offer_message(*, entry: WaitlistEntry) -> EmailMultiAlternatives:
    session = entry.session
    deadline = timezone.localtime(entry.offer_expires_at, session.tz)
    seats = entry.offered_seats
    return _message(
        template="waitlist_offer",
        subject=ngettext(
            "A seat is free for you: %(workshop)s — book by %(deadline)s",
            "%(count)s seats are free for you: %(workshop)s — book by %(deadline)s",
            seats,
        )
        % {
            "count": seats,
            "workshop": session.workshop.title,
            "deadline": local_datetime(deadline),
        },
        to=entry.user.email,
        context={
            "entry": entry,
            "session": session,
            "seats": seats,
            "deadline": deadline,
            "checkout_url": waitlist_offer_checkout_url(entry=entry),
            "account_url": absolute_url(reverse("accounts:dashboard")),
        },
    )


def _waitlist_url(session) -> str:
    return absolute_url(reverse("courses:waitlist_join", kwargs={"session_id": session.pk}))


def waitlist_session_cancelled_message(*, entry: WaitlistEntry) -> EmailMultiAlternatives:
    session = entry.session
    return _message(
        template="waitlist_session_cancelled",
        subject=gettext("Canceled: %(workshop)s — the waiting list is closed")
        % {"workshop": session.workshop.title},
        to=entry.user.email,
        context={
            "entry": entry,
            "session": session,
            "held_offer": bool(entry.offered_at),
            "workshops_url": absolute_url(WORKSHOPS_PATH),
        },
    )


def waitlist_offer_expired_message(*, entry: WaitlistEntry) -> EmailMultiAlternatives:
    session = entry.session
    lapsed_at = timezone.localtime(entry.offer_expires_at, session.tz)
    return _message(
        template="waitlist_offer_expired",
        subject=gettext("Your waiting-list offer for %(workshop)s has expired")
        % {"workshop": session.workshop.title},
        to=entry.user.email,
        context={
            "entry": entry,
            "session": session,
            "seats": entry.offered_seats,
            "lapsed_at": lapsed_at,
            "waitlist_url": _waitlist_url(session),
            "workshops_url": absolute_url(WORKSHOPS_PATH),
        },
    )
