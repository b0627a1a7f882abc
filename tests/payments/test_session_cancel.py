"""Cancelling a whole session from the admin: every registration cancelled, every paid
order refunded in full through Stripe, everyone e-mailed exactly once."""

import datetime
from collections import Counter

from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from django.utils import timezone

import pytest

from courses.models import Registration, RegistrationStatus, SessionStatus, WaitlistStatus
from courses.services import registration_create_walk_in
from demo.groups import ensure_event_staff_group
from payments import services, tasks
from payments.models import Notice, Order, OrderStatus, Refund, RefundReason, RefundStatus
from tests.factories import (
    SessionFactory,
    TicketTypeFactory,
    UserFactory,
    WaitlistEntryFactory,
)
from tests.payments.helpers import paid_order

pytestmark = pytest.mark.django_db

REASON = "Our instructor is ill. We are very sorry."


@pytest.fixture
def staff_client(client, db):
    user = UserFactory(is_staff=True)
    user.groups.add(ensure_event_staff_group())
    client.force_login(user)
    return client


@pytest.fixture
def ten_registrations(db):
    """Ten seats: orders of 3, 2, 1, 1, 1 and 1 seats by six buyers, and a free
    (complimentary) seat given by staff."""
    session = SessionFactory(capacity=20)
    ticket = TicketTypeFactory(session=session, price_amount=34900)
    orders = []
    for number, seats in enumerate([3, 2, 1, 1, 1, 1]):
        buyer = UserFactory(email=f"buyer{number}@example.com")
        attendees = [
            (f"Attendee {number}-{i}", f"attendee{number}-{i}@example.com") for i in range(seats)
        ]
        attendees[0] = (f"Buyer {number}", buyer.email)  # buyers attend their own orders
        orders.append(paid_order(buyer, session, ticket, attendees))
    registration_create_walk_in(
        session=session,
        ticket_type=ticket,
        attendee_name="Guest Speaker",
        attendee_email="guest@example.com",
        complimentary=True,
        check_in=False,
    )
    assert Registration.objects.filter(session=session).count() == 10
    return session, orders


def _url(session) -> str:
    return reverse("payments_session_cancel", args=[session.pk])


def test_confirm_page_says_what_will_happen(staff_client, ten_registrations):
    session, _ = ten_registrations
    edit = staff_client.get(reverse("workshop_sessions:edit", args=[session.pk])).content.decode()
    assert _url(session) in edit and "Cancel this session" in edit
    page = staff_client.get(_url(session)).content.decode()
    assert "<strong>10</strong> registrations canceled" in page
    assert "<strong>6</strong> paid orders refunded in full" in page
    assert "$3,141.00" in page  # nine paid seats at $349


