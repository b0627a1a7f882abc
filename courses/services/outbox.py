"""Durable side effects: the transactional outbox.

A service that changes state records each side effect with ``outbox_add(task, *args)``
inside its transaction instead of enqueueing a Celery task directly. The row commits (or
rolls back) with the change; on commit it is handed to the broker, and if the broker is
away the ``outbox_dispatch_due`` beat job hands it over again later. The worker runs the
task through ``outbox_run``, which marks the row done. Delivery is therefore at least
once; the tasks behind it are idempotent (send-once claims in ``courses.mail``, Stripe
idempotency keys), which keeps what a customer sees exactly once.
"""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils import timezone

from celery import current_app
from celery.exceptions import Retry

from ..models import OutboxEntry

logger = logging.getLogger(__name__)

DISPATCH_BATCH = 200


def outbox_add(task, *args, due_at: datetime.datetime | None = None) -> OutboxEntry:
    """Record ``task(*args)`` as a side effect of the current transaction."""
    entry = OutboxEntry.objects.create(
        task=task.name, args=list(args), due_at=due_at or timezone.now()
    )
    if entry.due_at <= timezone.now():
        transaction.on_commit(lambda: outbox_dispatch(entry.pk))
    return entry


def outbox_dispatch(entry_id: int) -> bool:
    """Hand one entry to the broker. A broker outage is logged, never raised: the request
    that caused the side effect has committed and must still succeed."""
    OutboxEntry.objects.filter(pk=entry_id).update(dispatched_at=timezone.now())
    try:
        from courses import tasks  # imported here: tasks import the services

        tasks.outbox_run.apply_async(args=[entry_id])
    except Exception:
        # The broker is away (or, running eagerly, the task itself failed): not lost.
        logger.warning(
            "outbox entry %s not enqueued; the beat job will retry", entry_id, exc_info=True
        )
        OutboxEntry.objects.filter(pk=entry_id).update(dispatched_at=None)
        return False
    return True


def redispatch_after() -> datetime.timedelta:
    """An entry handed to the broker this long ago and still not done is handed over again
    (the worker may have lost it, or the broker accepted it and then died)."""
    return datetime.timedelta(seconds=settings.OUTBOX_REDISPATCH_SECONDS)


def outbox_dispatch_due(now: datetime.datetime | None = None) -> int:
    """Beat job: hand over everything due, not done, and not handed over recently."""
    now = now or timezone.now()
    due = (
        OutboxEntry.objects.filter(done_at__isnull=True, due_at__lte=now)
        .exclude(dispatched_at__gt=now - redispatch_after())
        .order_by("due_at")
        .values_list("pk", flat=True)[:DISPATCH_BATCH]
    )
    return sum(outbox_dispatch(entry_id) for entry_id in list(due))


def outbox_run(entry_id: int) -> None:
    """Worker side: run the recorded task in-process once; done on success, the error
    kept (and re-raised for the retry policy) on failure."""
    entry = OutboxEntry.objects.filter(pk=entry_id, done_at__isnull=True).first()
    if entry is None:
        return  # done already (a duplicate delivery)
    OutboxEntry.objects.filter(pk=entry_id).update(attempts=entry.attempts + 1)
    try:
        current_app.tasks[entry.task].run(*entry.args)
    except ObjectDoesNotExist as exc:  # the row went away: nothing left to do, ever
        OutboxEntry.objects.filter(pk=entry_id).update(
            done_at=timezone.now(), last_error=repr(exc)[:2000]
        )
        return
    except Retry as exc:  # a bound task asked for a later try: the beat job gives it one
        OutboxEntry.objects.filter(pk=entry_id).update(
            dispatched_at=timezone.now(), last_error=repr(exc)[:2000]
        )
        return
    except Exception as exc:
        OutboxEntry.objects.filter(pk=entry_id).update(last_error=repr(exc)[:2000])
        raise
    OutboxEntry.objects.filter(pk=entry_id).update(done_at=timezone.now(), last_error="")
