"""Subscription webhooks: in any order and duplicated they converge on Stripe's state;
renewals extend access, failed payments keep it to the period end with a banner,
cancellations end it."""

import datetime
import itertools
import random

from django.urls import reverse
from django.utils import timezone

import pytest

from courses.models import AccessGrant
from courses.selectors import user_can_watch_masterclass
from payments import gateway, tasks
from payments.models import Membership, MembershipStatus, StripeEvent
from payments.services import memberships
from stripe_fake import billing
from stripe_fake.delivery import event_deliver
from tests.factories import MasterclassFactory, UserFactory

pytestmark = pytest.mark.django_db

BANNER = "Your last membership payment failed — update your card"


def _subscribe(stripe_fake, user, plan: str = "monthly") -> str:
    """The member pays on Stripe's page (no return visit): only webhooks will tell us."""
    checkout = gateway.membership_checkout_create(
        user_id=user.pk,
        email=user.email,
        customer_id="",
        plan=plan,
        price=memberships.plan_price(plan=plan),
        attempt="0b7e4a3c-1d2e-4f5a-8b9c-0d1e2f3a4b5c",
        success_url="http://testserver/payments/membership/welcome/",
        cancel_url="http://testserver/payments/membership/",
    )
    stripe_fake.checkout_pay(checkout["id"])
    return stripe_fake.checkout_sessions[checkout["id"]]["subscription"]


def _period_end(stripe_fake, subscription_id: str) -> datetime.datetime:
    item = stripe_fake.subscriptions[subscription_id]["items"]["data"][0]
    return datetime.datetime.fromtimestamp(item["current_period_end"], tz=datetime.UTC)


def _state(user) -> tuple:
    membership = Membership.objects.get(user=user)
    grants = list(AccessGrant.objects.filter(user=user).values_list("ends_at", "revoked_at"))
    return (
        membership.status,
        membership.current_period_end,
        membership.cancel_at_period_end,
        membership.ended_at,
        grants,
    )


