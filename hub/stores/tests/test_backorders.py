"""Oversold marketplace orders kept as backorders are routed like every order (trace, a
warehouse per line), and their waiting lines are allocated where they were routed once
stock comes free."""

from __future__ import annotations

from decimal import Decimal

import pytest

from commerce.inventory.models import Stock
from commerce.orders.models import OrderEvent, OrderStatus
from commerce.orders.services import OrderInput, OrderLineInput, order_cancel
from hub.models import Alert, AlertKind
from hub.services import order_import_remote
from hub.stores import services
from hub.stores.backorders import backorders_allocate
from hub.stores.models import FulfilmentStatus, StoreFulfilment
from hub.stores.routing import create_routed_order
from hub.stores.tests.utils import allocated, receive, remote, store_lines

pytestmark = pytest.mark.django_db


def test_a_backorder_is_routed_and_its_trace_names_the_waiting_line(market, amazon):
    record, outcome = order_import_remote(amazon.account,
                                          remote("302-0000001", [("TEE-BLK-M", 1), ("CAP-RED", 2)]))
    order = record.order
    assert outcome == "oversold"
    assert order.is_oversold and order.status == OrderStatus.UNFULFILLED
    # the rule decided: the tee from the Berlin store; the cap waits
    assert allocated(order) == {"TEE-BLK-M": {"store-berlin": 1}}
    routed = OrderEvent.objects.get(order=order, type="routed")
    assert routed.parameters["rule"]["name"] == "Amazon: Berlin store, then central"
    assert routed.parameters["warehouse_ids"] == [market.berlin.warehouse_id, market.central.pk]
    assert "matched rule 'Amazon: Berlin store, then central'" in routed.message
    assert ("kept as a backorder: CAP-RED ×2 wait for stock in Berlin store, Leipzig central"
            in routed.message)
    assert {a["sku"]: a["allocated"] for a in routed.parameters["allocated"]} == {
        "TEE-BLK-M": [{"id": market.berlin.warehouse_id, "name": "Berlin store", "quantity": 1}],
        "CAP-RED": []}
    assert OrderEvent.objects.get(order=order, type="backordered").message == \
        "Waiting for stock: CAP-RED × 2"
    # the Berlin store ships what it holds
    assert store_lines(order, market.berlin) == {"TEE-BLK-M": 1}
    assert Alert.objects.filter(kind=AlertKind.OVERSOLD, order=order, is_open=True).exists()


def test_arriving_stock_is_allocated_where_the_backorder_was_routed(
        market, amazon, django_capture_on_commit_callbacks):
    record, _ = order_import_remote(amazon.account,
                                    remote("302-0000002", [("TEE-BLK-M", 1), ("CAP-RED", 2)]))
    order = record.order
    # caps reach the Munich store: not where this order was routed, it keeps waiting
    with django_capture_on_commit_callbacks(execute=True):
        receive(amazon.cap, market.munich.warehouse, 5)
    assert allocated(order) == {"TEE-BLK-M": {"store-berlin": 1}}
    assert not OrderEvent.objects.filter(order=order, type="backorder-allocated").exists()
    # caps reach the central warehouse (second in the rule): allocated there on commit
    with django_capture_on_commit_callbacks(execute=True):
        receive(amazon.cap, market.central, 5)
    assert allocated(order) == {"TEE-BLK-M": {"store-berlin": 1}, "CAP-RED": {"de-central": 2}}
    event = OrderEvent.objects.get(order=order, type="backorder-allocated")
    assert "CAP-RED ×2 allocated at 2 at Leipzig central" in event.message
    assert "every line is allocated now" in event.message
    assert not Alert.objects.filter(kind=AlertKind.OVERSOLD, order=order, is_open=True).exists()
    # the central warehouse ships the cap: the Berlin store's queue is unchanged
    assert store_lines(order, market.berlin) == {"TEE-BLK-M": 1}
    # running again (beat safety net) allocates nothing twice
    assert backorders_allocate() == 0
    assert Stock.objects.get(variant=amazon.cap, warehouse=market.central).quantity_allocated == 2


