"""Staff views: orders and registrations with filters, search, export; dashboard panel."""

import io

from django.urls import reverse

import openpyxl
import pytest

from tests.factories import UserFactory
from tests.payments.helpers import book

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, order):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def order(client, user, paid_session, django_capture_on_commit_callbacks):
    session, ticket = paid_session
    client.force_login(user)
    order = book(client, session, ticket, n=2)
    client.logout()
    return order


def test_orders_listing_filters_search_and_inspect(staff_client, order):
    index = reverse("orders:index")
    body = staff_client.get(index).content.decode()
    assert order.number in body
    assert order.number in staff_client.get(index, {"q": "attendee1@example.com"}).content.decode()
    assert order.number not in staff_client.get(index, {"q": "nobody@x.org"}).content.decode()
    assert order.number not in staff_client.get(index, {"status": "paid"}).content.decode()
    inspect = staff_client.get(reverse("orders:inspect", args=[order.pk])).content.decode()
    assert order.stripe_checkout_session_id in inspect
    add = staff_client.get(reverse("orders:add"))
    assert add.status_code == 302 and add.url == reverse("wagtailadmin_home")


def test_exports_csv_and_xlsx(staff_client, order):
    csv = staff_client.get(reverse("orders:index"), {"export": "csv"})
    assert csv.status_code == 200
    assert order.email in b"".join(csv.streaming_content).decode()
    xlsx = staff_client.get(reverse("order_registrations:index"), {"export": "xlsx"})
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    rows = list(workbook.active.values)
    assert len(rows) == 3  # header + two seats


def test_dashboard_panel_shows_seats_and_revenue(staff_client, order):
    body = staff_client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Upcoming sessions" in body
    assert f"0 / {order.session.capacity}" in body


def test_non_staff_cannot_see_orders(client, user, order):
    client.force_login(user)
    response = client.get(reverse("orders:index"))
    assert response.status_code == 403  # the no-access page, not a sign-in loop
    assert order.reference.hex not in response.content.decode()
    assert str(order.reference) not in response.content.decode()
