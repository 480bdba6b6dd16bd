"""Order import from marketplaces, later status changes, and ship confirmation.

Polling is incremental per account by the marketplace's last-updated time, each
window overlapping the previous one so late-indexed orders are not missed; the
unique (account, external id) import record and the unique (channel, external
id) order make a second sighting harmless. Each order is imported in its own
transaction: a bad one is held with a clear error and the rest go on.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from commerce.catalog.models import ProductVariant
from commerce.inventory.errors import InsufficientStock, InventoryError
from commerce.orders.errors import OrderError, OrderErrorCode
from commerce.orders.models import Order, OrderEvent, OrderLine, OrderOrigin, OrderStatus
from commerce.orders.services import OrderInput, OrderLineInput, order_cancel, order_create
from connectors.base import AuthFailed, ConnectorError, RemoteOrder, RemoteOrderStatus

from .. import clock, hooks
from ..connectors import connector_for, rate_limit_for
from ..errors import HubError, HubErrorCode
from ..models import (
    AccountStatus,
    AlertKind,
    AlertSeverity,
    ImportStatus,
    Listing,
    MarketplaceAccount,
    OrderImport,
    OutboxEntry,
    OutboxKind,
    OutboxStatus,
    OversellPolicy,
    SyncLog,
)
from ..ratelimit import TokenBucket
from ..serialization import remote_order_from_json, remote_order_to_json
from .accounts import account_pause
from .alerts import alert_raise, alert_resolve
from .outbox import outbox_enqueue_order

logger = logging.getLogger(__name__)

MAX_AMOUNT = Decimal(10) ** 16  # what the order's money columns (20 digits, 3 places) hold
OUT_OF_STOCK_REASON = "out_of_stock"


@dataclass
class PollReport:
    fetched: int = 0
    received: int = 0  # new orders and new versions of known ones, stored for processing
    imported: int = 0
    held: int = 0
    canceled: int = 0
    oversold: int = 0
    unchanged: int = 0
    errors: int = 0

    def count(self, outcome: str) -> None:
        name = outcome if outcome in ("imported", "held", "canceled", "oversold") else "unchanged"
        setattr(self, name, getattr(self, name) + 1)


class _Hold(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def held_alert_key(record_id: int) -> str:
    return f"order_held:{record_id}"


# --------------------------------------------------------------------------- polling
#
# Two steps, like the outbox in reverse (an inbox): polling stores every order of
# the window as an import record (new orders and newer versions of known ones) and
# only then moves the cursor; processing turns records into orders, one record per
# transaction, claimed with SKIP LOCKED so several workers share a backlog. A worker
# that dies mid-order rolls back and leaves the record to be processed again.


def orders_poll(account_id: int | None = None) -> PollReport:
    """Poll every active account (or one) for new and changed orders, then process them."""
    report = PollReport()
    accounts = MarketplaceAccount.objects.filter(status=AccountStatus.ACTIVE).select_related("channel")
    if account_id is not None:
        accounts = accounts.filter(pk=account_id)
    for account in accounts:
        try:
            account_orders_poll(account, report)
        except Exception:
            logger.exception("order poll of account %s failed", account.pk)
            report.errors += 1
    return report


def account_orders_poll(account: MarketplaceAccount, report: PollReport | None = None, *,
                        process: bool = True) -> PollReport:
    """One window, from the cursor minus the overlap up to now, every page.

    The cursor moves only when every order of the window is stored, so nothing is
    skipped if the poll dies half-way. Processing is fanned out to workers and also
    done here.
    """
    report = report or PollReport()
    try:
        connector = connector_for(account)
    except HubError as exc:
        MarketplaceAccount.objects.filter(pk=account.pk).update(last_error=exc.message)
        report.errors += 1
        return report
    except AuthFailed as exc:  # incomplete credentials
        account_pause(account, exc.message or str(exc), alert=True)
        report.errors += 1
        return report
    started_at = clock.now()
    lookback = timedelta(seconds=int(getattr(settings, "HUB_ORDERS_INITIAL_LOOKBACK", 86400)))
    since = (account.orders_cursor or started_at - lookback) - timedelta(
        seconds=account.orders_overlap_seconds)
    bucket = TokenBucket(account.pk, "fetch_orders", rate_limit_for(account, "fetch_orders",
                                                                     connector))
    cursor: str | None = None
    complete = False
    window_end: datetime | None = None  # where the marketplace cut the window, if it did
    for _page in range(int(getattr(settings, "HUB_ORDERS_MAX_PAGES", 10000))):
        bucket.acquire(1, max_wait=3600)
        began = clock.monotonic()
        try:
            page = connector.fetch_orders(since, None, cursor)
        except AuthFailed as exc:
            account_pause(account, exc.message or str(exc), alert=True)
            report.errors += 1
            break
        except ConnectorError as exc:
            SyncLog.objects.create(account=account, operation="fetch_orders", ok=False,
                                   error_class=type(exc).__name__, message=str(exc)[:2000],
                                   duration_ms=int((clock.monotonic() - began) * 1000))
            report.errors += 1
            break  # the cursor stays: the next poll redoes this window
        SyncLog.objects.create(account=account, operation="fetch_orders", items=len(page.orders),
                               duration_ms=int((clock.monotonic() - began) * 1000))
        report.fetched += len(page.orders)
        report.received += orders_receive(account, page.orders, report)
        if page.window_end is not None:
            window_end = min(window_end or page.window_end, page.window_end)
        if not page.next_cursor:
            complete = True
            break
        cursor = page.next_cursor
    update: dict[str, Any] = {"orders_polled_at": clock.now()}
    if complete:
        # A marketplace may cut the window (Amazon's LastUpdatedBefore, Shopee's 15 days):
        # the next poll goes on from there.
        update["orders_cursor"] = min(started_at, window_end) if window_end else started_at
    MarketplaceAccount.objects.filter(pk=account.pk).update(**update)
    if process:
        fanout = int(getattr(settings, "HUB_ORDERS_PROCESS_FANOUT", 3))
        if report.received > fanout * 10 and getattr(settings, "HUB_SYNC_AUTODRAIN", True):
            _fan_out(account.pk, fanout)
        orders_process(account.pk, report=report)
    return report


def _fan_out(account_id: int, workers: int) -> None:
    """Let other workers take part in a big backlog (they share it through SKIP LOCKED)."""
    try:
        from ..tasks import orders_process as task

        for _n in range(workers):
            task.delay(account_id)
    except Exception:
        logger.warning("could not fan out order processing", exc_info=True)


def orders_receive(account: MarketplaceAccount, remotes: Sequence[RemoteOrder],
                   report: PollReport | None = None) -> int:
    """Store a page of marketplace orders as import records; returns records to process.

    New orders are inserted, newer versions of known ones replace the payload
    (older or equal versions arriving late are ignored), held records are retried.
    """
    report = report or PollReport()
    valid: dict[str, tuple[RemoteOrder, dict]] = {}
    for remote in remotes:
        external_id = str(getattr(remote, "external_id", "") or "").strip()
        try:
            if not external_id or len(external_id) > 128:
                raise ValueError("missing or oversized external id")
            payload = remote_order_to_json(remote)
        except Exception:
            logger.exception("account %s: unusable order in a page: %r", account.pk,
                             repr(remote)[:500])
            report.errors += 1
            continue
        previous = valid.get(external_id)
        if previous is None or remote.updated_at >= previous[0].updated_at:
            valid[external_id] = (remote, payload)
    if not valid:
        return 0
    with transaction.atomic():
        existing = {
            r.external_id: r for r in OrderImport.objects.filter(
                account=account, external_id__in=list(valid)).only(
                "pk", "external_id", "remote_updated_at", "remote_status", "status",
                "needs_processing")
        }
        fresh = [OrderImport(account=account, external_id=ext, payload=payload,
                             remote_status=remote.status.value,
                             remote_updated_at=remote.updated_at, status=ImportStatus.RECEIVED,
                             needs_processing=True)
                 for ext, (remote, payload) in valid.items() if ext not in existing]
        OrderImport.objects.bulk_create(fresh, ignore_conflicts=True)
        changed = len(fresh)
        for ext, record in existing.items():
            remote, payload = valid[ext]
            seen = record.remote_updated_at
            newer = seen is None or remote.updated_at > seen or (
                # Second-precision timestamps (Amazon): a cancellation in the same second
                # as the last version still has to be applied; a status only moves forward.
                remote.updated_at == seen
                and _STATUS_RANK.get(remote.status.value, 0)
                > _STATUS_RANK.get(record.remote_status, 0))
            if not newer and not (record.status == ImportStatus.HELD and remote.updated_at == seen):
                continue  # the same or an older version: nothing new to apply
            changed += OrderImport.objects.filter(pk=record.pk).update(
                payload=payload, remote_status=remote.status.value,
                remote_updated_at=max(remote.updated_at, seen) if seen else remote.updated_at,
                needs_processing=True)
    return changed


_STATUS_RANK = {
    RemoteOrderStatus.PENDING.value: 1,
    RemoteOrderStatus.UNSHIPPED.value: 2,
    RemoteOrderStatus.PARTIALLY_SHIPPED.value: 3,
    RemoteOrderStatus.SHIPPED.value: 4,
    RemoteOrderStatus.DELIVERED.value: 5,
    RemoteOrderStatus.CANCELED.value: 6,
}
_LEFT = (RemoteOrderStatus.SHIPPED, RemoteOrderStatus.DELIVERED)


def orders_process(account_id: int | None = None, *, limit: int | None = None,
                   report: PollReport | None = None) -> PollReport:
    """Turn received import records into orders, one record per transaction.

    What every order of a backlog needs to read (SKU → variant mappings) is read for
    the records coming up at once (``_Lookups``); each record is still claimed, applied
    and committed on its own.
    """
    report = report or PollReport()
    done = 0
    lookups = _Lookups()
    while limit is None or done < limit:
        if lookups.expired():
            lookups = _Lookups()
        outcome = _process_next(account_id, report, lookups)
        if outcome is None:
            break
        done += 1
    return report


def _process_next(account_id: int | None, report: PollReport,
                  lookups: _Lookups | None = None) -> str | None:
    qs = OrderImport.objects.filter(needs_processing=True)
    if account_id is not None:
        qs = qs.filter(account_id=account_id)
    lookups = lookups or _Lookups()
    record_id = None
    try:
        with transaction.atomic():
            # The head of the queue (an index in this order), no joins: the account comes
            # from the run's lookups, an existing order only when there is one.
            record = (qs.select_for_update(skip_locked=True)
                      .order_by("remote_updated_at", "pk").first())
            if record is None:
                return None
            record_id = record.pk
            record.account = lookups.account(record.account_id)
            outcome = _process(record, lookups)
    except Exception as exc:
        if record_id is None:
            raise
        logger.exception("order import record %s failed", record_id)
        report.errors += 1
        _record_crash(record_id, exc)
        return "held"
    report.count(outcome)
    return outcome


# What processing changes on a record (the payload and the marketplace's status and time
# are written by orders_receive).
_PROCESSED_FIELDS = ["status", "needs_processing", "order", "error_code", "error_message",
                     "attempts", "updated_at"]


def _process(record: OrderImport, lookups: _Lookups | None = None) -> str:
    """Apply the record's payload (the latest version the marketplace sent). Row locked."""
    try:
        remote = remote_order_from_json(record.payload)
    except (KeyError, ValueError, TypeError) as exc:
        record.status = ImportStatus.HELD
        record.error_code = HubErrorCode.INVALID_PAYLOAD.value
        record.error_message = _("The marketplace sent an unreadable order: %(e)s") % {"e": exc}
        record.needs_processing = False
        record.save(update_fields=_PROCESSED_FIELDS)
        _hold_alert(record.account, record)
        return "held"
    was_held = record.status == ImportStatus.HELD
    record.attempts += 1
    outcome = _apply(record.account, record, remote, lookups)
    if was_held and record.status != ImportStatus.HELD:
        alert_resolve(held_alert_key(record.pk))
    record.needs_processing = False
    record.save(update_fields=_PROCESSED_FIELDS)
    return outcome