def _deliver_all(events, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert {event_deliver(event) for event in events} == {200}


@pytest.mark.parametrize("permutation", list(itertools.permutations(range(4))))
def test_join_events_in_any_order_and_duplicated_converge(
    user, stripe_fake, django_capture_on_commit_callbacks, permutation
):
    subscription_id = _subscribe(stripe_fake, user)
    events = stripe_fake.take_events()
    events.append(events[1])  # invoice.paid delivered twice
    _deliver_all([events[i] for i in permutation], django_capture_on_commit_callbacks)
    end = _period_end(stripe_fake, subscription_id)
    assert _state(user) == ("active", end, False, None, [(end, None)])
    assert StripeEvent.objects.filter(processed_at__isnull=False).count() == 3
    assert user_can_watch_masterclass(user=user, masterclass=MasterclassFactory())


@pytest.mark.parametrize("seed", range(6))
def test_a_whole_lifecycle_delivered_shuffled_with_duplicates_converges(
    user, stripe_fake, django_capture_on_commit_callbacks, seed
):
    """Join, a declined renewal, the card fixed, then a cancellation: however the events
    arrive, every sync reads the subscription as it is now: cancelled."""
    subscription_id = _subscribe(stripe_fake, user)
    billing.subscription_renew(subscription_id, paid=False)
    billing.subscription_pay_open_invoice(subscription_id)
    billing.subscription_cancel(subscription_id)
    events = stripe_fake.take_events()
    shuffled = events + random.Random(seed).sample(events, 3)
    random.Random(seed).shuffle(shuffled)
    _deliver_all(shuffled, django_capture_on_commit_callbacks)
    status, _, _, ended_at, grants = _state(user)
    assert status == "canceled" and ended_at is not None
    # Every sync read the cancelled subscription, so no access was ever opened.
    assert grants == []
    assert not user_can_watch_masterclass(user=user, masterclass=MasterclassFactory())


def test_invoice_paid_extends_access_to_the_new_period(user, stripe_fake, deliver):
    subscription_id = _subscribe(stripe_fake, user)
    deliver()
    first_end = _period_end(stripe_fake, subscription_id)
    assert AccessGrant.objects.get(user=user).ends_at == first_end

    billing.subscription_renew(subscription_id)
    deliver()
    second_end = _period_end(stripe_fake, subscription_id)
    assert second_end > first_end + datetime.timedelta(days=27)
    grant = AccessGrant.objects.get(user=user)
    assert grant.ends_at == second_end
    masterclass = MasterclassFactory()
    after_first = first_end + datetime.timedelta(days=1)
    assert user_can_watch_masterclass(user=user, masterclass=masterclass, at=after_first)


def test_failed_payment_keeps_access_to_the_period_end_and_shows_a_banner(
    client, user, stripe_fake, deliver
):
    subscription_id = _subscribe(stripe_fake, user)
    deliver()
    client.force_login(user)
    assert BANNER not in client.get(reverse("accounts:dashboard")).content.decode()

    billing.subscription_renew(subscription_id, paid=False)
    deliver()
    membership = Membership.objects.get(user=user)
    assert membership.status == MembershipStatus.PAST_DUE
    period_end = _period_end(stripe_fake, subscription_id)
    masterclass = MasterclassFactory()
    assert user_can_watch_masterclass(user=user, masterclass=masterclass)
    assert user_can_watch_masterclass(
        user=user, masterclass=masterclass, at=period_end - datetime.timedelta(minutes=1)
    )
    assert not user_can_watch_masterclass(
        user=user, masterclass=masterclass, at=period_end + datetime.timedelta(seconds=1)
    )

    for page in (reverse("accounts:dashboard"), reverse("payments:membership_join")):
        body = client.get(page).content.decode()
        assert BANNER in body, page
        assert f'href="{reverse("payments:membership_manage")}"' in body
    account = client.get(reverse("accounts:dashboard")).content.decode()
    assert "Payment failed" in account and "Update your card" in account

    # A new card settles the invoice: the banner goes, access carries on.
    billing.subscription_pay_open_invoice(subscription_id)
    deliver()
    assert Membership.objects.get(user=user).status == "active"
    assert BANNER not in client.get(reverse("accounts:dashboard")).content.decode()


def test_a_late_payment_failed_after_recovery_changes_nothing(
    client, user, stripe_fake, deliver, django_capture_on_commit_callbacks
):
    subscription_id = _subscribe(stripe_fake, user)
    deliver()
    billing.subscription_renew(subscription_id, paid=False)
    failed = stripe_fake.take_events()
    billing.subscription_pay_open_invoice(subscription_id)
    deliver()  # the recovery arrives first...
    _deliver_all(failed + failed, django_capture_on_commit_callbacks)  # ...then the failure, twice
    assert Membership.objects.get(user=user).status == "active"
    assert AccessGrant.objects.get(user=user).ends_at == _period_end(stripe_fake, subscription_id)
    client.force_login(user)
    assert BANNER not in client.get(reverse("accounts:dashboard")).content.decode()


def test_banner_is_for_the_member_only(client, user, stripe_fake, deliver):
    subscription_id = _subscribe(stripe_fake, user)
    billing.subscription_renew(subscription_id, paid=False)
    deliver()
    assert BANNER not in client.get(reverse("accounts:dashboard")).content.decode()
    client.force_login(UserFactory())
    assert BANNER not in client.get(reverse("accounts:dashboard")).content.decode()


def test_deleted_subscription_ends_access_now(user, stripe_fake, deliver):
    subscription_id = _subscribe(stripe_fake, user)
    deliver()
    before = timezone.now()
    billing.subscription_cancel(subscription_id)
    deliver()
    membership = Membership.objects.get(user=user)
    assert membership.status == "canceled" and membership.ended_at >= before.replace(microsecond=0)
    grant = AccessGrant.objects.get(user=user)
    # (A grant never ends before it starts: here both fall in the same second.)
    assert abs(grant.ends_at - membership.ended_at) < datetime.timedelta(milliseconds=1)
    assert not user_can_watch_masterclass(user=user, masterclass=MasterclassFactory())


def test_cancel_at_period_end_keeps_access_until_then(user, stripe_fake, deliver):
    subscription_id = _subscribe(stripe_fake, user)
    deliver()
    end = _period_end(stripe_fake, subscription_id)
    billing.subscription_cancel(subscription_id, at_period_end=True)
    deliver()
    membership = Membership.objects.get(user=user)
    assert membership.status == "active" and membership.cancel_at_period_end
    masterclass = MasterclassFactory()
    assert user_can_watch_masterclass(user=user, masterclass=masterclass)

    billing.subscription_renew(subscription_id)  # the period ends: Stripe ends it
    deliver()
    membership.refresh_from_db()
    assert membership.status == "canceled" and membership.ended_at == end
    assert AccessGrant.objects.get(user=user).ends_at == end
    assert user_can_watch_masterclass(
        user=user, masterclass=masterclass, at=end - datetime.timedelta(seconds=1)
    )
    assert not user_can_watch_masterclass(user=user, masterclass=masterclass, at=end)


def test_unpaid_subscription_loses_access(user, stripe_fake, deliver):
    subscription_id = _subscribe(stripe_fake, user)
    billing.subscription_renew(subscription_id, paid=False)
    billing.subscription_mark_unpaid(subscription_id)
    deliver()
    assert Membership.objects.get(user=user).status == "unpaid"
    assert not user_can_watch_masterclass(user=user, masterclass=MasterclassFactory())


def test_an_older_read_never_overwrites_a_newer_one(user, stripe_fake, deliver):
    subscription_id = _subscribe(stripe_fake, user)
    stale = gateway.subscription_retrieve(subscription_id=subscription_id)
    read_stale = timezone.now()
    billing.subscription_cancel(subscription_id)
    deliver()
    memberships.membership_apply(subscription=stale, read_at=read_stale)
    assert Membership.objects.get(user=user).status == "canceled"
    assert not user_can_watch_masterclass(user=user, masterclass=MasterclassFactory())


def test_sync_task_retries_when_stripe_is_unreachable(user, stripe_fake, monkeypatch):
    subscription_id = _subscribe(stripe_fake, user)
    real = gateway.subscription_retrieve
    calls = []

    def flaky(*, subscription_id):
        calls.append(subscription_id)
        if len(calls) == 1:
            raise gateway.GatewayError("Connection reset")
        return real(subscription_id=subscription_id)

    monkeypatch.setattr(gateway, "subscription_retrieve", flaky)
    # Run as a worker would (failures retried, not raised to the caller).
    result = tasks.membership_sync.apply(args=[subscription_id], throw=False)
    assert result.successful()
    assert calls == [subscription_id, subscription_id]
    assert Membership.objects.get(user=user).status == "active"


def test_subscriptions_of_nobody_and_one_off_invoices_are_ignored(
    stripe_fake, django_capture_on_commit_callbacks
):
    user = UserFactory()
    _subscribe(stripe_fake, user)
    events = stripe_fake.take_events()
    user.delete()
    _deliver_all(events, django_capture_on_commit_callbacks)
    assert not Membership.objects.exists()
    assert StripeEvent.objects.filter(processed_at__isnull=True).count() == 0
    assert memberships.subscription_id_of({"object": "invoice", "parent": None}) == ""


def test_invoice_subscription_is_read_from_parent():
    invoice = {
        "object": "invoice",
        "parent": {
            "type": "subscription_details",
            "subscription_details": {"subscription": "sub_123"},
        },
    }
    assert memberships.subscription_id_of(invoice) == "sub_123"
    expanded = {"object": "checkout.session", "subscription": {"id": "sub_456"}}
    assert memberships.subscription_id_of(expanded) == "sub_456"


def test_staff_see_memberships_read_only(client, user, stripe_fake, deliver):
    _subscribe(stripe_fake, user)
    deliver()
    membership = Membership.objects.get()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    index = client.get(reverse("memberships:index")).content.decode()
    assert user.email in index and "Memberships" in index
    assert (
        user.email in client.get(reverse("memberships:index"), {"q": user.email}).content.decode()
    )
    inspect = client.get(reverse("memberships:inspect", args=[membership.pk])).content.decode()
    assert membership.stripe_subscription_id in inspect
    add = client.get(reverse("memberships:add"))
    assert add.status_code == 302 and add.url == reverse("wagtailadmin_home")
    edit = client.post(
        reverse("memberships:edit", args=[membership.pk]), {"cancel_at_period_end": "on"}
    )
    assert edit.status_code == 302 and edit.url == reverse("wagtailadmin_home")
    assert not Membership.objects.get().cancel_at_period_end
    client.force_login(user)
    listing = client.get(reverse("memberships:index"))
    assert listing.status_code == 403  # signed in without admin access: the no-access page
    assert membership.stripe_subscription_id not in listing.content.decode()


def test_lost_renewal_webhook_is_caught_by_the_hourly_resync(user, stripe_fake, deliver):
    subscription_id = _subscribe(stripe_fake, user)
    deliver()
    first_end = _period_end(stripe_fake, subscription_id)
    billing.subscription_renew(subscription_id)
    stripe_fake.take_events()  # Stripe gave up delivering them
    masterclass = MasterclassFactory()
    after = first_end + datetime.timedelta(hours=1)
    assert not user_can_watch_masterclass(user=user, masterclass=masterclass, at=after)

    assert memberships.memberships_resync_overdue(now=first_end - datetime.timedelta(hours=1)) == 0
    assert memberships.memberships_resync_overdue(now=after) == 1
    assert Membership.objects.get(user=user).current_period_end == _period_end(
        stripe_fake, subscription_id
    )
    assert user_can_watch_masterclass(user=user, masterclass=masterclass, at=after)
    assert memberships.memberships_resync_overdue(now=after) == 0


def test_the_banner_costs_no_query_once_known_and_follows_every_change(
    client, user, stripe_fake, deliver
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    subscription_id = _subscribe(stripe_fake, user)
    billing.subscription_renew(subscription_id, paid=False)
    deliver()
    client.force_login(user)
    page = reverse("accounts:privacy")  # a page about something else
    assert BANNER in client.get(page).content.decode()
    with CaptureQueriesContext(connection) as ctx:
        assert BANNER in client.get(page).content.decode()
    assert not any("payments_membership" in q["sql"] for q in ctx.captured_queries)
    # Staff settle it by hand in the admin (a save, no webhook): gone on the next page.
    membership = Membership.objects.get(user=user)
    membership.status = MembershipStatus.ACTIVE
    membership.save()
    assert BANNER not in client.get(page).content.decode()
    membership.status = MembershipStatus.PAST_DUE
    membership.save()
    assert BANNER in client.get(page).content.decode()
    membership.delete()
    assert BANNER not in client.get(page).content.decode()


def test_a_change_another_process_made_shows_on_this_one_within_seconds(
    client, user, stripe_fake, deliver, monkeypatch
):
    """Each process keeps the banner's state a few seconds without asking the cache: a
    change made elsewhere (the webhook in the worker) shows here once those are up."""
    import time

    from django.core.cache import cache

    from payments.selectors.memberships import PAST_DUE_HERE_SECONDS, past_due_key

    subscription_id = _subscribe(stripe_fake, user)
    deliver()
    client.force_login(user)
    page = reverse("accounts:privacy")
    assert BANNER not in client.get(page).content.decode()
    # Elsewhere: the payment fails and that process forgets the shared state only.
    Membership.objects.filter(user=user).update(status=MembershipStatus.PAST_DUE)
    cache.delete(past_due_key(user.pk))
    assert BANNER not in client.get(page).content.decode()  # still kept here
    later = time.monotonic() + PAST_DUE_HERE_SECONDS + 1
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert BANNER in client.get(page).content.decode()
    assert subscription_id
