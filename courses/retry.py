"""The one retry policy of every Celery task (courses, payments, cms).

Tasks are thin and idempotent (send-once claims, Stripe idempotency keys, state re-read
from Stripe), so any failure is worth retrying: SMTP, Stripe, Redis or the database being
briefly away look alike from here. Exponential backoff from 30 s, capped at 30 min, with
jitter so a recovering service is not hit by every worker at once; 10 tries span about
2½ hours, after which the beat jobs (``refunds_retry``, ``memberships_resync_overdue``,
``holds_expire``...) and staff's attention take over. A row that no longer exists will
not come back, so that error is not retried.

    @shared_task(**TASK_RETRY)
    def order_send_confirmation(order_id: int) -> None: ...
"""

from django.core.exceptions import ObjectDoesNotExist

TASK_RETRY: dict = {
    "autoretry_for": (Exception,),
    "dont_autoretry_for": (ObjectDoesNotExist,),
    "retry_backoff": 30,
    "retry_backoff_max": 30 * 60,
    "retry_jitter": True,
    "max_retries": 10,
}