def _record_crash(record_id: int, exc: Exception) -> None:
    """Processing blew up (a bug, a database error): hold the record with the error so it
    shows in admin and is not retried in a loop; re-processing is one admin action."""
    with transaction.atomic():
        record = OrderImport.objects.select_for_update(of=("self",)).select_related(
            "account__channel").get(pk=record_id)
        if record.order_id and record.status == ImportStatus.IMPORTED:
            record.needs_processing = False
            record.save(update_fields=["needs_processing", "updated_at"])
            return
        record.status = ImportStatus.HELD
        record.needs_processing = False
        record.error_code = HubErrorCode.INVALID_PAYLOAD.value
        record.error_message = _("Import failed: %(error)s") % {
            "error": f"{type(exc).__name__}: {exc}"[:1000]}
        record.save()
        _hold_alert(record.account, record)


# --------------------------------------------------------------------------- one order


def order_import_remote(account: MarketplaceAccount, remote: RemoteOrder, *,
                        force: bool = False) -> tuple[OrderImport, str]:
    """Receive one marketplace order and process it now (webhooks, re-processing, tests).

    Returns the import record and what happened: imported, held, canceled,
    oversold, waiting, updated, skipped, stale or unchanged. Safe to call twice.
    """
    external_id = str(remote.external_id or "").strip()
    if not external_id or len(external_id) > 128:
        raise HubError(_("The marketplace sent an order without a usable id."),
                       code=HubErrorCode.INVALID_PAYLOAD, field="external_id")
    orders_receive(account, [remote])
    with transaction.atomic():
        record = OrderImport.objects.select_for_update(of=("self",)).select_related(
            "account__channel", "order").get(account=account, external_id=external_id)
        if force:
            record.payload = remote_order_to_json(remote)
            record.needs_processing = True
            record.save(update_fields=["payload", "updated_at"])
        if not record.needs_processing:
            stale = record.remote_updated_at and remote.updated_at < record.remote_updated_at
            return record, "stale" if stale else "unchanged"
        return record, _process(record)


