"""Event staff in the Wagtail admin: refund an order (full or partial) and cancel or
refund one registration, with a reason; add a complimentary registration. Bad input is
refused with a message and changes nothing; people without the permission are kept out."""

import datetime

from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from django.utils import timezone

import pytest

from courses import selectors as courses_selectors
from courses.models import Registration, RegistrationStatus
from demo.groups import ensure_event_staff_group
from payments.models import Order, OrderStatus, Refund, RefundReason, RefundStatus
from tests.factories import RegistrationFactory, SessionFactory, TicketTypeFactory, UserFactory
from tests.payments.helpers import paid_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def event_staff(db):
    user = UserFactory(is_staff=True, email="sam.staff@example.com")
    user.groups.add(ensure_event_staff_group())
    user.user_permissions.add(Permission.objects.get(codename="check_in_attendees"))
    return user


@pytest.fixture
def staff_client(client, event_staff, django_capture_on_commit_callbacks):
    client.force_login(event_staff)
    return client


@pytest.fixture
def session_and_ticket(db):
    session = SessionFactory(capacity=4)
    return session, TicketTypeFactory(session=session, price_amount=34900)


@pytest.fixture
def order(session_and_ticket):
    session, ticket = session_and_ticket
    buyer = UserFactory(email="maya.chen@example.com", full_name="Maya Chen")
    return paid_order(
        buyer, session, ticket, [("Maya Chen", buyer.email), ("Jonas Weber", "jonas@example.com")]
    )


def _refund_url(order: Order) -> str:
    return reverse("payments_order_refund", args=[order.pk])


def _cancel_url(registration: Registration) -> str:
    return reverse("payments_registration_cancel", args=[registration.pk])


def _seats(order: Order) -> list[Registration]:
    return list(Registration.objects.filter(reservation=order.reservation).order_by("pk"))


def _form_key(response) -> str:
    return response.context["form"].initial["key"]


def test_staff_partially_refund_an_order_from_its_detail_page(
    staff_client, order, stripe_fake, django_capture_on_commit_callbacks
):
    inspect = staff_client.get(reverse("orders:inspect", args=[order.pk])).content.decode()
    assert _refund_url(order) in inspect  # the "Refund" button on the order detail page
    page = staff_client.get(_refund_url(order))
    assert "$698.00" in page.content.decode()  # can still be refunded
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            _refund_url(order),
            {"amount": "100.00", "reason": "Parking was closed", "key": _form_key(page)},
        )
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.amount_refunded) == (OrderStatus.PARTIALLY_REFUNDED, 10000)
    refund = Refund.objects.get()
    assert (refund.amount, refund.reason, refund.note, refund.status) == (
        10000,
        RefundReason.STAFF,
        "Parking was closed",
        RefundStatus.SUCCEEDED,
    )
    assert refund.requested_by.email == "sam.staff@example.com"
    assert [s.status for s in _seats(order)] == ["confirmed", "confirmed"]
    inspect = staff_client.get(reverse("orders:inspect", args=[order.pk])).content.decode()
    assert "$100.00" in inspect and "Parking was closed" in inspect
    page = staff_client.get(_refund_url(order)).content.decode()
    assert "$598.00" in page


def test_full_refund_cancels_the_seats_and_offers_them_to_the_waiting_list(
    staff_client, order, stripe_fake, django_capture_on_commit_callbacks, monkeypatch
):
    freed = []
    monkeypatch.setattr(
        "courses.services.seats.waitlist_seats_freed",
        lambda *, session_id: freed.append(session_id),
    )
    page = staff_client.get(_refund_url(order))
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            _refund_url(order),
            {"amount": "698.00", "reason": "Double booking", "key": _form_key(page)},
        )
    order.refresh_from_db()
    assert (order.status, order.amount_refunded) == (OrderStatus.REFUNDED, 69800)
    assert [s.status for s in _seats(order)] == ["cancelled", "cancelled"]
    assert freed == [order.session_id]
    assert courses_selectors.session_seats_available(session=order.session) == 4


