"""eBay Sell APIs over httpx: OAuth refresh, Inventory, Fulfillment, Post-Order cancel.

A thin client on purpose: the Python eBay SDKs hard-code eBay's hosts (no
loopback sandbox) and the wire format is plain JSON.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import httpx

from connectors.base import AccountCredentials, RateLimit, TokenGrant, TokenStore
from connectors.http import (
    ApiClient,
    RetryPolicy,
    account_key,
    oauth_refresh,
    shared_token_manager,
)

IDENTITY_TOKEN_URL = "https://api.ebay.com/identity/v1/oauth2/token"  # noqa: S105 - a URL
API_ENDPOINT = "https://api.ebay.com"
INVENTORY = "/sell/inventory/v1"
FULFILLMENT = "/sell/fulfillment/v1"
POST_ORDER = "/post-order/v2"
DEFAULT_SCOPES = (
    "https://api.ebay.com/oauth/api_scope/sell.inventory "
    "https://api.ebay.com/oauth/api_scope/sell.fulfillment"
)
DAY = 86_400.0

# eBay publishes daily call quotas per API, not per-second rates ("API Call Limits",
# developer.ebay.com/develop/api/sell/api_call_limits, default tier): Inventory API
# 2,000,000 calls/day, Fulfillment API 100,000 calls/day. Spread over a day that is the
# sustained rate below; eBay documents no burst, the bursts are our choice.
INVENTORY_DAILY = 2_000_000
FULFILLMENT_DAILY = 100_000
INVENTORY_LIMIT = RateLimit(INVENTORY_DAILY / DAY, 25)
FULFILLMENT_LIMIT = RateLimit(FULFILLMENT_DAILY / DAY, 10)
CALL_LIMITS: dict[str, RateLimit] = {
    **dict.fromkeys(
        (
            "createOrReplaceInventoryItem",
            "getInventoryItem",
            "bulkGetInventoryItem",
            "getOffers",
            "getOffer",
            "createOffer",
            "updateOffer",
            "publishOffer",
            "withdrawOffer",
            "bulkUpdatePriceQuantity",
        ),
        INVENTORY_LIMIT,
    ),
    **dict.fromkeys(
        ("getOrders", "getOrder", "createShippingFulfillment", "createCancellation"),
        FULFILLMENT_LIMIT,
    ),
}


def identity_url(credentials: AccountCredentials) -> str:
    return credentials.auth_endpoint or IDENTITY_TOKEN_URL


class EbayClient(ApiClient):
    """One eBay seller (user token) on one marketplace (``site`` = EBAY_US, EBAY_DE...)."""

    marketplace = "ebay"

    def __init__(
        self,
        credentials: AccountCredentials,
        *,
        http: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
        rate_scale: float = 1.0,
        pace: bool = True,
        token_store: TokenStore | None = None,
    ) -> None:
        self.credentials = credentials
        key = account_key(
            "ebay", identity_url(credentials), credentials.client_id, credentials.refresh_token
        )
        tokens = shared_token_manager(
            key, self._fetch_token, credentials.refresh_token, token_store
        )
        super().__init__(
            credentials.endpoint or API_ENDPOINT,
            tokens,
            key=key,
            limits=CALL_LIMITS,
            http=http,
            retry=retry,
            rate_scale=rate_scale,
            pace=pace,
        )

    # -- auth ---------------------------------------------------------------------

    def _fetch_token(self, refresh_token: str) -> TokenGrant:
        basic = base64.b64encode(
            f"{self.credentials.client_id}:{self.credentials.client_secret}".encode()
        ).decode()
        with httpx.Client(timeout=httpx.Timeout(15.0, connect=5.0)) as http:
            return oauth_refresh(
                http,
                identity_url(self.credentials),
                marketplace="ebay",
                headers={"Authorization": f"Basic {basic}"},
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": refresh_token,
                    "scope": self.credentials.extra.get("scopes", DEFAULT_SCOPES),
                },
            )

    def auth_headers(self, token: str, scheme: str | None) -> dict[str, str]:
        # The Post-Order API takes the same OAuth user token under the "IAF" scheme.
        return {
            "Authorization": f"{scheme or 'Bearer'} {token}",
            "X-EBAY-C-MARKETPLACE-ID": self.credentials.site,
        }

    def token_refused(self, resp: httpx.Response) -> bool:
        return resp.status_code in (401, 403)

    def error_messages(self, resp: httpx.Response) -> tuple[str, list[str], Any]:
        try:
            body = resp.json()
        except ValueError:
            return "", [resp.text[:500]] if resp.text else [], None
        errors = body.get("errors") if isinstance(body, dict) else None
        if not isinstance(errors, list):
            return "", [resp.text[:500]], body
        return first_error(errors)

    # -- inventory ----------------------------------------------------------------

    def put_inventory_item(self, sku: str, body: Mapping[str, Any], language: str) -> Any:
        resp = self.request(
            "createOrReplaceInventoryItem",
            "PUT",
            f"{INVENTORY}/inventory_item/{quote(sku, safe='')}",
            json=body,
            headers={"Content-Language": language, "Content-Type": "application/json"},
            idempotent=True,
        )
        return self.json_of(resp, "createOrReplaceInventoryItem")

    def get_inventory_item(self, sku: str) -> Any | None:
        resp = self.request(
            "getInventoryItem",
            "GET",
            f"{INVENTORY}/inventory_item/{quote(sku, safe='')}",
            idempotent=True,
            allow=(404,),
        )
        return None if resp.status_code == 404 else self.json_of(resp, "getInventoryItem")

    def bulk_get_inventory_items(self, skus: Sequence[str]) -> list[Any]:
        resp = self.request(
            "bulkGetInventoryItem",
            "POST",
            f"{INVENTORY}/bulk_get_inventory_item",
            json={"requests": [{"sku": s} for s in skus]},
            headers={"Content-Type": "application/json"},
            idempotent=True,
        )
        body = self.json_of(resp, "bulkGetInventoryItem")
        return list(body.get("responses") or []) if isinstance(body, dict) else []

    def get_offers(self, sku: str) -> list[Any]:
        resp = self.request(
            "getOffers",
            "GET",
            f"{INVENTORY}/offer",
            params={"sku": sku, "marketplace_id": self.credentials.site},
            idempotent=True,
            allow=(404,),
        )
        if resp.status_code == 404:
            return []
        body = self.json_of(resp, "getOffers")
        return list(body.get("offers") or []) if isinstance(body, dict) else []

    def create_offer(self, body: Mapping[str, Any], language: str) -> Any:
        resp = self.request(
            "createOffer",
            "POST",
            f"{INVENTORY}/offer",
            json=body,
            headers={"Content-Language": language, "Content-Type": "application/json"},
        )
        return self.json_of(resp, "createOffer")

    def update_offer(self, offer_id: str, body: Mapping[str, Any], language: str) -> Any:
        resp = self.request(
            "updateOffer",
            "PUT",
            f"{INVENTORY}/offer/{quote(offer_id, safe='')}",
            json=body,
            headers={"Content-Language": language, "Content-Type": "application/json"},
            idempotent=True,
        )
        return self.json_of(resp, "updateOffer")

    def get_offer(self, offer_id: str) -> Any | None:
        resp = self.request(
            "getOffer",
            "GET",
            f"{INVENTORY}/offer/{quote(offer_id, safe='')}",
            idempotent=True,
            allow=(404,),
        )
        return None if resp.status_code == 404 else self.json_of(resp, "getOffer")

    def publish_offer(self, offer_id: str) -> Any:
        resp = self.request(
            "publishOffer",
            "POST",
            f"{INVENTORY}/offer/{quote(offer_id, safe='')}/publish",
            idempotent=True,
        )
        return self.json_of(resp, "publishOffer")

    def withdraw_offer(self, offer_id: str) -> Any:
        resp = self.request(
            "withdrawOffer",
            "POST",
            f"{INVENTORY}/offer/{quote(offer_id, safe='')}/withdraw",
            idempotent=True,
        )
        return self.json_of(resp, "withdrawOffer")

    def bulk_update_price_quantity(self, requests: Sequence[Mapping[str, Any]]) -> Any:
        resp = self.request(
            "bulkUpdatePriceQuantity",
            "POST",
            f"{INVENTORY}/bulk_update_price_quantity",
            json={"requests": list(requests)},
            headers={"Content-Type": "application/json"},
            idempotent=True,
        )
        return self.json_of(resp, "bulkUpdatePriceQuantity")

    # -- fulfillment --------------------------------------------------------------

    def get_orders(self, filter_: str, limit: int, offset: int) -> Any:
        resp = self.request(
            "getOrders",
            "GET",
            f"{FULFILLMENT}/order",
            params={"filter": filter_, "limit": str(limit), "offset": str(offset)},
            idempotent=True,
        )
        return self.json_of(resp, "getOrders")

    def get_order(self, order_id: str) -> Any | None:
        resp = self.request(
            "getOrder",
            "GET",
            f"{FULFILLMENT}/order/{quote(order_id, safe='')}",
            idempotent=True,
            allow=(404,),
        )
        return None if resp.status_code == 404 else self.json_of(resp, "getOrder")

    def create_shipping_fulfillment(self, order_id: str, body: Mapping[str, Any]) -> str:
        resp = self.request(
            "createShippingFulfillment",
            "POST",
            f"{FULFILLMENT}/order/{quote(order_id, safe='')}/shipping_fulfillment",
            json=body,
            headers={"Content-Type": "application/json"},
        )
        return resp.headers.get("location", "").rsplit("/", 1)[-1]

    def create_cancellation(self, body: Mapping[str, Any]) -> Any:
        resp = self.request(
            "createCancellation",
            "POST",
            f"{POST_ORDER}/cancellation",
            json=body,
            headers={"Content-Type": "application/json"},
            auth_scheme="IAF",
        )
        return self.json_of(resp, "createCancellation")


def first_error(errors: Sequence[Any]) -> tuple[str, list[str], Any]:
    """(first errorId, messages) of eBay's ``errors`` array."""
    code, messages = "", []
    for err in errors:
        if not isinstance(err, dict):
            continue
        code = code or str(err.get("errorId", ""))
        text = str(err.get("longMessage") or err.get("message") or "")
        params = [
            f"{p.get('name')}={p.get('value')}"
            for p in err.get("parameters") or []
            if isinstance(p, dict)
        ]
        messages.append(f"{text} ({', '.join(params)})" if params else text)
    return code, messages, {"errors": list(errors)}