def _apply(account: MarketplaceAccount, record: OrderImport, remote: RemoteOrder,
           lookups: _Lookups | None = None) -> str:
    order = record.order
    if remote.status == RemoteOrderStatus.CANCELED:
        if order is None:
            record.status = ImportStatus.CANCELED
            _clear_hold(record)
            return "canceled"
        _cancel_local(account, order, _("Canceled on the marketplace."))
        alert_resolve(f"cancel_requested:{order.pk}")
        return "canceled"
    if order is not None:
        Order.objects.filter(pk=order.pk).update(external_updated_at=remote.updated_at)
        if remote.status in _LEFT and order.status != OrderStatus.FULFILLED:
            OrderEvent.objects.create(order=order, type="marketplace_status",
                                      message=_("The marketplace reports it shipped."),
                                      parameters={"status": remote.raw_status})
        if remote.cancel_requested:
            _note_cancel_request(account, order, remote)
        else:  # answered (refused) on the marketplace, or never asked
            alert_resolve(f"cancel_requested:{order.pk}")
        return "updated"
    if remote.fulfilled_by_marketplace:
        record.status = ImportStatus.SKIPPED
        record.error_code = "marketplace_fulfilled"
        record.error_message = _("Fulfilled by the marketplace from its own stock; "
                                 "no stock was allocated.")
        return "skipped"
    if remote.status == RemoteOrderStatus.PENDING:
        record.status = ImportStatus.WAITING
        return "waiting"
    if remote.status in _LEFT:
        record.status = ImportStatus.SKIPPED
        record.error_code = "shipped_before_import"
        record.error_message = _("Shipped on the marketplace before the hub saw it; "
                                 "no stock was allocated.")
        return "skipped"
    try:
        order, outcome = _create_order(account, remote, lookups)
    except _Hold as hold:
        record.status = ImportStatus.HELD
        record.error_code = hold.code
        record.error_message = hold.message
        _hold_alert(account, record)
        return "held"
    record.order = order
    record.status = ImportStatus.IMPORTED
    _clear_hold(record)
    outbox_enqueue_order(order, account.pk, OutboxKind.ORDER_ACK, "import")
    if remote.cancel_requested:
        _note_cancel_request(account, order, remote)
    return outcome


