"""A stateful loopback stand-in for Amazon SP-API (and its LWA token endpoint).

Serves what the connector uses, in SP-API's wire format: LWA refresh-token grant,
Listings Items (get/put/patch/delete/search), Feeds (documents with pre-signed
upload/download URLs, feeds processed asynchronously IN_QUEUE -> IN_PROGRESS ->
DONE with a processing report; JSON_LISTINGS_FEED and
POST_ORDER_ACKNOWLEDGEMENT_DATA), Orders 2026-01-01 searchOrders (items inline,
paginationToken, includedData), Orders v0 (getOrders with NextToken, getOrder,
getOrderItems, confirmShipment). Expired tokens get SP-API's 403
"Unauthorized"; throttling follows the documented usage plans (429
QuotaExceeded with x-amzn-RateLimit-Limit).

    server, base_url = serve()                   # tests: a free port, in a thread
    python -m connectors.amazon.sandbox --port 8701   # make run
"""

from __future__ import annotations

import gzip
import hashlib
import heapq
import hmac
import itertools
import json
import secrets
import threading
import time
import xml.etree.ElementTree as ET  # noqa: S405 - parses what our own clients upload
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.sax.saxutils import escape

from connectors.amazon.client import USAGE_PLANS
from connectors.base import AccountCredentials, RateLimit
from connectors.sandbox_kit import (
    Request,
    Response,
    SandboxAccount,
    SandboxApp,
    SandboxServer,
    iso,
    parse_iso,
    sandbox_main,
    serve_app,
    utcnow,
)

DEFAULT_PORT = 8701
LISTING_PATH = "/listings/2021-08-01/items/{sellerId}/{sku}"
GZIP_OVER = 100_000  # processing reports larger than this are served GZIP-compressed


@dataclass
class Account(SandboxAccount):
    seller_id: str
    marketplace_ids: tuple[str, ...]


DEMO_ACCOUNT = Account(
    client_id="amzn1.application-oa2-client.omniportdemo",
    client_secret="omniport-demo-lwa-secret",  # noqa: S106 - sandbox-only demo secret
    refresh_token="Atzr|omniport-demo-refresh-token",  # noqa: S106
    seller_id="A2OMNIPORTDEMO",
    marketplace_ids=("ATVPDKIKX0DER",),
)

CURRENCIES = {
    "ATVPDKIKX0DER": "USD",
    "A1PA6795UKMFR9": "EUR",
    "A1F83G8C2ARO7P": "GBP",
    "A13V1IB3VIYZZH": "EUR",
    "APJ6JRA9NG5V4": "EUR",
    "A1RKKUPIHCS9HS": "EUR",
    "A1VC38T7YXB528": "JPY",
    "A2EUQ1WTGCTBG2": "CAD",
    "A1AM78C64UM0Y8": "MXN",
}


# Orders v0 OrderStatus (how orders are kept here) -> Orders 2026-01-01 fulfillmentStatus.
FULFILLMENT_STATUS = {
    "PendingAvailability": "PENDING_AVAILABILITY",
    "Pending": "PENDING",
    "Unshipped": "UNSHIPPED",
    "PartiallyShipped": "PARTIALLY_SHIPPED",
    "Shipped": "SHIPPED",
    "InvoiceUnconfirmed": "SHIPPED",
    "Canceled": "CANCELLED",
    "Unfulfillable": "UNFULFILLABLE",
}
ORDER_DATASETS = {"BUYER", "RECIPIENT", "PROCEEDS", "EXPENSE", "PROMOTION", "CANCELLATION",
                  "FULFILLMENT", "PACKAGES", "TAX", "PAYMENT", "FULFILLMENT_ORDERS"}


def _money(amount: Any, currency: str) -> dict[str, str]:
    return {"amount": str(amount), "currencyCode": currency}


def _order_2026(entry: dict[str, Any], included: set[str]) -> dict[str, Any]:
    """An order as Orders API 2026-01-01 shows it (items inline, datasets on request),
    from the v0 shape the sandbox keeps (getOrders and getOrderItems answer from it)."""
    order, items = entry["order"], entry["items"]
    status = order.get("OrderStatus")
    currency = (order.get("OrderTotal") or {}).get("CurrencyCode") or CURRENCIES.get(
        order.get("MarketplaceId"), "USD")
    wire_items, item_total, ship_total = [], Decimal(0), Decimal(0)
    for item in items:
        line_amount = Decimal(str((item.get("ItemPrice") or {}).get("Amount", "0")))
        ship_amount = Decimal(str((item.get("ShippingPrice") or {}).get("Amount", "0")))
        item_total, ship_total = item_total + line_amount, ship_total + ship_amount
        try:
            unit = (line_amount / int(item["QuantityOrdered"])).quantize(Decimal("0.01"))
        except (ArithmeticError, TypeError, ValueError):
            unit = line_amount
        wire: dict[str, Any] = {
            "orderItemId": item["OrderItemId"],
            "quantityOrdered": item["QuantityOrdered"],
            "product": {
                "asin": item.get("ASIN", ""),
                "title": item.get("Title", ""),
                "sellerSku": item.get("SellerSKU", ""),
                "condition": {"conditionType": "NEW", "conditionSubtype": "NEW"},
                "price": {"unitPrice": _money(unit, currency)},
            },
        }
        if "PROCEEDS" in included:
            wire["proceeds"] = {
                "proceedsTotal": _money(line_amount + ship_amount, currency),
                "breakdowns": [
                    {"type": "ITEM", "subtotal": _money(line_amount, currency)},
                    {"type": "SHIPPING", "subtotal": _money(ship_amount, currency)},
                ],
            }
        if "FULFILLMENT" in included:
            shipped = int(item.get("QuantityShipped") or 0)
            try:
                left = max(0, int(item["QuantityOrdered"]) - shipped)
            except (TypeError, ValueError):
                left = 0
            wire["fulfillment"] = {"quantityFulfilled": shipped, "quantityUnfulfilled": left}
        requested = (item.get("BuyerRequestedCancel") or {})
        if str(requested.get("IsBuyerRequestedCancel", "")).lower() == "true":
            wire["cancellation"] = {"cancellationRequest": {
                "requester": "BUYER", "cancelReason": requested.get("BuyerCancelReason", "")}}
        wire_items.append(wire)
    out: dict[str, Any] = {
        "orderId": order["AmazonOrderId"],
        "createdTime": order["PurchaseDate"],
        "lastUpdatedTime": order["LastUpdateDate"],
        "salesChannel": {
            "channelName": "AMAZON",
            "marketplaceId": order.get("MarketplaceId", ""),
            "marketplaceName": order.get("SalesChannel", ""),
        },
        "orderItems": wire_items,
    }
    if "BUYER" in included and order.get("BuyerInfo"):
        buyer = order["BuyerInfo"]
        out["buyer"] = {"buyerName": buyer.get("BuyerName", ""),
                        "buyerEmail": buyer.get("BuyerEmail", "")}
    if "RECIPIENT" in included and order.get("ShippingAddress"):
        address = order["ShippingAddress"]
        names = {"Name": "name", "AddressLine1": "addressLine1", "AddressLine2": "addressLine2",
                 "AddressLine3": "addressLine3", "City": "city", "County": "districtOrCounty",
                 "StateOrRegion": "stateOrRegion", "PostalCode": "postalCode",
                 "CountryCode": "countryCode", "Phone": "phone"}
        out["recipient"] = {"deliveryAddress": {
            new: str(address[old]) for old, new in names.items() if address.get(old)}}
    if "PROCEEDS" in included and order.get("OrderTotal"):  # none while pending
        out["proceeds"] = {
            "grandTotal": _money(order["OrderTotal"]["Amount"], currency),
            "breakdowns": [
                {"type": "ITEM", "subtotal": _money(item_total, currency)},
                {"type": "SHIPPING", "subtotal": _money(ship_total, currency)},
            ],
        }
    if "FULFILLMENT" in included:
        out["fulfillment"] = {
            "fulfillmentStatus": FULFILLMENT_STATUS.get(status, status),
            "fulfilledBy": "MERCHANT" if order.get("FulfillmentChannel") == "MFN" else "AMAZON",
            "fulfillmentServiceLevel": str(
                order.get("ShipmentServiceLevelCategory", "Standard")).upper(),
        }
        if order.get("LatestShipDate"):
            out["fulfillment"]["shipByWindow"] = {
                "earliestDateTime": order.get("EarliestShipDate") or order["LatestShipDate"],
                "latestDateTime": order["LatestShipDate"]}
    return out


