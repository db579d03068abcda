"""One settings module, driven by environment variables.

The development default needs no configuration: the project's embedded PostgreSQL
(config/embedded_postgres.py, data in var/postgres/) and Celery tasks run eagerly in-process.
Set DJANGO_ENV=production for a deployment: DEBUG is off and every secret must come from the
environment.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PRODUCTION = os.environ.get("DJANGO_ENV", "development") == "production"
DEBUG = env_bool("DJANGO_DEBUG", not PRODUCTION)

DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"  # noqa: S105 - dev only
# Keys published in this repository or its examples, once shipped as defaults: never accepted in production.
PUBLISHED_SECRET_KEYS = {DEV_SECRET_KEY, "change-me-in-production-please-0123456789-abcdefghij"}
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if PRODUCTION:
    # The same test as `manage.py check --deploy` (security.W009), made an error: production does not
    # start on a missing, published, placeholder or weak key (issue 12: docker-compose.yml shipped one).
    if not SECRET_KEY:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_ENV=production")
    if (
        SECRET_KEY in PUBLISHED_SECRET_KEYS
        or SECRET_KEY.startswith("django-insecure")
        or "change-me" in SECRET_KEY.lower()
        or len(SECRET_KEY) < 50
        or len(set(SECRET_KEY)) < 5
    ):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is a published, placeholder or weak key: set a random one of 50 characters or more, "
            "e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
elif not SECRET_KEY:
    SECRET_KEY = DEV_SECRET_KEY

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "accounts.admin_apps.AdministratorsOnlyAdminConfig",  # django.contrib.admin, for administrators only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    "simple_history",
    "accounts",
    "sites",
    "beneficiaries",
    "kits",
    "stock",
    "projects",
    "distributions",
    "api",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.PreferredLanguageMiddleware",
    "accounts.audit.AuditChannelMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out sign-in into the lockout page (429)
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def database_url() -> str:
    """DATABASE_URL (an external PostgreSQL) or, unset, the project's embedded PostgreSQL (started if needed).

    PostgreSQL is the only database: the product relies on its constraints, row locks, COPY, pg_trgm
    and concurrent index builds (docs/architecture.md). A URL naming another engine is refused here.
    """
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        from config import embedded_postgres

        return embedded_postgres.ensure_running()
    if url.split(":", 1)[0].lower() not in {"postgres", "postgresql", "pgsql", "postgis"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL names {url.split(':', 1)[0]!r}: this product runs on PostgreSQL only. "
            "Unset DATABASE_URL to use the embedded PostgreSQL, or give a postgres:// URL."
        )
    return url


# DATABASE_PREPARED_STATEMENTS=true: server-side binding, and the statements a connection has run 5 times
# (psycopg's threshold) kept prepared. PostgreSQL then skips parsing and planning them: 4.5-4.7 -> 2.0-2.1 ms of
# its CPU per receipt POST (bench/receipt_cpu.py, docs/scaling.md). Off by default: after five runs PostgreSQL
# may keep one generic plan for every parameter, and one chosen for common values is ruinous for rare ones
# (measured: a rare name's household search 10-16 ms -> 805 ms p50, the plan scanning the households in id
# order for the LIMIT); each read would need checking first. Django's default then applies to every other
# statement: client-side binding, not prepared. When on, PgBouncer in transaction mode needs 1.22 or later with
# max_prepared_statements set, and raw SQL must say the type of a parameter PostgreSQL cannot infer (a small
# int is bound as smallint: generate_series).
#
# DATABASE_PREPARE_HOT_STATEMENTS (default true): the statements run through config.rows.prepared_cursor() are
# prepared, and only those (the look-ups by a unique key and the summaries' statement of a receipt POST, whose
# generic plan is every value's plan): with the statements built once beside them, 5.7-7.4 -> 2.9-4.5 ms of
# PostgreSQL's CPU per receipt POST (docs/benchmarks.md, "session 8"). psycopg sends DEALLOCATE ALL after any
# rollback: PgBouncer in transaction mode needs 1.22 or later with max_prepared_statements, or this false.
DATABASE_PREPARE_HOT_STATEMENTS = env_bool("DATABASE_PREPARE_HOT_STATEMENTS", True)
DATABASE_OPTIONS = {}
if env_bool("DATABASE_PREPARED_STATEMENTS", False):
    DATABASE_OPTIONS = {"server_side_binding": True, "prepare_threshold": 5}


def parse_database_url(url: str) -> dict:
    """A DATABASES entry for `url`, with the persistent connection, health check and DATABASE_OPTIONS."""
    settings = dj_database_url.parse(
        url, conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")), conn_health_checks=True
    )
    settings["OPTIONS"] = {**settings.get("OPTIONS", {}), **DATABASE_OPTIONS}
    return settings


DATABASES = {"default": parse_database_url(database_url())}
# A streaming read replica for dashboards, progress figures and exports (config/replica.py, docs/scaling.md).
# Without DATABASE_REPLICA_URL the alias mirrors "default" and nothing is routed to it (no second connection
# is opened); tests turn READ_REPLICA_ENABLED on to check the routing against the mirror.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "").strip()
READ_REPLICA_ENABLED = bool(DATABASE_REPLICA_URL)
DATABASES["replica"] = {
    **(parse_database_url(DATABASE_REPLICA_URL) if DATABASE_REPLICA_URL else DATABASES["default"]),
    "TEST": {"MIRROR": "default"},
}
DATABASE_ROUTERS = ["config.replica.ReadReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out account or address before any check
    "accounts.backends.RoleBackend",  # administrators hold every model permission
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French")), ("ar", _("Arabic"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]  # English dates day first (config/formats/en)
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Compressed (gzip + brotli) files with hashed names, served with far-future cache headers.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if not PRODUCTION:
    # Tests and `runserver` work without `collectstatic`.
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
WHITENOISE_MAX_AGE = 31536000
WHITENOISE_USE_FINDERS = not PRODUCTION

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",  # DRF's, its look-up built once
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "api.problems.exception_handler",
    # Partner API limits: per token (user) and per anonymous address.
    "DEFAULT_THROTTLE_RATES": {
        "api_user": os.environ.get("API_THROTTLE_USER", "1200/minute"),
        "api_anon": os.environ.get("API_THROTTLE_ANON", "30/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Humanitarian distribution tracker API",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "SiteStatusEnum": "sites.models.Site.Status",
        "DistributionStatusEnum": "distributions.models.Distribution.Status",
        "ProjectStatusEnum": "projects.models.Project.Status",
        "KitCategoryEnum": "kits.models.KitCategory",
    },
}

# Celery: with REDIS_URL a real broker and workers; without it tasks run eagerly in-process.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# One queue per workload (docs/scaling.md), so that a national import or a month-end of donor reports
# never delays another workload: a worker started without -Q consumes them all (small deployments and
# `make worker`); at scale each queue gets its own workers (`celery -A config worker -Q reports`).
# "celery" stays the default queue's name: tasks queued before this setting existed are still consumed.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [Queue(name) for name in ("celery", "imports", "reports", "maintenance")]
CELERY_TASK_ROUTES = {
    "beneficiaries.tasks.validate_import": {"queue": "imports"},
    "beneficiaries.tasks.run_import": {"queue": "imports"},
    "projects.tasks.build_progress_report": {"queue": "reports"},
    "distributions.tasks.distribution_progress_task": {"queue": "reports"},
    "beneficiaries.tasks.sweep_unsent_imports": {"queue": "maintenance"},
    "projects.tasks.sweep_stale_reports": {"queue": "maintenance"},
    "distributions.tasks.compact_progress_summaries": {"queue": "maintenance"},
    "projects.tasks.request_monthly_reports": {"queue": "maintenance"},
    "projects.tasks.anonymise_households_past_retention": {"queue": "maintenance"},
}

CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Fail fast when Redis is away: the throttles then count locally (api/throttling.py).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Duplicate registrations (beneficiaries/duplicates.py): a likelihood at or above HOLD keeps the row out
# until a manager decides; at or above REVIEW the household is registered and flagged for review.
DUPLICATE_HOLD_THRESHOLD = float(os.environ.get("DUPLICATE_HOLD_THRESHOLD", "0.92"))
DUPLICATE_REVIEW_THRESHOLD = float(os.environ.get("DUPLICATE_REVIEW_THRESHOLD", "0.80"))
# Registration imports: rows committed per transaction (one transaction per batch, resumable).
IMPORT_BATCH_SIZE = int(os.environ.get("IMPORT_BATCH_SIZE", "500"))
# Work asked for while the broker was away is sent again by the sweeps (celery beat, every minute) once
# it has waited this long unsent: imports (beneficiaries/imports/jobs.py) and reports (projects/services.py).
IMPORT_RESEND_SECONDS = int(os.environ.get("IMPORT_RESEND_SECONDS", "60"))
PROGRESS_REPORT_UNSENT_SECONDS = int(os.environ.get("PROGRESS_REPORT_UNSENT_SECONDS", "60"))
# A report's build renews this lease every third of it; a killed worker's report is taken over after it.
PROGRESS_REPORT_LEASE_SECONDS = int(os.environ.get("PROGRESS_REPORT_LEASE_SECONDS", "90"))

# Audit trail (accounts/audit.py): history is read in the admin, never reverted from it (writes go through services).
SIMPLE_HISTORY_REVERT_DISABLED = True
# Retention (projects/retention.py): households that never received anything are anonymised this many
# months after registration; the others after the latest end of their projects plus the project's retention.
RETENTION_UNLINKED_MONTHS = int(os.environ.get("RETENTION_UNLINKED_MONTHS", "24"))
# Partner and donor exports: households named by a keyed hash (beneficiaries/pseudonyms.py), and cells
# counting fewer households than this suppressed.
# Set it in production: unset, it is derived from SECRET_KEY, and rotating that would change every pseudonym.
HOUSEHOLD_PSEUDONYM_KEY = os.environ.get("HOUSEHOLD_PSEUDONYM_KEY", "")
SMALL_COUNT_THRESHOLD = int(os.environ.get("SMALL_COUNT_THRESHOLD", "5"))

# Where shared reference data (P-codes, IATI schema) is read from; never copied in.
SHARED_DATA_DIR = Path(os.environ.get("SHARED_DATA_DIR", BASE_DIR.parent / "shared" / "data"))

SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_AGE", str(8 * 3600)))
SESSION_SAVE_EVERY_REQUEST = True  # inactivity expiry: the clock restarts on each request
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp): our own origin only, no inline script or style, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Browser features no page uses (config/security.py); the camera stays for scanning household cards.
PERMISSIONS_POLICY = (
    "accelerometer=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=(), camera=(self)"
)

# Sign-in throttling (django-axes): after AXES_FAILURE_LIMIT failures an account is locked at that
# address (the pair: officers sharing a field office's address are not locked out with it), and after
# AXES_ADDRESS_FAILURE_LIMIT failures on any accounts the address is, for AXES_COOLOFF_TIME hours (pages,
# the admin and POST /api/v1/auth/token/). accounts/lockout.py.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_ADDRESS_FAILURE_LIMIT = int(os.environ.get("AXES_ADDRESS_FAILURE_LIMIT", "50"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "1"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "accounts.lockout.PairAndAddressHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"  # 429: a page, or problem JSON under /api/
AXES_USERNAME_FORM_FIELD = "username"
# Behind a reverse proxy, the client address is the last one it appended to X-Forwarded-For.
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("DJANGO_PROXY_COUNT", "0")) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)
# Uploaded registration lists (beneficiaries/imports): bigger files are refused with a form error.
IMPORT_MAX_UPLOAD_BYTES = int(os.environ.get("IMPORT_MAX_UPLOAD_MB", "50")) * 1024 * 1024
# What one upload may unpack to and hold (beneficiaries/imports/limits.py): decompression bombs refused.
IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES = int(os.environ.get("IMPORT_XLSX_MAX_UNCOMPRESSED_MB", "1024")) * 1024 * 1024
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "1048576"))
IMPORT_MAX_COLUMNS = int(os.environ.get("IMPORT_MAX_COLUMNS", "500"))

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Personal data out of logs and error reports (config/log_filters.py).
DEFAULT_EXCEPTION_REPORTER_FILTER = "config.log_filters.NoPostDataReporterFilter"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"personal_data": {"()": "config.log_filters.PersonalDataFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["personal_data"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Django's own handlers (console in DEBUG, mail to ADMINS) bypass the filter: send everything to ours.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
    },
}
