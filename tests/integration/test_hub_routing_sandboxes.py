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
