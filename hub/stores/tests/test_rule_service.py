"""routing_rule_create: the admin's checks for rules made by code (imports, the demo seed)."""

from __future__ import annotations

import pytest

from hub.stores.errors import StoresError
from hub.stores.models import RoutingAction, RoutingRule
from hub.stores.routing import Destination, RouteLine, route_order
from hub.stores.services import RuleInput, routing_rule_create

pytestmark = pytest.mark.django_db


def test_a_valid_rule_is_created_with_its_warehouses_in_order_and_routes_at_once(market):
    rule = routing_rule_create(RuleInput(
        name="Germany: Munich, then central", priority=5, channels=(market.channel,),
        countries=("de",), warehouses=(market.munich.warehouse, market.central)))
    assert rule.countries == ["DE"] and list(rule.channels.all()) == [market.channel]
    assert list(rule.rule_warehouses.values_list("warehouse_id", flat=True)) == [
        market.munich.warehouse_id, market.central.pk]
    decision = route_order(market.channel, [RouteLine("TEE-BLK-M", 1)],
                           Destination(country="DE"))
    assert decision.rule_name == "Germany: Munich, then central"


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"name": "No warehouses"}, "warehouses", "Add at least one warehouse"),
    ({"name": "Near", "action": RoutingAction.NEAREST_STORE}, "radius_km", "Give the radius"),
    ({"name": "Heavy", "min_weight_grams": 5000, "max_weight_grams": 10, "warehouses": "central"},
     "min_weight_grams", "Minimum weight is above maximum weight"),
    ({"name": "Default", "is_default": True, "countries": ("DE",)}, "is_default",
     "The default rule matches every order"),
])
def test_a_rule_that_can_never_work_is_refused_and_nothing_is_written(market, data, field,
                                                                        message):
    if data.get("warehouses") == "central":
        data = {**data, "warehouses": (market.central,)}
    with pytest.raises(StoresError) as exc:
        routing_rule_create(RuleInput(**data))
    assert exc.value.field == field and message in exc.value.message
    assert not RoutingRule.objects.exists()


def test_there_is_only_ever_one_default_rule(market):
    routing_rule_create(RuleInput(name="Channel order", is_default=True))
    with pytest.raises(StoresError, match="already a default rule"):
        routing_rule_create(RuleInput(name="Another", is_default=True,
                                      warehouses=(market.central,)))
    assert RoutingRule.objects.filter(is_default=True).count() == 1