def _note_cancel_request(account: MarketplaceAccount, order: Order, remote: RemoteOrder) -> None:
    """The buyer asked to cancel: the seller answers on the marketplace, and must not ship."""
    if order.status == OrderStatus.CANCELED:
        return
    if not OrderEvent.objects.filter(order=order, type="marketplace_cancel_requested").exists():
        OrderEvent.objects.create(
            order=order, type="marketplace_cancel_requested",
            message=_("The buyer asked to cancel this order on the marketplace: accept or "
                      "refuse it there before shipping."),
            parameters={"status": remote.raw_status})
    alert_raise(
        AlertKind.ORDER_PROBLEM, f"cancel_requested:{order.pk}",
        _("Order %(ext)s on %(channel)s: the buyer asked to cancel it. Accept or refuse the "
          "request on the marketplace before shipping.")
        % {"ext": remote.external_id, "channel": account.channel},
        account=account, order=order,
    )


def _clear_hold(record: OrderImport) -> None:
    record.error_code = ""
    record.error_message = ""


def _hold_alert(account: MarketplaceAccount, record: OrderImport) -> None:
    alert_raise(
        AlertKind.ORDER_HELD, held_alert_key(record.pk),
        _("Order %(ext)s from %(channel)s is held: %(error)s")
        % {"ext": record.external_id, "channel": account.channel, "error": record.error_message},
        account=account,
    )


_VARIANT_RELATED = ("product__product_type",)  # what order_create reads of a variant


def _variants_for(account: MarketplaceAccount, remote: RemoteOrder) -> dict[str, ProductVariant]:
    """Marketplace line SKU → variant: the listing's SKU, the variant SKU, then EAN/barcode."""
    skus = {ln.sku for ln in remote.lines if ln.sku}
    eans = {ln.ean for ln in remote.lines if ln.ean}
    found: dict[str, ProductVariant] = {}
    for listing in (Listing.objects.filter(account=account, sku__in=skus)
                    .select_related(*(f"variant__{r}" for r in _VARIANT_RELATED))):
        found[listing.sku] = listing.variant
    rest = skus - found.keys()
    if rest:
        for variant in ProductVariant.objects.filter(sku__in=rest).select_related(*_VARIANT_RELATED):
            found[variant.sku] = variant
    by_barcode: dict[str, ProductVariant] = {}
    barcodes = eans | (skus - found.keys())
    if barcodes:
        for variant in (ProductVariant.objects.filter(barcode__in=barcodes).exclude(barcode="")
                        .select_related(*_VARIANT_RELATED).order_by("pk")):
            by_barcode.setdefault(variant.barcode, variant)
    out: dict[str, ProductVariant] = {}
    for line in remote.lines:
        match = found.get(line.sku) or by_barcode.get(line.ean) or by_barcode.get(line.sku)
        if match is not None:
            out[line.external_line_id or line.sku] = match
    return out


