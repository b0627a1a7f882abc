"""A visitor buys one masterclass in a real browser: paywall, local test-payment page,
back to the order, and the members-only lesson plays."""

import re

from django.core import mail

import pytest
from playwright.sync_api import expect

from courses.models import AccessGrant, AccessSource
from demo import content
from payments.models import Order, OrderStatus
from stripe_fake import fake_stripe
from tests.e2e.conftest import Shots
from tests.e2e.test_masterclass_journeys import log_in, pause_and_leave, play_until

SERIES = "/masterclasses/persistent-low-back-pain/"
LESSON = SERIES + "soft-tissue-work-for-the-lumbar-spine/"


@pytest.fixture(autouse=True)
def _fresh_fake():
    fake_stripe.reset()
    yield
    fake_stripe.reset()


def pay_on_the_test_page(page, shots) -> None:
    page.wait_for_url("**/payments/test-checkout/**")
    expect(page.get_by_text("Local test payment")).to_be_visible()
    expect(page.get_by_text("Masterclass — Persistent Low Back Pain")).to_be_visible()
    shots("test-payment-page")
    page.get_by_role("button", name="Pay now (card succeeds)").click()
    page.wait_for_url("**/payments/orders/**")


def test_signed_in_visitor_buys_the_masterclass_and_the_lesson_plays(page, shots, live, demo_site):
    log_in(page, live, content.VISITOR_EMAIL, content.VISITOR_PASSWORD)
    page.goto(live.url + LESSON)
    expect(page.get_by_text("This lesson is for members.")).to_be_visible()
    expect(page.locator("video")).to_have_count(0)
    shots("lesson-paywall")

    page.get_by_role("button", name="Buy for $149").click()
    pay_on_the_test_page(page, shots)
    expect(page.get_by_test_id("order-state")).to_have_text("Paid")
    expect(page.get_by_role("heading", level=1)).to_have_text("The masterclass is yours")
    expect(page.get_by_text("Payment received. The masterclass is yours")).to_be_visible()
    shots("paid-order")

    order = Order.objects.get(buyer__email=content.VISITOR_EMAIL)
    assert order.status == OrderStatus.PAID
    grant = AccessGrant.objects.get(user__email=content.VISITOR_EMAIL)
    assert grant.source == AccessSource.PURCHASE and grant.ends_at is None
    receipts = [m for m in mail.outbox if "Receipt for order" in m.subject]
    assert len(receipts) == 1 and receipts[0].to == [content.VISITOR_EMAIL]

    page.get_by_role("link", name="Start watching").click()
    page.wait_for_url("**" + SERIES)
    shots("series-owned")
    page.get_by_role("link", name="Soft-tissue work for the lumbar spine").first.click()
    page.wait_for_url("**" + LESSON)
    expect(page.get_by_text("This lesson is for members.")).not_to_be_visible()
    played = play_until(page, 2)
    assert played > 2
    shots("lesson-playing")
    pause_and_leave(page, live)

    page.goto(live.url + "/account/")
    expect(page.get_by_role("heading", name="Your masterclasses")).to_be_visible()
    shots("my-account")


def test_anonymous_visitor_signs_in_and_comes_back_to_the_offer_on_a_phone(
    phone_page, live, demo_site, request
):
    page = phone_page
    shots = Shots(page, request.node.name)
    page.goto(live.url + SERIES)
    page.get_by_role("link", name="Buy for $149").first.click()
    page.wait_for_url("**/accounts/login/**")
    page.get_by_label("Email").fill(content.VISITOR_EMAIL)
    page.get_by_label("Password").fill(content.VISITOR_PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()

    page.wait_for_url("**/payments/masterclass/**")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile("^" + re.escape("Persistent Low Back"))
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shots("offer")
    page.get_by_role("button", name=re.compile(r"Pay \$149\.00 securely")).click()
    pay_on_the_test_page(page, shots)
    expect(page.get_by_test_id("order-state")).to_have_text("Paid")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shots("paid-order")
