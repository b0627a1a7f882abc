import datetime
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

import pytest

from courses import services
from courses.errors import (
    SessionFull,
    TicketAlreadyUsed,
    TicketNotFound,
    TicketNotValid,
    TicketWrongSession,
)
from courses.models import Registration, RegistrationStatus
from tests.factories import RegistrationFactory, SessionFactory, TicketTypeFactory, UserFactory

pytestmark = pytest.mark.django_db


def scan(client, session, code, json=False):
    headers = {"Accept": "application/json"} if json else {}
    return client.post(
        reverse("courses:staff_scan", args=[session.pk]), {"code": code}, headers=headers
    )


def test_check_in_by_code_then_the_same_ticket_is_refused_as_used(ticket_type):
    registration = RegistrationFactory(ticket_type=ticket_type, attendee_name="Ana Torres")
    checked = services.registration_check_in(session=ticket_type.session, code=registration.code)
    assert checked.checked_in_at is not None
    with pytest.raises(TicketAlreadyUsed, match="Already used: Ana Torres was checked in"):
        services.registration_check_in(session=ticket_type.session, code=registration.code)


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (RegistrationStatus.CANCELLED, "Ticket canceled"),
        (RegistrationStatus.EXPIRED, "reservation expired"),
        (RegistrationStatus.HELD, "still awaiting payment"),
    ],
)
def test_unusable_tickets_are_refused_and_nothing_changes(ticket_type, status, message):
    extra = {"hold_expires_at": timezone.now() + datetime.timedelta(minutes=20)}
    registration = RegistrationFactory(
        ticket_type=ticket_type, status=status, **(extra if status == "held" else {})
    )
    with pytest.raises(TicketNotValid, match=message):
        services.registration_check_in(session=ticket_type.session, code=registration.code)
    registration.refresh_from_db()
    assert registration.checked_in_at is None


def test_unknown_code_and_other_sessions_ticket_are_refused(ticket_type):
    with pytest.raises(TicketNotFound, match="Unknown ticket"):
        services.registration_check_in(session=ticket_type.session, code="forged-code")
    other = RegistrationFactory()
    with pytest.raises(TicketWrongSession, match="Wrong session"):
        services.registration_check_in(session=ticket_type.session, code=other.code)


def test_scan_view_answers_json_for_the_camera_scanner(staff_client, ticket_type):
    registration = RegistrationFactory(ticket_type=ticket_type, attendee_name="Ana Torres")
    cancelled = RegistrationFactory(ticket_type=ticket_type, status=RegistrationStatus.CANCELLED)
    session = ticket_type.session

    response = scan(staff_client, session, registration.code, json=True)
    assert response.status_code == 200
    assert response.json()["ok"] is True
    assert response.json()["message"] == "Checked in: Ana Torres (Standard)."
    assert response.json()["registration_id"] == registration.pk
    again = scan(staff_client, session, registration.code, json=True)
    assert again.status_code == 409
    assert "Already used" in again.json()["message"]
    assert (
        "Ticket canceled"
        in scan(staff_client, session, cancelled.code, json=True).json()["message"]
    )
    unknown = scan(staff_client, session, "nope", json=True)
    assert unknown.status_code == 404
    assert "Unknown ticket" in unknown.json()["message"]


def test_typed_code_shows_the_refusal_on_the_page(staff_client, ticket_type):
    cancelled = RegistrationFactory(ticket_type=ticket_type, status=RegistrationStatus.CANCELLED)
    response = scan(staff_client, ticket_type.session, cancelled.code)
    assert response.status_code == 302
    page = staff_client.get(response.url)
    assert "Ticket canceled" in page.content.decode()


def test_check_in_and_out_from_the_list(staff_client, ticket_type):
    registration = RegistrationFactory(ticket_type=ticket_type)
    url = reverse("courses:staff_attendance", args=[ticket_type.session.pk, registration.pk])

    refused = staff_client.post(url, {"action": "check_out"}, follow=True)
    assert "has not been checked in" in refused.content.decode()
    staff_client.post(url, {"action": "check_in"})
    staff_client.post(url, {"action": "check_out"})
    registration.refresh_from_db()
    assert registration.checked_in_at is not None
    assert registration.checked_out_at >= registration.checked_in_at


def test_check_in_page_lists_and_searches_confirmed_attendees(staff_client, ticket_type):
    RegistrationFactory(ticket_type=ticket_type, attendee_name="Ana Torres")
    RegistrationFactory(ticket_type=ticket_type, attendee_name="Ben Okafor")
    RegistrationFactory(
        ticket_type=ticket_type, attendee_name="Cleo Gone", status=RegistrationStatus.CANCELLED
    )
    url = reverse("courses:staff_check_in", args=[ticket_type.session.pk])
    page = staff_client.get(url).content.decode()
    assert "Ana Torres" in page
    assert "Ben Okafor" in page
    assert "Cleo Gone" not in page
    searched = staff_client.get(url, {"q": "okaf"}).content.decode()
    assert "Ben Okafor" in searched
    assert "Ana Torres" not in searched


