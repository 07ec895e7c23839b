"""Waypoint settings: one file, configured only by environment variables.

Defaults serve a fresh checkout (SQLite, eager Celery, console email, local media).
With DEBUG off the settings refuse to load without a real SECRET_KEY and ALLOWED_HOSTS.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# --- Core ---------------------------------------------------------------------

DEBUG = env.bool("DEBUG", default=False)

# Values that must never reach production: the example file's and Django's dev prefix.
PLACEHOLDER_SECRETS = {"", "change-me", "changeme", "secret"}
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])

if DEBUG:
    SECRET_KEY = SECRET_KEY or "dev-only-not-for-production-" + "x" * 32
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]
else:
    if SECRET_KEY in PLACEHOLDER_SECRETS or SECRET_KEY.startswith(("django-insecure", "dev-only")):
        raise ImproperlyConfigured("SECRET_KEY must be set to a long random value when DEBUG is off.")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters when DEBUG is off.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must list the served host names when DEBUG is off.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "security",
    # Two-factor sign-in (organisations/two_factor.py).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "organisations",
    "assessment",
    "surveys",
    "reports",
    "outbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy (django-csp's, the site's policy built once), Permissions-Policy and the
    # survey links' Referrer-Policy (below).
    "security.middleware.ContentSecurityPolicyMiddleware",
    "security.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Two-factor sign-in: which device verified the session, then send those who must to the code or
    # enrolment page before anything else.
    "django_otp.middleware.OTPMiddleware",
    "organisations.two_factor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns lockouts into responses.
    "axes.middleware.AxesMiddleware",
]

# The respondent API and a survey link's autosave (the link's token is their only credential: no
# session, no cookie, no form) skip the middleware of the signed-in site; each autosaved answer is one
# of their requests. The security headers, CommonMiddleware and X-Frame-Options still apply
# (config/wsgi.py). A leader's own survey (self-assessment/<id>/) is signed in: not here.
LEAN_PATHS = [r"/api/v1/survey/[^/]+/", r"/s/[^/]+/answers/$"]
LEAN_PATHS_SKIP = [
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "organisations.two_factor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "axes.middleware.AxesMiddleware",
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
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Seconds a connection is kept for the next request (0: closed after each request). Opening a
# PostgreSQL connection starts a server process, which costs more than a survey answer's save.
# A `?conn_max_age=` in DATABASE_URL wins.
DATABASES["default"].setdefault(
    "CONN_MAX_AGE",
    env.int("CONN_MAX_AGE", default=0 if DATABASES["default"]["ENGINE"].endswith("sqlite3") else 60),
)
# Check a kept connection before a request uses it, so a restarted database costs no failed request.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication -------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "organisations.passwords.NotOnlyWhitespaceValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Lockout, client addresses and throttles -------------------------------------------------

# Sign-in failures are counted per (username, address) and per address across usernames: a pair is
# locked after AXES_FAILURE_LIMIT failures, an address (password spraying) after
# AXES_ADDRESS_FAILURE_LIMIT; a locked username still signs in from another address.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_ADDRESS_FAILURE_LIMIT = env.int("AXES_ADDRESS_FAILURE_LIMIT", default=20)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "organisations.lockout.PairAndAddressHandler"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# A JSON 429 in the API's error shape under /api/, a plain 429 page elsewhere.
AXES_LOCKOUT_CALLABLE = "organisations.exceptions.lockout_response"
# The client's address, for the lockout and the throttles: REMOTE_ADDR with no proxy in front (0, the
# default: a client-set X-Forwarded-For is then ignored), else the address the outermost of this many
# trusted reverse proxies saw (the N-th X-Forwarded-For entry from the right).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "organisations.throttles.client_address"

# The cache the throttles count in. It must be shared by every web process: redis://host:6379/1 in
# production; the default (locmemcache://) counts per process.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
# Rate limits, "<count>/<second|minute|hour|day>" (organisations/throttles.py); over a limit the
# answer is 429 with Retry-After.
THROTTLE_REPORT_RENDERS = env.str("THROTTLE_REPORT_RENDERS", default="30/hour")  # per organisation
THROTTLE_SIGN_UPS = env.str("THROTTLE_SIGN_UPS", default="10/hour")  # per client address
THROTTLE_PASSWORD_RESETS = env.str("THROTTLE_PASSWORD_RESETS", default="10/hour")  # per client address
THROTTLE_MEMBER_INVITATIONS = env.str("THROTTLE_MEMBER_INVITATIONS", default="50/hour")  # per client address
THROTTLE_SURVEY_TOKEN = env.str("THROTTLE_SURVEY_TOKEN", default="600/hour")  # per survey link
THROTTLE_SURVEY_ADDRESS = env.str("THROTTLE_SURVEY_ADDRESS", default="6000/hour")  # per client address
THROTTLE_SURVEY_BAD_TOKENS = env.str("THROTTLE_SURVEY_BAD_TOKENS", default="60/hour")  # per client address

# --- Two-factor sign-in (organisations/two_factor.py) --------------------------------------

# The name authenticator apps show next to the account.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Waypoint")
# After each wrong code the next try waits factor × 2^(failures − 1) seconds (django-otp's throttle).
OTP_TOTP_THROTTLE_FACTOR = env.int("OTP_THROTTLE_FACTOR", default=1)
OTP_STATIC_THROTTLE_FACTOR = OTP_TOTP_THROTTLE_FACTOR

# --- Internationalisation -----------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media files ---------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True

# --- Email --------------------------------------------------------------------

# EMAIL_URL: consolemail:// (default) or smtp+tls://user:password@host:587, parsed by django-environ.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Waypoint <waypoint@localhost>")
# A slow mail server must not hold a worker for ever; the task retries instead.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)

# --- Survey -------------------------------------------------------------------

# Links in invitation emails are absolute; emails are sent by workers that have no request.
SITE_URL = env.str("SITE_URL", default="").rstrip("/") or (
    "http://127.0.0.1:8000" if DEBUG else f"https://{ALLOWED_HOSTS[0].lstrip('.')}"
)
INVITATION_TTL_DAYS = env.int("INVITATION_TTL_DAYS", default=30)
# Respondents' email addresses are erased this many days after their assessment closes; the
# anonymous answers stay.
INVITATION_RETENTION_DAYS = env.int("INVITATION_RETENTION_DAYS", default=90)
# Invitations to join a firm or an organisation expire after this many days.
MEMBER_INVITATION_TTL_DAYS = env.int("MEMBER_INVITATION_TTL_DAYS", default=7)

# --- Anonymity (PRODUCT.md: Anonymity rules; read through assessment/anonymity.py only) -------

# Nothing derived from fewer people than this is shown to anyone. Three is the floor: with two,
# each of them can work out the other's answers from a mean.
MIN_RESPONDENTS = env.int("MIN_RESPONDENTS", default=3)
if MIN_RESPONDENTS < 3:
    raise ImproperlyConfigured("MIN_RESPONDENTS must be 3 or more: below 3, answers can be told apart.")
# Reminders go to invitations not yet submitted, this many days after the last email, at most N times.
REMINDER_INTERVAL_DAYS = env.int("REMINDER_INTERVAL_DAYS", default=3)
REMINDER_MAX = env.int("REMINDER_MAX", default=3)

# --- Celery -------------------------------------------------------------------

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")

# --- Outbox (outbox/services.py): queued work is stored with the change, then published ---
# Seconds a publish waits for the broker (one attempt) before the message is left pending for the sweep.
OUTBOX_PUBLISH_TIMEOUT = env.float("OUTBOX_PUBLISH_TIMEOUT", default=1.0)
# The sweep (on beat, every OUTBOX_SWEEP_EVERY seconds) publishes messages pending this many seconds.
OUTBOX_SWEEP_EVERY = env.int("OUTBOX_SWEEP_EVERY", default=60)
OUTBOX_SWEEP_AFTER = env.int("OUTBOX_SWEEP_AFTER", default=10)
# A message handed over this many seconds ago and still not done is handed over again (a broker that
# lost it); keep it well above the longest wait in the queue plus CELERY_TASK_TIME_LIMIT.
OUTBOX_REDISPATCH_AFTER = env.int("OUTBOX_REDISPATCH_AFTER", default=6 * 3600)
# Done messages are deleted after this many days.
OUTBOX_KEEP_DAYS = env.int("OUTBOX_KEEP_DAYS", default=7)
# --- end outbox ---
# Without a broker, tasks run in-process: the embedded default needs no other service.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=120)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=180)
# WeasyPrint does not give memory back to the operating system: recycle workers.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=400_000)
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"reports.tasks.*": {"queue": "reports"}}
# `make beat` runs these: reminders each morning (UTC), the respondent API's stored
# Idempotency-Key results forgotten once they are a day old, and each night the email addresses
# of invitations whose assessment closed INVITATION_RETENTION_DAYS ago erased.
CELERY_BEAT_SCHEDULE = {
    "send-reminders": {"task": "surveys.tasks.send_reminders_task", "schedule": crontab(hour=8, minute=0)},
    "purge-idempotency-records": {
        "task": "surveys.tasks.purge_idempotency_records_task",
        "schedule": crontab(minute=15),
    },
    "erase-invitation-emails": {
        "task": "surveys.tasks.erase_invitation_emails_task",
        "schedule": crontab(hour=3, minute=30),
    },
    # The outbox: queued work the broker did not take when it was queued (it was down) goes now.
    "sweep-outbox": {"task": "outbox.tasks.sweep_outbox_task", "schedule": OUTBOX_SWEEP_EVERY},
}
# A task whose worker died unacknowledged goes back to the queue after this many seconds; keep it
# above CELERY_TASK_TIME_LIMIT, or a slow task is handed to a second worker while it still runs.
# Abandoned tasks are looked for every 10 seconds (a cheap Redis range query), not every 100.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=300),
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Reports ------------------------------------------------------------------

# The branding a new firm starts with; each firm then sets its own (name, colour, logo) for its roadmaps.
WAYPOINT_FIRM_NAME = env.str("WAYPOINT_FIRM_NAME", default="Waypoint Advisory")
WAYPOINT_FIRM_COLOUR = env.str("WAYPOINT_FIRM_COLOUR", default="#1d3557")
if (
    len(WAYPOINT_FIRM_COLOUR) != 7
    or WAYPOINT_FIRM_COLOUR[0] != "#"
    or WAYPOINT_FIRM_COLOUR[1:].strip("0123456789abcdefABCDEF")
):
    raise ImproperlyConfigured("WAYPOINT_FIRM_COLOUR must be a colour written #rrggbb.")

# --- REST API -----------------------------------------------------------------

REST_FRAMEWORK = {
    # Token first: an anonymous API call gets 401 with `WWW-Authenticate: Token`, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        # Django's session, refused (403) while a second factor the user must give is missing.
        "organisations.two_factor.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["organisations.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "organisations.openapi.ApiSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "organisations.exceptions.handle_exception",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    # Swagger UI served from our own static files: the docs work without internet access.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "TITLE": "Waypoint API",
    "DESCRIPTION": (
        "Sales transformation maturity assessments. Authenticate with `Authorization: Token <key>` "
        "(POST /api/v1/auth/token/) or a signed-in session. Every error has the same shape: "
        '`{"code": ..., "message": ..., "fields": {...}}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # OpenAPI 3.1: its schemas are JSON Schema, so rules such as `propertyNames` (what keys of an
    # object may hold) are stated where 3.0 has no word for them.
    "OAS_VERSION": "3.1.0",
    # Our PATCH bodies have required fields of their own (a role, the targets): keep them required.
    "COMPONENT_SPLIT_PATCH": False,
    # Ids are positive 64-bit integers in every database we support.
    "PATH_CONVERTER_OVERRIDES": {"int": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}},
    # Several models have a "status" or "state": name these choice sets after their model.
    "ENUM_NAME_OVERRIDES": {
        "InitiativeStatusEnum": "assessment.models.InitiativeStatus",
        "AssessmentStateEnum": "assessment.models.AssessmentState",
        "OrganisationRoleEnum": "organisations.models.Role",
        "ClientRoleEnum": "organisations.models.CLIENT_ROLE_CHOICES",
        "FirmRoleEnum": "organisations.models.FirmRole",
        "ReportStatusEnum": "reports.models.ReportStatus",
        "RoadmapBasisEnum": "assessment.models.RoadmapBasis",
    },
}

# --- Security (production) ----------------------------------------------------

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SESSION_COOKIE_SECURE = not DEBUG
# A sign-in lasts at most SESSION_HOURS (then the password and code again), not Django's two weeks,
# and ends with the browser.
SESSION_COOKIE_AGE = env.int("SESSION_HOURS", default=12) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_SECURE = not DEBUG
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- Security headers ---------------------------------------------------------------------------

# Scripts and styles come only from our own static files: no inline <script>, <style>, style=""
# or on...= handler anywhere (tests/browser/test_content_security_policy.py watches for
# violations). The API's Swagger UI page alone adds data: images (config/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Browser features no page of ours uses, switched off for them and anything they could embed.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# --- Logging ------------------------------------------------------------------

# Every handler drops the tokens of secret addresses (survey links, sign-up confirmations, member
# invitations, password resets) from what it writes: security/redaction.py. Django's own
# django.server handler (runserver's request lines) is replaced by one that does; gunicorn's
# access and error logs are redacted by config/gunicorn.py.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "security.redaction.RedactSecrets"}},
    "formatters": {
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"}
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_secrets"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact_secrets"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's default handlers for these write unredacted; everything goes through ours.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        # WeasyPrint logs each step of every render (and of its own stylesheets when imported) at INFO.
        "weasyprint.progress": {"level": "WARNING"},
    },
}
