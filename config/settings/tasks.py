"""Celery: broker, delivery guarantees and the beat schedule."""

from config.settings.env import env

REDIS_URL = env("REDIS_URL", default="")
# --- Celery -------------------------------------------------------------------------
# Without a broker, tasks run in-process (eagerly) so `make run` needs no Redis.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
# Outbox entries handed to the broker this long ago and not done are handed over again.
OUTBOX_REDISPATCH_SECONDS = env.int("OUTBOX_REDISPATCH_SECONDS", default=10 * 60)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {
    # Side effects recorded with their state change (receipts, tickets, refunds, offers,
    # certificates, syncs) that the broker never got or the worker lost: handed over again.
    "courses-outbox-dispatch-due": {
        "task": "courses.tasks.outbox_dispatch_due",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Scheduled publishing ("go live at" on pages) needs this; run exactly one beat.
    "publish-scheduled-pages": {
        "task": "cms.tasks.publish_scheduled_pages",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Bookkeeping only: lapsed holds already stopped counting when they lapsed.
    "courses-holds-expire": {"task": "courses.tasks.holds_expire", "schedule": 60.0},
    "payments-orders-expire": {"task": "payments.tasks.orders_expire", "schedule": 60.0},
    # Refunds Stripe has not accepted yet (an outage) are sent again with the same
    # idempotency key; long-pending ones are checked with Stripe.
    "payments-refunds-retry": {"task": "payments.tasks.refunds_retry", "schedule": 5 * 60},
    # Memberships whose paid period ended without news from Stripe (a webhook lost after
    # every retry) are read from Stripe again: renewed members keep access, ended ones lose it.
    "payments-memberships-resync": {
        "task": "payments.tasks.memberships_resync_overdue",
        "schedule": 60 * 60,
    },
    # Annual members hear seven days before they are charged again (once per period).
    "payments-memberships-remind-renewals": {
        "task": "payments.tasks.memberships_remind_renewals",
        "schedule": 60 * 60,
    },
    # After the sale: reminders and CE certificates. Both are idempotent, so a second beat
    # process or a retry cannot send anything twice.
    "courses-send-due-reminders": {
        "task": "courses.tasks.reminders_send_due",
        "schedule": 15 * 60,
    },
    "courses-issue-due-certificates": {
        "task": "courses.tasks.certificates_issue_due",
        "schedule": 60 * 60,
    },
    # Lapsed waiting-list offers stop holding seats at once; this moves the list on.
    # Privacy: accounts whose deletion cooling-off period ended are erased.
    "accounts-deletions-process": {
        "task": "accounts.tasks.account_deletions_process",
        "schedule": 60 * 60,
    },
    "courses-waitlist-offers-expire": {
        "task": "courses.tasks.waitlist_offers_expire",
        "schedule": 2 * 60,
    },
}

# Wagtail's own background jobs (search index, reference index) use Django's tasks.
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
