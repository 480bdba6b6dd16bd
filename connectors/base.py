"""The one small interface every marketplace connector implements.

Connectors translate and transport only: plain dataclasses in and out, errors
from one tree, no Django imports. The hub decides what to push and when; a
connector decides how to say it on the wire of its marketplace (Amazon SP-API,
eBay Sell APIs, Shopee Open Platform v2, AliExpress IOP, Walmart Marketplace).
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

# --------------------------------------------------------------------------- errors


class ConnectorError(Exception):
    """Base of every error a connector raises; the subclass tells the hub what to do."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        status: int | None = None,
        retry_after: float | None = None,
        details: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.retry_after = retry_after
        self.details = details


class RateLimited(ConnectorError):
    """429 or a throttling answer: retry after ``retry_after`` seconds (or backoff)."""


class AuthFailed(ConnectorError):
    """Credentials refused even after a token refresh: pause the channel, alert a human."""


class Transient(ConnectorError):
    """5xx, timeouts, connection resets: safe to retry with backoff."""


class Rejected(ConnectorError):
    """The marketplace refused the content (4xx validation): fix the listing, don't retry.

    Single-item calls (``upsert_listing``, ``delist``, ``confirm_shipment``,
    ``cancel_order``) raise it with the marketplace's messages in ``details``;
    batch calls (``update_offers``) report per-item refusals as ``ItemResult(ok=False)``
    and raise it only when the whole request was refused.
    """


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class RateLimit:
    """A documented limit: ``rate`` requests per second with ``burst`` capacity."""

    rate: float
    burst: int


@dataclass(frozen=True)
class AccountCredentials:
    """What a connector needs to act for one seller account on one site."""

    marketplace: str  # "amazon" | "ebay" | "shopee" | "aliexpress" | "walmart"
    site: str  # e.g. Amazon marketplace id "ATVPDKIKX0DER", eBay "EBAY_DE", Shopee shop id
    client_id: str = ""
    client_secret: str = ""
    refresh_token: str = ""
    seller_id: str = ""
    endpoint: str = ""  # API base URL (the loopback sandbox in demo and tests)
    auth_endpoint: str = ""  # token URL when it differs from endpoint
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ListingPayload:
    """A full listing: what the merchant publishes for one variant on one site."""

    sku: str
    title: str
    description: str
    language: str  # BCP 47 of the site, e.g. "en-US", "de-DE"
    price: Decimal
    currency: str
    quantity: int
    category_id: str = ""
    product_type: str = ""
    brand: str = ""
    ean: str = ""
    condition: str = "new"
    attributes: dict[str, Any] = field(default_factory=dict)
    image_urls: tuple[str, ...] = ()
    weight_grams: int | None = None
    external_id: str = ""  # offer id / item id when the marketplace already knows it


@dataclass(frozen=True)
class OfferUpdate:
    """A price and/or quantity change for one SKU (None leaves that part alone)."""

    sku: str
    price: Decimal | None = None
    currency: str = ""
    quantity: int | None = None
    external_id: str = ""


@dataclass(frozen=True)
class ItemResult:
    sku: str
    ok: bool
    external_id: str = ""
    messages: tuple[str, ...] = ()
    code: str = ""  # the marketplace's own error code when not ok


@dataclass(frozen=True)
class BatchResult:
    results: tuple[ItemResult, ...]
    submission_id: str = ""  # feed id / batch id, for the audit trail

    @property
    def failed(self) -> tuple[ItemResult, ...]:
        return tuple(r for r in self.results if not r.ok)


@dataclass(frozen=True)
class RemoteOffer:
    """What the marketplace says it shows now (read-back reconciliation)."""

    sku: str
    price: Decimal | None
    currency: str
    quantity: int | None
    status: str = ""
    external_id: str = ""


class RemoteOrderStatus(StrEnum):
    PENDING = "pending"  # not yet payable/shippable (Amazon Pending, Shopee UNPAID)
    UNSHIPPED = "unshipped"  # paid, waiting for us
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    CANCELED = "canceled"


@dataclass(frozen=True)
class RemoteAddress:
    name: str = ""
    line1: str = ""
    line2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = ""  # ISO 3166-1 alpha-2
    phone: str = ""


@dataclass(frozen=True)
class RemoteOrderLine:
    external_line_id: str
    sku: str
    quantity: int
    unit_price: Decimal
    currency: str
    title: str = ""
    ean: str = ""