def test_walk_in_respects_capacity_unless_staff_override(ticket_type):
    session = ticket_type.session  # capacity 3
    RegistrationFactory.create_batch(2, ticket_type=ticket_type)
    RegistrationFactory(
        ticket_type=ticket_type,
        status=RegistrationStatus.HELD,
        hold_expires_at=timezone.now() + datetime.timedelta(minutes=30),
    )
    with pytest.raises(SessionFull):
        services.registration_create_walk_in(
            session=session,
            ticket_type=ticket_type,
            attendee_name="Walk In",
            attendee_email="walk@example.com",
        )
    walk_in = services.registration_create_walk_in(
        session=session,
        ticket_type=ticket_type,
        attendee_name="Walk In",
        attendee_email="walk@example.com",
        complimentary=True,
        override_capacity=True,
    )
    assert walk_in.status == RegistrationStatus.CONFIRMED
    assert walk_in.checked_in_at is not None
    assert walk_in.price_amount == 0
    assert walk_in.complimentary


def test_walk_in_form_paid_at_the_door(staff_client):
    ticket = TicketTypeFactory(session__capacity=1, price_amount=34900)
    url = reverse("courses:staff_walk_in", args=[ticket.session.pk])
    data = {
        "attendee_name": "Dee Walker",
        "attendee_email": "dee@example.com",
        "licence_number": "MT-1",
        "ticket_type": ticket.pk,
        "payment": "door",
    }
    response = staff_client.post(url, data)
    assert response.status_code == 302
    registration = Registration.objects.get(attendee_email="dee@example.com")
    assert registration.price_amount == 34900
    assert not registration.complimentary

    full = staff_client.post(url, {**data, "attendee_email": "eve@example.com"})
    assert full.status_code == 200
    assert "This session is full" in full.content.decode()
    assert not Registration.objects.filter(attendee_email="eve@example.com").exists()


def test_people_without_the_permission_cannot_use_check_in(client, ticket_type):
    registration = RegistrationFactory(ticket_type=ticket_type)
    session = ticket_type.session
    urls = [
        reverse("courses:staff_sessions"),
        reverse("courses:staff_check_in", args=[session.pk]),
        reverse("courses:staff_walk_in", args=[session.pk]),
        reverse("courses:staff_message", args=[session.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # to the login page
    client.force_login(UserFactory(is_staff=True))  # staff, but not event staff
    for url in urls:
        assert client.get(url).status_code == 403
    assert scan(client, session, registration.code).status_code == 403
    attendance = reverse("courses:staff_attendance", args=[session.pk, registration.pk])
    assert client.post(attendance, {"action": "check_in"}).status_code == 403
    registration.refresh_from_db()
    assert registration.checked_in_at is None


def test_superuser_may_check_in(client, ticket_type):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get(reverse("courses:staff_sessions")).status_code == 200


def test_sessions_overview_lists_sessions(staff_client):
    SessionFactory(workshop__title="Shoulder Complex Intensive")
    page = staff_client.get(reverse("courses:staff_sessions")).content.decode()
    assert "Shoulder Complex Intensive" in page


def test_wagtail_admin_menu_links_to_check_in_for_event_staff_only(client):
    from django.contrib.auth.models import Permission

    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["access_admin", "check_in_attendees"])
    )
    editor = UserFactory(is_staff=True)
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    link = reverse("courses:staff_sessions")

    client.force_login(staff)
    assert link in client.get("/admin/").content.decode()
    client.force_login(editor)
    assert link not in client.get("/admin/").content.decode()


def test_staff_are_warned_when_checking_in_long_before_the_session(staff_client):
    soon = SessionFactory(starts_at=timezone.now() + datetime.timedelta(hours=1))
    later = SessionFactory(starts_at=timezone.now() + datetime.timedelta(days=90))
    warning = "Checking people in now is unusual"
    assert (
        warning
        not in staff_client.get(reverse("courses:staff_check_in", args=[soon.pk])).content.decode()
    )
    assert (
        warning
        in staff_client.get(reverse("courses:staff_check_in", args=[later.pk])).content.decode()
    )


def test_the_door_app_reads_its_words_from_the_page(staff_client, ticket_type):
    """checkin.js shows no English of its own: the page carries the translated words (with
    %(name)s placeholders the script fills in), and the service worker keeps the page."""
    url = reverse("courses:staff_check_in", args=[ticket_type.session.pk])
    page = staff_client.get(url).content.decode()
    words = [
        'class="door-text" hidden',
        'data-offline-one="Offline — %(count)s check-in waiting to sync"',
        'data-offline-other="Offline — %(count)s check-ins waiting to sync"',
        'data-welcome-notes="%(name)s checked in. Welcome! (%(notes)s)"',
        "The server refused this device's check-ins: %(error)s They stay",
    ]
    assert [word for word in words if word not in page] == []
    script = (Path(settings.BASE_DIR) / "static/js/checkin.js").read_text()
    assert "Welcome" not in script and "Offline —" not in script
