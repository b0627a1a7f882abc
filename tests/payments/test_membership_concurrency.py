"""On PostgreSQL: the same subscription synced by many deliveries at once (Stripe sends
several events per change, each a task) ends in one membership and one access grant."""

import pytest

from courses.models import AccessGrant
from payments import gateway
from payments.models import Membership
from payments.services import memberships
from tests.concurrency import rush
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 12


def test_concurrent_syncs_of_a_new_subscription_make_one_membership(stripe_fake):
    user = UserFactory()
    checkout = gateway.membership_checkout_create(
        user_id=user.pk,
        email=user.email,
        customer_id="",
        plan="monthly",
        price=memberships.plan_price(plan="monthly"),
        attempt="6a4c1f0e-2b3d-4e5f-8a9b-0c1d2e3f4a5b",
        success_url="http://testserver/payments/membership/welcome/",
        cancel_url="http://testserver/payments/membership/",
    )
    stripe_fake.checkout_pay(checkout["id"])
    subscription_id = stripe_fake.checkout_sessions[checkout["id"]]["subscription"]

    results = rush(lambda i: memberships.membership_sync(subscription_id=subscription_id), THREADS)

    assert all(result is not None for result in results)
    assert Membership.objects.filter(stripe_subscription_id=subscription_id).count() == 1
    grant = AccessGrant.objects.get(user=user)
    assert grant.ends_at == Membership.objects.get().current_period_end
