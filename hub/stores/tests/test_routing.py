from __future__ import annotations

from decimal import Decimal

import pytest

from commerce.channel.models import ChannelKind
from commerce.orders.errors import OrderError
from commerce.orders.models import OrderEvent
from commerce.orders.services import OrderInput, OrderLineInput
from commerce.tests.factories import ChannelFactory, VariantListingFactory
from hub.stores.errors import StoresError
from hub.stores.models import (
    DeliveryMethod,
    FulfilmentKind,
    RoutingAction,
    RoutingRule,
    RoutingRuleWarehouse,
    StoreFulfilment,
)
from hub.stores.routing import Destination, RouteLine, create_routed_order, route_order
from hub.stores.tests.utils import allocated as _allocated

pytestmark = pytest.mark.django_db

BERLIN = Destination(country="DE", city="Berlin", postal_code="10117")


def _rule(name: str, priority: int, warehouses=(), **kw) -> RoutingRule:  # noqa: ANN001
    rule = RoutingRule.objects.create(name=name, priority=priority, **kw)
    for i, wh in enumerate(warehouses):
        RoutingRuleWarehouse.objects.create(rule=rule, warehouse=wh, sort_order=i)
    return rule


def test_first_matching_rule_wins_and_says_why(market):
    _rule("Germany from Munich", 20, [market.munich.warehouse], countries=["DE"])
    _rule("Berlin postcodes from Berlin", 10, [market.berlin.warehouse], countries=["DE"],
          postcode_prefixes=["10"])
    _rule("Fallback", 1000, [market.central], is_default=True)
    decision = route_order(market.channel, [RouteLine("TEE-BLK-M", 1)], BERLIN)
    assert decision.rule_name == "Berlin postcodes from Berlin"
    assert decision.warehouse_ids == [market.berlin.warehouse_id]
    assert "matched rule 'Berlin postcodes from Berlin'" in decision.trace[0]
    assert "postcode 10117" in decision.trace[0]
    (line,) = decision.lines
    assert line.warehouses == [{"id": market.berlin.warehouse_id, "name": "Berlin store",
                                "quantity": 1}]
    # a Munich postcode skips the first rule and lands on the second
    munich = route_order(market.channel, [RouteLine("TEE-BLK-M", 1)],
                         Destination(country="DE", postal_code="80331", city="München"))
    assert munich.rule_name == "Germany from Munich"
    assert any("skipped, postcode 80331" in t for t in munich.trace)


def test_default_rule_catches_what_no_rule_matches(market):
    _rule("Austria", 10, [market.munich.warehouse], countries=["AT"])
    _rule("Everything else", 1, [market.central], is_default=True)  # priority ignored: last
    decision = route_order(market.channel, [RouteLine("MUG-WHT", 1)], BERLIN)
    assert decision.rule_name == "Everything else"
    assert "default rule" in decision.trace[0]
    assert any("country DE not in AT" in t for t in decision.trace)


def test_without_any_rule_the_channel_order_applies(market):
    decision = route_order(market.channel, [RouteLine("TEE-BLK-M", 1)], BERLIN)
    assert decision.warehouse_ids is None and not decision.routed
    assert "channel's warehouse order" in decision.trace[0]


def test_split_vs_no_split(market):
    # Munich holds 2 tees; the order wants 3 tees and a mug
    rule = _rule("Munich then central", 10, [market.munich.warehouse, market.central],
                 allow_split=True)
    lines = [OrderLineInput(sku="TEE-BLK-M", quantity=3), OrderLineInput(sku="MUG-WHT", quantity=1)]
    split = create_routed_order(OrderInput(channel=market.channel, currency="EUR", lines=lines),
                                destination=BERLIN)
    assert _allocated(split) == {"TEE-BLK-M": {"store-munich": 2, "de-central": 1},
                                 "MUG-WHT": {"de-central": 1}}
    rule.allow_split = False
    rule.save()
    whole = create_routed_order(OrderInput(channel=market.channel, currency="EUR", lines=lines),
                                destination=BERLIN)
    assert _allocated(whole) == {"TEE-BLK-M": {"de-central": 3}, "MUG-WHT": {"de-central": 1}}
    event = OrderEvent.objects.get(order=whole, type="routed")
    assert event.parameters["split"] is False
    assert event.parameters["allocated"][0]["allocated"][0]["name"] == "Leipzig central"
    assert "first warehouse in order that holds the whole order" in event.message


