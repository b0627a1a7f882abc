"""Exports write related rows (session, ticket, masterclass, staff) as the same labels the
lists show, read once per export rather than with every row."""

import csv
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import pytest

from courses.models import Registration
from tests.factories import UserFactory
from tests.payments.helpers import book

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(client, paid_session):
    session, ticket = paid_session
    client.force_login(UserFactory())
    order = book(client, session, ticket, n=2)
    client.logout()
    return order


def _csv(client, url_name):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse(url_name), {"export": "csv"})
        rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    return rows, len(ctx.captured_queries)


def test_exports_write_sessions_and_tickets_as_their_labels(client, order):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    seat = Registration.objects.select_related("session", "ticket_type").first()
    seats, _ = _csv(client, "order_registrations:index")
    assert {row["Session"] for row in seats} == {str(seat.session)}
    assert {row["Ticket type"] for row in seats} == {str(seat.ticket_type)}
    orders, _ = _csv(client, "orders:index")
    assert [row["Session"] for row in orders] == [str(order.session)]
    assert [row["Masterclass"] for row in orders] == [""]
    assert [row["Taken by"] for row in orders] == [""]


def test_an_export_reads_its_labels_once_whatever_its_rows(client, order, paid_session):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    _csv(client, "order_registrations:index")  # warm-up
    _rows, queries = _csv(client, "order_registrations:index")
    session, ticket = paid_session
    client.force_login(UserFactory())
    book(client, session, ticket, n=3)
    client.force_login(staff)
    _csv(client, "order_registrations:index")  # warm-up: signed in again
    rows, queries_after = _csv(client, "order_registrations:index")
    assert len(rows) == 5
    assert queries_after == queries
