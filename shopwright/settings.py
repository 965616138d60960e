"""One settings module, configured only from the environment (12-factor).

Variables (documented in docs/OPERATIONS.md): SHOPWRIGHT_ENV, SECRET_KEY,
SHOPWRIGHT_DATA_KEYS, DATABASE_URL, REDIS_URL, EMAIL_URL, PLATFORM_DOMAIN,
PLATFORM_URL, DEFAULT_FROM_EMAIL, SHOPWRIGHT_VAR_DIR, TRUSTED_PROXY_COUNT,
DEBUG, LOG_LEVEL, CACHE_URL.

In `development` (the default) missing secrets are generated once into files
under var/ so that `make run` works on a fresh machine; in `production` the
process refuses to start without them, without EMAIL_URL, or with DEBUG on.
"""

from __future__ import annotations

import os
import re
import secrets
import sys
from collections.abc import Callable
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

SHOPWRIGHT_ENV = env.str("SHOPWRIGHT_ENV", default="development")
if SHOPWRIGHT_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured("SHOPWRIGHT_ENV must be development, test or production")
PRODUCTION = SHOPWRIGHT_ENV == "production"
TESTING = SHOPWRIGHT_ENV == "test" or "pytest" in sys.modules
DEBUG = env.bool("DEBUG", default=not PRODUCTION)

VAR_DIR = Path(env.str("SHOPWRIGHT_VAR_DIR", default=str(BASE_DIR / "var")))


