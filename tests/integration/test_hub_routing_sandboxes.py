"""Imported marketplace orders go through O2O routing; a store's shipment reaches the
marketplace (real eBay sandbox, eBay Germany)."""

from __future__ import annotations

import pytest

from commerce.inventory.models import Allocation
from commerce.orders.models import Order, OrderEvent
from hub import tasks
from hub.models import OutboxEntry, OutboxKind, OutboxStatus
from hub.services import account_orders_poll
from hub.stores import services as store_services
from hub.stores.models import (
    FulfilmentKind,
    RoutingAction,
    RoutingRule,
    RoutingRuleWarehouse,
    StoreFulfilment,
)
from hub.stores.tests.utils import build_market
from tests.integration.marketplaces import marketplace_channel, sandbox_account

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

POTSDAM = {"fullName": "Eva Berger", "contactAddress": {
    "addressLine1": "Brandenburger Str. 1", "city": "Potsdam", "postalCode": "14467",
    "countryCode": "DE"}}


@pytest.fixture
def german_market(sandboxes):
    market = build_market()
    ebay = marketplace_channel("ebay-de", [market.central], currency="EUR", countries=("DE",))
    account = sandbox_account(ebay, sandboxes.ebay, site="EBAY_DE", language="de-DE")
    return market, ebay, account


def _import_ebay_order(sandboxes, account, sku: str = "TEE-BLK-M") -> Order:  # noqa: ANN001
    remote = sandboxes.ebay.app.create_order(
        [{"sku": sku, "quantity": 1, "price": "19.99"}], marketplace_id="EBAY_DE",
        currency="EUR", ship_to=POTSDAM)
    account_orders_poll(account)
    return Order.objects.get(channel=account.channel, external_id=remote["orderId"])


def test_marketplace_order_is_routed_by_a_rule_and_keeps_the_trace(sandboxes, german_market):
    market, ebay, account = german_market
    # the merchant sends eBay orders from the Munich store first, then the central warehouse
    rule = RoutingRule.objects.create(name="eBay from Munich", priority=1,
                                      action=RoutingAction.WAREHOUSES, allow_split=True)
    rule.channels.set([ebay])
    RoutingRuleWarehouse.objects.create(rule=rule, warehouse=market.munich.warehouse,
                                        sort_order=0)
    RoutingRuleWarehouse.objects.create(rule=rule, warehouse=market.central, sort_order=1)

    order = _import_ebay_order(sandboxes, account)

    allocation = Allocation.objects.get(order_line__order=order)
    assert allocation.stock.warehouse == market.munich.warehouse  # not the channel's own
    routed = OrderEvent.objects.get(order=order, type="routed")
    assert routed.parameters["rule"]["name"] == "eBay from Munich"
    assert "matched rule 'eBay from Munich'" in routed.message
    # the Munich store ships it: its queue has the order
    assert StoreFulfilment.objects.filter(order=order, store=market.munich,
                                          kind=FulfilmentKind.SHIP_FROM_STORE).exists()


def test_ship_from_store_puts_the_tracking_number_on_the_ebay_order(sandboxes, german_market):
    market, ebay, account = german_market
    rule = RoutingRule.objects.create(name="eBay near store", priority=1,
                                      action=RoutingAction.NEAREST_STORE, radius_km=30,
                                      allow_split=False)
    rule.channels.set([ebay])
    order = _import_ebay_order(sandboxes, account)
    fulfilment = StoreFulfilment.objects.get(order=order)
    assert fulfilment.store == market.berlin  # Potsdam is ~27 km from the Berlin store

    # the Berlin clerk picks, packs and ships it
    store_services.fulfilment_scan(fulfilment, "TEE-BLK-M")
    store_services.fulfilment_ship(fulfilment, carrier="DHL", tracking_number="JJD0099887766")
    ship = OutboxEntry.objects.get(order=order, kind=OutboxKind.ORDER_SHIP)
    assert ship.payload["tracking_number"] == "JJD0099887766"
    tasks.sync_drain()

    ship.refresh_from_db()
    assert ship.status == OutboxStatus.DONE
    # eBay holds the shipping fulfilment with carrier and tracking number
    [held] = [f for f in sandboxes.ebay.app.fulfillments if f["orderId"] == order.external_id]
    assert held["trackingNumber"] == "JJD0099887766"
    assert held["shippingCarrierCode"]
    assert sandboxes.ebay.app.orders[order.external_id]["orderFulfillmentStatus"] == "FULFILLED"
    assert OrderEvent.objects.filter(order=order, type="marketplace_shipment_confirmed").exists()


