"""A complete in-memory marketplace behind ``connectors.base.Connector``, for hub tests.

It records every call and can misbehave the way real marketplaces do: 429 with
Retry-After, 5xx, refused credentials, content rejections (whole call or per
item), silent no-ops (a PATCH that "succeeds" without effect), feeds that skip
SKUs without a word, and random faults at a given rate.
"""

from __future__ import annotations

import json
import os
import random
import signal
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from connectors.base import (
    AuthFailed,
    BatchResult,
    Connector,
    ItemResult,
    ListingPayload,
    OfferUpdate,
    OrderPage,
    RateLimit,
    RateLimited,
    Rejected,
    RemoteOffer,
    RemoteOrder,
    Shipment,
    Submission,
    Transient,
)


@dataclass
class Offer:
    sku: str
    price: Decimal | None
    currency: str
    quantity: int | None
    live: bool = True
    external_id: str = ""
    title: str = ""
    payload: ListingPayload | None = None


@dataclass
class FakeMarketplace:
    """The marketplace's state and its knobs; one per site."""

    site: str
    bulk_limit: int = 5
    page_size: int = 50
    offers: dict[str, Offer] = field(default_factory=dict)
    orders: dict[str, RemoteOrder] = field(default_factory=dict)
    calls: list[tuple[str, Any]] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)
    shipments: list[Shipment] = field(default_factory=list)
    cancellations: list[tuple[str, str]] = field(default_factory=list)
    # fault injection
    queued_faults: list[Exception] = field(default_factory=list)  # raised by the next calls
    op_faults: dict[str, list[Exception]] = field(default_factory=dict)  # next calls of one op
    fault_rate: float = 0.0  # random 429 / 500 share of calls
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    auth_broken: bool = False
    reject_skus: dict[str, str] = field(default_factory=dict)  # per-item rejection message
    reject_calls_with: set[str] = field(default_factory=set)  # whole call refused if it has one
    silent_noop_skus: set[str] = field(default_factory=set)  # "ok" but nothing changes
    skipped_skus: set[str] = field(default_factory=set)  # absent from the results
    kill_on_call: int | None = None  # SIGKILL this process on the n-th update_offers call
    # Feed-like bulk updates: answered pending, settled after this many polls (None: at once)
    feed_polls: int | None = None
    max_window: timedelta | None = None  # fetch_orders cuts longer windows (Shopee: 15 days)
    # Another process's view of the same marketplace: state changes are appended here
    # (JSON lines) so the test process can replay what a killed worker got through.
    journal_path: str | None = None
    _next_id: int = 1
    feeds: dict[str, list[Any]] = field(default_factory=dict)

    # ------------------------------------------------------------------ helpers

    def _enter(self, op: str, arg: Any) -> None:
        self.calls.append((op, arg))
        if self.auth_broken:
            raise AuthFailed("invalid_grant: refresh token revoked", code="invalid_grant",
                             status=401)
        if self.op_faults.get(op):
            raise self.op_faults[op].pop(0)
        if self.queued_faults:
            raise self.queued_faults.pop(0)
        if self.fault_rate and self.rng.random() < self.fault_rate:
            if self.rng.random() < 0.5:
                raise RateLimited("429 Too Many Requests", status=429, retry_after=0.01)
            raise Transient("500 Internal Server Error", status=500)

    def _journal(self, op: str, **fields: Any) -> None:
        if self.journal_path:
            with open(self.journal_path, "a") as fh:
                fh.write(json.dumps({"op": op, **fields}, default=str) + "\n")
                fh.flush()
                os.fsync(fh.fileno())

    def replay(self, path: str) -> int:
        """Apply the state changes another process journaled; returns entries applied."""
        if not os.path.exists(path):
            return 0
        n = 0
        with open(path) as fh:
            for line in fh:
                entry = json.loads(line)
                sku = entry["sku"]
                if entry["op"] == "upsert":
                    old = self.offers.get(sku)
                    self.offers[sku] = Offer(sku=sku, price=Decimal(entry["price"]),
                                             currency=entry["currency"],
                                             quantity=entry["quantity"], live=True,
                                             external_id=entry["external_id"],
                                             title=old.title if old else "")
                elif entry["op"] == "update" and sku in self.offers:
                    if entry["quantity"] is not None:
                        self.offers[sku].quantity = entry["quantity"]
                    if entry["price"] is not None:
                        self.offers[sku].price = Decimal(entry["price"])
                elif entry["op"] == "delist" and sku in self.offers:
                    self.offers[sku].live = False
                n += 1
        return n

    def fail_next(self, op: str, *errors: Exception) -> None:
        self.op_faults.setdefault(op, []).extend(errors)

    def calls_of(self, op: str) -> list[Any]:
        return [arg for name, arg in self.calls if name == op]

    def quantity(self, sku: str) -> int | None:
        offer = self.offers.get(sku)
        return offer.quantity if offer and offer.live else None

    def add_order(self, order: RemoteOrder) -> None:
        self.orders[order.external_id] = order

    # ------------------------------------------------------------------ operations

    def upsert(self, payload: ListingPayload) -> ItemResult:
        self._enter("upsert_listing", payload)
        if payload.sku in self.reject_skus:
            return ItemResult(sku=payload.sku, ok=False, code="8541",
                              messages=(self.reject_skus[payload.sku],))
        offer = self.offers.get(payload.sku)
        external_id = offer.external_id if offer else f"EXT-{self._next_id}"
        if not offer:
            self._next_id += 1
        self.offers[payload.sku] = Offer(sku=payload.sku, price=payload.price,
                                         currency=payload.currency, quantity=payload.quantity,
                                         live=True, external_id=external_id, title=payload.title,
                                         payload=payload)
        self._journal("upsert", sku=payload.sku, price=payload.price, currency=payload.currency,
                      quantity=payload.quantity, external_id=external_id)
        return ItemResult(sku=payload.sku, ok=True, external_id=external_id)

    def update(self, updates: Sequence[OfferUpdate]) -> BatchResult:
        updates = list(updates)
        self._enter("update_offers", updates)
        if self.kill_on_call is not None and len(self.calls_of("update_offers")) >= self.kill_on_call:
            os.kill(os.getpid(), signal.SIGKILL)
        if len(updates) > self.bulk_limit:
            raise Rejected(f"at most {self.bulk_limit} updates per call", status=400)
        if any(u.sku in self.reject_calls_with for u in updates):
            raise Rejected("The request contains an invalid offer", code="25001", status=400)
        results = []
        for u in updates:
            if u.sku in self.skipped_skus:
                continue
            if u.sku in self.reject_skus:
                results.append(ItemResult(sku=u.sku, ok=False, code="25002",
                                          messages=(self.reject_skus[u.sku],)))
                continue
            offer = self.offers.get(u.sku)
            if u.sku not in self.silent_noop_skus:
                self._journal("update", sku=u.sku, quantity=u.quantity, price=u.price)
                if offer is not None:
                    if u.quantity is not None:
                        offer.quantity = u.quantity
                    if u.price is not None:
                        offer.price, offer.currency = u.price, u.currency
            # An unknown SKU "succeeds" too: that is how marketplaces fail silently.
            results.append(ItemResult(sku=u.sku, ok=True,
                                      external_id=offer.external_id if offer else ""))
        return BatchResult(results=tuple(results), submission_id=f"SUB-{len(self.calls)}")

    def submit(self, updates: Sequence[OfferUpdate]) -> BatchResult:
        """Like a feed: accepted now, applied and reported after ``feed_polls`` polls."""
        updates = list(updates)
        self._enter("update_offers", updates)
        feed_id = f"FEED-{len(self.calls)}"
        self.feeds[feed_id] = [updates, self.feed_polls or 0]
        submission = Submission(feed_id, "update_offers", tuple(u.sku for u in updates), 0.5)
        return BatchResult(results=(), submission_id=feed_id, pending=(submission,))

    def poll(self, submission: Submission) -> BatchResult:
        self._enter("poll_submission", submission.id)
        feed = self.feeds[submission.id]
        if feed[1] > 0:
            feed[1] -= 1
            return BatchResult(results=(), submission_id=submission.id, pending=(submission,))
        return self.update(feed[0])

    def withdraw(self, sku: str) -> ItemResult:
        self._enter("delist", sku)
        offer = self.offers.get(sku)
        if offer is not None:
            offer.live = False
            self._journal("delist", sku=sku)
        return ItemResult(sku=sku, ok=True)

    def read(self, skus: Sequence[str]) -> list[RemoteOffer]:
        self._enter("fetch_offers", list(skus))
        return [RemoteOffer(sku=o.sku, price=o.price, currency=o.currency, quantity=o.quantity,
                            status="ACTIVE", external_id=o.external_id)
                for sku in skus if (o := self.offers.get(sku)) is not None and o.live]

    def list_orders(self, updated_after: datetime, updated_before: datetime | None,
                    cursor: str | None) -> OrderPage:
        self._enter("fetch_orders", (updated_after, updated_before, cursor))
        matching = sorted(
            (o for o in self.orders.values()
             if o.updated_at >= updated_after
             and (updated_before is None or o.updated_at < updated_before)),
            key=lambda o: (o.updated_at, o.external_id))
        window_end = None
        if self.max_window is not None:
            cut = updated_after + self.max_window
            if updated_before is None or updated_before > cut:
                window_end = cut
                matching = [o for o in matching if o.updated_at < cut]
        start = int(cursor or 0)
        page = matching[start:start + self.page_size]
        more = start + self.page_size < len(matching)
        return OrderPage(orders=tuple(page), next_cursor=str(start + self.page_size) if more else None,
                         window_end=window_end)

    def change_order(self, external_id: str, **changes: Any) -> None:
        self.orders[external_id] = replace(self.orders[external_id], **changes)