def _line_key(line) -> str:  # noqa: ANN001
    return line.external_line_id or line.sku



class _Lookups:
    """What a run of import records reads once: the accounts, and SKU/EAN → variant for
    many records at once.

    When a record has a SKU or EAN not read yet, the SKUs and EANs of the next
    ``HUB_ORDERS_LOOKAHEAD`` records waiting in the queue are read with it (three
    queries for the lot instead of up to three per order). Same precedence as
    ``_variants_for``: the account's listing SKU, the variant SKU, then the barcode of
    the EAN or of the SKU. Only matches are kept; a line that matches nothing here is
    looked up again on its own before its order is held, and the whole lot is dropped
    after ``TTL`` seconds, so a mapping edited meanwhile shows within seconds.
    """

    TTL = 5.0

    def __init__(self) -> None:
        self.started = clock.monotonic()
        self.accounts: dict[int, MarketplaceAccount] = {}
        self.by_listing: dict[tuple[int, str], ProductVariant] = {}
        self.by_sku: dict[str, ProductVariant] = {}
        self.by_barcode: dict[str, ProductVariant] = {}
        self.skus_read: dict[int, set[str]] = {}  # per account: listing, SKU and barcode read
        self.eans_read: set[str] = set()

    def expired(self) -> bool:
        return clock.monotonic() - self.started > self.TTL

    def account(self, account_id: int) -> MarketplaceAccount:
        """The account with its channel (read once per run of records)."""
        account = self.accounts.get(account_id)
        if account is None:
            account = MarketplaceAccount.objects.select_related("channel").get(pk=account_id)
            self.accounts[account_id] = account
        return account

    def variants_for(self, account: MarketplaceAccount,
                     remote: RemoteOrder) -> dict[str, ProductVariant]:
        read = self.skus_read.setdefault(account.pk, set())
        skus = {ln.sku for ln in remote.lines if ln.sku} - read
        eans = {ln.ean for ln in remote.lines if ln.ean} - self.eans_read
        if skus or eans:
            more_skus, more_eans = _upcoming_codes(account)
            self._read(account, (skus | more_skus) - read, (eans | more_eans) - self.eans_read)
        out: dict[str, ProductVariant] = {}
        for line in remote.lines:
            match = (self.by_listing.get((account.pk, line.sku)) or self.by_sku.get(line.sku)
                     or self.by_barcode.get(line.ean) or self.by_barcode.get(line.sku))
            if match is None:
                return _variants_for(account, remote)  # fresh, before the order is held
            out[_line_key(line)] = match
        return out

    def _read(self, account: MarketplaceAccount, skus: set[str], eans: set[str]) -> None:
        found: set[str] = set()
        if skus:
            for listing in (Listing.objects.filter(account=account, sku__in=skus)
                            .select_related(*(f"variant__{r}" for r in _VARIANT_RELATED))):
                self.by_listing[(account.pk, listing.sku)] = listing.variant
                found.add(listing.sku)
            for variant in (ProductVariant.objects.filter(sku__in=skus - found)
                            .select_related(*_VARIANT_RELATED)):
                self.by_sku[variant.sku] = variant
                found.add(variant.sku)
        barcodes = (eans | (skus - found)) - self.by_barcode.keys()
        if barcodes:
            for variant in (ProductVariant.objects.filter(barcode__in=barcodes)
                            .exclude(barcode="").select_related(*_VARIANT_RELATED)
                            .order_by("pk")):
                self.by_barcode.setdefault(variant.barcode, variant)
        self.skus_read[account.pk] |= skus
        self.eans_read |= eans


def _upcoming_codes(account: MarketplaceAccount) -> tuple[set[str], set[str]]:
    """SKUs and EANs on the lines of the next records waiting for processing (one query,
    read from their payloads in the database)."""
    table = OrderImport._meta.db_table
    sql = (
        "SELECT DISTINCT l.value ->> 'sku', l.value ->> 'ean' FROM ("  # noqa: S608
        f"SELECT payload FROM {table} WHERE account_id = %s AND needs_processing "
        "ORDER BY remote_updated_at, id LIMIT %s) r, jsonb_array_elements(CASE WHEN "
        "jsonb_typeof(r.payload -> 'lines') = 'array' THEN r.payload -> 'lines' "
        "ELSE '[]'::jsonb END) l"
    )
    lookahead = int(getattr(settings, "HUB_ORDERS_LOOKAHEAD", 100))
    with connection.cursor() as cursor:
        cursor.execute(sql, [account.pk, lookahead])
        rows = cursor.fetchall()
    return ({str(sku) for sku, _ean in rows if sku and len(str(sku)) <= 255},
            {str(ean) for _sku, ean in rows if ean and len(str(ean)) <= 255})


