"""Issue 12 item 9: Stripe's API failing at each call the site makes. Whatever fails,
the person sees a clear message, nothing is half-done (seats stay held, nothing is
granted or charged twice), and the call is retried where the site can retry it.

Refund submission is covered where refunds live:
tests/payments/test_cancellations.py::test_stripe_outage_leaves_the_refund_pending_until_the_retry_job_sends_it
(the refund stays pending with its error; the beat job sends it once Stripe is back).
"""

from django.contrib.messages import get_messages
from django.urls import reverse

import pytest

from courses import tasks as courses_tasks
from courses.models import OutboxEntry
from courses.selectors import user_can_watch_masterclass
from payments.models import Membership, Order, OrderStatus
from tests.factories import MasterclassFactory, TicketTypeFactory, UserFactory
from tests.faults.test_webhook_bodies import _event, _post
from tests.payments.helpers import attendee_post, membership_join, register_url

pytestmark = pytest.mark.django_db

UNREACHABLE = "We could not reach our payment provider."
CHECKOUT = r"/v1/checkout/sessions"


@pytest.fixture
def buyer(client):
    user = UserFactory()
    client.force_login(user)
    return user


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_checkout_create_fails_the_seats_stay_held_and_pay_retries(client, buyer, stripe_fake):
    ticket = TicketTypeFactory(session__capacity=5, price_amount=34900)
    stripe_fake.network_down("post", CHECKOUT)
    seats = [(ticket.pk, "Ana Silva", "ana@example.com")]
    response = client.post(
        register_url(ticket.session, **{str(ticket.pk): 1}), attendee_post(seats)
    )
    order = Order.objects.get()
    assert response.status_code == 302 and response.url == order.get_absolute_url()
    assert any(UNREACHABLE in m and "seats are still held" in m for m in _messages(response))
    assert order.status == OrderStatus.PENDING and order.hold_is_active
    assert order.stripe_checkout_url == ""
    page = client.get(order.get_absolute_url()).content.decode()
    assert "Pay" in page

    # Stripe is back: the Pay button opens one Checkout Session, not a second order.
    response = client.post(reverse("payments:order_pay", kwargs={"reference": order.reference}))
    order.refresh_from_db()
    assert response.status_code == 302 and response.url == order.stripe_checkout_url
    assert len(stripe_fake.checkout_sessions) == 1
    assert Order.objects.count() == 1


def test_masterclass_checkout_fails_nothing_is_granted(client, buyer, stripe_fake):
    masterclass = MasterclassFactory()
    stripe_fake.network_down("post", CHECKOUT)
    response = client.post(
        reverse("payments:masterclass_buy", kwargs={"masterclass_id": masterclass.pk})
    )
    order = Order.objects.get()
    assert response.status_code == 302 and response.url == order.get_absolute_url()
    assert any(UNREACHABLE in m for m in _messages(response))
    assert order.status == OrderStatus.PENDING
    assert not user_can_watch_masterclass(user=buyer, masterclass=masterclass)


def test_success_page_with_stripe_down_waits_for_the_webhook(client, buyer, stripe_fake):
    ticket = TicketTypeFactory(session__capacity=5, price_amount=34900)
    seats = [(ticket.pk, "Ana Silva", "ana@example.com")]
    client.post(register_url(ticket.session, **{str(ticket.pk): 1}), attendee_post(seats))
    order = Order.objects.get()
    stripe_fake.checkout_pay(order.stripe_checkout_session_id)
    stripe_fake.network_down("get", CHECKOUT + r"/.+")
    return_url = reverse("payments:checkout_return", kwargs={"reference": order.reference})
    response = client.get(return_url)
    assert response.status_code == 302 and response.url == order.get_absolute_url()
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING  # not marked paid on a guess
    assert "awaiting payment" in client.get(order.get_absolute_url()).content.decode().lower()
    # Stripe back (or its webhook arriving): the same page fulfils the order once.
    client.get(return_url)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_membership_checkout_fails_with_a_message_and_no_membership(client, buyer, stripe_fake):
    stripe_fake.network_down("post", CHECKOUT)
    response = client.post(
        reverse("payments:membership_join"), {"plan": "monthly", "attempt": "a" * 32}
    )
    assert response.status_code == 400
    assert UNREACHABLE in response.content.decode()
    assert not Membership.objects.exists()


def test_membership_return_with_stripe_down_says_the_payment_is_being_confirmed(
    client, buyer, stripe_fake
):
    """Not "nothing was charged": the member may well have paid."""
    stripe_fake.network_down("get", CHECKOUT + r"/.+")
    response, _ = membership_join(client, stripe_fake)
    assert response.status_code == 302
    messages = _messages(response)
    assert not any("Nothing was charged" in m for m in messages)
    assert any("could not confirm your payment with Stripe just now" in m for m in messages)


def test_subscription_read_fails_the_sync_is_kept_and_retried(
    client, buyer, stripe_fake, django_capture_on_commit_callbacks
):
    """A subscription event arrives while Stripe's API is down: the webhook still answers
    200, the sync keeps its error in the outbox, and the beat job finishes it later."""
    _, subscription_id = membership_join(client, stripe_fake)
    Membership.objects.all().delete()
    stripe_fake.network_down("get", r"/v1/subscriptions/.+", times=50)
    body = _event(
        "customer.subscription.updated",
        {"object": "subscription", "id": subscription_id, "customer": "cus_x"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(client, body).status_code == 200
    entry = OutboxEntry.objects.get(task="payments.tasks.membership_sync", done_at__isnull=True)
    assert "Could not connect to Stripe" in entry.last_error
    assert not Membership.objects.exists()

    stripe_fake.outages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        courses_tasks.outbox_dispatch_due.delay()
    entry.refresh_from_db()
    assert entry.done_at is not None
    assert Membership.objects.get().stripe_subscription_id == subscription_id


def test_customer_portal_fails_with_a_message(client, buyer, stripe_fake):
    membership_join(client, stripe_fake)
    stripe_fake.network_down("post", r"/v1/billing_portal/sessions")
    response = client.post(reverse("payments:membership_manage"))
    assert response.status_code == 302
    assert response.url == reverse("payments:membership_join")
    assert any(UNREACHABLE in m for m in _messages(response))
