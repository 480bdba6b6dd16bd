"""Omniport settings: everything comes from environment variables.

Local defaults are safe and self-contained: no DATABASE_URL starts an embedded
PostgreSQL under var/, no CELERY_BROKER_URL starts an embedded Redis. With
DJANGO_ENV=production the process refuses to start on a default SECRET_KEY.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config import embedded

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DJANGO_ENV = env("DJANGO_ENV", "development")  # development | test | production
PRODUCTION = DJANGO_ENV == "production"
TESTING = DJANGO_ENV == "test"

_DEV_SECRET_KEY = "dev-insecure-omniport-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env("SECRET_KEY", _DEV_SECRET_KEY)
if PRODUCTION and (SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 32 characters in production."
    )

DEBUG = env_bool("DEBUG", not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
PUBLIC_URL = env("PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")

# Encrypts marketplace credentials at rest (Fernet keys, comma separated for rotation).
# Derived from SECRET_KEY locally; production must set its own.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")
if PRODUCTION and not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set in production.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "django_countries",
    "django_celery_beat",
    "graphene_django",
    "anymail",
    # the core
    "commerce.core",
    "commerce.account",
    "commerce.channel",
    "commerce.catalog",
    "commerce.pricing",
    "commerce.inventory",
    "commerce.orders",
    "commerce.checkout",
    "commerce.payment",
    "commerce.notifications",
    "commerce.api",
    # the channels around it
    "storefront",
    "hub",
    "hub.stores",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "storefront.middleware.MarketMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

STOREFRONT_THEME = env("STOREFRONT_THEME", "default")
THEMES_DIR = BASE_DIR / "themes"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The active theme first, then the default theme as the base tree.
        "DIRS": [THEMES_DIR / STOREFRONT_THEME / "templates", THEMES_DIR / "default" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "storefront.context_processors.storefront",
            ],
        },
    },
]


# --- Database: PostgreSQL always -------------------------------------------------
def _database_from_url(url: str) -> dict[str, object]:
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql", "postgresql+psycopg"}:
        raise ImproperlyConfigured("DATABASE_URL must be a postgresql:// URL (PostgreSQL only).")
    query = parse_qs(parsed.query)
    host = query.get("host", [parsed.hostname or ""])[0]
    return {
        "HOST": unquote(host),
        "PORT": str(parsed.port or ""),
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "NAME": unquote(parsed.path.lstrip("/")) or "postgres",
    }


DATABASE_URL = env("DATABASE_URL")
_db = _database_from_url(DATABASE_URL) if DATABASE_URL else embedded.ensure_postgres()
if env("OMNIPORT_DB_NAME"):
    # Lets helper processes (a Celery worker under test) join a test database.
    _db["NAME"] = env("OMNIPORT_DB_NAME")
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        **_db,
        "CONN_MAX_AGE": int(env("DB_CONN_MAX_AGE", "60" if PRODUCTION else "0")),
        "CONN_HEALTH_CHECKS": True,
        "ATOMIC_REQUESTS": False,
        # One test database per test run, so concurrent runs never drop each other's.
        "TEST": {"NAME": env("OMNIPORT_TEST_DB_NAME") or f"test_omniport_{os.getpid()}"},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
FORMS_URLFIELD_ASSUME_HTTPS = True  # Django 6 default, opted into now

# --- Redis / Celery ----------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
if not CELERY_BROKER_URL:
    _sock = embedded.ensure_redis()
    CELERY_BROKER_URL = f"redis+socket://{_sock}?virtual_host=0"
    REDIS_URL = f"unix://{_sock}?db=1"
else:
    REDIS_URL = env("REDIS_URL", CELERY_BROKER_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # a task whose worker dies is redelivered, not lost
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Tests use a queue of their own so a `make run` worker never takes their tasks.
CELERY_TASK_DEFAULT_QUEUE = env(
    "CELERY_QUEUE", f"omniport-test-{os.getpid()}" if TESTING else "omniport"
)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "release-expired-reservations": {
        "task": "commerce.inventory.tasks.release_expired_reservations",
        "schedule": 60.0,
    },
    "storefront-search-index": {
        "task": "storefront.tasks.update_search_index",
        "schedule": 60.0,
    },
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", "omniport"),
    }
}

# --- Auth ---------------------------------------------------------------------------
AUTH_USER_MODEL = "account.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "storefront:login"
LOGIN_REDIRECT_URL = "storefront:account"
LOGOUT_REDIRECT_URL = "storefront:home"
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- i18n ---------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("de", _("German")),
    ("fr", _("French")),
    ("es", _("Spanish")),
    ("ja", _("Japanese")),
    ("zh-hans", _("Simplified Chinese")),
]
LOCALE_PATHS = [BASE_DIR / "locales"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# --- Static and media ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise expects it to exist
STATICFILES_DIRS = [
    p
    for p in (THEMES_DIR / STOREFRONT_THEME / "static", THEMES_DIR / "default" / "static")
    if p.exists()
]
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_URL = env("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))

AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env("AWS_S3_REGION_NAME") or None,
            "access_key": env("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env("AWS_SECRET_ACCESS_KEY") or None,
            "addressing_style": env("AWS_S3_ADDRESSING_STYLE", "path"),
            "signature_version": "s3v4",
            "querystring_auth": env_bool("AWS_QUERYSTRING_AUTH", True),
            "custom_domain": env("AWS_S3_CUSTOM_DOMAIN") or None,
            "file_overwrite": False,
        },
    }
else:
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Email --------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(env("EMAIL_PORT", "1025"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Omniport Shop <shop@example.com>")
# Extra addresses told about every new hub alert (staff who may view alerts always are).
HUB_ALERT_EMAILS = env_list("HUB_ALERT_EMAILS")
ANYMAIL = {
    key.removeprefix("ANYMAIL_"): value
    for key, value in os.environ.items()
    if key.startswith("ANYMAIL_")
}

# --- GraphQL ------------------------------------------------------------------------
GRAPHENE = {
    "SCHEMA": "commerce.api.schema.schema",
    "RELAY_CONNECTION_MAX_LIMIT": 100,
}

# --- Security -----------------------------------------------------------------------
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "3600"))
    SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- Commerce defaults --------------------------------------------------------------
CHECKOUT_RESERVATION_MINUTES = int(env("CHECKOUT_RESERVATION_MINUTES", "20"))
DEFAULT_CHANNEL_SLUG = env("DEFAULT_CHANNEL_SLUG", "us")
# Demo seeds of the layers above commerce, run in order at the end of
# commerce.demo.seed.seed_demo (`make run`, `manage.py seed_demo`): dotted paths of
# idempotent callables fn(report). Commerce never imports them itself.
DEMO_SEED_EXTENSIONS: list[str] = [
    p.strip() for p in env("DEMO_SEED_EXTENSIONS", "hub.stores.demo.seed_stores,hub.demo.seed_marketplaces").split(",")
    if p.strip()
]

# Extra local processes `make run` starts beside web/worker/beat: name -> argv
# ("{python}" stands for the virtualenv's interpreter). Sandboxes register here.
LOCAL_SERVICES: dict[str, list[str]] = {}
LOCAL_SERVICE_URLS: dict[str, str] = {}
AMAZON_SANDBOX_PORT = int(env("OMNIPORT_AMAZON_SANDBOX_PORT", "8701"))
EBAY_SANDBOX_PORT = int(env("OMNIPORT_EBAY_SANDBOX_PORT", "8702"))
if env_bool("MARKETPLACE_SANDBOXES", not PRODUCTION):
    # Loopback stand-ins for the marketplaces (they are unreachable from here).
    LOCAL_SERVICES["sandboxes"] = ["{python}", "-m", "connectors.sandboxes"]
    LOCAL_SERVICE_URLS["Amazon sandbox"] = f"http://127.0.0.1:{AMAZON_SANDBOX_PORT}/_sandbox/state"
    LOCAL_SERVICE_URLS["eBay sandbox"] = f"http://127.0.0.1:{EBAY_SANDBOX_PORT}/_sandbox/state"

# Largest quantity of one variant a shopper may put in a cart (Saleor's default is 50).
CHECKOUT_MAX_LINE_QUANTITY = int(env("CHECKOUT_MAX_LINE_QUANTITY", "50"))
# Where checkout prices come from: a bulk callable(variants, channel) -> {variant_id: Money | None}
# called once per cart. The default is the price the product page shows: the channel's fixed
# price, else derived from the base channel by FX and rounding (a constant number of queries);
# "commerce.checkout.calculations.channel_listing_prices" charges fixed prices only.
CHECKOUT_PRICE_RESOLVER = env("CHECKOUT_PRICE_RESOLVER",
                              "commerce.pricing.selectors.market_unit_prices")
# Channel whose prices derive the others' (FX table + rounding) when a channel has no fixed
# price (STOREFRONT_BASE_CHANNEL_SLUG is the variable's earlier name, still read).
PRICING_BASE_CHANNEL_SLUG = env("PRICING_BASE_CHANNEL_SLUG", "") or env(
    "STOREFRONT_BASE_CHANNEL_SLUG", DEFAULT_CHANNEL_SLUG)
# What turns a paid checkout into an order: a callable(order_input, *, delivery_method,
# destination, collection_point_id, reservation_reference, user) -> Order. The O2O hub's
# routing (merchant rules, pickup store, "routed" trace, store queue) is the default;
# "commerce.checkout.services.order_create_unrouted" allocates in the channel's warehouse order.
CHECKOUT_ORDER_CREATOR = env("CHECKOUT_ORDER_CREATOR", "hub.stores.routing.create_routed_order")
# Carts nobody touched for this many days are deleted (their stock hold released).
CHECKOUT_ABANDONED_DAYS = int(env("CHECKOUT_ABANDONED_DAYS", "30"))
CELERY_BEAT_SCHEDULE["delete-abandoned-checkouts"] = {
    "task": "commerce.checkout.tasks.delete_abandoned_checkouts",
    "schedule": 3600.0,
}

# --- Stripe -------------------------------------------------------------------------
# No STRIPE_SECRET_KEY = sandbox mode: the SDK and Stripe.js talk to localstripe on
# loopback (`make run` starts it; see commerce/payment/localstripe_server.py).
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY")
STRIPE_SANDBOX = not STRIPE_SECRET_KEY
if PRODUCTION and STRIPE_SECRET_KEY and not env("STRIPE_WEBHOOK_SECRET"):
    raise ImproperlyConfigured("STRIPE_WEBHOOK_SECRET must be set when STRIPE_SECRET_KEY is.")
LOCALSTRIPE_PORT = int(env("LOCALSTRIPE_PORT", "8420"))
STRIPE_API_BASE = env("STRIPE_API_BASE",
                      f"http://127.0.0.1:{LOCALSTRIPE_PORT}" if STRIPE_SANDBOX else "").rstrip("/")
if STRIPE_SANDBOX:
    STRIPE_SECRET_KEY = "sk_test_localstripe"  # noqa: S105 - localstripe accepts any sk_ key
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY",
                             "pk_test_localstripe" if STRIPE_SANDBOX else "")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET",
                            "whsec_localstripe_sandbox" if STRIPE_SANDBOX else "")
# Empty: localstripe's fake Stripe.js (<STRIPE_API_BASE>/js.stripe.com/v3/) in sandbox mode,
# https://js.stripe.com/v3/ otherwise.
STRIPE_JS_URL = env("STRIPE_JS_URL")

if STRIPE_SANDBOX and env_bool("LOCALSTRIPE", not PRODUCTION):
    # localstripe (GPL-3, dev/test only) plays Stripe and Stripe.js on loopback.
    LOCAL_SERVICES["localstripe"] = [
        "{python}", "-m", "commerce.payment.localstripe_server", "--port", str(LOCALSTRIPE_PORT),
        "--webhook-url", f"{PUBLIC_URL}/webhooks/stripe/", "--webhook-secret", STRIPE_WEBHOOK_SECRET,
    ]
    LOCAL_SERVICE_URLS["Stripe sandbox"] = STRIPE_API_BASE

# O2O stores: the module that captures a pickup's card at handover and releases the
# authorization of an uncollected one (payment_capture(order), payment_void(order)).
STORES_PAYMENT_BACKEND = env("STORES_PAYMENT_BACKEND", "commerce.payment.services")
# O2O stores: a ship-from-store shipment of a marketplace order hands carrier and tracking
# to the hub, which queues the marketplace's ship confirmation through its outbox.
STORES_SHIP_CONFIRM = env("STORES_SHIP_CONFIRM", "hub.services.orders.order_ship_confirm_from_store")
# O2O stores: remind, then cancel uncollected pickups after the store's hold days.
CELERY_BEAT_SCHEDULE["stores-pickup-hold-sweep"] = {
    "task": "hub.stores.tasks.pickup_hold_sweep",
    "schedule": 900.0,
}
# O2O stores: backorders waiting for stock are allocated when it arrives; this is the net.
CELERY_BEAT_SCHEDULE["stores-backorders-allocate"] = {
    "task": "hub.stores.tasks.backorders_allocate",
    "schedule": 900.0,
}

# Email: delivery retries and the lifecycle flows (each switchable per channel in admin).
CELERY_BEAT_SCHEDULE |= {
    "email-deliver-due": {
        "task": "commerce.notifications.tasks.deliver_due_messages", "schedule": 60.0},
    "email-flow-abandoned-checkout": {
        "task": "commerce.notifications.tasks.run_flow", "schedule": 300.0,
        "args": ("abandoned_checkout",)},
    "email-flow-welcome": {
        "task": "commerce.notifications.tasks.run_flow", "schedule": 300.0, "args": ("welcome",)},
    "email-flow-review": {
        "task": "commerce.notifications.tasks.run_flow", "schedule": 3600.0, "args": ("review",)},
    "email-flow-birthday": {
        "task": "commerce.notifications.tasks.run_flow", "schedule": 3600.0,
        "args": ("birthday",)},
    "email-flow-winback": {
        "task": "commerce.notifications.tasks.run_flow", "schedule": 3600.0, "args": ("winback",)},
}
SHOP_NAME = env("SHOP_NAME", "Omniport Shop")
SHOP_POSTAL_ADDRESS = env(
    "SHOP_POSTAL_ADDRESS",
    "" if PRODUCTION else "Omniport Demo GmbH, Rosenthaler Str. 40, 10178 Berlin, Germany",
)
# celery: a worker task delivers each email after the sending transaction commits;
# inline: delivered in-process right after it commits (the test default, so mail.outbox works).
NOTIFICATIONS_DELIVERY = env("NOTIFICATIONS_DELIVERY", "inline" if TESTING else "celery")
# Opening hours and time zone of a pickup store for emails: the O2O store profile.
NOTIFICATIONS_STORE_DETAILS = env("NOTIFICATIONS_STORE_DETAILS",
                                  "hub.stores.notify.store_details")
if not PRODUCTION and EMAIL_BACKEND.endswith("smtp.EmailBackend") and EMAIL_HOST == "127.0.0.1":
    # make run: a local SMTP server captures every message for the admin inbox.
    LOCAL_SERVICES["smtp"] = ["{python}", "-m", "commerce.notifications.devsmtp", "--port", str(EMAIL_PORT)]
    LOCAL_SERVICE_URLS["Mail inbox"] = f"{PUBLIC_URL}/admin/notifications/inboxmessage/"

# Hub: drain the sync outbox, poll marketplace orders, read back and repair drift.
CELERY_BEAT_SCHEDULE |= {
    "hub-sync-drain": {"task": "hub.tasks.sync_drain", "schedule": 5.0},
    "hub-orders-poll": {"task": "hub.tasks.orders_poll", "schedule": 60.0},
    "hub-orders-process": {"task": "hub.tasks.orders_process", "schedule": 30.0},
    "hub-sync-reconcile": {"task": "hub.tasks.sync_reconcile", "schedule": 3600.0},
    "hub-outbox-purge": {"task": "hub.tasks.outbox_purge", "schedule": 86400.0},
}


# --- Storefront ---------------------------------------------------------------------
STOREFRONT_NAME = env("STOREFRONT_NAME", "Omniport Shop")
# Anonymous catalogue pages are cached this long (0 = off; see storefront/cache.py)
STOREFRONT_PAGE_CACHE_SECONDS = int(env("STOREFRONT_PAGE_CACHE_SECONDS", "60" if PRODUCTION else "0"))
