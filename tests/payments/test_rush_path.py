"""The checkout rush's cheap paths: a buyer who comes after the last seat hears "sold out"
without a seat count, the ticket rules or the seat lock; a seat freed is offered at once;
the count that grants a seat is always live. (The races themselves, on PostgreSQL, are in
test_concurrency.py.)"""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import pytest

from courses import selectors, services
from courses.models import Registration, RegistrationStatus
from payments.models import Order
from tests.factories import RegistrationFactory, TicketTypeFactory, UserFactory
from tests.payments.helpers import attendee_post, register_url

pytestmark = pytest.mark.django_db


def _buy(client, ticket, email="buyer@example.com"):
    client.force_login(UserFactory())
    return client.post(
        register_url(ticket.session, **{str(ticket.pk): 1}),
        attendee_post([(ticket.pk, "Rush Buyer", email)]),
    )


def test_after_the_last_seat_the_next_buyer_is_told_sold_out_without_counting(client):
    ticket = TicketTypeFactory(session__capacity=1)
    assert _buy(client, ticket).status_code == 302  # the last seat
    _buy(client, ticket)  # sold out, counted (the figure is remembered)
    with CaptureQueriesContext(connection) as ctx:
        response = _buy(client, ticket)
    page = response.content.decode()
    assert "We could not reserve these seats." in page
    assert "This session is sold out." in page
    assert reverse("courses:waitlist_join", args=[ticket.session_id]) in page
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    assert "FOR UPDATE" not in sql  # no seat lock
    assert "courses_registration" not in sql  # no seat count
    assert Registration.objects.count() == 1
    assert Order.objects.count() == 1


def _statement(sql: str) -> str:
    """``SELECT "table"...`` as the table it reads first, other statements by their verb
    and table, a savepoint as SAVEPOINT or RELEASE."""
    words = sql.replace('"', "").split()
    if words[0] == "SELECT":
        name = words[1].split(".")[0]
        return f"{name} FOR UPDATE" if "FOR UPDATE" in sql else name
    if words[0] in ("SAVEPOINT", "RELEASE"):
        return words[0]
    return " ".join(words[:3])


def test_a_winning_hold_post_runs_nine_queries_four_of_them_behind_the_lock(client):
    """The statements of one winner of a rush, in order (a regression fails here): the
    session's ticket types with the workshop session (one statement), the signed-in
    session and user (read when the view first asks who is buying), then one
    transaction: the lock with the ticket types asked for, the live count, the seat, the
    order and its line; then the checkout's ids. No savepoint of the hold's own, nothing
    read back. (The test runs inside a transaction, so the order's transaction shows as
    a savepoint here: BEGIN and COMMIT on a server.)"""
    ticket = TicketTypeFactory(session__capacity=5)
    client.force_login(UserFactory())
    url = register_url(ticket.session, **{str(ticket.pk): 1})
    client.get(url)  # the attendee page: the session's CSRF cookie, as a browser has it
    # In a rush the seats figure is there: the grant before this one left it.
    assert selectors.session_seats_left_hint(session_id=ticket.session_id) == 5
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(url, attendee_post([(ticket.pk, "Rush Buyer", "b@example.com")]))
    assert response.status_code == 302
    statements = [_statement(query["sql"]) for query in ctx.captured_queries]
    assert statements == [
        "courses_tickettype",
        "django_session",
        "accounts_user",
        "SAVEPOINT",
        "courses_tickettype FOR UPDATE",
        "courses_session",  # the live count (its subqueries read the registrations)
        "INSERT INTO courses_registration",
        "INSERT INTO payments_order",
        "INSERT INTO payments_orderline",
        "RELEASE",
        "UPDATE payments_order SET",
    ], statements
    assert 'FOR UPDATE OF "courses_session"' in ctx.captured_queries[4]["sql"]
    order = Order.objects.get()
    assert order.stripe_checkout_url and order.lines.count() == 1


def test_a_seat_freed_in_a_sold_out_session_goes_to_the_next_buyer_at_once(client):
    ticket = TicketTypeFactory(session__capacity=1)
    taken = RegistrationFactory(ticket_type=ticket)
    assert "This session is sold out." in _buy(client, ticket).content.decode()
    services.registration_cancel(registration_id=taken.pk, reason="Refunded")
    response = _buy(client, ticket)
    assert response.status_code == 302
    assert Registration.objects.filter(status=RegistrationStatus.HELD).count() == 1


def test_a_stale_figure_never_grants_a_seat(client):
    """The remembered figure may say seats are left when they are not: the hold still
    counts under the lock and refuses."""
    ticket = TicketTypeFactory(session__capacity=1)
    assert selectors.session_seats_left_hint(session_id=ticket.session_id) == 1
    RegistrationFactory(ticket_type=ticket)  # taken behind the figure's back
    response = _buy(client, ticket)
    assert response.status_code == 200
    assert "This session is sold out." in response.content.decode()
    assert Registration.objects.count() == 1
    assert not Order.objects.exists()


def test_a_back_dated_hold_counts_for_its_own_moment_not_from_the_figure():
    ticket = TicketTypeFactory(session__capacity=1)
    RegistrationFactory(ticket_type=ticket)
    assert selectors.session_seats_left_hint(session_id=ticket.session_id) == 0
    assert selectors.session_sold_out_early(
        session_id=ticket.session_id, now=ticket.session.starts_at
    )
    assert selectors.session_seats_left_hint(session_id=0) is None


def test_a_signed_in_device_is_recorded_once_a_minute_not_on_every_request(client):
    from allauth.usersessions.models import UserSession

    client.force_login(UserFactory())
    client.get("/")
    first = UserSession.objects.get()
    with CaptureQueriesContext(connection) as ctx:
        client.get("/")
    assert UserSession.objects.get().last_seen_at == first.last_seen_at
    assert not any("usersessions_usersession" in q["sql"] for q in ctx.captured_queries)
    # Another browser on the same session is recorded at once.
    client.get("/", HTTP_USER_AGENT="Another browser/1.0")
    assert UserSession.objects.get().user_agent == "Another browser/1.0"


def test_a_signed_in_device_is_recorded_again_after_a_minute(client, monkeypatch):
    import time

    from allauth.usersessions.models import UserSession

    from accounts import middleware

    client.force_login(UserFactory())
    client.get("/")
    first = UserSession.objects.get().last_seen_at
    later_wall, later = time.time() + 61, time.monotonic() + 61
    monkeypatch.setattr(time, "time", lambda: later_wall)  # the shared cache's entry lapses
    monkeypatch.setattr(middleware.time, "monotonic", lambda: later)  # and this process's
    client.get("/")
    assert UserSession.objects.get().last_seen_at > first
