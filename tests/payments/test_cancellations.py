"""An attendee cancels from My account: what the policy gives back is shown before they
confirm, the seat is freed, the refund goes through Stripe once (idempotency key) and is
tracked until Stripe confirms it; Stripe outages leave it pending until a retry."""

import datetime

from django.core import mail
from django.urls import reverse
from django.utils import timezone

import pytest

from courses import selectors as courses_selectors
from courses.models import Registration, RegistrationStatus
from payments import gateway, services, tasks
from payments.models import Order, OrderStatus, Refund, RefundReason, RefundStatus
from tests.factories import RegistrationFactory, SessionFactory, TicketTypeFactory, UserFactory
from tests.payments.helpers import paid_order

pytestmark = pytest.mark.django_db


def _session(days: float, *, partial_days=None, percent=50, price=34900):
    starts = timezone.now() + datetime.timedelta(days=days)
    session = SessionFactory(
        capacity=10,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=8),
        workshop__refund_full_days=14,
        workshop__refund_partial_days=partial_days,
        workshop__refund_partial_percent=percent,
    )
    return session, TicketTypeFactory(session=session, price_amount=price)


def _cancel_url(registration) -> str:
    return reverse("accounts:registration_cancel", args=[registration.pk])


def _seat(order: Order, index: int = 0) -> Registration:
    return Registration.objects.filter(reservation=order.reservation).order_by("pk")[index]


@pytest.fixture
def buyer(db):
    return UserFactory(email="maya.chen@example.com", full_name="Maya Chen")


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run what the request enqueues after commit (tasks are eager in tests)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_cancel_within_policy_refunds_in_full_and_frees_the_seat(
    client, buyer, stripe_fake, run_on_commit
):
    session, ticket = _session(days=30)
    order = paid_order(buyer, session, ticket)
    seat = _seat(order)
    client.force_login(buyer)
    assert _cancel_url(seat) in client.get(reverse("accounts:dashboard")).content.decode()

    page = client.get(_cancel_url(seat)).content.decode()
    assert "Full refund" in page and "$349.00" in page
    assert "Cancel and refund $349.00" in page
    assert courses_selectors.session_seats_available(session=session) == 9

    with run_on_commit():
        response = client.post(_cancel_url(seat), {"expected_amount": "34900"})
    assert response.status_code == 302 and response.url == reverse("accounts:dashboard")

    seat.refresh_from_db()
    order.refresh_from_db()
    assert seat.status == RegistrationStatus.CANCELLED
    assert courses_selectors.session_seats_available(session=session) == 10
    refund = Refund.objects.get()
    assert (refund.amount, refund.status, refund.reason) == (
        34900,
        RefundStatus.SUCCEEDED,
        RefundReason.CUSTOMER,
    )
    assert refund.registration == seat and refund.requested_by == buyer
    assert refund.stripe_refund_id in stripe_fake.refunds and refund.attempts == 1
    assert (order.status, order.amount_refunded) == (OrderStatus.REFUNDED, 34900)

    dashboard = client.get(reverse("accounts:dashboard")).content.decode()
    assert "$349.00 is being refunded" in dashboard
    assert "Refunds" in dashboard and "Refunded" in dashboard
    # One confirmation to the attendee (here also the buyer), none twice.
    assert [m.to for m in mail.outbox] == [["maya.chen@example.com"]]
    assert "Refund: $349.00" in mail.outbox[0].body


def test_partial_refund_between_the_deadlines_keeps_the_other_seat(
    client, buyer, stripe_fake, run_on_commit
):
    session, ticket = _session(days=10, partial_days=7, percent=50)
    order = paid_order(
        buyer, session, ticket, [("Maya Chen", buyer.email), ("Jonas Weber", "jonas@example.com")]
    )
    jonas = _seat(order, 1)
    client.force_login(buyer)
    page = client.get(_cancel_url(jonas)).content.decode()
    assert "50 % refund" in page and "$174.50" in page
    assert "The full-refund deadline passed on" in page

    with run_on_commit():
        client.post(_cancel_url(jonas), {"expected_amount": "17450"})
    order.refresh_from_db()
    assert (order.status, order.amount_refunded) == (OrderStatus.PARTIALLY_REFUNDED, 17450)
    assert _seat(order, 0).status == RegistrationStatus.CONFIRMED
    assert _seat(order, 1).status == RegistrationStatus.CANCELLED
    assert [r["amount"] for r in stripe_fake.refunds.values()] == [17450]
    # Attendee and buyer are told, once each.
    assert sorted(m.to[0] for m in mail.outbox) == ["jonas@example.com", buyer.email]
    assert "The registration of Jonas Weber" in next(
        m.body for m in mail.outbox if m.to == [buyer.email]
    )


