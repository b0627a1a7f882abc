"""Demo data for after the sale: a finished session whose attendees were checked in and
out and hold CE certificates, an upcoming session to try check-in on, the event staff and
therapist demo accounts. Safe to run again: everything is found by name before it is made."""

import datetime
import uuid
import zoneinfo
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from wagtail.models import Page

from allauth.account.models import EmailAddress

from courses import services
from courses.models import (
    CourseType,
    Instructor,
    Registration,
    RegistrationStatus,
    Session,
    TicketType,
    Venue,
    Workshop,
)
from demo import content
from demo.groups import EVENT_STAFF

WORKSHOP_TITLE = "Neck and Shoulder Myofascial Release"
PAST_LABEL = "Autumn cohort"
UPCOMING_LABEL = "Winter cohort"

# (name, e-mail, licence): the first is the demo therapist account.
PAST_ATTENDEES = [
    ("Jordan Rivera", content.THERAPIST_EMAIL, "CAMTC 58213"),
    ("Priya Natarajan", "priya.natarajan@example.com", "CAMTC 60122"),
    ("Marcus Bell", "marcus.bell@example.com", "CAMTC 47790"),
    ("Sofia Alvarez", "sofia.alvarez@example.com", "CAMTC 61543"),
    ("Hannah Okafor", "hannah.okafor@example.com", "CAMTC 52018"),
]
LEFT_EARLY = ("Tom Becker", "tom.becker@example.com", "CAMTC 49931")
UPCOMING_ATTENDEES = [
    ("Ana Torres", "ana.torres@example.com", "CAMTC 63307"),
    ("Ben Okafor", "ben.okafor@example.com", "CAMTC 55410"),
    ("Chloe Martin", "chloe.martin@example.com", "CAMTC 58876"),
    ("Daniel Kim", "daniel.kim@example.com", "CAMTC 61029"),
    ("Elena Petrova", "elena.petrova@example.com", "CAMTC 57741"),
]
CANCELLED_UPCOMING = ("Felix Wagner", "felix.wagner@example.com", "CAMTC 50312")


def seed_aftersale(home: Page) -> None:
    ensure_event_staff_check_in()
    _ensure_account(content.STAFF_EMAIL, content.STAFF_PASSWORD, "Sam Staff", staff=True)
    therapist = _ensure_account(
        content.THERAPIST_EMAIL, content.THERAPIST_PASSWORD, "Jordan Rivera", staff=False
    )
    if not therapist.licence_number:
        therapist.licence_number, therapist.licence_state = "CAMTC 58213", "CA"
        therapist.save(update_fields=["licence_number", "licence_state"])
    workshop = _workshop()
    past = _session(workshop, PAST_LABEL, start_in=datetime.timedelta(days=-12))
    if not past.registrations.exists():
        for name, email, licence in PAST_ATTENDEES:
            _register(past, name, email, licence, checked_in=True, checked_out=True)
        _register(past, *LEFT_EARLY, checked_in=True, checked_out=False)
    services.certificate_issue_for_session(session=past, now=past.ends_at)
    upcoming = _session(workshop, UPCOMING_LABEL, start_in=datetime.timedelta(days=1))
    if not upcoming.registrations.exists():
        for name, email, licence in UPCOMING_ATTENDEES:
            _register(upcoming, name, email, licence)
        cancelled = _register(upcoming, *CANCELLED_UPCOMING)
        cancelled.status = RegistrationStatus.CANCELLED
        cancelled.cancelled_at = timezone.now()
        cancelled.cancel_reason = "at the attendee's request"
        cancelled.save(update_fields=["status", "cancelled_at", "cancel_reason"])


def ensure_event_staff_check_in() -> Group:
    """Event staff may check attendees in (the rest of the group is set up elsewhere)."""
    group, _ = Group.objects.get_or_create(name=EVENT_STAFF)
    group.permissions.add(
        Permission.objects.get(content_type__app_label="courses", codename="check_in_attendees")
    )
    return group


def _ensure_account(email: str, password: str, name: str, *, staff: bool):
    user, created = get_user_model().objects.get_or_create(
        email=email, defaults={"full_name": name, "is_staff": staff}
    )
    if created:
        user.set_password(password)
        user.save()
    if staff:
        user.groups.add(Group.objects.get(name=EVENT_STAFF))
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def _workshop() -> Workshop:
    workshop, _ = Workshop.objects.get_or_create(
        title=WORKSHOP_TITLE,
        defaults={
            "ce_title": "Myofascial Release Techniques for the Cervical Spine and Shoulder Girdle",
            "ce_hours": Decimal("14.0"),
            "course_type": CourseType.HANDS_ON,
            "provider_approval_number": "NCBTMB 451234-26",
            "prerequisites": "A current massage license; bring a sheet, a towel and a pillow.",
        },
    )
    return workshop


def _session(workshop: Workshop, label: str, *, start_in: datetime.timedelta) -> Session:
    session = Session.objects.filter(workshop=workshop, label=label).first()
    if session:
        return session
    venue, _ = Venue.objects.get_or_create(
        name="Wilshire Training Studio",
        defaults={
            "address": "1200 Wilshire Blvd, Suite 300",
            "city": "Los Angeles",
            "region": "CA",
            "postal_code": "90017",
            "time_zone": "America/Los_Angeles",
            "directions": "Parking in the building garage; the entrance is on 12th Street.",
        },
    )
    instructor, _ = Instructor.objects.get_or_create(
        name="Maya Chen", defaults={"credentials": "PT, DPT"}
    )
    day = (timezone.localdate() + start_in).isoformat()
    starts_at = datetime.datetime.fromisoformat(f"{day}T09:00").replace(
        tzinfo=zoneinfo.ZoneInfo(venue.time_zone)
    )
    session = Session.objects.create(
        workshop=workshop,
        label=label,
        venue=venue,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(days=1, hours=8),
        capacity=16,
    )
    session.instructors.add(instructor)
    TicketType.objects.create(session=session, name="Standard", price_amount=42900)
    return session


def _register(session, name, email, licence, *, checked_in=False, checked_out=False):
    ticket = session.ticket_types.first()
    user = get_user_model().objects.filter(email=email).first()
    return Registration.objects.create(
        session=session,
        ticket_type=ticket,
        buyer=user,
        attendee_user=user,
        reservation=uuid.uuid4(),
        attendee_name=name,
        attendee_email=email,
        licence_number=licence,
        status=RegistrationStatus.CONFIRMED,
        price_amount=ticket.price_amount,
        currency=ticket.currency,
        confirmed_at=session.starts_at - datetime.timedelta(days=20),
        checked_in_at=session.starts_at - datetime.timedelta(minutes=12) if checked_in else None,
        checked_out_at=session.ends_at + datetime.timedelta(minutes=5) if checked_out else None,
    )
