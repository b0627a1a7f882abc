"""Concurrency proof on PostgreSQL: real threads, real connections, real row locks.

The control test shows the race exists when the session row is not locked; the same
scenario through the real service never oversells. SQLite serialises whole transactions
(IMMEDIATE), so these prove nothing there and are skipped.
"""

import contextlib
import datetime
import uuid

from django.core import mail
from django.db import transaction
from django.utils import timezone

import pytest

from courses import selectors, services
from courses.errors import CoursesError
from courses.models import Registration, RegistrationStatus, Session, TicketType
from courses.services import SeatRequest
from payments import services as payment_services
from payments.models import Order, OrderStatus, StripeEvent
from stripe_fake.delivery import event_deliver
from tests.concurrency import rush, slow_seat_count
from tests.factories import RegistrationFactory, TicketTypeFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 24


@pytest.fixture
def slow_count(monkeypatch):
    slow_seat_count(monkeypatch, 0.15)


def _one_seat(ticket, session_id):
    def reserve(i):
        try:
            services.seat_hold_create(
                session_id=session_id,
                requests=[SeatRequest(ticket.pk, f"Buyer {i}", f"b{i}@example.com")],
            )
            return "held"
        except CoursesError:
            return "refused"

    return reserve


def test_control_without_the_lock_the_race_oversells(monkeypatch, slow_count):
    ticket = TicketTypeFactory(session__capacity=30)
    RegistrationFactory.create_batch(27, ticket_type=ticket)  # the last 3 seats
    monkeypatch.setattr(
        "courses.services.seats.session_lock_with_ticket_types",
        lambda *, session_id, ticket_type_ids: (
            Session.objects.get(pk=session_id),
            list(TicketType.objects.filter(session_id=session_id, pk__in=ticket_type_ids)),
        ),
    )
    rush(_one_seat(ticket, ticket.session_id), THREADS)
    taken = selectors.session_seats_taken(session=ticket.session)
    assert taken > 30, "the control should demonstrate the race; without it the proof is void"


def test_the_locked_service_never_oversells(slow_count):
    ticket = TicketTypeFactory(session__capacity=30)
    RegistrationFactory.create_batch(27, ticket_type=ticket)
    results = rush(_one_seat(ticket, ticket.session_id), THREADS)
    assert results.count("held") == 3
    assert results.count("refused") == THREADS - 3
    assert selectors.session_seats_taken(session=ticket.session) == 30


def test_many_seat_orders_and_ticket_type_limits_hold_under_contention(slow_count):
    ticket = TicketTypeFactory(session__capacity=10, quantity_limit=7, max_per_order=3)

    def reserve(i):
        try:
            services.seat_hold_create(
                session_id=ticket.session_id,
                requests=[SeatRequest(ticket.pk, f"B{i}", f"b{i}@example.com")] * (1 + i % 3),
            )
            return 1 + i % 3
        except CoursesError:
            return 0

    held = sum(rush(reserve, n=12))
    assert held == selectors.ticket_type_seats_taken(ticket_type=ticket) <= 7


def test_hold_expiry_racing_a_late_payment_never_oversells():
    """A buyer's hold lapses; at the same moment their payment lands, a new buyer grabs
    the freed seats and the expiry job runs. Whatever wins, seats <= capacity and the
    late payer either has seats or gets refunded."""
    for _round in range(4):
        ticket = TicketTypeFactory(session__capacity=4)
        RegistrationFactory.create_batch(2, ticket_type=ticket)
        buyer = UserFactory()
        past = timezone.now() - datetime.timedelta(seconds=1)
        reservation = uuid.uuid4()
        for _i in range(2):
            RegistrationFactory(
                ticket_type=ticket,
                reservation=reservation,
                status=RegistrationStatus.HELD,
                hold_expires_at=past,
                confirmed_at=None,
            )
        order = Order.objects.create(
            reservation=reservation,
            buyer=buyer,
            email=buyer.email,
            session=ticket.session,
            total_amount=2 * ticket.price_amount,
            currency="usd",
            hold_expires_at=past,
        )

        def act(i, order=order, ticket=ticket):
            if i == 0:
                payment_services.order_mark_paid(order_id=order.pk, payment_intent_id="", amount=0)
            elif i == 1:
                services.holds_expire()
            else:
                with contextlib.suppress(CoursesError):
                    services.seat_hold_create(
                        session_id=ticket.session_id,
                        requests=[SeatRequest(ticket.pk, "Rival", "r@example.com")] * 2,
                    )

        rush(act, n=3)
        order.refresh_from_db()
        taken = selectors.session_seats_taken(session=ticket.session)
        assert taken <= 4
        if order.status == OrderStatus.PAID:
            assert (
                Registration.objects.filter(
                    reservation=reservation, status=RegistrationStatus.CONFIRMED
                ).count()
                == 2
            )
        else:
            assert order.status == OrderStatus.CANCELLED and order.needs_attention


def test_the_same_webhook_delivered_concurrently_is_processed_once(client, stripe_fake):
    ticket = TicketTypeFactory(session__capacity=10, price_amount=34900)
    buyer = UserFactory()
    order = payment_services.order_create(
        buyer=buyer,
        session_id=ticket.session_id,
        requests=[SeatRequest(ticket.pk, "A", "a@example.com")] * 2,
    )
    order = payment_services.order_checkout_start(
        order_id=order.pk, success_url="http://testserver/ok", cancel_url="http://testserver/no"
    )
    stripe_fake.checkout_pay(order.stripe_checkout_session_id)
    (event,) = stripe_fake.take_events()
    statuses = rush(lambda i: event_deliver(event), n=12)
    assert statuses == [200] * 12
    assert StripeEvent.objects.count() == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert len(mail.outbox) == 3  # one receipt, two tickets: never twice
    with transaction.atomic():
        assert Registration.objects.filter(status=RegistrationStatus.CONFIRMED).count() == 2