def test_submitting_the_refund_form_twice_refunds_once(
    staff_client, order, stripe_fake, django_capture_on_commit_callbacks
):
    page = staff_client.get(_refund_url(order))
    data = {"amount": "50.00", "reason": "Late start", "key": _form_key(page)}
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(_refund_url(order), data)
        staff_client.post(_refund_url(order), data)
    assert Refund.objects.count() == 1 and len(stripe_fake.refunds) == 1
    order.refresh_from_db()
    assert order.amount_refunded == 5000


@pytest.mark.parametrize(
    ("amount", "reason", "message", "status"),
    [
        # The form is valid; the refund service refuses the amount.
        ("698.01", "Too much", "At most $698.00 can still be refunded", 400),
        ("-5", "Negative", "greater than or equal to 0.01", 200),
        ("0", "Nothing", "greater than or equal to 0.01", 200),
        ("abc", "Junk", "Enter a number", 200),
        ("10.00", "", "This field is required", 200),
        ("10.00", "   ", "This field is required", 200),
    ],
)
def test_bad_refund_input_is_refused_and_changes_nothing(
    staff_client, order, stripe_fake, amount, reason, message, status
):
    page = staff_client.get(_refund_url(order))
    stripe_fake.requests.clear()
    response = staff_client.post(
        _refund_url(order), {"amount": amount, "reason": reason, "key": _form_key(page)}
    )
    assert response.status_code == status
    assert message in response.content.decode()
    assert not Refund.objects.exists() and not stripe_fake.requests
    order.refresh_from_db()
    assert (order.status, order.amount_refunded) == (OrderStatus.PAID, 0)


def test_staff_cancel_one_registration_with_the_quote_prefilled_and_edited(
    staff_client, order, stripe_fake, django_capture_on_commit_callbacks
):
    jonas = _seats(order)[1]
    inspect = staff_client.get(reverse("order_registrations:inspect", args=[jonas.pk]))
    assert _cancel_url(jonas) in inspect.content.decode()
    page = staff_client.get(_cancel_url(jonas))
    assert page.context["form"]["refund_amount"].value() == "349.00"
    assert "full refund" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            _cancel_url(jonas), {"refund_amount": "200.00", "reason": "Moved to the May cohort"}
        )
    assert response.status_code == 302
    jonas.refresh_from_db()
    assert jonas.status == RegistrationStatus.CANCELLED
    assert "Moved to the May cohort" in jonas.cancel_reason
    refund = Refund.objects.get()
    assert (refund.amount, refund.registration, refund.reason) == (20000, jonas, "staff")
    order.refresh_from_db()
    assert (order.status, order.amount_refunded) == (OrderStatus.PARTIALLY_REFUNDED, 20000)
    assert sorted(m.to[0] for m in mail.outbox) == ["jonas@example.com", "maya.chen@example.com"]
    assert all("Moved to the May cohort" in m.body for m in mail.outbox)


@pytest.mark.parametrize(
    ("amount", "reason", "message"),
    [
        ("349.01", "Over", "At most $349.00 can be refunded for this seat"),
        ("-1", "Negative", "greater than or equal to 0"),
        ("100", "", "This field is required"),
    ],
)
def test_bad_cancellation_input_is_refused_and_changes_nothing(
    staff_client, order, stripe_fake, amount, reason, message
):
    jonas = _seats(order)[1]
    response = staff_client.post(_cancel_url(jonas), {"refund_amount": amount, "reason": reason})
    assert message in response.content.decode()
    jonas.refresh_from_db()
    assert jonas.status == RegistrationStatus.CONFIRMED
    assert not Refund.objects.exists() and not stripe_fake.refunds and not mail.outbox


