"""My account: every section shows what the person has (and only theirs), and the page
reads each section at most once whatever the rows, nothing for sections left empty."""

import datetime
import uuid

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import pytest

from courses import services as courses_services
from courses.models import AccessSource
from payments.models import (
    Membership,
    MembershipPlan,
    MembershipStatus,
    Order,
    OrderStatus,
    Refund,
    RefundReason,
    RefundStatus,
)
from tests.factories import (
    AccessGrantFactory,
    LessonProgressFactory,
    RegistrationFactory,
    SessionFactory,
    TicketTypeFactory,
    UserFactory,
    WaitlistEntryFactory,
)
from tests.page_tree import lesson_create

pytestmark = pytest.mark.django_db

# Queries of /account/ (the session and the user included): someone with nothing yet,
# and someone with something in every section. Lower them when the page gets cheaper.
EMPTY_ACCOUNT_QUERIES = 5
FULL_ACCOUNT_QUERIES = 19


def _order(user, session, title_amount: int) -> Order:
    return Order.objects.create(
        reservation=uuid.uuid4(),
        buyer=user,
        email=user.email,
        session=session,
        status=OrderStatus.PAID,
        total_amount=title_amount,
        currency="usd",
        hold_expires_at=timezone.now(),
        paid_at=timezone.now(),
    )


def _add_everything(user, page_tree, n: int) -> None:
    """``n`` more of each thing My account lists, all ``user``'s."""
    now = timezone.now()
    for i in range(n):
        session = SessionFactory(workshop__title=f"Upcoming workshop {uuid.uuid4().hex[:6]}")
        ticket = TicketTypeFactory(session=session)
        RegistrationFactory(ticket_type=ticket, buyer=user, attendee_email=user.email)
        order = _order(user, session, 10000 + i)
        Refund.objects.create(
            order=order,
            idempotency_key=uuid.uuid4().hex,
            amount=5000,
            currency="usd",
            status=RefundStatus.SUCCEEDED,
            reason=RefundReason.CUSTOMER,
        )
        WaitlistEntryFactory(user=user, session=SessionFactory())
        ended = SessionFactory(
            starts_at=now - datetime.timedelta(days=3), ends_at=now - datetime.timedelta(days=2)
        )
        attended = RegistrationFactory(
            ticket_type=TicketTypeFactory(session=ended),
            attendee_user=user,
            attendee_email=user.email,
            checked_in_at=ended.starts_at,
            checked_out_at=ended.ends_at,
        )
        courses_services.certificate_issue_for_session(session=attended.session)
        lesson = lesson_create(masterclass=page_tree.series.masterclass)
        LessonProgressFactory(
            user=user, lesson_key=str(lesson.pk), masterclass=page_tree.series.masterclass
        )
    membership = Membership.objects.create(
        user=user,
        stripe_customer_id=f"cus_{uuid.uuid4().hex[:10]}",
        stripe_subscription_id=f"sub_{uuid.uuid4().hex[:14]}",
        plan=MembershipPlan.MONTHLY,
        status=MembershipStatus.ACTIVE,
        amount=2900,
        currency="usd",
        current_period_end=now + datetime.timedelta(days=20),
        synced_at=now,
    )
    AccessGrantFactory(
        user=user,
        source=AccessSource.MEMBERSHIP,
        source_reference=membership.stripe_subscription_id,
    )
    AccessGrantFactory(
        user=user, source=AccessSource.PURCHASE, masterclass=page_tree.series.masterclass
    )


def _account(client, user) -> tuple[str, int]:
    client.force_login(user)
    client.get(reverse("accounts:dashboard"))  # warm-up: per-process caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("accounts:dashboard"))
    assert response.status_code == 200
    import os

    if os.environ.get("SHOWQ"):
        for q in queries.captured_queries:
            print("Q", q["sql"][:300])
    return response.content.decode(), len(queries.captured_queries)


def test_an_empty_account_reads_no_section_and_says_what_each_will_hold(client, page_tree):
    body, queries = _account(client, UserFactory())
    assert queries <= EMPTY_ACCOUNT_QUERIES
    assert "You have no upcoming workshops" in body
    assert "No orders yet." in body
    assert "Certificates appear here after you attend" in body
    assert "See membership plans" in body
    for absent in ("refunds-heading", "waitlist-heading", "continue-heading"):
        assert absent not in body


def test_a_full_account_shows_every_section_with_the_same_queries_whatever_its_rows(
    client, page_tree
):
    user = UserFactory()
    _add_everything(user, page_tree, 1)
    body, few = _account(client, user)
    assert few <= FULL_ACCOUNT_QUERIES
    for heading in (
        "registrations-heading",
        "orders-heading",
        "refunds-heading",
        "waitlist-heading",
        "continue-heading",
        "purchased-masterclasses-heading",
        "certificates-heading",
        "membership-card-heading",
    ):
        assert f'id="{heading}"' in body, heading
    assert "Upcoming workshop" in body and "Download PDF" in body
    assert "Number 1 in line" in body and "Manage membership" in body

    _add_everything(user, page_tree, 3)
    _body, more = _account(client, user)
    assert more == few, f"queries grew with the rows: {few} -> {more}"


def test_an_account_shows_nobody_elses_orders_tickets_or_certificates(client, page_tree):
    mine, theirs = UserFactory(), UserFactory()
    _add_everything(theirs, page_tree, 1)
    their_order = Order.objects.get(buyer=theirs)
    body, _queries = _account(client, mine)
    assert their_order.number not in body
    assert "Upcoming workshop" not in body and "Download PDF" not in body
    assert "You have no upcoming workshops" in body and "No orders yet." in body
