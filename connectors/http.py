"""Shared transport for connectors: OAuth tokens, pacing, retries, error mapping.

Every marketplace client subclasses :class:`ApiClient` and says only what is
particular to its wire: how to send the token, how an expired token looks,
where the retry hint lives and how errors are worded. What comes out is either
a response the caller expected or one of the :mod:`connectors.base` errors.
"""

from __future__ import annotations

import hashlib
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from connectors.base import (
    AuthFailed,
    ConnectorError,
    RateLimit,
    RateLimited,
    Rejected,
    TokenGrant,
    TokenStatus,
    TokenStore,
    Transient,
)
from connectors.ratelimit import TokenBucket

log = logging.getLogger("connectors.http")

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)


@dataclass(frozen=True)
class RetryPolicy:
    """How hard the client itself tries before handing an error to the hub.

    The hub retries again with its own backoff; these are the quick, local
    retries that hide a dropped connection or a short throttle.
    """

    max_retries: int = 2
    backoff: float = 0.25  # first retry after ~this many seconds, doubling, with jitter
    max_backoff: float = 4.0
    max_rate_wait: float = 2.0  # sleep for a throttle up to this long, else raise RateLimited

    def delay(self, attempt: int) -> float:
        base = min(self.max_backoff, self.backoff * (2**attempt))
        return base * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not crypto


NO_RETRY = RetryPolicy(max_retries=0, max_rate_wait=0.0)


# --------------------------------------------------------------------------- tokens

# refresh token -> grant; a marketplace whose grant needs no refresh token ignores it
TokenExchange = Callable[[str], TokenGrant]


