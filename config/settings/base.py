"""Complete settings, read from the environment.

``dev``, ``test`` and ``production`` only adjust what differs. Every value that varies
between machines comes from an environment variable listed in ``.env.example``.
"""

from config.cache import redis_cache_settings
from config.settings.env import BASE_DIR, env, mailer_from_url

# --- Core -------------------------------------------------------------------------------
SECRET_KEY = env("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SITE_ID = 1

INSTALLED_APPS = [
    # Ours first so our templates override allauth's and Wagtail's.
    "accounts",
    "cms",
    "courses",
    "payments",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "accounts.apps.UsersAdminConfig",  # wagtail.users, role changes audited
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    # allauth
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    # Django
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.sites",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "config.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Above the page cache, so cached pages get the policy too (config/csp.py).
    "config.csp.SiteContentSecurityPolicyMiddleware",
    # Before sessions and auth: a hit for an anonymous visitor skips all of them.
    "cms.middleware.AnonymousPageCacheMiddleware",
    # Before sessions and auth too: a registration POST after the last seat hears "sold
    # out" from the remembered seats figure, with no session, user or CSRF work.
    "config.sold_out.SoldOutFastPathMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # allauth's UserSessionsMiddleware, writing "last seen" at most once a minute.
    "accounts.middleware.UserSessionsActivityMiddleware",
    # After auth: staff with money or personal-data permissions set up a second factor first.
    "accounts.middleware.StaffMFARequiredMiddleware",
    # Signed in without admin access: one "no access" page, not Wagtail's login loop.
    "accounts.middleware.AdminAccessDeniedMiddleware",
    # A view refused by a rate limit answers 429 (courses/ratelimits.py), not 403.
    "django_ratelimit.middleware.RatelimitMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Wagtail's site lookup and page routing kept per process, per content version.
    "cms.routing.PageRouteCacheMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "cms.context_processors.site_chrome",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------
# SQLite unless DATABASE_URL says otherwise. IMMEDIATE transactions make SQLite take its
# write lock when a transaction starts, so seat reservations serialise there too.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
else:
    INSTALLED_APPS.append("django.contrib.postgres")
    # Persistent connections: without them a Wagtail page serves half as many requests.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and sessions -------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    # Fails open: Redis down costs speed, never a page (config/cache.py).
    CACHES = redis_cache_settings(REDIS_URL, env("CACHE_KEY_PREFIX", default="pma"))
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SESSION_ENGINE = "accounts.sessions"
# Whole public pages for anonymous visitors (cms.middleware); seats left shown on them may
# be this many seconds old. 0 turns the cache off.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=5)
# Seats on public pages are counted again after every hold, confirmation, release or
# cancellation (cms/fragments.py); what the clock alone frees shows within this many seconds.
SEATS_CACHE_SECONDS = 5

# --- Auth ---------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "accounts.backends.AuthenticationBackend",
    # Sessions signed in through these before keep working until they expire (two weeks,
    # SESSION_COOKIE_AGE): remove both once this has run that long. They never sign anyone
    # in (the first backend stops sign-in).
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:dashboard"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_UNIQUE_EMAIL = True
# Therapists who already booked as guests must be told plainly that they have an account.
ACCOUNT_PREVENT_ENUMERATION = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[PhysioMassage Academy] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_SIGNUP_FORM_HONEYPOT_FIELD = "website"
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, stated so an operator can find and tune them.
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}

# Our own rate limits (courses/ratelimits.py, django-ratelimit on the cache): each action
# is counted per signed-in user (or address, when signed out) and per client address, so
# a shared office connection gets more room than one person. Beyond them: a 429 page, or
# JSON for the progress API. The cache being down lets everything through (fail open).
RATE_LIMITS = {
    "seat_hold": {"user": "10/m", "ip": "30/m"},
    "waitlist_join": {"user": "6/m", "ip": "30/m"},
    # The player saves every 5 s, and on pause and seek.
    "lesson_progress": {"user": "60/m", "ip": "300/m"},
}
RATELIMIT_ENABLE = env.bool("RATE_LIMITS_ENABLED", default=True)
RATELIMIT_FAIL_OPEN = True
RATELIMIT_IP_META_KEY = "courses.ratelimits.client_ip"
RATELIMIT_VIEW = "courses.ratelimits.too_many_requests"

# Two-factor sign-in (allauth.mfa): optional for everyone, required for staff who can
# refund, see orders or check people in (accounts.selectors.mfa.user_requires_mfa).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "PhysioMassage Academy"
# One 30-second step either side (RFC 6238 section 6): a phone clock a little off, or a code
# typed as it rolls over, still signs in; allauth marks each code used for the whole window.
MFA_TOTP_TOLERANCE = 1
# Browsers only allow WebAuthn on https or on localhost over http (dev and tests).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = env.bool("MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN", default=False)
# Signed-in devices (allauth.usersessions): last seen and IP for the list on My account.
USERSESSIONS_TRACK_ACTIVITY = True

# "Delete my account": days during which the person can change their mind; then the
# accounts-deletions-process job erases what law does not make us keep.
ACCOUNT_DELETION_COOLING_OFF_DAYS = env.int("ACCOUNT_DELETION_COOLING_OFF_DAYS", default=14)

# --- Wagtail ------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "PhysioMassage Academy"
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAILADMIN_LOGIN_URL = "account_login"
WAGTAIL_FRONTEND_LOGIN_URL = "account_login"
WAGTAIL_PASSWORD_RESET_ENABLED = False  # resets go through allauth
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "txt", "xlsx", "zip"]
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp", "svg"]
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAILEMBEDS_RESPONSIVE_HTML = True
# No gravatar.com: the admin makes no outside requests; avatars are uploads or the default.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

