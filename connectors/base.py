"""The one small interface every marketplace connector implements.

Connectors translate and transport only: plain dataclasses in and out, errors
from one tree, no Django imports. The hub decides what to push and when; a
connector decides how to say it on the wire of its marketplace (Amazon SP-API,
eBay Sell APIs, Shopee Open Platform v2, AliExpress IOP, Walmart Marketplace).

What differs between those five and still fits here (connectors/README.md maps
each marketplace onto this interface):

- refresh tokens that rotate on every refresh (Shopee, AliExpress): the refresh
  goes through the hub's :class:`TokenStore`, which serialises it across
  processes and persists the new refresh token (:class:`TokenGrant`);
- stock per warehouse location (Shopee ``location_id``, Walmart ship nodes, eBay
  merchant locations, Amazon supply sources): :class:`LocationQuantity`;
- bulk updates that the marketplace processes later (Amazon and Walmart feeds):
  :class:`Submission` in :attr:`BatchResult.pending`, polled with
  :meth:`Connector.poll_submission`;
- order states, buyer cancel requests, marketplace-fulfilled orders, per-line
  shipped/cancelled quantities (:class:`RemoteOrder`), seller cancel reasons
  (:class:`CancelReason`) and how much of an order can be cancelled
  (:class:`CancelScope`);
- shipment confirmation per package with canonical carrier codes
  (:class:`Shipment`, ``connectors/carriers.py``) and what the marketplace made of
  it (:class:`ShipmentConfirmation`).

Request signing (AliExpress, Shopee) is transport, not interface: see the
``sign`` hook of ``connectors.http.ApiClient``.
"""

from __future__ import annotations

