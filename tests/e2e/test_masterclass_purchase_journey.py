"""A visitor buys one masterclass in a real browser: paywall, local test-payment page,
back to the order, and the members-only lesson plays."""

import re

from django.core import mail

import pytest

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
    assert page.get_by_text("Local test payment").is_visible()
    assert page.get_by_text("Masterclass — Persistent Low Back Pain").is_visible()
    shots("test-payment-page")
    page.get_by_role("button", name="Pay now (card succeeds)").click()
    page.wait_for_url("**/payments/orders/**")


def test_signed_in_visitor_buys_the_masterclass_and_the_lesson_plays(page, shots, live, demo_site):
    log_in(page, live, content.VISITOR_EMAIL, content.VISITOR_PASSWORD)
    page.goto(live.url + LESSON)
    assert page.get_by_text("This lesson is for members.").is_visible()
    assert page.locator("video").count() == 0
    shots("lesson-paywall")

    page.get_by_role("button", name="Buy for $149").click()
    pay_on_the_test_page(page, shots)
    assert page.get_by_test_id("order-state").inner_text() == "Paid"
    assert page.get_by_role("heading", level=1).inner_text() == "The masterclass is yours"
    assert page.get_by_text("Payment received. The masterclass is yours").is_visible()
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
    assert not page.get_by_text("This lesson is for members.").is_visible()
    played = play_until(page, 2)
    assert played > 2
    shots("lesson-playing")
    pause_and_leave(page, live)

    page.goto(live.url + "/account/")
    assert page.get_by_role("heading", name="Your masterclasses").is_visible()
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
    assert page.get_by_role("heading", level=1).inner_text().startswith("Persistent Low Back")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shots("offer")
    page.get_by_role("button", name=re.compile(r"Pay \$149\.00 securely")).click()
    pay_on_the_test_page(page, shots)
    assert page.get_by_test_id("order-state").inner_text() == "Paid"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shots("paid-order")
