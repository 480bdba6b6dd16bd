"""Amazon Selling Partner API over httpx: LWA tokens, the operations we use, errors.

Why not the official ``amzn-sp-api`` package (1.13): its ``AccessTokenCache``
refreshes without a lock (N threads, N refreshes), sleeps 2+4+8 s retrying even a
revoked refresh token, and, because it tests ``if e.response`` on a
``requests.Response`` (falsy for 4xx/5xx), reports every token failure as a
server error without the body, so a revoked grant cannot be told from an outage.
Importing it also calls ``logging.basicConfig(level=INFO)`` on the host's root
logger, and it brings ``requests``, ``six`` and ``urllib3`` beside httpx. The
wire format is small and stable, so this thin client owns it.
"""

from __future__ import annotations

import gzip
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import httpx

from connectors.base import AccountCredentials, RateLimit, TokenGrant, TokenStore, Transient
from connectors.http import (
    ApiClient,
    RetryPolicy,
    account_key,
    oauth_refresh,
    shared_token_manager,
)

LWA_TOKEN_URL = "https://api.amazon.com/auth/o2/token"  # noqa: S105 - a URL
LISTINGS = "/listings/2021-08-01/items"
FEEDS = "/feeds/2021-06-30"
ORDERS = "/orders/v0/orders"
SEARCH_ORDERS = "/orders/2026-01-01/orders"

# SP-API regional endpoints by marketplace id (developer docs, "SP-API endpoints").
_NA = "https://sellingpartnerapi-na.amazon.com"
_EU = "https://sellingpartnerapi-eu.amazon.com"
_FE = "https://sellingpartnerapi-fe.amazon.com"
REGION_ENDPOINTS = {
    "ATVPDKIKX0DER": _NA,
    "A2EUQ1WTGCTBG2": _NA,
    "A1AM78C64UM0Y8": _NA,
    "A2Q3Y263D00KWC": _NA,
    "A1PA6795UKMFR9": _EU,
    "A1F83G8C2ARO7P": _EU,
    "A13V1IB3VIYZZH": _EU,
    "APJ6JRA9NG5V4": _EU,
    "A1RKKUPIHCS9HS": _EU,
    "A1805IZSGTT6HS": _EU,
    "A2NODRKZP88ZB9": _EU,
    "A1C3SOZRARQ6R3": _EU,
    "A33AVAJ2PDY3EV": _EU,
    "A21TJRUUN4KGV": _EU,
    "ARBP9OOSHTCHU": _EU,
    "A2VIGQ35RCS4UG": _EU,
    "A17E79C6D8DWNP": _EU,
    "AMEN7PMS3EDWL": _EU,
    "A1VC38T7YXB528": _FE,
    "A39IBJ37TRP1C6": _FE,
    "A19VAU5U5O7RUS": _FE,
}

# Documented "Usage Plan" (requests per second, burst) of each operation we call, as
# written in the operation descriptions of the models in
# selling-partner-api-models (listingsItems_2021-08-01, feeds_2021-06-30, ordersV0).
# connectors/tests/test_contract_amazon.py re-reads them from the specs.
USAGE_PLANS: dict[str, RateLimit] = {
    "getListingsItem": RateLimit(5, 10),
    "putListingsItem": RateLimit(5, 10),
    "patchListingsItem": RateLimit(5, 5),
    "deleteListingsItem": RateLimit(5, 5),
    "searchListingsItems": RateLimit(5, 5),
    "createFeedDocument": RateLimit(0.5, 15),
    "createFeed": RateLimit(0.0083, 15),
    "getFeed": RateLimit(2, 15),
    "getFeedDocument": RateLimit(0.0222, 10),
    "getOrders": RateLimit(0.0167, 20),
    "searchOrders": RateLimit(0.0056, 20),  # Orders 2026-01-01: a page of orders with items
    "getOrder": RateLimit(0.5, 30),
    "getOrderItems": RateLimit(0.5, 30),
    "confirmShipment": RateLimit(2, 10),
}


def lwa_token_url(credentials: AccountCredentials) -> str:
    return credentials.auth_endpoint or LWA_TOKEN_URL


def api_endpoint(credentials: AccountCredentials) -> str:
    return credentials.endpoint or REGION_ENDPOINTS.get(credentials.site, _NA)


