"""One source of prices: with ``STRIPE_PRICE_*`` set the join page shows what Stripe will
charge (read once, cached, forgotten on ``price.updated``); without, the admin's amounts."""

import re

from django.urls import reverse

import pytest

from payments.models import MembershipSettings
from stripe_fake import billing

pytestmark = pytest.mark.django_db

JOIN = reverse("payments:membership_join")


def _join_page(client) -> dict[str, str]:
    """The price on each plan card of the join page: {"month": "$29.00", "year": ...}."""
    response = client.get(JOIN)
    assert response.status_code == 200
    found = re.findall(
        r'plan-card__price"><strong>([^<]+)</strong> <span>/ (\w+)', response.content.decode()
    )
    return {interval: price for price, interval in found}


def test_without_stripe_prices_the_admins_amounts_are_shown(client, settings):
    settings.STRIPE_PRICE_MONTHLY = settings.STRIPE_PRICE_ANNUAL = ""
    prices = MembershipSettings.load()
    prices.monthly_amount = 3100
    prices.save()
    assert _join_page(client) == {"month": "$31.00", "year": "$290.00"}


def test_the_join_page_shows_stripes_price_cached_until_it_changes(
    client, settings, stripe_fake, deliver
):
    settings.STRIPE_PRICE_ANNUAL = billing.price_add(
        unit_amount=24900, currency="usd", interval="year"
    )
    assert _join_page(client) == {"month": "$29.00", "year": "$249.00"}
    reads = [r for r in stripe_fake.requests if r[1].startswith("/v1/prices/")]
    _join_page(client)
    assert [r for r in stripe_fake.requests if r[1].startswith("/v1/prices/")] == reads

    billing.price_update(settings.STRIPE_PRICE_ANNUAL, unit_amount=25900)
    assert _join_page(client)["year"] == "$249.00"  # the event is not here yet: cached
    deliver()
    assert _join_page(client)["year"] == "$259.00"


def test_a_price_updated_event_about_another_price_changes_nothing(
    client, settings, stripe_fake, deliver
):
    settings.STRIPE_PRICE_MONTHLY = billing.price_add(
        unit_amount=2500, currency="usd", interval="month"
    )
    other = billing.price_add(unit_amount=100, currency="usd", interval="month")
    assert _join_page(client)["month"] == "$25.00"
    billing.price_update(other, unit_amount=200)
    billing.price_update(other, unit_amount=300)
    assert deliver() == [200, 200]
    assert _join_page(client)["month"] == "$25.00"


def test_stripe_unreachable_falls_back_to_the_admins_amounts(client, settings, stripe_fake):
    settings.STRIPE_PRICE_ANNUAL = billing.price_add(
        unit_amount=24900, currency="usd", interval="year"
    )
    stripe_fake.network_down("get", r"/v1/prices/.*", times=10)
    assert _join_page(client)["year"] == "$290.00"


def test_my_account_offers_membership_at_the_price_the_admin_set_last(client, page_tree, settings):
    """The offer on a non-member's My account is kept per content version: a new price
    shows on the next page, with no query for the prices in between."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import UserFactory

    settings.STRIPE_PRICE_MONTHLY = settings.STRIPE_PRICE_ANNUAL = ""
    client.force_login(UserFactory())
    account = reverse("accounts:dashboard")
    assert "from $29.00 a month" in client.get(account).content.decode()
    with CaptureQueriesContext(connection) as ctx:
        assert "from $29.00 a month" in client.get(account).content.decode()
    assert not [q for q in ctx.captured_queries if "membershipsettings" in q["sql"]]
    prices = MembershipSettings.load()
    prices.monthly_amount = 3100
    prices.save()
    assert "from $31.00 a month" in client.get(account).content.decode()
