"""What every marketplace sandbox shares: a loopback HTTP server, routing,
seller accounts and OAuth token book-keeping (expiry, revocation, the refresh
grant's answers), token-bucket throttling, fault knobs, the admin endpoints that
seed orders and listings, the command line, and a log of every exchange (the
contract tests validate that log against the specs).

A sandbox is a stateful stand-in for the marketplace, used by the demo
(``make run``), the tests and the benchmarks. It binds loopback only.
Admin endpoints live under ``/_sandbox/`` and need no auth.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, unquote, urlsplit

from connectors.base import AccountCredentials, RateLimit
from connectors.ratelimit import TokenBucket

log = logging.getLogger("connectors.sandbox")

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(dt: datetime, millis: bool = False) -> str:
    dt = dt.astimezone(UTC)
    if millis:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value: str) -> datetime:
    """Parse an ISO 8601 instant (``Z`` or offset); naive values are taken as UTC."""
    dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    params: dict[str, str] = field(default_factory=dict)  # from the path pattern
    account: Any = None  # set by the sandbox's authenticate()
    operation: str = ""

    def q(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def q_list(self, name: str) -> list[str]:
        """A query array: repeated and/or comma separated values."""
        out: list[str] = []
        for value in self.query.get(name, []):
            out.extend(v for v in value.split(",") if v)
        return out

    def json(self) -> Any:
        if not self.body:
            return None
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return cls(status, data, {"Content-Type": "application/json", **(headers or {})})

    @classmethod
    def empty(cls, status: int = 204, headers: dict[str, str] | None = None) -> Response:
        return cls(status, b"", dict(headers or {}))


@dataclass
class Exchange:
    """One request and the answer the sandbox gave (for contract tests and debugging)."""

    operation: str
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    status: int
    response_headers: dict[str, str]
    response_body: bytes
    at: float

    def request_json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def response_json(self) -> Any:
        return json.loads(self.response_body) if self.response_body else None


@dataclass
class _Forced:
    status: int
    remaining: int
    operations: frozenset[str] | None


class Faults:
    """Knobs that make the sandbox misbehave the ways real marketplaces do."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(0)  # noqa: S311 - fault injection, not crypto
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self.forced: list[_Forced] = []
            self.error_rate = 0.0
            self.error_statuses: tuple[int, ...] = (429, 500)
            self.latency = 0.0
            self.silent_skip_skus: set[str] = set()
            self.fail_skus: dict[str, str] = {}
            self.silent_noop_unknown_sku = True

    def fail_next(
        self, status: int, count: int = 1, operations: Iterable[str] | None = None
    ) -> None:
        """Answer the next ``count`` API calls (of these operations) with ``status``."""
        with self._lock:
            self.forced.append(
                _Forced(int(status), int(count), frozenset(operations) if operations else None)
            )

    def set_error_rate(
        self, rate: float, statuses: Iterable[int] = (429, 500), seed: int | None = None
    ) -> None:
        with self._lock:
            self.error_rate = max(0.0, min(1.0, float(rate)))
            self.error_statuses = tuple(int(s) for s in statuses) or (500,)
            if seed is not None:
                self._rng.seed(seed)

    def pick(self, operation: str, api: bool = True) -> int | None:
        """The status to fail this call with, or None to serve it.

        Faults without named operations hit API calls only; the token endpoint
        and document URLs fail only when named (``operations={"lwaToken"}``).
        """
        with self._lock:
            for forced in self.forced:
                if forced.remaining > 0 and (
                    operation in (forced.operations or ()) or (forced.operations is None and api)
                ):
                    forced.remaining -= 1
                    status = forced.status
                    self.forced = [f for f in self.forced if f.remaining > 0]
                    return status
            if api and self.error_rate and self._rng.random() < self.error_rate:
                return self._rng.choice(self.error_statuses)
            return None

    def update(self, spec: dict[str, Any]) -> None:
        """Apply the JSON body of ``POST /_sandbox/faults``."""
        if "clear" in spec and spec["clear"]:
            self.clear()
        fail = spec.get("fail")
        for item in [fail] if isinstance(fail, dict) else fail or []:
            self.fail_next(
                int(item.get("status", 500)), int(item.get("count", 1)), item.get("operations")
            )
        if "error_rate" in spec:
            self.set_error_rate(
                float(spec["error_rate"]), spec.get("error_statuses", (429, 500)), spec.get("seed")
            )
        with self._lock:
            if "latency" in spec:
                self.latency = max(0.0, float(spec["latency"]))
            if "silent_skip_skus" in spec:
                self.silent_skip_skus = set(spec["silent_skip_skus"] or [])
            if "fail_skus" in spec:
                self.fail_skus = {str(k): str(v) for k, v in (spec["fail_skus"] or {}).items()}
            if "silent_noop_unknown_sku" in spec:
                self.silent_noop_unknown_sku = bool(spec["silent_noop_unknown_sku"])

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "fail": [
                    {
                        "status": f.status,
                        "count": f.remaining,
                        "operations": sorted(f.operations) if f.operations else None,
                    }
                    for f in self.forced
                ],
                "error_rate": self.error_rate,
                "error_statuses": list(self.error_statuses),
                "latency": self.latency,
                "silent_skip_skus": sorted(self.silent_skip_skus),
                "fail_skus": dict(self.fail_skus),
                "silent_noop_unknown_sku": self.silent_noop_unknown_sku,
            }