def test_after_the_deadline_no_refund_is_offered_but_the_seat_can_be_freed(
    client, buyer, stripe_fake, run_on_commit
):
    session, ticket = _session(days=5, partial_days=7)
    order = paid_order(buyer, session, ticket)
    seat = _seat(order)
    client.force_login(buyer)
    page = client.get(_cancel_url(seat)).content.decode()
    assert "No refund" in page and "The refund deadline passed on" in page
    assert "Cancel registration without refund" in page

    with run_on_commit():
        client.post(_cancel_url(seat), {"expected_amount": "0"})
    seat.refresh_from_db()
    assert seat.status == RegistrationStatus.CANCELLED
    assert Refund.objects.count() == 0 and not stripe_fake.refunds
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.amount_refunded == 0
    assert "No refund is due" in mail.outbox[0].body


def test_free_ticket_has_nothing_to_refund(client, buyer, stripe_fake, run_on_commit):
    session, ticket = _session(days=30, price=0)
    order = services.order_create(
        buyer=buyer,
        session_id=session.pk,
        requests=[services.SeatRequest(ticket.pk, "Maya Chen", buyer.email)],
    )
    client.force_login(buyer)
    seat = _seat(order)
    assert "free ticket" in client.get(_cancel_url(seat)).content.decode()
    with run_on_commit():
        client.post(_cancel_url(seat), {"expected_amount": "0"})
    seat.refresh_from_db()
    assert seat.status == RegistrationStatus.CANCELLED
    assert not Refund.objects.exists() and not stripe_fake.requests


def test_double_submit_makes_one_refund_at_stripe(client, buyer, stripe_fake, run_on_commit):
    session, ticket = _session(days=30)
    seat = _seat(paid_order(buyer, session, ticket))
    client.force_login(buyer)
    with run_on_commit():
        client.post(_cancel_url(seat), {"expected_amount": "34900"})
    with run_on_commit():
        second = client.post(_cancel_url(seat), {"expected_amount": "34900"})
    assert second.status_code == 409
    assert "already canceled" in second.content.decode()
    assert Refund.objects.count() == 1 and len(stripe_fake.refunds) == 1

    # A retried task asks Stripe again with the same idempotency key: the fake replays
    # its first answer (the same refund), so Stripe still holds one refund.
    refund = Refund.objects.get()
    first_id = refund.stripe_refund_id
    Refund.objects.filter(pk=refund.pk).update(stripe_refund_id="", status=RefundStatus.PENDING)
    tasks.refund_submit.delay(refund.pk)
    refund.refresh_from_db()
    assert refund.stripe_refund_id == first_id and len(stripe_fake.refunds) == 1
    assert len(mail.outbox) == 1


def test_stripe_outage_leaves_the_refund_pending_until_the_retry_job_sends_it(
    client, buyer, stripe_fake, run_on_commit
):
    session, ticket = _session(days=30)
    order = paid_order(buyer, session, ticket)
    seat = _seat(order)
    client.force_login(buyer)
    stripe_fake.network_down("post", r"/v1/refunds")
    with run_on_commit():
        response = client.post(_cancel_url(seat), {"expected_amount": "34900"})
    assert response.status_code == 302  # the attendee is not bothered with the outage
    refund = Refund.objects.get()
    assert refund.status == RefundStatus.PENDING and refund.stripe_refund_id == ""
    assert "Could not connect to Stripe" in refund.last_error and refund.attempts == 1
    seat.refresh_from_db()
    assert seat.status == RegistrationStatus.CANCELLED  # the seat is free already
    assert "Being sent to Stripe" in client.get(reverse("accounts:dashboard")).content.decode()
    order.refresh_from_db()
    assert order.amount_refunded == 0  # not counted until Stripe has it

    # Too soon for the beat job: a task may still be retrying it.
    assert services.refunds_retry() == 0
    later = timezone.now() + datetime.timedelta(minutes=5)
    with run_on_commit():
        assert services.refunds_retry(now=later) == 1
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED and refund.attempts == 2
    assert refund.last_error == ""
    order.refresh_from_db()
    assert (order.status, order.amount_refunded) == (OrderStatus.REFUNDED, 34900)
    assert len(stripe_fake.refunds) == 1


