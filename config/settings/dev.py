"""Local development: `make run`. SQLite, eager tasks and e-mails in the console."""

from .base import *
from .base import env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

# Without Stripe keys the in-process fake stands in: the local test-payment page, and
# signed webhooks delivered to our own endpoint.
STRIPE_USE_FAKE = env.bool("STRIPE_USE_FAKE", default=not STRIPE_SECRET_KEY)
if STRIPE_USE_FAKE:
    INSTALLED_APPS += ["stripe_fake"]
    STRIPE_HTTP_CLIENT = "stripe_fake.client.FakeHTTPClient"
    # The fake signs its events with this; the webhook view verifies them as usual.
    STRIPE_WEBHOOK_SECRET = STRIPE_WEBHOOK_SECRET or "whsec_local_fake"
# `make run` seeds the demo site (seed_demo, demo_credentials).
INSTALLED_APPS += ["demo"]

# WebAuthn over http on localhost (browsers allow it there).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
