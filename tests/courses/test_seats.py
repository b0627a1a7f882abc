import datetime

from django.utils import timezone

import pytest

from courses import selectors
from courses.models import RegistrationStatus, Session
from tests.factories import RegistrationFactory, SessionFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db


def test_seats_left_counts_confirmed_and_unexpired_holds_only():
    ticket = TicketTypeFactory(session__capacity=10)
    session = ticket.session
    RegistrationFactory.create_batch(3, ticket_type=ticket)
    RegistrationFactory(
        ticket_type=ticket,
        status=RegistrationStatus.HELD,
        hold_expires_at=timezone.now() + datetime.timedelta(minutes=30),
    )
    RegistrationFactory(
        ticket_type=ticket,
        status=RegistrationStatus.HELD,
        hold_expires_at=timezone.now() - datetime.timedelta(seconds=1),
    )
    RegistrationFactory(ticket_type=ticket, status=RegistrationStatus.CANCELLED)
    assert selectors.session_seats_taken(session=session) == 4
    assert selectors.session_seats_available(session=session) == 6


def test_expired_hold_stops_counting_without_any_job():
    ticket = TicketTypeFactory(session__capacity=1)
    expires = timezone.now() + datetime.timedelta(minutes=30)
    RegistrationFactory(ticket_type=ticket, status=RegistrationStatus.HELD, hold_expires_at=expires)
    assert selectors.session_seats_available(session=ticket.session) == 0
    later = expires + datetime.timedelta(seconds=1)
    assert selectors.session_seats_available(session=ticket.session, now=later) == 1


def test_listing_availability_in_one_query_whatever_the_number_of_sessions(
    django_assert_num_queries,
):
    for capacity in (5, 8, 12):
        ticket = TicketTypeFactory(session__capacity=capacity)
        RegistrationFactory.create_batch(2, ticket_type=ticket)
    with django_assert_num_queries(1):
        availability = selectors.session_availability(selectors.upcoming_sessions())
    assert sorted(a.left for a in availability.values()) == [3, 6, 10]
    for _ in range(5):
        SessionFactory()
    with django_assert_num_queries(1):
        assert len(selectors.session_availability(selectors.upcoming_sessions())) == 8
    assert Session.objects.count() == 8


def test_quantity_choices_per_ticket_type_take_the_smallest_limit():
    now = timezone.now()
    limited = TicketTypeFactory(session__capacity=10, quantity_limit=3, max_per_order=5)
    session = limited.session
    roomy = TicketTypeFactory(session=session, max_per_order=4)
    RegistrationFactory.create_batch(2, ticket_type=limited)
    RegistrationFactory.create_batch(5, ticket_type=roomy)
    quantities = selectors.ticket_type_quantity_choices(session=session, now=now)
    rows = quantities.by_id()
    assert quantities.seats_left == 3 and not quantities.sold_out
    assert (rows[limited.pk].left, rows[limited.pk].most) == (1, 1)
    assert (rows[roomy.pk].left, rows[roomy.pk].most) == (None, 3)
    assert rows[roomy.pk].choices == [0, 1, 2, 3]
    RegistrationFactory(ticket_type=limited)
    rows = selectors.ticket_type_quantity_choices(session=session, now=now).by_id()
    assert rows[limited.pk].sold_out and rows[limited.pk].choices == [0]


def test_quantity_choices_for_a_waiting_list_offer_use_the_offers_seats():
    ticket = TicketTypeFactory(session__capacity=2, max_per_order=4)
    RegistrationFactory.create_batch(2, ticket_type=ticket)

    class Offer:
        pk = 0
        seats_open = 2

    quantities = selectors.ticket_type_quantity_choices(session=ticket.session, offer=Offer())
    assert quantities.seats_left == 2 and not quantities.sold_out
    assert quantities.by_id()[ticket.pk].most == 2
    assert selectors.session_sold_out(session=ticket.session)


def test_the_checkouts_count_compiled_once_counts_each_session_at_each_moment():
    """The checkout's seat count is compiled once per process: the session and the moment
    it is asked for still make the figure, as a count compiled afresh would."""
    from courses.selectors.seats import _SEATS_LEFT

    expires = timezone.now() + datetime.timedelta(minutes=30)
    busy = TicketTypeFactory(session__capacity=10)
    RegistrationFactory.create_batch(3, ticket_type=busy)
    RegistrationFactory(ticket_type=busy, status=RegistrationStatus.HELD, hold_expires_at=expires)
    quiet = TicketTypeFactory(session__capacity=4)
    later = expires + datetime.timedelta(seconds=1)
    for session, now in [
        (busy.session, None),
        (busy.session, later),
        (quiet.session, None),
        (quiet.session, later),
    ]:
        now = now or timezone.now()
        count = selectors.session_seats_left_counter(session_id=session.pk, now=now)
        assert count() == selectors.session_seats_available(session=session, now=now)
    assert selectors.session_seats_left_counter(session_id=busy.session_id, now=later)() == 7
    assert selectors.session_seats_left_counter(session_id=0, now=later)() == 0
    assert len(_SEATS_LEFT._compiled) == 1