def _development_secret(name: str, make: Callable[[], str]) -> str:
    """Read or create a development-only secret file under var/."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / name
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
        print(f"shopwright: generated a development {name} in {path}", file=sys.stderr)
    return path.read_text().strip()


def _new_data_key() -> str:
    import base64

    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


SECRET_KEY = env.str("SECRET_KEY", default="")
SHOPWRIGHT_DATA_KEYS = [k.strip() for k in env.str("SHOPWRIGHT_DATA_KEYS", default="").split(",") if k.strip()]
if PRODUCTION:
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when SHOPWRIGHT_ENV=production")
    if not SHOPWRIGHT_DATA_KEYS:
        raise ImproperlyConfigured("SHOPWRIGHT_DATA_KEYS must be set when SHOPWRIGHT_ENV=production")
    if DEBUG:
        # DEBUG shows settings and tracebacks to visitors and opens the development outbox.
        raise ImproperlyConfigured("DEBUG must be off when SHOPWRIGHT_ENV=production")
else:
    if not SECRET_KEY:
        SECRET_KEY = _development_secret("secret_key.dev", lambda: secrets.token_urlsafe(50))
    if not SHOPWRIGHT_DATA_KEYS:
        SHOPWRIGHT_DATA_KEYS = [_development_secret("data_key.dev", _new_data_key)]

PLATFORM_DOMAIN = env.str("PLATFORM_DOMAIN", default="localhost").lower()
# The platform site's public origin, used in emailed links.
PLATFORM_URL = env.str(
    "PLATFORM_URL", default=f"https://{PLATFORM_DOMAIN}" if PRODUCTION else f"http://{PLATFORM_DOMAIN}:8000"
)
PLATFORM_NAME = "Shopwright"

# How many reverse proxies of our own sit in front of the app, each appending
# the address it saw to X-Forwarded-For. The client is the N-th entry from the
# right (shopwright.core.requests.client_ip). 0 ignores the header and uses
# the socket peer: with no proxy of ours, every entry is the client's own.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1 if PRODUCTION else 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more")

# Hosts are checked by shopwright.core.tenancy.HostRoutingMiddleware, which
# knows the platform domain, every store subdomain and verified custom domains.
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "django_countries",
    "django_htmx",
    "ninja",
    "huey.contrib.djhuey",
    "shopwright.core",
    "shopwright.stores",
    "shopwright.customers",
    "shopwright.catalog",
    "shopwright.cart",
    "shopwright.shipping",
    "shopwright.taxes",
    "shopwright.checkout",
    "shopwright.orders",
    "shopwright.payments",
    "shopwright.privacy",
    "shopwright.platform",
    "shopwright.backoffice",
    "shopwright.storefront",
]

MIDDLEWARE = [
    # Security headers and the HTTPS redirect first: they also cover the
    # answers the host router gives by itself (unknown host, store not open).
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "shopwright.core.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "shopwright.core.tenancy.HostRoutingMiddleware",
    # Outside every middleware that sets cookies: drops the non-necessary ones the visitor has not allowed.
    "shopwright.privacy.cookies.CookieConsentMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Django's, without its language-prefix lookups when no URLconf has prefixes.
    "shopwright.core.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "shopwright.customers.middleware.CustomerMiddleware",
    # Django's, with the message storage made only for a request that uses it.
    "shopwright.core.messages.LazyMessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Clears the visitor's cart and favourite cookies once sign-in has merged them into the account.
    "shopwright.cart.middleware.PendingCookiesMiddleware",
]

ROOT_URLCONF = "shopwright.urls"
WSGI_APPLICATION = "shopwright.wsgi.application"
AUTH_USER_MODEL = "stores.User"
AUTHENTICATION_BACKENDS = ["shopwright.stores.auth.EmailBlindIndexBackend"]
LOGIN_URL = "platform:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shopwright.core.context_processors.platform",
                "shopwright.privacy.cookies.privacy_context",
            ],
        },
    }
]

DATABASES = {
    # An empty DATABASE_URL (common in env files) means the default too.
    "default": environ.Env.db_url_config(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'shopwright.sqlite3'}"
    ),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + immediate transactions: readers never block the writer and a
    # write transaction takes the lock at BEGIN, so concurrent writers queue
    # instead of failing with "database is locked" halfway.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    )
else:
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend, whose health check polls the socket before it sends a SELECT 1
        # (shopwright/core/postgresql/base.py): one round trip less per request and per job.
        DATABASES["default"]["ENGINE"] = "shopwright.core.postgresql"
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Prepared statements: PostgreSQL spent more of a checkout's statement time planning than
    # executing (6.2 against 3.7 ms per checkout), and a persistent connection runs the same
    # statements over and over. psycopg prepares a statement on a connection once it has run it this
    # many times; PostgreSQL then plans it once (docs/BENCHMARKS.md, "fifth look"). That needs
    # server-side binding. "off" keeps Django's default (client-side binding, nothing prepared), for
    # a pooler that cannot carry prepared statements (PgBouncer before 1.21 in transaction mode).
    DATABASE_PREPARE_THRESHOLD = env.str("DATABASE_PREPARE_THRESHOLD", default="5").strip().lower()
    if DATABASE_PREPARE_THRESHOLD != "off":
        if not DATABASE_PREPARE_THRESHOLD.isdigit():
            raise ImproperlyConfigured("DATABASE_PREPARE_THRESHOLD must be a whole number of runs, or off")
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {"server_side_binding": True, "prepare_threshold": int(DATABASE_PREPARE_THRESHOLD)}
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
# Threads of each job consumer (`shopwright worker`). Most jobs wait on the network (a provider's
# webhook delivered to a store, SMTP, a provider's refund or close call), so threads, not cores,
# bound how many run at once: with 2, the test provider's webhooks fell behind from 32 buyers
# (docs/BENCHMARKS.md, "Checkout").
WORKER_THREADS = env.int("WORKER_THREADS", default=8)
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", ... under pytest -n
if TESTING and REDIS_URL and _XDIST_WORKER:
    # Parallel test processes each get their own Redis database (15, 14, ...), as they get their
    # own test database: one worker's flush or queue never touches another's. Subprocesses the
    # tests start inherit the same database through the environment.
    REDIS_URL = re.sub(r"(/\d+)?$", f"/{15 - int(_XDIST_WORKER.removeprefix('gw'))}", REDIS_URL.rstrip("/"), count=1)
    os.environ["REDIS_URL"] = REDIS_URL
if REDIS_URL:
    CACHES = {
        # Django's RedisCache, reusing one client per connection pool (core/redis_cache.py).
        "default": {"BACKEND": "shopwright.core.redis_cache.ReusingRedisCache", "LOCATION": REDIS_URL},
    }
else:
    # The database cache is shared by every web worker, which the login
    # throttle needs; local memory would give each process its own counters.
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "shopwright_cache"},
    }
# An explicit cache overrides both (django-environ syntax): bench/storefront.py
# --no-cache serves with CACHE_URL=dummycache:// to measure what caching buys.
CACHE_URL = env.str("CACHE_URL", default="")
if CACHE_URL:
    CACHES = {"default": env.cache_url_config(CACHE_URL)}

# How long each process remembers which store a host names (stores.selectors):
# a suspended store or a removed domain stops answering on every worker within
# this time. Off in tests, which change stores with bulk updates.
STORE_LOOKUP_CACHE_SECONDS = 0 if TESTING else env.int("STORE_LOOKUP_CACHE_SECONDS", default=5)

SESSION_ENGINE = "django.contrib.sessions.backends.cache" if REDIS_URL else "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "full_name", "name")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
# Data export ZIPs (privacy.exports): private, never served by the web server; deleted after download or 7 days.
PRIVATE_EXPORT_ROOT = Path(env.str("PRIVATE_EXPORT_ROOT", default=str(VAR_DIR / "exports")))
# Where a merchant's own (platform) data is stored; a store's customers' data is in Store.data_region.
PLATFORM_DATA_REGION = env.str("PLATFORM_DATA_REGION", default="local")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    # WhiteNoise serves from the app folders in development; the (empty) root
    # must still exist. Production fills it with `collectstatic`.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Email: EMAIL_URL=smtp://user:pass@host:port (smtp+tls:// for STARTTLS).
# Without it every message is kept in the outbox table and shown at
# /dev/outbox in development (DEBUG, from a loopback address only).
EMAIL_URL = env.str("EMAIL_URL", default="")
if PRODUCTION and not EMAIL_URL:
    # Without it no verification or reset mail would ever leave the building.
    raise ImproperlyConfigured("EMAIL_URL must be set when SHOPWRIGHT_ENV=production")
if EMAIL_URL:
    vars().update(env.email_url_config(EMAIL_URL))
else:
    EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default=f"Shopwright <no-reply@{PLATFORM_DOMAIN}>")
SHOPWRIGHT_OUTBOX_ONLY = not EMAIL_URL

# Jobs: Huey, SQLite-backed by default and Redis-backed when REDIS_URL is set.
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.PriorityRedisHuey",
        "name": "shopwright",
        "url": REDIS_URL,
        "immediate": False,
        # No result store: a failed job's error text could hold a recipient's
        # address, and nothing here reads results.
        "results": False,
        "consumer": {"workers": WORKER_THREADS, "worker_type": "thread"},
    }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "shopwright",
        "filename": str(VAR_DIR / "jobs.sqlite3"),
        "immediate": False,
        "results": False,
        "consumer": {"workers": WORKER_THREADS, "worker_type": "thread"},
    }
if TESTING:
    HUEY["immediate"] = True

# Security headers. Production turns on everything `check --deploy` looks for.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = False
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)
if PRODUCTION:
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Login throttling (shopwright.core.throttle).
LOGIN_THROTTLE = {
    "account_failures": 5,  # failures per account before a lock-out
    "ip_failures": 20,  # failures per client IP before a lock-out
    "first_lockout_seconds": 60,  # doubles with every further lock-out
    "max_lockout_seconds": 60 * 60 * 24,
    "window_seconds": 60 * 60 * 24,
}

# --- Payments (payments/; documented in docs/OPERATIONS.md, "Payments") -------------
# Stripe's API origin; tests point it at a local stub (tests/payments/stripe_stub.py).
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com")
# Per call to Stripe, and how often the library itself retries a failed
# connection (with the same idempotency key, so never twice in effect).
STRIPE_TIMEOUT_SECONDS = env.float("STRIPE_TIMEOUT_SECONDS", default=20.0)
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=1)
# How the built-in test provider delivers its signed webhooks: "http" POSTs
# them to the store's webhook URL (as a real provider does); "direct" hands
# the same signed body to the webhook service in-process (the test client
# has no socket, so tests use it).
TEST_GATEWAY_DELIVERY = env.str("TEST_GATEWAY_DELIVERY", default="direct" if TESTING else "http")
if TEST_GATEWAY_DELIVERY not in {"http", "direct"}:
    raise ImproperlyConfigured("TEST_GATEWAY_DELIVERY must be http or direct")
# --- end of payments ----------------------------------------------------------------

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()

# Every handler carries the personal-data filter (which also hides one-time
# tokens in URL paths). Loggers that Django or Huey would otherwise give a
# handler of their own are declared here so that they only ever use "console":
# Django's defaults put an unfiltered console handler on "django" (DEBUG only)
# and on "django.server", and Huey's run_huey adds a plain handler to "huey"
# unless it already has one.
# Abuse limits per client IP and hour (shopwright.core.throttle.rate_limit_hit).
SIGNUP_LIMITS = {"merchant_signups_per_hour": 10, "customer_registrations_per_hour": 30}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"personal_data": {"()": "shopwright.core.logging.PersonalDataFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["personal_data"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.server": {"handlers": ["console"], "propagate": False},
        "django.db.backends": {"level": "INFO"},
        "huey": {"handlers": ["console"], "propagate": False},
    },
}
