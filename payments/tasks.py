"""Celery tasks of the payments app: thin, take ids, call one service, own retries.

Recorded by services with ``courses.services.outbox.outbox_add`` in the transaction of
the change they follow, so a rolled-back change sends nothing and a broker outage loses
nothing.
E-mail tasks claim a ``*_sent_at`` column before sending (see ``payments.emails``), so a
retried or duplicated task never sends the same e-mail twice.
"""

from celery import shared_task

from courses.retry import TASK_RETRY


@shared_task(**TASK_RETRY)
def order_send_confirmation(order_id: int) -> None:
    from . import emails

    emails.order_confirmation_send(order_id=order_id)


@shared_task(**TASK_RETRY)
def order_send_refund_notice(order_id: int) -> None:
    from . import emails

    emails.order_refund_notice_send(order_id=order_id)


@shared_task(**TASK_RETRY)
def order_refund_late_payment(order_id: int) -> None:
    from . import services

    services.order_refund_late_payment(order_id=order_id)


@shared_task(**TASK_RETRY)
def stripe_event_process(event_pk: int) -> None:
    from . import webhooks
    from .models import StripeEvent

    try:
        webhooks.stripe_event_process(event_pk=event_pk)
    except Exception as error:
        # The processing transaction rolled back; keep the reason for staff, then retry.
        StripeEvent.objects.filter(pk=event_pk).update(error=repr(error)[:2000])
        raise


@shared_task(**TASK_RETRY)
def dispute_notify_staff(dispute_id: int) -> None:
    from . import emails

    emails.dispute_staff_notice_send(dispute_id=dispute_id)


@shared_task(**TASK_RETRY)
def orders_expire() -> int:
    """Periodic: close pending orders whose hold lapsed."""
    from . import services

    return services.orders_expire()


# Not TASK_RETRY: the service does not raise when Stripe is unreachable (the refund stays
# pending with its error kept for staff), so autoretry would never fire; this task retries
# itself on that answer, and eager runs must not loop here.
@shared_task(bind=True, max_retries=TASK_RETRY["max_retries"])
def refund_submit(self, refund_id: int) -> str:
    """Send a pending refund to Stripe; while Stripe cannot be reached, retry with backoff
    (the beat job ``payments-refunds-retry`` keeps trying after that). Eager runs (tests,
    `make run` without a broker) leave retries to the beat job instead of looping here."""
    from celery.exceptions import MaxRetriesExceededError

    from . import services

    refund = services.refund_submit(refund_id=refund_id)
    if refund.status == "pending" and not refund.stripe_refund_id and not self.request.is_eager:
        try:
            raise self.retry(countdown=min(60 * 2**self.request.retries, 60 * 60))
        except MaxRetriesExceededError:
            pass
    return refund.status


@shared_task(**TASK_RETRY)
def refund_refresh(refund_id: int) -> None:
    from . import services

    services.refund_refresh(refund_id=refund_id)


@shared_task(**TASK_RETRY)
def refunds_retry() -> int:
    """Periodic: refunds Stripe has not accepted yet, or kept pending without news."""
    from . import services

    return services.refunds_retry()


@shared_task(**TASK_RETRY)
def notice_send(notice_id: int) -> bool:
    from . import emails

    return emails.notice_send(notice_id=notice_id)


@shared_task(**TASK_RETRY)
def membership_sync(subscription_id: str) -> None:
    """Read the subscription from Stripe and apply it (webhooks of every membership event
    type end here, so duplicates and reordering converge on Stripe's current state)."""
    from .services import memberships

    memberships.membership_sync(subscription_id=subscription_id)


@shared_task(**TASK_RETRY)
def membership_duplicates_resolve(user_id: int) -> list[str]:
    """Refund and cancel a person's newer duplicate subscriptions (retried while Stripe
    cannot be reached; idempotent)."""
    from .services import membership_duplicates

    return membership_duplicates.membership_duplicates_resolve(user_id=user_id)


@shared_task(**TASK_RETRY)
def memberships_resync_overdue() -> int:
    """Periodic: memberships past their period end without news from Stripe."""
    from .services import memberships

    return memberships.memberships_resync_overdue()


@shared_task(**TASK_RETRY)
def memberships_remind_renewals() -> int:
    """Periodic: the annual renewal reminder, seven days before (once per period)."""
    from .services import membership_notices

    return membership_notices.memberships_remind_renewals()
