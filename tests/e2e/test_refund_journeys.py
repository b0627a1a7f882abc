"""Refunds in a real browser: the demo therapist cancels a workshop from My account and
sees the refund; event staff partially refund an order in the admin."""

import re

from django.urls import reverse

import pytest
from playwright.sync_api import expect

from demo import content
from payments.models import Order, OrderStatus, Refund
from stripe_fake import fake_stripe
from stripe_fake.restore import known_payment
from tests.e2e.conftest import Shots, enter_totp_code


@pytest.fixture(autouse=True)
def _fake_that_remembers(monkeypatch):
    """The demo order was paid before this process started, as after a `make run`
    restart: the fake re-learns it from our records (what DEBUG does in `make run`)."""
    fake_stripe.reset()
    monkeypatch.setattr(fake_stripe, "restore_payment", known_payment)
    yield
    fake_stripe.reset()


def _log_in(page, live, email, password, totp_secret=None):
    page.goto(live.url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In", exact=True).click()
    if totp_secret:
        enter_totp_code(page, totp_secret)
    page.wait_for_url("**/account/")


def _demo_order() -> Order:
    return Order.objects.get(
        buyer__email=content.THERAPIST_EMAIL, stripe_payment_intent_id__startswith="pi_demo_"
    )


def test_attendee_cancels_from_my_account_and_sees_the_refund(page, live, demo_site, request):
    shots = Shots(page, request.node.name)
    order = _demo_order()
    price = f"${order.total_amount / 100:,.2f}"
    _log_in(page, live, content.THERAPIST_EMAIL, content.THERAPIST_PASSWORD)
    shots("my-account")
    page.get_by_role("link", name=re.compile("Cancel Jordan Rivera's registration")).click()
    page.wait_for_url("**/cancel/")
    expect(page.get_by_test_id("refund-kind")).to_have_text("Full refund")
    expect(page.get_by_test_id("refund-amount")).to_contain_text(price)
    expect(page.get_by_test_id("refund-explanation")).to_contain_text("full refund")
    shots("confirm-with-refund-shown")

    page.get_by_role("button", name=f"Cancel and refund {price}").click()
    page.wait_for_url("**/account/")
    page.get_by_text(f"{price} is being refunded to your original payment method").wait_for()
    refunds = page.get_by_test_id("refunds")
    expect(refunds).to_contain_text(price)
    expect(refunds).to_contain_text("Refunded")
    shots("refund-in-my-account")

    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert Refund.objects.get(order=order).status == "succeeded"
    page.get_by_role("link", name=f"Order {order.number}").first.click()
    expect(page.get_by_test_id("order-state")).to_have_text("Refunded")
    expect(page.get_by_test_id("order-refunds")).to_contain_text("Refunded")
    shots("order-page")


def test_staff_partially_refund_an_order_in_the_admin(page, live, demo_site, request):
    shots = Shots(page, request.node.name)
    order = _demo_order()
    _log_in(page, live, content.STAFF_EMAIL, content.STAFF_PASSWORD, content.DEMO_TOTP_SECRET)
    page.goto(live.url + reverse("orders:inspect", args=[order.pk]))
    shots("order-detail")
    page.get_by_role("link", name="Refund", exact=True).click()
    page.wait_for_url("**/refund/")
    shots("refund-form")

    page.get_by_label("Amount to refund").fill("9999.00")
    page.get_by_label("Reason").fill("Parking garage was closed on day one")
    page.get_by_role("button", name="Refund", exact=True).click()
    page.get_by_text("can still be refunded on this order").wait_for()
    shots("refused-over-refund")
    assert not Refund.objects.filter(order=order).exists()

    page.get_by_label("Amount to refund").fill("100.00")
    page.get_by_role("button", name="Refund", exact=True).click()
    page.wait_for_url(f"**/orders/inspect/{order.pk}/")
    page.get_by_text(f"Refund of $100.00 for order {order.number}").wait_for()
    assert "Parking garage was closed on day one" in page.content()
    shots("refunded")
    order.refresh_from_db()
    assert (order.status, order.amount_refunded) == (OrderStatus.PARTIALLY_REFUNDED, 10000)
