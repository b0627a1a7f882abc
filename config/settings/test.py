"""Fast, deterministic tests. SQLite unless DATABASE_URL (CI: PostgreSQL) is set."""

from .base import *
from .base import env

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
MEDIA_ROOT = BASE_DIR / "tmp" / "test-media"
PRIVATE_MEDIA_ROOT = BASE_DIR / "tmp" / "test-private-media"
WAGTAILADMIN_BASE_URL = "http://testserver"
SITE_URL = "http://testserver"
# Tests see every change at once; tests/cms/test_page_cache.py turns the cache on.
PAGE_CACHE_SECONDS = 0
