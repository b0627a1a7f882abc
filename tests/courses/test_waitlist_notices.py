"""People on a waiting list hear how it ended when it ends without seats: the session
was cancelled, or their offer lapsed unclaimed. One e-mail per entry, after commit."""

import datetime

from django.core import mail
from django.db import transaction
from django.utils import timezone

import pytest

from courses import services, tasks
from courses.models import WaitlistEntry, WaitlistStatus
from tests.factories import RegistrationFactory, TicketTypeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sold_out(db):
    """A two-seat session in Los Angeles with both seats confirmed; returns the ticket
    type and the registrations."""
    ticket = TicketTypeFactory(
        session__capacity=2, session__workshop__title="Myofascial Release", max_per_order=4
    )
    return ticket, RegistrationFactory.create_batch(2, ticket_type=ticket)


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _join(ticket, name, seats=1):
    user = UserFactory(email=f"{name}@example.com", full_name=name.title())
    return services.waitlist_join(session_id=ticket.session_id, user=user, seats=seats)


def _offer_one_seat(ticket, registration, run_on_commit):
    with run_on_commit():
        services.seat_hold_cancel(reservation=registration.reservation, reason="Refunded")


def _lapse(entry, run_on_commit, minutes_ago=1):
    lapsed_at = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    WaitlistEntry.objects.filter(pk=entry.pk).update(offer_expires_at=lapsed_at)
    with run_on_commit():
        services.waitlist_offers_expire()
    return lapsed_at


def _to(address):
    return [m for m in mail.outbox if m.to == [address]]


# --- The session is cancelled ----------------------------------------------------------


def test_everyone_still_on_the_list_hears_once_that_the_session_was_cancelled(
    sold_out, run_on_commit
):
    ticket, registrations = sold_out
    offered = _join(ticket, "offered")
    _offer_one_seat(ticket, registrations[0], run_on_commit)
    waiting = _join(ticket, "waiting", seats=2)
    left = _join(ticket, "left")
    services.waitlist_leave(entry_id=left.pk, user=left.user)
    mail.outbox.clear()  # the offer e-mail

    with run_on_commit():
        services.session_cancel(session=ticket.session)
    # A retried task and a second cancellation send nothing more.
    assert tasks.waitlist_ended_email_send(offered.pk) is False
    assert tasks.waitlist_ended_email_send(waiting.pk) is False
    with run_on_commit():
        services.session_cancel(session=ticket.session)

    assert sorted(m.to[0] for m in mail.outbox) == ["offered@example.com", "waiting@example.com"]
    message = _to("waiting@example.com")[0]
    session = ticket.session
    start = timezone.localtime(session.starts_at, session.tz)
    assert message.subject == "Canceled: Myofascial Release — the waiting list is closed"
    assert "Hello Waiting," in message.body
    assert f"{start:%-I:%M %p}" in message.body and "local time at the venue" in message.body
    assert "You were not charged anything" in message.body
    assert "/workshops/" in message.body
    assert "held an offer" not in message.body
    html = message.alternatives[0].content
    assert "See other dates and workshops" in html and "not charged" in html
    assert "held an offer of 1 seat" in _to("offered@example.com")[0].body
    for entry in (offered, waiting):
        entry.refresh_from_db()
        assert entry.status == WaitlistStatus.CLOSED and entry.ended_notice_sent_at


def test_a_cancellation_that_rolls_back_tells_nobody(sold_out, run_on_commit):
    ticket, _ = sold_out
    entry = _join(ticket, "waiting")
    with run_on_commit(), pytest.raises(RuntimeError), transaction.atomic():
        services.session_cancel(session=ticket.session)
        raise RuntimeError("the rest of the cancellation failed")
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.WAITING and entry.ended_notice_sent_at is None
    assert mail.outbox == []


# --- An offer lapses --------------------------------------------------------------------


def test_a_lapsed_offer_is_told_once_with_the_venue_local_time(sold_out, run_on_commit):
    ticket, registrations = sold_out
    first, second = _join(ticket, "first"), _join(ticket, "second")
    _offer_one_seat(ticket, registrations[0], run_on_commit)
    mail.outbox.clear()

    lapsed_at = _lapse(first, run_on_commit)
    assert tasks.waitlist_ended_email_send(first.pk) is False
    with run_on_commit():
        assert services.waitlist_offers_expire() == 0

    expired = _to("first@example.com")
    assert len(expired) == 1
    message = expired[0]
    local = timezone.localtime(lapsed_at, ticket.session.tz)
    assert message.subject == "Your waiting-list offer for Myofascial Release has expired"
    assert f"lapsed at {local:%A, %B %-d, %Y, %-I:%M %p} {local:%Z}" in message.body
    assert "gone to the next person on the waiting list" in message.body
    assert "no longer on the waiting list for this session" in message.body
    join_url = f"/workshops/sessions/{ticket.session_id}/waiting-list/"
    assert join_url in message.body
    assert "Join the waiting list again" in message.alternatives[0].content
    # The next in line got the seat, and only the offer e-mail.
    second.refresh_from_db()
    assert second.status == WaitlistStatus.OFFERED
    assert [m.subject for m in _to("second@example.com")] == [
        "A seat is free for you: Myofascial Release — book by "
        f"{timezone.localtime(second.offer_expires_at, ticket.session.tz):%A, %B %-d, %Y, %-I:%M %p %Z}"
    ]
    assert len(mail.outbox) == 2


def test_an_offer_booked_after_lapsing_is_not_told_it_lapsed(sold_out, run_on_commit):
    ticket, registrations = sold_out
    entry = _join(ticket, "late")
    _offer_one_seat(ticket, registrations[0], run_on_commit)
    mail.outbox.clear()
    WaitlistEntry.objects.filter(pk=entry.pk).update(
        offer_expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    services.waitlist_offers_expire()  # its e-mail task is still queued (not run here)
    # Their checkout, started in time, was paid before the e-mail went out.
    WaitlistEntry.objects.filter(pk=entry.pk).update(status=WaitlistStatus.CLAIMED)
    assert tasks.waitlist_ended_email_send(entry.pk) is False
    assert mail.outbox == []


def test_a_failed_send_gives_the_claim_back(sold_out, run_on_commit, monkeypatch):
    ticket, _ = sold_out
    entry = _join(ticket, "waiting")
    services.session_cancel(session=ticket.session)
    from courses import emails

    def broken(**kwargs):
        raise OSError("SMTP down")

    monkeypatch.setattr(emails, "waitlist_session_cancelled_message", broken)
    with pytest.raises(OSError):
        services.waitlist_ended_email_send(entry_id=entry.pk)
    entry.refresh_from_db()
    assert entry.ended_notice_sent_at is None
    monkeypatch.undo()
    assert services.waitlist_ended_email_send(entry_id=entry.pk) is True
    assert len(mail.outbox) == 1
