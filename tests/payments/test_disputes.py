"""Disputes (chargebacks): ``charge.dispute.*`` events in any order and any number of
times end in the same state; staff hear once; a lost dispute ends masterclass access and a
won one clears the flag; buyers and staff see it on the order."""

import itertools
import json

from django.core import mail
from django.urls import reverse

import pytest

from courses.models import AccessGrant
from courses.selectors import user_can_watch_masterclass
from payments.models import Dispute, DisputeStatus, Order, StripeEvent
from stripe_fake.delivery import event_deliver
from tests.factories import MasterclassFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def masterclass(db):
    return MasterclassFactory(title="Shoulder Rehab in Practice", price_amount=8900)


@pytest.fixture
def owner(db):
    return UserFactory(email="owner@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def bought(client, user, masterclass, stripe_fake, deliver) -> Order:
    """A paid masterclass order (lifetime access granted), its events delivered."""
    client.force_login(user)
    response = client.post(
        reverse("payments:masterclass_buy", kwargs={"masterclass_id": masterclass.pk})
    )
    assert response.status_code == 302
    order = Order.objects.latest("pk")
    stripe_fake.checkout_pay(order.stripe_checkout_session_id)
    deliver()
    order.refresh_from_db()
    assert user_can_watch_masterclass(user=user, masterclass=masterclass)
    mail.outbox.clear()
    return order


def _dispute_events(stripe_fake, order: Order, *, won: bool) -> list:
    """The three events of a dispute that is answered and decided, not yet delivered."""
    dispute = stripe_fake.dispute_open(order.stripe_payment_intent_id, reason="fraudulent")
    stripe_fake.dispute_submit_evidence(dispute["id"])
    stripe_fake.dispute_close(dispute["id"], won=won)
    events = stripe_fake.take_events()
    assert [e.type for e in events] == [
        "charge.dispute.created",
        "charge.dispute.updated",
        "charge.dispute.closed",
    ]
    return events


def _staff_alerts() -> list:
    return [
        m for m in mail.outbox if m.subject.startswith("[PhysioMassage Academy] Payment disputed")
    ]


@pytest.fixture
def dispute_delivered(bought, owner, stripe_fake, django_capture_on_commit_callbacks):
    """Open, answer and close a dispute of ``bought``, then deliver its three events in
    ``order`` (indexes) followed by ``again`` (duplicates); returns our row."""

    def _deliver(*, won: bool, order: tuple, again: tuple) -> Dispute:
        events = _dispute_events(stripe_fake, bought, won=won)
        with django_capture_on_commit_callbacks(execute=True):
            for index in [*order, *again]:
                assert event_deliver(events[index]) == 200
        bought.refresh_from_db()
        assert StripeEvent.objects.filter(type__startswith="charge.dispute").count() == 3
        assert len(_staff_alerts()) == 1
        return Dispute.objects.get()

    return _deliver


@pytest.mark.parametrize("order_of_delivery", list(itertools.permutations(range(3))))
def test_a_lost_dispute_ends_the_same_whatever_the_order_and_duplicates(
    dispute_delivered, bought, user, masterclass, order_of_delivery
):
    dispute = dispute_delivered(won=False, order=order_of_delivery, again=order_of_delivery[:2])
    assert dispute.status == DisputeStatus.LOST and dispute.closed_at is not None
    assert (dispute.amount, dispute.currency, dispute.reason) == (8900, "usd", "fraudulent")
    assert bought.needs_attention
    assert bought.attention_note.startswith("Dispute lost (Fraudulent): $89.00 taken back")
    assert "masterclass access revoked" in bought.attention_note
    assert not user_can_watch_masterclass(user=user, masterclass=masterclass)
    assert AccessGrant.objects.get().revoked_at is not None


@pytest.mark.parametrize("order_of_delivery", [(0, 1, 2), (2, 0, 1), (1, 2, 0)])
def test_a_won_dispute_clears_the_flag_and_keeps_access(
    dispute_delivered, bought, user, masterclass, order_of_delivery
):
    # The opening event comes again, long after the decision.
    dispute = dispute_delivered(won=True, order=order_of_delivery, again=(0,))
    assert dispute.status == DisputeStatus.WON
    assert not bought.needs_attention and bought.attention_note == ""
    assert user_can_watch_masterclass(user=user, masterclass=masterclass)


def test_an_open_dispute_flags_the_order_and_e_mails_staff_once(
    bought, owner, stripe_fake, deliver
):
    UserFactory(email="editor@example.com", is_staff=True)  # no money permission: not told
    dispute = stripe_fake.dispute_open(
        bought.stripe_payment_intent_id, reason="product_not_received"
    )
    (created,) = stripe_fake.take_events()
    stripe_fake.outbox.extend([created, created])
    deliver()
    bought.refresh_from_db()
    assert bought.needs_attention
    assert bought.attention_note.startswith(
        "Dispute opened (Product not received) over $89.00, respond in Stripe by "
    )
    (alert,) = _staff_alerts()
    assert alert.to == ["owner@example.com"]
    assert "Shoulder Rehab in Practice" in alert.body and "Respond in Stripe by" in alert.body
    html = alert.alternatives[0].content
    assert "Respond in Stripe" in html and f"/payments/test-dispute/{dispute['id']}/" in html
    assert reverse("orders:inspect", args=[bought.pk]) in alert.body
    # The task run again (at-least-once delivery of the outbox) sends nothing more.
    from payments import emails

    assert emails.dispute_staff_notice_send(dispute_id=Dispute.objects.get().pk) is False
    assert len(_staff_alerts()) == 1

    stripe_fake.dispute_submit_evidence(dispute["id"])
    deliver()
    bought.refresh_from_db()
    assert "evidence submitted, awaiting the bank" in bought.attention_note


def test_buyer_and_staff_see_the_dispute_on_the_order(client, bought, owner, stripe_fake, deliver):
    dispute = stripe_fake.dispute_open(bought.stripe_payment_intent_id)
    deliver()
    page = client.get(bought.get_absolute_url()).content.decode()
    assert "Payment disputed with your bank" in page
    assert "Your bank told us you dispute this payment of $89.00" in page

    client.force_login(owner)
    inspect = client.get(reverse("orders:inspect", args=[bought.pk])).content.decode()
    assert "Needs a response" in inspect and dispute["id"] in inspect
    assert "Dispute opened (Fraudulent)" in inspect
    listing = client.get(reverse("orders:index"), {"needs_attention": "true"}).content.decode()
    assert bought.number in listing

    stripe_fake.dispute_close(dispute["id"], won=False)
    deliver()
    client.force_login(bought.buyer)
    page = client.get(bought.get_absolute_url()).content.decode()
    assert "returned $89.00 to you. Access to this masterclass has ended." in page


def test_a_dispute_of_a_payment_we_do_not_know_changes_nothing(bought, stripe_fake, deliver):
    stripe_fake.dispute_open(bought.stripe_payment_intent_id)
    (event,) = stripe_fake.take_events()
    payload = json.loads(event.payload)
    payload["data"]["object"]["payment_intent"] = "pi_somebody_else"
    event.payload = json.dumps(payload)
    stripe_fake.outbox.append(event)
    assert deliver() == [200]
    bought.refresh_from_db()
    assert not Dispute.objects.exists() and not bought.needs_attention
    assert StripeEvent.objects.get(type="charge.dispute.created").processed_at is not None


def test_the_local_test_payment_page_can_pay_and_then_dispute(
    client, user, masterclass, owner, stripe_fake, django_capture_on_commit_callbacks
):
    client.force_login(user)
    client.post(reverse("payments:masterclass_buy", kwargs={"masterclass_id": masterclass.pk}))
    order = Order.objects.latest("pk")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/payments/test-checkout/{order.stripe_checkout_session_id}/",
            {"action": "pay_dispute"},
        )
    assert response.status_code == 302
    order.refresh_from_db()
    dispute = Dispute.objects.get(order=order)
    assert order.status == "paid" and order.needs_attention
    page = f"/payments/test-dispute/{dispute.stripe_dispute_id}/"
    assert "Submit evidence" in client.get(page).content.decode()

    refused = client.post(page, {"action": "shrug"})
    assert refused.status_code == 400 and "Choose one of the actions" in refused.content.decode()
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.NEEDS_RESPONSE

    with django_capture_on_commit_callbacks(execute=True):
        decided = client.post(page, {"action": "won"})
    assert "The bank decided for you: won." in decided.content.decode()
    order.refresh_from_db()
    assert Dispute.objects.get().status == DisputeStatus.WON and not order.needs_attention
    assert client.get("/payments/test-dispute/dp_nobody/").status_code == 404
