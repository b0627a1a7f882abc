import datetime
import json

from django.core import mail
from django.urls import reverse
from django.utils import timezone

import pytest

from courses import selectors
from courses.models import Registration, RegistrationStatus
from payments.models import Order, OrderStatus, Payment, StripeEvent
from tests.payments.helpers import book, register_url

pytestmark = pytest.mark.django_db


def test_ticket_step_shows_prices_seats_and_refund_policy(client, paid_session):
    session, _ticket = paid_session
    response = client.get(register_url(session))
    body = response.content.decode()
    assert response.status_code == 200
    assert "$349.00" in body
    assert "10 seats left" in body
    assert "Full refund until 14 days before the start" in body


def test_anonymous_buyer_is_asked_to_sign_in_keeping_the_choice(client, paid_session):
    session, ticket = paid_session
    url = register_url(session, **{str(ticket.pk): 2})
    response = client.get(url)
    assert response.status_code == 200
    assert "Sign in to continue" in response.content.decode()
    assert "next=/payments/register/" in response.content.decode()
    assert not Registration.objects.exists()


def test_attendee_step_prefills_the_buyer(client, user, paid_session):
    session, ticket = paid_session
    client.force_login(user)
    response = client.get(register_url(session, **{str(ticket.pk): 2}))
    body = response.content.decode()
    assert body.count('name="form-0-attendee_name"') == 1
    assert 'name="form-1-attendee_name"' in body
    assert user.email in body


def test_paid_booking_holds_seats_and_opens_a_matching_checkout(
    client, user, paid_session, stripe_fake
):
    session, ticket = paid_session
    client.force_login(user)
    order = book(client, session, ticket, n=2)
    assert order.status == OrderStatus.PENDING
    assert order.total_amount == 69800
    page = client.get(order.get_absolute_url()).content.decode()
    zone = timezone.localtime(order.hold_expires_at, session.tz).strftime("%Z")
    assert f" {zone})" in page  # "(until 3:28 PM PST)": the zone is said
    holds = Registration.objects.filter(reservation=order.reservation)
    assert {r.status for r in holds} == {RegistrationStatus.HELD}
    assert all(r.hold_expires_at == order.hold_expires_at for r in holds)
    assert selectors.session_seats_available(session=session) == 8

    checkout = stripe_fake.checkout_sessions[order.stripe_checkout_session_id]
    assert checkout["mode"] == "payment"
    assert checkout["amount_total"] == 69800
    assert checkout["client_reference_id"] == str(order.reference)
    assert checkout["metadata"]["order_id"] == str(order.pk)
    assert checkout["_payment_intent_data"]["metadata"]["order_reference"] == str(order.reference)
    assert checkout["customer_email"] == user.email
    assert checkout["allow_promotion_codes"] is True
    assert checkout["expires_at"] == int(order.hold_expires_at.timestamp())
    _method, _path, params = stripe_fake.requests[-1]
    assert params["line_items"][0]["quantity"] == "2"
    assert params["line_items"][0]["price_data"]["unit_amount"] == "34900"

    page = client.get(order.get_absolute_url())
    assert "Awaiting payment" in page.content.decode()
    assert "data-countdown" in page.content.decode()


def test_pay_button_goes_to_the_same_checkout(client, user, paid_session, stripe_fake):
    session, ticket = paid_session
    client.force_login(user)
    order = book(client, session, ticket)
    response = client.post(reverse("payments:order_pay", kwargs={"reference": order.reference}))
    assert response.status_code == 302
    assert response["Location"] == order.stripe_checkout_url
    assert len(stripe_fake.checkout_sessions) == 1


def test_payment_confirms_seats_and_sends_receipt_and_tickets_once(
    client, user, paid_session, stripe_fake, deliver
):
    session, ticket = paid_session
    client.force_login(user)
    order = book(client, session, ticket, n=2)
    stripe_fake.checkout_pay(order.stripe_checkout_session_id)
    events = list(stripe_fake.outbox)
    assert deliver() == [200]
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert Payment.objects.get(order=order).amount == 69800
    assert set(
        Registration.objects.filter(reservation=order.reservation).values_list("status", flat=True)
    ) == {RegistrationStatus.CONFIRMED}
    subjects = sorted(m.subject for m in mail.outbox)
    assert len(mail.outbox) == 3, subjects
    receipt = next(m for m in mail.outbox if "Receipt" in m.subject)
    assert receipt.to == [user.email]
    assert "$698.00" in receipt.body
    tickets = [m for m in mail.outbox if "Your ticket" in m.subject]
    assert sorted(m.to[0] for m in tickets) == ["attendee0@example.com", "attendee1@example.com"]
    for message in tickets:
        html = message.alternatives[0].content
        assert "cid:ticket-qr" in html
        names = [
            a.filename if hasattr(a, "filename") else a.get_filename() for a in message.attachments
        ]
        assert "workshop.ics" in names and "ticket-qr.png" in names

    # The same event again, and the success page: nothing changes, nothing is re-sent.
    stripe_fake.outbox.extend(events)
    assert deliver() == [200]
    client.get(reverse("payments:checkout_return", kwargs={"reference": order.reference}))
    assert len(mail.outbox) == 3
    assert StripeEvent.objects.count() == 1


