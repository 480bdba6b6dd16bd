"""A stateful loopback stand-in for the eBay Sell APIs (and eBay's OAuth endpoint).

Serves, in eBay's wire format: the refresh-token grant (Basic client auth),
Inventory API inventory items, offers (create/update/get/publish/withdraw),
bulkGetInventoryItem and bulkUpdatePriceQuantity (<= 25 per call, 200/207 with
per-item statuses); Fulfillment API getOrders (lastmodifieddate filter,
limit/offset), getOrder, createShippingFulfillment; the Post-Order API
seller cancellation. Expired tokens get eBay's 401 (errorId 1001); throttling
answers 429 (errorId 2001) from a token bucket seeded by the daily call limits.

    server, base_url = serve()
    python -m connectors.ebay.sandbox --port 8702
"""

from __future__ import annotations

import base64
import binascii
import hmac
import itertools
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.base import AccountCredentials, RateLimit
from connectors.ebay.client import CALL_LIMITS, DEFAULT_SCOPES
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

DEFAULT_PORT = 8702
INV = "/sell/inventory/v1"
FUL = "/sell/fulfillment/v1"
CONDITIONS = {
    "NEW",
    "LIKE_NEW",
    "NEW_OTHER",
    "NEW_WITH_DEFECTS",
    "CERTIFIED_REFURBISHED",
    "EXCELLENT_REFURBISHED",
    "VERY_GOOD_REFURBISHED",
    "GOOD_REFURBISHED",
    "SELLER_REFURBISHED",
    "USED_EXCELLENT",
    "USED_VERY_GOOD",
    "USED_GOOD",
    "USED_ACCEPTABLE",
    "FOR_PARTS_OR_NOT_WORKING",
    "PRE_OWNED_EXCELLENT",
    "PRE_OWNED_FAIR",
}
CURRENCIES = {
    "EBAY_US": "USD",
    "EBAY_DE": "EUR",
    "EBAY_GB": "GBP",
    "EBAY_FR": "EUR",
    "EBAY_ES": "EUR",
    "EBAY_IT": "EUR",
    "EBAY_AU": "AUD",
    "EBAY_CA": "CAD",
}


@dataclass
class Account(SandboxAccount):
    username: str
    marketplace_id: str
    policies: dict[str, str] = field(default_factory=dict)
    scopes: str = DEFAULT_SCOPES


DEMO_ACCOUNT = Account(
    client_id="OmniportDemo-SBX-0a1b2c3d4-5e6f7a8b",
    client_secret="SBX-omniport-demo-cert-id",  # noqa: S106 - sandbox-only demo secret
    refresh_token="v^1.1#i^1#r^1#f^0#I^3#p^3#t^Ul4xMF8wOm9tbmlwb3J0LWRlbW8=",  # noqa: S106
    username="omniport_demo_seller",
    marketplace_id="EBAY_US",
    policies={
        "fulfillment_policy_id": "6196932000",
        "payment_policy_id": "6196935000",
        "return_policy_id": "6196936000",
        "merchant_location_key": "omniport-central",
    },
)


