"""Admin search: the same case-insensitive "contains" on every search field, asked one
table at a time (courses.admin_search), so PostgreSQL's trigram indexes can answer it.
Runs on SQLite and PostgreSQL alike; the index check runs on PostgreSQL only."""

from django.db import connection
from django.urls import reverse

import pytest

from courses.admin_search import search_by_table
from courses.models import Registration
from payments.models import Order
from payments.wagtail_hooks import RegistrationViewSet
from tests.factories import UserFactory
from tests.payments.helpers import book

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(client, paid_session):
    session, ticket = paid_session
    client.force_login(UserFactory(full_name="Quinn Zephyrine", email="quinn@example.org"))
    order = book(client, session, ticket, n=2)
    client.logout()
    return order


@pytest.fixture
def staff(client, order):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    "term",
    [
        "QUINN@example",  # the order's e-mail, any case
        "zephyrine",  # the buyer's name (across a relation)
        "attendee1@",  # an attendee's e-mail (two relations away)
        "Attendee 0",  # an attendee's name
    ],
)
def test_orders_search_finds_an_order_by_any_of_its_fields(staff, order, term):
    body = staff.get(reverse("orders:index"), {"q": term}).content.decode()
    assert order.number in body


def test_orders_search_finds_by_the_start_of_the_order_number(staff, order):
    body = staff.get(reverse("orders:index"), {"q": order.number[:6].lower()}).content.decode()
    assert order.number in body
    assert order.number not in staff.get(reverse("orders:index"), {"q": "nobody"}).content.decode()


def test_orders_search_lists_an_order_once_whatever_matched(staff, order):
    # Both attendees and the buyer match "example": still one row for the order.
    response = staff.get(reverse("orders:index"), {"q": "example"})
    assert list(response.context["object_list"]) == [order]


def test_registrations_search_by_ticket_code_and_memberships_by_member(staff, order):
    seat = Registration.objects.filter(reservation=order.reservation).first()
    found = staff.get(reverse("order_registrations:index"), {"q": seat.code.lower()})
    assert list(found.context["object_list"]) == [seat]
    members = staff.get(reverse("memberships:index"), {"q": "zephyr"})
    assert members.status_code == 200


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm is PostgreSQL's")
def test_postgresql_answers_a_registration_search_from_trigram_indexes(order):
    queryset = search_by_table(
        Registration.objects.all(), RegistrationViewSet.search_fields, "attendee1"
    )
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # The test tables are tiny (reading them all would win): ask for the plan that
        # searches an index.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan on courses_registration" not in plan
    assert "registration_name_trgm" in plan and "registration_email_trgm" in plan
    assert [r.attendee_email for r in queryset] == ["attendee1@example.com"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm is PostgreSQL's")
def test_postgresql_answers_an_order_search_without_reading_every_order(order):
    from payments.wagtail_hooks import OrderViewSet

    queryset = search_by_table(Order.objects.all(), OrderViewSet.search_fields, "zephyrine")
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "user_full_name_trgm" in plan and "order_email_trgm" in plan
    assert list(queryset) == [order]