def test_a_refund_stripe_made_whose_answer_was_lost_is_found_not_repeated(
    buyer, stripe_fake, django_capture_on_commit_callbacks
):
    session, ticket = _session(days=30)
    order = paid_order(buyer, session, ticket)
    with django_capture_on_commit_callbacks(execute=False):
        refund = services.refund_request(
            order_id=order.pk, amount=10000, reason=RefundReason.STAFF, note="Goodwill"
        )
    services.refund_submit(refund_id=refund.pk)  # attempt 1 reaches Stripe...
    made = next(iter(stripe_fake.refunds.values()))
    Refund.objects.filter(pk=refund.pk).update(stripe_refund_id="", status="pending")
    # ...but its answer is lost and the key now only answers with an error: the next
    # attempt looks the refund up by the key in its metadata instead of refunding again.
    stripe_fake.idempotency[refund.idempotency_key] = ("x", (500, "{}"))
    services.refund_submit(refund_id=refund.pk)
    refund.refresh_from_db()
    assert refund.stripe_refund_id == made["id"] and refund.status == RefundStatus.SUCCEEDED
    assert len(stripe_fake.refunds) == 1


def test_refund_stripe_refuses_fails_and_flags_the_order_for_staff(
    client, buyer, stripe_fake, run_on_commit
):
    session, ticket = _session(days=30)
    order = paid_order(buyer, session, ticket)
    client.force_login(buyer)
    stripe_fake.network_down("post", r"/v1/refunds")
    with run_on_commit():
        client.post(_cancel_url(_seat(order)), {"expected_amount": "34900"})
    stripe_fake.dashboard_refund(order.stripe_payment_intent_id)  # someone refunded it all
    stripe_fake.take_events()  # ...and its webhook has not arrived yet
    refund = Refund.objects.get()
    services.refund_submit(refund_id=refund.pk)
    refund.refresh_from_db()
    assert refund.status == RefundStatus.FAILED and "already been refunded" in refund.last_error
    order.refresh_from_db()
    assert order.needs_attention and "refused by Stripe" in order.attention_note
    assert services.refunds_retry(now=timezone.now() + datetime.timedelta(hours=2)) == 0


def test_refund_stays_pending_until_stripe_confirms_it(
    client, buyer, stripe_fake, run_on_commit, deliver
):
    session, ticket = _session(days=30)
    order = paid_order(buyer, session, ticket)
    client.force_login(buyer)
    stripe_fake.refunds_settle_later = True
    with run_on_commit():
        client.post(_cancel_url(_seat(order)), {"expected_amount": "34900"})
    refund = Refund.objects.get()
    assert refund.status == RefundStatus.PENDING and refund.stripe_refund_id
    assert "Pending at Stripe" in client.get(reverse("accounts:dashboard")).content.decode()
    assert "Pending at Stripe" in client.get(order.get_absolute_url()).content.decode()
    deliver()  # charge.refunded + refund.created: still pending
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PENDING

    stripe_fake.refund_settle(refund.stripe_refund_id)
    deliver()  # refund.updated
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED
    assert "Pending at Stripe" not in client.get(reverse("accounts:dashboard")).content.decode()
    assert Refund.objects.count() == 1


def test_refund_made_in_stripe_dashboard_is_reflected(client, buyer, stripe_fake, deliver):
    session, ticket = _session(days=30)
    order = paid_order(
        buyer, session, ticket, [("Maya Chen", buyer.email), ("Jonas Weber", "jonas@example.com")]
    )
    stripe_fake.dashboard_refund(order.stripe_payment_intent_id, 5000)
    assert deliver() == [200, 200]
    order.refresh_from_db()
    assert (order.status, order.amount_refunded) == (OrderStatus.PARTIALLY_REFUNDED, 5000)
    refund = Refund.objects.get()
    assert refund.reason == RefundReason.STRIPE and refund.status == RefundStatus.SUCCEEDED
    client.force_login(buyer)
    assert "$50.00" in client.get(reverse("accounts:dashboard")).content.decode()
    # The seat's quote now leaves room for what is left on the order only.
    client.force_login(buyer)
    page = client.get(_cancel_url(_seat(order, 1))).content.decode()
    assert "$349.00" in page


