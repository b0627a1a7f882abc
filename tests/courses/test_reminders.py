import datetime
import threading

from django.core import mail
from django.db import connection
from django.utils import timezone

import pytest

from courses import selectors, tasks
from courses.models import RegistrationStatus, ReminderSent
from tests.factories import RegistrationFactory, SessionFactory, TicketTypeFactory

OFFSETS = [7 * 24, 24]


def session_starting_in(**delta):
    start = timezone.now() + datetime.timedelta(**delta)
    session = SessionFactory(
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=8),
        workshop__prerequisites="Complete the online anatomy primer before day one.",
        venue__time_zone="America/New_York",
    )
    return TicketTypeFactory(session=session)


def booked_long_ago(ticket, **kwargs):
    registration = RegistrationFactory(ticket_type=ticket, **kwargs)
    earlier = timezone.now() - datetime.timedelta(days=30)
    type(registration).objects.filter(pk=registration.pk).update(
        created_at=earlier, confirmed_at=earlier
    )
    return registration


def run_reminders(capture):
    with capture(execute=True):
        tasks.reminders_send_due.delay()


@pytest.mark.django_db
def test_reminder_sent_once_per_attendee_even_when_the_task_runs_twice(
    settings, django_capture_on_commit_callbacks
):
    settings.REMINDER_OFFSETS = OFFSETS
    ticket = session_starting_in(days=6)
    ana = booked_long_ago(ticket, attendee_email="ana@example.com")
    booked_long_ago(ticket, attendee_email="ben@example.com")
    booked_long_ago(ticket, attendee_email="gone@example.com", status=RegistrationStatus.CANCELLED)

    run_reminders(django_capture_on_commit_callbacks)
    run_reminders(django_capture_on_commit_callbacks)

    assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.com", "ben@example.com"]
    assert ReminderSent.objects.filter(kind="168h", sent_at__isnull=False).count() == 2
    message = next(m for m in mail.outbox if m.to == [ana.attendee_email])
    assert message.subject.startswith(f"Reminder: {ticket.session.workshop.title} starts in")
    local = ticket.session.local_starts_at
    assert f"{local:%-I:%M %p}" in message.body
    # The venue's zone (EST/EDT), not the server's.
    assert f"{local:%Z} (local time at the venue)" in message.body
    assert ticket.session.venue.directions in message.body
    assert "online anatomy primer" in message.body
    assert ana.code in message.body
    (filename, content, mimetype) = message.attachments[0]
    assert (filename, mimetype) == ("workshop.ics", "text/calendar")
    assert "BEGIN:VEVENT" in (content.decode() if isinstance(content, bytes) else content)
    assert "text/html" in message.alternatives[0].mimetype


@pytest.mark.django_db
def test_only_the_nearest_reminder_is_sent(settings, django_capture_on_commit_callbacks):
    settings.REMINDER_OFFSETS = OFFSETS
    ticket = session_starting_in(hours=20)
    booked_long_ago(ticket)
    run_reminders(django_capture_on_commit_callbacks)
    assert list(ReminderSent.objects.values_list("kind", flat=True)) == ["24h"]
    assert "starts tomorrow" in mail.outbox[0].subject
    assert selectors.reminders_due(offsets_hours=OFFSETS) == []


@pytest.mark.django_db
def test_late_bookers_skip_the_reminder_their_confirmation_replaced(settings):
    ticket = session_starting_in(days=3)
    RegistrationFactory(ticket_type=ticket)  # booked just now
    assert selectors.reminders_due(offsets_hours=OFFSETS) == []
    later = timezone.now() + datetime.timedelta(days=2, hours=1)
    assert [kind for _, kind in selectors.reminders_due(now=later, offsets_hours=OFFSETS)] == [
        "24h"
    ]


@pytest.mark.django_db
def test_nothing_is_due_for_sessions_far_away_or_over(settings):
    booked_long_ago(session_starting_in(days=30))
    booked_long_ago(session_starting_in(hours=-2))
    assert selectors.reminders_due(offsets_hours=OFFSETS) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_beat_processes_at_once_send_one_reminder_each(settings):
    settings.REMINDER_OFFSETS = OFFSETS
    ticket = session_starting_in(days=6)
    for number in range(8):
        booked_long_ago(ticket, attendee_email=f"a{number}@example.com")
    barrier = threading.Barrier(2)
    errors = []

    def beat():
        try:
            barrier.wait()
            tasks.reminders_send_due.delay()
        except Exception as error:  # surfaced below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(m.to[0] for m in mail.outbox) == [f"a{n}@example.com" for n in range(8)]
    assert ReminderSent.objects.filter(sent_at__isnull=False).count() == 8