def _err(
    error_id: int,
    message: str,
    *,
    domain: str = "API_INVENTORY",
    category: str = "REQUEST",
    long_message: str = "",
    parameters: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    error: dict[str, Any] = {
        "errorId": error_id,
        "domain": domain,
        "category": category,
        "message": message,
        "longMessage": long_message or message,
    }
    if parameters:
        error["parameters"] = parameters
    return error


def _errors(*errors: dict[str, Any]) -> dict[str, Any]:
    return {"errors": list(errors)}


def _amount(raw: Any) -> Decimal | None:
    try:
        value = Decimal(str(raw["value"]))
    except (KeyError, TypeError, InvalidOperation):
        return None
    return value if value.is_finite() else None


class EbaySandbox(SandboxApp):
    name = "ebay"
    token_prefix = "v^1.1#i^1#p^3#r^1#"  # noqa: S105 - what eBay user tokens look like
    demo_account = DEMO_ACCOUNT
    seller_param = "username"
    order_fields = {
        "username": str,
        "marketplace_id": str,
        "currency": str,
        "order_id": str,
        "paid": bool,
        "shipping": str,
    }

    def __init__(
        self,
        *,
        token_ttl: float = 7200.0,
        rate_limits_enabled: bool = True,
        rate_scale: float = 1.0,
        accounts: list[Account] | None = None,
    ) -> None:
        self._ids = itertools.count(1)
        super().__init__(
            token_ttl=token_ttl,
            rate_limits=dict(CALL_LIMITS),
            rate_limits_enabled=rate_limits_enabled,
            rate_scale=rate_scale,
            accounts=accounts,
        )

    def init_state(self) -> None:
        self.items: dict[tuple[str, str], dict[str, Any]] = {}  # (user, sku) -> item
        self.offers: dict[str, dict[str, Any]] = {}  # offerId -> offer (+ "_user")
        self.orders: dict[str, dict[str, Any]] = {}  # orderId -> order (+ "_user")
        self.fulfillments: list[dict[str, Any]] = []
        self.cancellations: list[dict[str, Any]] = []

    # ------------------------------------------------------------------ accounts, auth

    @classmethod
    def account_credentials(
        cls, account: Account, base_url: str, **extra: str
    ) -> AccountCredentials:
        base_url = base_url.rstrip("/")
        return AccountCredentials(
            marketplace="ebay",
            site=account.marketplace_id,
            client_id=account.client_id,
            client_secret=account.client_secret,
            refresh_token=account.refresh_token,
            seller_id=account.username,
            endpoint=base_url,
            auth_endpoint=base_url + "/identity/v1/oauth2/token",
            extra={**account.policies, **extra},
        )

    def account_key(self, request: Request) -> str:
        return request.account.username if request.account else "-"

    def authenticate(self, request: Request) -> Response | None:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        expected = "IAF" if request.path.startswith("/post-order/") else "Bearer"
        account, problem = (
            self.tokens.check(token) if scheme in {expected, "Bearer", "IAF"} else (None, "invalid")
        )
        if account is None:
            return Response.json(
                401,
                _errors(
                    _err(
                        1001,
                        "Invalid access token",
                        domain="OAuth",
                        long_message="Invalid access token. Check the value of the Authorization HTTP "
                        "request header."
                        + (" The token has expired." if problem == "expired" else ""),
                    )
                ),
            )
        request.account = account
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
        if status == 429:
            # eBay answers errorId 2001; Retry-After is the standard hint (not promised by
            # eBay's docs, the client copes without it).
            headers = {"Retry-After": f"{max(retry_after or 1.0, 0.001):.3f}"}
            return Response.json(
                429,
                _errors(
                    _err(
                        2001,
                        "Too many requests. The request limit has been reached for the resource.",
                        domain="ACCESS",
                    )
                ),
                headers,
            )
        if status >= 500:
            return Response.json(
                status,
                _errors(
                    _err(
                        25001,
                        "A system error has occurred. Please try again.",
                        category="APPLICATION",
                        long_message="A system error has occurred. " + message,
                    )
                ),
            )
        if status == 404:
            return Response.json(
                404, _errors(_err(2002, message or "Resource not found", domain="API_ROUTING"))
            )
        return Response.json(status, _errors(_err(25709, message or "Invalid request")))

    def _bad(
        self,
        error_id: int,
        message: str,
        status: int = 400,
        parameters: list[dict[str, str]] | None = None,
    ) -> Response:
        return Response.json(status, _errors(_err(error_id, message, parameters=parameters)))

    # ------------------------------------------------------------------ routes

    def register_routes(self) -> None:
        add = self.add
        add(
            "POST",
            "/identity/v1/oauth2/token",
            "oauthToken",
            self.oauth_token,
            auth=False,
            throttle=False,
        )
        add(
            "PUT",
            INV + "/inventory_item/{sku}",
            "createOrReplaceInventoryItem",
            self.put_inventory_item,
        )
        add("GET", INV + "/inventory_item/{sku}", "getInventoryItem", self.get_inventory_item)
        add(
            "POST",
            INV + "/bulk_get_inventory_item",
            "bulkGetInventoryItem",
            self.bulk_get_inventory_item,
        )
        add("GET", INV + "/offer", "getOffers", self.get_offers)
        add("POST", INV + "/offer", "createOffer", self.create_offer)
        add("GET", INV + "/offer/{offerId}", "getOffer", self.get_offer)
        add("PUT", INV + "/offer/{offerId}", "updateOffer", self.update_offer)
        add("POST", INV + "/offer/{offerId}/publish", "publishOffer", self.publish_offer)
        add("POST", INV + "/offer/{offerId}/withdraw", "withdrawOffer", self.withdraw_offer)
        add(
            "POST",
            INV + "/bulk_update_price_quantity",
            "bulkUpdatePriceQuantity",
            self.bulk_update_price_quantity,
        )
        add("GET", FUL + "/order", "getOrders", self.get_orders)
        add("GET", FUL + "/order/{orderId}", "getOrder", self.get_order)
        add(
            "POST",
            FUL + "/order/{orderId}/shipping_fulfillment",
            "createShippingFulfillment",
            self.create_shipping_fulfillment,
        )
        add("POST", "/post-order/v2/cancellation", "createCancellation", self.create_cancellation)

    # ------------------------------------------------------------------ OAuth

    def oauth_token(self, request: Request) -> Response:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        try:
            client_id, _, client_secret = base64.b64decode(encoded).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            client_id = client_secret = ""
        form = self.token_form(request)
        if form.get("grant_type") != "refresh_token":
            return self.oauth_error(
                400,
                "unsupported_grant_type",
                "grant type in request is not supported by the authorization server",
            )
        known_client = any(
            a.client_id == client_id and hmac.compare_digest(client_secret, a.client_secret)
            for a in self.accounts.values()
        )
        if scheme != "Basic" or not known_client:
            return self.oauth_error(401, "invalid_client", "client authentication failed")
        account = self.granted(form.get("refresh_token", ""))
        if account is None or account.client_id != client_id:
            return self.oauth_error(
                400,
                "invalid_grant",
                "the provided authorization refresh token is invalid or was issued to "
                "another client",
            )
        asked = set((form.get("scope") or account.scopes).split())
        if not asked <= set(account.scopes.split()):
            return self.oauth_error(
                400,
                "invalid_scope",
                "The requested scope is invalid, unknown, malformed, or exceeds the scope "
                "granted to the client",
            )
        return self.issue_token(account, token_type="User Access Token")  # noqa: S106

    # ------------------------------------------------------------------ inventory

    def _user(self, request: Request) -> str:
        return str(request.account.username)

    def _item_wire(self, sku: str, item: dict[str, Any]) -> dict[str, Any]:
        return {
            "sku": sku,
            "locale": item["_locale"],
            **{k: v for k, v in item.items() if not k.startswith("_")},
        }

    def put_inventory_item(self, request: Request) -> Response:
        language = request.headers.get("content-language", "")
        if not language:
            return self._bad(25709, "Invalid value for header Content-Language.")
        body = request.json()
        if not isinstance(body, dict):
            return self._bad(2004, "Could not serialize field. The request body is not JSON.")
        sku = request.params["sku"]
        if len(sku) > 50:
            return self._bad(
                25707,
                "This is an invalid value for a SKU. Only alphanumeric "
                "characters can be used for SKUs, and their length must not "
                "exceed 50 characters",
            )
        product = body.get("product") or {}
        title = product.get("title")
        if title is not None and (not isinstance(title, str) or len(title) > 80):
            return self._bad(
                25718,
                "The title is too long: eBay titles have at most 80 characters.",
                parameters=[{"name": "title", "value": str(title)[:100]}],
            )
        condition = body.get("condition")
        if condition is not None and condition not in CONDITIONS:
            return self._bad(25709, f"Invalid value for condition: {condition!r}.")
        quantity = ((body.get("availability") or {}).get("shipToLocationAvailability") or {}).get(
            "quantity"
        )
        if quantity is not None and (
            not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0
        ):
            return self._bad(
                25709, "Invalid value for quantity: it must be a whole number of 0 or more."
            )
        with self.lock:
            if sku not in self.faults.silent_skip_skus:
                self.items[(self._user(request), sku)] = {
                    **body,
                    "_locale": language.replace("-", "_"),
                }
        return Response.empty(204)

    def get_inventory_item(self, request: Request) -> Response:
        sku = request.params["sku"]
        with self.lock:
            item = self.items.get((self._user(request), sku))
            if item is None:
                return self._bad(
                    25702,
                    f"SKU {sku} is not available in the system",
                    404,
                    parameters=[{"name": "sku", "value": sku}],
                )
            return Response.json(200, self._item_wire(sku, item))

    def bulk_get_inventory_item(self, request: Request) -> Response:
        body = request.json() or {}
        requests = body.get("requests")
        if not isinstance(requests, list) or not 1 <= len(requests) <= 25:
            return self._bad(25709, "requests: between 1 and 25 SKUs per call.")
        responses, all_ok = [], True
        with self.lock:
            for entry in requests:
                sku = str((entry or {}).get("sku", ""))
                item = self.items.get((self._user(request), sku))
                if item is None:
                    all_ok = False
                    responses.append(
                        {
                            "sku": sku,
                            "statusCode": 404,
                            "errors": [_err(25702, f"SKU {sku} is not available in the system")],
                        }
                    )
                else:
                    responses.append(
                        {"sku": sku, "statusCode": 200, "inventoryItem": self._item_wire(sku, item)}
                    )
        return Response.json(200 if all_ok else 207, {"responses": responses})

    def _offer_wire(self, offer: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in offer.items() if not k.startswith("_")}

    def _offer_for(self, request: Request) -> dict[str, Any] | None:
        offer = self.offers.get(request.params["offerId"])
        if offer is None or offer["_user"] != self._user(request):
            return None
        return offer

    def get_offers(self, request: Request) -> Response:
        sku = request.q("sku")
        if not sku:
            return self._bad(25709, "Invalid value for sku: the sku query parameter is required.")
        marketplace = request.q("marketplace_id")
        with self.lock:
            found = [
                self._offer_wire(o)
                for o in self.offers.values()
                if o["_user"] == self._user(request)
                and o["sku"] == sku
                and (marketplace is None or o["marketplaceId"] == marketplace)
            ]
        if not found:
            return self._bad(25713, "This Offer is not available.", 404)
        return Response.json(
            200,
            {
                "href": f"{self.base_url}{INV}/offer?sku={sku}",
                "limit": 100,
                "offers": found,
                "size": len(found),
                "total": len(found),
            },
        )

    def _check_offer(self, body: dict[str, Any]) -> str:
        if "availableQuantity" in body and (
            not isinstance(body["availableQuantity"], int) or body["availableQuantity"] < 0
        ):
            return "availableQuantity must be a whole number of 0 or more."
        price = (body.get("pricingSummary") or {}).get("price")
        if price is not None:
            value = _amount(price)
            if value is None or value <= 0 or not price.get("currency"):
                return "pricingSummary.price needs a value greater than 0 and a currency."
        return ""

    def create_offer(self, request: Request) -> Response:
        if not request.headers.get("content-language"):
            return self._bad(25709, "Invalid value for header Content-Language.")
        body = request.json()
        if (
            not isinstance(body, dict)
            or not body.get("sku")
            or not body.get("marketplaceId")
            or body.get("format") not in {"FIXED_PRICE", "AUCTION"}
        ):
            return self._bad(25709, "sku, marketplaceId and format are required.")
        problem = self._check_offer(body)
        if problem:
            return self._bad(25709, problem)
        user = self._user(request)
        with self.lock:
            if (user, body["sku"]) not in self.items:
                return self._bad(
                    25702,
                    f"SKU {body['sku']} is not available in the system",
                    parameters=[{"name": "sku", "value": body["sku"]}],
                )
            for offer in self.offers.values():
                if (
                    offer["_user"] == user
                    and offer["sku"] == body["sku"]
                    and offer["marketplaceId"] == body["marketplaceId"]
                    and offer["format"] == body["format"]
                ):
                    return self._bad(
                        25002,
                        "Offer entity already exists.",
                        parameters=[{"name": "offerId", "value": offer["offerId"]}],
                    )
            offer_id = f"{next(self._ids) + 5_000_000_000}"
            self.offers[offer_id] = {
                **body,
                "offerId": offer_id,
                "status": "UNPUBLISHED",
                "_user": user,
            }
        return Response.json(201, {"offerId": offer_id, "warnings": []})

    def get_offer(self, request: Request) -> Response:
        with self.lock:
            offer = self._offer_for(request)
            if offer is None:
                return self._bad(25713, "This Offer is not available.", 404)
            return Response.json(200, self._offer_wire(offer))

    def update_offer(self, request: Request) -> Response:
        if not request.headers.get("content-language"):
            return self._bad(25709, "Invalid value for header Content-Language.")
        body = request.json()
        if not isinstance(body, dict):
            return self._bad(2004, "The request body is not JSON.")
        problem = self._check_offer(body)
        if problem:
            return self._bad(25709, problem)
        with self.lock:
            offer = self._offer_for(request)
            if offer is None:
                return self._bad(25713, "This Offer is not available.", 404)
            keep: dict[str, Any] = {
                k: offer[k]
                for k in ("offerId", "sku", "marketplaceId", "format", "status", "listing", "_user")
                if k in offer
            }
            offer.clear()
            offer.update({**body, **keep})
        return Response.empty(204)

    def publish_offer(self, request: Request) -> Response:
        with self.lock:
            offer = self._offer_for(request)
            if offer is None:
                return self._bad(25713, "This Offer is not available.", 404)
            item = self.items.get((offer["_user"], offer["sku"])) or {}
            product = item.get("product") or {}
            missing = [
                name
                for name, value in (
                    ("Item.Title", product.get("title")),
                    (
                        "Item.Description",
                        offer.get("listingDescription") or product.get("description"),
                    ),
                    ("Item.Category", offer.get("categoryId")),
                    ("Item.Price", (offer.get("pricingSummary") or {}).get("price")),
                    (
                        "Fulfillment policy",
                        (offer.get("listingPolicies") or {}).get("fulfillmentPolicyId"),
                    ),
                    ("Payment policy", (offer.get("listingPolicies") or {}).get("paymentPolicyId")),
                    ("Return policy", (offer.get("listingPolicies") or {}).get("returnPolicyId")),
                    ("Item.Location", offer.get("merchantLocationKey")),
                )
                if not value
            ]
            if missing:
                return Response.json(
                    400,
                    _errors(
                        *[
                            _err(
                                25002,
                                f"A user error has occurred. No {name} specified.",
                                parameters=[{"name": "0", "value": f"No {name} specified"}],
                            )
                            for name in missing
                        ]
                    ),
                )
            listing = offer.get("listing") or {"listingId": f"11{next(self._ids):010d}"}
            listing["listingStatus"] = "ACTIVE"
            offer["listing"], offer["status"] = listing, "PUBLISHED"
            return Response.json(200, {"listingId": listing["listingId"], "warnings": []})

    def withdraw_offer(self, request: Request) -> Response:
        with self.lock:
            offer = self._offer_for(request)
            if offer is None:
                return self._bad(25713, "This Offer is not available.", 404)
            if offer["status"] != "PUBLISHED":
                return self._bad(25713, "This Offer is not published and cannot be withdrawn.")
            offer["status"] = "UNPUBLISHED"
            offer["listing"]["listingStatus"] = "ENDED"
            return Response.json(200, {"listingId": offer["listing"]["listingId"], "warnings": []})

    def bulk_update_price_quantity(self, request: Request) -> Response:
        body = request.json()
        requests = body.get("requests") if isinstance(body, dict) else None
        if not isinstance(requests, list) or not 1 <= len(requests) <= 25:
            return self._bad(25709, "requests: between 1 and 25 price/quantity updates per call.")
        user = self._user(request)
        responses: list[dict[str, Any]] = []
        with self.lock:
            for entry in requests:
                responses.extend(
                    self._price_quantity(user, entry if isinstance(entry, dict) else {})
                )
        all_ok = all(r["statusCode"] == 200 for r in responses)
        return Response.json(200 if all_ok else 207, {"responses": responses})

    def _price_quantity(self, user: str, entry: dict[str, Any]) -> list[dict[str, Any]]:
        sku = str(entry.get("sku", ""))
        offers_in = entry.get("offers") or []

        def fail(status: int, error: dict[str, Any], offer_id: str = "") -> dict[str, Any]:
            answer = {"sku": sku, "statusCode": status, "errors": [error], "warnings": []}
            if offer_id:
                answer["offerId"] = offer_id
            return answer

        item = self.items.get((user, sku))
        if item is None:
            return [
                fail(
                    404,
                    _err(
                        25702,
                        f"SKU {sku} is not available in the system",
                        parameters=[{"name": "sku", "value": sku}],
                    ),
                )
            ]
        ship_to = entry.get("shipToLocationAvailability")
        quantity = (ship_to or {}).get("quantity") if ship_to is not None else None
        if ship_to is not None and (
            not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0
        ):
            return [
                fail(
                    400,
                    _err(
                        25709, "Invalid value for quantity: it must be a whole number of 0 or more."
                    ),
                )
            ]
        checked = []
        for offer_in in offers_in:
            offer = self.offers.get(str(offer_in.get("offerId", "")))
            if offer is None or offer["_user"] != user or offer["sku"] != sku:
                return [
                    fail(
                        404,
                        _err(25713, "This Offer is not available."),
                        str(offer_in.get("offerId", "")),
                    )
                ]
            if "price" in offer_in:
                value = _amount(offer_in["price"])
                if value is None or value <= 0 or not offer_in["price"].get("currency"):
                    return [
                        fail(
                            400,
                            _err(
                                25709,
                                "Invalid value for price: it must be "
                                "greater than 0 with a currency.",
                            ),
                            offer["offerId"],
                        )
                    ]
            available = offer_in.get("availableQuantity")
            if available is not None and (not isinstance(available, int) or available < 0):
                return [
                    fail(400, _err(25709, "Invalid value for availableQuantity."), offer["offerId"])
                ]
            checked.append((offer, offer_in))
        distributions = (ship_to or {}).get("availabilityDistributions")
        if distributions is not None and (
            not isinstance(distributions, list)
            or not all(
                isinstance(d, dict)
                and isinstance(d.get("merchantLocationKey"), str)
                and d["merchantLocationKey"]
                and isinstance(d.get("quantity"), int)
                and d["quantity"] >= 0
                for d in distributions
            )
        ):
            return [
                fail(
                    400,
                    _err(
                        25709,
                        "Invalid value for availabilityDistributions: each needs a "
                        "merchantLocationKey and a quantity of 0 or more.",
                    ),
                )
            ]
        silent = sku in self.faults.silent_skip_skus
        if not silent:
            if quantity is not None:
                ship_to_state: dict[str, Any] = {"quantity": quantity}
                if distributions is not None:
                    ship_to_state["availabilityDistributions"] = distributions
                item.setdefault("availability", {})["shipToLocationAvailability"] = ship_to_state
            for offer, offer_in in checked:
                if "price" in offer_in:
                    offer.setdefault("pricingSummary", {})["price"] = {
                        "value": str(offer_in["price"]["value"]),
                        "currency": offer_in["price"]["currency"],
                    }
                if offer_in.get("availableQuantity") is not None:
                    offer["availableQuantity"] = offer_in["availableQuantity"]
                elif quantity is not None:
                    offer["availableQuantity"] = quantity
            if quantity is not None and not checked:
                for offer in self.offers.values():
                    if offer["_user"] == user and offer["sku"] == sku:
                        offer["availableQuantity"] = quantity
        if not checked:
            return [{"sku": sku, "statusCode": 200, "errors": [], "warnings": []}]
        return [
            {
                "sku": sku,
                "offerId": offer["offerId"],
                "statusCode": 200,
                "errors": [],
                "warnings": [],
            }
            for offer, _ in checked
        ]

    def seed_listing(
        self,
        sku: str,
        *,
        price: str = "10.00",
        quantity: int = 1,
        currency: str | None = None,
        username: str | None = None,
        title: str = "",
        published: bool = True,
    ) -> str:
        """Create an inventory item with a (published) offer directly; returns the offerId.

        For demos and benchmarks that need thousands of listings without paying the
        call budget of publishing them one by one.
        """
        account = next(a for a in self.accounts.values() if username in (None, a.username))
        with self.lock:
            self.items[(account.username, sku)] = {
                "availability": {"shipToLocationAvailability": {"quantity": int(quantity)}},
                "condition": "NEW",
                "product": {"title": title or sku, "description": sku},
                "_locale": "en_US",
            }
            offer_id = f"{next(self._ids) + 5_000_000_000}"
            self.offers[offer_id] = {
                "offerId": offer_id,
                "sku": sku,
                "marketplaceId": account.marketplace_id,
                "format": "FIXED_PRICE",
                "availableQuantity": int(quantity),
                "categoryId": "20625",
                "listingDescription": sku,
                "pricingSummary": {
                    "price": {
                        "value": str(Decimal(price)),
                        "currency": currency or CURRENCIES.get(account.marketplace_id, "USD"),
                    }
                },
                "listingPolicies": {
                    "fulfillmentPolicyId": account.policies.get("fulfillment_policy_id", ""),
                    "paymentPolicyId": account.policies.get("payment_policy_id", ""),
                    "returnPolicyId": account.policies.get("return_policy_id", ""),
                },
                "merchantLocationKey": account.policies.get("merchant_location_key", ""),
                "status": "PUBLISHED" if published else "UNPUBLISHED",
                "_user": account.username,
            }
            if published:
                self.offers[offer_id]["listing"] = {
                    "listingId": f"11{next(self._ids):010d}",
                    "listingStatus": "ACTIVE",
                }
            return offer_id

    def listing_state(self, sku: str, seller: str | None = None) -> dict[str, Any] | None:
        """What a shopper would see for ``sku``: offer price and quantity, item quantity."""
        user = seller or next(iter(self.accounts.values())).username
        with self.lock:
            item = self.items.get((user, sku))
            if item is None:
                return None
            offer = next(
                (o for o in self.offers.values() if o["_user"] == user and o["sku"] == sku), None
            )
            price = ((offer or {}).get("pricingSummary") or {}).get("price") or {}
            return {
                "sku": sku,
                "price": price.get("value"),
                "currency": price.get("currency"),
                "quantity": (offer or {}).get(
                    "availableQuantity",
                    ((item.get("availability") or {}).get("shipToLocationAvailability") or {}).get(
                        "quantity"
                    ),
                ),
                "item_quantity": (
                    (item.get("availability") or {}).get("shipToLocationAvailability") or {}
                ).get("quantity"),
                "offer_id": (offer or {}).get("offerId"),
                "status": (offer or {}).get("status"),
            }

    # ------------------------------------------------------------------ fulfillment

    def _order_wire(self, order: dict[str, Any]) -> dict[str, Any]:
        return json.loads(json.dumps({k: v for k, v in order.items() if not k.startswith("_")}))

    def create_order(
        self,
        items: list[dict[str, Any]],
        *,
        username: str | None = None,
        marketplace_id: str | None = None,
        currency: str | None = None,
        order_id: str | None = None,
        paid: bool = True,
        buyer: str = "test_buyer_1",
        ship_to: dict[str, Any] | None = None,
        shipping: str = "0.00",
    ) -> dict[str, Any]:
        """Seed an order as eBay checkout would create it; returns the wire Order."""
        account = next((a for a in self.accounts.values() if username in (None, a.username)), None)
        if account is None:
            raise ValueError(f"unknown seller {username!r}")
        if not items:
            raise ValueError("an order needs at least one line item")
        marketplace = marketplace_id or account.marketplace_id
        currency = currency or CURRENCIES.get(marketplace, "USD")
        now = utcnow()
        with self.lock:
            serial = next(self._ids)
            order_id = (
                order_id or f"{10 + serial % 90:02d}-{serial:05d}-{(serial * 31) % 100000:05d}"
            )
            if order_id in self.orders:
                raise ValueError(f"order {order_id} exists")
            lines, subtotal = [], Decimal(0)
            for index, item in enumerate(items, start=1):
                qty = int(item["quantity"])
                unit = Decimal(str(item["price"]))
                cost = unit * qty
                subtotal += cost
                lines.append(
                    {
                        "lineItemId": f"{serial:08d}{index:04d}",
                        "legacyItemId": f"11{serial:010d}",
                        "sku": str(item["sku"]),
                        "title": str(item.get("title") or item["sku"]),
                        "quantity": qty,
                        "lineItemCost": {"value": f"{cost:.2f}", "currency": currency},
                        "total": {"value": f"{cost:.2f}", "currency": currency},
                        "lineItemFulfillmentStatus": "NOT_STARTED",
                        "soldFormat": "FIXED_PRICE",
                        "listingMarketplaceId": marketplace,
                        "purchaseMarketplaceId": marketplace,
                    }
                )
            delivery = Decimal(shipping)
            address = {
                "fullName": "Test Buyer",
                "contactAddress": {
                    "addressLine1": "2145 Hamilton Ave",
                    "city": "San Jose",
                    "stateOrProvince": "CA",
                    "postalCode": "95125",
                    "countryCode": "US",
                },
                "primaryPhone": {"phoneNumber": "4085550100"},
                "email": f"{buyer}@members.ebay.com",
                **(ship_to or {}),
            }
            order = {
                "orderId": order_id,
                "legacyOrderId": order_id,
                "creationDate": iso(now, millis=True),
                "lastModifiedDate": iso(now, millis=True),
                "orderFulfillmentStatus": "NOT_STARTED",
                "orderPaymentStatus": "PAID" if paid else "PENDING",
                "sellerId": account.username,
                "buyer": {
                    "username": buyer,
                    "taxAddress": {
                        "countryCode": address["contactAddress"].get("countryCode", "US")
                    },
                },
                "pricingSummary": {
                    "priceSubtotal": {"value": f"{subtotal:.2f}", "currency": currency},
                    "deliveryCost": {"value": f"{delivery:.2f}", "currency": currency},
                    "total": {"value": f"{subtotal + delivery:.2f}", "currency": currency},
                },
                "cancelStatus": {"cancelState": "NONE_REQUESTED", "cancelRequests": []},
                "fulfillmentStartInstructions": [
                    {
                        "fulfillmentInstructionsType": "SHIP_TO",
                        "ebaySupportedFulfillment": False,
                        "shippingStep": {
                            "shippingCarrierCode": "USPS",
                            "shippingServiceCode": "USPSPriority",
                            "shipTo": address,
                        },
                    }
                ],
                "fulfillmentHrefs": [],
                "lineItems": lines,
                "salesRecordReference": str(serial),
                "_user": account.username,
            }
            self.orders[order_id] = order
            return self._order_wire(order)

    def cancel(self, order_id: str, initiator: str = "BUYER") -> dict[str, Any]:
        """A cancellation completes on eBay's side (buyer request accepted, or eBay)."""
        with self.lock:
            order = self.orders[order_id]
            self._mark_cancelled(order, "BUYER_ASKED_CANCEL", initiator)
            return self._order_wire(order)

    def _mark_cancelled(self, order: dict[str, Any], reason: str, initiator: str) -> None:
        now = iso(utcnow(), millis=True)
        order["cancelStatus"] = {
            "cancelState": "CANCELED",
            "cancelledDate": now,
            "cancelRequests": [
                {
                    "cancelReason": reason,
                    "cancelRequestedDate": now,
                    "cancelInitiator": initiator,
                    "cancelRequestState": "COMPLETED",
                }
            ],
        }
        order["orderPaymentStatus"] = "FULLY_REFUNDED"
        order["lastModifiedDate"] = now

    def get_orders(self, request: Request) -> Response:
        try:
            limit = int(request.q("limit", "50") or 50)
            offset = int(request.q("offset", "0") or 0)
        except ValueError:
            return self._bad(30700, "limit and offset must be integers.")
        if not 1 <= limit <= 200 or offset < 0:
            return self._bad(30700, "The limit must be between 1 and 200 and the offset 0 or more.")
        criteria: dict[str, tuple[Any, Any]] = {}
        statuses: set[str] = set()
        for part in filter(None, (request.q("filter") or "").split(",")):
            name, _, value = part.partition(":")
            name = name.strip().lower()
            if name in {"lastmodifieddate", "creationdate"}:
                if not (value.startswith("[") and value.endswith("]") and ".." in value):
                    return self._bad(30800, f"Invalid filter value for {name}: use [start..end].")
                start_raw, _, end_raw = value[1:-1].partition("..")
                try:
                    criteria[name] = (parse_iso(start_raw), parse_iso(end_raw) if end_raw else None)
                except ValueError:
                    return self._bad(30800, f"Invalid date in filter {part!r}.")
            elif name == "orderfulfillmentstatus":
                statuses = set(value.strip("{}").split("|"))
            else:
                return self._bad(30800, f"Unsupported filter {name!r}.")
        fields = {"lastmodifieddate": "lastModifiedDate", "creationdate": "creationDate"}
        user = self._user(request)
        with self.lock:
            found = []
            for order in self.orders.values():
                if order["_user"] != user:
                    continue
                if statuses and order["orderFulfillmentStatus"] not in statuses:
                    continue
                keep = True
                for name, (start, end) in criteria.items():
                    moment = parse_iso(order[fields[name]])
                    if moment < start or (end is not None and moment > end):
                        keep = False
                if keep:
                    found.append(order)
            found.sort(key=lambda o: (o["creationDate"], o["orderId"]))
            page = [self._order_wire(o) for o in found[offset : offset + limit]]
        href = f"{self.base_url}{FUL}/order?limit={limit}&offset={offset}"
        body: dict[str, Any] = {
            "href": href,
            "total": len(found),
            "limit": limit,
            "offset": offset,
            "orders": page,
            "warnings": [],
        }
        if offset + limit < len(found):
            body["next"] = f"{self.base_url}{FUL}/order?limit={limit}&offset={offset + limit}"
        if offset:
            body["prev"] = (
                f"{self.base_url}{FUL}/order?limit={limit}&offset={max(offset - limit, 0)}"
            )
        return Response.json(200, body)

    def _users_order(self, request: Request) -> dict[str, Any] | None:
        order = self.orders.get(request.params["orderId"])
        return order if order is not None and order["_user"] == self._user(request) else None

    @staticmethod
    def _no_such_order(request: Request) -> Response:
        return Response.json(
            404,
            _errors(
                _err(
                    32100,
                    f"Invalid order ID: {request.params['orderId']}",
                    domain="API_FULFILLMENT",
                )
            ),
        )

    def get_order(self, request: Request) -> Response:
        with self.lock:
            order = self._users_order(request)
            if order is None:
                return self._no_such_order(request)
            return Response.json(200, self._order_wire(order))

    def create_shipping_fulfillment(self, request: Request) -> Response:
        body = request.json()
        if (
            not isinstance(body, dict)
            or not body.get("lineItems")
            or not body.get("shippingCarrierCode")
            or not body.get("trackingNumber")
        ):
            return Response.json(
                400,
                _errors(
                    _err(
                        32100,
                        "lineItems, shippingCarrierCode and trackingNumber are required.",
                        domain="API_FULFILLMENT",
                    )
                ),
            )
        with self.lock:
            order = self._users_order(request)
            if order is None:
                return self._no_such_order(request)
            if order["cancelStatus"].get("cancelState") == "CANCELED":
                return Response.json(
                    409,
                    _errors(
                        _err(
                            32500,
                            "The order is cancelled and cannot be shipped.",
                            domain="API_FULFILLMENT",
                        )
                    ),
                )
            lines = {line["lineItemId"]: line for line in order["lineItems"]}
            for ref in body["lineItems"]:
                line = lines.get(ref.get("lineItemId"))
                if line is None:
                    return Response.json(
                        400,
                        _errors(
                            _err(
                                32100,
                                f"Invalid line item ID: {ref.get('lineItemId')}",
                                domain="API_FULFILLMENT",
                            )
                        ),
                    )
                if line["lineItemFulfillmentStatus"] == "FULFILLED":
                    return Response.json(
                        409,
                        _errors(
                            _err(
                                32500,
                                f"Line item {line['lineItemId']} is already fulfilled.",
                                domain="API_FULFILLMENT",
                            )
                        ),
                    )
            fulfillment_id = f"{next(self._ids):012d}"
            for ref in body["lineItems"]:
                lines[ref["lineItemId"]]["lineItemFulfillmentStatus"] = "FULFILLED"
            done = all(line["lineItemFulfillmentStatus"] == "FULFILLED" for line in lines.values())
            order["orderFulfillmentStatus"] = "FULFILLED" if done else "IN_PROGRESS"
            order["lastModifiedDate"] = iso(utcnow(), millis=True)
            location = (
                f"{self.base_url}{FUL}/order/{order['orderId']}/shipping_fulfillment/"
                f"{fulfillment_id}"
            )
            order["fulfillmentHrefs"].append(location)
            self.fulfillments.append(
                {"orderId": order["orderId"], "fulfillmentId": fulfillment_id, **body}
            )
        return Response.json(201, {}, {"Location": location})

    def create_cancellation(self, request: Request) -> Response:
        body = request.json()
        if (
            not isinstance(body, dict)
            or not body.get("legacyOrderId")
            or body.get("cancelReason")
            not in {"BUYER_ASKED_CANCEL", "ADDRESS_ISSUES", "OUT_OF_STOCK_OR_CANNOT_FULFILL"}
        ):
            return Response.json(
                400,
                _errors(
                    _err(
                        1002,
                        "legacyOrderId and a valid cancelReason are required.",
                        domain="API_POSTORDER",
                    )
                ),
            )
        with self.lock:
            order = self.orders.get(str(body["legacyOrderId"]))
            if order is None or order["_user"] != self._user(request):
                return Response.json(
                    400, _errors(_err(1001, "The order was not found.", domain="API_POSTORDER"))
                )
            if order["orderFulfillmentStatus"] != "NOT_STARTED":
                return Response.json(
                    400,
                    _errors(
                        _err(
                            1003,
                            "The order has shipped and is not eligible for cancellation.",
                            domain="API_POSTORDER",
                        )
                    ),
                )
            self._mark_cancelled(order, body["cancelReason"], "SELLER")
            cancel_id = f"5{next(self._ids):09d}"
            self.cancellations.append({"cancelId": cancel_id, **body})
        return Response.json(201, {"cancelId": cancel_id})

    # ------------------------------------------------------------------ admin

    def admin_order(self, order_id: str) -> dict[str, Any] | None:
        order = self.orders.get(order_id)
        return None if order is None else self._order_wire(order)

    def seeded(self, results: dict[str, Any]) -> dict[str, Any]:
        return {"offers": results}

    def admin_state(self) -> dict[str, Any]:
        with self.lock:
            return {
                "inventory_items": len(self.items),
                "offers": len(self.offers),
                "published": sum(1 for o in self.offers.values() if o["status"] == "PUBLISHED"),
                "orders": len(self.orders),
                "accounts": [
                    {
                        "username": a.username,
                        "client_id": a.client_id,
                        "marketplace_id": a.marketplace_id,
                    }
                    for a in self.accounts.values()
                ],
            }


def demo_credentials(base_url: str, **extra: str) -> AccountCredentials:
    """Credentials of the demo account on a sandbox at ``base_url`` (another process too)."""
    return EbaySandbox.account_credentials(DEMO_ACCOUNT, base_url, **extra)


def serve(host: str = "127.0.0.1", port: int = 0, **options: Any) -> tuple[SandboxServer, str]:
    """Start an eBay sandbox in a background thread: (server, base_url)."""
    return serve_app(EbaySandbox(**options), host, port)


def main(argv: list[str] | None = None) -> None:
    sandbox_main(
        argv,
        description="eBay Sell APIs loopback sandbox",
        port=DEFAULT_PORT,
        token_ttl=7200.0,
        serve=serve,
        banner=lambda base_url: (
            f"eBay sandbox on {base_url} (seller {DEMO_ACCOUNT.username}, "
            f"{DEMO_ACCOUNT.marketplace_id})"
        ),
    )


if __name__ == "__main__":
    main()