class AmazonClient(ApiClient):
    """One selling partner (seller id) through one LWA application."""

    marketplace = "amazon"

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
        token_url = lwa_token_url(credentials)
        key = account_key(
            "amazon",
            token_url,
            credentials.client_id,
            credentials.refresh_token,
            credentials.seller_id,
        )
        tokens = shared_token_manager(
            key, self._fetch_token, credentials.refresh_token, token_store
        )
        super().__init__(
            api_endpoint(credentials),
            tokens,
            key=key,
            limits=USAGE_PLANS,
            http=http,
            retry=retry,
            rate_scale=rate_scale,
            pace=pace,
        )
        self._token_url = token_url

    # -- auth ---------------------------------------------------------------------

    def _fetch_token(self, refresh_token: str) -> TokenGrant:
        with httpx.Client(timeout=httpx.Timeout(15.0, connect=5.0)) as http:
            return oauth_refresh(
                http,
                lwa_token_url(self.credentials),
                marketplace="amazon",
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": refresh_token,
                    "client_id": self.credentials.client_id,
                    "client_secret": self.credentials.client_secret,
                },
            )

    def auth_headers(self, token: str, scheme: str | None) -> dict[str, str]:
        return {"x-amz-access-token": token, "user-agent": "Omniport/0.1 (Language=Python)"}

    def token_refused(self, resp: httpx.Response) -> bool:
        # SP-API answers an expired/revoked access token with 403 "Unauthorized"
        # ("The access token you provided has expired."); 401 on a few operations.
        if resp.status_code == 401:
            return True
        if resp.status_code != 403:
            return False
        code, _, _ = self.error_messages(resp)
        return code in {"Unauthorized", "InvalidAccessToken", "AccessDenied", ""}

    def retry_after(self, resp: httpx.Response) -> float | None:
        header = resp.headers.get("retry-after")
        if header:
            try:
                return max(0.0, float(header))
            except ValueError:
                pass
        # SP-API reports the operation's sustained rate; one request frees after 1/rate s.
        rate = resp.headers.get("x-amzn-ratelimit-limit")
        if rate:
            try:
                value = float(rate)
                if value > 0:
                    return 1.0 / value
            except ValueError:
                return None
        return None

    def error_messages(self, resp: httpx.Response) -> tuple[str, list[str], Any]:
        try:
            body = resp.json()
        except ValueError:
            return "", [resp.text[:500]] if resp.text else [], None
        errors = body.get("errors") if isinstance(body, dict) else None
        if not isinstance(errors, list):
            return "", [resp.text[:500]], body
        messages, code = [], ""
        for err in errors:
            if not isinstance(err, dict):
                continue
            code = code or str(err.get("code", ""))
            text = str(err.get("message", ""))
            if err.get("details"):
                text = f"{text} ({err['details']})"
            messages.append(text)
        return code, messages, body

    # -- listings -----------------------------------------------------------------

    def _item_path(self, sku: str) -> str:
        return f"{LISTINGS}/{quote(self.credentials.seller_id, safe='')}/{quote(sku, safe='')}"

    def _marketplace(self) -> dict[str, str]:
        return {"marketplaceIds": self.credentials.site}

    def put_listing(self, sku: str, body: Mapping[str, Any], issue_locale: str = "") -> Any:
        params = self._marketplace()
        if issue_locale:
            params["issueLocale"] = issue_locale
        resp = self.request(
            "putListingsItem",
            "PUT",
            self._item_path(sku),
            params=params,
            json=body,
            idempotent=True,
        )
        return self.json_of(resp, "putListingsItem")

    def patch_listing(self, sku: str, body: Mapping[str, Any]) -> Any:
        resp = self.request(
            "patchListingsItem",
            "PATCH",
            self._item_path(sku),
            params=self._marketplace(),
            json=body,
            idempotent=True,
        )
        return self.json_of(resp, "patchListingsItem")

    def get_listing(self, sku: str, included: Sequence[str]) -> Any | None:
        params = {**self._marketplace(), "includedData": ",".join(included)}
        resp = self.request(
            "getListingsItem",
            "GET",
            self._item_path(sku),
            params=params,
            idempotent=True,
            allow=(404,),
        )
        if resp.status_code == 404:
            return None
        return self.json_of(resp, "getListingsItem")

    def search_listings(self, skus: Sequence[str], included: Sequence[str]) -> list[Any]:
        """searchListingsItems by SKU identifiers (at most 20 per call, as documented)."""
        items: list[Any] = []
        for start in range(0, len(skus), 20):
            chunk = list(skus[start : start + 20])
            params = {
                **self._marketplace(),
                "identifiers": ",".join(chunk),
                "identifiersType": "SKU",
                "includedData": ",".join(included),
                "pageSize": "20",
            }
            path = f"{LISTINGS}/{quote(self.credentials.seller_id, safe='')}"
            resp = self.request("searchListingsItems", "GET", path, params=params, idempotent=True)
            body = self.json_of(resp, "searchListingsItems")
            items.extend((body.get("items") or []) if isinstance(body, dict) else [])
        return items

    # -- feeds --------------------------------------------------------------------

    def create_feed_document(self, content_type: str) -> Any:
        resp = self.request(
            "createFeedDocument", "POST", f"{FEEDS}/documents", json={"contentType": content_type}
        )
        return self.json_of(resp, "createFeedDocument")

    def upload_document(self, url: str, data: bytes, content_type: str) -> None:
        """PUT the document to the pre-signed URL (no SP-API token: the URL carries auth)."""
        self.request(
            "uploadFeedDocument",
            "PUT",
            url,
            content=data,
            headers={"Content-Type": content_type},
            auth=False,
            idempotent=True,
        )

    def create_feed(self, feed_type: str, document_id: str) -> str:
        resp = self.request(
            "createFeed",
            "POST",
            f"{FEEDS}/feeds",
            json={
                "feedType": feed_type,
                "marketplaceIds": [self.credentials.site],
                "inputFeedDocumentId": document_id,
            },
        )
        body = self.json_of(resp, "createFeed")
        feed_id = body.get("feedId") if isinstance(body, dict) else None
        if not feed_id:
            raise Transient(
                "createFeed answered without a feedId", code="bad_response", details={"body": body}
            )
        return str(feed_id)

    def get_feed(self, feed_id: str, max_wait: float | None = None) -> Any:
        resp = self.request(
            "getFeed",
            "GET",
            f"{FEEDS}/feeds/{quote(feed_id, safe='')}",
            idempotent=True,
            max_wait=max_wait,
        )
        return self.json_of(resp, "getFeed")

    def get_feed_document(self, document_id: str, max_wait: float | None = None) -> Any:
        resp = self.request(
            "getFeedDocument",
            "GET",
            f"{FEEDS}/documents/{quote(document_id, safe='')}",
            idempotent=True,
            max_wait=max_wait,
        )
        return self.json_of(resp, "getFeedDocument")

    def download_document(self, url: str, compression: str | None) -> bytes:
        resp = self.request("downloadFeedDocument", "GET", url, auth=False, idempotent=True)
        data = resp.content
        if compression == "GZIP":
            try:
                data = gzip.decompress(data)
            except OSError as exc:
                raise Transient("feed document is not valid GZIP", code="bad_response") from exc
        return data

    # -- orders -------------------------------------------------------------------

    def search_orders(self, params: Mapping[str, str]) -> Any:
        """Orders API 2026-01-01 searchOrders: up to 100 orders per page, items included."""
        resp = self.request(
            "searchOrders",
            "GET",
            SEARCH_ORDERS,
            params={"marketplaceIds": self.credentials.site, **params},
            idempotent=True,
        )
        return self.json_of(resp, "searchOrders")

    def get_order(self, order_id: str) -> Any | None:
        resp = self.request(
            "getOrder", "GET", f"{ORDERS}/{quote(order_id, safe='')}", idempotent=True, allow=(404,)
        )
        if resp.status_code == 404:
            return None
        return self.json_of(resp, "getOrder")

    def get_order_items(self, order_id: str) -> list[Any]:
        items: list[Any] = []
        next_token: str | None = None
        while True:
            params = {"NextToken": next_token} if next_token else None
            resp = self.request(
                "getOrderItems",
                "GET",
                f"{ORDERS}/{quote(order_id, safe='')}/orderItems",
                params=params,
                idempotent=True,
            )
            body = self.json_of(resp, "getOrderItems")
            payload = body.get("payload") if isinstance(body, dict) else None
            if not isinstance(payload, dict):
                raise Transient(
                    f"getOrderItems {order_id}: answer without payload",
                    code="bad_response",
                    details={"body": body},
                )
            items.extend(payload.get("OrderItems") or [])
            next_token = payload.get("NextToken")
            if not next_token:
                return items

    def confirm_shipment(self, order_id: str, body: Mapping[str, Any]) -> None:
        self.request(
            "confirmShipment",
            "POST",
            f"{ORDERS}/{quote(order_id, safe='')}/shipmentConfirmation",
            json=body,
        )
