"""Issue 12, row "Broker down = lost tickets": paying while the Celery broker is at a
closed port must still answer 200, and once the broker is back the beat job delivers the
receipt and every ticket exactly once."""

import logging
from contextlib import contextmanager

from django.core import mail
from django.urls import reverse

import pytest
from celery import current_app

from courses import tasks as courses_tasks
from courses.models import OutboxEntry
from payments.models import Order, OrderStatus
from stripe_fake import fake_stripe
from stripe_fake.delivery import outbox_deliver
from tests.factories import SessionFactory, TicketTypeFactory
from tests.payments.helpers import book, paid_order

pytestmark = pytest.mark.django_db


@contextmanager
def broker_at(url: str):
    """Point Celery at ``url`` and publish for real (not eagerly) while inside."""
    app = current_app
    saved = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = url, False
    app.conf.broker_connection_timeout = 0.5
    app._pool = None
    app.amqp._producer_pool = None
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        app._pool = None
        app.amqp._producer_pool = None


def _beat(django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        courses_tasks.outbox_dispatch_due.delay()


def test_paying_while_the_broker_is_down_loses_nothing(
    client, user, closed_port, caplog, django_capture_on_commit_callbacks
):
    session = SessionFactory(capacity=10)
    ticket = TicketTypeFactory(session=session, price_amount=34900)
    client.force_login(user)
    order = book(client, session, ticket, n=2)
    page = reverse("stripe_fake:test_checkout", args=[order.stripe_checkout_session_id])

    caplog.set_level(logging.WARNING, logger="courses.services.outbox")
    broker_down = broker_at(f"redis://127.0.0.1:{closed_port}/9")
    with broker_down, django_capture_on_commit_callbacks(execute=True):
        response = client.post(page, {"action": "pay"}, follow=True)
    assert response.status_code == 200
    assert "You're booked" in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert mail.outbox == []
    assert "not enqueued" in caplog.text
    assert OutboxEntry.objects.filter(done_at__isnull=True).exists()

    # The broker is back: the beat job hands everything over; then once more, idle.
    _beat(django_capture_on_commit_callbacks)
    _beat(django_capture_on_commit_callbacks)
    order.refresh_from_db()
    assert order.receipt_sent_at is not None
    subjects = sorted(m.subject for m in mail.outbox)
    assert len(subjects) == 3, subjects
    assert sum("Receipt" in s for s in subjects) == 1
    assert sum("Your ticket" in s for s in subjects) == 2
    assert not OutboxEntry.objects.filter(done_at__isnull=True).exists()


def test_redelivered_event_sends_what_a_paid_order_still_owes(
    client, user, django_capture_on_commit_callbacks
):
    session = SessionFactory(capacity=10)
    ticket = TicketTypeFactory(session=session, price_amount=34900)
    order = paid_order(user, session, ticket)  # PAID; its confirmation never ran
    assert order.status == OrderStatus.PAID and order.receipt_sent_at is None
    checkout = fake_stripe.checkout_sessions[order.stripe_checkout_session_id]
    fake_stripe._emit("checkout.session.completed", checkout)  # Stripe tells us again

    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_deliver() == [200]
    assert Order.objects.get(pk=order.pk).receipt_sent_at is not None
    assert len(mail.outbox) == 2  # the receipt and the one ticket
