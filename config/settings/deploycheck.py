"""Production settings plus the offline Stripe fake, for `make deploy-check` only.

deploy/check.py starts nginx, two gunicorn instances, a Celery worker and beat with these
settings: everything production does stays on (DEBUG off, secure cookies, HSTS, CSP, the
nginx X-Accel-Redirect video path, a real broker). Only Stripe is the in-process fake,
enabled exactly as config/settings/test.py and bench/rush.py do, because the check must
not reach the network. production.py itself keeps refusing STRIPE_USE_FAKE.
"""

from .production import *
from .production import CELERY_BEAT_SCHEDULE, INSTALLED_APPS, MAILERS

# The fake's test-payment pages, and seed_demo for the demo accounts the check signs in as.
INSTALLED_APPS = [*INSTALLED_APPS, "stripe_fake", "demo"]
STRIPE_USE_FAKE = True
STRIPE_FAKE_ALLOWED = True  # DEBUG is off, as in production
STRIPE_HTTP_CLIENT = "stripe_fake.client.FakeHTTPClient"

# The check kills the worker in the middle of a send (deploy/checkmail.py, on the
# PYTHONPATH the check sets) and waits for the outbox to hand the task over again: in
# seconds, not production's ten minutes (MAIL_SEND_LEASE_SECONDS and
# OUTBOX_REDISPATCH_SECONDS come from the check's environment).
MAILERS = {"default": {**MAILERS["default"], "BACKEND": "checkmail.SlowFileBackend"}}
CELERY_BEAT_SCHEDULE = {
    **CELERY_BEAT_SCHEDULE,
    "courses-outbox-dispatch-due": {
        "task": "courses.tasks.outbox_dispatch_due",
        "schedule": 3.0,
        "options": {"expires": 3},
    },
}