@dataclass(frozen=True)
class RemoteOrder:
    external_id: str
    status: RemoteOrderStatus
    raw_status: str
    created_at: datetime
    updated_at: datetime
    currency: str
    total: Decimal
    lines: tuple[RemoteOrderLine, ...]
    buyer_email: str = ""
    buyer_name: str = ""
    shipping_address: RemoteAddress | None = None
    shipping_price: Decimal = Decimal(0)
    site: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class OrderError:
    """An order the marketplace returned that could not be read (bad payload).

    Nothing is dropped silently: the hub records it (held order, admin error)
    and the rest of the page still imports.
    """

    external_id: str
    message: str
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class OrderPage:
    orders: tuple[RemoteOrder, ...]
    next_cursor: str | None = None  # None: no more pages for this window
    # Where the marketplace really cut the window (Amazon answers ``LastUpdatedBefore``);
    # advance the import cursor no further than this. None: the requested end (or now).
    window_end: datetime | None = None
    errors: tuple[OrderError, ...] = ()  # unreadable orders of this page


@dataclass(frozen=True)
class Shipment:
    external_order_id: str
    carrier: str
    tracking_number: str
    shipped_at: datetime
    lines: tuple[tuple[str, int], ...] = ()  # (external line id, quantity); empty = all
    service: str = ""
    tracking_url: str = ""


class CancelReason(StrEnum):
    """Why the seller cancels; each connector maps it to its marketplace's code.

    A connector also accepts its marketplace's own code as a plain string.
    """

    OUT_OF_STOCK = "out_of_stock"
    BUYER_REQUESTED = "buyer_requested"
    ADDRESS_UNDELIVERABLE = "address_undeliverable"
    PRICING_ERROR = "pricing_error"
    OTHER = "other"


@dataclass(frozen=True)
class TokenStatus:
    """Health of one account's access token (for the channel health page)."""

    state: str  # "valid" | "expired" | "none" (never fetched) | "failed"
    expires_at: datetime | None = None
    refreshed_at: datetime | None = None
    refresh_count: int = 0
    last_error: str = ""


# --------------------------------------------------------------------------- interface


class Connector(abc.ABC):
    """One seller account on one marketplace site."""

    name: str = ""
    bulk_limit: int = 1  # most updates one bulk call takes
    rate_limits: dict[str, RateLimit] = {}  # operation -> documented limit

    def __init__(self, credentials: AccountCredentials) -> None:
        self.credentials = credentials

    @abc.abstractmethod
    def upsert_listing(self, listing: ListingPayload) -> ItemResult:
        """Create or fully replace one listing."""

    @abc.abstractmethod
    def update_offers(self, updates: Sequence[OfferUpdate]) -> BatchResult:
        """Push price/quantity changes, at most ``bulk_limit`` per call; per-item results."""

    @abc.abstractmethod
    def delist(self, sku: str, external_id: str = "") -> ItemResult:
        """Stop selling (withdraw / unlist / retire), keeping the item for relisting."""

    @abc.abstractmethod
    def fetch_offers(self, skus: Sequence[str]) -> list[RemoteOffer]:
        """Read back what the marketplace shows for these SKUs (missing SKUs absent)."""

    @abc.abstractmethod
    def fetch_orders(
        self,
        updated_after: datetime,
        updated_before: datetime | None = None,
        cursor: str | None = None,
    ) -> OrderPage:
        """Orders created or changed in the window, one page at a time."""

    @abc.abstractmethod
    def acknowledge_order(self, external_id: str) -> None:
        """Tell the marketplace the order reached the seller's system (where it asks)."""

    @abc.abstractmethod
    def confirm_shipment(self, shipment: Shipment) -> None:
        """Mark shipped with carrier and tracking number."""

    @abc.abstractmethod
    def cancel_order(
        self, external_id: str, reason: str, lines: Sequence[tuple[str, int]] = ()
    ) -> None:
        """Cancel (e.g. out of stock) with a marketplace reason code."""

    # ------------------------------------------------------------ optional hooks

    def token_status(self) -> TokenStatus | None:
        """The access token's state without calling the marketplace (None: not tracked)."""
        return None

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release pooled connections; the connector must not be used afterwards."""

    def __enter__(self) -> Connector:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
