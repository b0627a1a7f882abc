"""Issue 12, row "no rate limit on seat holds, waiting-list joins, progress API": each is
limited per user and per address, with a page (or JSON) that says what happened, and
the refused request changes nothing."""

import json

from django.test import Client
from django.urls import reverse

import pytest

from courses.models import LessonProgress, WaitlistEntry
from payments.models import Order
from tests.factories import AccessGrantFactory, TicketTypeFactory, UserFactory
from tests.page_tree import lesson_create, lesson_playback_token
from tests.payments.helpers import attendee_post, register_url

pytestmark = pytest.mark.django_db

LIMITS = {
    "seat_hold": {"user": "2/h", "ip": "3/h"},
    "waitlist_join": {"user": "2/h", "ip": "3/h"},
    "lesson_progress": {"user": "2/h", "ip": "3/h"},
}


@pytest.fixture(autouse=True)
def limits_on(settings, monkeypatch):
    settings.RATELIMIT_ENABLE = True
    settings.RATE_LIMITS = LIMITS
    # One fixed moment: a counting window cannot roll over in the middle of a test.
    monkeypatch.setattr("django_ratelimit.core.time.time", lambda: 1_800_000_000.0)


def signed_in(user=None, ip="203.0.113.7") -> Client:
    client = Client(REMOTE_ADDR=ip)
    client.force_login(user or UserFactory())
    return client


def hold_seat(client, ticket):
    session = ticket.session
    seats = [(ticket.pk, "Ana Silva", "ana@example.com")]
    return client.post(register_url(session, **{str(ticket.pk): 1}), attendee_post(seats))


def test_seat_holds_are_limited_per_user_with_a_clear_page():
    ticket = TicketTypeFactory(session__capacity=20, price_amount=0)
    client = signed_in()
    assert hold_seat(client, ticket).status_code == 302
    assert hold_seat(client, ticket).status_code == 302
    orders = Order.objects.count()
    refused = hold_seat(client, ticket)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    html = refused.content.decode()
    assert "<h1>Slow down a little</h1>" in html
    assert "You tried to hold seats many times in a short while" in html
    assert Order.objects.count() == orders  # nothing changed
    # Looking at the page is not limited: only attempts to hold seats count.
    assert client.get(register_url(ticket.session, **{str(ticket.pk): 1})).status_code == 200


def test_seat_holds_are_limited_per_address_across_accounts():
    ticket = TicketTypeFactory(session__capacity=20, price_amount=0)
    statuses = [hold_seat(signed_in(), ticket).status_code for _ in range(4)]
    assert statuses == [302, 302, 302, 429]
    # Someone at another address is not affected.
    assert hold_seat(signed_in(ip="198.51.100.20"), ticket).status_code == 302


def test_the_proxy_header_names_the_address_when_configured(settings):
    settings.CLIENT_IP_HEADER = "X-Real-IP"
    ticket = TicketTypeFactory(session__capacity=20, price_amount=0)
    statuses = [
        hold_seat(signed_in(ip="127.0.0.1"), ticket).status_code
        for _ in range(3)  # three people behind nginx: three different X-Real-IP
    ]
    assert statuses == [302, 302, 302]
    client = signed_in(ip="127.0.0.1")
    client.defaults["HTTP_X_REAL_IP"] = "192.0.2.1"
    assert hold_seat(client, ticket).status_code == 302


def test_waiting_list_joins_are_limited():
    ticket = TicketTypeFactory(session__capacity=0)
    session = ticket.session
    url = reverse("courses:waitlist_join", kwargs={"session_id": session.pk})
    client = signed_in()
    for _ in range(2):
        client.post(url, {})
    entries = WaitlistEntry.objects.count()
    refused = client.post(url, {})
    assert refused.status_code == 429
    assert "join waiting lists" in refused.content.decode()
    assert WaitlistEntry.objects.count() == entries


def test_progress_api_answers_json_429():
    user = UserFactory()
    AccessGrantFactory(user=user)
    token = lesson_playback_token(user, lesson_create())
    client = signed_in(user)

    def save(position):
        body = json.dumps({"token": token, "position": position, "duration": 600})
        return client.post("/learn/video/progress/", body, content_type="application/json")

    assert [save(10).status_code, save(20).status_code] == [200, 200]
    refused = save(30)
    assert refused.status_code == 429
    assert refused.json()["error"].startswith("Too many requests: you tried to save lesson")
    assert refused.json()["retry_after"] == 60
    assert LessonProgress.objects.get().position_seconds == 20