import abc
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
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
    batch calls (``update_offers``, ``poll_submission``) report per-item refusals as
    ``ItemResult(ok=False)`` and raise it only when the whole request was refused.
    """


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class RateLimit:
    """A documented limit: ``rate`` requests per second with ``burst`` capacity."""

    rate: float
    burst: int


@dataclass(frozen=True)
class AccountCredentials:
    """What a connector needs to act for one seller account on one site.

    ``refresh_token`` is where the account's authorisation starts; when a
    :class:`TokenStore` is given to the connector, the store's copy wins (it may
    have been rotated since these credentials were read).
    """

    marketplace: str  # "amazon" | "ebay" | "shopee" | "aliexpress" | "walmart"
    site: str  # e.g. Amazon marketplace id "ATVPDKIKX0DER", eBay "EBAY_DE", Shopee region "SG"
    client_id: str = ""  # LWA client id, eBay App ID, Shopee partner_id, AliExpress app_key
    client_secret: str = ""  # ... client secret, Cert ID, partner_key, app_secret
    refresh_token: str = ""  # empty for client-credentials grants (Walmart direct sellers)
    seller_id: str = ""  # Amazon seller id, eBay user, Shopee shop_id, AliExpress seller id
    endpoint: str = ""  # API base URL (the loopback sandbox in demo and tests)
    auth_endpoint: str = ""  # token URL when it differs from endpoint
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TokenGrant:
    """What one token refresh brought back.

    ``refresh_token`` is set when the marketplace issued a new one (Shopee and
    AliExpress do on every refresh; the old one stops working): it must be
    persisted before anything else happens, or the account needs re-authorising.
    """

    access_token: str
    expires_in: float  # seconds
    refresh_token: str = ""  # the rotated refresh token; "" when it did not change
    refresh_expires_in: float | None = None  # seconds the refresh token stays valid, if said


class TokenStore(abc.ABC):
    """The durable, cross-process home of one account's refresh token.

    The hub implements it over the account's encrypted credentials. Connectors
    refresh only through :meth:`refresh`, so refreshes of one account never run
    concurrently anywhere (a rotating refresh token used twice kills the
    authorisation) and a rotated token is never lost.
    """

    @abc.abstractmethod
    def refresh(self, exchange: Callable[[str], TokenGrant]) -> TokenGrant:
        """Hold the account's lock, call ``exchange(current refresh token)``, persist
        ``grant.refresh_token`` if it changed, and return the grant.

        ConnectorErrors from ``exchange`` pass through unchanged (nothing persisted).
        """


@dataclass(frozen=True)
class LocationQuantity:
    """Units at one of the seller's locations as the marketplace names it.

    ``location_id`` is the marketplace's id: eBay ``merchantLocationKey``, Shopee
    ``location_id``, Walmart ``shipNode``, Amazon supply source
    (``fulfillment_channel_code``), AliExpress warehouse code.
    """

    location_id: str
    quantity: int


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
    # Per-location split of ``quantity`` (sums to it); empty: the account's default location.
    locations: tuple[LocationQuantity, ...] = ()
    # Variations: SKUs sharing a ``group_sku`` form one listing with variations (eBay
    # inventory item group, Shopee models, AliExpress SKUs, Walmart variant group,
    # Amazon parent/child); ``variation`` names this SKU's values, e.g. {"Colour": "Blue"}.
    group_sku: str = ""
    variation: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OfferUpdate:
    """A price and/or quantity change for one SKU (None leaves that part alone).

    ``quantity`` is the total; ``locations`` optionally splits it per location
    (then ``quantity`` may be None, meaning their sum; when both are given they
    must agree, or the update fails with code ``invalid_update``).
    """

    sku: str
    price: Decimal | None = None
    currency: str = ""
    quantity: int | None = None
    external_id: str = ""
    locations: tuple[LocationQuantity, ...] = ()

    @property
    def total_quantity(self) -> int | None:
        """The quantity to show buyers: ``quantity``, else the sum of ``locations``."""
        if self.quantity is not None or not self.locations:
            return self.quantity
        return sum(loc.quantity for loc in self.locations)


@dataclass(frozen=True)
class ItemResult:
    sku: str  # the SKU; for order actions polled through a Submission, the order id
    ok: bool
    external_id: str = ""
    messages: tuple[str, ...] = ()
    code: str = ""  # the marketplace's own error code when not ok


@dataclass(frozen=True)
class Submission:
    """Work the marketplace accepted and finishes later (Amazon and Walmart feeds).

    Pass it to :meth:`Connector.poll_submission` no sooner than ``poll_after``
    seconds. ``keys`` are the SKUs (or order ids) whose outcome it will report;
    ``state`` is the connector's own, JSON-serialisable, so a hub may keep a
    submission across processes.
    """

    id: str
    operation: str  # the connector method that submitted it: "update_offers", "cancel_order"
    keys: tuple[str, ...]
    poll_after: float = 5.0
    state: Mapping[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class BatchResult:
    """Per-item outcome of a batch: every key of the request is in exactly one of
    ``results`` (settled) or one ``pending`` submission (outcome later)."""

    results: tuple[ItemResult, ...]
    submission_id: str = ""  # feed id / batch id, for the audit trail
    pending: tuple[Submission, ...] = ()

    @property
    def failed(self) -> tuple[ItemResult, ...]:
        return tuple(r for r in self.results if not r.ok)

    @property
    def complete(self) -> bool:
        return not self.pending


@dataclass(frozen=True)
class RemoteOffer:
    """What the marketplace says it shows now (read-back reconciliation)."""

    sku: str
    price: Decimal | None
    currency: str
    quantity: int | None
    status: str = ""
    external_id: str = ""
    locations: tuple[LocationQuantity, ...] = ()  # per-location quantities, when shown


class RemoteOrderStatus(StrEnum):
    """Where an order stands, in the words every marketplace's states map onto.

    A buyer's pending cancel request is not a state (``RemoteOrder.cancel_requested``);
    neither are returns and refunds after delivery (``raw_status`` keeps them).
    """

    PENDING = "pending"  # not payable/shippable yet (Amazon Pending, Shopee UNPAID)
    UNSHIPPED = "unshipped"  # paid, waiting for the seller (Walmart Created/Acknowledged)
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"  # every unit left (Shopee SHIPPED/TO_CONFIRM_RECEIVE)
    DELIVERED = "delivered"  # the buyer has it (Walmart Delivered, Shopee COMPLETED)
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
    shipped_quantity: int = 0  # units of this line the marketplace knows as shipped
    canceled_quantity: int = 0  # units cancelled (``quantity`` is what is still ordered)
    location_id: str = ""  # the seller location the marketplace assigned (Shopee, Walmart)


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
    # The buyer asked to cancel and the seller has to answer (Shopee IN_CANCEL, Amazon
    # IsBuyerRequestedCancel, eBay CANCEL_REQUESTED, Walmart intentToCancel): don't ship.
    cancel_requested: bool = False
    # Fulfilled from the marketplace's own stock (Amazon AFN, Walmart WFS): not ours to
    # allocate or ship.
    fulfilled_by_marketplace: bool = False
    ship_by: datetime | None = None  # latest ship date the marketplace holds the seller to


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
    """One package of an order that left: confirm it to the marketplace.

    ``carrier`` is a code of ``connectors.carriers.Carrier`` (case and common
    spellings are forgiven) or the marketplace's own carrier code; any other
    name goes as the marketplace's "other carrier" with ``carrier_name`` (or
    ``carrier``) as its name where the marketplace allows that, else Rejected.
    """

    external_order_id: str
    carrier: str
    tracking_number: str
    shipped_at: datetime
    lines: tuple[tuple[str, int], ...] = ()  # (external line id, quantity); empty = all
    service: str = ""  # shipping method / service level, e.g. "Standard"
    tracking_url: str = ""
    # The seller's id of this package within the order; several confirmations of one
    # order need different ones (Amazon packageReferenceId; Shopee package_number).
    package_id: str = ""
    carrier_name: str = ""  # free-text carrier name for "other" carriers
    ship_from: str = ""  # location id it left from (Amazon supply source, Walmart ship node)


@dataclass(frozen=True)
class ShipmentConfirmation:
    """What the marketplace recorded for a shipment (audit trail; Shopee's integrated
    logistics assign their own tracking number)."""

    external_order_id: str
    package_id: str = ""
    carrier: str = ""  # the marketplace's carrier code that was sent
    tracking_number: str = ""
    fulfillment_id: str = ""  # eBay fulfillment id and the like


class CancelReason(StrEnum):
    """Why the seller cancels; each connector maps it to its marketplace's code.

    A connector also accepts its marketplace's own code as a plain string, and
    refuses (Rejected, code ``invalid_reason``) a reason its marketplace has no
    word for.
    """

    OUT_OF_STOCK = "out_of_stock"
    BUYER_REQUESTED = "buyer_requested"
    ADDRESS_UNDELIVERABLE = "address_undeliverable"
    PRICING_ERROR = "pricing_error"
    FRAUD_SUSPECTED = "fraud_suspected"
    PAYMENT_METHOD_UNSUPPORTED = "payment_method_unsupported"  # e.g. cash on delivery
    OTHER = "other"


class CancelScope(StrEnum):
    """The finest part of an order the seller can cancel on a marketplace."""

    NONE = "none"  # no seller cancellation through the API
    ORDER = "order"  # whole orders only (eBay, Shopee)
    LINE = "line"  # whole lines (Amazon items)
    QUANTITY = "quantity"  # some units of a line (Walmart)


@dataclass(frozen=True)
class TokenStatus:
    """Health of one account's access token (for the channel health page)."""

    state: str  # "valid" | "expired" | "none" (never fetched) | "failed"
    expires_at: datetime | None = None
    refreshed_at: datetime | None = None
    refresh_count: int = 0
    last_error: str = ""
    refresh_expires_at: datetime | None = None  # when the refresh token itself runs out


