"""A therapist joins the waiting list of a sold-out workshop, a seat frees up, and the
offer e-mail's link takes them through checkout (local test-payment page) to a ticket."""

import re

from django.core import mail

import pytest
from playwright.sync_api import expect

from cms.models import WorkshopIndexPage, WorkshopPage
from courses import services
from courses.models import WaitlistEntry, WaitlistStatus
from payments.models import Order, OrderStatus
from stripe_fake import fake_stripe
from tests.factories import (
    DEFAULT_PASSWORD,
    RegistrationFactory,
    SessionFactory,
    TicketTypeFactory,
    UserFactory,
)

TITLE = "Scapular Stabilisation: Hands-on Clinic"


@pytest.fixture(autouse=True)
def _fresh_fake():
    fake_stripe.reset()
    yield
    fake_stripe.reset()


@pytest.fixture
def sold_out_page(transactional_db, page_tree):
    """A published workshop page whose only session has all six seats sold."""
    session = SessionFactory(capacity=6, workshop__title=TITLE)
    ticket = TicketTypeFactory(session=session, name="Standard", price_amount=27900)
    registrations = RegistrationFactory.create_batch(6, ticket_type=ticket)
    page = WorkshopPage(title=TITLE, workshop=session.workshop, summary="One day on the scapula.")
    WorkshopIndexPage.objects.get().add_child(instance=page)
    page.save_revision().publish()
    return page, session, registrations


def _log_in(page, live, email):
    page.goto(f"{live.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    page.wait_for_url("**/account/")


def test_waiting_list_offer_to_ticket(page, shots, live, sold_out_page):
    workshop_page, session, registrations = sold_out_page
    therapist = UserFactory(email="ines.moreau@example.com", full_name="Ines Moreau")

    page.goto(f"{live.url}{workshop_page.url}")
    expect(page.get_by_text("Sign in to join the waiting list")).to_be_visible()
    shots("sold-out-anonymous")

    _log_in(page, live, therapist.email)
    page.goto(f"{live.url}{workshop_page.url}")
    panel = page.locator(f"#waitlist-{session.pk}")
    panel.get_by_label("Seats").select_option("2")
    shots("join-form")
    panel.get_by_role("button", name=re.compile("Join the waiting list")).click()
    page.wait_for_url("**/waiting-list/")
    expect(page.get_by_text("You're on the waiting list: number 1 in line.")).to_be_visible()
    expect(page.get_by_text("Leave the waiting list")).to_be_visible()
    shots("on-the-list")
    entry = WaitlistEntry.objects.get(user=therapist)
    assert (entry.seats, entry.status) == (2, WaitlistStatus.WAITING)

    # Two seats free up (a refunded booking and a cancellation): the list is offered them.
    for registration in registrations[:2]:
        services.seat_hold_cancel(reservation=registration.reservation, reason="Refunded")
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.OFFERED and entry.offered_seats == 2
    (offer_mail,) = [m for m in mail.outbox if "free for you" in m.subject]
    assert offer_mail.to == [therapist.email]
    link = re.search(re.escape(live.url) + r"(/payments/register/\S+)", offer_mail.body).group(1)

    page.goto(f"{live.url}/account/")
    expect(page.get_by_role("link", name="Complete your purchase")).to_be_visible()
    shots("my-account-offer")

    page.goto(f"{live.url}{link}")
    expect(page.get_by_text("From the waiting list: 2 seats are held for you")).to_be_visible()
    page.locator("#id_form-1-attendee_name").fill("Paul Girard")
    page.locator("#id_form-1-attendee_email").fill("paul.girard@example.com")
    shots("checkout-from-offer")
    page.get_by_role("button", name="Reserve and continue to payment").click()
    page.wait_for_url("**/payments/orders/**")
    page.get_by_role("button", name=re.compile(r"Pay \$558\.00")).click()
    page.wait_for_url("**/payments/test-checkout/**")
    page.get_by_role("button", name="Pay now (card succeeds)").click()
    page.wait_for_url("**/payments/orders/**")
    expect(page.get_by_test_id("order-state")).to_have_text("Paid")
    shots("paid")

    page.get_by_role("link", name="View ticket").first.click()
    expect(page.locator(".ticket__qr svg")).to_be_visible()
    shots("ticket")

    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.CLAIMED
    assert Order.objects.get(buyer=therapist).status == OrderStatus.PAID
