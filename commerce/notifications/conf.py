"""Settings of the email flows, read from Django settings with an env fallback so
the app works before the lead adds them to config/settings.py."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_DEV_POSTAL_ADDRESS = "Omniport Shop · Example Street 1 · 10115 Berlin · Germany"


def _setting(name: str, default: str = "") -> str:
    value = getattr(settings, name, None)
    if value is None or value == "":
        value = os.environ.get(name, default)
    return str(value)


def shop_name() -> str:
    return _setting("SHOP_NAME", "Omniport Shop")


def public_url() -> str:
    return _setting("PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")


def support_email() -> str:
    from email.utils import parseaddr

    return _setting("SHOP_SUPPORT_EMAIL") or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def postal_address() -> str:
    """The shop's postal address, required in every marketing footer (CAN-SPAM, UWG)."""
    value = _setting("SHOP_POSTAL_ADDRESS")
    if value:
        return value
    if getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured("SHOP_POSTAL_ADDRESS must be set to send marketing email.")
    return _DEV_POSTAL_ADDRESS


def delivery_mode() -> str:
    """``celery`` (default): transactional sends are delivered by a worker task;
    ``inline``: delivered right after the caller's transaction commits."""
    return _setting("NOTIFICATIONS_DELIVERY", "celery")


def store_details(warehouse: object) -> dict[str, object]:
    """Opening hours, time zone and phone of a pickup store for emails, from the callable
    at ``NOTIFICATIONS_STORE_DETAILS`` (the O2O stores provide it; commerce cannot import
    them). Empty when unset: the warehouse's own metadata is used then."""
    from django.utils.module_loading import import_string

    path = _setting("NOTIFICATIONS_STORE_DETAILS")
    if not path or warehouse is None:
        return {}
    return dict(import_string(path)(warehouse) or {})


def sender_domain() -> str:
    from email.utils import parseaddr

    addr = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return addr.rpartition("@")[2] or "localhost"


MAX_ATTEMPTS = 10
UNSUBSCRIBE_MAX_AGE_DAYS = 365
CONSENT_CONFIRM_MAX_AGE_DAYS = 7
CART_RESTORE_MAX_AGE_DAYS = 30
FEEDBACK_MAX_AGE_DAYS = 90
ACCOUNT_CONFIRM_MAX_AGE_DAYS = 7
