"""Webhook events converge: duplicates, reordering, late payments and refunds."""

import datetime
import itertools

from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

import pytest

from courses import selectors
from courses.models import Registration, RegistrationStatus
from payments import gateway
from payments.models import Order, OrderStatus, Refund, RefundReason, StripeEvent
from stripe_fake.delivery import event_deliver
from stripe_fake.wire import Event
from tests.factories import RegistrationFactory
from tests.payments.helpers import STRIPE_EVENTS, book

pytestmark = pytest.mark.django_db


def _state(order: Order) -> tuple:
    order.refresh_from_db()
    seats = tuple(
        sorted(
            Registration.objects.filter(reservation=order.reservation).values_list(
                "status", flat=True
            )
        )
    )
    return order.status, order.amount_refunded, seats


def _expire_hold(order: Order) -> None:
    past = timezone.now() - datetime.timedelta(minutes=1)
    Order.objects.filter(pk=order.pk).update(hold_expires_at=past)
    Registration.objects.filter(reservation=order.reservation).update(hold_expires_at=past)


@pytest.mark.parametrize("permutation", list(itertools.permutations(range(3))))
def test_async_payment_events_in_any_order_converge(
    client, user, paid_session, stripe_fake, django_capture_on_commit_callbacks, permutation
):
    session, ticket = paid_session
    client.force_login(user)
    order = book(client, session, ticket)
    stripe_fake.checkout_pay(order.stripe_checkout_session_id, delayed=True)
    stripe_fake.checkout_async_result(order.stripe_checkout_session_id, succeeded=True)
    events = stripe_fake.take_events()
    events.append(events[0])  # a duplicate delivery, too
    ordered = [events[i] for i in permutation]
    with django_capture_on_commit_callbacks(execute=True):
        assert [event_deliver(e) for e in ordered] == [200] * 3
    assert _state(order) == (OrderStatus.PAID, 0, ("confirmed", "confirmed"))
    assert StripeEvent.objects.count() == 2
    assert len(mail.outbox) == 3


def test_expired_event_after_payment_changes_nothing(
    client, user, paid_session, stripe_fake, deliver
):
    session, ticket = paid_session
    client.force_login(user)
    order = book(client, session, ticket)
    stripe_fake.checkout_pay(order.stripe_checkout_session_id)
    deliver()
    # Stripe would not send it, but a replayed or forged-order stream must not undo a sale.
    stripe_fake.checkout_sessions[order.stripe_checkout_session_id]["status"] = "open"
    stripe_fake.checkout_expire(order.stripe_checkout_session_id)
    deliver()
    assert _state(order) == (OrderStatus.PAID, 0, ("confirmed", "confirmed"))


def test_late_payment_takes_free_seats_when_there_are_some(
    client, user, paid_session, stripe_fake, deliver
):
    session, ticket = paid_session
    client.force_login(user)
    order = book(client, session, ticket)
    _expire_hold(order)
    stripe_fake.checkout_pay(order.stripe_checkout_session_id)
    deliver()
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.late_payment and order.needs_attention
    assert _state(order)[2] == ("confirmed", "confirmed")


def test_late_payment_into_a_full_session_is_refunded_and_the_buyer_told(
    client, user, paid_session, stripe_fake, deliver
):
    session, ticket = paid_session
    client.force_login(user)
    order = book(client, session, ticket)
    _expire_hold(order)
    RegistrationFactory.create_batch(10, ticket_type=ticket)  # others bought every seat
    stripe_fake.checkout_pay(order.stripe_checkout_session_id)
    deliver()  # completed -> refund task -> Stripe refund (queues refund events)
    deliver()  # charge.refunded + refund.updated
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert order.amount_refunded == 69800
    assert order.needs_attention and "refunded automatically" in order.attention_note
    refund = Refund.objects.get(order=order)
    assert refund.reason == RefundReason.LATE_PAYMENT and refund.status == "succeeded"
    assert selectors.session_seats_taken(session=session) == 10
    assert set(
        Registration.objects.filter(reservation=order.reservation).values_list("status", flat=True)
    ) == {RegistrationStatus.CANCELLED}
    subjects = [m.subject for m in mail.outbox]
    assert len(subjects) == 1 and "Refund for order" in subjects[0]
    assert "the session had filled up" in client.get(order.get_absolute_url()).content.decode()
    # A retried refund task asks Stripe with the same idempotency key: no second refund.
    from payments.tasks import order_refund_late_payment

    order_refund_late_payment.delay(order.pk)
    assert len(stripe_fake.refunds) == 1


def test_refund_in_stripe_dashboard_updates_the_order(
    client, user, paid_session, stripe_fake, deliver, django_capture_on_commit_callbacks
):
    session, ticket = paid_session
    client.force_login(user)
    order = book(client, session, ticket)
    stripe_fake.checkout_pay(order.stripe_checkout_session_id)
    deliver()
    order.refresh_from_db()
    gateway.refund_create(
        payment_intent_id=order.stripe_payment_intent_id, amount=10000, reason="staff", key="r1"
    )
    events = stripe_fake.take_events()
    with django_capture_on_commit_callbacks(execute=True):
        for event in reversed(events):  # refund.updated before charge.refunded
            event_deliver(event)
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    assert order.amount_refunded == 10000
    gateway.refund_create(
        payment_intent_id=order.stripe_payment_intent_id, amount=59800, reason="staff", key="r2"
    )
    deliver()
    assert _state(order) == (OrderStatus.REFUNDED, 69800, ("cancelled", "cancelled"))
    assert selectors.session_seats_available(session=session) == 10


def test_event_for_unknown_order_is_recorded_and_ignored(
    stripe_fake, client, django_capture_on_commit_callbacks
):
    body = (STRIPE_EVENTS / "checkout.session.completed.unknown_order.json").read_text()
    with django_capture_on_commit_callbacks(execute=True):
        status = event_deliver(Event(id="evt_unknown", type="x", payload=body))
    assert status == 200
    assert StripeEvent.objects.get().processed_at is not None


def test_gateway_refuses_the_fake_outside_debug_and_tests(settings, monkeypatch):
    gateway._client_for.cache_clear()
    monkeypatch.setattr(gateway, "fake_allowed", lambda: False)
    settings.STRIPE_USE_FAKE = True
    with pytest.raises(ImproperlyConfigured):
        gateway.client()
    gateway._client_for.cache_clear()
