"""Read-back reconciliation repairs what marketplaces silently got wrong."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hub.models import ListingStatus, OutboxEntry, OutboxKind
from hub.services import listing_delist, sync_drain, sync_reconcile
from hub.tests.conftest import make_listed_variant, receive

pytestmark = pytest.mark.django_db


def test_silent_no_op_update_is_found_and_repaired(listing, market, warehouses):
    market.silent_noop_skus.add("TEE-RED-M")
    receive(listing.variant, warehouses[0], 5)
    sync_drain(listing.account_id)
    listing.refresh_from_db()
    assert listing.pushed_quantity == 15 and market.offers["TEE-RED-M"].quantity == 10
    market.silent_noop_skus.clear()

    report = sync_reconcile(listing.account_id)
    assert report.drifted == 1
    listing.refresh_from_db()
    assert listing.remote_quantity == 10 and listing.reconciled_at is not None
    sync_drain(listing.account_id)
    assert market.offers["TEE-RED-M"].quantity == 15
    assert sync_reconcile(listing.account_id).drifted == 0


def test_price_drift_is_repaired(listing, market):
    market.offers["TEE-RED-M"].price = Decimal("1.00")  # someone edited it in seller central
    assert sync_reconcile(listing.account_id).drifted == 1
    sync_drain(listing.account_id)
    assert market.offers["TEE-RED-M"].price == Decimal("20.000")


def test_listing_missing_on_the_marketplace_is_republished(listing, market):
    del market.offers["TEE-RED-M"]
    report = sync_reconcile(listing.account_id)
    assert report.missing == 1
    assert OutboxEntry.objects.filter(listing=listing, kind=OutboxKind.PUBLISH,
                                      reason="drift:missing").exists()
    sync_drain(listing.account_id)
    assert market.offers["TEE-RED-M"].quantity == 10 and market.offers["TEE-RED-M"].live


def test_delisted_listing_still_selling_is_withdrawn_again(listing, market):
    listing_delist(listing)
    sync_drain(listing.account_id)
    market.offers["TEE-RED-M"].live = True  # the withdraw silently did not stick
    listing.refresh_from_db()
    assert sync_reconcile(listing.account_id).drifted == 1
    sync_drain(listing.account_id)
    assert not market.offers["TEE-RED-M"].live
    listing.refresh_from_db()
    assert listing.status == ListingStatus.INACTIVE and not listing.is_live


def test_reconciliation_reads_back_in_chunks(account, warehouses, market, settings):
    settings.HUB_RECONCILE_CHUNK = 3
    for i in range(7):
        make_listed_variant(account, warehouses, f"SKU-RC{i}", qty=1)
    market.calls.clear()
    report = sync_reconcile(account.pk)
    assert report.checked == 7 and report.drifted == 0
    assert [len(c) for c in market.calls_of("fetch_offers")] == [3, 3, 1]


def test_in_sync_listings_cause_no_pushes(listing, market):
    market.calls.clear()
    sync_reconcile(listing.account_id)
    sync_drain(listing.account_id)
    assert market.calls_of("update_offers") == [] and market.calls_of("upsert_listing") == []
