"""Waiting-list offers racing public buyers, on PostgreSQL: real threads, real
connections, real row locks (skipped on SQLite, which serialises every writer).

The control shows the race is real: if outstanding offers did not count against what the
public may buy, the offered seat would be sold twice. With them counted, under the
session lock, the offer holder always gets their seat and nobody is oversold.
"""

import datetime
import time

from django.utils import timezone

import pytest

from courses import selectors, services
from courses.errors import CoursesError
from courses.models import WaitlistEntry, WaitlistStatus
from courses.services import SeatRequest
from tests.concurrency import rush, slow_seat_count
from tests.factories import RegistrationFactory, TicketTypeFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PUBLIC_BUYERS = 12


@pytest.fixture
def slow_count(monkeypatch):
    slow_seat_count(monkeypatch, 0.1)


def _public_buy(ticket, i) -> str:
    try:
        services.seat_hold_create(
            session_id=ticket.session_id,
            requests=[SeatRequest(ticket.pk, f"Buyer {i}", f"b{i}@example.com")],
        )
    except CoursesError:
        return "refused"
    return "public"


def _session_with_an_open_offer(capacity=5):
    """All seats sold but one, and that one offered to a person on the waiting list."""
    ticket = TicketTypeFactory(session__capacity=capacity)
    RegistrationFactory.create_batch(capacity - 1, ticket_type=ticket)
    now = timezone.now()
    entry = WaitlistEntry.objects.create(
        session=ticket.session,
        user=UserFactory(),
        seats=1,
        sort_key=1,
        status=WaitlistStatus.OFFERED,
        offered_seats=1,
        offered_at=now,
        offer_expires_at=now + datetime.timedelta(hours=48),
        offer_sent_at=now,
    )
    return ticket, entry


def _claim_or_buy(ticket, entry, holder_delay=0.0):
    def act(i):
        if i != 0:
            return _public_buy(ticket, i)
        time.sleep(holder_delay)  # let the public reach the lock first
        try:
            services.seat_hold_create(
                session_id=ticket.session_id,
                requests=[SeatRequest(ticket.pk, "Offer Holder", entry.user.email)],
                buyer=entry.user,
                waitlist_entry_id=entry.pk,
            )
        except CoursesError:
            return "refused"
        return "holder"

    return act


def test_control_if_offers_did_not_count_the_offered_seat_would_be_sold_twice(
    monkeypatch, slow_count
):
    ticket, entry = _session_with_an_open_offer()
    real = selectors.availability_of
    monkeypatch.setattr(
        "courses.selectors.seats.availability_of",
        lambda s: real(s).__class__(s.capacity, s.seats_taken),
    )
    results = rush(_claim_or_buy(ticket, entry, holder_delay=0.3), PUBLIC_BUYERS + 1)
    assert "public" in results and "holder" in results
    taken = selectors.session_seats_taken(session=ticket.session)
    assert taken > ticket.session.capacity, "the control must show the oversell it guards"


@pytest.mark.parametrize("holder_delay", [0.0, 0.3], ids=["holder-first", "public-first"])
def test_the_offer_holder_always_gets_the_seat_while_the_public_rushes(slow_count, holder_delay):
    for _round in range(2):
        ticket, entry = _session_with_an_open_offer()
        results = rush(_claim_or_buy(ticket, entry, holder_delay), PUBLIC_BUYERS + 1)
        assert results[0] == "holder"
        assert results[1:] == ["refused"] * PUBLIC_BUYERS
        assert selectors.session_seats_taken(session=ticket.session) == ticket.session.capacity


def test_a_seat_freed_during_a_rush_goes_to_the_waiting_list_not_the_public(slow_count):
    """A cancellation frees a seat and the offer job runs while the public rushes for
    it: the person waiting is offered it, no public buyer gets it."""
    for _round in range(3):
        ticket = TicketTypeFactory(session__capacity=4)
        registrations = RegistrationFactory.create_batch(4, ticket_type=ticket)
        entry = services.waitlist_join(session_id=ticket.session_id, user=UserFactory(), seats=1)

        def act(i, ticket=ticket, registration=registrations[0]):
            if i != 0:
                return _public_buy(ticket, i)
            services.seat_hold_cancel(reservation=registration.reservation, reason="Refunded")
            services.waitlist_offer_seats(session_id=ticket.session_id)
            return "freed"

        results = rush(act, PUBLIC_BUYERS + 1)
        assert results[0] == "freed"
        assert "public" not in results
        entry.refresh_from_db()
        assert entry.status == WaitlistStatus.OFFERED
        counts = selectors.session_seat_counts(session=ticket.session)
        assert (counts.taken, counts.offered) == (3, 1)