def test_marketplace_order_is_routed_by_its_channel_rule(market):
    amazon = ChannelFactory(slug="amazon-de", name="Amazon DE", kind=ChannelKind.MARKETPLACE,
                            currency_code="EUR", countries=["DE"], warehouses=[market.central])
    VariantListingFactory(variant=market.tee, channel=amazon, price_amount=Decimal("21.00"))
    rule = _rule("Amazon from Munich store", 5, [market.munich.warehouse])
    rule.channels.set([amazon])
    _rule("Default", 100, [market.central], is_default=True)
    order = create_routed_order(
        OrderInput(channel=amazon, currency="EUR", external_id="302-1234567-1234567",
                   origin="import", lines=[OrderLineInput(sku="TEE-BLK-M", quantity=1)],
                   shipping_address={"first_name": "Max", "city": "Hamburg", "country": "DE"}))
    assert _allocated(order) == {"TEE-BLK-M": {"store-munich": 1}}
    event = OrderEvent.objects.get(order=order, type="routed")
    assert event.parameters["rule"]["name"] == "Amazon from Munich store"
    assert "channel" in event.message
    f = StoreFulfilment.objects.get(order=order)  # the store ships it
    assert f.kind == FulfilmentKind.SHIP_FROM_STORE and f.store == market.munich
    # a storefront order of the same shopper is not touched by the Amazon rule
    storefront = route_order(market.channel, [RouteLine("TEE-BLK-M", 1)], BERLIN)
    assert storefront.rule_name == "Default"


def test_ship_from_nearest_store_with_stock(market):
    _rule("Nearest store", 10, [market.central], countries=["DE"],
          action=RoutingAction.NEAREST_STORE, radius_km=100, allow_split=False,
          delivery_methods=[DeliveryMethod.SHIPPING])
    near_berlin = route_order(market.channel, [RouteLine("TEE-BLK-M", 1)], BERLIN)
    assert near_berlin.warehouse_ids == [market.berlin.warehouse_id, market.central.pk]
    assert near_berlin.location["precision"] == "postcode"
    assert any("Berlin store at" in t and "every line" in t for t in near_berlin.trace)
    # 4 tees: Berlin has 5 → still Berlin; 6 tees: no store nearby can → central fallback
    too_many = route_order(market.channel, [RouteLine("TEE-BLK-M", 6)], BERLIN)
    assert too_many.warehouse_ids == [market.central.pk]
    assert any("no store with stock within 100 km" in t for t in too_many.trace)
    assert too_many.lines[0].warehouses[0]["name"] == "Leipzig central"


def test_nearest_store_by_address_city_and_by_browser_geolocation(market):
    _rule("Nearest store", 10, action=RoutingAction.NEAREST_STORE, radius_km=50,
          allow_split=False)
    by_city = route_order(market.channel, [RouteLine("TEE-BLK-M", 1)],
                          Destination(country="DE", city="Muenchen"))
    assert by_city.warehouse_ids == [market.munich.warehouse_id]
    assert by_city.location["precision"] == "city"
    # the browser says the shopper stands in Berlin although the address is in Munich
    by_gps = route_order(market.channel, [RouteLine("TEE-BLK-M", 1)],
                         Destination(country="DE", city="München", latitude=52.51,
                                     longitude=13.39))
    assert by_gps.warehouse_ids == [market.berlin.warehouse_id]
    assert by_gps.location["precision"] == "geolocation"