class TokenManager:
    """Holds one account's access token and refreshes it one caller at a time.

    The token is refreshed ahead of its expiry (10 % of its lifetime, at most a
    minute early) and after the marketplace refused it. Concurrent callers wait
    for the one refresh in flight instead of each starting their own.

    With a :class:`~connectors.base.TokenStore` the refresh runs through it (the
    hub: one refresh per account across processes, rotated refresh tokens
    persisted); without one the refresh token lives here, rotated in memory.
    """

    def __init__(
        self,
        exchange: TokenExchange,
        refresh_token: str = "",
        *,
        store: TokenStore | None = None,
        skew: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._exchange = exchange
        self._refresh_token = refresh_token
        self._store = store
        self._skew = skew
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0
        self._refreshed_at: float | None = None
        self._refresh_expires_at: float | None = None
        self._lifetime = 0.0
        self._last_error = ""
        self._failed = False
        self.refresh_count = 0
        self.rotations = 0  # refresh tokens the marketplace replaced

    def use_store(self, store: TokenStore | None) -> None:
        """Refresh through ``store`` from now on (None: keep the refresh token here)."""
        with self._lock:
            self._store = store

    def _fresh(self, now: float) -> bool:
        if self._token is None:
            return False
        return now < self._expires_at - min(self._skew, self._lifetime * 0.1)

    def token(self) -> str:
        with self._lock:
            if self._fresh(self._clock()):
                assert self._token is not None
                return self._token
            return self._refresh()

    def _refresh(self) -> str:
        try:
            if self._store is not None:
                grant = self._store.refresh(self._exchange)
            else:
                grant = self._exchange(self._refresh_token)
        except ConnectorError as exc:
            self._last_error = exc.message
            self._failed = isinstance(exc, AuthFailed)
            raise
        now = self._clock()
        if grant.refresh_token and grant.refresh_token != self._refresh_token:
            self._refresh_token = grant.refresh_token
            self.rotations += 1
        if grant.refresh_expires_in is not None:
            self._refresh_expires_at = now + max(float(grant.refresh_expires_in), 0.0)
        self._token = grant.access_token
        self._refreshed_at = now
        self._lifetime = max(float(grant.expires_in), 0.0)
        self._expires_at = now + self._lifetime
        self._last_error = ""
        self._failed = False
        self.refresh_count += 1
        return grant.access_token

    def invalidate(self, token: str) -> None:
        """Forget ``token`` after the marketplace refused it (a newer one is kept)."""
        with self._lock:
            if self._token == token:
                self._token = None

    def status(self) -> TokenStatus:
        with self._lock:
            now = self._clock()

            def moment(stamp: float | None) -> datetime | None:
                return datetime.fromtimestamp(stamp, UTC) if stamp is not None else None

            if self._failed:
                state = "failed"
            elif self._refreshed_at is None:
                state = "none"
            elif self._token is not None and now < self._expires_at:
                state = "valid"
            else:
                state = "expired"
            return TokenStatus(
                state=state,
                expires_at=moment(self._expires_at if self._refreshed_at is not None else None),
                refreshed_at=moment(self._refreshed_at),
                refresh_count=self.refresh_count,
                last_error=self._last_error,
                refresh_expires_at=moment(self._refresh_expires_at),
            )


_managers: dict[str, TokenManager] = {}
_buckets: dict[tuple[str, str], TokenBucket] = {}
_registry_lock = threading.Lock()


def account_key(*parts: str) -> str:
    """A stable key for one account that never contains the secrets themselves."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def shared_token_manager(
    key: str, exchange: TokenExchange, refresh_token: str = "", store: TokenStore | None = None
) -> TokenManager:
    """The process-wide token manager of one account (one refresh at a time per account).

    A ``store`` given here replaces the one the manager had (the latest connector's wins).
    """
    with _registry_lock:
        manager = _managers.get(key)
        if manager is None:
            manager = _managers[key] = TokenManager(exchange, refresh_token, store=store)
            return manager
    if store is not None:
        manager.use_store(store)
    return manager


def shared_bucket(key: str, operation: str, limit: RateLimit, scale: float) -> TokenBucket:
    with _registry_lock:
        bucket = _buckets.get((key, operation))
        if bucket is None:
            bucket = _buckets[(key, operation)] = TokenBucket.from_limit(limit, scale)
        return bucket


def forget_account(key: str) -> None:
    """Drop the cached token and buckets of one account (credentials changed)."""
    with _registry_lock:
        _managers.pop(key, None)
        for bucket_key in [k for k in _buckets if k[0] == key]:
            del _buckets[bucket_key]


def oauth_refresh(
    http: httpx.Client,
    url: str,
    *,
    data: Mapping[str, str],
    headers: Mapping[str, str] | None = None,
    marketplace: str,
) -> TokenGrant:
    """POST a refresh-token grant; map the OAuth error answer onto the error tree.

    A refresh token in the answer that differs from the one sent is a rotation
    (``TokenGrant.refresh_token``); one equal to it (LWA echoes it) is not.
    """
    try:
        resp = http.post(url, data=dict(data), headers=dict(headers or {}))
    except httpx.TimeoutException as exc:
        raise Transient(f"{marketplace} token endpoint timed out", code="timeout") from exc
    except httpx.TransportError as exc:
        raise Transient(
            f"{marketplace} token endpoint unreachable: {exc}", code="connection"
        ) from exc
    body: dict[str, Any] = {}
    try:
        parsed = resp.json()
        if isinstance(parsed, dict):
            body = parsed
    except ValueError:
        body = {}
    if resp.status_code == 200 and isinstance(body.get("access_token"), str):
        lifetime = _seconds(body.get("expires_in"), 3600.0)
        sent = str(data.get("refresh_token", ""))
        rotated = body.get("refresh_token")
        return TokenGrant(
            access_token=body["access_token"],
            expires_in=lifetime if lifetime is not None else 3600.0,
            refresh_token=rotated if isinstance(rotated, str) and rotated != sent else "",
            refresh_expires_in=_seconds(body.get("refresh_token_expires_in"), None),
        )
    error = str(body.get("error") or f"http_{resp.status_code}")
    description = str(body.get("error_description") or resp.text[:300] or error)
    message = f"{marketplace} token refresh failed: {error}: {description}"
    if resp.status_code == 429:
        raise RateLimited(message, code=error, status=429, retry_after=_retry_after_header(resp))
    if resp.status_code >= 500 or error in {"server_error", "temporarily_unavailable"}:
        raise Transient(message, code=error, status=resp.status_code)
    # invalid_grant (revoked / expired refresh token), invalid_client, unauthorized_client...
    raise AuthFailed(message, code=error, status=resp.status_code, details=body)


def _seconds(value: Any, default: float | None) -> float | None:
    try:
        return float(value) if value is not None else default
    except (TypeError, ValueError):
        return default


def _retry_after_header(resp: httpx.Response) -> float | None:
    value = resp.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


# --------------------------------------------------------------------------- client


class ApiClient:
    """HTTP for one account on one marketplace: auth, pacing, retries, error mapping."""

    marketplace = ""

    def __init__(
        self,
        base_url: str,
        tokens: TokenManager,
        *,
        key: str,
        limits: Mapping[str, RateLimit],
        http: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
        rate_scale: float = 1.0,
        pace: bool = True,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.tokens = tokens
        self.key = key
        self.limits = dict(limits)
        self.retry = retry or RetryPolicy()
        self.rate_scale = rate_scale
        self.pace = pace
        self._own_http = http is None
        self.http = http or httpx.Client(
            timeout=DEFAULT_TIMEOUT,
            limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
        )

    def close(self) -> None:
        if self._own_http:
            self.http.close()

    # -- to specialise ------------------------------------------------------------

    def auth_headers(self, token: str, scheme: str | None) -> dict[str, str]:
        raise NotImplementedError

    def sign(self, request: httpx.Request, token: str) -> None:
        """Last touch of each attempt before it is sent (after ``auth_headers``).

        Marketplaces that sign requests (AliExpress IOP: HMAC over the sorted
        parameters; Shopee: HMAC over partner id, path, timestamp, access token and
        shop id) add their timestamp, token and signature here: it runs again for
        every retry, so a signature never goes stale. ``token`` is "" for calls
        without auth.
        """

    def effective_status(self, resp: httpx.Response) -> int:
        """The HTTP status an answer counts as (Shopee and AliExpress report some errors
        in a 200 body: map them to 401/429/5xx/4xx here)."""
        return resp.status_code

    def token_refused(self, resp: httpx.Response) -> bool:
        """Does this answer mean 'your access token is not (or no longer) good'?"""
        return self.effective_status(resp) == 401

    def retry_after(self, resp: httpx.Response) -> float | None:
        return _retry_after_header(resp)

    def error_messages(self, resp: httpx.Response) -> tuple[str, list[str], Any]:
        """(first error code, human messages, parsed body) of an error answer."""
        return "", [resp.text[:500]] if resp.text else [], None

    # -- the request loop -----------------------------------------------------------

    def _throttle(self, operation: str, max_wait: float | None = None) -> None:
        limit = self.limits.get(operation)
        if not self.pace or limit is None:
            return
        bucket = shared_bucket(self.key, operation, limit, self.rate_scale)
        wait = bucket.reserve(self.retry.max_rate_wait if max_wait is None else max_wait)
        if wait is None:
            raise RateLimited(
                f"{self.marketplace} {operation}: documented rate limit reached "
                f"({limit.rate * self.rate_scale:g}/s, burst {limit.burst})",
                code="client_throttle",
                retry_after=bucket.wait_time(),
            )
        if wait > 0:
            time.sleep(wait)

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else self.base_url + path

    def request(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool = False,
        auth: bool = True,
        auth_scheme: str | None = None,
        allow: tuple[int, ...] = (),
        max_wait: float | None = None,
    ) -> httpx.Response:
        """Send one API call; return the response or raise a ConnectorError subclass.

        ``max_wait`` overrides how long the client may wait for its own rate
        budget (e.g. while collecting a feed that is already submitted).
        """
        url = self.url(path)
        attempt = 0
        refreshed = False
        while True:
            self._throttle(operation, max_wait)
            send_headers = dict(headers or {})
            token = ""
            if auth:
                token = self.tokens.token()
                send_headers.update(self.auth_headers(token, auth_scheme))
            try:
                outgoing = self.http.build_request(
                    method, url, params=params, json=json, content=content, headers=send_headers
                )
                self.sign(outgoing, token)
                resp = self.http.send(outgoing)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                never_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
                if (idempotent or never_sent) and attempt < self.retry.max_retries:
                    time.sleep(self.retry.delay(attempt))
                    attempt += 1
                    continue
                log.warning("%s %s %s %s failed: %r", self.marketplace, operation, method, url, exc)
                code = "timeout" if isinstance(exc, httpx.TimeoutException) else "connection"
                raise Transient(f"{self.marketplace} {operation}: {exc!r}", code=code) from exc

            status = self.effective_status(resp)
            if status in allow or status < 400:
                return resp
            if auth and self.token_refused(resp):
                if not refreshed:
                    # One refresh per call: the token may have expired on the way.
                    self.tokens.invalidate(token)
                    refreshed = True
                    continue
                code, messages, body = self.error_messages(resp)
                log.warning(
                    "%s %s refused credentials after a refresh: %s",
                    self.marketplace,
                    operation,
                    messages,
                )
                raise AuthFailed(
                    f"{self.marketplace} {operation}: " + ("; ".join(messages) or f"HTTP {status}"),
                    code=code or "unauthorized",
                    status=status,
                    details={"messages": messages, "body": body},
                )
            if status == 429:
                wait = self.retry_after(resp)
                if (
                    attempt < self.retry.max_retries
                    and wait is not None
                    and wait <= self.retry.max_rate_wait
                ):
                    time.sleep(wait)
                    attempt += 1
                    continue
                code, messages, body = self.error_messages(resp)
                raise RateLimited(
                    f"{self.marketplace} {operation}: " + ("; ".join(messages) or "throttled"),
                    code=code or "throttled",
                    status=status,
                    retry_after=wait,
                    details={"messages": messages, "body": body},
                )
            if status >= 500 or status == 408:
                if idempotent and attempt < self.retry.max_retries:
                    time.sleep(self.retry.delay(attempt))
                    attempt += 1
                    continue
                code, messages, body = self.error_messages(resp)
                log.warning(
                    "%s %s %s -> %s: %s", self.marketplace, operation, url, status, messages
                )
                raise Transient(
                    f"{self.marketplace} {operation}: HTTP {status} " + "; ".join(messages),
                    code=code or f"http_{status}",
                    status=status,
                    retry_after=self.retry_after(resp),
                    details={"messages": messages, "body": body},
                )
            code, messages, body = self.error_messages(resp)
            log.info(
                "%s %s %s rejected (%s): %s", self.marketplace, operation, url, status, messages
            )
            raise Rejected(
                "; ".join(messages) or f"{self.marketplace} {operation}: HTTP {status}",
                code=code or f"http_{status}",
                status=status,
                details={"messages": messages, "body": body},
            )

    @staticmethod
    def json_of(resp: httpx.Response, operation: str) -> Any:
        """The JSON body of a successful answer (a garbled one is a Transient)."""
        if not resp.content:
            return {}
        try:
            return resp.json()
        except ValueError as exc:
            raise Transient(
                f"{operation}: the marketplace answered with unreadable JSON",
                code="bad_response",
                status=resp.status_code,
                details={"body": resp.text[:500]},
            ) from exc


def guarded(method: Callable[..., Any]) -> Callable[..., Any]:
    """Let only ConnectorErrors out of a connector method (invariant 5).

    Anything else is a bug or an answer we could not read: log it with context
    and hand the hub a Transient, so it retries and dead-letters eventually.
    """
    import functools

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except ConnectorError:
            raise
        except Exception as exc:
            log.exception("%s.%s failed unexpectedly", type(self).__name__, method.__name__)
            raise Transient(
                f"{type(self).__name__}.{method.__name__}: {exc!r}", code="unexpected"
            ) from exc

    return wrapper
