"""eBay connector: Inventory API (item, offer, publish/withdraw, bulk price+quantity),
Fulfillment API (orders, shipping fulfillments), Post-Order API (cancellation)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import httpx

from connectors.base import (
    AccountCredentials,
    AuthFailed,
    BatchResult,
    Connector,
    ItemResult,
    ListingPayload,
    OfferUpdate,
    OrderError,
    OrderPage,
    Rejected,
    RemoteOffer,
    RemoteOrder,
    Shipment,
    ShipmentConfirmation,
    TokenStatus,
    TokenStore,
    Transient,
)
from connectors.ebay import mappers
from connectors.ebay.client import FULFILLMENT_LIMIT, INVENTORY_LIMIT, EbayClient
from connectors.http import RetryPolicy, guarded

log = logging.getLogger("connectors.ebay")

BULK_LIMIT = 25  # bulkUpdatePriceQuantity and bulkGetInventoryItem take at most 25


def _language(listing: ListingPayload) -> str:
    return listing.language or "en-US"


class EbayConnector(Connector):
    """One eBay seller on one eBay marketplace (``site`` = EBAY_US, EBAY_DE, ...).

    ``credentials.extra`` carries the business policy ids every offer needs
    (``fulfillment_policy_id``, ``payment_policy_id``, ``return_policy_id``) and the
    ``merchant_location_key`` of the inventory location.
    """

    name = "ebay"
    bulk_limit = BULK_LIMIT
    rate_limits = {
        "upsert_listing": INVENTORY_LIMIT,  # 3-5 calls each
        "update_offers": INVENTORY_LIMIT,  # one call per 25 SKUs
        "delist": INVENTORY_LIMIT,
        "fetch_offers": INVENTORY_LIMIT,  # 1 + one getOffers per SKU
        "fetch_orders": FULFILLMENT_LIMIT,
        "confirm_shipment": FULFILLMENT_LIMIT,
        "cancel_order": FULFILLMENT_LIMIT,
    }

    def __init__(
        self,
        credentials: AccountCredentials,
        *,
        http: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
        pace: bool = True,
        token_store: TokenStore | None = None,
    ) -> None:
        super().__init__(credentials)
        missing = [
            name
            for name in ("site", "client_id", "client_secret", "refresh_token")
            if not getattr(credentials, name)
        ]
        if missing:
            raise AuthFailed(
                f"eBay credentials incomplete: {', '.join(missing)} missing",
                code="incomplete_credentials",
            )
        try:
            scale = float(credentials.extra.get("rate_scale", 1.0))
        except (TypeError, ValueError):
            scale = 1.0
        self.client = EbayClient(
            credentials,
            http=http,
            retry=retry,
            pace=pace,
            rate_scale=scale,
            token_store=token_store,
        )
        self.page_size = max(1, min(200, int(credentials.extra.get("orders_page_size", 200))))
        self._offer_ids: dict[str, str] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ offers

    def _find_offer(self, sku: str) -> dict[str, Any] | None:
        for offer in self.client.get_offers(sku):
            if offer.get("marketplaceId", self.credentials.site) == self.credentials.site:
                with self._lock:
                    self._offer_ids[sku] = str(offer.get("offerId", ""))
                return offer
        return None

    def _offer_id(self, sku: str, known: str = "") -> str:
        if known:
            return known
        with self._lock:
            cached = self._offer_ids.get(sku)
        if cached:
            return cached
        offer = self._find_offer(sku)
        return str(offer.get("offerId", "")) if offer else ""

    @guarded
    def upsert_listing(self, listing: ListingPayload) -> ItemResult:
        """Inventory item, then its offer (created or updated), then publish it."""
        language = _language(listing)
        self.client.put_inventory_item(listing.sku, mappers.inventory_item_body(listing), language)
        existing = self._find_offer(listing.sku)
        warnings: list[str] = []
        if existing is None:
            created = self.client.create_offer(
                mappers.offer_body(
                    listing, self.credentials.site, self.credentials.extra, with_keys=True
                ),
                language,
            )
            offer_id = str(created.get("offerId", "")) if isinstance(created, dict) else ""
            if not offer_id:
                raise Transient("createOffer answered without an offerId", code="bad_response")
        else:
            offer_id = str(existing["offerId"])
            self.client.update_offer(
                offer_id,
                mappers.offer_body(
                    listing, self.credentials.site, self.credentials.extra, with_keys=False
                ),
                language,
            )
        with self._lock:
            self._offer_ids[listing.sku] = offer_id
        published = self.client.publish_offer(offer_id)
        if isinstance(published, dict):
            _, warnings, _ = _warnings(published)
        return ItemResult(
            listing.sku,
            ok=True,
            external_id=offer_id,
            messages=tuple(f"WARNING: {w}" for w in warnings),
        )

    @guarded
    def update_offers(self, updates: Sequence[OfferUpdate]) -> BatchResult:
        """bulkUpdatePriceQuantity, 25 SKUs per call, one ItemResult per SKU."""
        results: dict[int, ItemResult] = {}
        pending: list[tuple[int, OfferUpdate, dict[str, Any]]] = []
        for index, update in enumerate(updates):
            if update.price is None and update.total_quantity is None:
                results[index] = ItemResult(update.sku, ok=True, messages=("nothing to change",))
                continue
            if update.price is not None and not update.currency:
                results[index] = ItemResult(
                    update.sku,
                    ok=False,
                    code="invalid_update",
                    messages=("a price needs its currency",),
                )
                continue
            offer_id = self._offer_id(update.sku, update.external_id)
            if update.price is not None and not offer_id:
                results[index] = ItemResult(
                    update.sku,
                    ok=False,
                    code="no_offer",
                    messages=(f"no eBay offer for SKU {update.sku} on {self.credentials.site}",),
                )
                continue
            try:
                request = mappers.price_quantity_request(update, offer_id)
            except mappers.MappingError as exc:
                results[index] = ItemResult(
                    update.sku, ok=False, code="invalid_update", messages=(str(exc),)
                )
                continue
            pending.append((index, update, request))
        for start in range(0, len(pending), BULK_LIMIT):
            chunk = pending[start : start + BULK_LIMIT]
            body = self.client.bulk_update_price_quantity([request for _, _, request in chunk])
            try:
                by_sku = mappers.price_quantity_results(body, [u.sku for _, u, _ in chunk])
            except mappers.MappingError as exc:
                raise Transient(str(exc), code="bad_response", details={"body": body}) from exc
            for index, update, _ in chunk:
                results[index] = by_sku[update.sku]
        return BatchResult(results=tuple(results[i] for i in sorted(results)))

    @guarded
    def delist(self, sku: str, external_id: str = "") -> ItemResult:
        """withdrawOffer: the listing ends, inventory item and offer stay for relisting."""
        offer = (self.client.get_offer(external_id) if external_id else None) or self._find_offer(
            sku
        )
        if offer is None:
            raise Rejected(
                f"no eBay offer for SKU {sku} on {self.credentials.site}", code="no_offer"
            )
        offer_id = str(offer.get("offerId", external_id))
        if offer.get("status") != "PUBLISHED":
            return ItemResult(sku, ok=True, external_id=offer_id, messages=("already not listed",))
        self.client.withdraw_offer(offer_id)
        return ItemResult(sku, ok=True, external_id=offer_id)

    @guarded
    def fetch_offers(self, skus: Sequence[str]) -> list[RemoteOffer]:
        """bulkGetInventoryItem (25 a call) + getOffers per SKU: price, quantity, status."""
        unique = list(dict.fromkeys(skus))
        items: dict[str, dict[str, Any]] = {}
        for start in range(0, len(unique), BULK_LIMIT):
            for entry in self.client.bulk_get_inventory_items(unique[start : start + BULK_LIMIT]):
                if (
                    isinstance(entry, dict)
                    and entry.get("statusCode") == 200
                    and isinstance(entry.get("inventoryItem"), dict)
                ):
                    items[str(entry.get("sku"))] = entry["inventoryItem"]
        offers = []
        for sku in unique:
            if sku not in items:
                continue
            try:
                offers.append(mappers.remote_offer(sku, self._find_offer(sku), items[sku]))
            except mappers.MappingError as exc:
                log.warning("ebay read-back: unreadable offer for %s: %s", sku, exc)
        return offers

    # ------------------------------------------------------------------ orders

    @guarded
    def fetch_orders(
        self,
        updated_after: datetime,
        updated_before: datetime | None = None,
        cursor: str | None = None,
    ) -> OrderPage:
        """getOrders filtered by lastmodifieddate, paged by limit/offset (cursor = offset)."""
        try:
            offset = int(cursor) if cursor else 0
        except ValueError as exc:
            raise Rejected(f"not an eBay order cursor: {cursor!r}", code="bad_cursor") from exc
        end = mappers.iso_ms(updated_before) if updated_before else ""
        filter_ = f"lastmodifieddate:[{mappers.iso_ms(updated_after)}..{end}]"
        body = self.client.get_orders(filter_, self.page_size, offset)
        if not isinstance(body, dict) or not isinstance(body.get("orders", []), list):
            raise Transient(
                "getOrders answered without an orders list",
                code="bad_response",
                details={"body": body},
            )
        orders: list[RemoteOrder] = []
        errors: list[OrderError] = []
        raw_orders = body.get("orders") or []
        for raw in raw_orders:
            order_id = str(raw.get("orderId", "")) if isinstance(raw, dict) else ""
            try:
                if not isinstance(raw, dict):
                    raise mappers.MappingError("order is not an object")
                orders.append(mappers.remote_order(raw, self.credentials.site))
            except mappers.MappingError as exc:
                log.warning("ebay order %s unreadable: %s", order_id, exc)
                errors.append(
                    OrderError(
                        order_id, str(exc), raw=raw if isinstance(raw, dict) else {"value": raw}
                    )
                )
        total = body.get("total")
        consumed = offset + len(raw_orders)
        more = (
            (isinstance(total, int) and consumed < total)
            if total is not None
            else bool(body.get("next"))
        )
        return OrderPage(
            orders=tuple(orders),
            next_cursor=str(consumed) if more and raw_orders else None,
            window_end=updated_before,
            errors=tuple(errors),
        )

    def acknowledge_order(self, external_id: str) -> None:
        """Nothing to do: eBay orders need no acknowledgement from the seller."""

    @guarded
    def confirm_shipment(self, shipment: Shipment) -> ShipmentConfirmation:
        """createShippingFulfillment with carrier and tracking (all open lines when none given)."""
        lines = list(shipment.lines)
        if not lines:
            order = self.client.get_order(shipment.external_order_id)
            if not isinstance(order, dict):
                raise Rejected(
                    f"eBay order {shipment.external_order_id} not found", code="not_found"
                )
            lines = [
                (str(item["lineItemId"]), int(item["quantity"]))
                for item in order.get("lineItems") or []
                if item.get("lineItemFulfillmentStatus") != "FULFILLED"
            ]
            if not lines:
                raise Rejected(
                    f"order {shipment.external_order_id} has nothing left to ship",
                    code="nothing_to_ship",
                )
        body = mappers.shipping_fulfillment_body(shipment, lines)
        fulfillment_id = self.client.create_shipping_fulfillment(shipment.external_order_id, body)
        return ShipmentConfirmation(
            external_order_id=shipment.external_order_id,
            package_id=shipment.package_id or fulfillment_id,
            carrier=str(body["shippingCarrierCode"]),
            tracking_number=shipment.tracking_number,
            fulfillment_id=fulfillment_id,
        )

    @guarded
    def cancel_order(
        self, external_id: str, reason: str, lines: Sequence[tuple[str, int]] = ()
    ) -> None:
        """Cancel through the Post-Order API (``POST /post-order/v2/cancellation``).

        The Sell Fulfillment API cannot cancel; eBay's documented seller route is the
        Post-Order cancellation, which cancels whole orders only. Already cancelled
        orders are left alone (idempotent).
        """
        try:
            reason_code = mappers.cancel_reason_code(reason)
        except mappers.MappingError as exc:
            raise Rejected(str(exc), code="invalid_reason") from exc
        order = self.client.get_order(external_id)
        if not isinstance(order, dict):
            raise Rejected(f"eBay order {external_id} not found", code="not_found")
        if (order.get("cancelStatus") or {}).get("cancelState") == "CANCELED":
            return
        if order.get("orderFulfillmentStatus") == "FULFILLED":
            raise Rejected(f"eBay order {external_id} is already shipped", code="shipped")
        if lines:
            ordered = {
                str(i.get("lineItemId")): int(i.get("quantity", 0))
                for i in order.get("lineItems") or []
            }
            asked: dict[str, int] = {}
            for line_id, qty in lines:
                asked[line_id] = asked.get(line_id, 0) + qty
            if asked != ordered:
                raise Rejected(
                    "eBay cancels whole orders only; cancel every line or none",
                    code="partial_cancel",
                )
        self.client.create_cancellation({"legacyOrderId": external_id, "cancelReason": reason_code})

    # ------------------------------------------------------------------ housekeeping

    def token_status(self) -> TokenStatus:
        return self.client.tokens.status()

    def close(self) -> None:
        self.client.close()


def _warnings(body: dict[str, Any]) -> tuple[str, list[str], Any]:
    from connectors.ebay.client import first_error

    return first_error(body.get("warnings") or [])
