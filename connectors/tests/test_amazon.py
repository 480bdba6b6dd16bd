"""Amazon connector against the Amazon sandbox over real loopback HTTP."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from connectors.amazon.connector import AmazonConnector
from connectors.base import (
    AuthFailed,
    BatchResult,
    CancelReason,
    LocationQuantity,
    OfferUpdate,
    RateLimited,
    Rejected,
    RemoteOrderStatus,
    Shipment,
    Transient,
)
from connectors.http import NO_RETRY, RetryPolicy
from connectors.tests.conftest import FrozenClock, freeze_client_budget, listing

HOUR_AGO = datetime.now(UTC) - timedelta(hours=1)


def test_listing_published_then_read_back(amazon, amazon_app):
    result = amazon.upsert_listing(listing("MUG-1", price="19.99", quantity=5))

    assert result.ok
    state = amazon_app.listing_state("MUG-1", amazon.credentials.seller_id)
    assert (Decimal(state["price"]), state["currency"], state["quantity"]) == (
        Decimal("19.99"),
        "USD",
        5,
    )
    [offer] = amazon.fetch_offers(["MUG-1", "NOT-LISTED"])
    assert (offer.sku, offer.price, offer.quantity) == ("MUG-1", Decimal("19.99"), 5)
    assert "BUYABLE" in offer.status and offer.external_id.startswith("B0")


def test_small_batch_goes_through_listings_patch(amazon, amazon_app):
    amazon.upsert_listing(listing("MUG-1"))

    batch = amazon.update_offers(
        [OfferUpdate("MUG-1", price=Decimal("17.50"), currency="USD", quantity=2)]
    )

    assert [r.ok for r in batch.results] == [True]
    assert amazon_app.calls.get("patchListingsItem") == 1 and not amazon_app.feeds
    [offer] = amazon.fetch_offers(["MUG-1"])
    assert (offer.price, offer.quantity) == (Decimal("17.50"), 2)


def test_invalid_listing_is_rejected_with_amazons_message(amazon):
    with pytest.raises(Rejected) as caught:
        amazon.upsert_listing(listing("MUG-1", price="0"))

    assert "purchasable_offer.our_price" in caught.value.message
    assert caught.value.code == "99022"


def test_invalid_price_in_a_patch_fails_that_item_only(amazon):
    amazon.upsert_listing(listing("MUG-1"))
    amazon.upsert_listing(listing("MUG-2"))

    batch = amazon.update_offers(
        [
            OfferUpdate("MUG-1", price=Decimal("-1"), currency="USD"),
            OfferUpdate("MUG-2", quantity=9),
        ]
    )

    assert [r.ok for r in batch.results] == [False, True]
    assert "must be greater than 0" in batch.results[0].messages[0]


def test_feed_with_one_failed_message_fails_only_that_sku(amazon, amazon_app):
    skus = [f"SKU-{i}" for i in range(12)]
    for sku in skus:
        amazon.upsert_listing(listing(sku))
    amazon_app.faults.fail_skus = {"SKU-7": "The SKU is blocked by a listing restriction."}

    submitted = amazon.update_offers([OfferUpdate(s, quantity=40 + i) for i, s in enumerate(skus)])

    # a feed is processed later: the batch comes back pending, its submission says on what
    assert submitted.results == () and not submitted.complete
    [submission] = submitted.pending
    assert submission.id == submitted.submission_id and submission.keys == tuple(skus)
    batch = amazon.wait_for(submitted, timeout=20)
    assert batch.complete and amazon_app.feeds[submission.id].status == "DONE"
    assert [r.sku for r in batch.failed] == ["SKU-7"]
    assert batch.failed[0].messages == ("The SKU is blocked by a listing restriction.",)
    remote = {o.sku: o.quantity for o in amazon.fetch_offers(skus)}
    assert remote["SKU-0"] == 40 and remote["SKU-11"] == 51


def test_feed_that_silently_skips_a_sku_is_visible_on_read_back(amazon, amazon_app):
    skus = [f"SKU-{i}" for i in range(8)]
    for sku in skus:
        amazon.upsert_listing(listing(sku, quantity=5))
    amazon_app.faults.silent_skip_skus = {"SKU-3"}

    batch = amazon.wait_for(amazon.update_offers([OfferUpdate(s, quantity=0) for s in skus]))

    assert not batch.failed and len(batch.results) == 8  # every message was accepted...
    drifted = [o.sku for o in amazon.fetch_offers(skus) if o.quantity != 0]
    assert drifted == ["SKU-3"]  # ...but read-back shows the drift


def test_patch_on_an_unknown_sku_succeeds_but_changes_nothing(amazon):
    batch = amazon.update_offers([OfferUpdate("GHOST", quantity=3)])

    assert batch.results[0].ok
    assert amazon.fetch_offers(["GHOST"]) == []


def test_expired_token_is_refreshed_once_under_concurrency(amazon_app):
    amazon_app.set_rate_scale(100)  # the point here is the token, not the rate budget
    amazon = AmazonConnector(amazon_app.credentials(rate_scale="100"))
    amazon.upsert_listing(listing("MUG-1"))
    refreshes = amazon.token_status().refresh_count
    amazon_app.expire_tokens()
    errors: list[BaseException] = []

    def read() -> None:
        try:
            assert amazon.fetch_offers(["MUG-1"])[0].quantity == 5
        except BaseException as exc:  # noqa: BLE001 - collected for the assert below
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert amazon.token_status().refresh_count == refreshes + 1
    assert amazon_app.tokens.issued == 2


def test_token_is_refreshed_before_it_expires(amazon_app):
    connector = AmazonConnector(amazon_app.credentials(), retry=NO_RETRY)
    amazon_app.tokens.ttl = 5  # refreshed 10 % before expiry: after 4.5 s
    connector.fetch_offers(["X"])
    manager = connector.client.tokens
    started = manager._refreshed_at
    assert started is not None
    manager._clock = lambda: started + 4.6  # 0.4 s before expiry, inside the 10 % margin

    connector.fetch_offers(["X"])

    assert manager.refresh_count == 2
    assert amazon_app.calls.get("searchListingsItems") == 2  # no 403 round trip


def test_revoked_refresh_token_is_auth_failed(amazon, amazon_app):
    amazon_app.revoke(amazon.credentials.refresh_token)

    with pytest.raises(AuthFailed) as caught:
        amazon.fetch_offers(["MUG-1"])

    assert caught.value.code == "invalid_grant"
    assert amazon.token_status().state == "failed"


def test_wrong_client_secret_is_auth_failed(amazon_app):
    credentials = amazon_app.credentials()
    from dataclasses import replace

    connector = AmazonConnector(replace(credentials, client_secret="wrong"), retry=NO_RETRY)
    with pytest.raises(AuthFailed, match="invalid_client"):
        connector.fetch_offers(["MUG-1"])


def test_throttled_call_raises_rate_limited_with_retry_after(amazon_app):
    connector = AmazonConnector(amazon_app.credentials(), retry=NO_RETRY)
    amazon_app.faults.fail_next(429, count=1, operations={"searchListingsItems"})

    with pytest.raises(RateLimited) as caught:
        connector.fetch_offers(["MUG-1"])

    assert caught.value.status == 429 and caught.value.code == "QuotaExceeded"
    assert caught.value.retry_after == pytest.approx(1 / 5)  # x-amzn-RateLimit-Limit: 5


def test_short_throttle_is_waited_out_by_the_client(amazon, amazon_app):
    amazon.upsert_listing(listing("MUG-1"))
    amazon_app.faults.fail_next(429, count=1, operations={"searchListingsItems"})

    assert amazon.fetch_offers(["MUG-1"])[0].sku == "MUG-1"


def test_sandbox_enforces_the_documented_burst(amazon_app):
    # Client pacing off: the sandbox's own token bucket answers 429 past the burst of 5.
    amazon_app.clock = FrozenClock()
    connector = AmazonConnector(amazon_app.credentials(), retry=NO_RETRY, pace=False)
    for _ in range(5):
        connector.update_offers([OfferUpdate("X", quantity=1)])

    with pytest.raises(RateLimited) as caught:
        connector.update_offers([OfferUpdate("X", quantity=1)])

    assert caught.value.code == "QuotaExceeded"
    assert caught.value.retry_after == pytest.approx(0.2)


def test_client_paces_itself_instead_of_hitting_429(amazon_app):
    connector = AmazonConnector(amazon_app.credentials(), retry=RetryPolicy(max_rate_wait=0))
    freeze_client_budget(connector, "patchListingsItem", FrozenClock())
    for _ in range(5):
        connector.update_offers([OfferUpdate("X", quantity=1)])

    with pytest.raises(RateLimited) as caught:
        connector.update_offers([OfferUpdate("X", quantity=1)])

    assert caught.value.code == "client_throttle"
    assert caught.value.retry_after is not None and caught.value.retry_after > 0
    assert amazon_app.calls["patchListingsItem"] == 5  # the sixth never left the process


def test_server_error_is_transient(amazon_app):
    connector = AmazonConnector(amazon_app.credentials(), retry=NO_RETRY)
    amazon_app.faults.fail_next(500, count=1)

    with pytest.raises(Transient) as caught:
        connector.fetch_offers(["MUG-1"])

    assert caught.value.status == 500


def test_one_server_error_is_retried_transparently(amazon, amazon_app):
    amazon_app.faults.fail_next(503, count=1, operations={"searchListingsItems"})

    assert amazon.fetch_offers(["MUG-1"]) == []
    assert amazon_app.calls["searchListingsItems"] == 2


def test_connection_refused_is_transient(amazon_app):
    from dataclasses import replace

    credentials = replace(amazon_app.credentials(), endpoint="http://127.0.0.1:9")
    connector = AmazonConnector(credentials, retry=NO_RETRY)
    with pytest.raises(Transient):
        connector.fetch_offers(["MUG-1"])


def test_admin_endpoint_sets_faults(amazon_app):
    httpx.post(
        amazon_app.base_url + "/_sandbox/faults", json={"fail": {"status": 429, "count": 2}}
    ).raise_for_status()
    connector = AmazonConnector(amazon_app.credentials(), retry=NO_RETRY)

    for _ in range(2):
        with pytest.raises(RateLimited):
            connector.fetch_offers(["X"])
    assert connector.fetch_offers(["X"]) == []


def test_orders_are_paged_with_next_token(amazon_app):
    connector = AmazonConnector(amazon_app.credentials(orders_page_size="2"), retry=NO_RETRY)
    created = [
        amazon_app.create_order([{"sku": f"MUG-{i}", "quantity": 1, "price": "9.50"}])[
            "AmazonOrderId"
        ]
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

    assert pages == 3 and sorted(seen) == sorted(created)
    assert page.window_end is not None


def test_imported_order_carries_lines_money_and_address(amazon, amazon_app):
    amazon_app.create_order(
        [
            {"sku": "MUG-1", "quantity": 3, "price": "9.50"},
            {"sku": "MUG-2", "quantity": 1, "price": "4.00"},
        ],
        shipping="5.00",
        ship_to={"Name": "José Müller", "CountryCode": "DE", "City": "Köln"},
    )

    [order] = amazon.fetch_orders(HOUR_AGO).orders

    assert order.status is RemoteOrderStatus.UNSHIPPED
    assert [(line.sku, line.quantity, line.unit_price) for line in order.lines] == [
        ("MUG-1", 3, Decimal("9.50")),
        ("MUG-2", 1, Decimal("4.00")),
    ]
    assert order.total == Decimal("37.50") and order.shipping_price == Decimal("5.00")
    assert order.shipping_address.name == "José Müller"
    assert order.shipping_address.country == "DE"


def test_cancelled_by_buyer_shows_up_as_a_later_change(amazon, amazon_app):
    order = amazon_app.create_order([{"sku": "MUG-1", "quantity": 1, "price": "9.50"}])
    first = amazon.fetch_orders(HOUR_AGO).orders[0]

    amazon_app.cancel(order["AmazonOrderId"])

    again = amazon.fetch_orders(first.updated_at).orders[0]
    assert again.status is RemoteOrderStatus.CANCELED and again.updated_at >= first.updated_at


def test_unreadable_order_is_reported_and_the_rest_imports(amazon, amazon_app):
    good = amazon_app.create_order([{"sku": "MUG-1", "quantity": 1, "price": "9.50"}])
    bad = amazon_app.create_order([{"sku": "MUG-2", "quantity": 1, "price": "9.50"}])
    weird = amazon_app.create_order([{"sku": "MUG-3", "quantity": 1, "price": "9.50"}])
    amazon_app.orders[bad["AmazonOrderId"]]["items"][0]["QuantityOrdered"] = "1e309"
    amazon_app.orders[weird["AmazonOrderId"]]["order"]["OrderStatus"] = "Teleported"

    page = amazon.fetch_orders(HOUR_AGO)

    assert [o.external_id for o in page.orders] == [good["AmazonOrderId"]]
    problems = {e.external_id: e.message for e in page.errors}
    assert "quantityOrdered" in problems[bad["AmazonOrderId"]]
    assert "unknown fulfillmentStatus 'Teleported'" in problems[weird["AmazonOrderId"]]


def test_a_backlog_comes_in_pages_with_the_items_inline(amazon_app):
    # searchOrders (Orders 2026-01-01) returns up to 100 orders with their items: no call
    # per order, so a backlog is paced by the page budget, not by getOrderItems' 0.5/s.
    for i in range(150):
        amazon_app.create_order([{"sku": f"S-{i}", "quantity": 2, "price": "1.25"}])
    connector = AmazonConnector(amazon_app.credentials(), retry=NO_RETRY)

    first = connector.fetch_orders(HOUR_AGO)
    rest = connector.fetch_orders(HOUR_AGO, cursor=first.next_cursor)

    assert len(first.orders) == 100 and rest.next_cursor is None
    orders = first.orders + rest.orders
    assert {o.external_id for o in orders} == set(amazon_app.orders)
    assert all([(ln.quantity, ln.unit_price) for ln in o.lines] == [(2, Decimal("1.25"))]
               for o in orders)
    operations = [e.operation for e in amazon_app.api_exchanges()]
    assert operations.count("searchOrders") == 2 and "getOrderItems" not in operations


def test_order_pages_keep_to_the_search_orders_usage_plan(amazon_app):
    # searchOrders allows a burst of 20 pages, then 0.0056/s (one every three minutes).
    for i in range(21):
        amazon_app.create_order([{"sku": f"S-{i}", "quantity": 1, "price": "1.00"}])
    clock = FrozenClock()
    amazon_app.clock = clock
    connector = AmazonConnector(
        amazon_app.credentials(orders_page_size="1"), retry=RetryPolicy(max_rate_wait=0)
    )
    freeze_client_budget(connector, "searchOrders", clock)

    cursor, seen = None, []
    for _ in range(20):
        page = connector.fetch_orders(HOUR_AGO, cursor=cursor)
        seen += [o.external_id for o in page.orders]
        cursor = page.next_cursor
    with pytest.raises(RateLimited):  # the hub's poll keeps its cursor and comes back
        connector.fetch_orders(HOUR_AGO, cursor=cursor)
    clock.now += 1 / 0.0056  # one page later
    last = connector.fetch_orders(HOUR_AGO, cursor=cursor)
    assert last.next_cursor is None
    assert len(set(seen + [o.external_id for o in last.orders])) == 21


def test_shipment_confirmed_with_tracking(amazon, amazon_app):
    order = amazon_app.create_order([{"sku": "MUG-1", "quantity": 2, "price": "9.50"}])
    order_id = order["AmazonOrderId"]

    amazon.confirm_shipment(
        Shipment(order_id, "UPS", "1Z999AA10123456784", datetime.now(UTC), service="Ground")
    )

    assert amazon_app.orders[order_id]["order"]["OrderStatus"] == "Shipped"
    assert amazon_app.shipments[-1]["trackingNumber"] == "1Z999AA10123456784"
    with pytest.raises(Rejected, match="nothing left to ship"):
        amazon.confirm_shipment(Shipment(order_id, "UPS", "1Z2", datetime.now(UTC)))


def test_cancel_goes_through_the_order_acknowledgement_feed(amazon, amazon_app):
    order_id = amazon_app.create_order([{"sku": "MUG-1", "quantity": 2, "price": "9.50"}])[
        "AmazonOrderId"
    ]

    submission = amazon.cancel_order(order_id, CancelReason.OUT_OF_STOCK)

    # Amazon decides in the feed: the outcome comes from polling the submission
    assert submission is not None and submission.keys == (order_id,)
    outcome = amazon.wait_for(BatchResult(results=(), pending=(submission,)))
    assert [(r.sku, r.ok) for r in outcome.results] == [(order_id, True)]
    assert amazon_app.orders[order_id]["order"]["OrderStatus"] == "Canceled"
    [feed] = amazon_app.feeds.values()
    assert feed.feed_type == "POST_ORDER_ACKNOWLEDGEMENT_DATA"
    assert (
        b"<CancelReason>NoInventory</CancelReason>"
        not in amazon_app.documents[feed.input_document_id].data
    )  # whole order: no item list
    assert amazon.cancel_order(order_id, CancelReason.OUT_OF_STOCK) is None  # idempotent
    assert len(amazon_app.feeds) == 1


def test_cancel_one_item_of_two(amazon, amazon_app):
    order = amazon_app.create_order(
        [{"sku": "A", "quantity": 1, "price": "5"}, {"sku": "B", "quantity": 2, "price": "5"}]
    )
    entry = amazon_app.orders[order["AmazonOrderId"]]
    item_b = entry["items"][1]["OrderItemId"]

    submission = amazon.cancel_order(order["AmazonOrderId"], "out_of_stock", lines=[(item_b, 2)])
    assert submission is not None
    amazon.wait_for(BatchResult(results=(), pending=(submission,)))

    assert entry["order"]["OrderStatus"] == "Unshipped"
    assert [i["QuantityOrdered"] for i in entry["items"]] == [1, 0]
    with pytest.raises(Rejected, match="whole items only"):
        amazon.cancel_order(
            order["AmazonOrderId"], "out_of_stock", lines=[(entry["items"][0]["OrderItemId"], 0)]
        )


def test_cancel_of_a_shipped_order_is_rejected(amazon, amazon_app):
    order_id = amazon_app.create_order(
        [{"sku": "A", "quantity": 1, "price": "5"}], status="Shipped"
    )["AmazonOrderId"]

    with pytest.raises(Rejected, match="already shipped"):
        amazon.cancel_order(order_id, "out_of_stock")


def test_incomplete_credentials_fail_fast(amazon_app):
    from dataclasses import replace

    with pytest.raises(AuthFailed, match="seller_id"):
        AmazonConnector(replace(amazon_app.credentials(), seller_id=""))


def test_retrying_through_random_429_and_500_ends_in_the_expected_state(amazon_app):
    seller = amazon_app.credentials().seller_id
    skus = [f"F-{i:02d}" for i in range(30)]
    for sku in skus:
        amazon_app.seed_listing(sku, quantity=1, seller_id=seller)
    amazon_app.set_rate_scale(100)
    amazon_app.faults.set_error_rate(0.2, (429, 500), seed=3)
    connector = AmazonConnector(amazon_app.credentials(rate_scale="100"), retry=NO_RETRY)
    wanted = {s: OfferUpdate(s, quantity=i) for i, s in enumerate(skus)}

    todo, attempts = list(wanted.values()), 0
    while todo and attempts < 100:
        attempts += 1
        chunk, todo = todo[:5], todo[5:]  # five at a time: the PATCH path
        try:
            batch = connector.update_offers(chunk)
        except (RateLimited, Transient):
            todo += chunk
            continue
        todo += [wanted[r.sku] for r in batch.failed]

    assert todo == [] and attempts > 6
    amazon_app.faults.set_error_rate(0)
    assert {o.sku: o.quantity for o in connector.fetch_offers(skus)} == {
        s: i for i, s in enumerate(skus)
    }


def test_quantities_per_supply_source_are_sent_and_read_back(amazon, amazon_app):
    amazon.upsert_listing(listing("MUG-1", quantity=5))

    batch = amazon.update_offers(
        [
            OfferUpdate(
                "MUG-1",
                locations=(LocationQuantity("WH-PARIS", 2), LocationQuantity("WH-BERLIN", 3)),
            ),
            OfferUpdate("MUG-2", quantity=4, locations=(LocationQuantity("WH-PARIS", 1),)),
        ]
    )

    assert [r.ok for r in batch.results] == [True, False]
    assert batch.results[1].code == "invalid_update"  # 4 is not the sum of its locations
    [offer] = amazon.fetch_offers(["MUG-1"])
    assert offer.quantity == 5
    assert set(offer.locations) == {
        LocationQuantity("WH-PARIS", 2),
        LocationQuantity("WH-BERLIN", 3),
    }


def test_a_cancelled_feed_reports_nothing_so_its_skus_are_pushed_again(amazon, amazon_app):
    skus = [f"SKU-{i}" for i in range(7)]
    for sku in skus:
        amazon_app.seed_listing(sku, seller_id=amazon.credentials.seller_id)
    amazon_app.feed_queue_seconds = 60.0  # stays IN_QUEUE long enough to be cancelled
    [submission] = amazon.update_offers([OfferUpdate(s, quantity=3) for s in skus]).pending
    amazon_app.feeds[submission.id].status = "CANCELLED"

    polled = amazon.poll_submission(submission)

    assert polled.results == () and polled.complete  # no word on any SKU: push them again


def test_a_feed_still_processing_stays_pending_and_is_polled_less_often(amazon, amazon_app):
    skus = [f"SKU-{i}" for i in range(7)]
    amazon_app.feed_queue_seconds = 60.0
    [submission] = amazon.update_offers([OfferUpdate(s, quantity=3) for s in skus]).pending

    polled = amazon.poll_submission(submission)

    [again] = polled.pending
    assert again.id == submission.id and again.keys == submission.keys
    assert again.poll_after > submission.poll_after


def test_shipment_names_carrier_codes_and_numeric_package_references(amazon, amazon_app):
    items = [{"sku": "A", "quantity": 2, "price": "5"}]
    order_id = amazon_app.create_order(items)["AmazonOrderId"]
    item_id = amazon_app.orders[order_id]["items"][0]["OrderItemId"]
    shipped_at = datetime.now(UTC)

    first = amazon.confirm_shipment(
        Shipment(order_id, "fedex", "TRK-1", shipped_at, lines=((item_id, 1),))
    )
    second = amazon.confirm_shipment(
        Shipment(
            order_id,
            "Acme Couriers",
            "TRK-2",
            shipped_at,
            lines=((item_id, 1),),
            package_id="2",
            ship_from="WH-PARIS",
        )
    )

    one, two = amazon_app.shipments[-2:]
    assert (one["carrierCode"], "carrierName" in one) == ("FedEx", False)
    assert one["packageReferenceId"].isdigit() and one["packageReferenceId"] == first.package_id
    assert (two["carrierCode"], two["carrierName"]) == ("Other", "Acme Couriers")
    assert (two["packageReferenceId"], two["shipFromSupplySourceId"]) == ("2", "WH-PARIS")
    assert (second.carrier, second.package_id) == ("Other", "2")
    assert amazon_app.orders[order_id]["order"]["OrderStatus"] == "Shipped"


def test_order_flags_buyer_cancel_requests_and_amazon_fulfilled_orders(amazon, amazon_app):
    order = amazon_app.create_order([{"sku": "A", "quantity": 1, "price": "5"}])
    entry = amazon_app.orders[order["AmazonOrderId"]]
    entry["items"][0]["BuyerRequestedCancel"] = {
        "IsBuyerRequestedCancel": "true",
        "BuyerCancelReason": "Found it cheaper",
    }
    entry["order"]["FulfillmentChannel"] = "AFN"

    [remote] = amazon.fetch_orders(HOUR_AGO).orders

    assert remote.cancel_requested and remote.fulfilled_by_marketplace
    assert remote.ship_by is not None and remote.ship_by > remote.created_at