def _validate(account: MarketplaceAccount, remote: RemoteOrder) -> None:
    channel = account.channel
    if not remote.lines:
        raise _Hold(HubErrorCode.INVALID_PAYLOAD.value, _("The order has no lines."))
    if (remote.currency or "").upper() != channel.currency_code:
        raise _Hold(HubErrorCode.CURRENCY_MISMATCH.value,
                    _("The order is in %(cur)s but %(channel)s sells in %(exp)s.")
                    % {"cur": remote.currency or "?", "channel": channel, "exp": channel.currency_code})
    for line in remote.lines:
        qty = line.quantity
        if not isinstance(qty, int) or isinstance(qty, bool) or qty <= 0 or qty > 1_000_000:
            raise _Hold(HubErrorCode.INVALID_PAYLOAD.value,
                        _("Line %(sku)s has an invalid quantity: %(q)s") % {"sku": line.sku, "q": qty})
        try:
            price = Decimal(line.unit_price)
        except (InvalidOperation, TypeError, ValueError):
            price = Decimal(-1)
        if not price.is_finite() or price < 0 or price * qty >= MAX_AMOUNT:
            raise _Hold(HubErrorCode.INVALID_PAYLOAD.value,
                        _("Line %(sku)s has an invalid price: %(p)s") % {"sku": line.sku,
                                                                         "p": line.unit_price})
        if line.currency and line.currency.upper() != channel.currency_code:
            raise _Hold(HubErrorCode.CURRENCY_MISMATCH.value,
                        _("Line %(sku)s is priced in %(cur)s, not %(exp)s.")
                        % {"sku": line.sku, "cur": line.currency, "exp": channel.currency_code})
    try:
        shipping = Decimal(remote.shipping_price or 0)
    except (InvalidOperation, TypeError, ValueError):
        shipping = Decimal(-1)
    if not shipping.is_finite() or shipping < 0 or shipping >= MAX_AMOUNT:
        raise _Hold(HubErrorCode.INVALID_PAYLOAD.value,
                    _("The shipping price is invalid: %(p)s") % {"p": remote.shipping_price})


def _address(remote: RemoteOrder) -> dict[str, str] | None:
    a = remote.shipping_address
    if a is None:
        return None
    first, _sep, last = (a.name or remote.buyer_name or "").strip().partition(" ")
    country = (a.country or "").strip().upper()
    return {
        "first_name": first[:256], "last_name": last[:256], "street_address_1": a.line1[:256],
        "street_address_2": a.line2[:256], "city": a.city[:256], "country_area": a.state[:128],
        "postal_code": a.postal_code[:20], "country": country if len(country) == 2 else "",
        "phone": a.phone[:32],
    }


def _email(value: str) -> str:
    value = (value or "").strip()
    return value if "@" in value and len(value) <= 254 else ""


def _create_order(account: MarketplaceAccount, remote: RemoteOrder,
                  lookups: _Lookups | None = None) -> tuple[Order, str]:
    _validate(account, remote)
    variants = (lookups.variants_for(account, remote) if lookups is not None
                else _variants_for(account, remote))
    unknown = [ln.sku or ln.ean or ln.external_line_id for ln in remote.lines
               if _line_key(ln) not in variants]
    if unknown:
        raise _Hold(HubErrorCode.UNKNOWN_SKU.value,
                    _("Unknown SKU on the marketplace order: %(skus)s. Map it (listing SKU, "
                      "variant SKU or barcode), then re-process the import.")
                    % {"skus": ", ".join(sorted(set(unknown)))})
    channel = account.channel
    data = OrderInput(
        channel=channel,
        lines=[OrderLineInput(sku=variants[_line_key(ln)].sku, quantity=ln.quantity,
                              unit_price=Decimal(ln.unit_price),
                              external_line_id=ln.external_line_id[:128])
               for ln in remote.lines],
        currency=channel.currency_code,
        email=_email(remote.buyer_email),
        language_code=channel.default_language,
        external_id=remote.external_id,
        origin=OrderOrigin.IMPORT,
        shipping_address=_address(remote),
        shipping_price=Decimal(remote.shipping_price or 0),
        external_updated_at=remote.updated_at,
        metadata={"marketplace": account.connector, "site": remote.site or account.site,
                  "marketplace_status": remote.raw_status[:64]},
        variants={v.sku: v for v in variants.values()},
    )
    warehouse_ids = None  # the oversold policies allocate in the channel's warehouse order
    try:  # the routing hook writes nothing when it raises (its own savepoint)
        order = hooks.route_imported_order(account, remote, data)
    except InsufficientStock as short:
        policy = OVERSOLD_POLICIES.get(account.oversell_policy, OVERSOLD_POLICIES[OversellPolicy.CANCEL])
        order = policy.handle(account, data, short, warehouse_ids)
        _event(order, "imported", remote, account)
        return order, "oversold"
    except OrderError as exc:
        if exc.code == OrderErrorCode.DUPLICATE_EXTERNAL_ID.value:
            existing = Order.objects.get(channel=channel, external_id=remote.external_id)
            return existing, "unchanged"
        raise _Hold(exc.code, exc.message) from exc
    except InventoryError as exc:
        raise _Hold(exc.code, exc.message) from exc
    _event(order, "imported", remote, account)
    return order, "imported"


