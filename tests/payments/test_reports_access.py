"""Issue 17, reports: who may see them (``payments.view_reports``: superusers and the
Owners group, not editors or event staff), a bad date range explained with nothing
else changed, and the register page's open count, which never costs the page."""

import importlib
from unittest import mock

from django.apps import apps
from django.contrib.auth.models import Group
from django.db import DatabaseError
from django.urls import reverse
from django.utils import timezone

from wagtail.models import Page

import pytest

from demo.groups import ensure_editors_group, ensure_event_staff_group, ensure_tree_roots
from payments.models import FunnelCount, FunnelKind
from payments.reports.definitions import REPORTS
from payments.services import funnel_count_record
from tests.factories import SessionFactory, TicketTypeFactory, UserFactory
from tests.payments.report_data import local, paid_order

pytestmark = pytest.mark.django_db

owners_migration = importlib.import_module("payments.migrations.0010_owners_see_reports")


@pytest.fixture(autouse=True)
def _roots_and_owners():
    """Wagtail's roots and the Owners group as the migrations leave them (a flushed
    database from an earlier browser test has neither)."""
    ensure_tree_roots()
    owners_migration.owners_see_reports(apps, None)


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


PAGES = [("payments_reports", [])] + [
    (name, [slug]) for slug in REPORTS for name in ("payments_report", "payments_report_csv")
]


def _user(role: str):
    if role == "superuser":
        return UserFactory(is_staff=True, is_superuser=True)
    user = UserFactory(is_staff=True)
    if role == "editor":
        user.groups.add(ensure_editors_group(Page.objects.get(depth=1)))
    elif role == "event staff":
        user.groups.add(ensure_event_staff_group())
    elif role == "owner":
        user.groups.add(Group.objects.get(name="Owners"))  # made by migration 0010
    return user


@pytest.mark.parametrize(
    ("role", "status"), [("superuser", 200), ("owner", 200), ("editor", 403), ("event staff", 403)]
)
def test_only_owners_see_reports(client, role, status):
    client.force_login(_user(role))
    for name, args in PAGES:
        response = client.get(reverse(name, args=args))
        assert response.status_code == status, name
        if status == 403:
            assert "only for the business owner" in response.content.decode()
    menu = client.get(reverse("wagtailadmin_home")).content.decode()
    assert ("Business overview" in menu) is (status == 200)


def test_no_editor_group_holds_the_permission():
    ensure_editors_group(Page.objects.get(depth=1))
    ensure_event_staff_group()
    holders = Group.objects.filter(
        permissions__codename="view_reports", permissions__content_type__app_label="payments"
    )
    assert list(holders.values_list("name", flat=True)) == ["Owners"]


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("payments_report", args=["revenue"]))
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2026-03-01", "end": "2026-01-01"}, "The start date must be on or before"),
        ({"start": "2020-01-01", "end": "2026-01-01"}, "Choose a range of at most"),
        ({"start": "yesterday", "end": "2026-01-01"}, "Enter a valid date."),
        ({"start": "2025-06-01", "end": "2026-12-31", "period": "week"}, "at most 366 days"),
    ],
)
def test_a_bad_date_range_is_explained_and_the_default_shown(admin_client, query, message):
    response = admin_client.get(reverse("payments_report", args=["revenue"]), query)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert "Showing the default range instead" in body
    assert response.context["span"] == REPORTS["revenue"].default_span(timezone.localdate())
    csv_response = admin_client.get(reverse("payments_report_csv", args=["revenue"]), query)
    assert csv_response.status_code == 400
    assert message in csv_response.content.decode()


def test_an_empty_range_says_so(admin_client):
    response = admin_client.get(
        reverse("payments_report", args=["members"]), {"start": "2001-01-01", "end": "2001-02-01"}
    )
    assert response.status_code == 200
    assert "Nothing in this range" in response.content.decode()


def test_the_dashboard_shows_revenue_per_currency(admin_client):
    session = SessionFactory()
    paid_order(paid_at=local(2026, 1, 5), amount=10000, session=session, currency="usd")
    paid_order(
        paid_at=local(2026, 1, 6), amount=5000, session=session, currency="eur", refunded=1000
    )
    body = admin_client.get(reverse("wagtailadmin_home")).content.decode()
    assert "$100.00" in body and "€40.00" in body
    assert "$140.00" not in body  # never added together


def test_opening_the_register_page_is_counted_per_day_and_workshop(client):
    session = SessionFactory()
    TicketTypeFactory(session=session)
    url = reverse("payments:register", args=[session.pk])
    for _ in range(3):
        assert client.get(url).status_code == 200
    client.get(url, {"quantity": "x"})  # a later step, not an open
    row = FunnelCount.objects.get()
    assert (row.workshop_id, row.kind, row.day, row.count) == (
        session.workshop_id,
        FunnelKind.REGISTER_OPENED,
        timezone.localdate(),
        3,
    )


def test_a_failed_count_never_breaks_the_register_page(client, caplog):
    session = SessionFactory()
    TicketTypeFactory(session=session)
    with mock.patch.object(FunnelCount.objects, "filter", side_effect=DatabaseError("down")):
        response = client.get(reverse("payments:register", args=[session.pk]))
    assert response.status_code == 200
    assert "Funnel count not recorded" in caplog.text
    assert not FunnelCount.objects.exists()


def test_two_first_opens_racing_both_count():
    session = SessionFactory()
    FunnelCount.objects.create(
        day=timezone.localdate(),
        workshop=session.workshop,
        kind=FunnelKind.REGISTER_OPENED,
        count=1,
    )
    real_filter = FunnelCount.objects.filter
    calls = []

    def first_update_misses(*args, **kwargs):
        calls.append(1)
        queryset = real_filter(*args, **kwargs)
        return queryset.none() if len(calls) == 1 else queryset  # as if not there yet

    with mock.patch.object(FunnelCount.objects, "filter", side_effect=first_update_misses):
        assert funnel_count_record(workshop_id=session.workshop_id)
    assert FunnelCount.objects.get().count == 2
