"""Every bad input gets a clear message and changes nothing."""

import datetime
import json
import time

from django.urls import reverse
from django.utils import timezone

import pytest

from courses.models import Registration
from payments.gateway import sign_payload
from payments.models import Order, StripeEvent
from tests.factories import (
    RegistrationFactory,
    SessionFactory,
    TicketTypeFactory,
    UserFactory,
)
from tests.payments.helpers import attendee_post, book, register_url

pytestmark = pytest.mark.django_db


def _post(client, session, seats):
    counts: dict[str, int] = {}
    for ticket_type_id, *_ in seats:
        counts[str(ticket_type_id)] = counts.get(str(ticket_type_id), 0) + 1
    return client.post(register_url(session, **counts), attendee_post(seats))


def _seats(ticket, n):
    return [(ticket.pk, f"Person {i}", f"p{i}@example.com") for i in range(n)]


def _assert_nothing_written():
    assert not Registration.objects.exists()
    assert not Order.objects.exists()


def test_more_than_seats_left(client, user):
    ticket = TicketTypeFactory(session__capacity=3, max_per_order=6)
    RegistrationFactory.create_batch(2, ticket_type=ticket)
    client.force_login(user)
    response = _post(client, ticket.session, _seats(ticket, 2))
    assert response.status_code == 200
    assert "Only 1 seat left in this session." in response.content.decode()
    assert Registration.objects.count() == 2
    assert not Order.objects.exists()


def test_sold_out(client, user):
    ticket = TicketTypeFactory(session__capacity=1)
    RegistrationFactory(ticket_type=ticket)
    client.force_login(user)
    response = _post(client, ticket.session, _seats(ticket, 1))
    page = response.content.decode()
    assert "We could not reserve these seats." in page
    assert "This session is sold out." in page
    assert "Join the waiting list" in page
    assert Order.objects.count() == 0
    assert Registration.objects.count() == 1


def test_more_than_max_per_order(client, user):
    ticket = TicketTypeFactory(max_per_order=2)
    client.force_login(user)
    response = _post(client, ticket.session, _seats(ticket, 3))
    assert "at most 2" in response.content.decode()
    _assert_nothing_written()


def test_ticket_type_limit(client, user):
    ticket = TicketTypeFactory(quantity_limit=1)
    client.force_login(user)
    response = _post(client, ticket.session, _seats(ticket, 2))
    assert "Only 1 “Standard” tickets are left." in response.content.decode()
    _assert_nothing_written()


def test_closed_sales_window(client, user):
    ticket = TicketTypeFactory(
        sales_start=timezone.now() - datetime.timedelta(days=20),
        sales_end=timezone.now() - datetime.timedelta(days=1),
        name="Early bird",
    )
    client.force_login(user)
    response = _post(client, ticket.session, _seats(ticket, 1))
    assert "“Early bird” tickets are not on sale now." in response.content.decode()
    _assert_nothing_written()


def test_registration_closed(client, user):
    ticket = TicketTypeFactory(
        session__registration_closes_at=timezone.now() - datetime.timedelta(hours=1)
    )
    client.force_login(user)
    response = _post(client, ticket.session, _seats(ticket, 1))
    assert "Registration for this session is closed." in response.content.decode()
    _assert_nothing_written()


def test_tampered_ticket_type_of_another_session(client, user):
    ticket = TicketTypeFactory()
    foreign = TicketTypeFactory(price_amount=100)
    client.force_login(user)
    response = client.post(
        register_url(ticket.session, **{str(ticket.pk): 1}),
        attendee_post([(foreign.pk, "Sneaky", "s@example.com")]),
    )
    assert "That ticket is not sold for this session." in response.content.decode()
    _assert_nothing_written()


def test_tampered_form_count_is_checked_by_the_service(client, user):
    ticket = TicketTypeFactory(max_per_order=2)
    client.force_login(user)
    # The query string says 1, the hidden management form says 5.
    response = client.post(
        register_url(ticket.session, **{str(ticket.pk): 1}), attendee_post(_seats(ticket, 5))
    )
    assert "at most 2" in response.content.decode()
    _assert_nothing_written()