class TokenBook:
    """Access tokens a sandbox has issued, with their expiry."""

    def __init__(self, prefix: str, ttl: float) -> None:
        self.prefix = prefix
        self.ttl = ttl
        self._lock = threading.Lock()
        self._tokens: dict[str, tuple[Any, float]] = {}
        self.issued = 0

    def issue(self, account: Any, ttl: float | None = None) -> tuple[str, float]:
        lifetime = self.ttl if ttl is None else ttl
        token = self.prefix + secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = (account, time.time() + lifetime)
            self.issued += 1
        return token, lifetime

    def check(self, token: str) -> tuple[Any, str]:
        """(account, "") when valid; (None, "expired" | "invalid") otherwise."""
        with self._lock:
            entry = self._tokens.get(token)
        if entry is None:
            return None, "invalid"
        account, expires_at = entry
        if time.time() >= expires_at:
            return None, "expired"
        return account, ""

    def expire_all(self) -> None:
        with self._lock:
            self._tokens = {t: (a, 0.0) for t, (a, _) in self._tokens.items()}

    def revoke_account(self, predicate: Callable[[Any], bool]) -> None:
        with self._lock:
            self._tokens = {t: v for t, v in self._tokens.items() if not predicate(v[0])}


@dataclass
class SandboxAccount:
    """A seller account of a sandbox: the OAuth client and the seller's refresh token.

    Each sandbox adds what identifies the seller on its marketplace.
    """

    client_id: str
    client_secret: str
    refresh_token: str
    revoked: bool = field(default=False, kw_only=True)


Handler = Callable[[Request], Response]


@dataclass
class Route:
    method: str
    pattern: re.Pattern[str]
    operation: str
    handler: Handler
    auth: bool
    throttle: bool


