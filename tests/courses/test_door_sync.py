"""The check-in app's API: the offline door list and the idempotent sync of door actions."""

import datetime
import json
import uuid
import zoneinfo

from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

import pytest

from courses import selectors, services
from courses.errors import DoorBatchInvalid
from courses.models import (
    AuditEntry,
    DoorAction,
    DoorActionOutcome,
    Registration,
    RegistrationStatus,
)
from tests.factories import RegistrationFactory, UserFactory

pytestmark = pytest.mark.django_db

ID = "0b0c5a4e-1d2f-4e43-9a52-0d5f3c1b7a11"
LA = zoneinfo.ZoneInfo("America/Los_Angeles")


def at(hour: int, minute: int) -> datetime.datetime:
    """A device time in the venue's zone (the session's tz in these tests) on the latest
    day whose whole working day (up to 6 PM) has passed: the server takes a device time
    from the future as its own, so "today at 9:02 AM" fails when run just after midnight."""
    now = timezone.now().astimezone(LA)
    day = now if now.hour >= 18 else now - datetime.timedelta(days=1)
    return day.replace(hour=hour, minute=minute, second=0, microsecond=0)


@pytest.fixture
def session(ticket_type):
    session = ticket_type.session
    session.time_zone = "America/Los_Angeles"
    session.save(update_fields=["time_zone"])
    return session


def action(registration, when, kind="check_in", client_id=None):
    return {
        "id": str(client_id or uuid.uuid4()),
        "kind": kind,
        "registration": registration.pk,
        "device_time": when.isoformat(),
    }


def apply(session, staff, *actions):
    parsed = services.door_actions_parse(payload={"actions": list(actions)})
    return services.check_in_actions_apply(session=session, staff=staff, actions=parsed)


def sync(client, session, *actions, body=None):
    return client.post(
        reverse("courses:door_sync", args=[session.pk]),
        body if body is not None else json.dumps({"actions": list(actions)}),
        content_type="application/json",
    )


def test_a_batch_checks_in_at_device_times_and_a_replay_changes_nothing(session, staff_user):
    ana = RegistrationFactory(ticket_type__session=session, session=session, attendee_name="Ana")
    ben = RegistrationFactory(session=session, ticket_type=ana.ticket_type, attendee_name="Ben")
    batch = [
        action(ana, at(9, 2)),
        action(ben, at(9, 4)),
        action(ana, at(17, 0), kind="check_out"),
    ]
    first = apply(session, staff_user, *batch)
    assert [r.outcome for r in first] == ["applied"] * 3
    ana.refresh_from_db()
    assert ana.checked_in_at == at(9, 2) and ana.checked_out_at == at(17, 0)
    assert ana.checked_in_by == staff_user
    stored = list(DoorAction.objects.values_list("client_id", "outcome", "device_time"))

    # The device lost the answer and sends the same batch again: same answers, no change.
    again = apply(session, UserFactory(), *batch)
    assert again == first
    assert list(DoorAction.objects.values_list("client_id", "outcome", "device_time")) == stored
    ana.refresh_from_db()
    assert ana.checked_in_by == staff_user


def test_each_door_app_check_in_and_out_leaves_one_audit_row(session, staff_user):
    ana = RegistrationFactory(ticket_type__session=session, session=session, attendee_name="Ana")
    batch = [action(ana, at(9, 2)), action(ana, at(17, 0), kind="check_out")]
    apply(session, staff_user, *batch)
    apply(session, staff_user, *batch)  # a replay is not a second check-in

    rows = AuditEntry.objects.order_by("pk")
    assert [(r.action, r.actor, r.target_id) for r in rows] == [
        ("check_in", staff_user, str(ana.pk)),
        ("check_out", staff_user, str(ana.pk)),
    ]
    assert rows[0].details["via"] == "door app"
    assert rows[0].details["device_time"] == at(9, 2).isoformat()