def test_success_page_fulfils_when_the_webhook_is_late(
    client, user, paid_session, stripe_fake, django_capture_on_commit_callbacks
):
    session, ticket = paid_session
    client.force_login(user)
    order = book(client, session, ticket)
    stripe_fake.checkout_pay(order.stripe_checkout_session_id)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(
            reverse("payments:checkout_return", kwargs={"reference": order.reference}),
            follow=True,
        )
    assert "You're booked" in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert len(mail.outbox) == 3


def test_abandoned_checkout_gives_the_seats_back(client, user, paid_session, stripe_fake, deliver):
    session, ticket = paid_session
    client.force_login(user)
    order = book(client, session, ticket, n=3)
    assert selectors.session_seats_available(session=session) == 7
    stripe_fake.checkout_expire(order.stripe_checkout_session_id)
    deliver()
    order.refresh_from_db()
    assert order.status == OrderStatus.EXPIRED
    assert selectors.session_seats_available(session=session) == 10
    page = client.get(order.get_absolute_url()).content.decode()
    assert "This reservation expired" in page
    assert "You left the payment page, so we released your seats" in page
    assert "have passed" not in page
    assert "Each attendee receives a ticket" not in page  # nothing is coming
    assert mail.outbox == []


def test_async_payment_waits_then_confirms_or_releases(
    client, user, paid_session, stripe_fake, deliver
):
    session, ticket = paid_session
    client.force_login(user)
    ok = book(client, session, ticket)
    stripe_fake.checkout_pay(ok.stripe_checkout_session_id, delayed=True)
    deliver()
    ok.refresh_from_db()
    assert ok.status == OrderStatus.PENDING and ok.awaiting_async_payment
    page = client.get(ok.get_absolute_url()).content.decode()
    assert "Payment processing" in page
    assert "Pay to confirm your seats" not in page
    assert "Your bank confirms the payment" in page
    stripe_fake.checkout_async_result(ok.stripe_checkout_session_id, succeeded=True)
    deliver()
    ok.refresh_from_db()
    assert ok.status == OrderStatus.PAID

    failed = book(client, session, ticket)
    stripe_fake.checkout_pay(failed.stripe_checkout_session_id, delayed=True)
    stripe_fake.checkout_async_result(failed.stripe_checkout_session_id, succeeded=False)
    deliver()
    failed.refresh_from_db()
    assert failed.status == OrderStatus.CANCELLED
    assert selectors.session_seats_available(session=session) == 8


def test_free_order_confirms_without_stripe(
    client, user, free_session, stripe_fake, django_capture_on_commit_callbacks
):
    session, ticket = free_session
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        order = book(client, session, ticket, n=1)
    assert order.status == OrderStatus.PAID
    assert stripe_fake.requests == []
    assert len(mail.outbox) == 2


def test_dashboard_lists_orders_and_tickets(
    client, user, free_session, django_capture_on_commit_callbacks
):
    session, ticket = free_session
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        order = book(client, session, ticket, n=1)
    body = client.get(reverse("accounts:dashboard")).content.decode()
    assert f"Order {order.number}" in body
    assert session.workshop.title in body
    code = order.lines.get().registration.code
    ticket_page = client.get(reverse("payments:ticket", kwargs={"code": code}))
    assert ticket_page.status_code == 200
    assert "<svg" in ticket_page.content.decode()
    ics = client.get(reverse("payments:ticket_ics", kwargs={"code": code}))
    assert ics["Content-Type"] == "text/calendar"


def test_periodic_tasks_expire_lapsed_holds_and_orders(client, user, paid_session):
    from courses.tasks import holds_expire
    from payments.tasks import orders_expire

    session, ticket = paid_session
    client.force_login(user)
    order = book(client, session, ticket)
    Order.objects.filter(pk=order.pk).update(
        hold_expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    Registration.objects.filter(reservation=order.reservation).update(
        hold_expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert holds_expire.delay().get() == 2
    assert orders_expire.delay().get() == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.EXPIRED


def test_stripe_events_are_recorded_with_their_payload(
    client, user, paid_session, stripe_fake, deliver
):
    session, ticket = paid_session
    client.force_login(user)
    order = book(client, session, ticket)
    stripe_fake.checkout_pay(order.stripe_checkout_session_id)
    deliver()
    event = StripeEvent.objects.get()
    assert event.type == "checkout.session.completed"
    assert event.order == order
    assert event.processed_at is not None
    assert json.dumps(event.payload)
