"""Issue 12, row "Redis down = site down": with Redis at a closed port every page must
still answer (uncached) and /healthz must say "degraded" rather than fail."""

import logging

import pytest

from config.cache import redis_cache_settings
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PRODUCTION_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key", "signup": "20/m/ip"}


@pytest.fixture
def redis_down(settings, closed_port):
    settings.CACHES = redis_cache_settings(f"redis://127.0.0.1:{closed_port}/9")
    settings.PAGE_CACHE_SECONDS = 5
    settings.ACCOUNT_RATE_LIMITS = PRODUCTION_RATE_LIMITS
    settings.CELERY_BROKER_URL = "memory://"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Overrides the suite's cache.clear(): that would itself hit the closed port."""
    yield


def test_public_pages_render_without_the_cache(client, page_tree, redis_down, caplog):
    caplog.set_level(logging.WARNING, logger="config.cache")
    from config.cache import FailOpenRedisCache

    FailOpenRedisCache._last_warning = 0.0
    masterclass_pages = [page_tree.masterclasses.url, page_tree.series.url, page_tree.lesson.url]
    for url in ["/", "/workshops/", page_tree.workshop.url, "/accounts/login/", *masterclass_pages]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "X-Page-Cache" not in response or response["X-Page-Cache"] == "miss"
    assert "cache unreachable" in caplog.text


def test_members_masterclass_pages_render_without_the_cache(client, page_tree, redis_down):
    from tests.factories import AccessGrantFactory

    member = UserFactory()
    AccessGrantFactory(user=member)
    client.force_login(member)
    for url in [page_tree.masterclasses.url, page_tree.series.url, page_tree.lesson.url]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Included in your membership" in response.content.decode() or "<video" in (
            response.content.decode()
        )


def test_login_and_checkout_work_without_the_cache(client, page_tree, redis_down, password):
    user = UserFactory()
    response = client.post("/accounts/login/", {"login": user.email, "password": password})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)  # sessions live in the database
    session = page_tree.sessions[0]
    response = client.get(f"/payments/register/{session.pk}/", {"ticket_1": 1})
    assert response.status_code == 200


def test_failed_logins_still_answer_when_rate_limit_counters_are_unreachable(
    client, redis_down, password
):
    user = UserFactory()
    for _ in range(3):
        response = client.post("/accounts/login/", {"login": user.email, "password": "wrong"})
        assert response.status_code == 200
    assert "not correct" in response.content.decode()


def test_rate_limits_fail_open_when_their_counters_are_unreachable(
    client, page_tree, redis_down, settings
):
    """Seat holds, waiting-list joins and progress are limited on the cache: with the
    cache gone every request goes through (and is logged), none is refused or fails."""
    settings.RATELIMIT_ENABLE = True
    settings.RATE_LIMITS = {"seat_hold": {"user": "1/h", "ip": "1/h"}}
    client.force_login(UserFactory())
    session = page_tree.sessions[0]
    for _ in range(3):
        response = client.post(f"/payments/register/{session.pk}/", {})
        assert response.status_code == 200  # the form again (nothing chosen), not a 429


def test_healthz_is_degraded_not_down(client, redis_down):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "database": "ok",
        "cache": "error: ConnectionError",
        "broker": "ok",
        "status": "degraded",
    }


def test_healthz_reports_a_broker_at_a_closed_port(client, settings, closed_port):
    from config.celery_app import app

    working = app.conf.broker_url
    settings.CELERY_BROKER_URL = app.conf.broker_url = f"redis://127.0.0.1:{closed_port}/9"
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = working
    assert response.status_code == 200
    body = response.json()
    assert body["broker"].startswith("error:")
    assert body["status"] == "degraded"


def test_a_registration_post_is_answered_by_the_view_when_the_seats_figure_is_unreachable(
    client, redis_down
):
    """The early sold-out answer (config/sold_out.py) needs the remembered figure: without
    the cache the view counts, and still grants or refuses."""
    from tests.factories import TicketTypeFactory
    from tests.payments.helpers import attendee_post, register_url

    ticket = TicketTypeFactory(session__capacity=1)
    client.force_login(UserFactory())
    form = attendee_post([(ticket.pk, "Rush Buyer", "buyer@example.com")])
    url = register_url(ticket.session, **{str(ticket.pk): 1})
    assert client.post(url, form).status_code == 302  # the last seat
    page = client.post(url, form).content.decode()
    assert "We could not reserve these seats." in page


def test_a_past_due_member_sees_the_banner_without_the_cache(client, page_tree, redis_down):
    from django.utils import timezone

    from payments.models import Membership, MembershipStatus

    user = UserFactory()
    Membership.objects.create(
        user=user,
        stripe_customer_id="cus_banner",
        stripe_subscription_id="sub_banner",
        plan="monthly",
        status=MembershipStatus.PAST_DUE,
        synced_at=timezone.now(),
    )
    client.force_login(user)
    for _ in range(2):  # nothing remembered: asked of the database each time
        assert "Your last membership payment failed" in client.get("/").content.decode()
