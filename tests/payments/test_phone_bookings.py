"""Bookings taken by phone: staff hold the caller's seats through the online seat service,
then e-mail a payment link (a Stripe Checkout Session open up to 24 hours), record an
offline payment with its reference, or make it complimentary. Bad input changes nothing;
nobody can oversell; expired links give the seats back; every money action is audited."""

import csv
import datetime
import io

from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse

import pytest

from accounts.models import User
from courses import selectors as courses_selectors
from courses.errors import SessionFull
from courses.models import AuditEntry, Registration, RegistrationStatus
from courses.services import SeatRequest
from demo.groups import ensure_event_staff_group
from payments import services
from payments.errors import PhoneBookingRefused
from payments.models import Order, OrderStatus
from payments.ticket_links import order_link_path
from tests.factories import SessionFactory, TicketTypeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    user = UserFactory(is_staff=True, email="rosa.desk@example.com", full_name="Rosa Alvarez")
    user.groups.add(ensure_event_staff_group())
    return user


@pytest.fixture
def seats(db):
    session = SessionFactory(capacity=3)
    return session, TicketTypeFactory(session=session, price_amount=34900)


def _two(ticket) -> list[SeatRequest]:
    return [
        SeatRequest(ticket.pk, "Dana Whitfield", "dana@example.com"),
        SeatRequest(ticket.pk, "Luis Ortega", "luis@example.com"),
    ]


def _create(staff, seats, method="online", reference="", email="caller@example.com", n=2):
    session, ticket = seats
    return services.phone_order_create(
        taken_by=staff,
        session_id=session.pk,
        buyer_email=email,
        buyer_name="Dana Whitfield",
        buyer_phone="+1 (310) 555-0142",
        requests=_two(ticket)[:n],
        payment_method=method,
        payment_reference=reference,
    )


def _send(order, staff):
    return services.phone_order_link_send(
        order_id=order.pk,
        sent_by=staff,
        success_url="http://testserver/paid?session_id={CHECKOUT_SESSION_ID}",
        cancel_url="http://testserver/order",
    )