def test_staff_cancel_without_refund_frees_the_seat(
    staff_client, order, stripe_fake, django_capture_on_commit_callbacks
):
    maya = _seats(order)[0]
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(_cancel_url(maya), {"refund_amount": "0", "reason": "No-show policy"})
    maya.refresh_from_db()
    assert maya.status == RegistrationStatus.CANCELLED
    assert not Refund.objects.exists()
    assert "No refund is due" in mail.outbox[0].body


def test_complimentary_registration_from_the_admin(
    staff_client, session_and_ticket, django_capture_on_commit_callbacks
):
    session, ticket = session_and_ticket
    url = reverse("payments_session_complimentary", args=[session.pk])
    edit = staff_client.get(reverse("workshop_sessions:edit", args=[session.pk])).content.decode()
    assert url in edit and "Add complimentary registration" in edit
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            url,
            {
                "attendee_name": "Ana Torres",
                "attendee_email": "ana.torres@example.com",
                "licence_number": "CAMTC 63307",
                "ticket_type": ticket.pk,
            },
        )
    assert response.status_code == 302
    comp = Registration.objects.get(attendee_email="ana.torres@example.com")
    assert comp.status == RegistrationStatus.CONFIRMED and comp.complimentary
    assert comp.price_amount == 0 and comp.checked_in_at is None
    assert [m.to for m in mail.outbox] == [["ana.torres@example.com"]]
    assert "complimentary ticket" in mail.outbox[0].subject and comp.code in mail.outbox[0].body


def test_complimentary_registration_respects_capacity(
    staff_client, session_and_ticket, django_capture_on_commit_callbacks
):
    session, ticket = session_and_ticket
    RegistrationFactory.create_batch(4, ticket_type=ticket)
    url = reverse("payments_session_complimentary", args=[session.pk])
    data = {"attendee_name": "Ana", "attendee_email": "ana@example.com", "ticket_type": ticket.pk}
    response = staff_client.post(url, data)
    assert response.status_code == 400 and "This session is full" in response.content.decode()
    assert Registration.objects.count() == 4
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(url, data | {"override_capacity": "on"})
    assert Registration.objects.count() == 5


def test_people_without_the_permission_are_kept_out(client, order, stripe_fake):
    session = order.session
    jonas = _seats(order)[1]
    urls = [
        _refund_url(order),
        _cancel_url(jonas),
        reverse("payments_session_cancel", args=[session.pk]),
    ]
    for url in urls:  # signed out: to the sign-in page
        response = client.get(url)
        assert response.status_code == 302 and "login" in response.url
    client.force_login(UserFactory())  # a therapist: no admin at all, one no-access page
    for url in urls:
        assert client.get(url).status_code == 403
        assert client.post(url, {"amount": "10", "reason": "x"}).status_code == 403
    editor = UserFactory(is_staff=True)
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(editor)  # in the admin, but not allowed: Wagtail sends them home
    for url in urls:
        assert client.get(url).url == reverse("wagtailadmin_home")
        response = client.post(url, {"refund_amount": "1", "amount": "1", "reason": "x"})
        assert response.url == reverse("wagtailadmin_home")
    assert (
        _refund_url(order)
        not in client.get(reverse("orders:inspect", args=[order.pk])).content.decode()
    )
    assert not Refund.objects.exists()
    jonas.refresh_from_db()
    assert jonas.status == RegistrationStatus.CONFIRMED


def test_ended_session_registrations_are_refunded_through_the_order(
    staff_client, order, stripe_fake
):
    ended = timezone.now() - datetime.timedelta(days=1)
    type(order.session).objects.filter(pk=order.session_id).update(
        starts_at=ended - datetime.timedelta(hours=8), ends_at=ended
    )
    jonas = _seats(order)[1]
    page = staff_client.get(_cancel_url(jonas)).content.decode()
    assert "refund the order instead" in page
    response = staff_client.post(_cancel_url(jonas), {"refund_amount": "0", "reason": "x"})
    assert response.status_code == 400
    jonas.refresh_from_db()
    assert jonas.status == RegistrationStatus.CONFIRMED
