"""A chargeback in a real browser: a buyer pays for a masterclass and their bank disputes
it (the local test-payment page's "dispute" outcome); staff find the order flagged in the
admin with the dispute, answer it on the test dispute page, and the bank's "lost" ends the
buyer's access."""

from django.urls import reverse

import pytest
from playwright.sync_api import expect

from courses.selectors import user_can_watch_masterclass
from demo import content
from payments.models import Dispute, DisputeStatus, Order
from stripe_fake import fake_stripe
from tests.e2e.conftest import Shots, _new_page, close_context
from tests.e2e.test_every_page_a11y import PHONE, _problems
from tests.e2e.test_masterclass_journeys import log_in
from tests.e2e.test_refund_journeys import _log_in as log_in_staff

SERIES = "/masterclasses/persistent-low-back-pain/"


@pytest.fixture(autouse=True)
def _fresh_fake():
    fake_stripe.reset()
    yield
    fake_stripe.reset()


def test_a_disputed_payment_shows_on_the_order_in_the_admin(
    page, browser, live, demo_site, request
):
    shots = Shots(page, request.node.name)
    log_in(page, live, content.VISITOR_EMAIL, content.VISITOR_PASSWORD)
    page.goto(live.url + SERIES)
    page.get_by_role("button", name="Buy for $149").first.click()
    page.wait_for_url("**/payments/test-checkout/**")
    shots("test-payment-page")
    page.get_by_role("button", name="Pay, then the bank disputes it").click()
    page.wait_for_url("**/payments/orders/**")
    expect(page.get_by_test_id("order-dispute")).to_contain_text("you dispute this payment")
    shots("buyer-order-disputed")
    order = Order.objects.get(buyer__email=content.VISITOR_EMAIL, masterclass__isnull=False)

    context, staff = _new_page(browser, request, {"width": 1280, "height": 900})
    staff_shots = Shots(staff, request.node.name + "-staff")
    try:
        log_in_staff(
            staff, live, content.STAFF_EMAIL, content.STAFF_PASSWORD, content.DEMO_TOTP_SECRET
        )
        staff.goto(live.url + reverse("orders:index") + "?needs_attention=true")
        staff.get_by_role("link", name=order.number).first.click()
        staff.wait_for_url(f"**/orders/inspect/{order.pk}/")
        expect(staff.get_by_text("Dispute opened (Fraudulent) over $149.00")).to_be_visible()
        expect(staff.locator(".dispute--open")).to_contain_text("Needs a response")
        staff_shots("admin-order-with-dispute")
        staff.set_viewport_size({"width": 390, "height": 844})
        staff_shots("admin-order-with-dispute-phone")
        staff.set_viewport_size({"width": 1280, "height": 900})

        href = staff.get_by_role("link", name="Open in Stripe").get_attribute("href")
        staff.goto(live.url + href)
        staff.get_by_role("button", name="Submit evidence").click()
        expect(staff.get_by_test_id("dispute-status")).to_have_text("under_review")
        staff.get_by_role("button", name="The bank decides: lost").click()
        expect(staff.get_by_test_id("dispute-status")).to_have_text("lost")
        staff_shots("test-dispute-page-lost")
        staff.set_viewport_size(PHONE)
        assert _problems(staff, live.url + href) == []
        staff_shots("test-dispute-page-phone")
        staff.set_viewport_size({"width": 1280, "height": 900})

        staff.goto(live.url + reverse("orders:inspect", args=[order.pk]))
        expect(staff.locator(".dispute--closed")).to_contain_text("Lost")
        expect(staff.get_by_text("masterclass access revoked")).to_be_visible()
        staff_shots("admin-order-dispute-lost")
    finally:
        close_context(context)

    assert Dispute.objects.get(order=order).status == DisputeStatus.LOST
    assert not user_can_watch_masterclass(user=order.buyer, masterclass=order.masterclass)
    page.reload()
    expect(page.get_by_test_id("order-state")).to_have_text("Disputed")
    expect(page.get_by_test_id("order-dispute")).to_contain_text("Access to this masterclass")
    shots("buyer-order-dispute-lost")
    page.set_viewport_size(PHONE)
    assert _problems(page, live.url + order.get_absolute_url()) == []
    shots("buyer-order-dispute-lost-phone")
