"""The interface pieces Shopee, AliExpress and Walmart need beyond Amazon and eBay:
rotating refresh tokens through a token store, signed requests, errors inside 200
answers, asynchronous submissions, canonical carriers."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime

import httpx
import pytest

from connectors.base import (
    AuthFailed,
    BatchResult,
    Connector,
    ItemResult,
    ListingPayload,
    LocationQuantity,
    OfferUpdate,
    OrderPage,
    RateLimit,
    RateLimited,
    Rejected,
    RemoteOffer,
    Shipment,
    Submission,
    TokenGrant,
    TokenStore,
    Transient,
)
from connectors.carriers import Carrier, canonical
from connectors.http import ApiClient, RetryPolicy, TokenManager, oauth_refresh


class SingleUseRefreshTokens:
    """A token endpoint like Shopee's: every refresh token works once, a new one comes back."""

    def __init__(self, first: str) -> None:
        self.valid = {first}
        self.used: list[str] = []
        self._serial = 0
        self._lock = threading.Lock()

    def exchange(self, refresh_token: str) -> TokenGrant:
        with self._lock:
            self.used.append(refresh_token)
            if refresh_token not in self.valid:
                raise AuthFailed("refresh token used twice", code="invalid_grant")
            self.valid.discard(refresh_token)
            self._serial += 1
            rotated = f"RT-{self._serial}"
            self.valid.add(rotated)
            return TokenGrant(f"AT-{self._serial}", 3600, rotated, 30 * 86400)


class LockedStore(TokenStore):
    """What the hub does over its database row: one lock, the latest token, persisted."""

    lock = threading.Lock()

    def __init__(self, refresh_token: str) -> None:
        self.refresh_token = refresh_token
        self.saved: list[str] = []

    def refresh(self, exchange: Callable[[str], TokenGrant]) -> TokenGrant:
        with self.lock:
            grant = exchange(self.refresh_token)
            if grant.refresh_token and grant.refresh_token != self.refresh_token:
                self.refresh_token = grant.refresh_token
                self.saved.append(grant.refresh_token)
            return grant


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_rotated_refresh_token_is_used_for_the_next_refresh_without_a_store():
    endpoint = SingleUseRefreshTokens("RT-0")
    clock = Clock()
    manager = TokenManager(endpoint.exchange, "RT-0", clock=clock)

    assert manager.token() == "AT-1"
    clock.now += 7200  # expired
    assert manager.token() == "AT-2"

    assert endpoint.used == ["RT-0", "RT-1"] and manager.rotations == 2
    status = manager.status()
    assert status.refresh_expires_at is not None and status.state == "valid"