from config.settings.media import *  # noqa: E402

# --- E-mail -------------------------------------------------------------------------


MAILERS = {"default": mailer_from_url(env("EMAIL_URL", default="consolemail://"))}
DEFAULT_FROM_EMAIL = env(
    "DEFAULT_FROM_EMAIL", default="PhysioMassage Academy <bookings@physiomassage.example>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# An e-mail claimed this long ago and still not sent belonged to a worker that died
# mid-send; the task's next run sends it (courses/mail.py). Longer than any SMTP send.
MAIL_SEND_LEASE_SECONDS = env.int("MAIL_SEND_LEASE_SECONDS", default=10 * 60)

from config.settings.tasks import *  # noqa: E402

# --- Stripe -------------------------------------------------------------------------
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
# The in-process Stripe fake (the `stripe_fake` app) is a dev and test tool: only dev.py
# and test.py turn it on, installing the app and pointing STRIPE_HTTP_CLIENT at it.
STRIPE_USE_FAKE = False
# The SDK's HTTP client as a dotted path; None: the SDK's own.
STRIPE_HTTP_CLIENT: str | None = None
CURRENCY = env("CURRENCY", default="usd")
# The fake is refused unless DEBUG is on or this says so (bench/rush.py runs DEBUG off).
STRIPE_FAKE_ALLOWED = env.bool("STRIPE_FAKE_ALLOWED", default=False)
# A seat hold lives as long as its Checkout Session: Stripe's minimum `expires_at` is 30
# minutes after creation, plus one minute for the round trip to Stripe.
CHECKOUT_HOLD_SECONDS = env.int("CHECKOUT_HOLD_SECONDS", default=31 * 60)
# Membership prices made in Stripe's dashboard (price_...). Unset: Checkout charges the
# amounts of the "Membership prices" setting in the Wagtail admin.
STRIPE_PRICE_MONTHLY = env("STRIPE_PRICE_MONTHLY", default="")
STRIPE_PRICE_ANNUAL = env("STRIPE_PRICE_ANNUAL", default="")

# --- i18n ---------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/Los_Angeles"
USE_I18N = True
USE_TZ = True
# One language (US English) today; every user-facing string is marked for translation,
# and `make messages` refreshes the catalog here.
LOCALE_PATHS = [BASE_DIR / "locale"]

from config.settings.security import *  # noqa: E402

# --- After the sale (courses) -------------------------------------------------------
# Hours before a session starts at which each confirmed attendee gets a reminder e-mail.
REMINDER_OFFSETS = env.list("REMINDER_OFFSETS", cast=int, default=[7 * 24, 24])
# How long seats offered to the next person on a waiting list are held for them.
WAITLIST_OFFER_HOURS = env.int("WAITLIST_OFFER_HOURS", default=48)
# The CE provider printed on certificates (the approval number is per workshop).
CE_PROVIDER_NAME = env("CE_PROVIDER_NAME", default="PhysioMassage Academy")
CE_PROVIDER_ADDRESS = env(
    "CE_PROVIDER_ADDRESS",
    default="1200 Wilshire Blvd, Suite 300, Los Angeles, CA 90017, USA",
)
# Home-study certificates print this unless the masterclass has its own approval number.
CE_PROVIDER_APPROVAL_NUMBER = env("CE_PROVIDER_APPROVAL_NUMBER", default="")
CE_SIGNATORY = env("CE_SIGNATORY", default="Dana Whitfield, PT, DPT — Education Director")
