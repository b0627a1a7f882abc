"""A therapist books seats in a real browser: paid (local test-payment page), abandoned,
and free. Session and ticket data come from factories."""

import datetime
import re

from django.core import mail
from django.utils import timezone

import pytest
from playwright.sync_api import expect

from courses import selectors
from payments.models import Order, OrderStatus
from stripe_fake import fake_stripe
from tests.e2e.conftest import Shots
from tests.factories import DEFAULT_PASSWORD, SessionFactory, TicketTypeFactory, UserFactory


@pytest.fixture(autouse=True)
def _fresh_fake():
    fake_stripe.reset()
    yield
    fake_stripe.reset()


@pytest.fixture
def therapist(transactional_db, page_tree):
    return UserFactory(email="maya.chen@example.com", full_name="Maya Chen")


@pytest.fixture
def paid_session(transactional_db):
    session = SessionFactory(capacity=12, workshop__title="Cervical Spine: Hands-on Release")
    TicketTypeFactory(
        session=session,
        name="Early bird",
        price_amount=29900,
        sales_end=timezone.now() + datetime.timedelta(days=10),
        description="Until ten days from now.",
    )
    TicketTypeFactory(session=session, name="Standard", price_amount=34900, sort_order=1)
    return session


def _log_in(page, email):
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()


def _choose(page, name, quantity):
    page.get_by_label(f"Number of {name} tickets").select_option(str(quantity))


def test_therapist_books_two_seats_and_pays(page, shots, live, therapist, paid_session):
    page.goto(f"{live.url}/payments/register/{paid_session.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cervical Spine: Hands-on Release")
    shots("choose-tickets")
    _choose(page, "Standard", 2)
    page.get_by_role("button", name="Continue").click()
    shots("sign-in-step")
    page.get_by_role("link", name="Log in to continue").click()
    _log_in(page, therapist.email)
    page.wait_for_url("**/payments/register/**")
    assert page.locator("#id_form-0-attendee_email").input_value() == therapist.email
    page.locator("#id_form-1-attendee_name").fill("Jonas Weber")
    page.locator("#id_form-1-attendee_email").fill("jonas.weber@example.com")
    page.locator("#id_form-1-licence_number").fill("CAMTC 55120")
    shots("attendees")
    page.get_by_role("button", name="Reserve and continue to payment").click()

    page.wait_for_url("**/payments/orders/**")
    expect(page.get_by_test_id("order-state")).to_have_text("Awaiting payment")
    expect(page.locator("[data-countdown]")).to_have_text(re.compile(r"^\d+:\d\d$"))
    shots("payment-step")
    page.get_by_role("button", name=re.compile(r"Pay \$698\.00")).click()

    page.wait_for_url("**/payments/test-checkout/**")
    expect(page.get_by_text("Local test payment")).to_be_visible()
    shots("test-payment-page")
    page.get_by_role("button", name="Pay now (card succeeds)").click()

    page.wait_for_url("**/payments/orders/**")
    expect(page.get_by_test_id("order-state")).to_have_text("Paid")
    expect(page.get_by_role("heading", level=1)).to_have_text("You're booked")
    shots("paid-order")

    order = Order.objects.get(session=paid_session)  # the demo has orders of its own
    assert order.status == OrderStatus.PAID
    tickets = [m for m in mail.outbox if "Your ticket" in m.subject]
    assert sorted(m.to[0] for m in tickets) == ["jonas.weber@example.com", therapist.email]
    for message in tickets:
        filenames = {part.get_filename() for part in message.message().iter_attachments()}
        assert {"ticket-qr.png", "workshop.ics"} <= filenames
    assert any("Receipt" in m.subject for m in mail.outbox)

    page.get_by_role("link", name="View ticket").first.click()
    expect(page.locator(".ticket__qr svg")).to_be_visible()
    shots("ticket")
    page.goto(f"{live.url}/account/")
    expect(page.get_by_text(f"Order {order.number}")).to_be_visible()
    shots("my-account")


def test_abandoned_payment_gives_the_seats_back(page, shots, live, therapist, paid_session):
    page.goto(f"{live.url}/accounts/login/")
    _log_in(page, therapist.email)
    page.wait_for_url("**/account/")
    page.goto(f"{live.url}/payments/register/{paid_session.pk}/")
    _choose(page, "Early bird", 3)
    page.get_by_role("button", name="Continue").click()
    for i, name in enumerate(["Maya Chen", "Ravi Patel", "Lena Novak"]):
        page.locator(f"#id_form-{i}-attendee_name").fill(name)
        page.locator(f"#id_form-{i}-attendee_email").fill(f"{name.split()[0].lower()}@example.com")
    page.get_by_role("button", name="Reserve and continue to payment").click()
    page.wait_for_url("**/payments/orders/**")
    assert selectors.session_seats_available(session=paid_session) == 9
    page.get_by_role("button", name=re.compile("Pay")).click()
    page.wait_for_url("**/payments/test-checkout/**")
    page.get_by_role("button", name="Card is declined").click()
    expect(page.get_by_text("Your card was declined")).to_be_visible()
    shots("declined")
    page.get_by_role("button", name="Abandon payment").click()
    page.wait_for_url("**/payments/orders/**")
    expect(page.get_by_test_id("order-state")).to_have_text("Expired")
    shots("expired-order")
    assert selectors.session_seats_available(session=paid_session) == 12
    assert not any("Your ticket" in m.subject for m in mail.outbox)


def test_free_evening_registration(browser, live, therapist, request):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(10_000)
    shots = Shots(page, request.node.name)
    session = SessionFactory(capacity=40, workshop__title="Free evening: Ask the Instructors")
    TicketTypeFactory(session=session, name="Free seat", price_amount=0)
    page.goto(f"{live.url}/accounts/login/")
    _log_in(page, therapist.email)
    page.wait_for_url("**/account/")
    page.goto(f"{live.url}/payments/register/{session.pk}/")
    shots("free-choose")
    _choose(page, "Free seat", 1)
    page.get_by_role("button", name="Continue").click()
    shots("free-attendee")
    page.get_by_role("button", name="Confirm registration").click()
    page.wait_for_url("**/payments/orders/**")
    expect(page.get_by_test_id("order-state")).to_have_text("Paid")
    shots("free-confirmed")
    assert fake_stripe.requests == []
    assert [m.to[0] for m in mail.outbox if "Your ticket" in m.subject] == [therapist.email]
    context.close()


def test_phone_payment_step_and_losing_the_race(phone_page, live, therapist, request):
    shots = Shots(phone_page, request.node.name)
    session = SessionFactory(capacity=2, workshop__title="Lumbar Mobilisation Intensive")
    ticket = TicketTypeFactory(session=session, name="Standard", price_amount=34900)
    phone_page.goto(f"{live.url}/accounts/login/")
    _log_in(phone_page, therapist.email)
    phone_page.wait_for_url("**/account/")
    phone_page.goto(f"{live.url}/payments/register/{session.pk}/?ticket_{ticket.pk}=1")
    phone_page.get_by_role("button", name="Reserve and continue to payment").click()
    phone_page.wait_for_url("**/payments/orders/**")
    shots("payment-step-phone")
    phone_page.get_by_role("button", name=re.compile("Pay")).click()
    phone_page.wait_for_url("**/payments/test-checkout/**")
    shots("test-payment-phone")

    # Someone else takes the last seat while this buyer is filling in the form.
    phone_page.goto(f"{live.url}/payments/register/{session.pk}/?ticket_{ticket.pk}=1")
    from tests.factories import RegistrationFactory

    RegistrationFactory(ticket_type=ticket)
    phone_page.get_by_role("button", name="Reserve and continue to payment").click()
    expect(phone_page.get_by_text("We could not reserve these seats.")).to_be_visible()
    expect(phone_page.get_by_text("This session is sold out.")).to_be_visible()
    shots("sold-out-phone")
    assert Order.objects.filter(session=session).count() == 1