def test_stock_arriving_in_the_store_joins_its_ship_from_store_queue(
        market, amazon, django_capture_on_commit_callbacks):
    record, _ = order_import_remote(amazon.account,
                                    remote("302-0000003", [("TEE-BLK-M", 1), ("CAP-RED", 1)]))
    order = record.order
    with django_capture_on_commit_callbacks(execute=True):
        receive(amazon.cap, market.berlin.warehouse, 1, "D-04")
    assert allocated(order) == {"TEE-BLK-M": {"store-berlin": 1}, "CAP-RED": {"store-berlin": 1}}
    f = StoreFulfilment.objects.get(order=order, store=market.berlin)
    assert f.status == FulfilmentStatus.QUEUED
    assert store_lines(order, market.berlin) == {"TEE-BLK-M": 1, "CAP-RED": 1}
    # the clerk now packs both and the order is complete
    services.fulfilment_scan(f, "TEE-BLK-M")
    services.fulfilment_scan(f, "4006381333955")
    services.fulfilment_ship(f, carrier="DHL", tracking_number="JJD000111222")
    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED


def test_a_store_that_already_shipped_its_part_is_skipped_for_the_rest(
        market, amazon, django_capture_on_commit_callbacks):
    record, _ = order_import_remote(amazon.account,
                                    remote("302-0000004", [("TEE-BLK-M", 1), ("CAP-RED", 1)]))
    order = record.order
    f = StoreFulfilment.objects.get(order=order, store=market.berlin)
    services.fulfilment_scan(f, "TEE-BLK-M")
    services.fulfilment_ship(f, carrier="DHL", tracking_number="JJD000111333")
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_FULFILLED
    with django_capture_on_commit_callbacks(execute=True):
        receive(amazon.cap, market.berlin.warehouse, 1)  # Berlin's parcel has left
    assert "CAP-RED" not in allocated(order)
    with django_capture_on_commit_callbacks(execute=True):
        receive(amazon.cap, market.central, 1)
    assert allocated(order)["CAP-RED"] == {"de-central": 1}


def test_units_a_canceled_order_gives_back_go_to_the_waiting_backorder(
        market, amazon, django_capture_on_commit_callbacks):
    receive(amazon.cap, market.central, 1)
    first = create_routed_order(OrderInput(
        channel=market.channel, currency="EUR", lines=[OrderLineInput(sku="CAP-RED", quantity=1,
                                                                      unit_price=Decimal(12))]))
    record, outcome = order_import_remote(amazon.account, remote("302-0000005", [("CAP-RED", 1)]))
    assert outcome == "oversold" and allocated(record.order) == {}
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(first, reason="customer changed their mind")
    assert allocated(record.order) == {"CAP-RED": {"de-central": 1}}


def test_a_canceled_backorder_waits_for_nothing(market, amazon,
                                                django_capture_on_commit_callbacks):
    record, _ = order_import_remote(amazon.account, remote("302-0000006", [("CAP-RED", 1)]))
    order_cancel(record.order, reason="buyer canceled")
    with django_capture_on_commit_callbacks(execute=True):
        receive(amazon.cap, market.central, 3)
    assert allocated(record.order) == {}
    assert Stock.objects.get(variant=amazon.cap, warehouse=market.central).quantity_allocated == 0


def test_one_allocation_run_after_a_transaction_that_received_several_times(
        market, amazon, django_capture_on_commit_callbacks):
    from django.db import transaction

    from hub.stores.backorders import _PendingBackorders

    record, _ = order_import_remote(amazon.account, remote("302-0000007", [("CAP-RED", 2)]))
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        receive(amazon.cap, market.central, 1)  # one cap is not enough for the line of 2
        receive(market.mug, market.central, 1)
        receive(amazon.cap, market.central, 1)
    batches = {c.batch for c in callbacks if isinstance(c, _PendingBackorders)}
    assert len(batches) == 1  # one allocation pass for the three receipts
    assert {amazon.cap.pk, market.mug.pk} <= batches.pop().variant_ids
    assert allocated(record.order) == {"CAP-RED": {"de-central": 2}}
