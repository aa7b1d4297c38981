"""segweb settings: one module, configured from environment variables.

Every variable is listed in .env.example. Defaults run the product on one machine with no
servers to install: the embedded PostgreSQL that `make run` starts and Celery's filesystem
broker. With DEBUG off, SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL must be set.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
import plotly
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from dotenv import load_dotenv

from segweb import local_postgres
from segweb.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
# A local checkout's .env (make run writes it: DEBUG on, a random SECRET_KEY), so manage.py
# works in a plain shell; the environment wins over it. Deployments have no such file.
load_dotenv(os.environ.get("SEGWEB_ENV_FILE") or BASE_DIR / ".env", override=False)
VAR_DIR = Path(env_str("SEGWEB_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = env_str("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not DEBUG and not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (see .env.example).")
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off (see .env.example).")
if DEBUG:
    SECRET_KEY = SECRET_KEY or "insecure-development-key-only-for-debug"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["localhost", "127.0.0.1", "[::1]"]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_celery_beat",
    "axes",
    "segments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Last: turns a paused sign-in into the lockout page (segments.signin.lockout_response).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "segweb.urls"
WSGI_APPLICATION = "segweb.wsgi.application"

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
                "segments.context_processors.role_flags",
                "segments.context_processors.shop_currency",
                "django.template.context_processors.csp",
            ],
        },
    },
]

# PostgreSQL only. Without DATABASE_URL (local development), the embedded server that
# `make run` starts in var/postgres (segweb.local_postgres).
DATABASE_URL = env_str("DATABASE_URL")
if not DEBUG and not DATABASE_URL:
    raise ImproperlyConfigured("DATABASE_URL must be set when DEBUG is off (see .env.example).")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or local_postgres.database_url(VAR_DIR / "postgres"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured(
        "DATABASE_URL must name a PostgreSQL server (postgres://user:password@host:5432/name): "
        "segweb runs on PostgreSQL 15 or newer only."
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "segments:dashboard"
LOGOUT_REDIRECT_URL = "login"
AUTHENTICATION_BACKENDS = [
    # First: refuses a paused sign-in before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Sign-in throttling (django-axes, segments.signin): a username from one address pauses after
# AXES_FAILURE_LIMIT failures, an address after SEGWEB_SIGNIN_ADDRESS_FAILURE_LIMIT whatever the
# usernames; a pause lasts 15 minutes from the failure that started it, and a success clears
# that username's failures from that address. The login page states the limit and the pause.
AXES_FAILURE_LIMIT = 5
SEGWEB_SIGNIN_ADDRESS_FAILURE_LIMIT = 20
AXES_COOLOFF_TIME = 0.25  # hours: 15 minutes
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]  # this order: signin.py
AXES_HANDLER = "segments.signin.SigninThrottle"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # refused tries do not extend a pause
AXES_LOCKOUT_CALLABLE = "segments.signin.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_CLIENT_IP_CALLABLE = "segments.signin.client_ip"
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are in the audit log already; no second copy of IPs
# Its start-up banner and per-sign-in INFO lines would fill every console; the audit log has them.
AXES_VERBOSE = False
# Reverse proxies in front of the app that append to X-Forwarded-For (0: clients connect directly).
SEGWEB_TRUSTED_PROXIES = env_int("SEGWEB_TRUSTED_PROXIES", 0)
if SEGWEB_TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured("SEGWEB_TRUSTED_PROXIES must be 0 or more (see .env.example).")

LANGUAGE_CODE = "en-gb"
# One date format everywhere ("27 Nov 2026", "27 Nov 2026 14:05"): segweb/formats/en_GB.
FORMAT_MODULE_PATH = ["segweb.formats"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
# plotly.js comes from the installed plotly package and is served by the app (no CDN).
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("plotly", Path(plotly.__file__).resolve().parent / "package_data"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "uploads"
# Uploads hold customers' data: readable by the app's own user only (and deleted once imported).
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
SEGWEB_MAX_UPLOAD_BYTES = env_int("SEGWEB_MAX_UPLOAD_BYTES", 512 * 1024 * 1024)
# The shop's currency (ISO 4217) for money on the pages; empty: GBP for UCI Online Retail data
# (a UK shop), else EUR.
SEGWEB_CURRENCY = env_str("SEGWEB_CURRENCY", "").upper()
# Whether Marketing users may export lists with contact details (Admins always may); without
# it they export customer ids and features only.
SEGWEB_MARKETING_CONTACT_EXPORTS = env_bool("SEGWEB_MARKETING_CONTACT_EXPORTS", default=True)
# Runs kept after each successful run: the last N succeeded ones and any newer (0 keeps all).
# A run of 1M customers holds about 1M assignment rows (~0.3 GB with its indexes).
SEGWEB_KEEP_RUNS = env_int("SEGWEB_KEEP_RUNS", 0)
if SEGWEB_KEEP_RUNS < 0:
    raise ImproperlyConfigured("SEGWEB_KEEP_RUNS must be 0 (keep all) or more.")

# Secure by default: with DEBUG off the site is served over HTTPS (a proxy in front sets
# X-Forwarded-Proto): secure cookies, a redirect from plain HTTP, HSTS with subdomains. HTTPS=0
# opts out for a plain-HTTP intranet, and a warning says so at start (segments.apps).
HTTPS = env_bool("HTTPS", default=not DEBUG)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
# Asking browsers to preload HSTS commits the whole domain to HTTPS for good: the domain
# owner's decision (SECURE_HSTS_PRELOAD=1), not a default, so its deploy warning is silenced.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Content-Security-Policy: scripts only from the app itself (and inline ones carrying the
# request's nonce); styles may be inline, for the segment colours and Plotly's own styles.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Celery: Redis when REDIS_URL is set, else the filesystem transport (no server needed).
REDIS_URL = env_str("REDIS_URL")
BROKER_DIR = VAR_DIR / "broker"
# The filesystem transport needs no host; naming one keeps kombu from warning about it.
CELERY_BROKER_URL = REDIS_URL or "filesystem://localhost/"
CELERY_BROKER_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 3600)
if REDIS_URL:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT}
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
    # The filesystem transport expects its folders to exist.
    for folder in ("queue", "processed", "control"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Time limits stay below the visibility timeout so a task is never delivered twice while alive.
SEGWEB_TASK_SOFT_TIME_LIMIT = env_int("SEGWEB_TASK_SOFT_TIME_LIMIT", 1500)
SEGWEB_TASK_TIME_LIMIT = env_int("SEGWEB_TASK_TIME_LIMIT", 1800)
if SEGWEB_TASK_TIME_LIMIT >= CELERY_BROKER_VISIBILITY_TIMEOUT:
    raise ImproperlyConfigured("SEGWEB_TASK_TIME_LIMIT must be below CELERY_VISIBILITY_TIMEOUT.")
# A worker writes a heartbeat every few seconds while it runs or imports; work silent for
# SEGWEB_STALE_SECONDS has lost its worker and is handed to a live one (segments.services.recovery),
# which a check does every SEGWEB_RECOVERY_SECONDS.
SEGWEB_HEARTBEAT_SECONDS = env_int("SEGWEB_HEARTBEAT_SECONDS", 5)
SEGWEB_STALE_SECONDS = env_int("SEGWEB_STALE_SECONDS", 60)
SEGWEB_RECOVERY_SECONDS = env_int("SEGWEB_RECOVERY_SECONDS", 30)
if SEGWEB_STALE_SECONDS < 3 * SEGWEB_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured("SEGWEB_STALE_SECONDS must be at least 3 heartbeats long.")
# Fault tests only: "stage:seconds" holds every run at the start of that stage.
SEGWEB_FAULT_PAUSE = env_str("SEGWEB_FAULT_PAUSE")

# One format for web, worker and beat (segweb.celery hands Celery's logging to this).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"short_refusals": {"()": "segweb.log_filters.ShortRefusals"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["short_refusals"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
