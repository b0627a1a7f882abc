"""Event staff take a booking by phone: two attendees, a payment link e-mailed to the
caller, who pays it on the test-payment page without an account, and both attendees get
their tickets. A second caller pays by check: the registrations export shows it with its
reference."""

import csv
import io
import re

from django.core import mail
from django.utils import timezone

from playwright.sync_api import expect

from courses import selectors as courses_selectors
from courses.models import Session
from demo import content
from payments.models import Order, OrderStatus
from tests.e2e.conftest import Shots, enter_totp_code


def _staff_sign_in(page, live, next_url: str) -> None:
    page.goto(f"{live.url}/accounts/login/?next={next_url}")
    page.get_by_label("Email").fill(content.STAFF_EMAIL)
    page.get_by_label("Password").fill(content.STAFF_PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    enter_totp_code(page, content.DEMO_TOTP_SECRET)
    page.wait_for_url(f"**{next_url}")


def _fill_caller(page, email: str, phone: str) -> None:
    page.get_by_label("Buyer's e-mail").fill(email)
    page.get_by_label("Buyer's name").fill("Jordan Ellis")
    page.get_by_label("Buyer's phone").fill(phone)


def _fill_attendee(page, number: int, name: str, email: str) -> None:
    row = page.get_by_role("group", name=f"Attendee {number}")
    row.get_by_label("Full name").fill(name)
    row.get_by_label("E-mail").fill(email)


def test_staff_take_a_phone_booking_the_caller_pays_the_emailed_link(
    page, shots, browser, phone_page, live, demo_site, request
):
    now = timezone.now()
    session = next(
        s
        for s in Session.objects.filter(starts_at__gt=now, status="scheduled").order_by("pk")
        if s.registration_is_open(now)
        and courses_selectors.session_seats_available(session=s) >= 3
        and s.ticket_types.exists()
    )
    _staff_sign_in(page, live, f"/admin/workshop-sessions/edit/{session.pk}/")
    page.locator("button.w-h-slim-header[aria-label=Actions]").click()
    page.get_by_role("link", name="Take a phone booking").click()
    page.wait_for_url("**/phone/")
    _fill_caller(page, "jordan.ellis@example.com", "+1 310 555 0199")
    _fill_attendee(page, 1, "Jordan Ellis", "jordan.ellis@example.com")
    _fill_attendee(page, 2, "Priya Natarajan", "priya.natarajan@example.com")
    shots("phone-booking-form")
    page.get_by_role("button", name="Book these seats").click()
    page.wait_for_url("**/bookings/orders/*/phone/")
    page.get_by_text(
        "Payment link e-mailed to jordan.ellis@example.com. The seats are held"
    ).wait_for()
    assert (
        "The seats are held and the link works until"
        in page.get_by_test_id("link-expiry").inner_text()
    )
    shots("phone-booking-link-sent")
    page.get_by_role("button", name="Resend the payment link").click()
    page.get_by_text("E-mailed to jordan.ellis@example.com 2 times").wait_for()

    order = Order.objects.get(email="jordan.ellis@example.com")
    links = [m for m in mail.outbox if "Complete your booking" in m.subject]
    assert len(links) == 2 and {m.to[0] for m in links} == {"jordan.ellis@example.com"}
    # The fake's checkout lives on this site; the e-mail names it under SITE_URL.
    checkout_path = re.search(
        re.escape(live.url) + r"(/payments/test-checkout/\S+/)", links[-1].body
    )[1]
    assert checkout_path == order.stripe_checkout_url

    # The caller, never signed in, pays from the e-mail.
    buyer = browser.new_context(viewport={"width": 390, "height": 844})
    buyer_page = buyer.new_page()
    buyer_page.set_default_timeout(10_000)
    buyer_shots = Shots(buyer_page, request.node.name + "-buyer")
    buyer_page.goto(live.url + checkout_path)
    buyer_page.get_by_role("button", name="Pay now (card succeeds)").click()
    buyer_page.wait_for_url("**/payments/orders/**")
    buyer_page.get_by_role("heading", level=1, name="You're booked").wait_for()
    buyer_page.get_by_test_id("phone-booking-note").wait_for()
    buyer_shots("buyer-paid-order")
    buyer.close()

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    tickets = sorted(m.to[0] for m in mail.outbox if "Your ticket" in m.subject)
    assert tickets == ["jordan.ellis@example.com", "priya.natarajan@example.com"]
    assert any(m.subject.endswith(f"Receipt for order {order.number}") for m in mail.outbox)

    # A second caller has sent a check.
    page.goto(f"{live.url}/admin/bookings/sessions/{session.pk}/phone/")
    _fill_caller(page, "sam.okafor@example.com", "(213) 555-0107")
    _fill_attendee(page, 1, "Sam Okafor", "sam.okafor@example.com")
    page.get_by_label("Paid by check").check()
    page.get_by_label("Payment reference").fill("CHK 5521")
    page.get_by_role("button", name="Book these seats").click()
    page.wait_for_url("**/bookings/orders/*/phone/")
    page.get_by_text("Booked: order").wait_for()
    expect(page.get_by_test_id("phone-order-status")).to_have_text("Paid")
    shots("check-booking")

    export = page.request.get(f"{live.url}/admin/order_registrations/?export=csv")
    rows = list(csv.DictReader(io.StringIO(export.text())))
    sam = [r for r in rows if "sam.okafor@example.com" in r.values()]
    assert [(r["Payment method"], r["Payment reference"]) for r in sam] == [("Check", "CHK 5521")]

    phone, phone_shots = phone_page, Shots(phone_page, request.node.name + "-phone")
    _staff_sign_in(phone, live, f"/admin/bookings/sessions/{session.pk}/phone/")
    phone.get_by_role("group", name="Attendee 1").wait_for()
    phone_shots("phone-booking-form-phone")
    phone.goto(f"{live.url}/admin/bookings/orders/{order.pk}/phone/")
    phone.get_by_text("Card online (Stripe)").wait_for()
    phone_shots("phone-order-phone")
