"""Security headers, Content-Security-Policy, logging and error reporting."""

from django.utils.csp import CSP

from config.settings.env import BASE_DIR, env

# --- Security -----------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The header the proxy in front of us (deploy/nginx.conf) sets to the client's address;
# empty: REMOTE_ADDR (no proxy). Rate limits count per this address.
CLIENT_IP_HEADER = env("CLIENT_IP_HEADER", default="")
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = CLIENT_IP_HEADER or None
# Content-Security-Policy (Django's own middleware, config/csp.py). Our pages run no
# inline script: every script is a file from our origin. Inline style attributes are
# allowed (progress bars set their width); <style> elements are not. Stripe's hosted
# Checkout and Customer Portal are reached by redirect after a form post, which
# form-action must allow. Dev reports only; test and production enforce.
SITE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "style-src-attr": [CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    # blob: for adaptive streaming: hls.js feeds the <video> a MediaSource object URL
    # and transmuxes in a Worker it starts from a blob: URL (static/vendor/hls).
    "media-src": [CSP.SELF, "blob:"],
    "worker-src": [CSP.SELF, "blob:"],
    "manifest-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF, "https://checkout.stripe.com", "https://billing.stripe.com"],
}
# The Wagtail admin still writes inline scripts (inline panels, date pickers) and style
# attributes, and frames its own previews: it gets the same origin rules, inline allowed.
ADMIN_CSP = SITE_CSP | {
    "script-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "style-src-attr": [CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "frame-src": [CSP.SELF],
    "frame-ancestors": [CSP.SELF],
}
SECURE_CSP: dict = {}
SECURE_CSP_REPORT_ONLY = SITE_CSP
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Every line carries the request id (also in the X-Request-ID response header and the
# Celery tasks a request enqueues). LOG_FORMAT=json for log collectors (production default).
LOG_FORMAT = env("LOG_FORMAT", default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.observability.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
        "stripe": {"level": "WARNING"},
    },
}

# --- Errors -------------------------------------------------------------------------------
# Sentry (web and Celery) when SENTRY_DSN is set; without it, ADMINS get Django's error
# e-mails (a comma-separated list of addresses).
ADMINS = env.list("ADMINS", default=[])
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    from config.observability import release_from_git, sentry_init

    sentry_init(
        dsn=SENTRY_DSN,
        release=env("SENTRY_RELEASE", default="") or release_from_git(BASE_DIR),
        environment=env("SENTRY_ENVIRONMENT", default="production"),
    )
