"""Production: refuses to start without its secrets; everything else comes from base."""

from django.core.exceptions import ImproperlyConfigured

from .base import *
from .base import SITE_CSP, env
from .env import mailer_from_url

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
LOGGING["handlers"]["console"]["formatter"] = env("LOG_FORMAT", default="json")
# The one public address: links in e-mails, the Wagtail and Django Sites (after migrate).
SITE_URL = env("SITE_URL").rstrip("/")
WAGTAILADMIN_BASE_URL = SITE_URL
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
DATABASES = {"default": env.db_url("DATABASE_URL")}
if (
    "django.contrib.postgres" not in INSTALLED_APPS
    and "postgresql" in DATABASES["default"]["ENGINE"]
):
    INSTALLED_APPS.append("django.contrib.postgres")
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET")
if env.bool("STRIPE_USE_FAKE", default=False):
    raise ImproperlyConfigured("STRIPE_USE_FAKE: the Stripe fake is for development and tests.")
STRIPE_USE_FAKE = False
STRIPE_FAKE_ALLOWED = False
MAILERS = {"default": mailer_from_url(env("EMAIL_URL"))}

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# Enforced here; base only reports (config/csp.py picks the admin's policy).
SECURE_CSP = SITE_CSP
SECURE_CSP_REPORT_ONLY: dict = {}
# nginx (deploy/nginx.conf) overwrites X-Real-IP with the address it was reached from.
CLIENT_IP_HEADER = env("CLIENT_IP_HEADER", default="X-Real-IP")
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = CLIENT_IP_HEADER or None
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# Lesson videos go to nginx via X-Accel-Redirect (see deploy/nginx.conf).
VIDEO_ACCEL_REDIRECT_PREFIX = env("VIDEO_ACCEL_REDIRECT_PREFIX", default="/protected-video/")
