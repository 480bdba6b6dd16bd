"""eBay connector against the eBay sandbox over real loopback HTTP."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from connectors.base import (
    AuthFailed,
    CancelReason,
    LocationQuantity,
    OfferUpdate,
    RateLimited,
    Rejected,
    RemoteOrderStatus,
    Shipment,
    Transient,
)
from connectors.ebay.connector import EbayConnector
from connectors.http import NO_RETRY
from connectors.tests.conftest import FrozenClock, freeze_client_budget, listing

HOUR_AGO = datetime.now(UTC) - timedelta(hours=1)


def test_listing_published_with_offer_and_read_back(ebay, ebay_app):
    result = ebay.upsert_listing(listing("MUG-1", price="19.99", quantity=5))

    assert result.ok and result.external_id
    state = ebay_app.listing_state("MUG-1", ebay.credentials.seller_id)
    assert state["status"] == "PUBLISHED" and state["offer_id"] == result.external_id
    [offer] = ebay.fetch_offers(["MUG-1", "NOT-LISTED"])
    assert (offer.price, offer.currency, offer.quantity) == (Decimal("19.99"), "USD", 5)


def test_republishing_updates_the_same_offer(ebay, ebay_app):
    first = ebay.upsert_listing(listing("MUG-1", price="19.99"))

    second = ebay.upsert_listing(listing("MUG-1", price="21.00", quantity=2))

    assert second.external_id == first.external_id and len(ebay_app.offers) == 1
    [offer] = ebay.fetch_offers(["MUG-1"])
    assert (offer.price, offer.quantity) == (Decimal("21.00"), 2)


def test_bulk_update_of_60_skus_takes_3_calls(ebay, ebay_app):
    skus = [f"SKU-{i:02d}" for i in range(60)]
    offer_ids = {
        sku: ebay_app.seed_listing(
            sku, price="12.00", quantity=1, username=ebay.credentials.seller_id
        )
        for sku in skus
    }

    batch = ebay.update_offers(
        [
            OfferUpdate(
                s, price=Decimal("9.99"), currency="USD", quantity=i, external_id=offer_ids[s]
            )
            for i, s in enumerate(skus)
        ]
    )

    assert ebay_app.calls["bulkUpdatePriceQuantity"] == 3
    assert len(batch.results) == 60 and not batch.failed
    user = ebay.credentials.seller_id
    states = {s: ebay_app.listing_state(s, user) for s in skus}
    assert (states["SKU-00"]["price"], states["SKU-00"]["quantity"]) == ("9.99", 0)
    assert (states["SKU-59"]["price"], states["SKU-59"]["quantity"]) == ("9.99", 59)
    assert all(batch.results[i].external_id == offer_ids[s] for i, s in enumerate(skus))


def test_bulk_update_reports_failures_per_sku(ebay):
    ebay.upsert_listing(listing("MUG-1"))
    ebay.upsert_listing(listing("MUG-2"))

    batch = ebay.update_offers(
        [
            OfferUpdate("MUG-1", quantity=4),
            OfferUpdate("MUG-2", price=Decimal("0"), currency="USD"),
            OfferUpdate("NOPE", quantity=1),
        ]
    )

    assert [r.ok for r in batch.results] == [True, False, False]
    assert "price" in batch.results[1].messages[0]
    assert batch.results[2].code == "25702" and "not available" in batch.results[2].messages[0]


def test_silent_skip_is_visible_on_read_back(ebay, ebay_app):
    for sku in ("A", "B"):
        ebay.upsert_listing(listing(sku, quantity=5))
    ebay_app.faults.silent_skip_skus = {"B"}

    batch = ebay.update_offers([OfferUpdate("A", quantity=0), OfferUpdate("B", quantity=0)])

    assert not batch.failed
    assert {o.sku: o.quantity for o in ebay.fetch_offers(["A", "B"])} == {"A": 0, "B": 5}


def test_validation_error_is_rejected_with_ebays_message(ebay):
    with pytest.raises(Rejected) as caught:
        ebay.upsert_listing(listing("MUG-1", title="Mug " * 30))

    assert caught.value.code == "25718" and "80 characters" in caught.value.message


def test_publish_without_business_policies_is_rejected(ebay_app):
    credentials = ebay_app.credentials()
    connector = EbayConnector(replace(credentials, extra={}), retry=NO_RETRY)

    with pytest.raises(Rejected) as caught:
        connector.upsert_listing(listing("MUG-1"))

    assert "Fulfillment policy" in caught.value.message


def test_delist_withdraws_and_relist_publishes_again(ebay, ebay_app):
    ebay.upsert_listing(listing("MUG-1"))

    ebay.delist("MUG-1")

    assert ebay_app.listing_state("MUG-1", ebay.credentials.seller_id)["status"] == "UNPUBLISHED"
    assert ebay.delist("MUG-1").messages == ("already not listed",)
    ebay.upsert_listing(listing("MUG-1"))
    assert ebay.fetch_offers(["MUG-1"])[0].status == "PUBLISHED"


def test_expired_token_is_refreshed_once_under_concurrency(ebay, ebay_app):
    ebay.upsert_listing(listing("MUG-1"))
    refreshes = ebay.token_status().refresh_count
    ebay_app.expire_tokens()
    errors: list[BaseException] = []

    def read() -> None:
        try:
            assert ebay.fetch_offers(["MUG-1"])[0].quantity == 5
        except BaseException as exc:  # noqa: BLE001 - collected for the assert below
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert ebay.token_status().refresh_count == refreshes + 1
    assert ebay_app.tokens.issued == 2


def test_expired_token_answer_is_ebays_401(ebay_app):
    connector = EbayConnector(ebay_app.credentials(), retry=NO_RETRY)
    connector.fetch_offers(["X"])
    ebay_app.expire_tokens()

    connector.fetch_offers(["X"])

    refused = [e for e in ebay_app.api_exchanges() if e.status == 401]
    assert refused and refused[0].response_json()["errors"][0]["errorId"] == 1001


def test_revoked_refresh_token_is_auth_failed(ebay, ebay_app):
    ebay_app.revoke(ebay.credentials.refresh_token)

    with pytest.raises(AuthFailed) as caught:
        ebay.fetch_offers(["MUG-1"])

    assert caught.value.code == "invalid_grant"


def test_throttled_call_raises_rate_limited_with_retry_after(ebay_app):
    connector = EbayConnector(ebay_app.credentials(), retry=NO_RETRY)
    ebay_app.faults.fail_next(429, count=1)

    with pytest.raises(RateLimited) as caught:
        connector.fetch_offers(["MUG-1"])

    assert caught.value.code == "2001" and caught.value.retry_after is not None


def test_sandbox_throttles_past_the_burst(ebay_app):
    ebay_app.clock = FrozenClock()
    connector = EbayConnector(ebay_app.credentials(), retry=NO_RETRY, pace=False)
    for _ in range(10):  # getOrders: burst 10
        connector.fetch_orders(HOUR_AGO)

    with pytest.raises(RateLimited):
        connector.fetch_orders(HOUR_AGO)


def test_client_paces_itself_before_the_sandbox_says_429(ebay_app):
    connector = EbayConnector(ebay_app.credentials(), retry=NO_RETRY)
    freeze_client_budget(connector, "getOrders", FrozenClock())
    for _ in range(10):
        connector.fetch_orders(HOUR_AGO)

    with pytest.raises(RateLimited) as caught:
        connector.fetch_orders(HOUR_AGO)

    assert caught.value.code == "client_throttle"
    assert ebay_app.calls["getOrders"] == 10


def test_server_error_is_transient(ebay_app):
    connector = EbayConnector(ebay_app.credentials(), retry=NO_RETRY)
    ebay_app.faults.fail_next(500, count=1)

    with pytest.raises(Transient) as caught:
        connector.fetch_orders(HOUR_AGO)

    assert caught.value.status == 500 and caught.value.code == "25001"


def test_latency_beyond_the_timeout_is_transient(ebay_app):
    client = httpx.Client(timeout=httpx.Timeout(0.2))
    connector = EbayConnector(ebay_app.credentials(), retry=NO_RETRY, http=client)
    connector.fetch_orders(HOUR_AGO)  # token fetched before the sandbox slows down
    ebay_app.faults.latency = 0.5

    with pytest.raises(Transient) as caught:
        connector.fetch_orders(HOUR_AGO)

    assert caught.value.code == "timeout"
    client.close()


def test_orders_are_paged_by_offset(ebay_app):
    connector = EbayConnector(ebay_app.credentials(orders_page_size="2"), retry=NO_RETRY)
    created = [
        ebay_app.create_order([{"sku": f"S-{i}", "quantity": 1, "price": "3.00"}])["orderId"]
        for i in range(5)
    ]

    seen, cursor, pages = [], None, 0
    while True:
        page = connector.fetch_orders(HOUR_AGO, cursor=cursor)
        pages += 1
        seen += [o.external_id for o in page.orders]
        cursor = page.next_cursor
        if cursor is None:
            break

    assert pages == 3 and seen == created


def test_imported_order_carries_lines_money_and_address(ebay, ebay_app):
    ebay_app.create_order([{"sku": "MUG-1", "quantity": 2, "price": "9.50"}], shipping="4.00")

    [order] = ebay.fetch_orders(HOUR_AGO).orders

    assert order.status is RemoteOrderStatus.UNSHIPPED
    assert [(line.sku, line.quantity, line.unit_price) for line in order.lines] == [
        ("MUG-1", 2, Decimal("9.50"))
    ]
    assert order.total == Decimal("23.00") and order.shipping_price == Decimal("4.00")
    assert order.shipping_address.city == "San Jose" and order.buyer_email


def test_unpaid_order_is_pending_and_cancelled_one_is_cancelled(ebay, ebay_app):
    unpaid = ebay_app.create_order([{"sku": "A", "quantity": 1, "price": "1"}], paid=False)
    cancelled = ebay_app.create_order([{"sku": "B", "quantity": 1, "price": "1"}])
    ebay_app.cancel(cancelled["orderId"])

    statuses = {o.external_id: o.status for o in ebay.fetch_orders(HOUR_AGO).orders}

    assert statuses == {
        unpaid["orderId"]: RemoteOrderStatus.PENDING,
        cancelled["orderId"]: RemoteOrderStatus.CANCELED,
    }


def test_unreadable_order_is_reported_and_the_rest_imports(ebay, ebay_app):
    good = ebay_app.create_order([{"sku": "A", "quantity": 1, "price": "1"}])
    bad = ebay_app.create_order([{"sku": "B", "quantity": 1, "price": "1"}])
    ebay_app.orders[bad["orderId"]]["lineItems"][0]["lineItemCost"]["value"] = "NaN"

    page = ebay.fetch_orders(HOUR_AGO)

    assert [o.external_id for o in page.orders] == [good["orderId"]]
    assert page.errors[0].external_id == bad["orderId"]
    assert "lineItemCost" in page.errors[0].message


def test_shipping_fulfillment_with_tracking(ebay, ebay_app):
    order_id = ebay_app.create_order([{"sku": "A", "quantity": 2, "price": "5"}])["orderId"]

    confirmation = ebay.confirm_shipment(
        Shipment(order_id, "usps", "9400111899223344556677", datetime.now(UTC))
    )

    assert ebay_app.orders[order_id]["orderFulfillmentStatus"] == "FULFILLED"
    fulfillment = ebay_app.fulfillments[-1]
    assert fulfillment["trackingNumber"] == "9400111899223344556677"
    assert fulfillment["shippingCarrierCode"] == "USPS"  # the canonical code, in eBay's words
    assert confirmation.fulfillment_id == fulfillment["fulfillmentId"]
    with pytest.raises(Rejected, match="nothing left to ship"):
        ebay.confirm_shipment(Shipment(order_id, "USPS", "1", datetime.now(UTC)))


def test_cancel_through_post_order_api(ebay, ebay_app):
    order_id = ebay_app.create_order([{"sku": "A", "quantity": 2, "price": "5"}])["orderId"]

    ebay.cancel_order(order_id, CancelReason.OUT_OF_STOCK)

    assert ebay_app.orders[order_id]["cancelStatus"]["cancelState"] == "CANCELED"
    assert ebay_app.cancellations[-1]["cancelReason"] == "OUT_OF_STOCK_OR_CANNOT_FULFILL"
    ebay.cancel_order(order_id, CancelReason.OUT_OF_STOCK)  # idempotent
    assert len(ebay_app.cancellations) == 1
    [order] = ebay.fetch_orders(HOUR_AGO).orders
    assert order.status is RemoteOrderStatus.CANCELED


def test_partial_cancel_is_rejected(ebay, ebay_app):
    order = ebay_app.create_order([{"sku": "A", "quantity": 2, "price": "5"}])
    line_id = order["lineItems"][0]["lineItemId"]

    with pytest.raises(Rejected, match="whole orders only"):
        ebay.cancel_order(order["orderId"], "out_of_stock", lines=[(line_id, 1)])
    ebay.cancel_order(order["orderId"], "out_of_stock", lines=[(line_id, 2)])


def test_cancel_of_a_shipped_order_is_rejected(ebay, ebay_app):
    order_id = ebay_app.create_order([{"sku": "A", "quantity": 1, "price": "5"}])["orderId"]
    ebay.confirm_shipment(Shipment(order_id, "USPS", "1", datetime.now(UTC)))

    with pytest.raises(Rejected, match="already shipped"):
        ebay.cancel_order(order_id, "out_of_stock")


def test_retrying_through_random_429_and_500_ends_in_the_expected_state(ebay_app):
    # What the hub's worker does: retry what failed until everything is applied.
    skus = [f"F-{i:03d}" for i in range(100)]
    user = ebay_app.credentials().seller_id
    offer_ids = {s: ebay_app.seed_listing(s, quantity=1, username=user) for s in skus}
    ebay_app.set_rate_scale(100)
    ebay_app.faults.set_error_rate(0.2, (429, 500), seed=7)
    connector = EbayConnector(ebay_app.credentials(rate_scale="100"), retry=NO_RETRY)
    wanted = {
        s: OfferUpdate(
            s, price=Decimal("7.25"), currency="USD", quantity=i, external_id=offer_ids[s]
        )
        for i, s in enumerate(skus)
    }

    todo, attempts = list(wanted.values()), 0
    while todo and attempts < 50:
        attempts += 1
        chunk, todo = todo[:25], todo[25:]
        try:
            batch = connector.update_offers(chunk)
        except (RateLimited, Transient):
            todo += chunk
            continue
        todo += [wanted[r.sku] for r in batch.failed]

    assert todo == [] and attempts > 4  # some calls did fail and were retried
    ebay_app.faults.set_error_rate(0)
    states = {s: ebay_app.listing_state(s, user) for s in skus}
    assert all(
        states[s]["price"] == "7.25" and states[s]["quantity"] == i for i, s in enumerate(skus)
    )


def test_quantities_per_merchant_location_are_sent_and_read_back(ebay, ebay_app):
    ebay.upsert_listing(listing("MUG-1", quantity=5))

    batch = ebay.update_offers(
        [
            OfferUpdate(
                "MUG-1",
                locations=(LocationQuantity("paris", 2), LocationQuantity("berlin", 4)),
            ),
            OfferUpdate("MUG-2", quantity=1, locations=(LocationQuantity("", 1),)),
        ]
    )

    assert [r.ok for r in batch.results] == [True, False]
    assert batch.results[1].code == "invalid_update"
    [offer] = ebay.fetch_offers(["MUG-1"])
    assert offer.quantity == 6
    assert offer.locations == (LocationQuantity("paris", 2), LocationQuantity("berlin", 4))


def test_buyer_cancel_request_is_flagged_on_the_order(ebay, ebay_app):
    order_id = ebay_app.create_order([{"sku": "A", "quantity": 1, "price": "5"}])["orderId"]
    ebay_app.orders[order_id]["cancelStatus"]["cancelState"] = "IN_PROGRESS"

    [remote] = ebay.fetch_orders(HOUR_AGO).orders

    assert remote.cancel_requested and remote.status is RemoteOrderStatus.UNSHIPPED
    assert not remote.fulfilled_by_marketplace