MARKETPLACES: dict[str, FakeMarketplace] = {}


def install(market: FakeMarketplace) -> FakeMarketplace:
    MARKETPLACES[market.site] = market
    return market


class FakeConnector(Connector):
    """The Connector the hub sees; its marketplace is looked up by the account's site."""

    name = "fake"
    rate_limits = {"default": RateLimit(rate=10_000.0, burst=10_000)}

    def __init__(self, credentials) -> None:  # noqa: ANN001
        super().__init__(credentials)

    @property
    def market(self) -> FakeMarketplace:
        return MARKETPLACES[self.credentials.site]

    @property  # type: ignore[override]
    def bulk_limit(self) -> int:
        return self.market.bulk_limit

    def upsert_listing(self, listing: ListingPayload) -> ItemResult:
        return self.market.upsert(listing)

    def update_offers(self, updates: Sequence[OfferUpdate]) -> BatchResult:
        if self.market.feed_polls is not None:
            return self.market.submit(updates)
        return self.market.update(updates)

    def poll_submission(self, submission: Submission) -> BatchResult:
        return self.market.poll(submission)

    def delist(self, sku: str, external_id: str = "") -> ItemResult:
        return self.market.withdraw(sku)

    def fetch_offers(self, skus: Sequence[str]) -> list[RemoteOffer]:
        return self.market.read(skus)

    def fetch_orders(self, updated_after: datetime, updated_before: datetime | None = None,
                     cursor: str | None = None) -> OrderPage:
        return self.market.list_orders(updated_after, updated_before, cursor)

    def acknowledge_order(self, external_id: str) -> None:
        self.market._enter("acknowledge_order", external_id)
        self.market.acknowledged.append(external_id)

    def confirm_shipment(self, shipment: Shipment) -> None:
        self.market._enter("confirm_shipment", shipment)
        self.market.shipments.append(shipment)

    def cancel_order(self, external_id: str, reason: str,
                     lines: Sequence[tuple[str, int]] = ()) -> None:
        self.market._enter("cancel_order", (external_id, reason))
        self.market.cancellations.append((external_id, reason))