# --------------------------------------------------------------------------- interface


class Connector(abc.ABC):
    """One seller account on one marketplace site."""

    name: str = ""
    bulk_limit: int = 1  # most updates one bulk call takes
    rate_limits: dict[str, RateLimit] = {}  # operation -> documented limit
    cancel_scope: CancelScope = CancelScope.ORDER
    # Longest updated-after..before window one fetch_orders may span (Shopee: 15 days);
    # longer windows are cut and ``OrderPage.window_end`` says where. None: no limit.
    max_order_window: float | None = None  # seconds

    def __init__(self, credentials: AccountCredentials) -> None:
        self.credentials = credentials

    @abc.abstractmethod
    def upsert_listing(self, listing: ListingPayload) -> ItemResult:
        """Create or fully replace one listing."""

    @abc.abstractmethod
    def update_offers(self, updates: Sequence[OfferUpdate]) -> BatchResult:
        """Push price/quantity changes, at most ``bulk_limit`` per call; per-item results.

        Updates the marketplace processes later come back in ``pending``.
        """

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
    def confirm_shipment(self, shipment: Shipment) -> ShipmentConfirmation | None:
        """Mark one package shipped with carrier and tracking number."""

    @abc.abstractmethod
    def cancel_order(
        self, external_id: str, reason: str, lines: Sequence[tuple[str, int]] = ()
    ) -> Submission | None:
        """Cancel (e.g. out of stock) with a :class:`CancelReason` or marketplace code.

        ``lines``: (external line id, quantity) to cancel part of the order, as far
        as ``cancel_scope`` allows; empty: the whole order. None when done; a
        :class:`Submission` when the marketplace decides later (Amazon's feed).
        """

    # ------------------------------------------------------------ optional hooks

    def poll_submission(self, submission: Submission) -> BatchResult:
        """The outcome of a submission so far: settled keys in ``results``, the rest in
        ``pending`` (the same or a follow-up submission). Not being done yet is no error.
        """
        raise Rejected(
            f"{self.name or type(self).__name__} made no asynchronous submissions",
            code="unknown_submission",
        )

    def wait_for(
        self,
        result: BatchResult,
        *,
        timeout: float = 900.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        poll: Callable[[Submission], BatchResult] | None = None,
    ) -> BatchResult:
        """Poll ``result``'s pending submissions until every key is settled.

        Holds the calling thread meanwhile; ``sleep`` and ``poll`` let a caller do
        its housekeeping around the waits and the polls (the hub renews its leases
        and logs each poll). Throttled or failed polls are tried again; running out
        of ``timeout`` raises Transient (code ``submission_timeout``, the submission
        id in ``details``): resubmitting absolute values is safe.
        """
        poll = poll or self.poll_submission
        results = list(result.results)
        pending = list(result.pending)
        deadline = clock() + timeout
        while pending:
            submission = pending.pop(0)
            delay = max(0.0, submission.poll_after)
            if clock() + delay > deadline:
                raise Transient(
                    f"submission {submission.id} not processed within {timeout:g} s",
                    code="submission_timeout",
                    details={"submission": submission.id},
                )
            sleep(delay)
            try:
                polled = poll(submission)
            except (RateLimited, Transient) as exc:
                wait = exc.retry_after if exc.retry_after is not None else submission.poll_after
                pending.insert(0, _later(submission, wait))
                continue
            results.extend(polled.results)
            pending.extend(polled.pending)
        return BatchResult(results=tuple(results), submission_id=result.submission_id)

    def token_status(self) -> TokenStatus | None:
        """The access token's state without calling the marketplace (None: not tracked)."""
        return None

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release pooled connections; the connector must not be used afterwards."""

    def __enter__(self) -> Connector:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _later(submission: Submission, seconds: float) -> Submission:
    return replace(submission, poll_after=max(0.0, float(seconds)))
