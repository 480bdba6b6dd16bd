"""The hub's side of the connectors: build a marketplace account's connector.

Connectors are found through ``connectors.registry`` (``get_connector(credentials)``:
the account's connector name is the credentials' ``marketplace``), so a marketplace
added there (Shopee, AliExpress, Walmart) is usable by the hub without a change here.
``settings.HUB_CONNECTORS`` adds or overrides entries by dotted class path (hub tests
register an in-memory fake, the benchmark its emulator). An account whose connector
cannot be built fails with a clear error when it is used, not at start-up.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import threading
from collections.abc import Callable
from functools import lru_cache
from importlib import import_module
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from connectors import registry
from connectors.base import AccountCredentials, Connector, RateLimit, TokenGrant, TokenStore

from .errors import HubError, HubErrorCode

if TYPE_CHECKING:
    from .models import MarketplaceAccount

logger = logging.getLogger(__name__)

# Used when neither the account nor the connector class documents a limit:
# slow enough that no marketplace we know of answers 429 to it.
FALLBACK_RATE_LIMIT = RateLimit(rate=1.0, burst=1)

# Operations a connector may implement without a marketplace call (Amazon and eBay
# orders need no acknowledgement): unless the connector or the account declares a
# limit for them, they take no token instead of the strictest declared limit.
UNMETERED_UNLESS_DECLARED = frozenset({"acknowledge_order"})


def _overrides() -> dict[str, str]:
    return dict(getattr(settings, "HUB_CONNECTORS", {}) or {})


def connector_names() -> list[str]:
    return sorted({*registry.CONNECTORS, *_overrides()})


@lru_cache(maxsize=32)
def _import_class(path: str) -> type[Connector]:
    module_name, _sep, class_name = path.replace(":", ".").rpartition(".")
    cls = getattr(import_module(module_name), class_name)
    if not (isinstance(cls, type) and issubclass(cls, Connector)):
        raise TypeError(f"{path} is not a connectors.base.Connector")
    return cls


def connector_class(name: str) -> type[Connector]:
    """The Connector class registered under ``name``; HubError if it is unknown or absent."""
    override = _overrides().get(name)
    if not override and name not in registry.CONNECTORS:
        raise HubError(_("No connector is registered as “%(name)s”.") % {"name": name},
                       code=HubErrorCode.CONNECTOR_UNAVAILABLE, field="connector")
    try:
        return _import_class(override) if override else registry.connector_class(name)
    except (ImportError, AttributeError, TypeError) as exc:
        raise HubError(
            _("Connector “%(name)s” is not installed (%(path)s): %(error)s")
            % {"name": name, "path": override or registry.CONNECTORS.get(name), "error": exc},
            code=HubErrorCode.CONNECTOR_UNAVAILABLE, field="connector",
        ) from exc


class AccountTokenStore(TokenStore):
    """An account's refresh token in its encrypted column, refreshed under the row's lock.

    Every process of every worker refreshes through here, so a refresh token that the
    marketplace rotates (Shopee, AliExpress: each one works once) is never used twice,
    and the rotated one is committed before anyone needs it.
    """

    LOCK_NAMESPACE = 0x4855_4254  # "HUBT": token refreshes of one account are serialized
    LOCK_TIMEOUT = "30s"  # a refresh stuck elsewhere fails this one (Transient) instead

    def __init__(self, account_id: int) -> None:
        self.account_id = account_id

    def refresh(self, exchange: Callable[[str], TokenGrant]) -> TokenGrant:
        from .models import MarketplaceAccount

        with transaction.atomic():
            # An advisory lock, not the row's: the account row stays writable while the
            # token endpoint answers.
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = '{self.LOCK_TIMEOUT}'")
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                               [self.LOCK_NAMESPACE, self.account_id])
            current = (MarketplaceAccount.objects.filter(pk=self.account_id)
                       .values_list("refresh_token", flat=True).first()) or ""
            grant = exchange(current)
            if grant.refresh_token and grant.refresh_token != current:
                MarketplaceAccount.objects.filter(pk=self.account_id).update(
                    refresh_token=grant.refresh_token)
                logger.info("account %s: the marketplace rotated the refresh token; stored",
                            self.account_id)
        return grant


def build_connector(name: str, credentials: AccountCredentials,
                    token_store: TokenStore | None = None) -> Connector:
    """A new connector: an override class, else ``connectors.registry.get_connector``.

    AuthFailed (incomplete credentials) passes through: the caller pauses the account.
    """
    connector_class(name)  # unknown or uninstalled names fail with a HubError
    override = _overrides().get(name)
    if override:
        return _import_class(override)(credentials)
    if credentials.marketplace != name:
        credentials = dataclasses.replace(credentials, marketplace=name)
    if token_store is None:
        return registry.get_connector(credentials)
    return registry.get_connector(credentials, token_store=token_store)


def account_credentials(account: MarketplaceAccount) -> AccountCredentials:
    """Decrypted credentials of an account, as the connector takes them."""
    extra: dict[str, str] = {}
    if account.extra_credentials:
        try:
            raw = json.loads(account.extra_credentials)
        except ValueError as exc:
            raise HubError(_("Extra credentials must be a JSON object."),
                           code=HubErrorCode.INVALID, field="extra_credentials") from exc
        if not isinstance(raw, dict):
            raise HubError(_("Extra credentials must be a JSON object."),
                           code=HubErrorCode.INVALID, field="extra_credentials")
        extra = {str(k): str(v) for k, v in raw.items()}
    return AccountCredentials(
        marketplace=account.connector,
        site=account.site,
        client_id=account.client_id or "",
        client_secret=account.client_secret or "",
        refresh_token=account.refresh_token or "",
        seller_id=account.seller_id,
        endpoint=account.endpoint,
        auth_endpoint=account.auth_endpoint,
        extra=extra,
    )


_instances: dict[int, tuple[str, Connector]] = {}
_instances_lock = threading.Lock()


def _fingerprint(account: MarketplaceAccount, credentials: AccountCredentials) -> str:
    # Not the refresh token: it rotates under the connector's feet (the token store reads
    # the current one at each refresh), and rebuilding for it would refresh every time.
    kept = dataclasses.replace(credentials, refresh_token="")
    blob = json.dumps([account.connector, dataclasses.asdict(kept)], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def connector_for(account: MarketplaceAccount) -> Connector:
    """A Connector acting for ``account``.

    Instances are reused per process while the account's connector and
    credentials are unchanged, so a connector keeps its access token between
    drains instead of refreshing it on every batch. Token refreshes go through
    :class:`AccountTokenStore`.
    """
    credentials = account_credentials(account)
    fingerprint = _fingerprint(account, credentials)
    with _instances_lock:
        cached = _instances.get(account.pk)
        if cached is not None and cached[0] == fingerprint:
            return cached[1]
        conn = build_connector(account.connector, credentials, AccountTokenStore(account.pk))
        _instances[account.pk] = (fingerprint, conn)
        return conn


def forget_connectors() -> None:
    """Drop cached connector instances (tests; after credentials rotate elsewhere)."""
    with _instances_lock:
        for _fp, conn in _instances.values():
            with contextlib.suppress(Exception):  # closing is best effort
                conn.close()
        _instances.clear()


def documented_rate_limits(name: str) -> dict[str, dict[str, float | int]]:
    """The connector class's documented limits, as an account's ``rate_limits`` JSON."""
    cls = connector_class(name)
    return {op: {"rate": float(lim.rate), "burst": int(lim.burst)}
            for op, lim in (cls.rate_limits or {}).items()}


def rate_limit_for(account: MarketplaceAccount, operation: str,
                   connector: Connector | None = None) -> RateLimit:
    """The token bucket for one operation: the account's setting, else the connector's
    documented limit, else its ``default`` entry, else its strictest limit.

    Documented limits are multiplied by the account's ``rate_scale`` credential (demo and
    benchmark sandboxes run faster than the real marketplaces, and so must the hub).
    """
    own = account.rate_limits or {}
    for key in (operation, "default", "*"):
        if own.get(key):
            return _as_rate_limit(own[key])
    declared = _class_limits(connector)
    scale = _rate_scale(connector)
    for key in (operation, "default", "*"):
        if declared.get(key):
            return _scaled(_as_rate_limit(declared[key]), scale)
    limits = [_as_rate_limit(v) for v in declared.values() if v]
    if limits:
        return _scaled(min(limits, key=lambda lim: lim.rate), scale)
    return FALLBACK_RATE_LIMIT


def is_metered(account: MarketplaceAccount, operation: str,
               connector: Connector | None = None) -> bool:
    """False for an operation that costs no marketplace call unless someone says otherwise."""
    if operation not in UNMETERED_UNLESS_DECLARED:
        return True
    return bool((account.rate_limits or {}).get(operation)
                or _class_limits(connector).get(operation))


def offers_operation(connector: Connector | None, count: int) -> str:
    """The budget an ``update_offers`` call of ``count`` updates draws from.

    Amazon sends up to ``patch_threshold`` updates as PATCHes (``update_offers``) and
    larger batches as one JSON_LISTINGS_FEED (``update_offers_bulk``, far stricter).
    """
    threshold = getattr(connector, "patch_threshold", None)
    if (threshold is not None and count > int(threshold)
            and "update_offers_bulk" in _class_limits(connector)):
        return "update_offers_bulk"
    return "update_offers"


def _rate_scale(connector: Connector | None) -> float:
    credentials = getattr(connector, "credentials", None)
    try:
        scale = float((getattr(credentials, "extra", None) or {}).get("rate_scale", 1.0))
    except (TypeError, ValueError):
        return 1.0
    return scale if scale > 0 else 1.0


def _scaled(limit: RateLimit, scale: float) -> RateLimit:
    if scale == 1.0:
        return limit
    # Like the client and the sandbox (connectors/ratelimit.py): the rate scales, the burst not.
    return RateLimit(rate=limit.rate * scale, burst=limit.burst)


def _class_limits(connector: Connector | None) -> dict[str, RateLimit | dict]:
    return dict(getattr(connector, "rate_limits", None) or {}) if connector is not None else {}


def _as_rate_limit(entry: RateLimit | dict) -> RateLimit:
    if isinstance(entry, RateLimit):
        return entry
    rate = float(entry.get("rate", FALLBACK_RATE_LIMIT.rate))
    burst = int(entry.get("burst", max(1, round(rate))))
    return RateLimit(rate=max(rate, 1e-6), burst=max(burst, 1))
