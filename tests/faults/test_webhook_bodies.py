"""Issue 12, row "Webhook 500s": validly signed bodies of the wrong shape get a 400, a
handler that fails never turns into a 500 (the event keeps its error and is retried),
and a timestamp outside the tolerance is refused in either direction."""

import json
import time

from django.urls import reverse

import pytest

from courses import tasks as courses_tasks
from courses.models import OutboxEntry
from payments import webhooks
from payments.gateway import sign_payload
from payments.models import StripeEvent

pytestmark = pytest.mark.django_db


def _post(client, body: str, timestamp: int | None = None):
    return client.post(
        reverse("payments:stripe_webhook"),
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": sign_payload(payload=body, timestamp=timestamp)},
    )


def _event(type_: str, obj) -> str:
    return json.dumps(
        {"id": "evt_test_1", "object": "event", "type": type_, "data": {"object": obj}}
    )


@pytest.mark.parametrize(
    "body",
    [
        "[]",
        '["evt_1"]',
        "42",
        '"text"',
        "not json",
        json.dumps({"id": "evt_1", "type": "checkout.session.completed", "data": "x"}),
        _event("checkout.session.completed", "cs_test_1"),
        json.dumps({"id": 7, "type": "x", "data": {"object": {}}}),
    ],
)
def test_signed_bodies_that_are_not_events_are_refused(client, body):
    response = _post(client, body)
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


@pytest.mark.parametrize("skew", [-3600, 3600])
def test_timestamps_outside_the_tolerance_are_refused_either_way(client, skew):
    body = _event("charge.refunded", {"object": "charge", "id": "ch_1"})
    response = _post(client, body, timestamp=int(time.time()) + skew)
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_an_unknown_subscription_answers_200_and_its_sync_keeps_the_error(
    client, django_capture_on_commit_callbacks
):
    body = _event(
        "customer.subscription.updated",
        {"object": "subscription", "id": "sub_unknown", "customer": "cus_unknown"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, body)
    assert response.status_code == 200
    entry = OutboxEntry.objects.get(task="payments.tasks.membership_sync")
    assert entry.done_at is None and "sub_unknown" in entry.last_error


def test_a_failing_handler_is_stored_with_its_error_and_retried(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(obj):
        raise RuntimeError("handler bug")

    monkeypatch.setitem(webhooks.EVENT_HANDLERS, "charge.refunded", broken)
    body = _event("charge.refunded", {"object": "charge", "id": "ch_1"})
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, body)
    assert response.status_code == 200
    event = StripeEvent.objects.get()
    assert event.processed_at is None and "handler bug" in event.error
    entry = OutboxEntry.objects.get(task="payments.tasks.stripe_event_process")
    assert entry.done_at is None and "handler bug" in entry.last_error

    # Fixed (a deploy, Stripe back...): the beat job's next pass processes it.
    monkeypatch.setitem(webhooks.EVENT_HANDLERS, "charge.refunded", lambda obj: None)
    with django_capture_on_commit_callbacks(execute=True):
        courses_tasks.outbox_dispatch_due.delay()
    event.refresh_from_db()
    entry.refresh_from_db()
    assert event.processed_at is not None and event.error == ""
    assert entry.done_at is not None