def _split_rule(channel, market) -> None:  # noqa: ANN001
    """The channel's orders come from the Berlin store first, then the central warehouse."""
    rule = RoutingRule.objects.create(name="Berlin store, then central", priority=1,
                                      action=RoutingAction.WAREHOUSES, allow_split=True)
    rule.channels.set([channel])
    for n, wh in enumerate([market.berlin.warehouse, market.central]):
        RoutingRuleWarehouse.objects.create(rule=rule, warehouse=wh, sort_order=n)


def _cap_in_central(market):  # noqa: ANN001, ANN202
    from commerce.tests.factories import VariantFactory
    from hub.stores.tests.utils import receive

    cap = VariantFactory(sku="CAP-RED", barcode="4006381333955", product__name="Red cap")
    receive(cap, market.central, 5)
    return cap


def test_a_store_parcel_of_a_split_amazon_order_ships_only_its_units(sandboxes):
    from commerce.orders.models import OrderStatus
    from commerce.orders.services import order_fulfil
    from hub.services import order_ship_confirm

    market = build_market()
    _cap_in_central(market)
    amazon = marketplace_channel("amazon-us", [market.central])
    account = sandbox_account(amazon, sandboxes.amazon)
    _split_rule(amazon, market)
    wire = sandboxes.amazon.app.create_order([
        {"sku": "TEE-BLK-M", "quantity": 1, "price": "19.99"},
        {"sku": "MUG-WHT", "quantity": 5, "price": "9.50"},  # Berlin holds 3 of them
        {"sku": "CAP-RED", "quantity": 1, "price": "12.00"}])
    account_orders_poll(account)
    order = Order.objects.get(channel=amazon, external_id=wire["AmazonOrderId"])
    f = StoreFulfilment.objects.get(order=order)
    assert f.store == market.berlin
    store_services.fulfilment_scan(f, "TEE-BLK-M")
    store_services.fulfilment_scan(f, "MUG-WHT", quantity=3)
    store_services.fulfilment_ship(f, carrier="DHL", tracking_number="JJD0099880001")
    tasks.sync_drain()

    entry = sandboxes.amazon.app.orders[order.external_id]
    shipped = {i["SellerSKU"]: i["QuantityShipped"] for i in entry["items"]}
    assert shipped == {"TEE-BLK-M": 1, "MUG-WHT": 3, "CAP-RED": 0}
    assert entry["order"]["OrderStatus"] == "PartiallyShipped"
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_FULFILLED

    # the central warehouse ships the rest under its own tracking number
    order_fulfil(order)
    rest = [(line, line.quantity - shipped[line.product_sku]) for line in order.lines.all()
            if line.quantity > shipped[line.product_sku]]
    order_ship_confirm(order, "UPS", "1Z999AA10123456784", lines=rest)
    tasks.sync_drain()
    entry = sandboxes.amazon.app.orders[order.external_id]
    assert entry["order"]["OrderStatus"] == "Shipped"
    assert [s["trackingNumber"] for s in sandboxes.amazon.app.shipments
            if s["orderId"] == order.external_id] == ["JJD0099880001", "1Z999AA10123456784"]


def test_a_store_parcel_of_a_split_ebay_order_fulfils_only_its_line_items(sandboxes,
                                                                           german_market):
    market, ebay, account = german_market
    _cap_in_central(market)
    _split_rule(ebay, market)
    remote = sandboxes.ebay.app.create_order(
        [{"sku": "TEE-BLK-M", "quantity": 1, "price": "19.99"},
         {"sku": "CAP-RED", "quantity": 1, "price": "12.00"}],
        marketplace_id="EBAY_DE", currency="EUR", ship_to=POTSDAM)
    account_orders_poll(account)
    order = Order.objects.get(channel=ebay, external_id=remote["orderId"])
    f = StoreFulfilment.objects.get(order=order)
    store_services.fulfilment_scan(f, "TEE-BLK-M")
    store_services.fulfilment_ship(f, carrier="DHL", tracking_number="JJD0099880002")
    tasks.sync_drain()

    wire = sandboxes.ebay.app.orders[order.external_id]
    status = {line["sku"]: line["lineItemFulfillmentStatus"] for line in wire["lineItems"]}
    assert status == {"TEE-BLK-M": "FULFILLED", "CAP-RED": "NOT_STARTED"}
    assert wire["orderFulfillmentStatus"] == "IN_PROGRESS"
