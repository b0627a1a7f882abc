"""The one send-once helper (courses.mail): claim and commit, then send, unclaim on failure."""

import datetime
import threading
import time

from django.core import mail
from django.db import transaction
from django.utils import timezone

import pytest

from courses.mail import mail_message, mail_send_once
from courses.models import MailInFlight, WaitlistEntry
from tests.concurrency import rush
from tests.factories import WaitlistEntryFactory


def _message(to="ana@example.com"):
    return mail.EmailMessage(subject="Hello", body="Once.", to=[to])


def _claim(entry):
    return WaitlistEntry.objects.filter(pk=entry.pk)


def test_sends_once_and_records_when(db):
    entry = WaitlistEntryFactory()
    assert mail_send_once(claim=_claim(entry), field="offer_sent_at", build=_message) is True
    assert mail_send_once(claim=_claim(entry), field="offer_sent_at", build=_message) is False
    assert len(mail.outbox) == 1
    entry.refresh_from_db()
    assert entry.offer_sent_at is not None


def test_nothing_is_built_when_the_claim_is_lost(db):
    entry = WaitlistEntryFactory()
    built = []
    mail_send_once(claim=_claim(entry), field="offer_sent_at", build=_message)

    def build():
        built.append(1)
        return _message()

    assert mail_send_once(claim=_claim(entry), field="offer_sent_at", build=build) is False
    assert built == []


def test_several_messages_under_one_claim(db):
    entry = WaitlistEntryFactory()
    sent = mail_send_once(
        claim=_claim(entry),
        field="offer_sent_at",
        build=lambda: [_message("a@example.com"), _message("b@example.com")],
    )
    assert sent is True
    assert [m.to for m in mail.outbox] == [["a@example.com"], ["b@example.com"]]


def test_a_failed_send_gives_the_claim_back(db, monkeypatch):
    entry = WaitlistEntryFactory()

    def smtp_down(self, fail_silently=False):
        raise OSError("SMTP down")

    monkeypatch.setattr(mail.EmailMessage, "send", smtp_down)
    with pytest.raises(OSError, match="SMTP down"):
        mail_send_once(claim=_claim(entry), field="offer_sent_at", build=_message)
    entry.refresh_from_db()
    assert entry.offer_sent_at is None
    monkeypatch.undo()
    assert mail_send_once(claim=_claim(entry), field="offer_sent_at", build=_message) is True
    assert len(mail.outbox) == 1


class WorkerKilled(BaseException):
    """What the task sees of a SIGKILL: nothing after this point runs (no unclaim)."""


def _killed_mid_send(entry, monkeypatch):
    """A worker dies while the mail server is answering: the claim and its in-flight row
    stay behind, exactly as they would after kill -9."""

    def killed(self, fail_silently=False):
        raise WorkerKilled

    monkeypatch.setattr(mail.EmailMessage, "send", killed)
    monkeypatch.setattr("courses.mail.mail_unclaim", lambda **kwargs: None)
    with pytest.raises(WorkerKilled):
        mail_send_once(claim=_claim(entry), field="offer_sent_at", build=_message)
    monkeypatch.undo()


def test_a_send_cut_short_by_a_dead_worker_is_sent_once_after_the_lease(db, monkeypatch):
    entry = WaitlistEntryFactory()
    _killed_mid_send(entry, monkeypatch)
    entry.refresh_from_db()
    assert entry.offer_sent_at is not None and mail.outbox == []
    # Run again at once (a duplicate delivery while the first send may still be going):
    # nothing, since the first worker might be alive and sending.
    assert mail_send_once(claim=_claim(entry), field="offer_sent_at", build=_message) is False
    # After the lease the outbox's next run takes the claim over and sends, once.
    MailInFlight.objects.update(claimed_at=timezone.now() - datetime.timedelta(minutes=11))
    assert mail_send_once(claim=_claim(entry), field="offer_sent_at", build=_message) is True
    assert mail_send_once(claim=_claim(entry), field="offer_sent_at", build=_message) is False
    assert len(mail.outbox) == 1
    assert not MailInFlight.objects.exists()


def test_a_finished_send_leaves_nothing_in_flight(db):
    entry = WaitlistEntryFactory()
    mail_send_once(claim=_claim(entry), field="offer_sent_at", build=_message)
    assert not MailInFlight.objects.exists()


def test_refuses_to_send_inside_a_transaction(db):
    """SMTP inside a transaction would hold its row locks for as long as the mail server
    takes: the helper refuses, and claims nothing."""
    entry = WaitlistEntryFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        mail_send_once(claim=_claim(entry), field="offer_sent_at", build=_message)
    entry.refresh_from_db()
    assert entry.offer_sent_at is None and mail.outbox == []


def test_messages_have_text_and_html_from_the_templates(db):
    entry = WaitlistEntryFactory()
    message = mail_message(
        template="waitlist_session_cancelled",
        subject="Cancelled",
        to="ana@example.com",
        context={"entry": entry, "session": entry.session, "held_offer": False},
        attachments=[("workshop.ics", "BEGIN:VCALENDAR", "text/calendar")],
    )
    assert message.to == ["ana@example.com"] and message.subject == "Cancelled"
    assert entry.session.workshop.title in message.body
    assert message.alternatives[0].mimetype == "text/html"
    assert message.attachments[0].filename == "workshop.ics"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_senders_send_once():
    """Two workers run the same task at the same moment: one conditional UPDATE wins.
    The control shows the race is real: a read-then-write claim lets both send."""
    entry = WaitlistEntryFactory()
    sends = []
    lock = threading.Lock()

    def build():
        time.sleep(0.2)  # SMTP is slow: the loser must not be waiting to send too
        with lock:
            sends.append(1)
        return []

    def naive(_):
        unsent = _claim(entry).filter(offer_sent_at__isnull=True).exists()
        time.sleep(0.2)
        if unsent:
            build()
            _claim(entry).update(offer_sent_at=entry.created_at)
        return unsent

    assert rush(naive, 2) == [True, True] and len(sends) == 2  # control: sent twice

    _claim(entry).update(offer_sent_at=None)
    sends.clear()
    results = rush(
        lambda _: mail_send_once(claim=_claim(entry), field="offer_sent_at", build=build), 2
    )
    assert sorted(results) == [False, True]
    assert len(sends) == 1
