"""O2O demo data: store profiles, opening hours, clerks, fees and routing rules.

Registered in ``settings.DEMO_SEED_EXTENSIONS``, so ``commerce.demo.seed.seed_demo``
calls :func:`seed_stores` after it has created the store warehouses and the clerk
logins. Everything goes through the stores services (time zone, opening hours and
routing rule validation). Idempotent: a store profile, fee rule or routing rule that
exists (looked up by warehouse, currency or rule name) is left as the merchant may
have edited it; only what is missing is created.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction

from commerce.account.models import User
from commerce.channel.models import Channel
from commerce.core.money import quantize
from commerce.inventory.models import Warehouse, WarehouseKind

from .models import DeliveryMethod, RoutingAction, RoutingRule, Store, StoreFeeRule
from .services import (
    Period,
    RuleInput,
    ensure_clerk_group,
    routing_rule_create,
    store_assign_clerk,
    store_save,
)

if TYPE_CHECKING:
    from commerce.demo.seed import SeedReport

MON_SAT = range(0, 6)
SUNDAY = 6


@dataclass(frozen=True)
class StoreSpec:
    warehouse: str  # slug of the store warehouse (commerce demo)
    clerk: str  # email of the clerk login (commerce demo)
    time_zone: str
    sunday: tuple[time, time] | None  # Sunday hours, None: closed
    ship_from_store: bool
    fee_percent: Decimal


STORES = (
    # Le Marais is a tourist zone (ZTI): Sunday opening is allowed and usual.
    StoreSpec("store-paris", "clerk.paris@example.com", "Europe/Paris",
              (time(11), time(18)), False, Decimal("6.00")),
    # Berlin: shops stay closed on Sundays (Ladenöffnungsgesetz).
    StoreSpec("store-berlin", "clerk.berlin@example.com", "Europe/Berlin",
              None, True, Decimal("6.00")),
    # England: larger shops may open six hours on a Sunday.
    StoreSpec("store-london", "clerk.london@example.com", "Europe/London",
              (time(12), time(18)), False, Decimal("6.00")),
)
PICKUP_HOLD_DAYS = 7
PREPARATION_MINUTES = 15

# Fixed fee a store earns per online order it hands over or ships, per order currency.
FIXED_FEE = {"EUR": Decimal("1.50"), "GBP": Decimal("1.30"), "USD": Decimal("1.60"),
             "JPY": Decimal("250")}

DEFAULT_RULE = "Default: the channel's warehouse order"
EU_NEAREST_RULE = "EU shipping: nearest store with stock (300 km), else central"
AMAZON_US_RULE = "Amazon US: US 3PL first"


def _hours(spec: StoreSpec) -> list[Period]:
    hours = [Period(day, time(10), time(20)) for day in MON_SAT]
    if spec.sunday:
        hours.append(Period(SUNDAY, *spec.sunday))
    return hours


def _ensure_store(spec: StoreSpec, warehouse: Warehouse, report: SeedReport) -> Store:
    store = Store.objects.filter(warehouse=warehouse).select_related("warehouse").first()
    if store is None:
        store = Store(warehouse=warehouse, time_zone=spec.time_zone,
                      ship_from_store_enabled=spec.ship_from_store,
                      pickup_hold_days=PICKUP_HOLD_DAYS, reminder_days_before=1,
                      preparation_minutes=PREPARATION_MINUTES, fee_percent=spec.fee_percent)
        store.full_clean(exclude=["clerks"])  # field and constraint checks (fee range…)
        store = store_save(store, pickup_enabled=True, hours=_hours(spec))
        report.add("stores")
        report.add("opening hours", store.opening_hours.count())
    return store


def _ensure_clerk(store: Store, email: str, report: SeedReport) -> None:
    user = User.objects.filter(email=email).first()
    if user is None:
        return  # the merchant removed that demo login
    if not store.clerks.filter(pk=user.pk).exists():
        report.add("store clerks")
    # Always (idempotent): the commerce seed resets the clerk group's permissions.
    store_assign_clerk(store, user)


def _store_currencies(warehouse: Warehouse) -> set[str]:
    """Currencies of the orders a store may fulfil: those of the channels it serves."""
    return set(Channel.objects.filter(channel_warehouses__warehouse=warehouse)
               .values_list("currency_code", flat=True))


def _ensure_fees(store: Store, report: SeedReport) -> None:
    have = set(store.fee_rules.values_list("currency", flat=True))
    for currency in sorted(_store_currencies(store.warehouse) - have):
        if currency not in FIXED_FEE:
            continue
        rule = StoreFeeRule(store=store, currency=currency,
                            fixed_per_order=quantize(FIXED_FEE[currency], currency))
        rule.full_clean()
        rule.save()
        report.add("store fee rules")


def _ensure_rules(warehouses: dict[str, Warehouse], report: SeedReport) -> None:
    channels = {c.slug: c for c in Channel.objects.filter(slug__in=["eu", "amazon-us"])}
    names = set(RoutingRule.objects.values_list("name", flat=True))
    wanted: list[RuleInput] = []
    if "eu" in channels and "cn-shenzhen" in warehouses:
        wanted.append(RuleInput(
            name=EU_NEAREST_RULE, priority=20, channels=(channels["eu"],),
            delivery_methods=(DeliveryMethod.SHIPPING.value,),
            action=RoutingAction.NEAREST_STORE.value, radius_km=300, allow_split=True,
            warehouses=(warehouses["cn-shenzhen"],)))
    if "amazon-us" in channels and {"us-ontario", "cn-shenzhen"} <= warehouses.keys():
        wanted.append(RuleInput(
            name=AMAZON_US_RULE, priority=10, channels=(channels["amazon-us"],),
            warehouses=(warehouses["us-ontario"], warehouses["cn-shenzhen"])))
    if not RoutingRule.objects.filter(is_default=True).exists():
        # No warehouses: every channel keeps its own warehouse order (admin: Channels).
        wanted.append(RuleInput(name=DEFAULT_RULE, priority=1000, is_default=True))
    for data in wanted:
        if data.name not in names:
            routing_rule_create(data)
            report.add("routing rules")


def seed_stores(report: SeedReport) -> None:
    """The O2O part of the demo (a DEMO_SEED_EXTENSIONS entry); safe to run any number of times."""
    slugs = [s.warehouse for s in STORES] + ["cn-shenzhen", "us-ontario"]
    warehouses = {w.slug: w for w in Warehouse.objects.filter(slug__in=slugs)}
    with transaction.atomic():
        ensure_clerk_group()
        for spec in STORES:
            warehouse = warehouses.get(spec.warehouse)
            if warehouse is None or warehouse.kind != WarehouseKind.STORE:
                continue
            store = _ensure_store(spec, warehouse, report)
            _ensure_clerk(store, spec.clerk, report)
            _ensure_fees(store, report)
        _ensure_rules(warehouses, report)
