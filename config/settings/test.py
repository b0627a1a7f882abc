"""Fast, deterministic tests. SQLite unless DATABASE_URL (CI: PostgreSQL) is set."""

import os
import tempfile
from pathlib import Path

from .base import *
from .base import SITE_CSP, env

DEBUG = False
SECRET_KEY = "test-only-key"
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = env("REDIS_URL", default="memory://")
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
# The in-process Stripe (the stripe_fake app) and the demo seeding are installed for tests.
INSTALLED_APPS += ["stripe_fake", "demo"]
STRIPE_USE_FAKE = True
STRIPE_FAKE_ALLOWED = True  # DEBUG is off in tests
STRIPE_HTTP_CLIENT = "stripe_fake.client.FakeHTTPClient"
STRIPE_SECRET_KEY = "sk_test_fake"
STRIPE_WEBHOOK_SECRET = "whsec_test_secret"
ACCOUNT_RATE_LIMITS = False
# Tests repeat requests far faster than people: tests/faults/test_rate_limits.py turns
# the limits on where they are the subject.
RATELIMIT_ENABLE = False
# The policy production enforces, enforced in every test (browser journeys included).
SECURE_CSP = SITE_CSP
SECURE_CSP_REPORT_ONLY: dict = {}
MEDIA_ROOT = BASE_DIR / "tmp" / "test-media"
PRIVATE_MEDIA_ROOT = BASE_DIR / "tmp" / "test-private-media"
WAGTAILADMIN_BASE_URL = "http://testserver"
SITE_URL = "http://testserver"
# Tests see every change at once; tests/cms/test_page_cache.py turns the cache on.
PAGE_CACHE_SECONDS = 0
# Uploads are judged by our own container parser whether or not ffprobe is installed on
# the machine running the tests (tests/courses/test_video_admin.py also covers ffprobe).
VIDEO_FFPROBE = ""
# Uploads in tests are not transcoded unless a test turns it on (tests/courses/
# test_transcoding.py does, and skips with a reason when ffmpeg is not installed).
VIDEO_FFMPEG = ""

# A file, not Django's shared in-memory database: the live server of the browser tests
# answers on several threads, and one SQLite connection shared across them fails under
# load ("bad parameter or other API misuse"). The process id keeps concurrent runs and
# xdist workers (pytest-django adds _gw0, _gw1...) apart; the test runner deletes it.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"physiomassage-test-{os.getpid()}")
    }

# WebAuthn over http on localhost (browsers allow it there).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
