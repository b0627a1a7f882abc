"""The buyer's order page: the same queries whatever its seats and refunds, no permission
lookup for the buyer, and still nobody else's order."""

import uuid

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import pytest

from payments.models import Order, OrderLine, OrderStatus, Refund, RefundReason, RefundStatus
from tests.factories import RegistrationFactory, TicketTypeFactory, UserFactory

pytestmark = pytest.mark.django_db

# Queries of the buyer's order page, the session and the user included (lower it when
# the page gets cheaper): with refunds, and without any refund or dispute (most orders).
ORDER_PAGE_QUERIES = 6
ORDER_PAGE_QUERIES_PLAIN = 5


def _paid_order(buyer) -> Order:
    ticket = TicketTypeFactory()
    return Order.objects.create(
        reservation=uuid.uuid4(),
        buyer=buyer,
        email=buyer.email,
        session=ticket.session,
        status=OrderStatus.PARTIALLY_REFUNDED,
        total_amount=34900,
        amount_refunded=10000,
        currency="usd",
        hold_expires_at=timezone.now(),
        paid_at=timezone.now(),
    )


def _add_seat_and_refund(order: Order) -> None:
    seat = RegistrationFactory(
        ticket_type=order.session.ticket_types.first(), buyer=order.buyer, reservation=uuid.uuid4()
    )
    OrderLine.objects.create(
        order=order, registration=seat, description="Seat", unit_amount=34900, currency="usd"
    )
    Refund.objects.create(
        order=order,
        registration=seat,
        idempotency_key=uuid.uuid4().hex,
        amount=10000,
        currency="usd",
        status=RefundStatus.SUCCEEDED,
        reason=RefundReason.CUSTOMER,
    )


def _queries(client, order: Order) -> tuple[str, int]:
    client.get(order.get_absolute_url())  # warm-up
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(order.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode(), len(ctx.captured_queries)


def test_the_order_page_costs_the_same_queries_whatever_its_seats_and_refunds(client, page_tree):
    buyer = UserFactory()
    order = _paid_order(buyer)
    _add_seat_and_refund(order)
    client.force_login(buyer)
    body, few = _queries(client, order)
    assert few <= ORDER_PAGE_QUERIES
    assert 'data-testid="order-refunds"' in body and "Refunded" in body
    for _ in range(3):
        _add_seat_and_refund(order)
    _body, more = _queries(client, order)
    assert more == few, f"queries grew with the rows: {few} -> {more}"


def test_an_order_without_refunds_or_disputes_reads_neither(client, page_tree):
    buyer = UserFactory()
    order = _paid_order(buyer)
    client.force_login(buyer)
    body, queries = _queries(client, order)
    assert queries <= ORDER_PAGE_QUERIES_PLAIN
    assert 'data-testid="order-refunds"' not in body
    assert 'data-testid="order-dispute"' not in body


def test_someone_elses_order_is_not_found(client, page_tree):
    order = _paid_order(UserFactory())
    client.force_login(UserFactory())
    assert client.get(order.get_absolute_url()).status_code == 404