def test_garbage_hidden_fields_rerender_the_form(client, user):
    ticket = TicketTypeFactory()
    client.force_login(user)
    data = attendee_post(_seats(ticket, 1)) | {
        "form-0-ticket_type": "abc",
        "form-0-attendee_email": "not-an-email",
    }
    response = client.post(register_url(ticket.session, **{str(ticket.pk): 1}), data)
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    _assert_nothing_written()


def test_a_garbage_ticket_type_alone_says_what_is_wrong(client, user):
    ticket = TicketTypeFactory()
    client.force_login(user)
    data = attendee_post(_seats(ticket, 1)) | {"form-0-ticket_type": "abc"}
    response = client.post(register_url(ticket.session, **{str(ticket.pk): 1}), data)
    assert response.status_code == 200
    assert "A ticket in this form is not one this session offers." in response.content.decode()
    _assert_nothing_written()


def test_unknown_or_cancelled_session_is_404(client, user):
    client.force_login(user)
    assert client.get(reverse("payments:register", kwargs={"session_id": 999})).status_code == 404
    session = SessionFactory(status="cancelled")
    assert client.get(register_url(session)).status_code == 404


def test_someone_elses_order_and_ticket_are_404(client, user, free_session):
    session, ticket = free_session
    client.force_login(user)
    order = book(client, session, ticket, n=1)
    code = order.lines.get().registration.code
    client.force_login(UserFactory())
    assert client.get(order.get_absolute_url()).status_code == 404
    assert client.post(reverse("payments:order_pay", args=[order.reference])).status_code == 404
    assert client.get(reverse("payments:ticket", kwargs={"code": code})).status_code == 404
    assert client.get(reverse("payments:ticket_ics", kwargs={"code": code})).status_code == 404
    client.logout()
    assert client.get(order.get_absolute_url()).status_code == 302  # to the login page
    client.force_login(UserFactory(is_staff=True))
    assert client.get(order.get_absolute_url()).status_code == 200


def test_the_signed_ticket_link_opens_without_an_account_and_a_forged_one_does_not(
    client, user, free_session
):
    from payments.ticket_links import ticket_link_path

    session, ticket = free_session
    client.force_login(user)
    code = book(client, session, ticket, n=1).lines.get().registration.code
    client.logout()
    page = client.get(ticket_link_path(code=code))
    assert page.status_code == 200
    assert code in page.content.decode()
    key = ticket_link_path(code=code).split("key=")[1]
    calendar = client.get(reverse("payments:ticket_ics", kwargs={"code": code}) + f"?key={key}")
    assert calendar.status_code == 200
    forged = reverse("payments:ticket", kwargs={"code": code}) + "?key=forged"
    assert client.get(forged).status_code == 302  # to the login page
    assert client.get(reverse("payments:ticket", kwargs={"code": code})).status_code == 302


def _event_body(event_id="evt_forged"):
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": "checkout.session.completed",
            "data": {"object": {"object": "checkout.session", "id": "cs_x", "status": "complete"}},
        }
    )


@pytest.mark.parametrize(
    "header",
    [
        None,
        "garbage",
        "t=1,v1=deadbeef",
        sign_payload(payload=_event_body(), secret="whsec_someone_else"),
        sign_payload(payload=_event_body(), timestamp=int(time.time()) - 3600),
    ],
    ids=["missing", "garbage", "wrong-signature", "wrong-secret", "stale"],
)
def test_forged_or_stale_webhook_is_400_and_stores_nothing(client, header):
    headers = {"Stripe-Signature": header} if header else {}
    response = client.post(
        reverse("payments:stripe_webhook"),
        data=_event_body(),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_webhook_rejects_get(client):
    assert client.get(reverse("payments:stripe_webhook")).status_code == 405


def test_signed_body_tampered_after_signing_is_rejected(client):
    body = _event_body()
    header = sign_payload(payload=body)
    response = client.post(
        reverse("payments:stripe_webhook"),
        data=body.replace("complete", "expired"),
        content_type="application/json",
        headers={"Stripe-Signature": header},
    )
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_test_checkout_page_is_404_with_real_stripe(client, settings):
    settings.STRIPE_USE_FAKE = False
    response = client.get(reverse("stripe_fake:test_checkout", args=["cs_test_x"]))
    assert response.status_code == 404