def test_processes_sharing_a_store_never_reuse_a_single_use_refresh_token():
    # given two "processes" (two managers) of one account behind the hub's store
    endpoint = SingleUseRefreshTokens("RT-0")
    store = LockedStore("RT-0")
    clocks = [Clock(), Clock()]
    managers = [TokenManager(endpoint.exchange, "RT-0", store=store, clock=c) for c in clocks]
    errors: list[Exception] = []

    def use(manager: TokenManager) -> None:
        try:
            for _ in range(5):
                manager.token()
        except Exception as exc:  # pragma: no cover - the failure this test is about
            errors.append(exc)

    # when both refresh at once, twice (the second time after their tokens expired)
    for _ in range(2):
        threads = [threading.Thread(target=use, args=(m,)) for m in managers for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for clock in clocks:
            clock.now += 7200

    # then every refresh used the latest token and every rotation was persisted
    assert errors == []
    assert len(endpoint.used) == 4 == len(set(endpoint.used))
    assert store.saved == ["RT-1", "RT-2", "RT-3", "RT-4"] and store.refresh_token == "RT-4"


def test_a_refused_refresh_leaves_the_stored_token_alone():
    endpoint = SingleUseRefreshTokens("RT-0")
    store = LockedStore("RT-revoked")
    manager = TokenManager(endpoint.exchange, "RT-0", store=store)

    with pytest.raises(AuthFailed):
        manager.token()

    assert store.refresh_token == "RT-revoked" and store.saved == []
    assert manager.status().state == "failed"


def _token_endpoint(answer: dict[str, object]) -> httpx.Client:
    return httpx.Client(
        transport=httpx.MockTransport(lambda request: httpx.Response(200, json=answer))
    )


def test_oauth_refresh_tells_a_rotation_from_an_echo():
    echo = {"access_token": "A", "expires_in": 3600, "refresh_token": "R"}
    rotated = {**echo, "refresh_token": "R2", "refresh_token_expires_in": 2592000}

    with _token_endpoint(echo) as http:
        grant = oauth_refresh(http, "http://t/token", data={"refresh_token": "R"}, marketplace="x")
    assert (grant.access_token, grant.refresh_token) == ("A", "")
    with _token_endpoint(rotated) as http:
        grant = oauth_refresh(http, "http://t/token", data={"refresh_token": "R"}, marketplace="x")
    assert (grant.refresh_token, grant.refresh_expires_in) == ("R2", 2592000.0)


class SigningClient(ApiClient):
    """Like Shopee/AliExpress: token and signature in the query, errors inside 200 bodies."""

    marketplace = "signing"

    def auth_headers(self, token: str, scheme: str | None) -> dict[str, str]:
        return {}

    def sign(self, request: httpx.Request, token: str) -> None:
        self.stamp += 1
        request.url = request.url.copy_merge_params(
            {
                "access_token": token,
                "timestamp": str(self.stamp),
                "sign": f"{len(request.content)}-{self.stamp}",
            }
        )

    def effective_status(self, resp: httpx.Response) -> int:
        error = resp.json().get("error") if resp.content else ""
        return {"error_auth": 401, "error_busy": 429}.get(error or "", resp.status_code)


def _signing_client(handler: Callable[[httpx.Request], httpx.Response], grants: list[str]):
    def exchange(refresh_token: str) -> TokenGrant:
        grants.append(refresh_token)
        return TokenGrant(f"AT-{len(grants)}", 3600)

    client = SigningClient(
        "http://shop.test",
        TokenManager(exchange, "RT"),
        key="k",
        limits={},
        http=httpx.Client(transport=httpx.MockTransport(handler)),
        retry=RetryPolicy(max_retries=2, backoff=0.001, max_backoff=0.001, max_rate_wait=0.01),
    )
    client.stamp = 0
    return client


def test_every_attempt_is_signed_afresh():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(500 if len(seen) == 1 else 200, json={"error": ""})

    client = _signing_client(handler, [])
    client.request(
        "update_stock", "POST", "/api/v2/product/update_stock", json={"a": 1}, idempotent=True
    )

    assert [r.url.params["timestamp"] for r in seen] == ["1", "2"]
    assert seen[1].url.params["access_token"] == "AT-1"
    assert seen[1].url.params["sign"] == f"{len(seen[1].content)}-2"  # the body was signable


def test_an_auth_error_inside_a_200_answer_refreshes_then_fails():
    grants: list[str] = []
    client = _signing_client(
        lambda request: httpx.Response(200, json={"error": "error_auth"}), grants
    )

    with pytest.raises(AuthFailed):
        client.request("get_order_list", "GET", "/api/v2/order/get_order_list")

    assert len(grants) == 2  # one refresh after the first refusal, then it gives up


class Feeds(Connector):
    """A marketplace whose bulk updates are feeds, processed after a few polls."""

    name = "feeds"
    rate_limits = {"default": RateLimit(100, 100)}

    def __init__(self, outcomes: Sequence[object]) -> None:
        super().__init__(credentials=None)  # type: ignore[arg-type]
        self.outcomes = list(outcomes)
        self.polls = 0

    def update_offers(self, updates: Sequence[OfferUpdate]) -> BatchResult:
        keys = tuple(u.sku for u in updates)
        return BatchResult(results=(), pending=(Submission("F1", "update_offers", keys, 0.0),))

    def poll_submission(self, submission: Submission) -> BatchResult:
        self.polls += 1
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        if outcome == "pending":
            return BatchResult(results=(), pending=(submission,))
        return BatchResult(results=tuple(ItemResult(k, ok=True) for k in submission.keys))

    def upsert_listing(self, listing: ListingPayload) -> ItemResult:
        raise NotImplementedError

    def delist(self, sku: str, external_id: str = "") -> ItemResult:
        raise NotImplementedError

    def fetch_offers(self, skus: Sequence[str]) -> list[RemoteOffer]:
        raise NotImplementedError

    def fetch_orders(
        self,
        updated_after: datetime,
        updated_before: datetime | None = None,
        cursor: str | None = None,
    ) -> OrderPage:
        raise NotImplementedError

    def acknowledge_order(self, external_id: str) -> None:
        raise NotImplementedError

    def confirm_shipment(self, shipment: Shipment) -> None:
        raise NotImplementedError

    def cancel_order(
        self, external_id: str, reason: str, lines: Sequence[tuple[str, int]] = ()
    ) -> None:
        raise NotImplementedError


def test_wait_for_polls_through_processing_and_throttling():
    connector = Feeds(["pending", RateLimited("slow down", retry_after=0.0), "pending", "done"])
    submitted = connector.update_offers(
        [OfferUpdate("A", quantity=1), OfferUpdate("B", quantity=2)]
    )

    assert not submitted.complete and submitted.pending[0].keys == ("A", "B")
    done = connector.wait_for(submitted, sleep=lambda s: None)

    assert done.complete and [r.sku for r in done.results] == ["A", "B"]
    assert connector.polls == 4


def test_wait_for_gives_up_with_a_transient_and_passes_rejections_on():
    clock = Clock()

    def sleep(seconds: float) -> None:
        clock.now += seconds + 1

    never = Feeds(["pending"] * 100)
    with pytest.raises(Transient) as caught:
        never.wait_for(
            never.update_offers([OfferUpdate("A", quantity=1)]), timeout=5, sleep=sleep, clock=clock
        )
    assert caught.value.code == "submission_timeout"

    fatal = Feeds([Rejected("feed refused", code="feed_fatal")])
    with pytest.raises(Rejected):
        fatal.wait_for(fatal.update_offers([OfferUpdate("A", quantity=1)]), sleep=lambda s: None)


def test_a_connector_without_submissions_refuses_to_poll():
    class Plain(Feeds):
        poll_submission = Connector.poll_submission  # type: ignore[assignment]

    with pytest.raises(Rejected) as caught:
        Plain([]).poll_submission(Submission("X", "update_offers", ("A",)))
    assert caught.value.code == "unknown_submission"


def test_offer_update_total_comes_from_its_locations():
    split = (LocationQuantity("paris", 2), LocationQuantity("berlin", 3))

    assert OfferUpdate("A", locations=split).total_quantity == 5
    assert OfferUpdate("A", quantity=7).total_quantity == 7
    assert OfferUpdate("A", price=None).total_quantity is None


@pytest.mark.parametrize(
    ("text", "carrier"),
    [
        ("FedEx", Carrier.FEDEX),
        ("FDX", Carrier.FEDEX),
        ("dhl_ecommerce", Carrier.DHL_ECOMMERCE),
        ("DHL eCommerce - US", Carrier.DHL_ECOMMERCE),
        ("Royal Mail", Carrier.ROYAL_MAIL),
        ("4PX", Carrier.FOUR_PX),
        ("Evri", Carrier.HERMES),
        ("Acme Couriers", None),
        ("", None),
    ],
)
def test_carrier_spellings_fold_to_one_code(text, carrier):
    assert canonical(text) is carrier
