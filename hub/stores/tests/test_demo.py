"""The O2O part of the demo (hub.stores.demo, a DEMO_SEED_EXTENSIONS entry) on top of the
commerce demo: stores a clerk can work in, shipping a shopper can choose, routing rules
that route the way their names say, and nothing new on a second run."""

from __future__ import annotations

from datetime import time

import pytest
from django.db.models import F

from commerce.account.models import User
from commerce.channel.models import Channel, ChannelKind
from commerce.checkout.models import ShippingMethod, ShippingMethodChannelListing, ShippingZone
from commerce.demo.seed import seed_demo
from commerce.inventory.models import Stock, Warehouse
from commerce.notifications.models import FlowSetting
from hub.stores import demo
from hub.stores.models import (
    OpeningHours,
    RoutingRule,
    RoutingRuleWarehouse,
    Store,
    StoreFeeRule,
)
from hub.stores.routing import Destination, RouteLine, route_order
from hub.stores.selectors import can_use_console, clerk_stores

pytestmark = pytest.mark.django_db

CITIES = {"store-paris": ("paris", "Europe/Paris"), "store-berlin": ("berlin", "Europe/Berlin"),
          "store-london": ("london", "Europe/London")}
MODELS = (Store, OpeningHours, StoreFeeRule, RoutingRule, RoutingRuleWarehouse, ShippingZone,
          ShippingMethod, ShippingMethodChannelListing, FlowSetting)


@pytest.fixture(autouse=True)
def _with_stores_extension(settings):  # noqa: ANN001
    settings.DEMO_SEED_EXTENSIONS = ["hub.stores.demo.seed_stores"]


def _counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS} | {
        "clerk links": Store.clerks.through.objects.count()}


def test_demo_twice_is_complete_and_the_second_run_creates_nothing():
    first = seed_demo(20)
    after_first = _counts()
    second = seed_demo(20)

    assert second.created == {}
    assert _counts() == after_first
    assert first.created["stores"] == 3 and first.created["store clerks"] == 3
    assert first.created["routing rules"] == 3

    # every storefront channel ships in its own currency
    for channel in Channel.objects.filter(kind=ChannelKind.STOREFRONT):
        assert ShippingMethodChannelListing.objects.filter(
            channel=channel, currency=channel.currency_code,
            shipping_method__zone__channels=channel).exists(), channel.slug

    # the three stores: profile, hours, clerk
    stores = {s.warehouse.slug: s for s in Store.objects.select_related("warehouse")}
    assert set(stores) == set(CITIES)
    for slug, (city, tz) in CITIES.items():
        store = stores[slug]
        assert store.time_zone == tz
        assert store.pickup_enabled and store.pickup_hold_days == 7
        assert store.preparation_minutes == 15
        assert store.ship_from_store_enabled is (city == "berlin")
        hours = {(h.weekday, h.opens, h.closes) for h in store.opening_hours.all()}
        assert {(d, time(10), time(20)) for d in range(6)} <= hours
        sunday = [h for h in hours if h[0] == 6]
        assert len(hours) == 6 + len(sunday) and all(h[2] <= time(20) for h in sunday)
        clerk = User.objects.get(email=f"clerk.{city}@example.com")
        assert can_use_console(clerk)
        assert list(clerk_stores(clerk)) == [store]
        currencies = set(store.fee_rules.values_list("currency", flat=True))
        assert currencies == ({"GBP"} if city == "london" else {"EUR"})
    assert not stores["store-berlin"].opening_hours.filter(weekday=6).exists()

    # routing: exactly one active default rule, and it keeps each channel's own order
    default = RoutingRule.objects.get(is_default=True)
    assert default.is_active and not default.rule_warehouses.exists()
    assert RoutingRule.objects.filter(is_default=True, is_active=True).count() == 1
    assert set(RoutingRule.objects.values_list("name", flat=True)) == {
        demo.DEFAULT_RULE, demo.EU_NEAREST_RULE, demo.AMAZON_US_RULE}


def _sku_free_in(slug: str) -> str:
    stock = (Stock.objects.filter(warehouse__slug=slug,
                                  quantity__gt=F("quantity_allocated") + F("quantity_reserved"))
             .select_related("variant").order_by("variant__sku").first())
    assert stock is not None, f"no free stock in {slug}"
    return stock.variant.sku


def test_the_demo_rules_route_orders_the_way_their_names_say():
    seed_demo(20)
    wh = {w.slug: w.pk for w in Warehouse.objects.all()}
    channels = {c.slug: c for c in Channel.objects.all()}
    in_berlin = [RouteLine(_sku_free_in("store-berlin"), 1)]

    # EU shipping near Berlin: the Berlin store (ship from store), then central
    near = route_order(channels["eu"], in_berlin,
                       Destination(country="DE", latitude=52.52, longitude=13.40))
    assert near.rule_name == demo.EU_NEAREST_RULE
    assert near.warehouse_ids == [wh["store-berlin"], wh["cn-shenzhen"]]
    # EU shipping near Paris: that store only does pickup, so central
    paris = route_order(channels["eu"], in_berlin,
                        Destination(country="FR", latitude=48.86, longitude=2.35))
    assert paris.rule_name == demo.EU_NEAREST_RULE
    assert paris.warehouse_ids == [wh["cn-shenzhen"]]
    # Amazon US: the US 3PL first
    us_line = [RouteLine(_sku_free_in("us-ontario"), 1)]
    amazon = route_order(channels["amazon-us"], us_line, Destination(country="US"))
    assert amazon.rule_name == demo.AMAZON_US_RULE
    assert amazon.warehouse_ids == [wh["us-ontario"], wh["cn-shenzhen"]]
    # anything else: the default rule, i.e. the channel's own warehouse order
    uk = route_order(channels["uk"], [RouteLine(_sku_free_in("store-london"), 1)],
                     Destination(country="GB"))
    assert uk.rule_name == demo.DEFAULT_RULE and uk.warehouse_ids is None
    assert "the channel's warehouse order" in " ".join(uk.trace)
    assert uk.lines[0].warehouses[0]["id"] == wh["store-london"]


def test_demo_clerk_logs_into_the_console_and_sees_only_their_store(client):
    seed_demo(1)
    paris = Store.objects.get(warehouse__slug="store-paris")
    berlin = Store.objects.get(warehouse__slug="store-berlin")

    response = client.post("/store/login/", {"username": "clerk.paris@example.com",
                                             "password": "demo"})
    assert response.status_code == 302
    response = client.get("/store/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == f"/store/{paris.pk}/"
    assert "Paris" in response.content.decode()
    assert client.get(f"/store/{berlin.pk}/").status_code == 403


def test_the_merchants_own_default_rule_and_edits_are_kept():
    seed_demo(1)
    RoutingRule.objects.filter(is_default=True).update(name="Ours")
    paris = Store.objects.get(warehouse__slug="store-paris")
    paris.preparation_minutes = 45
    paris.save()

    report = seed_demo(1)

    assert report.created == {}
    assert RoutingRule.objects.filter(is_default=True).count() == 1
    assert RoutingRule.objects.get(is_default=True).name == "Ours"
    paris.refresh_from_db()
    assert paris.preparation_minutes == 45
