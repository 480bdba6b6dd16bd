"""Read-back reconciliation: ask the marketplace what it shows and repair drift.

Marketplaces fail silently (a PATCH on an unknown SKU "succeeds", a feed skips
SKUs without an error), so the hub periodically reads every live listing back
with ``fetch_offers`` and queues a push for any listing whose marketplace
quantity or price differs from what it should be, or that went missing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from commerce.core.money import quantize
from connectors.base import AuthFailed, ConnectorError, RemoteOffer

from .. import clock
from ..connectors import connector_for, rate_limit_for
from ..errors import HubError
from ..models import (
    AccountStatus,
    Listing,
    ListingStatus,
    MarketplaceAccount,
    OutboxKind,
    SyncLog,
)
from ..ratelimit import TokenBucket
from ..selectors import listing_desired_offers, listings_for_sync
from .accounts import account_pause
from .outbox import outbox_enqueue_listings

logger = logging.getLogger(__name__)


@dataclass
class ReconcileReport:
    checked: int = 0
    drifted: int = 0
    missing: int = 0
    errors: int = 0


def _same_price(remote: Decimal | None, want: Decimal | None, currency: str) -> bool:
    if want is None:  # we cannot say what it should be: not drift
        return True
    if remote is None:
        return False
    return quantize(Decimal(remote), currency) == quantize(Decimal(want), currency)


def sync_reconcile(account_id: int | None = None) -> ReconcileReport:
    """Reconcile every active account (or one); returns what was found."""
    report = ReconcileReport()
    accounts = MarketplaceAccount.objects.filter(status=AccountStatus.ACTIVE).select_related("channel")
    if account_id is not None:
        accounts = accounts.filter(pk=account_id)
    for account in accounts:
        try:
            account_reconcile(account, report)
        except Exception:
            logger.exception("reconciliation of account %s failed", account.pk)
            report.errors += 1
    return report


def account_reconcile(account: MarketplaceAccount, report: ReconcileReport | None = None) -> ReconcileReport:
    report = report or ReconcileReport()
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
    chunk_size = int(getattr(settings, "HUB_RECONCILE_CHUNK", 0)) or max(
        int(getattr(connector, "bulk_limit", 1) or 1), 20)
    # Everything the marketplace has (or had) from us: live listings and delisted ones,
    # which must not be selling; drafts and never-published listings are not there.
    candidates = Listing.objects.filter(account=account).filter(
        Q(is_live=True) | Q(pushed_at__isnull=False)).exclude(status=ListingStatus.DRAFT)
    ids = list(candidates.order_by("pk").values_list("pk", flat=True))
    limit = rate_limit_for(account, "fetch_offers", connector)
    bucket = TokenBucket(account.pk, "fetch_offers", limit)
    for start in range(0, len(ids), chunk_size):
        listings = list(listings_for_sync(ids[start:start + chunk_size]))
        skus = [lst.sku for lst in listings]
        bucket.acquire(1, max_wait=3600)
        started = clock.monotonic()
        try:
            remote = connector.fetch_offers(skus)
        except AuthFailed as exc:
            account_pause(account, exc.message or str(exc), alert=True)
            report.errors += 1
            return report
        except ConnectorError as exc:
            SyncLog.objects.create(account=account, operation="fetch_offers", items=len(skus),
                                   ok=False, error_class=type(exc).__name__, message=str(exc)[:2000],
                                   duration_ms=int((clock.monotonic() - started) * 1000))
            report.errors += 1
            continue
        SyncLog.objects.create(account=account, operation="fetch_offers", items=len(skus),
                               duration_ms=int((clock.monotonic() - started) * 1000))
        _compare(account, listings, {r.sku: r for r in remote}, report)
    MarketplaceAccount.objects.filter(pk=account.pk).update(last_reconciled_at=clock.now())
    return report


def _compare(account: MarketplaceAccount, listings: list[Listing], remote: dict[str, RemoteOffer],
             report: ReconcileReport) -> None:
    desired = listing_desired_offers(listings)
    now = clock.now()
    offers: list[tuple[int, int]] = []
    publishes: list[tuple[int, int]] = []
    delists: list[tuple[int, int]] = []
    seen_rows: list[Any] = []
    for listing in listings:
        report.checked += 1
        seen = remote.get(listing.sku)
        want = desired[listing.pk]
        seen_rows += [listing.pk, seen.quantity if seen else None, seen.price if seen else None]
        if listing.wants_live:
            if seen is None:
                report.missing += 1
                publishes.append((listing.pk, account.pk))
            elif seen.quantity != want.quantity or not _same_price(seen.price, want.price,
                                                                   want.currency):
                report.drifted += 1
                offers.append((listing.pk, account.pk))
        elif seen is not None and (seen.quantity or 0) > 0:
            report.drifted += 1
            delists.append((listing.pk, account.pk))
    with transaction.atomic():
        values = ", ".join(["(%s::bigint, %s::integer, %s::numeric)"] * len(listings))
        table = Listing._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f'UPDATE "{table}" AS l SET remote_quantity = v.q, remote_price = v.p, '  # noqa: S608
                f"reconciled_at = %s FROM (VALUES {values}) AS v(id, q, p) WHERE l.id = v.id",
                [now, *seen_rows])
        # Forget what we think we pushed, so the drain pushes even "unchanged" state.
        Listing.objects.filter(pk__in=[pk for pk, _a in offers]).update(
            pushed_quantity=None, pushed_price=None)
        Listing.objects.filter(pk__in=[pk for pk, _a in publishes]).update(
            is_live=False, last_sync_result=_("Missing on the marketplace: republishing."))
        Listing.objects.filter(pk__in=[pk for pk, _a in delists]).update(is_live=True)
        outbox_enqueue_listings(offers, OutboxKind.OFFER, "drift")
        outbox_enqueue_listings(publishes, OutboxKind.PUBLISH, "drift:missing")
        outbox_enqueue_listings(delists, OutboxKind.DELIST, "drift:still_selling")
