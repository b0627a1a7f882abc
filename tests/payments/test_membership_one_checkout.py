"""One membership checkout open per person: a second tab is refused with a way to finish
the first; a double click, a cancelled checkout, an expired one or Stripe being away never
leaves the member stuck."""

import uuid

from django.urls import reverse

import pytest

from payments.models import MembershipCheckout
from tests.payments.helpers import membership_checkout

pytestmark = pytest.mark.django_db

JOIN = reverse("payments:membership_join")


def _open_sessions(stripe_fake) -> list[str]:
    return [s["id"] for s in stripe_fake.checkout_sessions.values() if s["status"] == "open"]


def test_a_second_tab_is_refused_with_a_link_to_the_open_checkout(member_client, stripe_fake):
    first = membership_checkout(member_client, "monthly")
    response = member_client.post(JOIN, {"plan": "annual", "attempt": str(uuid.uuid4())})
    assert response.status_code == 409
    body = response.content.decode()
    assert "You already started joining in another tab or window." in body
    assert f'href="/payments/test-checkout/{first}/"' in body and "Continue that payment" in body
    assert list(stripe_fake.checkout_sessions) == [first]


def test_a_double_click_reuses_the_same_checkout(member_client, stripe_fake):
    data = {"plan": "monthly", "attempt": str(uuid.uuid4())}
    first, second = (member_client.post(JOIN, data) for _ in range(2))
    assert first.status_code == second.status_code == 302 and first.url == second.url
    assert len(stripe_fake.checkout_sessions) == 1


def test_coming_back_without_paying_lets_the_member_choose_again(member_client, stripe_fake):
    first = membership_checkout(member_client, "monthly")
    assert member_client.get(JOIN + "?cancelled=1").status_code == 200
    assert stripe_fake.checkout_sessions[first]["status"] == "expired"
    second = membership_checkout(member_client, "annual")
    assert _open_sessions(stripe_fake) == [second]


def test_a_checkout_that_expired_at_stripe_no_longer_blocks(member_client, stripe_fake):
    first = membership_checkout(member_client, "monthly")
    stripe_fake.checkout_expire(first)  # the tab was closed; Stripe expired it
    stripe_fake.take_events()
    second = membership_checkout(member_client, "monthly")
    assert second != first and MembershipCheckout.objects.filter(closed_at=None).count() == 1


def test_stripe_away_gives_the_claim_back(member_client, stripe_fake):
    stripe_fake.network_down("post", r"/v1/checkout/sessions", times=1)
    response = member_client.post(JOIN, {"plan": "monthly", "attempt": str(uuid.uuid4())})
    assert response.status_code == 400
    assert "We could not reach our payment provider" in response.content.decode()
    assert not MembershipCheckout.objects.exists()
    assert membership_checkout(member_client, "monthly")
