"""Production settings with safe local values, for bench/pages.py only.

Everything production does (DEBUG off, manifest static files, persistent connections)
stays on; only secrets get throwaway values and HTTPS redirects are off for plain HTTP.
"""

import os

os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault(
    "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/physiomassage_workshops_bench"
)
os.environ.setdefault("EMAIL_URL", "consolemail://")
os.environ.setdefault("SITE_URL", "http://127.0.0.1:8000")
os.environ.setdefault("STRIPE_SECRET_KEY", "sk_test_bench")
os.environ.setdefault("STRIPE_WEBHOOK_SECRET", "whsec_bench")

from .production import *
from .production import BASE_DIR, INSTALLED_APPS

# bench/pages.py builds its site with seed_demo.
INSTALLED_APPS = [*INSTALLED_APPS, "demo"]

SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STATIC_ROOT = BASE_DIR / "tmp" / "bench-static"
MEDIA_ROOT = BASE_DIR / "tmp" / "bench-media"
LOGGING["root"]["level"] = "WARNING"
