"""Links handed to Stripe, calendars and crawlers name SITE_URL, not the Host header
that reached this process (an internal address behind the proxy, or a forged one)."""

import pytest

from courses.links import absolute_url
from tests.payments.helpers import membership_checkout

pytestmark = pytest.mark.django_db

PUBLIC = "https://academy.example"
INTERNAL_HOST = "10.0.0.7:8001"


@pytest.fixture
def public_site(settings):
    settings.SITE_URL = PUBLIC


def test_stripe_return_urls_use_the_public_address(member_client, stripe_fake, public_site):
    member_client.defaults["HTTP_HOST"] = INTERNAL_HOST
    checkout = stripe_fake.checkout_sessions[membership_checkout(member_client)]
    assert checkout["success_url"].startswith(f"{PUBLIC}/payments/membership/")
    assert checkout["cancel_url"].startswith(f"{PUBLIC}/payments/membership/")
    assert INTERNAL_HOST not in checkout["success_url"] + checkout["cancel_url"]


def test_robots_names_the_public_sitemap(client, public_site):
    body = client.get("/robots.txt", HTTP_HOST=INTERNAL_HOST).content.decode()
    assert f"Sitemap: {PUBLIC}/sitemap.xml" in body


def test_absolute_url_keeps_absolute_urls_and_empty_links(public_site):
    assert absolute_url("/workshops/") == f"{PUBLIC}/workshops/"
    assert absolute_url("https://cdn.example/a.jpg") == "https://cdn.example/a.jpg"
    assert absolute_url("") == ""
