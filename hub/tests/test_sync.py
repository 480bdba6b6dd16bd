"""The sync engine against the in-memory marketplace: outbox, coalescing, batching,
backoff, auth failures, rejections, dead letters, leases."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from commerce.inventory import services as inventory
from commerce.inventory.services import StockRequest
from commerce.orders.services import OrderInput, OrderLineInput, order_create
from commerce.tests.factories import VariantFactory
from connectors.base import RateLimited, Transient
from hub.models import (
    AccountStatus,
    Alert,
    AlertKind,
    ListingStatus,
    OutboxEntry,
    OutboxKind,
    OutboxStatus,
    SyncLog,
)
from hub.services import (
    account_resume,
    listing_create,
    listing_delist,
    listing_update,
    outbox_retry,
    sync_drain,
)
from hub.tests.conftest import make_listed_variant, receive

pytestmark = pytest.mark.django_db


def pending(listing=None):
    qs = OutboxEntry.objects.filter(status=OutboxStatus.PENDING)
    return qs.filter(listing=listing) if listing is not None else qs


def test_publish_puts_the_listing_live_with_available_quantity_and_price(listing, market):
    offer = market.offers["TEE-RED-M"]
    assert (offer.quantity, offer.price, offer.currency) == (10, Decimal("20.000"), "USD")
    assert offer.payload.title.startswith("Product")
    assert listing.status == ListingStatus.ACTIVE and listing.is_live
    assert listing.external_id == offer.external_id
    assert listing.pushed_quantity == 10 and listing.last_sync_ok


def test_stock_change_writes_outbox_row_in_the_same_transaction(listing, warehouses):
    with transaction.atomic():
        receive(listing.variant, warehouses[0], 5)
        row = pending(listing).get()
        assert row.kind == OutboxKind.OFFER and row.reason == "stock:receipt"


def test_rolled_back_stock_change_leaves_no_outbox_row(listing, warehouses):
    with pytest.raises(RuntimeError), transaction.atomic():
        receive(listing.variant, warehouses[0], 5)
        raise RuntimeError("the business action failed")
    assert not pending(listing).exists()


def test_allocation_and_reservation_write_outbox_rows(listing, channel, warehouses):
    inventory.stock_reserve("checkout:x", [StockRequest(listing.variant_id, 2)], channel)
    order_create(OrderInput(channel=channel, currency="USD", lines=[
        OrderLineInput(sku=listing.variant.sku, quantity=1, unit_price=Decimal(20))]))
    assert {r.reason for r in pending(listing)} == {"stock:reservation", "stock:allocation"}
    sync_drain(listing.account_id)
    # 10 on hand − 1 allocated − 2 reserved
    listing.refresh_from_db()
    assert listing.pushed_quantity == 7


def test_ten_stock_changes_coalesce_into_one_push_of_the_latest_quantity(listing, market,
                                                                         warehouses):
    market.calls.clear()
    for _ in range(10):
        receive(listing.variant, warehouses[0], 1)
    assert pending(listing).count() == 10
    report = sync_drain(listing.account_id)
    (updates,) = market.calls_of("update_offers")
    assert [(u.sku, u.quantity) for u in updates] == [("TEE-RED-M", 20)]
    assert market.offers["TEE-RED-M"].quantity == 20
    assert report.pushed == 1 and not pending().exists()
    assert OutboxEntry.objects.filter(listing=listing, status=OutboxStatus.DONE).count() >= 10


def test_quantity_counts_only_available_units_of_warehouses_serving_the_channel(
        account, warehouses, market, channel):
    listing = make_listed_variant(account, warehouses, "MUG-1", qty=0)
    receive(listing.variant, warehouses[0], 4)
    receive(listing.variant, warehouses[2], 50)  # Berlin store does not serve the marketplace
    inventory.stock_reserve("checkout:a", [StockRequest(listing.variant_id, 1)], channel)
    sync_drain(account.pk)
    assert market.offers["MUG-1"].quantity == 3


def test_unchanged_state_is_not_pushed_again(listing, market, warehouses):
    market.calls.clear()
    receive(listing.variant, warehouses[2], 3)  # not a warehouse of this channel
    sync_drain(listing.account_id)
    assert market.calls_of("update_offers") == []
    assert not pending().exists()


def test_updates_are_batched_by_the_connectors_bulk_limit(account, warehouses, market):
    listings = [make_listed_variant(account, warehouses, f"SKU-B{i}", qty=2) for i in range(12)]
    market.calls.clear()
    for lst in listings:
        receive(lst.variant, warehouses[0], 1)
    sync_drain(account.pk)
    sizes = [len(u) for u in market.calls_of("update_offers")]
    assert sizes == [5, 5, 2]
    assert all(market.offers[lst.sku].quantity == 3 for lst in listings)


def test_rate_limited_backs_off_then_succeeds(listing, market, warehouses, moving_clock):
    market.queued_faults.append(RateLimited("429", status=429, retry_after=30))
    receive(listing.variant, warehouses[0], 1)
    report = sync_drain(listing.account_id)
    assert report.retried == 1
    row = pending(listing).get()
    assert row.attempts == 1 and "RateLimited" in row.last_error
    wait = (row.available_at - row.updated_at).total_seconds()
    assert wait >= 29  # never earlier than Retry-After
    assert sync_drain(listing.account_id).pushed == 0  # not due yet
    moving_clock.advance(wait + 1)
    assert sync_drain(listing.account_id).pushed == 1
    assert market.offers["TEE-RED-M"].quantity == 11
    assert SyncLog.objects.filter(error_class="RateLimited").exists()


def test_backoff_grows_exponentially_with_jitter():
    from hub.services.sync import backoff_delay

    first = [backoff_delay(1) for _ in range(50)]
    fifth = [backoff_delay(5) for _ in range(50)]
    assert all(1 <= d <= 2 for d in first) and len(set(first)) > 1
    assert all(16 <= d <= 32 for d in fifth)


def test_auth_failure_pauses_the_account_and_raises_an_alert(listing, market, warehouses,
                                                            moving_clock):
    market.auth_broken = True
    receive(listing.variant, warehouses[0], 1)
    report = sync_drain(listing.account_id)
    account = listing.account
    account.refresh_from_db()
    assert account.status == AccountStatus.PAUSED and "refresh token revoked" in account.paused_reason
    alert = Alert.objects.get(kind=AlertKind.AUTH_FAILED, is_open=True)
    assert alert.account == account and report.paused == [account.pk]
    row = pending(listing).get()
    assert row.attempts == 0  # not held against the row
    receive(listing.variant, warehouses[0], 1)
    assert sync_drain(listing.account_id).claimed == 0  # paused: nothing is pushed
    market.auth_broken = False
    account_resume(account)
    sync_drain(account.pk)
    assert market.offers["TEE-RED-M"].quantity == 12
    assert not Alert.objects.filter(kind=AlertKind.AUTH_FAILED, is_open=True).exists()


def test_rejected_item_marks_the_listing_in_error_with_the_marketplace_message(
        listing, market, warehouses):
    market.reject_skus["TEE-RED-M"] = "Price is below the minimum allowed (8541)"
    receive(listing.variant, warehouses[0], 1)
    sync_drain(listing.account_id)
    listing.refresh_from_db()
    assert listing.status == ListingStatus.ERROR and listing.last_sync_ok is False
    assert listing.marketplace_messages == ["Price is below the minimum allowed (8541)"]
    assert listing.error_code == "25002"
    assert OutboxEntry.objects.get(listing=listing, status=OutboxStatus.FAILED)
    # Stock keeps flowing while the listing is live and in error.
    del market.reject_skus["TEE-RED-M"]
    receive(listing.variant, warehouses[0], 1)
    sync_drain(listing.account_id)
    listing.refresh_from_db()
    assert market.offers["TEE-RED-M"].quantity == 12 and listing.status == ListingStatus.ACTIVE


def test_a_rejected_batch_is_split_to_find_the_culprit(account, warehouses, market):
    listings = [make_listed_variant(account, warehouses, f"SKU-R{i}", qty=2) for i in range(4)]
    market.reject_calls_with.add("SKU-R2")
    for lst in listings:
        receive(lst.variant, warehouses[0], 1)
    sync_drain(account.pk)
    for lst in listings:
        lst.refresh_from_db()
    assert [lst.status for lst in listings] == [ListingStatus.ACTIVE, ListingStatus.ACTIVE,
                                                ListingStatus.ERROR, ListingStatus.ACTIVE]
    assert listings[2].last_sync_result == "The request contains an invalid offer"
    assert [market.offers[f"SKU-R{i}"].quantity for i in (0, 1, 3)] == [3, 3, 3]


def test_rejected_publish_keeps_the_listing_off_the_marketplace(account, warehouses, market):
    market.reject_skus["BAD-1"] = "Missing required attribute: brand"
    listing = make_listed_variant(account, warehouses, "BAD-1", qty=1)
    assert listing.status == ListingStatus.ERROR and not listing.is_live
    assert "BAD-1" not in market.offers
    assert listing.marketplace_messages == ["Missing required attribute: brand"]
    del market.reject_skus["BAD-1"]
    listing_update(listing, attributes={"brand": "Omniport"})
    sync_drain(account.pk)
    listing.refresh_from_db()
    assert listing.status == ListingStatus.ACTIVE and listing.is_live
    assert market.offers["BAD-1"].payload.attributes == {"brand": "Omniport"}


def test_dead_letter_after_max_tries_then_retry(listing, market, warehouses, moving_clock,
                                                settings):
    settings.HUB_SYNC_MAX_ATTEMPTS = 3
    market.queued_faults.extend(Transient("503", status=503) for _ in range(3))
    receive(listing.variant, warehouses[0], 1)
    for _ in range(3):
        sync_drain(listing.account_id)
        moving_clock.advance(3600)
    row = OutboxEntry.objects.get(listing=listing, status=OutboxStatus.DEAD)
    assert row.attempts == 3 and "503" in row.last_error
    assert Alert.objects.filter(kind=AlertKind.DEAD_LETTER, is_open=True).count() == 1
    assert market.offers["TEE-RED-M"].quantity == 10
    assert outbox_retry(OutboxEntry.objects.filter(pk=row.pk)) == 1
    sync_drain(listing.account_id)
    assert market.offers["TEE-RED-M"].quantity == 11
    row.refresh_from_db()
    assert row.status == OutboxStatus.DONE
    assert not Alert.objects.filter(kind=AlertKind.DEAD_LETTER, is_open=True).exists()


def test_rows_of_a_dead_worker_come_back_after_the_lease(listing, market, warehouses,
                                                         moving_clock, settings):
    from hub.services.sync import _AccountDrain

    settings.HUB_SYNC_LEASE_SECONDS = 60

    receive(listing.variant, warehouses[0], 1)
    claimer = _AccountDrain(listing.account, deadline=float("inf"))
    rows = claimer._claim(100)  # a worker claims, then dies before pushing
    assert len(rows) == 1
    assert sync_drain(listing.account_id).claimed == 0  # leased: nobody else takes it
    moving_clock.advance(settings.HUB_SYNC_LEASE_SECONDS + 1)
    report = sync_drain(listing.account_id)
    assert report.claimed == 1 and market.offers["TEE-RED-M"].quantity == 11


def test_two_claimers_never_take_the_same_subject(account, warehouses, market):
    from hub.services.sync import _AccountDrain

    listings = [make_listed_variant(account, warehouses, f"SKU-C{i}", qty=1) for i in range(6)]
    for lst in listings:
        receive(lst.variant, warehouses[0], 1)
        receive(lst.variant, warehouses[0], 1)
    first = _AccountDrain(account, deadline=float("inf"))._claim(6)
    second = _AccountDrain(account, deadline=float("inf"))._claim(100)
    subjects_first = {r.subject for r in first}
    subjects_second = {r.subject for r in second}
    assert len(subjects_first) == 3 and len(subjects_second) == 3
    assert not subjects_first & subjects_second
    assert len(first) == 6  # both rows of each claimed listing travel together


def test_delist_and_relist(listing, market):
    listing_delist(listing)
    sync_drain(listing.account_id)
    listing.refresh_from_db()
    assert not market.offers["TEE-RED-M"].live and not listing.is_live
    from hub.services import listing_relist

    listing_relist(listing)
    sync_drain(listing.account_id)
    listing.refresh_from_db()
    assert market.offers["TEE-RED-M"].live and listing.is_live
    assert market.offers["TEE-RED-M"].quantity == 10


def test_draft_listing_is_not_pushed(account, warehouses, market):
    variant = VariantFactory(sku="DRAFT-1")
    receive(variant, warehouses[0], 3)
    listing_create(account, variant)
    sync_drain(account.pk)
    assert "DRAFT-1" not in market.offers


def test_listing_edit_is_pushed_as_a_full_publish(listing, market):
    listing_update(listing, title="Red tee, organic cotton")
    sync_drain(listing.account_id)
    assert market.offers["TEE-RED-M"].title == "Red tee, organic cotton"


def test_price_change_is_pushed(listing, market):
    from commerce.catalog.services import variant_price_set
    from hub.services import variants_prices_changed

    variant_price_set(listing.variant, listing.account.channel, price="24.50", currency="USD")
    variants_prices_changed([listing.variant_id])
    sync_drain(listing.account_id)
    assert market.offers["TEE-RED-M"].price == Decimal("24.500")


def test_paused_account_changes_wait_and_are_coalesced_on_resume(listing, market, warehouses):
    from hub.services import account_pause

    account_pause(listing.account, "merchant holiday")
    for _ in range(5):
        receive(listing.variant, warehouses[0], 1)
    sync_drain(listing.account_id)
    assert market.offers["TEE-RED-M"].quantity == 10
    market.calls.clear()
    account_resume(listing.account)
    sync_drain(listing.account_id)
    assert len(market.calls_of("update_offers")) == 1
    assert market.offers["TEE-RED-M"].quantity == 15


def test_skipped_sku_in_a_feed_is_retried(listing, market, warehouses, moving_clock):
    market.skipped_skus.add("TEE-RED-M")
    receive(listing.variant, warehouses[0], 1)
    sync_drain(listing.account_id)
    row = pending(listing).get()
    assert "did not report" in row.last_error
    market.skipped_skus.clear()
    moving_clock.advance(3600)
    sync_drain(listing.account_id)
    assert market.offers["TEE-RED-M"].quantity == 11


def test_an_unknown_error_in_the_connector_is_retried_not_fatal(listing, market, warehouses,
                                                                moving_clock):
    market.queued_faults.append(ValueError("unexpected payload"))
    receive(listing.variant, warehouses[0], 1)
    sync_drain(listing.account_id)
    assert "unexpected payload" in pending(listing).get().last_error
    moving_clock.advance(3600)
    sync_drain(listing.account_id)
    assert market.offers["TEE-RED-M"].quantity == 11
