"""The hub's side of the connector interface pieces Shopee, AliExpress and Walmart need:
feed-like submissions, cut order windows, order flags, rotated refresh tokens."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from commerce.orders.models import Order, OrderStatus
from connectors.base import (
    AuthFailed,
    RemoteOrderLine,
    RemoteOrderStatus,
    TokenGrant,
)
from hub.connectors import AccountTokenStore, connector_for
from hub.models import (
    Alert,
    AlertKind,
    ImportStatus,
    MarketplaceAccount,
    OutboxEntry,
    OutboxStatus,
    SyncLog,
)
from hub.serialization import remote_order_from_json, remote_order_to_json
from hub.services import account_orders_poll, order_import_remote, sync_drain
from hub.tests.conftest import receive, remote_order

pytestmark = pytest.mark.django_db


# --------------------------------------------------------------------------- submissions


def test_feed_like_updates_are_polled_until_the_marketplace_reports(listing, market, warehouses,
                                                                    moving_clock):
    # given a marketplace that processes bulk updates later, after two polls
    market.feed_polls = 2
    receive(listing.variant, warehouses[0], 5)

    sync_drain(listing.account_id)

    # then the hub polled the submission, waited as told, and settled the row
    assert market.offers["TEE-RED-M"].quantity == 15
    assert len(market.calls_of("poll_submission")) == 3
    assert moving_clock.slept.count(0.5) >= 3
    assert not OutboxEntry.objects.exclude(status=OutboxStatus.DONE).exists()
    assert SyncLog.objects.filter(operation="poll_submission").count() == 3
    listing.refresh_from_db()
    assert listing.pushed_quantity == 15 and listing.last_sync_ok


def test_a_submission_that_never_finishes_goes_back_to_the_outbox(listing, market, warehouses,
                                                                  settings):
    settings.HUB_SYNC_SUBMISSION_WAIT = 0  # no patience at all
    market.feed_polls = 1
    receive(listing.variant, warehouses[0], 5)

    sync_drain(listing.account_id)

    row = OutboxEntry.objects.get(listing=listing, status=OutboxStatus.PENDING)
    assert "not finished processing" in row.last_error
    assert market.calls_of("poll_submission") == []


def test_a_sku_the_feed_report_leaves_out_is_pushed_again(listing, market, warehouses,
                                                          moving_clock):
    market.feed_polls = 0
    market.skipped_skus.add("TEE-RED-M")
    receive(listing.variant, warehouses[0], 1)

    sync_drain(listing.account_id)

    row = OutboxEntry.objects.get(listing=listing, status=OutboxStatus.PENDING)
    assert "did not report" in row.last_error


# --------------------------------------------------------------------------- orders


def test_a_cut_order_window_moves_the_cursor_only_as_far_as_read(account, listing, market):
    # given a marketplace that answers at most one day per call (Shopee: 15 days)
    market.max_window = timedelta(days=1)
    now = timezone.now()
    account.orders_cursor = now - timedelta(days=3)
    account.save(update_fields=["orders_cursor"])
    market.add_order(remote_order("W-1", updated_at=now - timedelta(days=2, hours=12)))
    market.add_order(remote_order("W-2", updated_at=now - timedelta(hours=1)))

    account_orders_poll(account)
    account.refresh_from_db()

    # then the first poll read one day and the cursor stopped there
    cut = now - timedelta(days=3, seconds=account.orders_overlap_seconds) + timedelta(days=1)
    assert abs(account.orders_cursor - cut) < timedelta(seconds=5)
    assert set(Order.objects.values_list("external_id", flat=True)) == {"W-1"}
    # and the following polls catch up, nothing skipped
    for _ in range(3):
        account.refresh_from_db()
        account_orders_poll(account)
    assert set(Order.objects.values_list("external_id", flat=True)) == {"W-1", "W-2"}


def test_an_order_fulfilled_by_the_marketplace_allocates_nothing(account, listing):
    remote = replace(remote_order("AFN-1"), fulfilled_by_marketplace=True)

    record, outcome = order_import_remote(account, remote)

    assert outcome == "skipped" and record.order is None
    assert record.error_code == "marketplace_fulfilled"
    assert not Order.objects.filter(external_id="AFN-1").exists()


def test_an_order_delivered_before_the_hub_saw_it_is_skipped(account, listing):
    record, outcome = order_import_remote(
        account, remote_order("D-1", status=RemoteOrderStatus.DELIVERED))

    assert outcome == "skipped" and record.status == ImportStatus.SKIPPED


def test_a_buyer_cancel_request_raises_an_alert_until_it_is_answered(account, listing, market):
    now = timezone.now()
    asked = replace(remote_order("CR-1", updated_at=now - timedelta(minutes=3)),
                    cancel_requested=True)

    record, outcome = order_import_remote(account, asked)

    assert outcome == "imported"
    order = record.order
    assert order.events.filter(type="marketplace_cancel_requested").count() == 1
    alert = Alert.objects.get(kind=AlertKind.ORDER_PROBLEM, order=order, is_open=True)
    assert "asked to cancel" in alert.message
    # the seller refused on the marketplace: the flag drops, the alert closes
    refused = replace(asked, cancel_requested=False, updated_at=now - timedelta(minutes=1))
    order_import_remote(account, refused)
    alert.refresh_from_db()
    assert not alert.is_open and Order.objects.get(pk=order.pk).status != OrderStatus.CANCELED


def test_new_order_fields_survive_the_import_record():
    remote = remote_order("J-1")
    line = RemoteOrderLine("J-1-0", "TEE-RED-M", 2, Decimal("20"), "USD", shipped_quantity=1,
                           canceled_quantity=1, location_id="WH-7")
    remote = replace(remote, lines=(line,), cancel_requested=True, fulfilled_by_marketplace=True,
                     ship_by=timezone.now().replace(microsecond=0))

    again = remote_order_from_json(remote_order_to_json(remote))

    assert again == remote
    older = remote_order_to_json(remote)
    for key in ("cancel_requested", "fulfilled_by_marketplace", "ship_by"):
        del older[key]
    assert not remote_order_from_json(older).cancel_requested  # payloads stored before


# --------------------------------------------------------------------------- tokens


def test_a_rotated_refresh_token_is_stored_encrypted_and_used_next(account):
    store = AccountTokenStore(account.pk)
    used: list[str] = []

    def exchange(refresh_token: str) -> TokenGrant:
        used.append(refresh_token)
        return TokenGrant("AT", 14400, refresh_token=f"{refresh_token}+1")

    store.refresh(exchange)
    store.refresh(exchange)

    assert used == ["rt", "rt+1"]
    account.refresh_from_db()
    assert account.refresh_token == "rt+1+1"
    with connection.cursor() as cursor:
        cursor.execute("SELECT refresh_token FROM hub_marketplaceaccount WHERE id = %s",
                       [account.pk])
        (stored,) = cursor.fetchone()
    assert "rt+1+1" not in stored  # ciphertext at rest


def test_a_refused_refresh_changes_nothing(account):
    def exchange(refresh_token: str) -> TokenGrant:
        raise AuthFailed("invalid_grant", code="invalid_grant")

    with pytest.raises(AuthFailed):
        AccountTokenStore(account.pk).refresh(exchange)

    account.refresh_from_db()
    assert account.refresh_token == "rt"


def test_a_rotated_refresh_token_does_not_rebuild_the_connector(account):
    first = connector_for(account)
    MarketplaceAccount.objects.filter(pk=account.pk).update(refresh_token="rotated")
    account.refresh_from_db()

    assert connector_for(account) is first
    MarketplaceAccount.objects.filter(pk=account.pk).update(seller_id="another")
    account.refresh_from_db()
    assert connector_for(account) is not first