def test_a_payment_link_holds_the_seats_for_stripes_24_hours_and_pays_like_online(
    staff, seats, stripe_fake, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = _create(staff, seats)
        order = _send(order, staff)
    # Held like an online order, but for almost a day: the longest Stripe allows.
    assert order.status == OrderStatus.PENDING
    assert order.hold_expires_at - order.created_at > datetime.timedelta(hours=23)
    checkout = stripe_fake.checkout_sessions[order.stripe_checkout_session_id]
    assert checkout["expires_at"] == int(order.hold_expires_at.timestamp())
    assert courses_selectors.session_seats_available(session=order.session) == 1
    assert (order.taken_by, order.buyer_phone) == (staff, "+1 (310) 555-0142")
    # The caller had no account: one is opened and they are invited; the link is e-mailed.
    buyer = User.objects.get(email="caller@example.com")
    assert order.buyer == buyer and not buyer.has_usable_password()
    subjects = {m.subject: m for m in mail.outbox}
    link_mail = subjects["[PhysioMassage Academy] Complete your booking: " + order.item_title]
    assert order.stripe_checkout_url in link_mail.body and "Rosa Alvarez" in link_mail.body
    invite = subjects["[PhysioMassage Academy] Your PhysioMassage Academy account"]
    assert "/accounts/password/reset/key/" in invite.body
    # The buyer pays: the same paid path as online, receipt and both tickets.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        paid = stripe_fake.checkout_pay(order.stripe_checkout_session_id)
        services.checkout_session_sync(checkout=paid)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert sorted(m.to[0] for m in mail.outbox) == [
        "caller@example.com",
        "dana@example.com",
        "luis@example.com",
    ]
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", "actor_label"))
    assert actions == [
        ("phone_booking", "rosa.desk@example.com"),
        ("payment_link", "rosa.desk@example.com"),
    ]


def test_resending_the_link_sends_the_same_checkout_again(
    staff, seats, stripe_fake, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = _send(_create(staff, seats, email=UserFactory().email), staff)
        again = _send(order, staff)
    assert again.payment_link_sends == 2
    assert again.stripe_checkout_session_id == order.stripe_checkout_session_id
    links = [m for m in mail.outbox if "Complete your booking" in m.subject]
    assert len(links) == 2 and all(order.stripe_checkout_url in m.body for m in links)
    assert len(stripe_fake.checkout_sessions) == 1


def test_an_existing_account_is_linked_not_invited(
    staff, seats, django_capture_on_commit_callbacks
):
    member = UserFactory(email="known@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        order = _create(staff, seats, method="cash", email="Known@Example.com")
    assert order.buyer == member and order.status == OrderStatus.PAID
    assert not [m for m in mail.outbox if "account" in m.subject.lower()]


def test_an_expired_link_releases_the_seats_as_an_online_hold_does(
    staff, seats, stripe_fake, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = _send(_create(staff, seats), staff)
    later = order.hold_expires_at + datetime.timedelta(seconds=1)
    assert courses_selectors.session_seats_available(session=order.session, now=later) == 3
    services.orders_expire(now=later)
    order.refresh_from_db()
    assert order.status == OrderStatus.EXPIRED
    statuses = set(Registration.objects.values_list("status", flat=True))
    assert statuses == {RegistrationStatus.EXPIRED}
    with pytest.raises(PhoneBookingRefused, match="no longer awaiting payment"):
        _send(order, staff)


def test_a_check_payment_confirms_at_once_with_its_reference(
    staff, seats, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = _create(staff, seats, method="check", reference="CHK 20417")
    assert (order.status, order.payment_method, order.payment_reference) == (
        OrderStatus.PAID,
        "check",
        "CHK 20417",
    )
    assert not order.stripe_checkout_session_id
    assert len(mail.outbox) == 4  # receipt, two tickets, account invitation
    entry = AuditEntry.objects.get()
    assert entry.details["payment_reference"] == "CHK 20417"


def test_complimentary_costs_nothing_and_confirms(staff, seats, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = _create(staff, seats, method="complimentary")
    assert (order.status, order.total_amount) == (OrderStatus.PAID, 0)
    assert set(Registration.objects.values_list("price_amount", "complimentary")) == {(0, True)}


def test_recording_a_payment_closes_the_link_first(
    staff, seats, stripe_fake, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = _send(_create(staff, seats), staff)
        order = services.phone_order_record_payment(
            order_id=order.pk,
            recorded_by=staff,
            payment_method="bank_transfer",
            payment_reference="WIRE-88",
        )
    assert (order.status, order.payment_method) == (OrderStatus.PAID, "bank_transfer")
    assert stripe_fake.checkout_sessions[order.stripe_checkout_session_id]["status"] == "expired"
    assert [a for (a,) in AuditEntry.objects.order_by("pk").values_list("action")][
        -1
    ] == "offline_payment"


def test_a_link_paid_meanwhile_is_not_recorded_twice(staff, seats, stripe_fake):
    order = _send(_create(staff, seats), staff)
    stripe_fake.checkout_pay(order.stripe_checkout_session_id)
    with pytest.raises(PhoneBookingRefused, match="just paid"):
        services.phone_order_record_payment(
            order_id=order.pk, recorded_by=staff, payment_method="cash"
        )
    order.refresh_from_db()
    assert (order.status, order.payment_method) == (OrderStatus.PAID, "online")


@pytest.mark.parametrize(
    ("method", "reference", "message"),
    [
        ("check", "", "check number"),
        ("bank_transfer", "  ", "transfer reference"),
        ("iou", "", "Choose how"),
        ("online", "123", "no reference"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(staff, seats, method, reference, message):
    with pytest.raises(PhoneBookingRefused, match=message):
        _create(staff, seats, method=method, reference=reference)
    assert not Order.objects.exists() and not Registration.objects.exists()
    assert not User.objects.filter(email="caller@example.com").exists()
    assert not AuditEntry.objects.exists()


def test_without_the_permission_nothing_is_booked(seats):
    editor = UserFactory(is_staff=True)
    with pytest.raises(PhoneBookingRefused, match="permission"):
        _create(editor, seats, method="cash")
    assert not Order.objects.exists()


def test_phone_bookings_cannot_oversell(staff, seats):
    session, _ = seats
    _create(staff, seats, method="cash")
    with pytest.raises(SessionFull):
        _create(staff, seats, method="cash", email="second@example.com")
    assert not User.objects.filter(email="second@example.com").exists()
    assert Registration.objects.filter(status=RegistrationStatus.CONFIRMED).count() == 2
    _create(staff, seats, method="cash", email="third@example.com", n=1)
    assert courses_selectors.session_seats_available(session=session) == 0


# --- The admin pages ---------------------------------------------------------------------


def _form(ticket, method="online", reference="", rows=2) -> dict:
    data = {
        "buyer_email": "caller@example.com",
        "buyer_name": "Dana Whitfield",
        "buyer_phone": "310 555 0142",
        "payment_method": method,
        "payment_reference": reference,
        "seats-TOTAL_FORMS": str(rows),
        "seats-INITIAL_FORMS": "0",
        "seats-MIN_NUM_FORMS": "1",
        "seats-MAX_NUM_FORMS": "20",
    }
    for i, (name, email) in enumerate(
        [("Dana Whitfield", "dana@example.com"), ("Luis Ortega", "luis@example.com")][:rows]
    ):
        data |= {
            f"seats-{i}-ticket_type": str(ticket.pk),
            f"seats-{i}-attendee_name": name,
            f"seats-{i}-attendee_email": email,
            f"seats-{i}-licence_number": "",
        }
    return data


def test_staff_take_a_phone_booking_from_the_session(
    client, staff, seats, stripe_fake, django_capture_on_commit_callbacks
):
    session, ticket = seats
    client.force_login(staff)
    url = reverse("payments_session_phone_booking", args=[session.pk])
    edit = client.get(reverse("workshop_sessions:edit", args=[session.pk])).content.decode()
    assert url in edit  # "Take a phone booking" among the session's actions
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, _form(ticket))
    order = Order.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("payments_phone_order", args=[order.pk])
    page = client.get(response.url).content.decode()
    assert "Resend the payment link" in page and "Rosa Alvarez" in page
    assert order.stripe_checkout_url in page
    inspect = client.get(reverse("orders:inspect", args=[order.pk])).content.decode()
    assert "Rosa Alvarez" in inspect and "310 555 0142" in inspect


def test_the_phone_form_refuses_bad_input_and_books_nothing(client, staff, seats):
    session, ticket = seats
    client.force_login(staff)
    url = reverse("payments_session_phone_booking", args=[session.pk])
    response = client.post(url, _form(ticket, method="check"))
    assert response.status_code == 400
    assert "Enter the check number" in response.content.decode()
    bad_phone = _form(ticket) | {"buyer_phone": "call me"}
    assert client.post(url, bad_phone).status_code == 400
    assert not Order.objects.exists() and not Registration.objects.exists()


def test_staff_without_the_permission_cannot_open_the_phone_form(client, seats):
    session, _ = seats
    editor = UserFactory(is_staff=True)
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(editor)
    response = client.get(reverse("payments_session_phone_booking", args=[session.pk]))
    assert response.status_code in (302, 403)
    assert not Order.objects.exists()


def test_the_registrations_export_shows_how_each_seat_was_paid(
    client, staff, seats, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _create(staff, seats, method="check", reference="CHK 20417")
    client.force_login(staff)
    response = client.get(reverse("order_registrations:index") + "?export=csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {(r["Payment method"], r["Payment reference"]) for r in rows} == {("Check", "CHK 20417")}


def test_the_buyer_opens_the_signed_order_link_without_signing_in(
    client, staff, seats, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = _create(staff, seats, method="check", reference="CHK 20417")
    page = client.get(order_link_path(reference=order.reference))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Booked by phone with Rosa Alvarez" in text and "CHK 20417" in text
    # Without the signature: sign in first, as for any order.
    assert client.get(order.get_absolute_url()).status_code == 302
    forged = order.get_absolute_url() + "?key=forged"
    assert client.get(forged).status_code == 302
