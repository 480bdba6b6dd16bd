"""An order split across a store and the central warehouse: the store's clerk ships and
confirms only the store's lines, stock falls in that store only, the marketplace hears of
that parcel's lines only, and the order is fulfilled when the central part has shipped too."""

from __future__ import annotations

import pytest

from commerce.inventory.models import Stock
from commerce.orders.errors import OrderError
from commerce.orders.models import OrderEvent, OrderStatus
from commerce.orders.services import order_fulfil
from hub.models import OutboxEntry, OutboxKind
from hub.services import order_import_remote, order_ship_confirm
from hub.stores import services
from hub.stores.errors import StoresError, StoresErrorCode
from hub.stores.models import FulfilmentStatus, StoreFulfilment
from hub.stores.tests.utils import allocated, pickup_order, receive, remote, store_lines

pytestmark = pytest.mark.django_db


def units(variant, warehouse) -> tuple[int, int]:  # noqa: ANN001
    s = Stock.objects.get(variant=variant, warehouse=warehouse)
    return s.quantity, s.quantity_allocated


@pytest.fixture
def split_order(market, amazon):
    """Amazon order: 1 tee + 5 mugs + 1 cap. Berlin holds the tee and 3 mugs, the central
    warehouse the 2 other mugs and the cap (the rule allows splitting)."""
    receive(amazon.cap, market.central, 4)
    record, outcome = order_import_remote(
        amazon.account, remote("302-5550001", [("TEE-BLK-M", 1), ("MUG-WHT", 5), ("CAP-RED", 1)]))
    assert outcome == "imported"
    order = record.order
    assert allocated(order) == {"TEE-BLK-M": {"store-berlin": 1},
                                "MUG-WHT": {"store-berlin": 3, "de-central": 2},
                                "CAP-RED": {"de-central": 1}}
    return order


def test_the_store_ships_and_confirms_only_its_own_lines(market, amazon, split_order):
    order = split_order
    f = StoreFulfilment.objects.get(order=order)
    assert f.store == market.berlin
    assert store_lines(order, market.berlin) == {"TEE-BLK-M": 1, "MUG-WHT": 3}
    central_before = {v.pk: units(v, market.central) for v in (market.mug, amazon.cap)}

    # the cap is in the order, but the central warehouse ships it: the clerk is told so
    with pytest.raises(StoresError) as wrong:
        services.fulfilment_scan(f, "CAP-RED", clerk=market.clerk_berlin)
    assert wrong.value.code == StoresErrorCode.WRONG_ITEM
    assert "not in this store's part of order" in wrong.value.message
    services.fulfilment_scan(f, "TEE-BLK-M", clerk=market.clerk_berlin)
    services.fulfilment_scan(f, "MUG-WHT", clerk=market.clerk_berlin, quantity=3)
    services.fulfilment_ship(f, carrier="DHL", tracking_number="JJD000777001",
                             clerk=market.clerk_berlin)

    order.refresh_from_db()
    f.refresh_from_db()
    assert f.status == FulfilmentStatus.SHIPPED
    assert order.status == OrderStatus.PARTIALLY_FULFILLED  # the central part is still open
    assert {ln.product_sku: ln.quantity_fulfilled for ln in order.lines.all()} == {
        "TEE-BLK-M": 1, "MUG-WHT": 3, "CAP-RED": 0}
    # stock left the Berlin store only; the central warehouse still holds its part
    assert units(market.tee, market.berlin.warehouse) == (4, 0)
    assert units(market.mug, market.berlin.warehouse) == (0, 0)
    assert {v.pk: units(v, market.central) for v in (market.mug, amazon.cap)} == central_before
    assert allocated(order) == {"MUG-WHT": {"de-central": 2}, "CAP-RED": {"de-central": 1}}
    # Amazon is told about this parcel's lines only (its order item ids and units)
    ship = OutboxEntry.objects.get(order=order, kind=OutboxKind.ORDER_SHIP)
    assert ship.payload["tracking_number"] == "JJD000777001"
    assert ship.payload["lines"] == [["302-5550001-0", 1], ["302-5550001-1", 3]]
    assert ship.reason == f"ship:store:{market.berlin.pk}"

    # the central warehouse ships the rest: stores' units are not touched from there
    assert order_fulfil(order) == 3
    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED
    assert units(market.tee, market.berlin.warehouse) == (4, 0)
    assert units(amazon.cap, market.central) == (central_before[amazon.cap.pk][0] - 1, 0)
    central_ship = order_ship_confirm(order, "UPS", "1Z999AA10123456784",
                                      lines=[(ln, ln.quantity - 3 if ln.product_sku == "MUG-WHT"
                                              else ln.quantity)
                                             for ln in order.lines.exclude(product_sku="TEE-BLK-M")])
    assert central_ship.payload["lines"] == [["302-5550001-1", 2], ["302-5550001-2", 1]]


