"""The rush's losers answered before sessions, auth and CSRF (config/sold_out.py): once
the remembered seats figure says 0, a registration POST gets the sold-out page with no
session read or write and no seat count; anything else still reaches the view, and a
seat freed is sold again at once."""

from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import pytest

from config.sold_out import sold_out_pages_forget
from courses import selectors, services
from courses.models import Registration, RegistrationStatus
from tests.factories import RegistrationFactory, TicketTypeFactory, UserFactory
from tests.payments.helpers import attendee_post, register_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_pages():
    sold_out_pages_forget()
    yield
    sold_out_pages_forget()


def _post(client, ticket, email="buyer@example.com"):
    return client.post(
        register_url(ticket.session, **{str(ticket.pk): 1}),
        attendee_post([(ticket.pk, "Rush Buyer", email)]),
    )


def _sold_out_remembered(ticket):
    """The last seat taken, and a refusal at zero remembered (as in a rush)."""
    RegistrationFactory(ticket_type=ticket)
    cache.set(selectors.seats_hint_key(ticket.session_id), 0, selectors.SEATS_HINT_SECONDS)


def test_a_sold_out_answer_reads_no_session_writes_nothing_and_needs_no_csrf_token():
    ticket = TicketTypeFactory(session__capacity=1, session__workshop__title="Fascia Lab")
    _sold_out_remembered(ticket)
    buyer = UserFactory(email="private-buyer@example.com", full_name="Private Buyer")
    client = Client(enforce_csrf_checks=True)  # and the form carries no token
    client.force_login(buyer)
    _post(Client(), ticket)  # the site's settings row made on first use, not by this path
    with CaptureQueriesContext(connection) as ctx:
        response = _post(client, ticket, email="attendee-secret@example.com")
    assert response.status_code == 200
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    assert "django_session" not in sql
    assert "accounts_user" not in sql
    assert "courses_registration" not in sql
    writes = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []
    assert not response.cookies  # no session saved, no CSRF cookie set
    assert Registration.objects.count() == 1


def test_the_sold_out_page_names_the_session_links_the_waiting_list_and_nothing_personal(client):
    ticket = TicketTypeFactory(session__capacity=1, session__workshop__title="Fascia Lab")
    _sold_out_remembered(ticket)
    client.force_login(UserFactory(email="private-buyer@example.com", full_name="Private Buyer"))
    page = _post(client, ticket, email="attendee-secret@example.com").content.decode()
    assert "We could not reserve these seats." in page
    assert "This session is sold out." in page
    assert "Fascia Lab" in page
    assert reverse("courses:waitlist_join", args=[ticket.session_id]) in page
    assert reverse("accounts:dashboard") in page  # a signed-in header, not "Log in"
    assert reverse("account_login") not in page
    for personal in ("private-buyer@example.com", "Private Buyer", "attendee-secret"):
        assert personal not in page
    assert "csrfmiddlewaretoken" not in page


def test_the_same_page_is_served_to_the_next_buyer_without_a_query(client, settings):
    settings.PAGE_CACHE_SECONDS = 5
    ticket = TicketTypeFactory(session__capacity=1)
    _sold_out_remembered(ticket)
    client.force_login(UserFactory())
    first = _post(client, ticket).content
    other = Client()
    other.force_login(UserFactory())
    with CaptureQueriesContext(connection) as ctx:
        second = _post(other, ticket).content
    assert second == first
    assert ctx.captured_queries == []


def test_a_session_with_seats_left_still_grants_normally(client):
    ticket = TicketTypeFactory(session__capacity=2)
    RegistrationFactory(ticket_type=ticket)
    cache.set(selectors.seats_hint_key(ticket.session_id), 1, selectors.SEATS_HINT_SECONDS)
    client.force_login(UserFactory())
    response = _post(client, ticket)
    assert response.status_code == 302
    assert Registration.objects.filter(status=RegistrationStatus.HELD).count() == 1
    assert selectors.session_seats_taken(session=ticket.session) == 2


def test_without_a_remembered_figure_the_view_counts_and_refuses(client):
    ticket = TicketTypeFactory(session__capacity=1)
    RegistrationFactory(ticket_type=ticket)
    cache.delete(selectors.seats_hint_key(ticket.session_id))
    client.force_login(UserFactory())
    page = _post(client, ticket).content.decode()
    assert "This session is sold out." in page
    assert Registration.objects.count() == 1


def test_a_seat_freed_forgets_the_figure_and_goes_to_the_next_buyer(client):
    ticket = TicketTypeFactory(session__capacity=1)
    taken = RegistrationFactory(ticket_type=ticket)
    cache.set(selectors.seats_hint_key(ticket.session_id), 0, selectors.SEATS_HINT_SECONDS)
    client.force_login(UserFactory())
    assert "This session is sold out." in _post(client, ticket).content.decode()
    services.registration_cancel(registration_id=taken.pk, reason="Refunded")
    assert cache.get(selectors.seats_hint_key(ticket.session_id)) is None
    response = _post(client, ticket)
    assert response.status_code == 302
    assert Registration.objects.filter(status=RegistrationStatus.HELD).count() == 1


def test_a_closed_session_is_told_closed_by_the_view_not_sold_out(client):
    ticket = TicketTypeFactory(session__capacity=1)
    _sold_out_remembered(ticket)
    session = ticket.session
    session.registration_closes_at = timezone.now() - timezone.timedelta(minutes=1)
    session.save(update_fields=["registration_closes_at"])
    client.force_login(UserFactory())
    page = _post(client, ticket).content.decode()
    assert "We could not reserve these seats." not in page


def test_the_per_address_limit_still_applies(client, settings):
    settings.RATELIMIT_ENABLE = True
    settings.RATE_LIMITS = {"seat_hold": {"user": "100/m", "ip": "2/m"}}
    ticket = TicketTypeFactory(session__capacity=1)
    _sold_out_remembered(ticket)
    client.force_login(UserFactory())
    responses = [_post(client, ticket) for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 429]
    assert "hold seats" in responses[2].content.decode()


def test_a_grant_counts_the_seats_after_taking_the_session_lock(client):
    """The count is prepared before the lock but runs under it: a seat granted by the
    buyer just ahead is always seen."""
    ticket = TicketTypeFactory(session__capacity=2)
    client.force_login(UserFactory())
    with CaptureQueriesContext(connection) as ctx:
        assert _post(client, ticket).status_code == 302
    sql = [q["sql"] for q in ctx.captured_queries]
    lock = next(i for i, q in enumerate(sql) if "FOR UPDATE" in q)
    counts = [i for i, q in enumerate(sql) if "courses_waitlistentry" in q]
    insert = next(
        i for i, q in enumerate(sql) if q.startswith('INSERT INTO "courses_registration"')
    )
    assert any(lock < i < insert for i in counts)
    # The order just written is sent to the checkout as it is, not read back.
    assert not [q for q in sql if q.startswith("SELECT") and 'FROM "payments_order" ' in q]
