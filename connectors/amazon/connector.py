"""Amazon SP-API connector: Listings Items for single changes, JSON_LISTINGS_FEED for
bulk, Orders 2026-01-01 searchOrders for import, Orders v0 for shipment confirmation,
the order-acknowledgement feed for seller cancellations.

Feeds are asynchronous on Amazon (minutes): ``update_offers`` and ``cancel_order``
hand back a :class:`~connectors.base.Submission` per feed and
``poll_submission`` reads the processing report once the feed is done.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import httpx

from connectors.amazon import mappers
from connectors.amazon.client import USAGE_PLANS, AmazonClient
from connectors.base import (
    AccountCredentials,
    AuthFailed,
    BatchResult,
    CancelScope,
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
    Submission,
    TokenStatus,
    TokenStore,
    Transient,
)
from connectors.http import RetryPolicy, guarded

log = logging.getLogger("connectors.amazon")

JSON_CONTENT_TYPE = "application/json; charset=UTF-8"
XML_CONTENT_TYPE = "text/xml; charset=UTF-8"
READ_BACK = ("summaries", "offers", "fulfillmentAvailability")
FEED_DONE = {"DONE", "FATAL", "CANCELLED"}
MAX_POLL_INTERVAL = 30.0
# getFeedDocument allows 0.0222/s: reading a finished feed's report may wait this long.
REPORT_MAX_WAIT = 60.0


def _extra_float(credentials: AccountCredentials, name: str, default: float) -> float:
    try:
        return float(credentials.extra.get(name, default))
    except (TypeError, ValueError):
        return default


class AmazonConnector(Connector):
    """One Amazon seller account on one marketplace (``site`` = marketplace id)."""

    name = "amazon"
    # JSON_LISTINGS_FEED takes up to 25,000 messages; 10,000 keeps documents well under
    # the upload size limits and the processing report readable.
    bulk_limit = 10_000
    # Up to this many updates go through patchListingsItem (seconds to apply) instead
    # of a feed (minutes on Amazon, one createFeed per ~2 minutes sustained).
    patch_threshold = 5
    # Keyed by connector method (what the hub schedules); the client also paces every
    # wire operation by its own usage plan (client.USAGE_PLANS).
    rate_limits = {
        "upsert_listing": USAGE_PLANS["putListingsItem"],
        "update_offers": USAGE_PLANS["patchListingsItem"],  # <= patch_threshold updates
        "update_offers_bulk": USAGE_PLANS["createFeed"],  # larger batches: one feed each
        "delist": USAGE_PLANS["patchListingsItem"],
        "fetch_offers": USAGE_PLANS["searchListingsItems"],  # 20 SKUs per call
        "fetch_orders": USAGE_PLANS["searchOrders"],
        "confirm_shipment": USAGE_PLANS["confirmShipment"],
        "cancel_order": USAGE_PLANS["createFeed"],
        "poll_submission": USAGE_PLANS["getFeed"],  # + getFeedDocument once it is done
    }
    cancel_scope = CancelScope.LINE  # whole items through the acknowledgement feed

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
            for name in ("site", "seller_id", "client_id", "client_secret", "refresh_token")
            if not getattr(credentials, name)
        ]
        if missing:
            raise AuthFailed(
                f"Amazon credentials incomplete: {', '.join(missing)} missing",
                code="incomplete_credentials",
            )
        self.marketplace_id = credentials.site
        self.client = AmazonClient(
            credentials,
            http=http,
            retry=retry,
            pace=pace,
            rate_scale=_extra_float(credentials, "rate_scale", 1.0),
            token_store=token_store,
        )
        self.feed_poll_interval = _extra_float(credentials, "feed_poll_interval", 5.0)
        self.page_size = int(_extra_float(credentials, "orders_page_size", 100))

    # ------------------------------------------------------------------ listings

    @guarded
    def upsert_listing(self, listing: ListingPayload) -> ItemResult:
        """putListingsItem with the full attribute set (replaces the listing)."""
        body = mappers.put_body(listing, self.marketplace_id)
        answer = self.client.put_listing(
            listing.sku, body, issue_locale=mappers.language_tag(listing.language)
        )
        result = mappers.submission_result(listing.sku, answer)
        if not result.ok:
            raise Rejected(
                "; ".join(result.messages) or "listing refused",
                code=result.code or "invalid",
                details={"messages": result.messages, "body": answer},
            )
        return result

    @guarded
    def update_offers(self, updates: Sequence[OfferUpdate]) -> BatchResult:
        """Price/quantity: a PATCH per SKU for small batches, else JSON_LISTINGS_FEED
        documents whose outcome comes later (``pending``; see ``poll_submission``)."""
        results: list[ItemResult | None] = [None] * len(updates)
        todo: list[tuple[int, OfferUpdate, list[dict[str, Any]]]] = []
        for index, update in enumerate(updates):
            try:
                patches = mappers.offer_patches(update, self.marketplace_id)
            except mappers.MappingError as exc:
                results[index] = ItemResult(
                    update.sku, ok=False, messages=(str(exc),), code="invalid_update"
                )
                continue
            if not patches:
                results[index] = ItemResult(update.sku, ok=True, messages=("nothing to change",))
            else:
                todo.append((index, update, patches))
        pending: list[Submission] = []
        if len(todo) <= self.patch_threshold:
            for index, update, patches in todo:
                results[index] = self._patch(update.sku, patches)
        else:
            for start in range(0, len(todo), self.bulk_limit):
                chunk = [(u, p) for _, u, p in todo[start : start + self.bulk_limit]]
                pending.append(self._submit_listings_feed(chunk))
        return BatchResult(
            results=tuple(r for r in results if r is not None),
            submission_id=",".join(p.id for p in pending),
            pending=tuple(pending),
        )

    def _patch(self, sku: str, patches: list[dict[str, Any]]) -> ItemResult:
        try:
            answer = self.client.patch_listing(sku, mappers.patch_body(patches))
        except Rejected as exc:
            messages = tuple((exc.details or {}).get("messages") or [exc.message])
            return ItemResult(sku, ok=False, messages=messages, code=exc.code)
        return mappers.submission_result(sku, answer)

    def _submit_listings_feed(
        self, chunk: list[tuple[OfferUpdate, list[dict[str, Any]]]]
    ) -> Submission:
        messages, skus = [], {}
        for message_id, (update, patches) in enumerate(chunk, start=1):
            messages.append(mappers.feed_patch_message(message_id, update.sku, patches))
            skus[str(message_id)] = update.sku
        document = mappers.feed_document(self.credentials.seller_id, messages)
        data = json.dumps(document, ensure_ascii=False).encode("utf-8")
        feed_id = self._submit_feed("JSON_LISTINGS_FEED", data, JSON_CONTENT_TYPE)
        return Submission(
            id=feed_id,
            operation="update_offers",
            keys=tuple(skus.values()),
            poll_after=self.feed_poll_interval,
            state={"feed_id": feed_id, "skus": skus},
        )

    def _submit_feed(self, feed_type: str, data: bytes, content_type: str) -> str:
        """createFeedDocument -> upload -> createFeed: the feed id."""
        document = self.client.create_feed_document(content_type)
        if not isinstance(document, dict) or not document.get("url"):
            raise Transient(
                "createFeedDocument answered without an upload URL", code="bad_response"
            )
        self.client.upload_document(str(document["url"]), data, content_type)
        return self.client.create_feed(feed_type, str(document["feedDocumentId"]))

    @guarded
    def poll_submission(self, submission: Submission) -> BatchResult:
        """getFeed; once the feed is done, its processing report, parsed per message.

        A feed still queued or processing comes back pending (polled less often each
        time); a cancelled one reports nothing for its keys, so they are pushed again.
        """
        feed_id = str(submission.state.get("feed_id") or submission.id)
        feed = self.client.get_feed(feed_id)
        status = str(feed.get("processingStatus")) if isinstance(feed, dict) else ""
        if status not in FEED_DONE:
            later = min(max(submission.poll_after, 0.01) * 1.5, MAX_POLL_INTERVAL)
            return BatchResult(
                results=(), submission_id=feed_id, pending=(replace(submission, poll_after=later),)
            )
        if status == "CANCELLED":
            log.warning("amazon feed %s was cancelled before processing", feed_id)
            return BatchResult(results=(), submission_id=feed_id)
        result_id = feed.get("resultFeedDocumentId")
        if not result_id:
            raise Transient(
                f"feed {feed_id} is {status} without a processing report",
                code="bad_response",
                details={"feed_id": feed_id},
            )
        result = self.client.get_feed_document(str(result_id), max_wait=REPORT_MAX_WAIT)
        report = self.client.download_document(
            str(result["url"]), result.get("compressionAlgorithm")
        )
        if submission.operation == "cancel_order":
            return self._cancel_result(submission, feed_id, status, report)
        return self._listings_feed_result(submission, feed_id, status, report)

    def _listings_feed_result(
        self, submission: Submission, feed_id: str, status: str, report: bytes
    ) -> BatchResult:
        try:
            parsed = json.loads(report)
        except ValueError as exc:
            raise Transient(
                f"feed {feed_id}: processing report is not JSON", code="bad_response"
            ) from exc
        if status == "FATAL":
            _, feed_messages, _ = mappers.issue_messages(
                parsed.get("issues") or [] if isinstance(parsed, dict) else []
            )
            raise Rejected(
                f"feed {feed_id} was rejected: " + "; ".join(feed_messages),
                code="feed_fatal",
                details={"feed_id": feed_id, "report": parsed},
            )
        skus = {int(k): str(v) for k, v in dict(submission.state.get("skus") or {}).items()}
        try:
            results = mappers.processing_report_results(parsed, skus, feed_id)
        except mappers.MappingError as exc:
            raise Transient(f"feed {feed_id}: {exc}", code="bad_response") from exc
        return BatchResult(results=tuple(results), submission_id=feed_id)

    def _cancel_result(
        self, submission: Submission, feed_id: str, status: str, report: bytes
    ) -> BatchResult:
        order_id = str(submission.state.get("order_id") or submission.keys[0])
        try:
            errors, descriptions = mappers.parse_xml_processing_report(report)
        except mappers.MappingError as exc:
            raise Transient(f"feed {feed_id}: {exc}", code="bad_response") from exc
        if errors or status == "FATAL":
            result = ItemResult(
                order_id,
                ok=False,
                external_id=feed_id,
                messages=tuple(descriptions) or (f"feed {feed_id} is {status}",),
                code="cancel_refused",
            )
        else:
            result = ItemResult(order_id, ok=True, external_id=feed_id)
        return BatchResult(results=(result,), submission_id=feed_id)

    @guarded
    def delist(self, sku: str, external_id: str = "") -> ItemResult:
        """Set the merchant-fulfilled quantity to 0: the listing stays, unbuyable, for relisting."""
        result = self._patch(
            sku,
            [
                {
                    "op": "replace",
                    "path": "/attributes/fulfillment_availability",
                    "value": mappers.availability_attribute(0),
                }
            ],
        )
        if not result.ok:
            raise Rejected(
                "; ".join(result.messages) or "delist refused",
                code=result.code or "invalid",
                details={"messages": result.messages},
            )
        return result

    @guarded
    def fetch_offers(self, skus: Sequence[str]) -> list[RemoteOffer]:
        """searchListingsItems by SKU (20 a call): price, merchant quantity, status."""
        offers = []
        for item in self.client.search_listings(list(dict.fromkeys(skus)), READ_BACK):
            try:
                offers.append(mappers.remote_offer(item, self.marketplace_id))
            except mappers.MappingError as exc:
                log.warning("amazon read-back: unreadable listing %s: %s", item.get("sku"), exc)
        return offers

    # ------------------------------------------------------------------ orders

    @staticmethod
    def _encode_cursor(state: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(state).encode()).decode()

    @staticmethod
    def _decode_cursor(cursor: str) -> dict[str, Any]:
        try:
            state = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        except ValueError as exc:
            raise Rejected(f"not an Amazon order cursor: {cursor!r}", code="bad_cursor") from exc
        if not isinstance(state, dict):
            raise Rejected(f"not an Amazon order cursor: {cursor!r}", code="bad_cursor")
        return state

    @guarded
    def fetch_orders(
        self,
        updated_after: datetime,
        updated_before: datetime | None = None,
        cursor: str | None = None,
    ) -> OrderPage:
        """searchOrders (Orders API 2026-01-01) by lastUpdatedAfter/paginationToken.

        Each order comes with its items, so a page of up to 100 orders is one call
        (0.0056/s, burst 20). The Orders v0 way, getOrders then getOrderItems per order,
        is held to 0.5 orders/s per seller by getOrderItems.
        """
        state = self._decode_cursor(cursor) if cursor else {}
        token = state.get("token")
        params = {
            "lastUpdatedAfter": mappers.iso(updated_after),
            "maxResultsPerPage": str(self.page_size),
            "includedData": ",".join(mappers.ORDER_DATASETS),
        }
        if updated_before is not None:
            params["lastUpdatedBefore"] = mappers.iso(updated_before)
        if token:  # the same parameters as the first page, and the token
            params["paginationToken"] = str(token)
        body = self.client.search_orders(params)
        if not isinstance(body, dict) or not isinstance(body.get("orders"), list):
            raise Transient(
                "searchOrders answered without orders", code="bad_response", details={"body": body}
            )
        window_end = None
        if body.get("lastUpdatedBefore"):
            try:
                window_end = mappers.instant(body["lastUpdatedBefore"], "lastUpdatedBefore")
            except mappers.MappingError:
                window_end = None
        orders: list[RemoteOrder] = []
        errors: list[OrderError] = []
        for raw in body["orders"]:
            order_id = str(raw.get("orderId", "")) if isinstance(raw, dict) else ""
            if not order_id:
                errors.append(
                    OrderError(
                        "",
                        "order without orderId",
                        raw=raw if isinstance(raw, dict) else {"value": raw},
                    )
                )
                continue
            try:
                orders.append(mappers.remote_order(raw, self.marketplace_id))
            except mappers.MappingError as exc:
                log.warning("amazon order %s unreadable: %s", order_id, exc)
                errors.append(OrderError(order_id, str(exc), raw={"order": raw}))
        pagination = body.get("pagination")
        next_token = pagination.get("nextToken") if isinstance(pagination, dict) else None
        next_cursor = self._encode_cursor({"token": next_token}) if next_token else None
        return OrderPage(
            orders=tuple(orders),
            next_cursor=next_cursor,
            window_end=window_end,
            errors=tuple(errors),
        )

    def acknowledge_order(self, external_id: str) -> None:
        """Nothing to do: SP-API orders need no acknowledgement (Unshipped is committed).

        The optional POST_ORDER_ACKNOWLEDGEMENT_DATA "Success" message only attaches a
        merchant order id; a feed per order would burn the createFeed budget for nothing.
        """

    @guarded
    def confirm_shipment(self, shipment: Shipment) -> ShipmentConfirmation:
        """confirmShipment for the given lines (all unshipped lines when none are given)."""
        lines = list(shipment.lines)
        if not lines:
            for item in self.client.get_order_items(shipment.external_order_id):
                remaining = int(item.get("QuantityOrdered", 0)) - int(
                    item.get("QuantityShipped") or 0
                )
                if remaining > 0:
                    lines.append((str(item["OrderItemId"]), remaining))
            if not lines:
                raise Rejected(
                    f"order {shipment.external_order_id} has nothing left to ship",
                    code="nothing_to_ship",
                )
        try:
            body = mappers.confirm_shipment_body(shipment, lines, self.marketplace_id)
        except mappers.MappingError as exc:
            raise Rejected(str(exc), code="invalid_shipment") from exc
        self.client.confirm_shipment(shipment.external_order_id, body)
        detail = body["packageDetail"]
        return ShipmentConfirmation(
            external_order_id=shipment.external_order_id,
            package_id=str(detail["packageReferenceId"]),
            carrier=str(detail["carrierCode"]),
            tracking_number=shipment.tracking_number,
        )

    @guarded
    def cancel_order(
        self, external_id: str, reason: str, lines: Sequence[tuple[str, int]] = ()
    ) -> Submission | None:
        """Cancel through the POST_ORDER_ACKNOWLEDGEMENT_DATA feed (StatusCode Failure).

        SP-API Orders (v0 and 2026-01-01) has no cancel operation; the order
        acknowledgement feed is Amazon's documented seller-cancellation path. It
        cancels whole items: a partial quantity of an item cannot be cancelled.
        Cancelling an order that is already cancelled succeeds at once (None);
        otherwise the feed's Submission says later whether Amazon accepted it.
        """
        try:
            reason_code = mappers.cancel_reason_code(reason)
        except mappers.MappingError as exc:
            raise Rejected(str(exc), code="invalid_reason") from exc
        answer = self.client.get_order(external_id)
        order = answer.get("payload") if isinstance(answer, dict) else None
        if not isinstance(order, dict):
            raise Rejected(f"Amazon order {external_id} not found", code="not_found")
        status = order.get("OrderStatus")
        if status == "Canceled":
            return None
        if status in {"Shipped", "InvoiceUnconfirmed"}:
            raise Rejected(f"Amazon order {external_id} is already shipped", code="shipped")
        item_ids: list[str] = []
        if lines:
            items = {str(i.get("OrderItemId")): i for i in self.client.get_order_items(external_id)}
            for line_id, qty in lines:
                item = items.get(line_id)
                if item is None:
                    raise Rejected(
                        f"order {external_id} has no item {line_id}", code="unknown_line"
                    )
                if qty < int(item.get("QuantityOrdered", 0)):
                    raise Rejected(
                        f"Amazon cancels whole items only: item {line_id} has "
                        f"{item.get('QuantityOrdered')} units, {qty} asked",
                        code="partial_quantity",
                    )
                item_ids.append(line_id)
            if set(item_ids) == set(items):
                item_ids = []  # every item: cancel the order
        xml = mappers.order_acknowledgement_xml(
            self.credentials.seller_id, external_id, reason_code, item_ids
        )
        feed_id = self._submit_feed("POST_ORDER_ACKNOWLEDGEMENT_DATA", xml, XML_CONTENT_TYPE)
        return Submission(
            id=feed_id,
            operation="cancel_order",
            keys=(external_id,),
            poll_after=self.feed_poll_interval,
            state={"feed_id": feed_id, "order_id": external_id},
        )

    # ------------------------------------------------------------------ housekeeping

    def token_status(self) -> TokenStatus:
        return self.client.tokens.status()

    def close(self) -> None:
        self.client.close()