def test_shipping_the_central_part_first_leaves_the_store_its_units(market, amazon,
                                                                     split_order):
    order = split_order
    assert order_fulfil(order) == 3  # 2 mugs and the cap, from the central warehouse
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_FULFILLED
    assert units(market.tee, market.berlin.warehouse) == (5, 1)
    assert units(market.mug, market.berlin.warehouse) == (3, 3)
    # nothing else can leave from here: the store ships its part
    with pytest.raises(OrderError) as exc:
        order_fulfil(order)
    assert "in offline stores" in exc.value.message
    f = StoreFulfilment.objects.get(order=order)
    services.fulfilment_scan(f, "TEE-BLK-M")
    services.fulfilment_scan(f, "MUG-WHT", quantity=3)
    services.fulfilment_ship(f, carrier="DHL", tracking_number="JJD000777002")
    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED
    assert units(market.mug, market.berlin.warehouse) == (0, 0)


def test_a_pickup_order_is_not_shipped_from_the_admin(market):
    order = pickup_order(market, market.berlin, [("TEE-BLK-M", 1)])
    with pytest.raises(OrderError) as exc:
        order_fulfil(order)
    assert "picked up at a store" in exc.value.message
    assert units(market.tee, market.berlin.warehouse) == (5, 1)


def test_the_storefront_order_records_each_store_parcel(market, django_capture_on_commit_callbacks):
    from commerce.orders.services import OrderInput, OrderLineInput
    from hub.stores.models import RoutingRule, RoutingRuleWarehouse
    from hub.stores.routing import create_routed_order

    rule = RoutingRule.objects.create(name="Munich, then Berlin", priority=1, allow_split=True)
    for n, wh in enumerate([market.munich.warehouse, market.berlin.warehouse]):
        RoutingRuleWarehouse.objects.create(rule=rule, warehouse=wh, sort_order=n)
    order = create_routed_order(OrderInput(
        channel=market.channel, currency="EUR", email="s@example.com",
        lines=[OrderLineInput(sku="TEE-BLK-M", quantity=1), OrderLineInput(sku="MUG-WHT", quantity=1)],
        shipping_address={"first_name": "Ada", "city": "Berlin", "country": "DE",
                          "postal_code": "10117"}))
    assert store_lines(order, market.munich) == {"TEE-BLK-M": 1}
    assert store_lines(order, market.berlin) == {"MUG-WHT": 1}
    munich = StoreFulfilment.objects.get(order=order, store=market.munich)
    services.fulfilment_scan(munich, "TEE-BLK-M")
    with django_capture_on_commit_callbacks(execute=True):
        services.fulfilment_ship(munich, carrier="DHL", tracking_number="JJD000777003")
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_FULFILLED
    shipped = OrderEvent.objects.get(order=order, type="store-shipped")
    assert shipped.parameters["tracking_number"] == "JJD000777003"
    assert StoreFulfilment.objects.get(order=order, store=market.berlin).status == \
        FulfilmentStatus.QUEUED