def _error(code: str, message: str, details: str = "") -> dict[str, Any]:
    return {"errors": [{"code": code, "message": message, "details": details}]}


@dataclass
class Feed:
    feed_id: str
    feed_type: str
    seller_id: str
    marketplace_ids: list[str]
    input_document_id: str
    created: Any
    status: str = "IN_QUEUE"
    started: Any = None
    ended: Any = None
    result_document_id: str = ""

    def wire(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "feedId": self.feed_id,
            "feedType": self.feed_type,
            "marketplaceIds": self.marketplace_ids,
            "createdTime": iso(self.created),
            "processingStatus": self.status,
        }
        if self.started:
            out["processingStartTime"] = iso(self.started)
        if self.ended:
            out["processingEndTime"] = iso(self.ended)
        if self.result_document_id:
            out["resultFeedDocumentId"] = self.result_document_id
        return out


@dataclass
class Document:
    document_id: str
    content_type: str
    data: bytes | None = None
    compression: str = ""


@dataclass
class Listing:
    seller_id: str
    sku: str
    product_type: str
    attributes: dict[str, Any]
    created: Any
    updated: Any
    asin: str = ""
    issues: list[dict[str, Any]] = field(default_factory=list)


def _price_of(attributes: dict[str, Any]) -> tuple[Decimal | None, str]:
    try:
        offer = attributes["purchasable_offer"][0]
        value = offer["our_price"][0]["schedule"][0]["value_with_tax"]
        return Decimal(str(value)), str(offer.get("currency", ""))
    except (KeyError, IndexError, TypeError, InvalidOperation):
        return None, ""


def _availability(attributes: dict[str, Any]) -> list[tuple[str, Any]]:
    """(fulfillment channel code, quantity) of the merchant-fulfilled entries."""
    return [
        (str(entry.get("fulfillment_channel_code")), entry.get("quantity"))
        for entry in attributes.get("fulfillment_availability") or []
        if isinstance(entry, dict)
        and not str(entry.get("fulfillment_channel_code", "")).startswith("AMAZON_")
    ]


def _quantity_of(attributes: dict[str, Any]) -> int | None:
    """DEFAULT's quantity, or the sum over the seller's supply sources (Multi-Location)."""
    entries = _availability(attributes)
    if not entries or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for _, v in entries
    ):
        return None
    default = [v for code, v in entries if code == "DEFAULT"]
    return default[0] if default else sum(v for _, v in entries)


def _check_attributes(attributes: dict[str, Any], requirements: str) -> list[dict[str, Any]]:
    """Issues for the attributes Amazon would refuse (a small, honest subset)."""
    issues: list[dict[str, Any]] = []

    def missing(name: str) -> None:
        issues.append(
            {
                "code": "90220",
                "severity": "ERROR",
                "attributeNames": [name],
                "categories": ["MISSING_ATTRIBUTE"],
                "message": f"'{name}' is required but not supplied.",
            }
        )

    if requirements in {"LISTING", "LISTING_PRODUCT_ONLY"}:
        for name in ("item_name", "condition_type"):
            if not attributes.get(name):
                missing(name)
    if requirements in {"LISTING", "LISTING_OFFER_ONLY"} and not attributes.get(
        "purchasable_offer"
    ):
        missing("purchasable_offer")
    issues.extend(_check_offer(attributes))
    return issues


def _check_offer(attributes: dict[str, Any]) -> list[dict[str, Any]]:
    issues: list[dict[str, Any]] = []
    if "purchasable_offer" in attributes:
        price, currency = _price_of(attributes)
        if price is None or not price.is_finite() or price <= 0 or not currency:
            issues.append(
                {
                    "code": "99022",
                    "severity": "ERROR",
                    "attributeNames": ["purchasable_offer"],
                    "categories": ["INVALID_PRICE"],
                    "message": "The value for 'purchasable_offer.our_price' must be "
                    "greater than 0 and have a currency.",
                }
            )
    if "fulfillment_availability" in attributes:
        qty = _quantity_of(attributes)
        if qty is None or qty < 0:
            issues.append(
                {
                    "code": "99300",
                    "severity": "ERROR",
                    "attributeNames": ["fulfillment_availability"],
                    "categories": ["INVALID_ATTRIBUTE"],
                    "message": "'fulfillment_availability.quantity' must be a whole "
                    "number of 0 or more.",
                }
            )
    return issues


