"""The waiting list: who may join, what counts against seats, who is offered what, and
when the list moves on. Services are called directly; the pages have their own file."""

import datetime

from django.core import mail
from django.utils import timezone

import pytest

from courses import selectors, services, tasks
from courses.errors import CoursesError, SessionFull, WaitlistError
from courses.models import (
    OutboxEntry,
    Registration,
    RegistrationStatus,
    WaitlistEntry,
    WaitlistStatus,
)
from courses.services import SeatRequest
from tests.factories import (
    RegistrationFactory,
    TicketTypeFactory,
    UserFactory,
    WaitlistEntryFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sold_out(db):
    """A two-seat session with both seats confirmed; returns (ticket type, registrations)."""
    ticket = TicketTypeFactory(session__capacity=2, max_per_order=4)
    return ticket, RegistrationFactory.create_batch(2, ticket_type=ticket)


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run what a service enqueues on commit (offer task, then its e-mails)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _join(ticket, user=None, seats=1, **kwargs):
    return services.waitlist_join(
        session_id=ticket.session_id, user=user or UserFactory(), seats=seats, **kwargs
    )


def _buy_one(ticket, name="Public Buyer"):
    return services.seat_hold_create(
        session_id=ticket.session_id,
        requests=[SeatRequest(ticket.pk, name, "public@example.com")],
    )


def _free_one_seat(registration, run_on_commit):
    with run_on_commit():
        services.seat_hold_cancel(reservation=registration.reservation, reason="Refunded")


# --- Joining --------------------------------------------------------------------------


def test_joining_is_for_sold_out_sessions_only():
    ticket = TicketTypeFactory(session__capacity=2)
    RegistrationFactory(ticket_type=ticket)
    with pytest.raises(WaitlistError, match="Seats are still available"):
        _join(ticket)
    assert not WaitlistEntry.objects.exists()


def test_people_join_in_order_and_see_their_place(sold_out):
    ticket, _ = sold_out
    first = _join(ticket, seats=2)
    second = _join(ticket, ticket_type_id=ticket.pk)
    assert (first.status, first.seats, first.ticket_type) == (WaitlistStatus.WAITING, 2, None)
    assert second.ticket_type == ticket
    assert selectors.waitlist_position(entry=first) == 1
    assert selectors.waitlist_position(entry=second) == 2


@pytest.mark.parametrize(
    ("seats", "message"),
    [
        (0, "Ask for at least one seat."),
        (-3, "Ask for at least one seat."),
        (5, "You can wait for at most 2 seats"),  # the room holds two
    ],
)
def test_bad_seat_counts_are_refused_and_nothing_is_stored(sold_out, seats, message):
    ticket, _ = sold_out
    with pytest.raises(WaitlistError, match=message):
        _join(ticket, seats=seats)
    assert not WaitlistEntry.objects.exists()


def test_more_than_the_ticket_allows_per_order_is_refused():
    ticket = TicketTypeFactory(session__capacity=10, max_per_order=2)
    RegistrationFactory.create_batch(10, ticket_type=ticket)
    with pytest.raises(WaitlistError, match="at most 2 seats"):
        _join(ticket, seats=3, ticket_type_id=ticket.pk)
    assert not WaitlistEntry.objects.exists()


def test_joining_twice_is_refused(sold_out):
    ticket, _ = sold_out
    user = UserFactory()
    _join(ticket, user=user)
    with pytest.raises(WaitlistError, match="already on the waiting list"):
        _join(ticket, user=user, seats=2)
    assert WaitlistEntry.objects.count() == 1


def test_a_ticket_of_another_session_is_refused(sold_out):
    ticket, _ = sold_out
    other = TicketTypeFactory()
    with pytest.raises(WaitlistError, match="not sold for this session"):
        _join(ticket, ticket_type_id=other.pk)
    assert not WaitlistEntry.objects.exists()


def test_cancelled_and_closed_sessions_refuse_joins(sold_out):
    ticket, _ = sold_out
    session = ticket.session
    session.registration_closes_at = timezone.now() - datetime.timedelta(minutes=1)
    session.save()
    with pytest.raises(WaitlistError, match="closed"):
        _join(ticket)
    services.session_cancel(session=session)
    with pytest.raises(WaitlistError, match="canceled"):
        _join(ticket)
    assert not WaitlistEntry.objects.exists()


def test_cancelling_a_session_closes_its_list_without_offers(sold_out, run_on_commit):
    ticket, registrations = sold_out
    waiting = _join(ticket)
    with run_on_commit():
        services.session_cancel(session=ticket.session)
    _free_one_seat(registrations[0], run_on_commit)
    waiting.refresh_from_db()
    assert waiting.status == WaitlistStatus.CLOSED and waiting.ended_at
    # No offer, only the news that the session was cancelled (test_waitlist_notices.py).
    assert [m.subject for m in mail.outbox] == [
        f"Canceled: {ticket.session.workshop.title} — the waiting list is closed"
    ]


# --- Seats: the list comes before the public -------------------------------------------


def test_a_freed_seat_is_offered_to_the_first_in_line_and_not_sold_to_the_public(
    sold_out, run_on_commit
):
    ticket, registrations = sold_out
    first, second = _join(ticket), _join(ticket)
    _free_one_seat(registrations[0], run_on_commit)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == WaitlistStatus.OFFERED and first.offered_seats == 1
    hours = (first.offer_expires_at - first.offered_at).total_seconds() / 3600
    assert hours == pytest.approx(48)
    assert second.status == WaitlistStatus.WAITING
    counts = selectors.session_seat_counts(session=ticket.session)
    assert (counts.taken, counts.offered, counts.waiting, counts.left) == (1, 1, 1, 0)
    with pytest.raises(SessionFull):
        _buy_one(ticket)
    assert [m.to for m in mail.outbox] == [[first.user.email]]


def test_waiting_demand_is_served_before_the_public_and_the_rest_is_sold(sold_out):
    ticket, _ = sold_out
    _join(ticket, seats=2)
    session = ticket.session
    session.capacity = 5  # three seats more; the list wants two of them
    session.save()
    assert selectors.session_seats_available(session=session) == 1
    _buy_one(ticket)
    with pytest.raises(SessionFull):
        _buy_one(ticket, "Second Buyer")


def test_listings_count_the_waiting_list_in_one_query(sold_out, django_assert_num_queries):
    ticket, _ = sold_out
    _join(ticket)
    for _ in range(3):
        other = TicketTypeFactory(session__capacity=4)
        RegistrationFactory(ticket_type=other)
    with django_assert_num_queries(1):
        availability = selectors.session_availability(selectors.upcoming_sessions())
    assert availability[ticket.session_id].sold_out
    assert availability[ticket.session_id].waiting == 1
    assert sum(a.left for a in availability.values()) == 9


def test_strict_order_a_bigger_request_first_in_line_waits_and_nobody_jumps_it(
    sold_out, run_on_commit
):
    ticket, registrations = sold_out
    big, small = _join(ticket, seats=2), _join(ticket)
    _free_one_seat(registrations[0], run_on_commit)
    big.refresh_from_db()
    small.refresh_from_db()
    assert (big.status, small.status) == (WaitlistStatus.WAITING, WaitlistStatus.WAITING)
    assert selectors.session_seats_available(session=ticket.session) == 0  # held for the list
    _free_one_seat(registrations[1], run_on_commit)
    big.refresh_from_db()
    assert big.status == WaitlistStatus.OFFERED and big.offered_seats == 2


def test_an_expired_hold_is_offered_to_the_list(run_on_commit):
    ticket = TicketTypeFactory(session__capacity=1)
    RegistrationFactory(
        ticket_type=ticket,
        status=RegistrationStatus.HELD,
        hold_expires_at=timezone.now() + datetime.timedelta(minutes=5),
        confirmed_at=None,
    )
    entry = _join(ticket)
    later = timezone.now() + datetime.timedelta(minutes=6)
    # The lapsed hold stops counting at once: the seat is the list's, not the public's.
    assert selectors.session_seats_available(session=ticket.session, now=later) == 0
    with run_on_commit():
        assert services.holds_expire(now=later) == 1
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.OFFERED


def test_released_unpaid_order_is_offered_to_the_list(run_on_commit):
    ticket = TicketTypeFactory(session__capacity=1)
    (hold,) = _buy_one(ticket)
    entry = _join(ticket)
    with run_on_commit():
        services.seat_hold_release(reservation=hold.reservation, reason="Checkout expired")
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.OFFERED


def test_raising_the_capacity_offers_seats(sold_out, run_on_commit):
    ticket, _ = sold_out
    first, second = _join(ticket), _join(ticket, seats=2)
    session = ticket.session
    session.capacity = 5
    session.save()
    with run_on_commit():
        services.session_capacity_change(session=session)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == second.status == WaitlistStatus.OFFERED
    assert selectors.session_seat_counts(session=session).offered == 3
    assert selectors.session_seats_available(session=session) == 0


# --- Offers expire, people leave, staff reorder ----------------------------------------


def test_an_expired_offer_stops_counting_at_once_and_the_list_moves_on(sold_out, run_on_commit):
    ticket, registrations = sold_out
    first, second = _join(ticket), _join(ticket)
    _free_one_seat(registrations[0], run_on_commit)
    first.refresh_from_db()
    after = first.offer_expires_at + datetime.timedelta(seconds=1)
    counts = selectors.session_seat_counts(session=ticket.session, now=after)
    assert (counts.offered, counts.free, counts.left) == (0, 1, 0)  # second still waits

    WaitlistEntry.objects.filter(pk=first.pk).update(
        offer_expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    with run_on_commit():
        assert services.waitlist_offers_expire() == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == WaitlistStatus.EXPIRED
    assert second.status == WaitlistStatus.OFFERED
    # The first hears their offer lapsed (test_waitlist_notices.py); the second gets one.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [first.user.email, first.user.email, second.user.email]
    )


def test_leaving_the_list(sold_out):
    ticket, _ = sold_out
    first, second = _join(ticket), _join(ticket)
    services.waitlist_leave(entry_id=first.pk, user=first.user)
    first.refresh_from_db()
    assert first.status == WaitlistStatus.LEFT
    assert selectors.waitlist_position(entry=second) == 1
    with pytest.raises(WaitlistError, match="no longer on this waiting list"):
        services.waitlist_leave(entry_id=first.pk, user=first.user)
    with pytest.raises(WaitlistError, match="does not exist"):
        services.waitlist_leave(entry_id=second.pk, user=first.user)
    # Joining again after leaving puts you at the end.
    again = _join(ticket, user=first.user)
    assert selectors.waitlist_position(entry=again) == 2


def test_declining_an_offer_passes_it_on(sold_out, run_on_commit):
    ticket, registrations = sold_out
    first, second = _join(ticket), _join(ticket)
    _free_one_seat(registrations[0], run_on_commit)
    with run_on_commit():
        services.waitlist_leave(entry_id=first.pk, user=first.user)
    second.refresh_from_db()
    assert second.status == WaitlistStatus.OFFERED


def test_staff_move_entries_up_and_down_and_remove_them(sold_out, run_on_commit):
    ticket, registrations = sold_out
    a, b, c = _join(ticket, seats=2), _join(ticket), _join(ticket)
    services.waitlist_move(entry_id=c.pk, direction="up")
    order = list(selectors.session_waitlist(session=ticket.session).values_list("pk", flat=True))
    assert order == [a.pk, c.pk, b.pk]
    with pytest.raises(WaitlistError, match="already first"):
        services.waitlist_move(entry_id=a.pk, direction="up")
    with pytest.raises(WaitlistError, match="already last"):
        services.waitlist_move(entry_id=b.pk, direction="down")
    with pytest.raises(WaitlistError, match="up or down"):
        services.waitlist_move(entry_id=b.pk, direction="sideways")

    # One seat frees: a (two seats) waits; moving c above a gets c the seat.
    _free_one_seat(registrations[0], run_on_commit)
    with run_on_commit():
        services.waitlist_move(entry_id=c.pk, direction="up")
    c.refresh_from_db()
    assert c.status == WaitlistStatus.OFFERED

    services.waitlist_remove(entry_id=b.pk)
    b.refresh_from_db()
    assert b.status == WaitlistStatus.REMOVED
    with pytest.raises(WaitlistError, match="Only people still waiting"):
        services.waitlist_move(entry_id=b.pk, direction="up")


# --- Claiming an offer -------------------------------------------------------------------


def _offered(ticket, registrations, run_on_commit, seats=1):
    entry = _join(ticket, seats=seats)
    for registration in registrations[:seats]:
        _free_one_seat(registration, run_on_commit)
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.OFFERED
    return entry


def test_the_offer_holder_books_the_held_seat_and_the_entry_is_claimed(sold_out, run_on_commit):
    ticket, registrations = sold_out
    entry = _offered(ticket, registrations, run_on_commit)
    holds = services.seat_hold_create(
        session_id=ticket.session_id,
        requests=[SeatRequest(ticket.pk, "Offer Holder", entry.user.email)],
        buyer=entry.user,
        waitlist_entry_id=entry.pk,
    )
    assert holds[0].waitlist_entry == entry
    counts = selectors.session_seat_counts(session=ticket.session)
    assert (counts.taken, counts.offered) == (2, 0)  # in checkout: counted once
    with run_on_commit():
        services.seat_hold_confirm(reservation=holds[0].reservation)
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.CLAIMED and entry.ended_at


def test_an_abandoned_checkout_keeps_the_offer_open(sold_out, run_on_commit):
    ticket, registrations = sold_out
    entry = _offered(ticket, registrations, run_on_commit)
    (hold,) = services.seat_hold_create(
        session_id=ticket.session_id,
        requests=[SeatRequest(ticket.pk, "Offer Holder", entry.user.email)],
        buyer=entry.user,
        waitlist_entry_id=entry.pk,
    )
    services.seat_hold_release(reservation=hold.reservation, reason="Abandoned")
    assert selectors.waitlist_offer_outstanding(entry_id=entry.pk) == 1
    with pytest.raises(SessionFull):
        _buy_one(ticket)


@pytest.mark.parametrize("case", ["other user", "too many seats", "expired", "claimed"])
def test_an_offer_cannot_be_misused(sold_out, run_on_commit, case):
    ticket, registrations = sold_out
    entry = _offered(ticket, registrations, run_on_commit)
    buyer, seats = entry.user, 1
    if case == "other user":
        buyer = UserFactory()
    elif case == "too many seats":
        seats = 2
    elif case == "expired":
        WaitlistEntry.objects.filter(pk=entry.pk).update(
            offer_expires_at=timezone.now() - datetime.timedelta(seconds=1)
        )
    else:
        WaitlistEntry.objects.filter(pk=entry.pk).update(status=WaitlistStatus.CLAIMED)
    before = Registration.objects.count()
    with pytest.raises((WaitlistError, SessionFull)):
        services.seat_hold_create(
            session_id=ticket.session_id,
            requests=[SeatRequest(ticket.pk, "X", "x@example.com")] * seats,
            buyer=buyer,
            waitlist_entry_id=entry.pk,
        )
    assert Registration.objects.count() == before


def test_booking_fewer_seats_than_offered_passes_the_rest_on(run_on_commit):
    ticket = TicketTypeFactory(session__capacity=3, max_per_order=4)
    registrations = RegistrationFactory.create_batch(3, ticket_type=ticket)
    entry = _offered(ticket, registrations, run_on_commit, seats=2)
    nxt = _join(ticket)
    holds = services.seat_hold_create(
        session_id=ticket.session_id,
        requests=[SeatRequest(ticket.pk, "Only Me", entry.user.email)],
        buyer=entry.user,
        waitlist_entry_id=entry.pk,
    )
    with run_on_commit():
        services.seat_hold_confirm(reservation=holds[0].reservation)
    nxt.refresh_from_db()
    assert nxt.status == WaitlistStatus.OFFERED


def test_offer_email_is_sent_once(sold_out, run_on_commit):
    ticket, registrations = sold_out
    entry = _offered(ticket, registrations, run_on_commit)
    assert len(mail.outbox) == 1
    assert services.waitlist_offer_email_send(entry_id=entry.pk) is False
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "A seat is free for you" in message.subject
    assert "/payments/register/" in message.body and "offer=" in message.body
    local = timezone.localtime(entry.offer_expires_at, ticket.session.tz)
    assert f"{local:%-I:%M %p}" in message.body  # the deadline, in the venue's time zone
    assert message.alternatives[0].content.count("Complete your purchase") == 1


def test_a_failed_send_gives_the_claim_back(sold_out, run_on_commit, monkeypatch):
    ticket, registrations = sold_out
    entry = _join(ticket)
    from courses import emails

    def broken(**kwargs):
        raise OSError("SMTP down")

    monkeypatch.setattr(emails, "waitlist_offer_message", broken)
    with run_on_commit():  # the failure stays in the outbox; the cancellation stands
        services.seat_hold_cancel(reservation=registrations[0].reservation, reason="x")
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.OFFERED and entry.offer_sent_at is None
    pending = OutboxEntry.objects.get(task="courses.tasks.waitlist_offer_email_send")
    assert pending.done_at is None and "SMTP down" in pending.last_error
    monkeypatch.undo()
    with run_on_commit():
        tasks.outbox_dispatch_due.delay()  # the beat job, once SMTP is back
    assert len(mail.outbox) == 1


def test_one_active_entry_per_person_is_a_database_rule(sold_out):
    ticket, _ = sold_out
    entry = WaitlistEntryFactory(session=ticket.session)
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        WaitlistEntryFactory(session=ticket.session, user=entry.user)
    entry.status = WaitlistStatus.LEFT
    entry.save()
    WaitlistEntryFactory(session=ticket.session, user=entry.user)  # a new one is fine now


def test_unknown_session_is_refused():
    with pytest.raises(CoursesError, match="does not exist"):
        services.waitlist_join(session_id=999_999, user=UserFactory(), seats=1)
