"""Issue 17, one subscription per person: when two subscriptions still complete for one
person (two tabs paying at once), the newer is refunded and canceled automatically, staff
are e-mailed once, and the member keeps the older one with one welcome and no "canceled"
e-mail, whatever order the webhooks arrive in and however often."""

import itertools
import random

import pytest

from courses.models import AccessGrant
from payments import gateway
from payments.models import Membership, MembershipStatus, Notice, NoticeKind
from payments.services import membership_duplicates, memberships
from stripe_fake.delivery import event_deliver, outbox_deliver
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ATTEMPTS = ("0b7e4a3c-1d2e-4f5a-8b9c-0d1e2f3a4b5c", "9c1d2e3f-4a5b-4c6d-8e7f-001122334455")


def _pay(stripe_fake, user, attempt: str, *, created: int) -> str:
    """One checkout paid on Stripe's page; ``created`` fixes which subscription is older."""
    checkout = gateway.membership_checkout_create(
        user_id=user.pk,
        email=user.email,
        customer_id="",
        plan="monthly",
        price=memberships.plan_price(plan="monthly"),
        attempt=attempt,
        success_url="http://testserver/payments/membership/welcome/",
        cancel_url="http://testserver/payments/membership/",
    )
    stripe_fake.checkout_pay(checkout["id"])
    subscription_id = stripe_fake.checkout_sessions[checkout["id"]]["subscription"]
    stripe_fake.subscriptions[subscription_id]["created"] = created
    return subscription_id


@pytest.fixture
def two_tabs(stripe_fake, user):
    UserFactory(is_staff=True, is_superuser=True, email="owner@example.com")
    older = _pay(stripe_fake, user, ATTEMPTS[0], created=1_700_000_000)
    newer = _pay(stripe_fake, user, ATTEMPTS[1], created=1_700_000_030)
    return older, newer, stripe_fake.take_events()


def _settle(stripe_fake, events, capture) -> None:
    """Deliver ``events``, then whatever our reactions made Stripe send, until quiet."""
    with capture(execute=True):
        assert {event_deliver(event) for event in events} <= {200}
    for _ in range(5):
        with capture(execute=True):
            if not outbox_deliver():
                break


def _refunds_of(stripe_fake, subscription_id: str) -> list[dict]:
    return [
        r
        for r in stripe_fake.refunds.values()
        if (r.get("metadata") or {}).get("duplicate_subscription") == subscription_id
    ]


def _assert_newer_refunded_and_cancelled(stripe_fake, user, older, newer):
    assert stripe_fake.subscriptions[older]["status"] == "active"
    assert stripe_fake.subscriptions[newer]["status"] == "canceled"
    assert Membership.objects.get(stripe_subscription_id=older).status == MembershipStatus.ACTIVE
    assert Membership.objects.get(stripe_subscription_id=newer).status == MembershipStatus.CANCELED
    (refund,) = _refunds_of(stripe_fake, newer)
    assert (refund["amount"], refund["reason"], refund["status"]) == (
        2900,
        "duplicate",
        "succeeded",
    )
    assert _refunds_of(stripe_fake, older) == []
    assert len(stripe_fake.refunds) == 1
    staff = Notice.objects.filter(kind=NoticeKind.MEMBERSHIP_DUPLICATE)
    assert [(n.to, n.membership.stripe_subscription_id) for n in staff] == [
        ("owner@example.com", newer)
    ]
    assert "Refunded $29.00" in staff.get().note
    to_member = Notice.objects.filter(to=user.email)
    assert list(to_member.values_list("kind", flat=True)) == [NoticeKind.MEMBERSHIP_WELCOME]
    live = AccessGrant.objects.filter(user=user, revoked_at=None, source_reference=older)
    assert live.exists()


@pytest.mark.parametrize("order", list(itertools.permutations(range(3)))[:4])
def test_the_newer_is_refunded_and_cancelled_whatever_the_order(
    two_tabs, stripe_fake, user, django_capture_on_commit_callbacks, order, mailoutbox
):
    older, newer, events = two_tabs
    # Three events each: subscription created, invoice paid, checkout completed.
    first, second = events[:3], events[3:]
    shuffled = [second[i] for i in order] + [first[i] for i in reversed(order)]
    shuffled += random.Random(len(order)).sample(events, 3)  # duplicates
    _settle(stripe_fake, shuffled, django_capture_on_commit_callbacks)
    _assert_newer_refunded_and_cancelled(stripe_fake, user, older, newer)
    assert [m.subject for m in mailoutbox if "Duplicate membership" in m.subject] == [
        f"[PhysioMassage Academy] Duplicate membership canceled and refunded: "
        f"{user.full_name} <{user.email}>"
    ]


def test_events_delivered_again_later_change_nothing(
    two_tabs, stripe_fake, user, django_capture_on_commit_callbacks
):
    older, newer, events = two_tabs
    _settle(stripe_fake, events, django_capture_on_commit_callbacks)
    _settle(stripe_fake, list(reversed(events)), django_capture_on_commit_callbacks)
    assert membership_duplicates.membership_duplicates_resolve(user_id=user.pk) == []
    _assert_newer_refunded_and_cancelled(stripe_fake, user, older, newer)


def test_a_refund_made_before_a_failed_cancel_is_not_made_again(
    two_tabs, stripe_fake, user, django_capture_on_commit_callbacks
):
    older, newer, events = two_tabs
    with django_capture_on_commit_callbacks(execute=False):
        for event in events:
            event_deliver(event)
    # Both memberships are billing; Stripe goes away right after the refund.
    memberships.membership_sync(subscription_id=older)
    memberships.membership_sync(subscription_id=newer)
    stripe_fake.network_down("delete", r"/v1/subscriptions/.*")
    with pytest.raises(gateway.GatewayError):
        membership_duplicates.membership_duplicates_resolve(user_id=user.pk)
    assert len(_refunds_of(stripe_fake, newer)) == 1
    assert stripe_fake.subscriptions[newer]["status"] == "active"
    with django_capture_on_commit_callbacks(execute=True):
        assert membership_duplicates.membership_duplicates_resolve(user_id=user.pk) == [newer]
    _settle(stripe_fake, [], django_capture_on_commit_callbacks)
    _assert_newer_refunded_and_cancelled(stripe_fake, user, older, newer)


def test_one_subscription_alone_is_left_alone(
    stripe_fake, user, django_capture_on_commit_callbacks
):
    only = _pay(stripe_fake, user, ATTEMPTS[0], created=1_700_000_000)
    _settle(stripe_fake, stripe_fake.take_events(), django_capture_on_commit_callbacks)
    assert stripe_fake.subscriptions[only]["status"] == "active"
    assert stripe_fake.refunds == {}
    assert not Notice.objects.filter(kind=NoticeKind.MEMBERSHIP_DUPLICATE).exists()