class AmazonSandbox(SandboxApp):
    name = "amazon"
    token_prefix = "Atza|"  # noqa: S105 - what LWA access tokens look like
    demo_account = DEMO_ACCOUNT
    seller_param = "seller_id"
    order_fields = {
        "seller_id": str,
        "marketplace_id": str,
        "currency": str,
        "status": str,
        "order_id": str,
        "ship_to": dict,
        "shipping": str,
    }

    def __init__(
        self,
        *,
        token_ttl: float = 3600.0,
        rate_limits_enabled: bool = True,
        rate_scale: float = 1.0,
        feed_queue_seconds: float = 0.1,
        feed_processing_seconds: float = 0.1,
        orders_visibility_lag: float = 0.0,
        accounts: list[Account] | None = None,
    ) -> None:
        self.feed_queue_seconds = feed_queue_seconds
        self.feed_processing_seconds = feed_processing_seconds
        self.orders_visibility_lag = orders_visibility_lag
        self._secret = secrets.token_bytes(16)
        self._ids = itertools.count(50001)
        self._work: list[tuple[float, int, str]] = []
        self._work_cv = threading.Condition()
        self._stopping = False
        self._worker: threading.Thread | None = None
        super().__init__(
            token_ttl=token_ttl,
            rate_limits=dict(USAGE_PLANS),
            rate_limits_enabled=rate_limits_enabled,
            rate_scale=rate_scale,
            accounts=accounts,
        )

    def init_state(self) -> None:
        self.listings: dict[tuple[str, str], Listing] = {}
        self.documents: dict[str, Document] = {}
        self.feeds: dict[str, Feed] = {}
        self.orders: dict[str, dict[str, Any]] = {}  # id -> {"seller", "order", "items"}
        self.next_tokens: dict[str, tuple[list[str], int, str]] = {}
        # searchOrders: (order ids left, page size, (window end, its field name))
        self.pagination_tokens: dict[str, tuple[list[str], int, tuple[str, str]]] = {}
        self.shipments: list[dict[str, Any]] = []

    # ------------------------------------------------------------------ accounts, auth

    @classmethod
    def account_credentials(
        cls, account: Account, base_url: str, **extra: str
    ) -> AccountCredentials:
        base_url = base_url.rstrip("/")
        return AccountCredentials(
            marketplace="amazon",
            site=account.marketplace_ids[0],
            client_id=account.client_id,
            client_secret=account.client_secret,
            refresh_token=account.refresh_token,
            seller_id=account.seller_id,
            endpoint=base_url,
            auth_endpoint=base_url + "/auth/o2/token",
            extra={"feed_poll_interval": "0.05", **extra},
        )

    def account_key(self, request: Request) -> str:
        account = request.account
        return f"{account.client_id}/{account.seller_id}" if account else "-"

    def authenticate(self, request: Request) -> Response | None:
        token = request.headers.get("x-amz-access-token", "")
        if not token:
            return Response.json(
                403,
                _error(
                    "Unauthorized",
                    "Access to requested resource is denied.",
                    "Access token is missing in the request header.",
                ),
            )
        account, problem = self.tokens.check(token)
        if account is None:
            details = (
                "The access token you provided has expired."
                if problem == "expired"
                else "The access token you provided is revoked, malformed or invalid."
            )
            return Response.json(
                403, _error("Unauthorized", "Access to requested resource is denied.", details)
            )
        request.account = account
        seller = request.params.get("sellerId")
        if seller is not None and seller != account.seller_id:
            return Response.json(
                403,
                _error(
                    "Unauthorized",
                    "Access to requested resource is denied.",
                    "The seller is not authorised for this call.",
                ),
            )
        return None

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
        headers = {"x-amzn-RequestId": secrets.token_hex(8)}
        if limit is not None:
            headers["x-amzn-RateLimit-Limit"] = f"{limit.rate * self.rate_scale:g}"
        if status == 429:
            return Response.json(
                429,
                _error("QuotaExceeded", "You exceeded your quota for the requested resource."),
                headers,
            )
        if status == 503:
            return Response.json(
                503,
                _error("ServiceUnavailable", message or "Service temporarily unavailable."),
                headers,
            )
        if status >= 500:
            return Response.json(
                status,
                _error("InternalFailure", "We encountered an internal error. Please try again."),
                headers,
            )
        if status == 403:
            return Response.json(
                403,
                _error("Unauthorized", "Access to requested resource is denied.", message),
                headers,
            )
        return Response.json(
            status,
            _error(
                code or ("NotFound" if status == 404 else "InvalidInput"),
                message or "Invalid input.",
            ),
            headers,
        )

    def dispatch(self, request: Request) -> Response:
        response = super().dispatch(request)
        if request.operation not in {"_sandbox", "_unknown"}:
            response.headers.setdefault("x-amzn-RequestId", secrets.token_hex(8))
            limit = self.rate_limits.get(request.operation)
            if limit is not None:
                response.headers.setdefault(
                    "x-amzn-RateLimit-Limit", f"{limit.rate * self.rate_scale:g}"
                )
        return response

    def _bad(self, message: str, status: int = 400, code: str = "InvalidInput") -> Response:
        return Response.json(status, _error(code, message))

    def _marketplace(self, request: Request, name: str = "marketplaceIds") -> str | Response:
        ids = request.q_list(name)
        if not ids:
            return self._bad(f"Missing required parameter '{name}'.")
        if ids[0] not in request.account.marketplace_ids:
            return self._bad(f"Invalid marketplace identifier {ids[0]!r} for this seller.")
        return ids[0]

    # ------------------------------------------------------------------ routes

    def register_routes(self) -> None:
        add = self.add
        add("POST", "/auth/o2/token", "lwaToken", self.lwa_token, auth=False, throttle=False)
        add("GET", LISTING_PATH, "getListingsItem", self.get_listing)
        add("PUT", LISTING_PATH, "putListingsItem", self.put_listing)
        add("PATCH", LISTING_PATH, "patchListingsItem", self.patch_listing)
        add("DELETE", LISTING_PATH, "deleteListingsItem", self.delete_listing)
        add(
            "GET",
            "/listings/2021-08-01/items/{sellerId}",
            "searchListingsItems",
            self.search_listings,
        )
        add("POST", "/feeds/2021-06-30/documents", "createFeedDocument", self.create_feed_document)
        add(
            "GET",
            "/feeds/2021-06-30/documents/{feedDocumentId}",
            "getFeedDocument",
            self.get_feed_document,
        )
        add("POST", "/feeds/2021-06-30/feeds", "createFeed", self.create_feed)
        add("GET", "/feeds/2021-06-30/feeds/{feedId}", "getFeed", self.get_feed)
        add("DELETE", "/feeds/2021-06-30/feeds/{feedId}", "cancelFeed", self.cancel_feed)
        add(
            "PUT",
            "/_docs/{documentId}",
            "uploadFeedDocument",
            self.upload_document,
            auth=False,
            throttle=False,
        )
        add(
            "GET",
            "/_docs/{documentId}",
            "downloadFeedDocument",
            self.download_document,
            auth=False,
            throttle=False,
        )
        add("GET", "/orders/v0/orders", "getOrders", self.get_orders)
        add("GET", "/orders/2026-01-01/orders", "searchOrders", self.search_orders)
        add("GET", "/orders/v0/orders/{orderId}", "getOrder", self.get_order)
        add("GET", "/orders/v0/orders/{orderId}/orderItems", "getOrderItems", self.get_order_items)
        add(
            "POST",
            "/orders/v0/orders/{orderId}/shipmentConfirmation",
            "confirmShipment",
            self.confirm_shipment,
        )

    def admin_routes(self) -> list[tuple[str, str, Any]]:
        return [("POST", "/_sandbox/accounts", self._admin_add_account)]

    # ------------------------------------------------------------------ LWA

    def lwa_token(self, request: Request) -> Response:
        form = self.token_form(request)
        if form.get("grant_type") != "refresh_token":
            return self.oauth_error(
                400, "unsupported_grant_type", "Only refresh_token is supported by this sandbox."
            )
        account = self.granted(form.get("refresh_token", ""))
        if account is None:
            return self.oauth_error(
                400, "invalid_grant", "The request has an invalid grant parameter : refresh_token"
            )
        if form.get("client_id") != account.client_id or not hmac.compare_digest(
            form.get("client_secret", ""), account.client_secret
        ):
            return self.oauth_error(401, "invalid_client", "Client authentication failed")
        # LWA answers the refresh token it was given (it does not rotate).
        return self.issue_token(
            account,
            refresh_token=account.refresh_token,
            token_type="bearer",  # noqa: S106
        )

    # ------------------------------------------------------------------ listings

    def _listing_wire(self, listing: Listing, included: list[str]) -> dict[str, Any]:
        marketplace_id = self.accounts_marketplace(listing.seller_id)
        out: dict[str, Any] = {"sku": listing.sku}
        price, currency = _price_of(listing.attributes)
        qty = _quantity_of(listing.attributes)
        if "summaries" in included:
            status = ["DISCOVERABLE"]
            if price is not None and (qty or 0) > 0:
                status.insert(0, "BUYABLE")
            names = listing.attributes.get("item_name") or [{}]
            out["summaries"] = [
                {
                    "marketplaceId": marketplace_id,
                    "asin": listing.asin,
                    "productType": listing.product_type,
                    "conditionType": str(
                        (listing.attributes.get("condition_type") or [{}])[0].get(
                            "value", "new_new"
                        )
                    ),
                    "status": status,
                    "itemName": str(names[0].get("value", "")),
                    "createdDate": iso(listing.created),
                    "lastUpdatedDate": iso(listing.updated),
                }
            ]
        if "attributes" in included:
            out["attributes"] = listing.attributes
        if "issues" in included:
            out["issues"] = listing.issues
        if "offers" in included:
            out["offers"] = (
                [
                    {
                        "marketplaceId": marketplace_id,
                        "offerType": "B2C",
                        "price": {"currencyCode": currency, "amount": str(price)},
                    }
                ]
                if price is not None
                else []
            )
        if "fulfillmentAvailability" in included:
            out["fulfillmentAvailability"] = (
                [
                    {"fulfillmentChannelCode": code, "quantity": value}
                    for code, value in _availability(listing.attributes)
                ]
                if qty is not None
                else []
            )
        return out

    def accounts_marketplace(self, seller_id: str) -> str:
        for account in self.accounts.values():
            if account.seller_id == seller_id:
                return account.marketplace_ids[0]
        return "ATVPDKIKX0DER"

    def get_listing(self, request: Request) -> Response:
        marketplace = self._marketplace(request)
        if isinstance(marketplace, Response):
            return marketplace
        with self.lock:
            listing = self.listings.get((request.account.seller_id, request.params["sku"]))
            if listing is None:
                return self._bad(
                    f"SKU '{request.params['sku']}' not found in marketplace {marketplace}",
                    404,
                    "NOT_FOUND",
                )
            included = request.q_list("includedData") or ["summaries"]
            return Response.json(200, self._listing_wire(listing, included))

    def _submission(self, sku: str, issues: list[dict[str, Any]]) -> Response:
        failed = any(i.get("severity") == "ERROR" for i in issues)
        return Response.json(
            200,
            {
                "sku": sku,
                "status": "INVALID" if failed else "ACCEPTED",
                "submissionId": secrets.token_hex(16),
                "issues": issues,
            },
        )

    def put_listing(self, request: Request) -> Response:
        marketplace = self._marketplace(request)
        if isinstance(marketplace, Response):
            return marketplace
        body = request.json()
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("productType"), str)
            or not isinstance(body.get("attributes"), dict)
            or not body["productType"]
        ):
            return self._bad("Request body must contain productType and attributes.")
        requirements = body.get("requirements", "LISTING")
        if requirements not in {"LISTING", "LISTING_PRODUCT_ONLY", "LISTING_OFFER_ONLY"}:
            return self._bad(f"Invalid requirements value {requirements!r}.")
        sku = request.params["sku"]
        issues = _check_attributes(body["attributes"], requirements)
        if not any(i["severity"] == "ERROR" for i in issues):
            self._store(
                request.account.seller_id,
                sku,
                body["productType"],
                body["attributes"],
                replace=True,
            )
        return self._submission(sku, issues)

    def _store(
        self, seller_id: str, sku: str, product_type: str, attributes: dict[str, Any], replace: bool
    ) -> None:
        with self.lock:
            if sku in self.faults.silent_skip_skus:
                return
            now = utcnow()
            key = (seller_id, sku)
            listing = self.listings.get(key)
            if listing is None:
                asin = (
                    "B0"
                    + hashlib.sha1(
                        f"{seller_id}/{sku}".encode(),  # noqa: S324
                        usedforsecurity=False,
                    )
                    .hexdigest()[:8]
                    .upper()
                )
                self.listings[key] = Listing(
                    seller_id, sku, product_type, dict(attributes), now, now, asin
                )
            else:
                listing.attributes = (
                    dict(attributes) if replace else {**listing.attributes, **attributes}
                )
                listing.product_type = product_type or listing.product_type
                listing.updated = now

    def _apply_patches(
        self, seller_id: str, sku: str, product_type: str, patches: Any
    ) -> list[dict[str, Any]]:
        """Apply JSON Patch operations; issues for what Amazon would refuse."""
        if not isinstance(patches, list) or not patches:
            return [
                {
                    "code": "4000001",
                    "severity": "ERROR",
                    "categories": ["INVALID_ATTRIBUTE"],
                    "message": "patches must be a non-empty list of JSON Patch operations.",
                }
            ]
        with self.lock:
            listing = self.listings.get((seller_id, sku))
            if listing is None:
                if self.faults.silent_noop_unknown_sku:
                    return []  # Amazon accepts it and nothing happens (the drift hazard)
                return [
                    {
                        "code": "4000003",
                        "severity": "ERROR",
                        "categories": ["INVALID_ATTRIBUTE"],
                        "message": f"The SKU '{sku}' does not exist for this seller.",
                    }
                ]
            updated = dict(listing.attributes)
            for patch in patches:
                op, path = patch.get("op"), str(patch.get("path", ""))
                if op not in {"add", "replace", "merge", "delete"} or not path.startswith(
                    "/attributes/"
                ):
                    return [
                        {
                            "code": "4000001",
                            "severity": "ERROR",
                            "categories": ["INVALID_ATTRIBUTE"],
                            "message": f"Unsupported patch {op} {path}.",
                        }
                    ]
                name = path.split("/", 2)[2]
                if op == "delete":
                    updated.pop(name, None)
                else:
                    updated[name] = patch.get("value")
            issues = _check_offer(updated)
            if issues:
                return issues
            if sku not in self.faults.silent_skip_skus:
                listing.attributes = updated
                listing.product_type = product_type or listing.product_type
                listing.updated = utcnow()
            return []

    def patch_listing(self, request: Request) -> Response:
        marketplace = self._marketplace(request)
        if isinstance(marketplace, Response):
            return marketplace
        body = request.json()
        if not isinstance(body, dict) or not body.get("productType") or "patches" not in body:
            return self._bad("Request body must contain productType and patches.")
        sku = request.params["sku"]
        return self._submission(
            sku,
            self._apply_patches(
                request.account.seller_id, sku, body["productType"], body["patches"]
            ),
        )

    def delete_listing(self, request: Request) -> Response:
        marketplace = self._marketplace(request)
        if isinstance(marketplace, Response):
            return marketplace
        with self.lock:
            self.listings.pop((request.account.seller_id, request.params["sku"]), None)
        return self._submission(request.params["sku"], [])

    def search_listings(self, request: Request) -> Response:
        marketplace = self._marketplace(request)
        if isinstance(marketplace, Response):
            return marketplace
        identifiers = request.q_list("identifiers")
        if len(identifiers) > 20:
            return self._bad("identifiers: a maximum of 20 identifiers is allowed.")
        if identifiers and request.q("identifiersType") != "SKU":
            return self._bad("identifiersType must be SKU when identifiers are SKUs.")
        page_size = int(request.q("pageSize", "10") or 10)
        if not 1 <= page_size <= 20:
            return self._bad("pageSize must be between 1 and 20.")
        included = request.q_list("includedData") or ["summaries"]
        seller = request.account.seller_id
        with self.lock:
            if identifiers:
                found = [
                    self.listings[(seller, s)] for s in identifiers if (seller, s) in self.listings
                ]
            else:
                found = sorted(
                    (v for (s, _), v in self.listings.items() if s == seller), key=lambda x: x.sku
                )
            start = int(request.q("pageToken", "0") or 0)
            page = found[start : start + page_size]
            body: dict[str, Any] = {
                "numberOfResults": len(found),
                "items": [self._listing_wire(x, included) for x in page],
            }
            if start + page_size < len(found):
                body["pagination"] = {"nextToken": str(start + page_size)}
            return Response.json(200, body)

    # ------------------------------------------------------------------ feeds

    def _signed_url(self, document_id: str, method: str) -> str:
        signature = hmac.new(
            self._secret, f"{method}/{document_id}".encode(), hashlib.sha256
        ).hexdigest()
        return (
            f"{self.base_url}/_docs/{document_id}?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            f"&X-Amz-Expires=300&X-Amz-Signature={signature}"
        )

    def _signature_ok(self, request: Request, method: str) -> bool:
        expected = hmac.new(
            self._secret, f"{method}/{request.params['documentId']}".encode(), hashlib.sha256
        ).hexdigest()
        return hmac.compare_digest(request.q("X-Amz-Signature", "") or "", expected)

    def _s3_error(self, status: int, code: str, message: str) -> Response:
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
            f"<Message>{escape(message)}</Message></Error>"
        ).encode()
        return Response(status, body, {"Content-Type": "application/xml"})

    def _signature_mismatch(self) -> Response:
        return self._s3_error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        )

    def create_feed_document(self, request: Request) -> Response:
        body = request.json()
        if not isinstance(body, dict) or not isinstance(body.get("contentType"), str):
            return self._bad("contentType is required.")
        document_id = f"amzn1.tortuga.4.na.{secrets.token_hex(12)}"
        with self.lock:
            self.documents[document_id] = Document(document_id, body["contentType"])
        return Response.json(
            201, {"feedDocumentId": document_id, "url": self._signed_url(document_id, "PUT")}
        )

    def upload_document(self, request: Request) -> Response:
        if not self._signature_ok(request, "PUT"):
            return self._signature_mismatch()
        with self.lock:
            document = self.documents.get(request.params["documentId"])
            if document is None:
                return self._s3_error(404, "NoSuchKey", "The specified key does not exist.")
            if request.headers.get("content-type", "") != document.content_type:
                return self._s3_error(
                    403,
                    "SignatureDoesNotMatch",
                    "Content-Type differs from the one the URL was signed for.",
                )
            document.data = request.body
        return Response.empty(
            200, {"ETag": f'"{hashlib.md5(request.body, usedforsecurity=False).hexdigest()}"'}
        )  # noqa: S324,E501

    def download_document(self, request: Request) -> Response:
        if not self._signature_ok(request, "GET"):
            return self._signature_mismatch()
        with self.lock:
            document = self.documents.get(request.params["documentId"])
            if document is None or document.data is None:
                return self._s3_error(404, "NoSuchKey", "The specified key does not exist.")
            return Response(200, document.data, {"Content-Type": document.content_type})

    def create_feed(self, request: Request) -> Response:
        body = request.json()
        if (
            not isinstance(body, dict)
            or not body.get("feedType")
            or not body.get("inputFeedDocumentId")
            or not body.get("marketplaceIds")
        ):
            return self._bad("feedType, marketplaceIds and inputFeedDocumentId are required.")
        if body["feedType"] not in {"JSON_LISTINGS_FEED", "POST_ORDER_ACKNOWLEDGEMENT_DATA"}:
            return self._bad(f"Feed type {body['feedType']!r} is not supported by this sandbox.")
        with self.lock:
            document = self.documents.get(body["inputFeedDocumentId"])
            if document is None or document.data is None:
                return self._bad("inputFeedDocumentId does not name an uploaded document.")
            feed = Feed(
                str(next(self._ids)),
                body["feedType"],
                request.account.seller_id,
                list(body["marketplaceIds"]),
                document.document_id,
                utcnow(),
            )
            self.feeds[feed.feed_id] = feed
        self._schedule(feed.feed_id, self.feed_queue_seconds)
        return Response.json(202, {"feedId": feed.feed_id})

    def get_feed(self, request: Request) -> Response:
        with self.lock:
            feed = self.feeds.get(request.params["feedId"])
            if feed is None or feed.seller_id != request.account.seller_id:
                return self._bad("Feed not found.", 404, "NotFound")
            return Response.json(200, feed.wire())

    def cancel_feed(self, request: Request) -> Response:
        with self.lock:
            feed = self.feeds.get(request.params["feedId"])
            if feed is None or feed.seller_id != request.account.seller_id:
                return self._bad("Feed not found.", 404, "NotFound")
            if feed.status != "IN_QUEUE":
                return self._bad("Only feeds in IN_QUEUE can be cancelled.")
            feed.status = "CANCELLED"
        return Response.empty(200)

    def get_feed_document(self, request: Request) -> Response:
        with self.lock:
            document = self.documents.get(request.params["feedDocumentId"])
            if document is None or document.data is None:
                return self._bad("Feed document not found.", 404, "NotFound")
            body: dict[str, Any] = {
                "feedDocumentId": document.document_id,
                "url": self._signed_url(document.document_id, "GET"),
            }
            if document.compression:
                body["compressionAlgorithm"] = document.compression
            return Response.json(200, body)

    # -- the asynchronous feed processor --

    def _schedule(self, feed_id: str, delay: float) -> None:
        with self._work_cv:
            if self._worker is None:
                self._worker = threading.Thread(
                    target=self._work_loop, daemon=True, name="amazon-sandbox-feeds"
                )
                self._worker.start()
            heapq.heappush(self._work, (time.monotonic() + delay, next(self._ids), feed_id))
            self._work_cv.notify()

    def _work_loop(self) -> None:
        while True:
            with self._work_cv:
                while not self._stopping and (
                    not self._work or self._work[0][0] > time.monotonic()
                ):
                    timeout = self._work[0][0] - time.monotonic() if self._work else None
                    self._work_cv.wait(timeout)
                if self._stopping:
                    return
                _, _, feed_id = heapq.heappop(self._work)
            self._advance(feed_id)

    def stop(self) -> None:
        with self._work_cv:
            self._stopping = True
            self._work_cv.notify_all()

    def _advance(self, feed_id: str) -> None:
        with self.lock:
            feed = self.feeds.get(feed_id)
            if feed is None or feed.status == "CANCELLED":
                return
            if feed.status == "IN_QUEUE":
                feed.status, feed.started = "IN_PROGRESS", utcnow()
                self._schedule(feed_id, self.feed_processing_seconds)
                return
            data = self.documents[feed.input_document_id].data or b""
        if feed.feed_type == "JSON_LISTINGS_FEED":
            status, report, content_type = self._process_listings_feed(feed, data)
        else:
            status, report, content_type = self._process_order_ack_feed(feed, data)
        result_id = f"amzn1.tortuga.4.na.{secrets.token_hex(12)}"
        compression = ""
        if len(report) > GZIP_OVER:
            report, compression = gzip.compress(report), "GZIP"
        with self.lock:
            self.documents[result_id] = Document(result_id, content_type, report, compression)
            feed.status, feed.ended, feed.result_document_id = status, utcnow(), result_id

    def _process_listings_feed(self, feed: Feed, data: bytes) -> tuple[str, bytes, str]:
        header = {"sellerId": feed.seller_id, "version": "2.0", "feedId": feed.feed_id}

        def fatal(message: str) -> tuple[str, bytes, str]:
            report = {
                "header": header,
                "issues": [{"code": "100001", "severity": "ERROR", "message": message}],
                "summary": {
                    "errors": 1,
                    "warnings": 0,
                    "messagesProcessed": 0,
                    "messagesAccepted": 0,
                    "messagesInvalid": 0,
                },
            }
            return "FATAL", json.dumps(report).encode(), "application/json"

        try:
            document = json.loads(data.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return fatal("The feed document is not valid JSON.")
        if (
            not isinstance(document, dict)
            or not isinstance(document.get("messages"), list)
            or not isinstance(document.get("header"), dict)
        ):
            return fatal("The feed document must have a header and messages.")
        if (
            document["header"].get("sellerId") != feed.seller_id
            or document["header"].get("version") != "2.0"
        ):
            return fatal("header.sellerId must be the submitting seller and version '2.0'.")
        issues: list[dict[str, Any]] = []
        accepted = invalid = 0
        for message in document["messages"]:
            message_id = message.get("messageId") if isinstance(message, dict) else None
            sku = message.get("sku") if isinstance(message, dict) else None
            if not isinstance(message_id, int) or not isinstance(sku, str) or not sku:
                issues.append(
                    {
                        "code": "4000001",
                        "severity": "ERROR",
                        "message": "Each message needs an integer messageId and a sku.",
                    }
                )
                invalid += 1
                continue
            found = self._process_message(feed, message)
            forced = self.faults.fail_skus.get(sku)
            if forced:
                found = [{"code": "99999", "severity": "ERROR", "message": forced}]
            for issue in found:
                issues.append({"messageId": message_id, "sku": sku, **issue})
            if any(i["severity"] == "ERROR" for i in found):
                invalid += 1
            else:
                accepted += 1
        errors = sum(1 for i in issues if i["severity"] == "ERROR")
        report = {
            "header": header,
            "issues": issues,
            "summary": {
                "errors": errors,
                "warnings": len(issues) - errors,
                "messagesProcessed": accepted + invalid,
                "messagesAccepted": accepted,
                "messagesInvalid": invalid,
            },
        }
        return "DONE", json.dumps(report).encode(), "application/json"

    def _process_message(self, feed: Feed, message: dict[str, Any]) -> list[dict[str, Any]]:
        sku, operation = message["sku"], message.get("operationType")
        product_type = str(message.get("productType") or "")
        if operation == "PATCH":
            return self._apply_patches(feed.seller_id, sku, product_type, message.get("patches"))
        if operation in {"UPDATE", "PARTIAL_UPDATE"}:
            attributes = message.get("attributes")
            if not isinstance(attributes, dict) or not product_type:
                return [
                    {
                        "code": "4000001",
                        "severity": "ERROR",
                        "message": "UPDATE needs productType and attributes.",
                    }
                ]
            issues = (
                _check_attributes(attributes, message.get("requirements", "LISTING"))
                if operation == "UPDATE"
                else _check_offer(attributes)
            )
            if not any(i["severity"] == "ERROR" for i in issues):
                self._store(
                    feed.seller_id, sku, product_type, attributes, replace=operation == "UPDATE"
                )
            return issues
        if operation == "DELETE":
            with self.lock:
                self.listings.pop((feed.seller_id, sku), None)
            return []
        return [
            {
                "code": "4000001",
                "severity": "ERROR",
                "message": f"Unknown operationType {operation!r}.",
            }
        ]

    def _process_order_ack_feed(self, feed: Feed, data: bytes) -> tuple[str, bytes, str]:
        results: list[tuple[str, str, str]] = []  # (message id, code, description)
        processed = 0
        try:
            root = ET.fromstring(data)  # noqa: S314 - sandbox parses its client's upload
            messages = list(root.iter("Message"))
        except ET.ParseError as exc:
            messages = []
            results.append(("0", "5001", f"XML parsing error: {exc}"))
        for message in messages:
            processed += 1
            message_id = message.findtext("MessageID", "0")
            ack = message.find("OrderAcknowledgement")
            if ack is None:
                results.append((message_id, "5001", "OrderAcknowledgement element missing."))
                continue
            order_id = ack.findtext("AmazonOrderID", "")
            status_code = ack.findtext("StatusCode", "")
            item_ids = [i.findtext("AmazonOrderItemCode", "") for i in ack.iter("Item")]
            problem = self._acknowledge(feed.seller_id, order_id, status_code, item_ids)
            if problem:
                results.append((message_id, "18028", problem))
        with_error = len({r[0] for r in results})
        result_xml = "".join(
            f"<Result><MessageID>{escape(m)}</MessageID><ResultCode>Error</ResultCode>"
            f"<ResultMessageCode>{escape(c)}</ResultMessageCode>"
            f"<ResultDescription>{escape(d)}</ResultDescription></Result>"
            for m, c, d in results
        )
        report = (
            '<?xml version="1.0" encoding="UTF-8"?><AmazonEnvelope><Header>'
            f"<DocumentVersion>1.02</DocumentVersion><MerchantIdentifier>{escape(feed.seller_id)}"
            "</MerchantIdentifier></Header><MessageType>ProcessingReport</MessageType><Message>"
            "<MessageID>1</MessageID><ProcessingReport>"
            f"<DocumentTransactionID>{feed.feed_id}</DocumentTransactionID>"
            "<StatusCode>Complete</StatusCode><ProcessingSummary>"
            f"<MessagesProcessed>{processed}</MessagesProcessed>"
            f"<MessagesSuccessful>{max(processed - with_error, 0)}</MessagesSuccessful>"
            f"<MessagesWithError>{with_error}</MessagesWithError>"
            "<MessagesWithWarning>0</MessagesWithWarning></ProcessingSummary>"
            f"{result_xml}</ProcessingReport></Message></AmazonEnvelope>"
        )
        return "DONE", report.encode(), "text/xml"

    def _acknowledge(
        self, seller_id: str, order_id: str, status_code: str, item_ids: list[str]
    ) -> str:
        with self.lock:
            entry = self.orders.get(order_id)
            if entry is None or entry["seller"] != seller_id:
                return f"The order id {order_id} was not found for this merchant."
            order = entry["order"]
            if status_code == "Success":
                entry["acknowledged"] = True
                return ""
            if status_code != "Failure":
                return f"Invalid StatusCode {status_code!r}."
            if order["OrderStatus"] == "Canceled":
                return ""
            if order["OrderStatus"] in {"Shipped", "InvoiceUnconfirmed"}:
                return f"Order {order_id} has shipped and cannot be cancelled."
            items = {i["OrderItemId"]: i for i in entry["items"]}
            unknown = [i for i in item_ids if i not in items]
            if unknown:
                return f"Order item(s) {', '.join(unknown)} not found in order {order_id}."
            for item_id in item_ids or list(items):
                if int(items[item_id].get("QuantityShipped") or 0):
                    return f"Order item {item_id} has shipped units and cannot be cancelled."
            for item_id in item_ids or list(items):
                items[item_id]["QuantityOrdered"] = 0
            if all(i["QuantityOrdered"] == 0 for i in entry["items"]):
                order["OrderStatus"] = "Canceled"
            self._recount(entry)
            order["LastUpdateDate"] = iso(utcnow())
            return ""

    # ------------------------------------------------------------------ orders

    def _recount(self, entry: dict[str, Any]) -> None:
        order, items = entry["order"], entry["items"]
        shipped = sum(int(i.get("QuantityShipped") or 0) for i in items)
        ordered = sum(int(i["QuantityOrdered"]) for i in items)
        order["NumberOfItemsShipped"] = shipped
        order["NumberOfItemsUnshipped"] = max(ordered - shipped, 0)
        if order["OrderStatus"] != "Pending":
            total = sum(
                (
                    Decimal(i["ItemPrice"]["Amount"])
                    + Decimal((i.get("ShippingPrice") or {}).get("Amount", "0"))
                )
                for i in items
                if int(i["QuantityOrdered"]) > 0
            )
            order["OrderTotal"] = {
                "CurrencyCode": order["OrderTotal"]["CurrencyCode"]
                if order.get("OrderTotal")
                else "USD",
                "Amount": f"{total:.2f}",
            }

    def create_order(
        self,
        items: list[dict[str, Any]],
        *,
        seller_id: str | None = None,
        marketplace_id: str | None = None,
        currency: str | None = None,
        status: str = "Unshipped",
        order_id: str | None = None,
        buyer_email: str = "buyer@marketplace.amazon.com",
        buyer_name: str = "Test Buyer",
        ship_to: dict[str, str] | None = None,
        shipping: str = "0.00",
        purchase_date: str | None = None,
    ) -> dict[str, Any]:
        """Seed a merchant-fulfilled order (what a buyer's checkout on Amazon would make).

        ``items``: [{"sku", "quantity", "price" (unit price)}]. Returns the wire Order.
        """
        account = next(
            (a for a in self.accounts.values() if seller_id in (None, a.seller_id)), None
        )
        if account is None:
            raise ValueError(f"unknown seller {seller_id!r}")
        marketplace = marketplace_id or account.marketplace_ids[0]
        currency = currency or CURRENCIES.get(marketplace, "USD")
        if status not in {"Pending", "Unshipped", "PartiallyShipped", "Shipped", "Canceled"}:
            raise ValueError(f"unsupported status {status!r}")
        if not items:
            raise ValueError("an order needs at least one item")
        now = utcnow()
        with self.lock:
            serial = next(self._ids)
            order_id = (
                order_id or f"{100 + serial % 900:03d}-{serial:07d}-{(serial * 7919) % 10**7:07d}"
            )
            if order_id in self.orders:
                raise ValueError(f"order {order_id} exists")
            wire_items = []
            for index, item in enumerate(items, start=1):
                qty = int(item["quantity"])
                unit = Decimal(str(item["price"]))
                sku = str(item["sku"])
                listing = self.listings.get((account.seller_id, sku))
                title = str(item.get("title") or "")
                if not title and listing is not None:
                    title = str((listing.attributes.get("item_name") or [{}])[0].get("value", ""))
                wire_items.append(
                    {
                        "ASIN": listing.asin if listing else "B0SANDBOX" + f"{index:02d}",
                        "SellerSKU": sku,
                        "OrderItemId": f"{serial:07d}{index:05d}",
                        "Title": title or sku,
                        "QuantityOrdered": qty,
                        "QuantityShipped": 0,
                        "ItemPrice": {"CurrencyCode": currency, "Amount": f"{unit * qty:.2f}"},
                        "ShippingPrice": {
                            "CurrencyCode": currency,
                            "Amount": shipping if index == 1 else "0.00",
                        },
                        "ItemTax": {"CurrencyCode": currency, "Amount": "0.00"},
                        "IsGift": "false",
                        "ConditionId": "New",
                        "ConditionSubtypeId": "New",
                    }
                )
            address = {
                "Name": buyer_name,
                "AddressLine1": "410 Terry Ave N",
                "City": "Seattle",
                "StateOrRegion": "WA",
                "PostalCode": "98109",
                "CountryCode": "US",
                "Phone": "+1 206-555-0100",
                **(ship_to or {}),
            }
            order = {
                "AmazonOrderId": order_id,
                "PurchaseDate": purchase_date or iso(now),
                "LastUpdateDate": iso(now),
                "OrderStatus": status,
                "FulfillmentChannel": "MFN",
                "SalesChannel": "Amazon.com",
                "ShipServiceLevel": "Std US D2D Dom",
                "OrderTotal": {"CurrencyCode": currency, "Amount": "0.00"},
                "NumberOfItemsShipped": 0,
                "NumberOfItemsUnshipped": 0,
                "PaymentMethod": "Other",
                "PaymentMethodDetails": ["Standard"],
                "MarketplaceId": marketplace,
                "ShipmentServiceLevelCategory": "Standard",
                "OrderType": "StandardOrder",
                "EarliestShipDate": iso(now),
                "LatestShipDate": iso(now + timedelta(days=2)),
                "IsBusinessOrder": False,
                "IsPrime": False,
                "IsPremiumOrder": False,
                "IsGlobalExpressEnabled": False,
                "IsReplacementOrder": False,
                "IsSoldByAB": False,
                "IsISPU": False,
                "IsAccessPointOrder": False,
                "ShippingAddress": address,
                "BuyerInfo": {"BuyerEmail": buyer_email, "BuyerName": buyer_name},
            }
            if status == "Pending":
                del order["OrderTotal"]
            entry = {"seller": account.seller_id, "order": order, "items": wire_items}
            self.orders[order_id] = entry
            self._recount(entry)
            return json.loads(json.dumps(order))

    def cancel(self, order_id: str) -> dict[str, Any]:
        """The buyer (or Amazon) cancels: the order turns Canceled with a new LastUpdateDate."""
        with self.lock:
            entry = self.orders[order_id]
            entry["order"]["OrderStatus"] = "Canceled"
            entry["order"]["LastUpdateDate"] = iso(utcnow())
            return json.loads(json.dumps(entry["order"]))

    def seed_listing(
        self,
        sku: str,
        *,
        price: str = "10.00",
        quantity: int = 1,
        currency: str | None = None,
        seller_id: str | None = None,
        title: str = "",
    ) -> None:
        """Create a buyable listing directly (demos and benchmarks with many SKUs)."""
        account = next(a for a in self.accounts.values() if seller_id in (None, a.seller_id))
        marketplace = account.marketplace_ids[0]
        attributes = {
            "item_name": [{"value": title or sku, "marketplace_id": marketplace}],
            "condition_type": [{"value": "new_new", "marketplace_id": marketplace}],
            "purchasable_offer": [
                {
                    "marketplace_id": marketplace,
                    "currency": currency or CURRENCIES.get(marketplace, "USD"),
                    "our_price": [{"schedule": [{"value_with_tax": float(Decimal(price))}]}],
                }
            ],
            "fulfillment_availability": [
                {"fulfillment_channel_code": "DEFAULT", "quantity": int(quantity)}
            ],
        }
        self._store(account.seller_id, sku, "PRODUCT", attributes, replace=True)

    def listing_state(self, sku: str, seller: str | None = None) -> dict[str, Any] | None:
        """What a shopper would see for ``sku``: price, currency, quantity (None if absent)."""
        seller = seller or next(iter(self.accounts.values())).seller_id
        with self.lock:
            listing = self.listings.get((seller, sku))
            if listing is None:
                return None
            price, currency = _price_of(listing.attributes)
            return {
                "sku": sku,
                "price": str(price) if price is not None else None,
                "currency": currency,
                "quantity": _quantity_of(listing.attributes),
                "asin": listing.asin,
                "productType": listing.product_type,
                "updated": iso(listing.updated),
            }

    def get_orders(self, request: Request) -> Response:
        marketplace = self._marketplace(request, "MarketplaceIds")
        if isinstance(marketplace, Response):
            return marketplace
        seller = request.account.seller_id
        token = request.q("NextToken")
        with self.lock:
            if token:
                saved = self.next_tokens.get(token)
                if saved is None:
                    return self._bad("Invalid NextToken.")
                ids, page_size, window_end = saved
            else:
                after_raw = request.q("LastUpdatedAfter")
                created_raw = request.q("CreatedAfter")
                if bool(after_raw) == bool(created_raw):
                    return self._bad(
                        "Exactly one of CreatedAfter or LastUpdatedAfter must be specified."
                    )
                field_name = "LastUpdateDate" if after_raw else "PurchaseDate"
                start = parse_iso(after_raw or created_raw or "")
                before_raw = request.q("LastUpdatedBefore" if after_raw else "CreatedBefore")
                latest = utcnow() - timedelta(seconds=self.orders_visibility_lag)
                end = parse_iso(before_raw) if before_raw else latest
                if end < start:
                    return self._bad("The before date must be later than the after date.")
                page_size = int(request.q("MaxResultsPerPage", "100") or 100)
                if not 1 <= page_size <= 100:
                    return self._bad("MaxResultsPerPage must be between 1 and 100.")
                statuses = set(request.q_list("OrderStatuses"))
                chosen = []
                for order_id, entry in self.orders.items():
                    order = entry["order"]
                    if entry["seller"] != seller or order["MarketplaceId"] != marketplace:
                        continue
                    if statuses and order["OrderStatus"] not in statuses:
                        continue
                    moment = parse_iso(order[field_name])
                    if start <= moment <= end:
                        chosen.append((moment, order_id))
                ids = [order_id for _, order_id in sorted(chosen)]
                window_end = iso(end)
            page, rest = ids[:page_size], ids[page_size:]
            payload: dict[str, Any] = {
                "Orders": [json.loads(json.dumps(self.orders[i]["order"])) for i in page],
                "LastUpdatedBefore": window_end,
            }
            if rest:
                next_token = secrets.token_urlsafe(24)
                self.next_tokens[next_token] = (rest, page_size, window_end)
                payload["NextToken"] = next_token
            return Response.json(200, {"payload": payload})

    def search_orders(self, request: Request) -> Response:
        """Orders API 2026-01-01: orders with their items, by last update or creation."""
        marketplaces = set(request.q_list("marketplaceIds")) or set(
            request.account.marketplace_ids)
        foreign = marketplaces - set(request.account.marketplace_ids)
        if foreign:
            return self._bad(f"Invalid marketplace identifier {sorted(foreign)[0]!r} "
                             "for this seller.")
        included = set(request.q_list("includedData"))
        if included - ORDER_DATASETS:
            return self._bad(f"Invalid includedData: {sorted(included - ORDER_DATASETS)}.")
        page_size = request.q("maxResultsPerPage", "100") or "100"
        if not page_size.isdigit() or not 1 <= int(page_size) <= 100:
            return self._bad("maxResultsPerPage must be between 1 and 100.")
        seller = request.account.seller_id
        token = request.q("paginationToken")
        with self.lock:
            if token:
                saved = self.pagination_tokens.get(token)
                if saved is None:
                    return self._bad("Invalid paginationToken.")
                ids, _size, window_end = saved
                ids = [i for i in ids if i in self.orders]
            else:
                after_raw = request.q("lastUpdatedAfter")
                created_raw = request.q("createdAfter")
                if bool(after_raw) == bool(created_raw):
                    return self._bad(
                        "You must provide exactly one of createdAfter and lastUpdatedAfter."
                    )
                field_name = "LastUpdateDate" if after_raw else "PurchaseDate"
                start = parse_iso(after_raw or created_raw or "")
                before_raw = request.q("lastUpdatedBefore" if after_raw else "createdBefore")
                latest = utcnow() - timedelta(seconds=self.orders_visibility_lag)
                end = parse_iso(before_raw) if before_raw else latest
                if end < start:
                    return self._bad("The before date must be later than the after date.")
                statuses = set(request.q_list("fulfillmentStatuses"))
                chosen = []
                for order_id, entry in self.orders.items():
                    order = entry["order"]
                    if entry["seller"] != seller or order["MarketplaceId"] not in marketplaces:
                        continue
                    status = FULFILLMENT_STATUS.get(order["OrderStatus"], order["OrderStatus"])
                    if statuses and status not in statuses:
                        continue
                    moment = parse_iso(order[field_name])
                    if start <= moment <= end:
                        chosen.append((moment, order_id))
                ids = [order_id for _, order_id in sorted(chosen)]
                window_end = (iso(end), "lastUpdatedBefore" if after_raw else "createdBefore")
            size = int(page_size)
            page, rest = ids[:size], ids[size:]
            body: dict[str, Any] = {
                "orders": [_order_2026(self.orders[i], included) for i in page],
                window_end[1]: window_end[0],
            }
            if rest:
                next_token = secrets.token_urlsafe(24)
                self.pagination_tokens[next_token] = (rest, size, window_end)
                body["pagination"] = {"nextToken": next_token}
            return Response.json(200, body)

    def _order_entry(self, request: Request) -> dict[str, Any] | None:
        entry = self.orders.get(request.params["orderId"])
        if entry is None or entry["seller"] != request.account.seller_id:
            return None
        return entry

    def get_order(self, request: Request) -> Response:
        with self.lock:
            entry = self._order_entry(request)
            if entry is None:
                return self._bad(f"Order {request.params['orderId']} not found.", 404, "NotFound")
            return Response.json(200, {"payload": entry["order"]})

    def get_order_items(self, request: Request) -> Response:
        with self.lock:
            entry = self._order_entry(request)
            if entry is None:
                return self._bad(f"Order {request.params['orderId']} not found.", 404, "NotFound")
            return Response.json(
                200,
                {
                    "payload": {
                        "AmazonOrderId": request.params["orderId"],
                        "OrderItems": entry["items"],
                    }
                },
            )

    def confirm_shipment(self, request: Request) -> Response:
        body = request.json()
        detail = body.get("packageDetail") if isinstance(body, dict) else None
        required = ("packageReferenceId", "carrierCode", "trackingNumber", "shipDate", "orderItems")
        if (
            not isinstance(detail, dict)
            or not body.get("marketplaceId")
            or any(not detail.get(k) for k in required)
        ):
            return self._bad(
                "marketplaceId and packageDetail (packageReferenceId, carrierCode, "
                "trackingNumber, shipDate, orderItems) are required."
            )
        parse_iso(detail["shipDate"])
        with self.lock:
            entry = self._order_entry(request)
            if entry is None:
                return self._bad(f"Order {request.params['orderId']} not found.", 404, "NotFound")
            order = entry["order"]
            if order["OrderStatus"] not in {"Unshipped", "PartiallyShipped"}:
                return self._bad(
                    f"Order is {order['OrderStatus']}; only Unshipped or "
                    "PartiallyShipped orders can be confirmed."
                )
            items = {i["OrderItemId"]: i for i in entry["items"]}
            for line in detail["orderItems"]:
                item = items.get(line.get("orderItemId"))
                qty = line.get("quantity")
                if item is None:
                    return self._bad(f"Order item {line.get('orderItemId')} not in this order.")
                left = int(item["QuantityOrdered"]) - int(item.get("QuantityShipped") or 0)
                if not isinstance(qty, int) or qty < 1 or qty > left:
                    return self._bad(
                        f"Quantity {qty} for item {item['OrderItemId']} exceeds "
                        f"the {left} unit(s) left to ship."
                    )
            for line in detail["orderItems"]:
                item = items[line["orderItemId"]]
                item["QuantityShipped"] = int(item.get("QuantityShipped") or 0) + line["quantity"]
            self._recount(entry)
            order["OrderStatus"] = (
                "Shipped" if order["NumberOfItemsUnshipped"] == 0 else "PartiallyShipped"
            )
            order["LastUpdateDate"] = iso(utcnow())
            self.shipments.append({"orderId": order["AmazonOrderId"], **detail})
        return Response.empty(204)

    # ------------------------------------------------------------------ admin

    def admin_order(self, order_id: str) -> dict[str, Any] | None:
        entry = self.orders.get(order_id)
        return None if entry is None else {"order": entry["order"], "items": entry["items"]}

    def admin_state(self) -> dict[str, Any]:
        with self.lock:
            return {
                "listings": len(self.listings),
                "orders": len(self.orders),
                "feeds": {
                    s: sum(1 for f in self.feeds.values() if f.status == s)
                    for s in ("IN_QUEUE", "IN_PROGRESS", "DONE", "FATAL", "CANCELLED")
                },
                "accounts": [
                    {
                        "seller_id": a.seller_id,
                        "client_id": a.client_id,
                        "marketplace_ids": list(a.marketplace_ids),
                    }
                    for a in self.accounts.values()
                ],
            }

    def _admin_add_account(self, request: Request) -> Response:
        body = request.json() or {}
        account = Account(
            str(body["client_id"]),
            str(body["client_secret"]),
            str(body["refresh_token"]),
            str(body["seller_id"]),
            tuple(body.get("marketplace_ids") or ["ATVPDKIKX0DER"]),
        )
        self.add_account(account)
        return Response.json(201, {"seller_id": account.seller_id})


def demo_credentials(base_url: str, **extra: str) -> AccountCredentials:
    """Credentials of the demo account on a sandbox at ``base_url`` (another process too)."""
    return AmazonSandbox.account_credentials(DEMO_ACCOUNT, base_url, **extra)


def serve(host: str = "127.0.0.1", port: int = 0, **options: Any) -> tuple[SandboxServer, str]:
    """Start an Amazon sandbox in a background thread: (server, base_url).

    ``server.app`` is the :class:`AmazonSandbox` (seed orders, set faults);
    ``server.close()`` stops it. Options go to :class:`AmazonSandbox`.
    """
    return serve_app(AmazonSandbox(**options), host, port)


def main(argv: list[str] | None = None) -> None:
    sandbox_main(
        argv,
        description="Amazon SP-API loopback sandbox",
        port=DEFAULT_PORT,
        token_ttl=3600.0,
        serve=serve,
        banner=lambda base_url: (
            f"Amazon SP-API sandbox on {base_url} (seller "
            f"{DEMO_ACCOUNT.seller_id}, marketplace {DEMO_ACCOUNT.marketplace_ids[0]})"
        ),
    )


if __name__ == "__main__":
    main()