class SandboxApp:
    """Routing, accounts and tokens, throttling and faults around a marketplace's handlers."""

    name = "sandbox"
    token_prefix = ""  # what the marketplace's access tokens look like
    demo_account: ClassVar[SandboxAccount | None] = None  # served when no accounts are given
    # The admin endpoints' parameter naming the seller (Amazon "seller_id", eBay "username").
    seller_param = "seller_id"
    # JSON fields of POST /_sandbox/orders passed to create_order, with their converters.
    order_fields: ClassVar[dict[str, Callable[[Any], Any]]] = {}

    def __init__(
        self,
        *,
        token_ttl: float,
        rate_limits: dict[str, RateLimit],
        rate_limits_enabled: bool = True,
        rate_scale: float = 1.0,
        accounts: Iterable[SandboxAccount] | None = None,
        log_size: int = 5000,
    ) -> None:
        self.accounts: dict[str, Any] = {}  # refresh token -> account
        default = [self.demo_account] if self.demo_account is not None else []
        for account in accounts or default:
            self.add_account(account)
        self.tokens = TokenBook(self.token_prefix, token_ttl)
        self.init_state()
        self.lock = threading.RLock()
        self.faults = Faults()
        self.rate_limits = dict(rate_limits)
        self.rate_limits_enabled = rate_limits_enabled
        self.rate_scale = rate_scale
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._bucket_lock = threading.Lock()
        self.clock: Callable[[], float] = time.monotonic  # tests may freeze throttling time
        self.token_ttl = token_ttl
        self.exchanges: deque[Exchange] = deque(maxlen=log_size)
        self.routes: list[Route] = []
        self.base_url = ""
        self.calls: dict[str, int] = {}
        self._register_admin()
        self.register_routes()

    # -- to specialise ------------------------------------------------------------

    def register_routes(self) -> None:
        raise NotImplementedError

    def authenticate(self, request: Request) -> Response | None:
        """Set ``request.account`` or return the marketplace's 401/403 answer."""
        raise NotImplementedError

    def error_response(
        self,
        status: int,
        request: Request,
        *,
        code: str = "",
        message: str = "",
        retry_after: float | None = None,
        limit: RateLimit | None = None,
    ) -> Response:
        raise NotImplementedError

    def account_key(self, request: Request) -> str:
        return str(id(request.account))

    def admin_state(self) -> dict[str, Any]:
        return {}

    def init_state(self) -> None:
        """Create the empty stores of listings, orders, feeds (at start and on reset)."""

    def reset(self) -> None:
        """Forget every listing, order and feed (accounts stay)."""
        with self.lock:
            self.init_state()

    def admin_routes(self) -> list[tuple[str, str, Handler]]:
        """Extra ``/_sandbox/...`` routes: (method, pattern, handler)."""
        return []

    @classmethod
    def account_credentials(
        cls, account: Any, base_url: str, **extra: str
    ) -> AccountCredentials:  # pragma: no cover - every sandbox says how
        """The AccountCredentials that reach a sandbox at ``base_url`` as ``account``."""
        raise NotImplementedError

    # -- seeding (the admin endpoints call these) ----------------------------------------

    # create_order(items, **options) -> the order in wire form: seed an order as the
    # marketplace's checkout would (options: order_fields of the admin endpoint).
    create_order: Callable[..., dict[str, Any]]

    def cancel(self, order_id: str) -> dict[str, Any]:
        """The buyer (or the marketplace) cancels; KeyError for an unknown order."""
        raise NotImplementedError

    def admin_order(self, order_id: str) -> dict[str, Any] | None:
        """What ``GET /_sandbox/orders/{id}`` shows of an order (None: unknown)."""
        raise NotImplementedError

    # seed_listing(sku, *, price, quantity, currency, <seller_param>) -> anything: create a
    # buyable listing directly (demos and benchmarks with many SKUs).
    seed_listing: Callable[..., Any]

    def listing_state(self, sku: str, seller: str | None = None) -> dict[str, Any] | None:
        """What a shopper would see for ``sku`` (None if absent)."""
        raise NotImplementedError

    def seeded(self, results: dict[str, Any]) -> dict[str, Any]:
        """The answer of ``POST /_sandbox/listings`` for {sku: seed_listing's result}."""
        return {"listings": len(results)}

    # -- accounts and tokens ----------------------------------------------------------------

    def add_account(self, account: SandboxAccount) -> None:
        self.accounts[account.refresh_token] = account

    def credentials(self, account: Any = None, **extra: str) -> AccountCredentials:
        """AccountCredentials that reach this sandbox for ``account`` (the first by default)."""
        account = account or next(iter(self.accounts.values()))
        return self.account_credentials(account, self.base_url, **extra)

    def revoke(self, refresh_token: str) -> None:
        """The seller revoked the app: the refresh token and its access tokens stop working."""
        account = self.accounts[refresh_token]
        account.revoked = True
        self.tokens.revoke_account(lambda a: a is account)

    def expire_tokens(self) -> None:
        self.tokens.expire_all()

    def granted(self, refresh_token: str) -> Any:
        """The account a refresh token stands for; None if unknown or revoked."""
        account = self.accounts.get(refresh_token)
        return None if account is None or account.revoked else account

    @staticmethod
    def token_form(request: Request) -> dict[str, str]:
        """The form of a token request (query and urlencoded body, first values)."""
        form = {k: v[0] for k, v in request.query.items()}
        if request.body:
            form.update({k: v[0] for k, v in parse_qs(request.body.decode()).items()})
        return form

    @staticmethod
    def oauth_error(status: int, error: str, description: str) -> Response:
        """An RFC 6749 error answer of the token endpoint."""
        return Response.json(status, {"error": error, "error_description": description})

    def issue_token(self, account: Any, **fields: Any) -> Response:
        """A new access token for ``account``: the token endpoint's 200 answer."""
        token, lifetime = self.tokens.issue(account)
        expires_in = int(lifetime) if lifetime >= 1 else lifetime
        return Response.json(200, {"access_token": token, "expires_in": expires_in, **fields})

    # -- routing --------------------------------------------------------------------

    def route(
        self, method: str, pattern: str, operation: str, *, auth: bool = True, throttle: bool = True
    ) -> Callable[[Handler], Handler]:
        regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$")

        def register(handler: Handler) -> Handler:
            self.routes.append(Route(method, regex, operation, handler, auth, throttle))
            return handler

        return register

    def add(
        self,
        method: str,
        pattern: str,
        operation: str,
        handler: Handler,
        *,
        auth: bool = True,
        throttle: bool = True,
    ) -> None:
        self.route(method, pattern, operation, auth=auth, throttle=throttle)(handler)

    def _register_admin(self) -> None:
        self.add(
            "POST", "/_sandbox/faults", "_sandbox", self._admin_faults, auth=False, throttle=False
        )
        self.add(
            "GET",
            "/_sandbox/faults",
            "_sandbox",
            lambda r: Response.json(200, self.faults.snapshot()),
            auth=False,
            throttle=False,
        )
        self.add(
            "GET",
            "/_sandbox/state",
            "_sandbox",
            lambda r: Response.json(200, self._state()),
            auth=False,
            throttle=False,
        )
        self.add(
            "POST", "/_sandbox/reset", "_sandbox", self._admin_reset, auth=False, throttle=False
        )
        self.add(
            "POST",
            "/_sandbox/expire-tokens",
            "_sandbox",
            self._admin_expire,
            auth=False,
            throttle=False,
        )
        self.add(
            "GET",
            "/_sandbox/requests",
            "_sandbox",
            self._admin_requests,
            auth=False,
            throttle=False,
        )
        seeding: list[tuple[str, str, Handler]] = [
            ("POST", "/_sandbox/orders", self._admin_create_order),
            ("POST", "/_sandbox/orders/{orderId}/cancel", self._admin_cancel_order),
            ("GET", "/_sandbox/orders/{orderId}", self._admin_get_order),
            ("GET", "/_sandbox/listings/{sku}", self._admin_get_listing),
            ("POST", "/_sandbox/listings", self._admin_seed_listings),
        ]
        for method, pattern, handler in seeding + self.admin_routes():
            self.add(method, pattern, "_sandbox", handler, auth=False, throttle=False)

    def _admin_faults(self, request: Request) -> Response:
        spec = request.json() or {}
        if not isinstance(spec, dict):
            return Response.json(400, {"error": "faults body must be a JSON object"})
        self.faults.update(spec)
        if spec.get("expire_tokens"):
            self.expire_tokens()
        if "rate_limits" in spec:
            self.rate_limits_enabled = bool(spec["rate_limits"])
        if "rate_scale" in spec:
            self.set_rate_scale(float(spec["rate_scale"]))
        return Response.json(200, self.faults.snapshot())

    def _admin_reset(self, request: Request) -> Response:
        self.faults.clear()
        self.reset()
        self.exchanges.clear()
        with self._bucket_lock:
            self._buckets.clear()
        return Response.json(200, self._state())

    def _admin_expire(self, request: Request) -> Response:
        self.expire_tokens()
        return Response.json(200, {"expired": True})

    def _admin_requests(self, request: Request) -> Response:
        items = [
            {
                "operation": e.operation,
                "method": e.method,
                "path": e.path,
                "query": e.query,
                "status": e.status,
            }
            for e in list(self.exchanges)
            if e.operation != "_sandbox"
        ]
        if request.q("clear"):
            self.exchanges.clear()
        return Response.json(200, {"requests": items})

    def _admin_create_order(self, request: Request) -> Response:
        body = request.json() or {}
        options = {
            name: convert(body[name])
            for name, convert in self.order_fields.items()
            if body.get(name) is not None
        }
        try:
            order = self.create_order(body.get("items") or [], **options)
        except (ValueError, KeyError, TypeError, InvalidOperation) as exc:
            return Response.json(400, {"error": str(exc)})
        return Response.json(201, order)

    def _admin_cancel_order(self, request: Request) -> Response:
        try:
            return Response.json(200, self.cancel(request.params["orderId"]))
        except KeyError:
            return Response.json(404, {"error": "no such order"})

    def _admin_get_order(self, request: Request) -> Response:
        with self.lock:
            order = self.admin_order(request.params["orderId"])
        if order is None:
            return Response.json(404, {"error": "no such order"})
        return Response.json(200, order)

    def _admin_seed_listings(self, request: Request) -> Response:
        """Body: {"listings": [{"sku", "price", "quantity", "currency"?}], seller?}."""
        body = request.json() or {}
        try:
            results = {
                str(x["sku"]): self.seed_listing(
                    str(x["sku"]),
                    price=str(x.get("price", "10.00")),
                    quantity=int(x.get("quantity", 1)),
                    currency=x.get("currency"),
                    **{self.seller_param: body.get(self.seller_param)},
                )
                for x in body.get("listings") or []
            }
        except (KeyError, TypeError, ValueError, InvalidOperation, StopIteration) as exc:
            return Response.json(400, {"error": str(exc)})
        return Response.json(201, self.seeded(results))

    def _admin_get_listing(self, request: Request) -> Response:
        state = self.listing_state(request.params["sku"], request.q(self.seller_param))
        return Response.json(200 if state else 404, state or {"error": "no such listing"})

    def _state(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "calls": dict(self.calls),
            "rate_limits_enabled": self.rate_limits_enabled,
            "rate_scale": self.rate_scale,
            "faults": self.faults.snapshot(),
            "tokens_issued": self.tokens.issued,
            **self.admin_state(),
        }

    def set_rate_scale(self, scale: float) -> None:
        with self._bucket_lock:
            self.rate_scale = max(scale, 1e-6)
            self._buckets.clear()

    def api_exchanges(self) -> list[Exchange]:
        return [e for e in list(self.exchanges) if e.operation != "_sandbox"]

    # -- dispatch -------------------------------------------------------------------

    def _throttled(self, request: Request, route: Route) -> float | None:
        limit = self.rate_limits.get(route.operation)
        if not (self.rate_limits_enabled and limit and route.throttle):
            return None
        key = (self.account_key(request), route.operation)
        with self._bucket_lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = TokenBucket(
                    limit.rate * self.rate_scale, limit.burst, clock=self.clock
                )
        wait = bucket.take()
        return wait if wait > 0 else None

    def dispatch(self, request: Request) -> Response:
        route, allowed = None, []
        for candidate in self.routes:
            match = candidate.pattern.match(request.path)
            if match:
                allowed.append(candidate.method)
                if candidate.method == request.method:
                    route = candidate
                    request.params = {k: unquote(v) for k, v in match.groupdict().items()}
                    break
        if route is None:
            request.operation = "_unknown"
            status = 405 if allowed else 404
            return self.error_response(
                status,
                request,
                code="NotFound" if status == 404 else "MethodNotAllowed",
                message=f"{request.method} {request.path} is not served by the {self.name} sandbox",
            )
        request.operation = route.operation
        if route.operation == "_sandbox":
            return route.handler(request)
        with self._bucket_lock:
            self.calls[route.operation] = self.calls.get(route.operation, 0) + 1
        latency = self.faults.latency
        if latency:
            time.sleep(latency)
        if route.auth:
            refused = self.authenticate(request)
            if refused is not None:
                return refused
        forced = self.faults.pick(route.operation, api=route.auth)
        if forced is not None:
            limit = self.rate_limits.get(route.operation)
            return self.error_response(
                forced,
                request,
                limit=limit,
                retry_after=(1.0 / (limit.rate * self.rate_scale)) if limit else 1.0,
                message="injected fault",
            )
        wait = self._throttled(request, route)
        if wait is not None:
            return self.error_response(
                429, request, retry_after=wait, limit=self.rate_limits.get(route.operation)
            )
        try:
            return route.handler(request)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            # Unparseable input is the caller's fault: a 400 in the marketplace's words.
            return self.error_response(
                400, request, code="InvalidInput", message=f"Invalid request: {exc}"
            )
        except Exception:  # pragma: no cover - a sandbox bug must still answer
            log.exception(
                "%s sandbox handler failed for %s %s", self.name, request.method, request.path
            )
            return self.error_response(
                500,
                request,
                code="InternalFailure",
                message="We encountered an internal error. Please try again.",
            )


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SandboxServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        log.debug("%s " + format, self.server.app.name, *args)

    def _handle(self) -> None:
        app = self.server.app
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        response = app.dispatch(request)
        if request.operation != "_sandbox":
            app.exchanges.append(
                Exchange(
                    request.operation,
                    request.method,
                    request.path,
                    request.query,
                    request.headers,
                    body,
                    response.status,
                    dict(response.headers),
                    response.body,
                    time.time(),
                )
            )
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if response.body and self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, app: SandboxApp, host: str, port: int) -> None:
        if host not in LOOPBACK:
            raise ValueError("sandboxes bind loopback only")
        super().__init__((host, port), _Handler)
        self.app = app
        bound_port = int(self.server_address[1])
        shown = f"[{host}]" if ":" in host else host
        self.base_url = f"http://{shown}:{bound_port}"
        app.base_url = self.base_url
        self._thread: threading.Thread | None = None

    def start(self) -> SandboxServer:
        self._thread = threading.Thread(
            target=self.serve_forever,
            name=f"{self.app.name}-sandbox",
            kwargs={"poll_interval": 0.02},
            daemon=True,
        )
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving and free the port."""
        stop = getattr(self.app, "stop", None)
        if callable(stop):
            stop()
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


def serve_app(app: SandboxApp, host: str, port: int) -> tuple[SandboxServer, str]:
    """Start ``app`` on ``host:port`` (0: a free port) in a background thread."""
    server = SandboxServer(app, host, port).start()
    return server, server.base_url


def serving_arguments(parser: argparse.ArgumentParser) -> None:
    """The command-line options every way of starting sandboxes takes."""
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--rate-scale",
        type=float,
        default=1.0,
        help="multiply every documented rate (demo/benchmark speed-up)",
    )
    parser.add_argument("--no-rate-limits", action="store_true")


def serving_options(args: argparse.Namespace) -> dict[str, Any]:
    """Sandbox options from ``serving_arguments``' parsed values."""
    return {"rate_scale": args.rate_scale, "rate_limits_enabled": not args.no_rate_limits}


def sandbox_main(
    argv: list[str] | None,
    *,
    description: str,
    port: int,
    token_ttl: float,
    serve: Callable[..., tuple[SandboxServer, str]],
    banner: Callable[[str], str],
) -> None:
    """``python -m connectors.<name>.sandbox``: parse the common options, serve, block."""
    parser = argparse.ArgumentParser(description=description)
    serving_arguments(parser)
    parser.add_argument("--port", type=int, default=port)
    parser.add_argument("--token-ttl", type=float, default=token_ttl)
    args = parser.parse_args(argv)
    server, base_url = serve(
        args.host, args.port, token_ttl=args.token_ttl, **serving_options(args)
    )
    run_forever(server, banner(base_url))


def run_forever(server: SandboxServer, banner: str) -> None:
    """Serve in the foreground until Ctrl-C (for ``python -m connectors.<x>.sandbox``)."""
    print(banner, flush=True)  # noqa: T201 - command-line entry point
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