def test_sku_category_weight_and_value_conditions(market):
    heavy = _rule("Heavy", 10, [market.central], min_weight_grams=1000)
    mugs = _rule("Mugs", 20, [market.munich.warehouse], skus=["MUG-*"], line_match="any")
    big = _rule("Big baskets", 30, [market.berlin.warehouse], value_currency="EUR",
                min_order_value=Decimal("50"))
    _rule("Default", 99, [market.central], is_default=True)
    r = route_order(market.channel, [RouteLine("MUG-WHT", 3)], BERLIN)  # 1200 g
    assert r.rule_id == heavy.pk and "weight 1200 g" in r.trace[0]
    r = route_order(market.channel, [RouteLine("MUG-WHT", 1), RouteLine("TEE-BLK-M", 1)], BERLIN)
    assert r.rule_id == mugs.pk
    r = route_order(market.channel, [RouteLine("TEE-BLK-M", 3)], BERLIN)  # 59.97 EUR, 600 g
    assert r.rule_id == big.pk and "value 59.97 EUR" in r.trace[0]
    category = market.tee.product.category
    cat_rule = _rule("Tees by category", 5, [market.munich.warehouse])
    cat_rule.categories.set([category])
    r = route_order(market.channel, [RouteLine("TEE-BLK-M", 1)], BERLIN)
    assert r.rule_id == cat_rule.pk


def test_pickup_order_keeps_the_store_first_whatever_the_rule(market):
    _rule("Default", 99, [market.central], is_default=True)
    d = route_order(market.channel, [RouteLine("TEE-BLK-M", 1)], Destination(country="DE"),
                    DeliveryMethod.PICKUP, collection_point_id=market.munich.warehouse_id)
    assert d.warehouse_ids == [market.munich.warehouse_id] and d.split is False
    with pytest.raises(StoresError) as exc:
        route_order(market.channel, [RouteLine("TEE-BLK-M", 1)], Destination(country="DE"),
                    DeliveryMethod.PICKUP, collection_point_id=market.central.pk)
    assert exc.value.code == "pickup_unavailable"


def test_inactive_warehouse_is_skipped_and_bad_input_refused(market):
    _rule("Munich", 10, [market.munich.warehouse])
    _rule("Default", 99, [market.central], is_default=True)
    market.munich.warehouse.is_active = False
    market.munich.warehouse.save()
    d = route_order(market.channel, [RouteLine("TEE-BLK-M", 1)], BERLIN)
    assert d.rule_name == "Default"
    assert any("none of its warehouses is active" in t for t in d.trace)
    with pytest.raises(OrderError) as unknown:
        route_order(market.channel, [RouteLine("NOPE", 1)], BERLIN)
    assert unknown.value.code == "unknown_sku"
    with pytest.raises(OrderError):
        route_order(market.channel, [RouteLine("TEE-BLK-M", 0)], BERLIN)


def test_routing_reads_a_bounded_number_of_queries(market, django_assert_max_num_queries):
    for i in range(20):
        _rule(f"Rule {i}", i, [market.central], countries=["FR"])
    _rule("Near", 50, [market.central], action=RoutingAction.NEAREST_STORE, radius_km=80)
    _rule("Default", 99, [market.central], is_default=True)
    route_order(market.channel, [RouteLine("TEE-BLK-M", 1)], BERLIN)  # compiles the rules
    # the snapshot check (every call in tests) + variants with their free stock
    with django_assert_max_num_queries(2):
        route_order(market.channel, [RouteLine("TEE-BLK-M", 1), RouteLine("MUG-WHT", 1)], BERLIN)


def test_a_default_rule_without_warehouses_keeps_the_channels_own_order(market):
    # channel order: central, Berlin, Munich
    _rule("Austria", 10, [market.munich.warehouse], countries=["AT"])
    _rule("Channel order", 1000, [], is_default=True)
    decision = route_order(market.channel, [RouteLine("TEE-BLK-M", 3)], BERLIN)
    assert decision.rule_name == "Channel order" and decision.routed
    assert decision.warehouse_ids is None
    assert "the channel's warehouse order" in " ".join(decision.trace)
    assert decision.lines[0].warehouses[0]["id"] == market.central.pk

    order = create_routed_order(
        OrderInput(channel=market.channel, currency="EUR",
                   lines=[OrderLineInput(sku="TEE-BLK-M", quantity=3)]), destination=BERLIN)
    assert _allocated(order) == {"TEE-BLK-M": {"de-central": 3}}
    event = OrderEvent.objects.get(order=order, type="routed")
    assert event.parameters["rule"]["name"] == "Channel order"