def test_webhook_before_our_task_fills_the_pending_row_not_a_second_one(
    buyer, stripe_fake, deliver, django_capture_on_commit_callbacks
):
    session, ticket = _session(days=30)
    order = paid_order(buyer, session, ticket)
    with django_capture_on_commit_callbacks(execute=False):
        refund = services.refund_request(
            order_id=order.pk, amount=34900, reason=RefundReason.STAFF, note="Duplicate booking"
        )
    # Stripe makes the refund and its events arrive before our task stores the answer.
    gateway.refund_create(
        payment_intent_id=order.stripe_payment_intent_id,
        amount=34900,
        reason=RefundReason.STAFF,
        key=refund.idempotency_key,
        metadata={"refund_key": refund.idempotency_key, "order_reference": str(order.reference)},
    )
    deliver()
    refund.refresh_from_db()
    assert refund.stripe_refund_id and refund.status == RefundStatus.SUCCEEDED
    services.refund_submit(refund_id=refund.pk)  # the task's own run: a no-op
    assert Refund.objects.count() == 1 and len(stripe_fake.refunds) == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED


def test_only_the_buyer_may_cancel(client, buyer, stripe_fake):
    session, ticket = _session(days=30)
    seat = _seat(paid_order(buyer, session, ticket))
    assert client.get(_cancel_url(seat)).status_code == 302  # to sign in
    client.force_login(UserFactory())
    assert client.get(_cancel_url(seat)).status_code == 404
    assert client.post(_cancel_url(seat), {"expected_amount": "34900"}).status_code == 404
    seat.refresh_from_db()
    assert seat.status == RegistrationStatus.CONFIRMED and not Refund.objects.exists()


def test_started_or_cancelled_registrations_cannot_be_cancelled(client, buyer, stripe_fake):
    session, ticket = _session(days=30)
    order = paid_order(buyer, session, ticket)
    seat = _seat(order)
    client.force_login(buyer)
    started = timezone.now() - datetime.timedelta(hours=1)
    type(session).objects.filter(pk=session.pk).update(starts_at=started)
    page = client.get(_cancel_url(seat)).content.decode()
    assert "already started" in page and "Cancel and refund" not in page
    response = client.post(_cancel_url(seat), {"expected_amount": "0"})
    assert response.status_code == 409
    seat.refresh_from_db()
    assert seat.status == RegistrationStatus.CONFIRMED and not Refund.objects.exists()

    other = RegistrationFactory(
        ticket_type=ticket, buyer=buyer, status=RegistrationStatus.CANCELLED
    )
    assert "already canceled" in client.get(_cancel_url(other)).content.decode()


def test_a_deadline_passing_before_confirming_shows_the_new_amount(client, buyer, stripe_fake):
    session, ticket = _session(days=10, partial_days=7)
    seat = _seat(paid_order(buyer, session, ticket))
    client.force_login(buyer)
    # The page was opened while the full refund applied; now only 50 % does.
    response = client.post(_cancel_url(seat), {"expected_amount": "34900"})
    assert response.status_code == 409
    body = response.content.decode()
    assert "The refund has changed" in body and "$174.50" in body
    seat.refresh_from_db()
    assert seat.status == RegistrationStatus.CONFIRMED and not Refund.objects.exists()


def test_demo_therapist_can_cancel_the_demo_order_within_policy(
    client, demo_site, stripe_fake, monkeypatch, run_on_commit
):
    """The demo order was never paid through this process's fake Stripe (as after a
    restart of `make run`): the fake re-learns the payment from our records."""
    from django.core.management import call_command

    from demo import content
    from stripe_fake.restore import known_payment

    monkeypatch.setattr(stripe_fake, "restore_payment", known_payment)
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 - idempotent
    order = Order.objects.get(
        buyer__email=content.THERAPIST_EMAIL, stripe_payment_intent_id__startswith="pi_demo_"
    )
    client.force_login(order.buyer)
    seat = _seat(order)
    assert _cancel_url(seat) in client.get(reverse("accounts:dashboard")).content.decode()
    assert "Full refund" in client.get(_cancel_url(seat)).content.decode()
    with run_on_commit():
        client.post(_cancel_url(seat), {"expected_amount": str(order.total_amount)})
    refund = Refund.objects.get(order=order)
    assert refund.status == RefundStatus.SUCCEEDED and refund.amount == order.total_amount
