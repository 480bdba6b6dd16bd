from __future__ import annotations

from datetime import time

import pytest
from django.contrib.auth.models import Group

from commerce.channel.models import ChannelKind
from commerce.orders.models import OrderEvent
from commerce.orders.services import OrderInput, OrderLineInput
from commerce.tests.factories import (
    ChannelFactory,
    UserFactory,
    VariantListingFactory,
    WarehouseFactory,
)
from hub.stores import services, tasks
from hub.stores.errors import StoresError
from hub.stores.models import RoutingAction, RoutingRule, Store, StoreFulfilment
from hub.stores.routing import create_routed_order
from hub.stores.selectors import store_is_open

pytestmark = pytest.mark.django_db

shipped: list[tuple] = []


def record_ship_confirm(order, carrier, tracking_number, *, source, lines):  # noqa: ANN001, ANN201
    shipped.append((order.external_id, carrier, tracking_number, source,
                    [(line.product_sku, qty) for line, qty in lines]))


def test_clerk_group_is_created_once_with_the_console_permission(market):
    first = services.ensure_clerk_group()
    again = services.ensure_clerk_group()
    assert first.pk == again.pk and Group.objects.filter(name="Store clerk").count() == 1
    assert first.permissions.filter(codename="use_clerk_console").exists()
    assert market.clerk_berlin.has_perm("stores.use_clerk_console")
    services.store_unassign_clerk(market.berlin, market.clerk_berlin)
    clerk = type(market.clerk_berlin).objects.get(pk=market.clerk_berlin.pk)
    assert not clerk.has_perm("stores.use_clerk_console")


def test_store_profile_keeps_pickup_on_its_warehouse_and_validates(market):
    store = services.store_save(market.munich, pickup_enabled=False)
    store.warehouse.refresh_from_db()
    assert store.warehouse.pickup_enabled is False and store.pickup_enabled is False
    central = Store(warehouse=market.central, time_zone="Europe/Berlin")
    with pytest.raises(StoresError) as not_store:
        services.store_save(central)
    assert not_store.value.code == "not_a_store"
    bad_tz = Store(warehouse=WarehouseFactory(slug="store-x", kind="store"), time_zone="Berlin")
    with pytest.raises(StoresError) as tz:
        services.store_save(bad_tz)
    assert tz.value.field == "time_zone"
    with pytest.raises(StoresError):
        services.store_save(market.munich, hours=[services.Period(0, time(10), time(9))])


def test_opening_hours_in_the_store_time_zone(market):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Europe/Berlin")
    assert store_is_open(market.berlin, datetime(2026, 11, 23, 9, 30, tzinfo=tz))  # Monday
    assert not store_is_open(market.berlin, datetime(2026, 11, 23, 20, 30, tzinfo=tz))
    assert not store_is_open(market.berlin, datetime(2026, 11, 29, 12, 0, tzinfo=tz))  # Sunday
    # 08:30 UTC is 09:30 in Berlin
    assert store_is_open(market.berlin, datetime(2026, 11, 23, 8, 30, tzinfo=ZoneInfo("UTC")))


def _marketplace_store_order(market):  # noqa: ANN001, ANN202
    ebay = ChannelFactory(slug="ebay-de", name="eBay DE", kind=ChannelKind.MARKETPLACE,
                          currency_code="EUR", countries=["DE"], warehouses=[market.central])
    VariantListingFactory(variant=market.tee, channel=ebay)
    rule = RoutingRule.objects.create(name="eBay near store", priority=1,
                                      action=RoutingAction.NEAREST_STORE, radius_km=30,
                                      allow_split=False)
    rule.channels.set([ebay])
    order = create_routed_order(OrderInput(
        channel=ebay, currency="EUR", external_id="12-34567-89012", origin="import",
        lines=[OrderLineInput(sku="TEE-BLK-M", quantity=1)],
        shipping_address={"first_name": "Eva", "city": "Potsdam", "country": "DE",
                          "postal_code": "14467"}))
    f = StoreFulfilment.objects.get(order=order)
    assert f.store == market.berlin  # Potsdam is ~27 km from the Berlin store
    services.fulfilment_scan(f, "TEE-BLK-M")
    return order, f


def test_ship_from_store_tracking_waits_visibly_when_ship_confirm_is_unset(market, settings):
    settings.STORES_SHIP_CONFIRM = ""
    order, f = _marketplace_store_order(market)
    services.fulfilment_ship(f, carrier="DHL", tracking_number="JJD000390007")
    pending = OrderEvent.objects.get(order=order, type="tracking-push-pending")
    line = order.lines.get()
    assert pending.parameters == {"carrier": "DHL", "tracking_number": "JJD000390007",
                                  "lines": [[str(line.pk), 1]]}


def test_ship_from_store_pushes_tracking_through_the_hub(market, settings):
    settings.STORES_SHIP_CONFIRM = "hub.stores.tests.test_stores.record_ship_confirm"
    shipped.clear()
    order, f = _marketplace_store_order(market)
    services.fulfilment_ship(f, carrier="DHL", tracking_number="JJD000390008")
    assert shipped == [("12-34567-89012", "DHL", "JJD000390008", f"store:{market.berlin.pk}",
                        [("TEE-BLK-M", 1)])]
    assert not OrderEvent.objects.filter(order=order, type="tracking-push-pending").exists()


def test_beat_task_runs_the_sweep(market):
    assert tasks.pickup_hold_sweep() == {"reminded": 0, "canceled": 0, "released": 0}
    assert "stores-pickup-hold-sweep" in tasks.BEAT_SCHEDULE


def test_a_non_clerk_user_has_no_store(market):
    from hub.stores.selectors import clerk_stores

    assert list(clerk_stores(UserFactory(email="x@example.com"))) == []
    assert list(clerk_stores(market.clerk_berlin)) == [market.berlin]