def _event(order: Order, kind: str, remote: RemoteOrder, account: MarketplaceAccount) -> None:
    OrderEvent.objects.create(
        order=order, type=kind,
        message=_("Imported from %(channel)s (%(status)s).") % {"channel": account.channel,
                                                                "status": remote.raw_status},
        parameters={"external_id": remote.external_id, "marketplace_status": remote.raw_status},
    )


def _cancel_local(account: MarketplaceAccount, order: Order, reason: str) -> None:
    """The marketplace canceled: cancel here too, releasing the allocated stock."""
    if order.status == OrderStatus.CANCELED:
        return
    try:
        with transaction.atomic():
            order_cancel(order, reason=reason)
    except OrderError as exc:
        alert_raise(
            AlertKind.ORDER_PROBLEM, f"order_cancel:{order.pk}",
            _("Order %(ext)s was canceled on %(channel)s but cannot be canceled here: %(msg)s")
            % {"ext": order.external_id, "channel": account.channel, "msg": exc.message},
            severity=AlertSeverity.CRITICAL, account=account, order=order,
        )


# --------------------------------------------------------------------------- oversold


class OversoldPolicy(Protocol):
    def handle(self, account: MarketplaceAccount, data: OrderInput, short: InsufficientStock,
               warehouse_ids: Sequence[int] | None) -> Order: ...


def _oversold_order(data: OrderInput) -> Order:
    order = order_create(data, allocate=False)
    Order.objects.filter(pk=order.pk).update(is_oversold=True)
    order.is_oversold = True
    return order


def _short_text(short: InsufficientStock) -> str:
    return ", ".join(f"{i.sku} ({i.available} of {i.requested})" for i in short.items)


class CancelOnMarketplace:
    """Cancel the order here and on the marketplace with an out-of-stock reason."""

    def handle(self, account: MarketplaceAccount, data: OrderInput, short: InsufficientStock,
               warehouse_ids: Sequence[int] | None) -> Order:
        order = _oversold_order(data)
        reason = _("Out of stock: %(short)s") % {"short": _short_text(short)}
        order = order_cancel(order, reason=reason)
        outbox_enqueue_order(order, account.pk, OutboxKind.ORDER_CANCEL, "oversold",
                             {"reason": OUT_OF_STOCK_REASON, "note": reason, "lines": []})
        alert_raise(
            AlertKind.OVERSOLD, f"oversold:{order.pk}",
            _("Order %(ext)s on %(channel)s arrived for stock already gone (%(short)s); "
              "it is canceled on the marketplace.")
            % {"ext": data.external_id, "channel": account.channel, "short": _short_text(short)},
            account=account, order=order,
        )
        return order


class KeepAndBackorder:
    """Keep the order, allocate the lines that can be served, backorder the rest."""

    def handle(self, account: MarketplaceAccount, data: OrderInput, short: InsufficientStock,
               warehouse_ids: Sequence[int] | None) -> Order:
        # routed like every order (hub.stores' hook): the served lines are allocated
        order = hooks.backorder_imported_order(account, data)
        Order.objects.filter(pk=order.pk).update(is_oversold=True)
        order.is_oversold = True
        waiting = [f"{line.product_sku} × {line.quantity}"
                   for line in OrderLine.objects.filter(order=order, allocations__isnull=True)
                   .order_by("pk")]
        OrderEvent.objects.create(order=order, type="backordered",
                                  message=_("Waiting for stock: %(lines)s") % {"lines": ", ".join(waiting)},
                                  parameters={"lines": waiting})
        alert_raise(
            AlertKind.OVERSOLD, f"oversold:{order.pk}",
            _("Order %(ext)s on %(channel)s arrived for stock already gone (%(short)s); "
              "it is kept as a backorder.")
            % {"ext": data.external_id, "channel": account.channel, "short": _short_text(short)},
            severity=AlertSeverity.CRITICAL, account=account, order=order,
        )
        return order


OVERSOLD_POLICIES: dict[str, OversoldPolicy] = {
    OversellPolicy.CANCEL: CancelOnMarketplace(),
    OversellPolicy.BACKORDER: KeepAndBackorder(),
}


# --------------------------------------------------------------------------- admin / other flows


def order_import_reprocess(record: OrderImport) -> tuple[OrderImport, str]:
    """Run a held (or any) import again from its stored payload, e.g. after mapping a SKU."""
    try:
        remote = remote_order_from_json(record.payload)
    except (KeyError, ValueError, TypeError) as exc:
        raise HubError(_("The stored payload cannot be read: %(e)s") % {"e": exc},
                       code=HubErrorCode.INVALID_PAYLOAD, field="payload") from exc
    return order_import_remote(record.account, remote, force=True)


