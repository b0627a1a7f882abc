from django.core import mail
from django.urls import reverse

import pytest

from courses.models import AttendeeMessage, RegistrationStatus
from tests.factories import RegistrationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_staff_message_goes_to_confirmed_attendees_only_and_is_logged(
    staff_client, staff_user, ticket_type, django_capture_on_commit_callbacks
):
    RegistrationFactory(ticket_type=ticket_type, attendee_email="ana@example.com")
    RegistrationFactory(ticket_type=ticket_type, attendee_email="ben@example.com")
    RegistrationFactory(
        ticket_type=ticket_type,
        attendee_email="gone@example.com",
        status=RegistrationStatus.CANCELLED,
    )
    url = reverse("courses:staff_message", args=[ticket_type.session.pk])
    assert "Send to 2 attendees" in staff_client.get(url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            url, {"subject": "Room change", "body": "We moved to studio B on the 2nd floor."}
        )
    assert response.status_code == 302

    assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.com", "ben@example.com"]
    assert all(m.subject == "Room change" for m in mail.outbox)
    assert "studio B" in mail.outbox[0].body
    logged = AttendeeMessage.objects.get()
    assert logged.sender == staff_user
    assert logged.recipients_count == 2
    assert logged.sent_at is not None
    assert "Room change" in staff_client.get(url).content.decode()


def test_empty_message_is_refused(staff_client, ticket_type):
    url = reverse("courses:staff_message", args=[ticket_type.session.pk])
    response = staff_client.post(url, {"subject": "", "body": ""})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not AttendeeMessage.objects.exists()


def test_non_staff_cannot_email_attendees(client, ticket_type):
    RegistrationFactory(ticket_type=ticket_type)
    client.force_login(UserFactory())
    url = reverse("courses:staff_message", args=[ticket_type.session.pk])
    assert client.post(url, {"subject": "Spam", "body": "Hi"}).status_code == 403
    assert not AttendeeMessage.objects.exists()
    assert mail.outbox == []