def test_cancelling_a_session_with_ten_registrations(
    staff_client, ten_registrations, stripe_fake, django_capture_on_commit_callbacks
):
    session, orders = ten_registrations
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(_url(session), {"reason": REASON, "confirm": "on"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED
    statuses = set(Registration.objects.filter(session=session).values_list("status", flat=True))
    assert statuses == {RegistrationStatus.CANCELLED}

    for order in orders:
        order.refresh_from_db()
        assert (order.status, order.amount_refunded) == (OrderStatus.REFUNDED, order.total_amount)
    refunds = Refund.objects.all()
    assert len(refunds) == 6 and len(stripe_fake.refunds) == 6
    assert {(r.reason, r.status, r.note) for r in refunds} == {
        (RefundReason.SESSION_CANCELLED, RefundStatus.SUCCEEDED, REASON)
    }

    # Every attendee and every buyer: exactly one e-mail, quoting the reason.
    recipients = Counter(m.to[0] for m in mail.outbox)
    attendees = set(
        Registration.objects.filter(session=session).values_list("attendee_email", flat=True)
    )
    buyers = {o.email for o in orders}
    assert set(recipients) == attendees | buyers and len(attendees) == 10
    assert set(recipients.values()) == {1}
    assert all(REASON in m.body and "has been canceled" in m.body for m in mail.outbox)
    buyer0 = next(m for m in mail.outbox if m.to == ["buyer0@example.com"])
    assert "$1,047.00" in buyer0.body and "Attendee 0-1" not in buyer0.body
    guest = next(m for m in mail.outbox if m.to == ["guest@example.com"])
    assert "Guest Speaker" in guest.body and "Refunds in full" not in guest.body

    # Cancelling again (a second click) changes nothing and sends nothing.
    before = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        again = staff_client.post(_url(session), {"reason": REASON, "confirm": "on"})
    assert again.status_code == 400 and "already canceled" in again.content.decode()
    assert len(mail.outbox) == before and Refund.objects.count() == 6
    # A retried e-mail task finds its notice sent.
    for notice in Notice.objects.all():
        assert tasks.notice_send.delay(notice.pk).get() is False
    assert len(mail.outbox) == before


def test_the_waiting_list_hears_once_with_its_own_e_mail(
    staff_client, ten_registrations, django_capture_on_commit_callbacks
):
    session, _ = ten_registrations
    entry = WaitlistEntryFactory(session=session, user__email="waiting@example.com")
    for _attempt in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            staff_client.post(_url(session), {"reason": REASON, "confirm": "on"})
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.CLOSED
    (message,) = [m for m in mail.outbox if m.to == ["waiting@example.com"]]
    assert "the waiting list is closed" in message.subject
    assert "You were not charged anything" in message.body
    assert not Notice.objects.filter(to="waiting@example.com").exists()


def test_unpaid_orders_of_the_session_are_closed(
    staff_client, ten_registrations, django_capture_on_commit_callbacks
):
    session, _ = ten_registrations
    ticket = session.ticket_types.get()
    pending = services.order_create(
        buyer=UserFactory(),
        session_id=session.pk,
        requests=[services.SeatRequest(ticket.pk, "Late Comer", "late@example.com")],
    )
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(_url(session), {"reason": REASON, "confirm": "on"})
    pending.refresh_from_db()
    assert pending.status == OrderStatus.CANCELLED
    assert "late@example.com" not in {m.to[0] for m in mail.outbox}


def test_refunds_wait_for_stripe_when_it_is_down(
    staff_client, ten_registrations, stripe_fake, django_capture_on_commit_callbacks
):
    session, _ = ten_registrations
    stripe_fake.network_down("post", r"/v1/refunds", times=6)  # one per order
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(_url(session), {"reason": REASON, "confirm": "on"})
    assert set(Refund.objects.values_list("status", "stripe_refund_id")) == {("pending", "")}
    with django_capture_on_commit_callbacks(execute=True):
        services.refunds_retry(now=timezone.now() + datetime.timedelta(minutes=5))
    assert set(Refund.objects.values_list("status", flat=True)) == {"succeeded"}
    assert len(stripe_fake.refunds) == 6
    assert all(o.status == OrderStatus.REFUNDED for o in Order.objects.all())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": "", "confirm": "on"}, "This field is required"),
        ({"reason": REASON}, "This field is required"),
    ],
)
def test_bad_input_changes_nothing(staff_client, ten_registrations, stripe_fake, data, message):
    session, _ = ten_registrations
    response = staff_client.post(_url(session), data)
    assert message in response.content.decode()
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED
    assert not Refund.objects.exists() and not mail.outbox
    assert not Registration.objects.filter(status=RegistrationStatus.CANCELLED).exists()


def test_ended_sessions_cannot_be_cancelled(staff_client, ten_registrations):
    session, _ = ten_registrations
    ended = timezone.now() - datetime.timedelta(hours=1)
    type(session).objects.filter(pk=session.pk).update(
        starts_at=ended - datetime.timedelta(hours=8), ends_at=ended
    )
    response = staff_client.post(_url(session), {"reason": REASON, "confirm": "on"})
    assert response.status_code == 400 and "already ended" in response.content.decode()
    assert not Refund.objects.exists()


def test_only_staff_with_the_refund_permission_may_cancel(client, ten_registrations):
    session, _ = ten_registrations
    checker = UserFactory(is_staff=True)
    checker.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="check_in_attendees"),
        Permission.objects.get(content_type__app_label="courses", codename="change_session"),
    )
    client.force_login(checker)
    edit = client.get(reverse("workshop_sessions:edit", args=[session.pk])).content.decode()
    assert _url(session) not in edit
    response = client.post(_url(session), {"reason": REASON, "confirm": "on"})
    assert response.url == reverse("wagtailadmin_home")
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED
