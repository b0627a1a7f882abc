"""The waiting list as people meet it: the workshop page, the join/leave page, checkout
through the offer e-mail's link, My account, and the staff queue."""

import re
from html import unescape
from urllib.parse import urlsplit

from django.contrib.auth.models import Permission
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

import pytest

from cms.models import WorkshopPage
from courses import services
from courses.models import Registration, WaitlistEntry, WaitlistStatus
from demo import content
from payments.models import Order, OrderStatus
from stripe_fake import fake_stripe
from stripe_fake.delivery import outbox_deliver
from tests.courses.test_admin import session_admin_save
from tests.factories import RegistrationFactory, TicketTypeFactory, UserFactory
from tests.payments.helpers import attendee_post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_fake():
    fake_stripe.reset()
    yield
    fake_stripe.reset()


@pytest.fixture
def sold_out(db):
    ticket_type = TicketTypeFactory(
        session__capacity=2, session__workshop__title="Thoracic Spine Clinic", max_per_order=3
    )
    registrations = RegistrationFactory.create_batch(2, ticket_type=ticket_type)
    return ticket_type, registrations


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _join_url(session) -> str:
    return reverse("courses:waitlist_join", kwargs={"session_id": session.pk})


def _join_data(session, seats="1", ticket_type="") -> dict:
    prefix = f"waitlist-{session.pk}"
    return {f"{prefix}-seats": seats, f"{prefix}-ticket_type": ticket_type}


def _offer(ticket_type, registrations, run_on_commit, user=None) -> WaitlistEntry:
    """``user`` joins, a registration is cancelled, the offer e-mail goes out."""
    entry = services.waitlist_join(
        session_id=ticket_type.session_id,
        user=user or UserFactory(),
        seats=1,
        ticket_type_id=ticket_type.pk,
    )
    with run_on_commit():
        services.seat_hold_cancel(reservation=registrations[0].reservation, reason="Refunded")
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.OFFERED
    return entry


def _link_in(message) -> str:
    match = re.search(r"http://testserver(/payments/register/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def _text(response) -> str:
    return re.sub(r"\s+", " ", unescape(response.content.decode()))


# --- Demo and the workshop page ---------------------------------------------------------


def test_demo_sold_out_session_shows_the_waiting_list_to_each_kind_of_visitor(client, demo_site):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 - idempotent
    entries = WaitlistEntry.objects.select_related("session", "user").order_by("sort_key")
    assert [(e.user.email, e.status) for e in entries] == [
        (content.THERAPIST_EMAIL, WaitlistStatus.OFFERED),
        ("noah.fischer@example.com", WaitlistStatus.WAITING),
        ("lena.novak@example.com", WaitlistStatus.WAITING),
    ]
    session = entries[0].session
    page = WorkshopPage.objects.get(workshop=session.workshop)

    anonymous = _text(client.get(page.url))
    assert "Sign in to join the waiting list" in anonymous
    assert f"/accounts/login/?next={_join_url(session)}" in anonymous

    client.force_login(UserFactory())
    signed_in = _text(client.get(page.url))
    assert f'action="{_join_url(session)}"' in signed_in
    assert "Join the waiting list" in signed_in and "Any ticket" in signed_in

    client.login(email=content.THERAPIST_EMAIL, password=content.THERAPIST_PASSWORD)
    therapist = _text(client.get(page.url))
    assert "Seats are held for you" in therapist and "Complete your purchase" in therapist
    dashboard = _text(client.get("/account/"))
    assert "Waiting lists" in dashboard and "Seats held for you" in dashboard
    assert "Complete your purchase" in dashboard


def test_register_page_of_a_sold_out_session_offers_the_waiting_list(client, sold_out):
    ticket_type, _ = sold_out
    client.force_login(UserFactory())
    body = _text(client.get(reverse("payments:register", args=[ticket_type.session_id])))
    assert "This session is sold out." in body
    assert "Join the waiting list" in body


# --- Join and leave ---------------------------------------------------------------------


def test_joining_shows_the_place_in_line(client, sold_out):
    ticket_type, _ = sold_out
    session = ticket_type.session
    services.waitlist_join(session_id=session.pk, user=UserFactory(), seats=1)
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        _join_url(session), _join_data(session, "2", str(ticket_type.pk)), follow=True
    )
    body = _text(response)
    assert "You're on the waiting list: number 2 in line." in body
    assert "number 2</strong> in line for 2 seats (Standard)" in body
    assert "Leave the waiting list" in body
    entry = WaitlistEntry.objects.get(user=user)
    assert (entry.seats, entry.ticket_type, entry.status) == (2, ticket_type, "waiting")


@pytest.mark.parametrize(
    ("seats", "ticket_type", "message"),
    [
        ("0", "", "Ask for at least one seat."),
        ("9", "", "You can wait for at most 2 seats in one request."),
        ("abc", "", "Choose a number of seats."),
        ("", "", "Choose how many seats you need."),
        ("1", "999999", "That ticket is not sold for this session."),
    ],
)
def test_bad_join_requests_get_a_clear_message_and_store_nothing(
    client, sold_out, seats, ticket_type, message
):
    session = sold_out[0].session
    client.force_login(UserFactory())
    response = client.post(_join_url(session), _join_data(session, seats, ticket_type))
    assert response.status_code == 200
    assert message in _text(response)
    assert not WaitlistEntry.objects.exists()


def test_joining_twice_or_when_seats_are_free_is_refused(client, sold_out):
    ticket_type, _ = sold_out
    session = ticket_type.session
    client.force_login(UserFactory())
    client.post(_join_url(session), _join_data(session))
    response = client.post(_join_url(session), _join_data(session))
    assert "already on the waiting list" in _text(response)
    assert WaitlistEntry.objects.count() == 1

    other = TicketTypeFactory(session__capacity=5)
    page = _text(client.get(_join_url(other.session)))
    assert "Good news: 5 seats are available." in page and "Register" in page
    response = client.post(_join_url(other.session), _join_data(other.session))
    assert "Seats are still available" in _text(response)
    assert WaitlistEntry.objects.count() == 1


def test_anonymous_visitors_are_told_to_sign_in(client, sold_out):
    session = sold_out[0].session
    body = _text(client.get(_join_url(session)))
    assert "Sign in to join the waiting list" in body
    response = client.post(_join_url(session), _join_data(session))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not WaitlistEntry.objects.exists()


def test_cancelled_session_says_the_list_is_closed(client, sold_out):
    session = sold_out[0].session
    services.session_cancel(session=session)
    client.force_login(UserFactory())
    body = _text(client.get(_join_url(session)))
    assert "This session was canceled." in body
    assert "Join the waiting list<" not in body
    response = client.post(_join_url(session), _join_data(session))
    assert "canceled" in _text(response)
    assert not WaitlistEntry.objects.exists()


def test_leaving_from_my_account(client, sold_out):
    session = sold_out[0].session
    user = UserFactory()
    entry = services.waitlist_join(session_id=session.pk, user=user, seats=1)
    client.force_login(user)
    assert "Number 1 in line" in _text(client.get("/account/"))
    leave = reverse("courses:waitlist_leave", args=[entry.pk])
    response = client.post(leave, {"next": "/account/"}, follow=True)
    assert "You have left the waiting list for Thoracic Spine Clinic." in _text(response)
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.LEFT
    assert "Waiting lists" not in _text(client.get("/account/"))


def test_nobody_else_can_take_you_off_the_list(client, sold_out):
    session = sold_out[0].session
    entry = services.waitlist_join(session_id=session.pk, user=UserFactory(), seats=1)
    client.force_login(UserFactory())
    leave = reverse("courses:waitlist_leave", args=[entry.pk])
    response = client.post(leave, {"next": "https://evil.example/"})
    assert response["Location"] == reverse("accounts:dashboard")  # no open redirect
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.WAITING


# --- The offer e-mail's link into checkout ----------------------------------------------


def test_the_offer_link_books_the_held_seat_and_the_entry_is_claimed(
    client, sold_out, run_on_commit
):
    ticket_type, registrations = sold_out
    entry = _offer(ticket_type, registrations, run_on_commit)
    (message,) = mail.outbox
    assert message.to == [entry.user.email]
    link = _link_in(message)

    assert client.get(link).status_code == 302  # signed out: sign in first
    client.force_login(entry.user)
    page = _text(client.get(link))
    assert "From the waiting list: 1 seat is held for you until" in page
    assert 'name="form-0-attendee_name"' in page  # the ticket is chosen already

    seats = [(ticket_type.pk, entry.user.full_name, entry.user.email)]
    with run_on_commit():
        response = client.post(link, attendee_post(seats))
    assert response.status_code == 302, _text(response)[:1500]
    order = Order.objects.get(buyer=entry.user)
    assert order.status == OrderStatus.PENDING
    assert Registration.objects.get(reservation=order.reservation).waitlist_entry == entry

    fake_stripe.checkout_pay(order.stripe_checkout_session_id)
    with run_on_commit():
        assert outbox_deliver() == [200]
    order.refresh_from_db()
    entry.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert entry.status == WaitlistStatus.CLAIMED

    # The link is spent: it explains itself and books nothing more.
    again = _text(client.get(link))
    assert "You have already booked the seats of this offer." in again


