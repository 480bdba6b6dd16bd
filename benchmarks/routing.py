"""Routing benchmark: 200 stores, 50 rules, 10,000 orders with varied destinations.

Runs against a throwaway PostgreSQL database (created, migrated and dropped
here; the development data is not touched) and times ``route_order`` per
order, the way checkout and order import call it. Prints, as its last line:

    routing_p95_ms=<f> orders=<int> unrouted=<int>

Usage: ``python -m benchmarks.routing [--orders N] [--seed S]``
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from decimal import Decimal


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


# Destinations: (country, city, postcode or "", lat, lon) of real places, so geocoding works.
PLACES = [
    ("DE", "Berlin", "10117", 52.52, 13.40), ("DE", "Hamburg", "20095", 53.55, 9.99),
    ("DE", "München", "80331", 48.14, 11.58), ("DE", "Köln", "50667", 50.94, 6.96),
    ("DE", "Frankfurt am Main", "60311", 50.11, 8.68), ("DE", "Leipzig", "04109", 51.34, 12.37),
    ("DE", "Stuttgart", "70173", 48.78, 9.18), ("DE", "Dresden", "01067", 51.05, 13.74),
    ("FR", "Paris", "75001", 48.86, 2.35), ("FR", "Lyon", "69001", 45.76, 4.84),
    ("FR", "Marseille", "13001", 43.30, 5.37), ("AT", "Wien", "1010", 48.21, 16.37),
    ("AT", "Graz", "8010", 47.07, 15.44), ("NL", "Amsterdam", "1012", 52.37, 4.90),
    ("US", "New York", "10001", 40.75, -73.99), ("US", "Los Angeles", "90012", 34.05, -118.24),
    ("US", "Chicago", "60601", 41.88, -87.63), ("US", "Seattle", "98101", 47.61, -122.33),
    ("US", "Austin", "78701", 30.27, -97.74), ("GB", "London", "", 51.51, -0.13),
    ("JP", "Tokyo", "", 35.69, 139.69), ("ES", "Madrid", "", 40.42, -3.70),
]


def _populate(rng: random.Random) -> dict:
    from commerce.catalog.models import Category
    from commerce.channel.models import ChannelKind
    from commerce.inventory.models import Stock, Warehouse, WarehouseKind
    from commerce.tests.factories import (
        CategoryFactory,
        ChannelFactory,
        VariantFactory,
        VariantListingFactory,
    )
    from hub.stores.models import (
        DeliveryMethod,
        RoutingAction,
        RoutingRule,
        RoutingRuleWarehouse,
        Store,
    )

    centrals = [
        Warehouse.objects.create(name=f"Central {c}", slug=f"central-{c.lower()}", country=c,
                                 kind=WarehouseKind.CENTRAL)
        for c in ("DE", "US", "CN")
    ]
    stores = []
    for i in range(200):
        country, city, _pc, lat, lon = rng.choice(PLACES)
        wh = Warehouse.objects.create(
            name=f"Store {i} {city}", slug=f"store-{i}", country=country, city=city,
            kind=WarehouseKind.STORE, pickup_enabled=True,
            latitude=Decimal(f"{lat + rng.uniform(-0.3, 0.3):.6f}"),
            longitude=Decimal(f"{lon + rng.uniform(-0.3, 0.3):.6f}"))
        stores.append(Store.objects.create(warehouse=wh, time_zone="UTC",
                                           ship_from_store_enabled=rng.random() < 0.8))
    categories = [CategoryFactory(slug=f"bench-cat-{i}") for i in range(5)]
    de = ChannelFactory(slug="bench-de", currency_code="EUR", countries=["DE", "AT", "FR", "NL"],
                        warehouses=[centrals[0], *[s.warehouse for s in stores[:20]]])
    us = ChannelFactory(slug="bench-us", currency_code="USD", countries=["US"],
                        warehouses=[centrals[1], centrals[2]])
    amazon = ChannelFactory(slug="bench-amazon", kind=ChannelKind.MARKETPLACE,
                            currency_code="EUR", countries=["DE", "FR", "ES", "GB"],
                            warehouses=[centrals[0]])
    channels = [de, us, amazon]
    variants = []
    for i in range(50):
        v = VariantFactory(sku=f"BENCH-{i:03d}", weight_grams=rng.choice([None, 100, 300, 900, 2500]),
                           product__category=rng.choice(categories),
                           product__slug=f"bench-product-{i}")
        for ch in channels:
            VariantListingFactory(variant=v, channel=ch,
                                  price_amount=Decimal(rng.randint(5, 200)))
        variants.append(v)
    Stock.objects.bulk_create([
        Stock(warehouse=w, variant=v, quantity=rng.randint(0, 20),
              shelf_location=f"{rng.choice('ABCDEF')}-{rng.randint(1, 40):02d}")
        for w in [*centrals, *[s.warehouse for s in stores]] for v in variants
        if w.kind != WarehouseKind.STORE or rng.random() < 0.5
    ])
    countries = sorted({p[0] for p in PLACES})
    for i in range(49):
        kind = i % 7
        rule = RoutingRule.objects.create(
            name=f"Rule {i}", priority=i, allow_split=rng.random() < 0.6,
            action=RoutingAction.NEAREST_STORE if kind in (0, 3) else RoutingAction.WAREHOUSES,
            radius_km=rng.choice([10, 25, 50, 100]) if kind in (0, 3) else None,
            countries=rng.sample(countries, rng.randint(1, 2)) if kind != 4 else [],
            postcode_prefixes=[str(rng.randint(0, 9))] if kind == 1 else [],
            skus=[f"BENCH-0{rng.randint(0, 4)}*"] if kind == 2 else [],
            min_weight_grams=rng.choice([500, 1500]) if kind == 5 else None,
            value_currency="EUR" if kind == 6 else "",
            min_order_value=Decimal(rng.choice([100, 250])) if kind == 6 else None,
            delivery_methods=[DeliveryMethod.SHIPPING] if kind == 3 else [],
        )
        if kind == 4:
            rule.channels.set([rng.choice(channels)])
        if kind == 2:
            rule.categories.set([rng.choice(categories)])
        for order, wh in enumerate(rng.sample([*centrals, *[s.warehouse for s in stores]], 3)):
            RoutingRuleWarehouse.objects.create(rule=rule, warehouse=wh, sort_order=order)
    default = RoutingRule.objects.create(name="Default", is_default=True, priority=10_000)
    RoutingRuleWarehouse.objects.create(rule=default, warehouse=centrals[0], sort_order=0)
    RoutingRuleWarehouse.objects.create(rule=default, warehouse=centrals[2], sort_order=1)
    assert Category.objects.count() >= 5
    return {"channels": channels, "variants": [v.sku for v in variants]}


def _orders(rng: random.Random, data: dict, n: int) -> list[tuple]:
    from hub.stores.models import DeliveryMethod
    from hub.stores.routing import Destination, RouteLine

    out = []
    for _ in range(n):
        country, city, postcode, lat, lon = rng.choice(PLACES)
        roll = rng.random()
        if roll < 0.2:
            dest = Destination(country=country, latitude=lat + rng.uniform(-0.2, 0.2),
                               longitude=lon + rng.uniform(-0.2, 0.2))
        elif roll < 0.6 and postcode:
            dest = Destination(country=country, postal_code=postcode, city=city)
        else:
            dest = Destination(country=country, city=city)
        lines = [RouteLine(sku, rng.randint(1, 3)) for sku in
                 rng.sample(data["variants"], rng.randint(1, 3))]
        out.append((rng.choice(data["channels"]), lines, dest, DeliveryMethod.SHIPPING))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    _setup_django()
    from django.db import connection

    from hub.stores import geo
    from hub.stores.routing import invalidate_routing_table, route_order

    connection.settings_dict["TEST"]["NAME"] = "omniport_bench_routing"
    print("creating a throwaway database…", file=sys.stderr)
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        rng = random.Random(args.seed)
        geo.ensure_city_index()
        data = _populate(rng)
        orders = _orders(rng, data, args.orders)
        invalidate_routing_table()
        timings: list[float] = []
        unrouted = 0
        by_rule: dict[str, int] = {}
        for channel, lines, dest, method in orders:
            started = time.perf_counter()
            decision = route_order(channel, lines, dest, method)
            timings.append((time.perf_counter() - started) * 1000)
            if not decision.routed:
                unrouted += 1
            by_rule[decision.rule_name] = by_rule.get(decision.rule_name, 0) + 1
        timings.sort()
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(f"stores=200 rules=50 median_ms={statistics.median(timings):.3f} "
              f"p99_ms={timings[int(len(timings) * 0.99) - 1]:.3f} max_ms={timings[-1]:.3f} "
              f"rules_used={len(by_rule)} default_share="
              f"{by_rule.get('Default', 0) / max(len(orders), 1):.2%}")
        print(f"routing_p95_ms={p95:.3f} orders={len(orders)} unrouted={unrouted}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
