"""A visitor meets the paywall on a lesson, joins the membership through the local
test-payment page, lands back on the lesson and watches it; then manages the membership
in the test Customer Portal."""

import re

from playwright.sync_api import expect

from demo import content
from payments.models import Membership
from tests.e2e.conftest import Shots
from tests.e2e.test_masterclass_journeys import LESSON, pause_and_leave, play_until

JOIN_WITH_NEXT = re.compile(r"/payments/membership/\?next=/masterclasses/")


def test_visitor_joins_from_the_paywall_and_watches(page, shots, live, demo_site):
    page.goto(live.url + LESSON)
    expect(page.get_by_text("This lesson is for members.")).to_be_visible()
    expect(page.locator("video")).to_have_count(0)
    shots("lesson-paywall")

    page.get_by_role("link", name="Join the membership").first.click()
    page.wait_for_url(JOIN_WITH_NEXT)
    expect(page.get_by_role("heading", name="Every masterclass, one membership")).to_be_visible()
    shots("join-visitor")

    # Visitors log in first and come straight back to the plans.
    page.get_by_role("link", name="Log in to join").click()
    page.get_by_label("Email").fill(content.VISITOR_EMAIL)
    page.get_by_label("Password").fill(content.VISITOR_PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    page.wait_for_url(JOIN_WITH_NEXT)
    shots("join-signed-in")

    page.get_by_role("button", name=re.compile("Join monthly")).click()
    page.wait_for_url("**/payments/test-checkout/cs_test_*/")
    expect(page.get_by_role("heading", name="Subscribe: $29.00 / month")).to_be_visible()
    shots("test-payment-subscription")

    page.get_by_role("button", name="Subscribe (card succeeds)").click()
    page.wait_for_url("**" + LESSON)
    expect(page.get_by_text("Welcome to the membership!")).to_be_visible()
    expect(page.locator("video")).to_have_count(1)
    expect(page.get_by_text("This lesson is for members.")).not_to_be_visible()
    play_until(page, 1.5)
    shots("lesson-playing-after-joining")
    assert Membership.objects.get(user__email=content.VISITOR_EMAIL).status == "active"
    pause_and_leave(page, live)

    page.goto(live.url + "/account/")
    card = page.locator(".membership-card")
    expect(card.get_by_text("Monthly · $29.00 / month")).to_be_visible()
    expect(card.get_by_text("Renews on")).to_be_visible()
    shots("my-account-membership")

    card.get_by_role("link", name="Manage membership").click()
    page.wait_for_url("**/payments/test-portal/bps_*/")
    shots("test-portal")
    page.get_by_role("button", name="Cancel at the end of the period").click()
    assert page.get_by_text(
        "Your membership will end at the end of the current period."
    ).is_visible()
    page.get_by_role("link", name="Return to PhysioMassage Academy").click()
    page.wait_for_url("**/account/")
    expect(page.locator(".membership-card").get_by_text("Ends on")).to_be_visible()
    shots("my-account-cancelled")


def test_past_due_banner_on_a_phone(phone_page, live, demo_site, request):
    """A declined renewal (the test portal's clock) brings the banner on every page; the
    member keeps watching until the period ends."""
    shots = Shots(phone_page, request.node.name)
    phone_page.goto(live.url + "/accounts/login/?next=/payments/membership/")
    phone_page.get_by_label("Email").fill(content.VISITOR_EMAIL)
    phone_page.get_by_label("Password").fill(content.VISITOR_PASSWORD)
    phone_page.get_by_role("button", name="Sign In", exact=True).click()
    phone_page.wait_for_url("**/payments/membership/")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    shots("join-phone")
    phone_page.get_by_role("button", name=re.compile("Join annual")).click()
    phone_page.get_by_role("button", name="Subscribe (card succeeds)").click()
    phone_page.wait_for_url("**/payments/membership/")
    expect(phone_page.get_by_role("heading", name="You're a member")).to_be_visible()

    phone_page.goto(live.url + "/payments/membership/manage/")
    phone_page.get_by_text("Test clock: simulate the next renewal").click()
    phone_page.get_by_role("button", name="Renew now (card declined)").click()
    phone_page.get_by_role("link", name="Return to PhysioMassage Academy").click()
    phone_page.wait_for_url("**/account/")
    banner = phone_page.get_by_role("alert").filter(has_text="Your last membership payment failed")
    expect(banner).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    shots("past-due-banner")

    phone_page.goto(live.url + LESSON)
    expect(banner).to_be_visible()
    expect(phone_page.locator("video")).to_have_count(1)