def test_another_account_cannot_use_the_offer_link(client, sold_out, run_on_commit):
    ticket_type, registrations = sold_out
    entry = _offer(ticket_type, registrations, run_on_commit)
    link = _link_in(mail.outbox[0])
    client.force_login(UserFactory())
    page = _text(client.get(link))
    assert "This offer was made to another account." in page
    before = Registration.objects.count()
    response = client.post(link, attendee_post([(ticket_type.pk, "Queue Jumper", "j@example.com")]))
    assert "This session is sold out." in _text(response)
    assert Registration.objects.count() == before
    assert not Order.objects.exists()
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.OFFERED


def test_a_tampered_or_expired_link_explains_itself(client, sold_out, run_on_commit):
    ticket_type, registrations = sold_out
    entry = _offer(ticket_type, registrations, run_on_commit)
    link = _link_in(mail.outbox[0])
    client.force_login(entry.user)
    path, query = urlsplit(link).path, urlsplit(link).query
    tampered = f"{path}?{query.replace('offer=', 'offer=x')}"
    assert "This offer link is not valid." in _text(client.get(tampered))
    services.waitlist_leave(entry_id=entry.pk, user=entry.user)
    assert "expired" in _text(client.get(link))


# --- Staff --------------------------------------------------------------------------------


@pytest.fixture
def event_staff(db):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="check_in_attendees"))
    return user


def test_staff_queue_is_for_event_staff_only(client, sold_out, event_staff):
    session = sold_out[0].session
    entry = services.waitlist_join(session_id=session.pk, user=UserFactory(), seats=1)
    url = reverse("courses:staff_waitlist", args=[session.pk])
    remove = reverse("courses:staff_waitlist_remove", args=[session.pk, entry.pk])
    assert client.get(url).status_code == 302
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    assert client.post(remove).status_code == 403
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.WAITING
    client.force_login(event_staff)
    body = _text(client.get(url))
    assert entry.user.email in body and "Waiting · number 1" in body


def test_staff_reorder_and_remove(client, sold_out, event_staff, run_on_commit):
    ticket_type, registrations = sold_out
    session = ticket_type.session
    first = services.waitlist_join(session_id=session.pk, user=UserFactory(), seats=2)
    second = services.waitlist_join(session_id=session.pk, user=UserFactory(), seats=1)
    with run_on_commit():
        services.seat_hold_cancel(reservation=registrations[0].reservation, reason="x")
    client.force_login(event_staff)
    url = reverse("courses:staff_waitlist", args=[session.pk])
    page = _text(client.get(url))
    assert "1 seat free, held for the list." in page  # strict order: first needs two

    move = reverse("courses:staff_waitlist_move", args=[session.pk, second.pk])
    with run_on_commit():
        response = client.post(move, {"direction": "up"}, follow=True)
    assert f"{second.user} moved up." in _text(response)
    second.refresh_from_db()
    assert second.status == WaitlistStatus.OFFERED  # now first, and one seat fits
    page = _text(client.get(url))
    assert "Offered 1 seat" in page and "e-mailed" in page

    response = client.post(
        reverse("courses:staff_waitlist_move", args=[session.pk, first.pk]),
        {"direction": "down"},
        follow=True,
    )
    assert "already last in line" in _text(response)
    response = client.post(
        reverse("courses:staff_waitlist_remove", args=[session.pk, first.pk]), follow=True
    )
    assert "was removed from the waiting list" in _text(response)
    first.refresh_from_db()
    assert first.status == WaitlistStatus.REMOVED
    assert "Removed by staff" in _text(response)
    other_session = TicketTypeFactory().session
    wrong = reverse("courses:staff_waitlist_remove", args=[other_session.pk, second.pk])
    assert client.post(wrong).status_code == 404


def test_raising_the_capacity_in_the_admin_offers_the_new_seats(client, sold_out, run_on_commit):
    ticket_type, _ = sold_out
    session = ticket_type.session
    entry = services.waitlist_join(session_id=session.pk, user=UserFactory(), seats=1)
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert "1 seats waiting" in _text(client.get(reverse("workshop_sessions:index")))
    with run_on_commit():
        response = session_admin_save(client, ticket_type, capacity="3")
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.OFFERED
    assert [m.to for m in mail.outbox] == [[entry.user.email]]


def test_the_admin_form_cannot_cancel_a_session_behind_the_lists_back(
    client, sold_out, run_on_commit
):
    ticket_type, _ = sold_out
    session = ticket_type.session
    entry = services.waitlist_join(session_id=session.pk, user=UserFactory(), seats=1)
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    with run_on_commit():
        response = session_admin_save(client, ticket_type, capacity="3", status="cancelled")
    assert response.status_code == 200
    assert "cannot be canceled from this form" in _text(response)
    session.refresh_from_db()
    entry.refresh_from_db()
    assert (session.status, session.capacity) == ("scheduled", 2)
    assert entry.status == WaitlistStatus.WAITING
    assert mail.outbox == []