def test_a_duplicate_scan_from_another_device_leaves_no_audit_row(session, staff_user):
    ana = RegistrationFactory(ticket_type__session=session, session=session, attendee_name="Ana")
    apply(session, staff_user, action(ana, at(9, 2)))
    apply(session, UserFactory(), action(ana, at(9, 5)))  # later: already checked in
    assert AuditEntry.objects.filter(action="check_in").count() == 1


def test_the_earliest_scan_wins_whatever_order_the_devices_sync_in(session):
    alice, bob = UserFactory(full_name="Alice Door"), UserFactory(full_name="Bob Door")
    ana = RegistrationFactory(ticket_type__session=session, session=session, attendee_name="Ana")
    late, early = action(ana, at(9, 5)), action(ana, at(9, 2))

    # Bob's later scan reaches the server first; Alice's earlier one arrives afterwards.
    (bob_result,) = apply(session, bob, late)
    assert bob_result.outcome == "applied"
    (alice_result,) = apply(session, alice, early)
    assert alice_result.outcome == "applied"

    ana.refresh_from_db()
    assert ana.checked_in_at == at(9, 2) and ana.checked_in_by == alice
    # Bob's device, replaying or refreshing, now hears that Alice was first.
    (bob_again,) = apply(session, bob, late)
    assert bob_again.outcome == "already"
    assert bob_again.message == "Ana was already checked in at 9:02 AM by Alice Door."
    (row,) = selectors.session_door_list(session=session).attendees
    assert row["checked_in"] == "9:02 AM by Alice Door"


def test_a_ticket_cancelled_while_the_device_was_offline_is_flagged(session, staff_user):
    felix = RegistrationFactory(
        ticket_type__session=session,
        session=session,
        attendee_name="Felix",
        status=RegistrationStatus.CANCELLED,
        cancelled_at=timezone.now(),
    )
    (result,) = apply(session, staff_user, action(felix, at(9, 3)))
    assert result.outcome == "flagged"
    assert "Felix" in result.message and "canceled on the server" in result.message
    felix.refresh_from_db()
    assert felix.checked_in_at is None
    (flag,) = selectors.session_door_list(session=session).flags
    assert flag["registration"] == felix.pk


def test_check_out_before_check_in_is_refused(session, staff_user):
    ana = RegistrationFactory(ticket_type__session=session, session=session)
    (result,) = apply(session, staff_user, action(ana, at(17, 0), kind="check_out"))
    assert result.outcome == DoorActionOutcome.REFUSED
    ana.refresh_from_db()
    assert ana.checked_out_at is None


def test_a_device_clock_ahead_of_the_server_counts_as_now(session, staff_user):
    ana = RegistrationFactory(ticket_type__session=session, session=session)
    apply(session, staff_user, action(ana, timezone.now() + datetime.timedelta(hours=3)))
    ana.refresh_from_db()
    assert ana.checked_in_at <= timezone.now()


def test_the_door_list_has_only_what_the_door_needs_and_a_delta(session, staff_user):
    ana = RegistrationFactory(ticket_type__session=session, session=session, attendee_name="Ana")
    RegistrationFactory(
        session=session,
        ticket_type=ana.ticket_type,
        status=RegistrationStatus.HELD,
        hold_expires_at=timezone.now() + datetime.timedelta(minutes=20),
    )
    # A minute on, past the cursor's overlap: nothing has changed since.
    door = selectors.session_door_list(
        session=session, now=timezone.now() + datetime.timedelta(minutes=1)
    )
    (row,) = door.attendees
    assert set(row) == {
        "id",
        "name",
        "ticket_type",
        "code_hash",
        "status",
        "refusal",
        "notes",
        "checked_in_at",
        "checked_in",
        "checked_out_at",
        "checked_out",
    }
    assert row["code_hash"] == selectors.ticket_code_hash(ana.code) != ana.code

    assert selectors.session_door_list(session=session, since=door.cursor).attendees == []
    services.check_in_actions_apply(
        session=session,
        staff=staff_user,
        actions=services.door_actions_parse(payload={"actions": [action(ana, at(9, 2))]}),
        now=timezone.now() + datetime.timedelta(minutes=2),
    )
    (changed,) = selectors.session_door_list(session=session, since=door.cursor).attendees
    assert changed["id"] == ana.pk and changed["checked_in"].startswith("9:02 AM")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("not json", "not JSON"),
        ("[]", "list of “actions”"),
        ('{"actions": []}', "no actions"),
        ('{"actions": [{"kind": "check_in"}]}', "no “id”"),
        ('{"actions": [{"id": "x", "kind": "check_in"}]}', "not a UUID"),
        (json.dumps({"actions": [{"id": ID, "kind": "dance"}]}), "unknown kind"),
        (
            json.dumps(
                {
                    "actions": [
                        {
                            "id": ID,
                            "kind": "check_in",
                            "registration": 1,
                            "device_time": "2026-11-30T09:02:00",
                        }
                    ]
                }
            ),
            "with a zone",
        ),
        (
            json.dumps({"actions": [{"id": ID, "kind": "check_in", "registration": "1"}]}),
            "not a number",
        ),
    ],
)
def test_bad_batches_are_refused_with_a_reason_and_nothing_stored(
    staff_client, session, body, reason
):
    response = sync(staff_client, session, body=body)
    assert response.status_code == 400
    assert reason in response.json()["error"]
    assert not DoorAction.objects.exists()


