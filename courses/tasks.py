"""Celery tasks of the courses app: thin, take ids, call one service."""

from django.conf import settings

from celery import shared_task

from . import selectors, services
from .models import Session
from .retry import TASK_RETRY
from .services.outbox import outbox_add


@shared_task(**TASK_RETRY)
def holds_expire() -> int:
    """Periodic: mark lapsed holds expired (availability never waits for this)."""
    return services.holds_expire()


@shared_task(**TASK_RETRY)
def reminders_send_due() -> int:
    """Beat: claim every due reminder (insert-or-skip), then send the claimed ones."""
    claimed = 0
    due = selectors.reminders_due(offsets_hours=settings.REMINDER_OFFSETS)
    for registration_id, kind in due:
        reminder = services.reminder_claim(registration_id=registration_id, kind=kind)
        if reminder is not None:
            outbox_add(reminder_send, reminder.pk)  # claimed now: its send must not be lost
            claimed += 1
    return claimed


@shared_task(**TASK_RETRY)
def reminder_send(reminder_id: int) -> bool:
    return services.reminder_send(reminder_id=reminder_id)


@shared_task(**TASK_RETRY)
def certificates_issue_due() -> int:
    """Beat: every recently ended session with attendees still owed a certificate."""
    session_ids = list(selectors.sessions_needing_certificates().values_list("pk", flat=True))
    for session_id in session_ids:
        certificates_issue_for_session.delay_on_commit(session_id)
    return len(session_ids)


@shared_task(**TASK_RETRY)
def certificates_issue_for_session(session_id: int, issued_by_id: int | None = None) -> int:
    from django.contrib.auth import get_user_model

    session = Session.objects.select_related("workshop", "venue").get(pk=session_id)
    issued_by = get_user_model().objects.filter(pk=issued_by_id).first() if issued_by_id else None
    return len(services.certificates_issue_and_send(session=session, issued_by=issued_by))


@shared_task(**TASK_RETRY)
def certificate_email_send(certificate_id: int) -> bool:
    return services.certificate_email_send(certificate_id=certificate_id)


@shared_task(**TASK_RETRY)
def attendee_message_send(message_id: int) -> int:
    return services.attendee_message_send(message_id=message_id)


# --- Waiting list ---------------------------------------------------------------------


@shared_task(**TASK_RETRY)
def waitlist_offer_seats(session_id: int) -> int:
    """Offer a session's free seats to its waiting list (enqueued by
    ``services.waitlist_seats_freed``); the offers enqueue their own e-mails."""
    return len(services.waitlist_offer_seats(session_id=session_id))


@shared_task(**TASK_RETRY)
def waitlist_offer_email_send(entry_id: int) -> bool:
    return services.waitlist_offer_email_send(entry_id=entry_id)


@shared_task(**TASK_RETRY)
def waitlist_ended_email_send(entry_id: int) -> bool:
    """Their offer lapsed or the session was cancelled: tell them once."""
    return services.waitlist_ended_email_send(entry_id=entry_id)


@shared_task(**TASK_RETRY)
def waitlist_offers_expire() -> int:
    """Beat: offers past their deadline expire and their seats go to the next in line."""
    return services.waitlist_offers_expire()


@shared_task(**TASK_RETRY)
def outbox_run(entry_id: int) -> None:
    """Run one recorded side effect (courses/services/outbox.py) and mark it done."""
    from .services import outbox

    outbox.outbox_run(entry_id)


@shared_task(**TASK_RETRY)
def outbox_dispatch_due() -> int:
    """Beat: hand the broker every side effect that is due and not done yet."""
    from .services import outbox

    return outbox.outbox_dispatch_due()


@shared_task(**TASK_RETRY)
def video_renditions_build(video_id: int) -> str:
    """After an upload (via the outbox): HLS renditions, poster and duration."""
    from .services.transcoding import video_renditions_build as build

    return build(video_id=video_id)