def _marketplace_account(order: Order) -> MarketplaceAccount:
    account = MarketplaceAccount.objects.filter(channel_id=order.channel_id).first()
    if account is None or not order.external_id:
        raise HubError(_("Order %(n)s did not come from a marketplace.") % {"n": order},
                       code=HubErrorCode.NOT_IMPORTED, field="order")
    return account


def order_ship_confirm(order: Order, carrier: str, tracking_number: str, *,
                       shipped_at: datetime | None = None,
                       lines: Sequence[tuple[OrderLine, int]] = (), service: str = "",
                       tracking_url: str = "", user=None) -> OutboxEntry:  # noqa: ANN001
    """Queue the shipment confirmation (carrier, tracking) for the marketplace.

    Call it after the goods left (fulfilment is the fulfilment service's job);
    the push goes through the outbox, so it survives a marketplace outage and
    is not sent twice for the same tracking number.
    """
    carrier, tracking_number = (carrier or "").strip(), (tracking_number or "").strip()
    if not carrier:
        raise HubError(_("The carrier is required."), code=HubErrorCode.REQUIRED, field="carrier")
    if not tracking_number or len(tracking_number) > 100:
        raise HubError(_("A tracking number of up to 100 characters is required."),
                       code=HubErrorCode.REQUIRED, field="tracking_number")
    account = _marketplace_account(order)
    if order.status == OrderStatus.CANCELED:
        raise HubError(_("A canceled order cannot be shipped."),
                       code=HubErrorCode.INVALID_STATUS, field="order")
    payload = {
        "carrier": carrier[:64], "tracking_number": tracking_number,
        "shipped_at": (shipped_at or clock.now()).isoformat(), "service": service[:64],
        "tracking_url": tracking_url[:500],
        "lines": [[line.external_line_id or str(line.pk), int(qty)] for line, qty in lines],
    }
    with transaction.atomic():
        Order.objects.select_for_update().filter(pk=order.pk).first()
        existing = (OutboxEntry.objects.filter(order=order, kind=OutboxKind.ORDER_SHIP,
                                               payload__carrier=payload["carrier"],
                                               payload__tracking_number=tracking_number)
                    .exclude(status__in=[OutboxStatus.FAILED, OutboxStatus.DEAD]).first())
        if existing is not None:
            return existing
        entry = outbox_enqueue_order(order, account.pk, OutboxKind.ORDER_SHIP, "ship", payload)
        OrderEvent.objects.create(
            order=order, type="ship_confirmation_queued",
            message=_("Shipment %(carrier)s %(tracking)s will be confirmed to %(channel)s.")
            % {"carrier": carrier, "tracking": tracking_number, "channel": account.channel},
            parameters={"carrier": carrier, "tracking_number": tracking_number},
            user=user if user is not None and getattr(user, "pk", None) else None,
        )
    return entry


def order_ship_confirm_from_store(order: Order, carrier: str, tracking_number: str, *,
                                  source: str = "",
                                  lines: Sequence[tuple[OrderLine, int]] = (),
                                  ) -> OutboxEntry | None:
    """A store shipped (part of) a marketplace order: queue carrier and tracking for the
    marketplace (``settings.STORES_SHIP_CONFIRM``; runs inside the shipment's transaction).
    ``lines`` are the (order line, units) of this parcel: a split order's other lines stay
    open on the marketplace until their own shipment.

    The clerk's shipment stands even when the push cannot be queued (no marketplace
    account for the channel, say): the order's timeline and an alert say why.
    """
    try:
        with transaction.atomic():
            entry = order_ship_confirm(order, carrier, tracking_number, lines=lines)
    except HubError as exc:
        OrderEvent.objects.create(
            order=order, type="marketplace_ship_confirm_failed",
            message=_("Tracking %(tracking)s could not be queued for the marketplace: %(msg)s")
            % {"tracking": tracking_number, "msg": exc.message},
            parameters={"carrier": carrier, "tracking_number": tracking_number,
                        "source": source, "code": exc.code})
        account = MarketplaceAccount.objects.filter(channel_id=order.channel_id).first()
        alert_raise(AlertKind.ORDER_PROBLEM, f"ship_confirm:{order.pk}:{tracking_number}",
                    _("Order %(n)s shipped (%(carrier)s %(tracking)s) but the marketplace cannot "
                      "be told: %(msg)s") % {"n": order.number, "carrier": carrier,
                                             "tracking": tracking_number, "msg": exc.message},
                    account=account, order=order)
        return None
    if source:
        OutboxEntry.objects.filter(pk=entry.pk).update(reason=f"ship:{source}"[:64])
    return entry
