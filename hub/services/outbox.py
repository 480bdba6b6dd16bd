"""Writing the sync outbox: every change a channel must see becomes rows in the same
transaction as the change; a drain is queued once that transaction commits.

The rows say *that* a listing (or an order) must be pushed, not the value: the
worker computes the current value when it pushes, so any number of changes
coalesce to the latest state and a late row never pushes a stale value.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q

from commerce.core.db import prepared_cursor

from .. import clock
from ..models import (
    Listing,
    ListingStatus,
    OutboxEntry,
    OutboxKind,
    OutboxStatus,
)

logger = logging.getLogger(__name__)


def listing_subject(listing_id: int) -> str:
    return f"listing:{listing_id}"


def order_subject(order_id: object) -> str:
    return f"order:{order_id}"


def outbox_enqueue_listings(rows: Iterable[tuple[int, int]], kind: str, reason: str) -> int:
    """Write one outbox row per (listing id, account id); the drain is queued on commit."""
    now = clock.now()
    entries = [
        OutboxEntry(account_id=account_id, listing_id=listing_id,
                    subject=listing_subject(listing_id), kind=kind, reason=reason[:64],
                    available_at=now)
        for listing_id, account_id in rows
    ]
    if not entries:
        return 0
    OutboxEntry.objects.bulk_create(entries, batch_size=1000)
    for account_id in {e.account_id for e in entries}:
        request_drain_on_commit(account_id)
    return len(entries)


def outbox_enqueue_order(order, account_id: int, kind: str, reason: str,  # noqa: ANN001
                         payload: dict[str, Any] | None = None) -> OutboxEntry:
    entry = OutboxEntry.objects.create(
        account_id=account_id, order=order, subject=order_subject(order.pk), kind=kind,
        reason=reason[:64], payload=payload or {}, available_at=clock.now())
    request_drain_on_commit(account_id)
    return entry


def listings_touch(listings_qs, reason: str, kind: str = OutboxKind.OFFER) -> int:  # noqa: ANN001
    """Queue a push for these listings (price change, rule change, FX change…)."""
    rows = list(listings_qs.values_list("pk", "account_id"))
    return outbox_enqueue_listings(rows, kind, reason)


def variants_prices_changed(variant_ids: Iterable[int], reason: str = "price") -> int:
    """Call after changing variant prices: their marketplace listings get a price push."""
    qs = Listing.objects.filter(variant_id__in=set(variant_ids)).filter(_syncing_listings())
    return listings_touch(qs, reason)


def _syncing_listings() -> Q:
    """Listings a stock or price change can matter to (auto-delisted ones may come back)."""
    return Q(status__in=[ListingStatus.ACTIVE, ListingStatus.ERROR]) | Q(
        status=ListingStatus.INACTIVE, auto_delisted=True)


def _stock_changed_sql() -> str:
    """The listings a stock change must push and the variants with a low-stock threshold,
    in one statement (this runs inside every stock change's transaction)."""
    from commerce.catalog.models import ProductVariant

    return (
        "SELECT l.id, l.account_id, NULL, NULL, NULL "  # noqa: S608 - table names from _meta
        f"FROM {Listing._meta.db_table} l WHERE l.variant_id = ANY(%s::bigint[]) "
        "AND (l.status = ANY(%s::varchar[]) OR (l.status = %s AND l.auto_delisted)) "
        "UNION ALL SELECT NULL, NULL, v.id, v.sku, v.low_stock_threshold "
        f"FROM {ProductVariant._meta.db_table} v WHERE v.id = ANY(%s::bigint[]) "
        "AND v.low_stock_threshold IS NOT NULL ORDER BY 1, 3"
    )


def on_stock_changed(variant_ids: set[int], reason: str) -> None:
    """commerce.inventory listener, called inside the stock change's transaction.

    Same rows as ``_syncing_listings()`` and ``low_stock_check`` select, read in one query.
    """
    from .stock import low_stock_check

    ids = sorted(variant_ids)
    with prepared_cursor() as cursor:
        cursor.execute(_stock_changed_sql(), [
            ids, [ListingStatus.ACTIVE.value, ListingStatus.ERROR.value],
            ListingStatus.INACTIVE.value, ids])
        rows = cursor.fetchall()
    listings = [(r[0], r[1]) for r in rows if r[0] is not None]
    watched = [(r[2], r[3], r[4]) for r in rows if r[0] is None]
    outbox_enqueue_listings(listings, OutboxKind.OFFER, f"stock:{reason}")
    low_stock_check(variant_ids, watched=watched)


# --------------------------------------------------------------------------- dispatch


def _drain_flag(account_id: int) -> str:
    return f"hub:drain-queued:{account_id}"


def request_drain_on_commit(account_id: int) -> None:
    """Queue a drain of the account's outbox once the current transaction commits."""
    transaction.on_commit(lambda: request_drain(account_id), robust=True)


def request_drain(account_id: int, countdown: float | None = None) -> None:
    """Queue a drain task unless one is already queued (the periodic drain is the safety net)."""
    if not getattr(settings, "HUB_SYNC_AUTODRAIN", True):
        return
    try:
        if countdown is None and not cache.add(_drain_flag(account_id), 1, timeout=2):
            return
        _dispatcher()(account_id, countdown)
    except Exception:  # broker down: the beat drain picks the rows up
        logger.warning("could not queue a drain for account %s", account_id, exc_info=True)


def celery_dispatch(account_id: int, countdown: float | None) -> None:
    from ..tasks import sync_drain

    if countdown:
        sync_drain.apply_async(args=[account_id], countdown=countdown)
    else:
        sync_drain.delay(account_id)


def _dispatcher():  # noqa: ANN202
    path = getattr(settings, "HUB_DRAIN_DISPATCHER", "")
    if not path:
        return celery_dispatch
    from django.utils.module_loading import import_string

    return import_string(path)


def drain_started(account_id: int) -> None:
    """A drain began: later commits must queue a new one."""
    try:
        cache.delete(_drain_flag(account_id))
    except Exception:
        logger.warning("could not clear the drain flag of account %s", account_id, exc_info=True)


def outbox_retry(entries_qs) -> int:  # noqa: ANN001
    """Give dead-lettered or rejected rows another go (admin action); returns rows."""
    now = clock.now()
    with transaction.atomic():
        rows = list(entries_qs.select_for_update().filter(
            status__in=[OutboxStatus.DEAD, OutboxStatus.FAILED]).values_list("pk", "account_id"))
        if not rows:
            return 0
        OutboxEntry.objects.filter(pk__in=[pk for pk, _a in rows]).update(
            status=OutboxStatus.PENDING, attempts=0, available_at=now, leased_until=None,
            lease_token=None, last_error="")
        for account_id in {a for _pk, a in rows}:
            request_drain_on_commit(account_id)
    from .alerts import alert_resolve

    for account_id in {a for _pk, a in rows}:
        if not OutboxEntry.objects.filter(account_id=account_id, status=OutboxStatus.DEAD).exists():
            alert_resolve(f"dead_letter:{account_id}")
    return len(rows)


def outbox_purge(older_than_days: int | None = None) -> int:
    """Delete finished rows past retention (dead and rejected rows stay until handled)."""
    from datetime import timedelta

    from ..models import SyncLog

    days = older_than_days if older_than_days is not None else getattr(
        settings, "HUB_OUTBOX_RETENTION_DAYS", 7)
    cutoff = clock.now() - timedelta(days=days)
    deleted, _ = OutboxEntry.objects.filter(status=OutboxStatus.DONE, updated_at__lt=cutoff).delete()
    SyncLog.objects.filter(created_at__lt=cutoff).delete()
    return deleted