def test_a_batch_naming_another_sessions_ticket_stores_nothing(staff_client, session):
    ana = RegistrationFactory(ticket_type__session=session, session=session)
    stranger = RegistrationFactory()
    response = sync(staff_client, session, action(ana, at(9, 2)), action(stranger, at(9, 3)))
    assert response.status_code == 400
    assert "not an attendee of this session" in response.json()["error"]
    assert not DoorAction.objects.exists()
    ana.refresh_from_db()
    assert ana.checked_in_at is None


def test_too_many_actions_are_refused_unread(session):
    with pytest.raises(DoorBatchInvalid, match="at most 500"):
        services.door_actions_parse(payload={"actions": [{}] * 501})


def test_the_api_syncs_and_answers_the_outcomes(staff_client, session):
    ana = RegistrationFactory(ticket_type__session=session, session=session, attendee_name="Ana")
    response = sync(staff_client, session, action(ana, at(9, 2)))
    assert response.status_code == 200
    (result,) = response.json()["results"]
    assert result["outcome"] == "applied" and result["message"] == "Ana checked in at 9:02 AM."
    listing = staff_client.get(reverse("courses:door_attendees", args=[session.pk])).json()
    assert listing["counts"]["checked_in"] == 1
    assert parse_datetime(listing["attendees"][0]["checked_in_at"]) == at(9, 2)
    bad_cursor = staff_client.get(
        reverse("courses:door_attendees", args=[session.pk]), {"since": "yesterday"}
    )
    assert bad_cursor.status_code == 400


def test_without_the_permission_or_the_csrf_token_the_api_answers_403(session, staff_user):
    ana = RegistrationFactory(ticket_type__session=session, session=session)
    list_url = reverse("courses:door_attendees", args=[session.pk])
    anonymous = Client()
    assert anonymous.get(list_url).status_code == 403
    assert sync(anonymous, session, action(ana, at(9, 2))).status_code == 403

    therapist = Client()
    therapist.force_login(UserFactory(is_staff=True))
    assert therapist.get(list_url).status_code == 403
    assert sync(therapist, session, action(ana, at(9, 2))).status_code == 403

    no_token = Client(enforce_csrf_checks=True)
    no_token.force_login(staff_user)
    assert sync(no_token, session, action(ana, at(9, 2))).status_code == 403
    assert not DoorAction.objects.exists()
    assert Registration.objects.get(pk=ana.pk).checked_in_at is None
    assert Permission.objects.filter(codename="check_in_attendees").exists()


def test_the_service_worker_is_served_for_the_staff_scope(client):
    response = client.get("/staff/sw.js")
    assert response.status_code == 200
    assert response["Service-Worker-Allowed"] == "/staff/"
    assert response["Content-Type"].startswith("text/javascript")
    manifest = client.get("/staff/manifest.webmanifest").json()
    assert manifest["scope"] == "/staff/"
