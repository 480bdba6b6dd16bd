"""A marketplace emulator kept in Redis, for the sync benchmark's ``memory`` target.

Every process (the benchmark, each Celery worker) sees the same marketplace state,
which the hub tests' in-process double cannot offer. It answers like a marketplace
through ``connectors.base.Connector``: per-call latency, per-operation rate limits
that answer 429 with Retry-After, bulk updates of at most ``bulk_limit`` SKUs,
paginated order lists by last-updated time. It is not the loopback HTTP sandbox of
the connectors issue: no wire format, no auth; it measures the hub, not a client.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from connectors.base import (
    BatchResult,
    Connector,
    ItemResult,
    ListingPayload,
    OfferUpdate,
    OrderPage,
    RateLimit,
    RateLimited,
    RemoteOffer,
    RemoteOrder,
    Shipment,
)

LATENCY_S = 0.03  # a marketplace round trip from a nearby region


def _redis():  # noqa: ANN202
    from hub.ratelimit import _client

    return _client()


def _key(site: str, name: str) -> str:
    return f"emu:{site}:{name}"


class EmulatedConnector(Connector):
    name = "emulated"
    bulk_limit = 25
    rate_limits: dict[str, RateLimit] = {}
    page_size = 100

    # ------------------------------------------------------------------ plumbing

    @property
    def site(self) -> str:
        return self.credentials.site

    def _enter(self, op: str) -> None:
        time.sleep(LATENCY_S)
        from hub.ratelimit import TokenBucket

        limit = self.rate_limits.get(op) or self.rate_limits.get("default")
        if limit is None:
            return
        wait = TokenBucket(f"emu-{self.site}", op, limit).reserve(1, max_wait=0)  # type: ignore[arg-type]
        if wait > 0:
            _redis().incr(_key(self.site, "throttled"))
            raise RateLimited("429 Too Many Requests", status=429, retry_after=wait)

    # ------------------------------------------------------------------ listings

    def upsert_listing(self, listing: ListingPayload) -> ItemResult:
        self._enter("upsert_listing")
        offer = {"p": str(listing.price), "c": listing.currency, "q": listing.quantity,
                 "live": True, "x": listing.external_id or f"X-{listing.sku}"}
        _redis().hset(_key(self.site, "offers"), listing.sku, json.dumps(offer))
        return ItemResult(sku=listing.sku, ok=True, external_id=offer["x"])

    def update_offers(self, updates: Sequence[OfferUpdate]) -> BatchResult:
        self._enter("update_offers")
        if len(updates) > self.bulk_limit:
            from connectors.base import Rejected

            raise Rejected(f"at most {self.bulk_limit} updates per call", status=400)
        r = _redis()
        key = _key(self.site, "offers")
        current = r.hmget(key, [u.sku for u in updates])
        changed, results = {}, []
        for update, raw in zip(updates, current, strict=True):
            offer = json.loads(raw) if raw else {"p": "0", "c": "", "q": 0, "live": False,
                                                  "x": ""}
            if update.quantity is not None:
                offer["q"] = update.quantity
            if update.price is not None:
                offer["p"], offer["c"] = str(update.price), update.currency
            changed[update.sku] = json.dumps(offer)
            results.append(ItemResult(sku=update.sku, ok=True, external_id=offer["x"]))
        if changed:
            r.hset(key, mapping=changed)
        return BatchResult(results=tuple(results), submission_id=f"emu-{time.time_ns()}")

    def delist(self, sku: str, external_id: str = "") -> ItemResult:
        self._enter("delist")
        r = _redis()
        raw = r.hget(_key(self.site, "offers"), sku)
        if raw:
            offer = json.loads(raw)
            offer["live"] = False
            r.hset(_key(self.site, "offers"), sku, json.dumps(offer))
        return ItemResult(sku=sku, ok=True)

    def fetch_offers(self, skus: Sequence[str]) -> list[RemoteOffer]:
        self._enter("fetch_offers")
        raws = _redis().hmget(_key(self.site, "offers"), list(skus))
        out = []
        for sku, raw in zip(skus, raws, strict=True):
            if raw:
                o = json.loads(raw)
                if o["live"]:
                    out.append(RemoteOffer(sku=sku, price=Decimal(o["p"]), currency=o["c"],
                                           quantity=o["q"], external_id=o["x"]))
        return out

    # ------------------------------------------------------------------ orders

    def fetch_orders(self, updated_after: datetime, updated_before: datetime | None = None,
                     cursor: str | None = None) -> OrderPage:
        self._enter("fetch_orders")
        from hub.serialization import remote_order_from_json

        r = _redis()
        high = updated_before.timestamp() if updated_before else "+inf"
        start = int(cursor or 0)
        ids = r.zrangebyscore(_key(self.site, "orders_by_time"), updated_after.timestamp(), high,
                              start=start, num=self.page_size + 1)
        page_ids = ids[:self.page_size]
        raws = r.hmget(_key(self.site, "orders"), page_ids) if page_ids else []
        orders = tuple(remote_order_from_json(json.loads(raw)) for raw in raws if raw)
        more = len(ids) > self.page_size
        return OrderPage(orders=orders, next_cursor=str(start + self.page_size) if more else None)

    def acknowledge_order(self, external_id: str) -> None:
        self._enter("acknowledge_order")

    def confirm_shipment(self, shipment: Shipment) -> None:
        self._enter("confirm_shipment")

    def cancel_order(self, external_id: str, reason: str,
                     lines: Sequence[tuple[str, int]] = ()) -> None:
        self._enter("cancel_order")
        _redis().sadd(_key(self.site, "canceled"), external_id)


# Amazon-like: documented SP-API usage plans (patchListingsItem 5/s burst 5,
# getListingsItem 5/s burst 10, getOrders 0.0167/s burst 20, confirmShipment 2/s
# burst 10); bulk updates through JSON_LISTINGS_FEED documents of 2,000 messages.
class AmazonLikeConnector(EmulatedConnector):
    name = "emu-amazon"
    bulk_limit = 2000
    rate_limits = {"update_offers": RateLimit(5, 5), "upsert_listing": RateLimit(5, 5),
                   "delist": RateLimit(5, 5), "fetch_offers": RateLimit(5, 10),
                   "fetch_orders": RateLimit(0.0167, 20), "confirm_shipment": RateLimit(2, 10),
                   "cancel_order": RateLimit(2, 10), "acknowledge_order": RateLimit(100, 100)}


# eBay-like: bulk_update_price_quantity takes 25 SKUs; eBay publishes daily call
# quotas, not per-second limits, so 10/s burst 20 is this benchmark's assumption.
class EbayLikeConnector(EmulatedConnector):
    name = "emu-ebay"
    bulk_limit = 25
    rate_limits = {"default": RateLimit(10, 20), "acknowledge_order": RateLimit(100, 100)}


# --------------------------------------------------------------------------- test control


def reset(site: str) -> None:
    r = _redis()
    for name in ("offers", "orders", "orders_by_time", "throttled", "canceled"):
        r.delete(_key(site, name))
    for key in r.scan_iter(match=f"*hub:bucket:emu-{site}:*"):
        r.delete(key)


def seed_offers(site: str, skus: Iterable[str]) -> None:
    r = _redis()
    batch: dict[str, str] = {}
    for sku in skus:
        batch[sku] = json.dumps({"p": "0", "c": "USD", "q": 0, "live": True, "x": f"X-{sku}"})
        if len(batch) >= 2000:
            r.hset(_key(site, "offers"), mapping=batch)
            batch = {}
    if batch:
        r.hset(_key(site, "offers"), mapping=batch)


def held_quantity(site: str, sku: str) -> int | None:
    raw = _redis().hget(_key(site, "offers"), sku)
    if not raw:
        return None
    offer = json.loads(raw)
    return offer["q"] if offer["live"] else None


def held_quantities(site: str) -> dict[str, int | None]:
    out = {}
    for sku, raw in _redis().hgetall(_key(site, "offers")).items():
        offer = json.loads(raw)
        out[sku.decode() if isinstance(sku, bytes) else sku] = offer["q"] if offer["live"] else None
    return out


def seed_orders(site: str, orders: Iterable[RemoteOrder]) -> None:
    from hub.serialization import remote_order_to_json

    r = _redis()
    pipe = r.pipeline()
    for order in orders:
        pipe.hset(_key(site, "orders"), order.external_id,
                  json.dumps(remote_order_to_json(order)))
        pipe.zadd(_key(site, "orders_by_time"), {order.external_id: order.updated_at.timestamp()})
    pipe.execute()


def throttled(site: str) -> int:
    return int(_redis().get(_key(site, "throttled")) or 0)
