"""Order routing: pick the warehouses (or store) that fulfil an order, before allocation.

Every order of every channel goes through :func:`route_order`: the merchant's
routing rules are tried by priority, the first that matches decides (an
ordered warehouse list, or the nearest stores with stock within R km, and
whether the order may be split), and the default rule covers the rest. The
decision carries a readable trace, which :func:`create_routed_order` stores on
the order together with where each line was actually allocated.

Rules are compiled once per process into plain objects (a strategy per
action) and recompiled when any rule or store changes, so routing an order
costs two or three small queries.
"""

from __future__ import annotations

import fnmatch
import threading
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from commerce.catalog.models import (
    Category,
    Product,
    ProductVariant,
    ProductVariantChannelListing,
)
from commerce.channel.models import Channel, ChannelWarehouse
from commerce.core.money import quantize
from commerce.inventory.errors import InsufficientStock, InventoryError
from commerce.inventory.models import Allocation, Reservation, Stock, Warehouse, WarehouseKind
from commerce.inventory.services import stock_allocate
from commerce.orders.errors import OrderError, OrderErrorCode
from commerce.orders.models import Order, OrderEvent
from commerce.orders.services import OrderInput, order_create

from . import geo
from .errors import StoresError, StoresErrorCode
from .models import DeliveryMethod, LineMatch, RoutingAction, RoutingRule, Store

# ---------------------------------------------------------------------------------
# inputs and outputs
# ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RouteLine:
    sku: str
    quantity: int
    unit_price: Decimal | None = None  # None: the channel's listed price


@dataclass(frozen=True)
class Destination:
    """Where the order goes: an address, and the shopper's geolocation when the browser gave one."""

    country: str = ""
    region: str = ""
    postal_code: str = ""
    city: str = ""
    latitude: float | None = None
    longitude: float | None = None

    @classmethod
    def from_address(cls, address: dict[str, str] | None, *, latitude: float | None = None,
                     longitude: float | None = None) -> Destination:
        address = address or {}
        return cls(country=str(address.get("country") or "").upper(),
                   region=str(address.get("country_area") or ""),
                   postal_code=str(address.get("postal_code") or ""),
                   city=str(address.get("city") or ""), latitude=latitude, longitude=longitude)

    def point(self) -> geo.GeoPoint | None:
        if self.latitude is not None and self.longitude is not None:
            found = geo.point_from_browser(self.latitude, self.longitude)
            if found:
                return found
        return geo.geocode_address(self.country, self.postal_code, self.city, self.region)


@dataclass
class LineRoute:
    sku: str
    quantity: int
    warehouses: list[dict[str, Any]] = field(default_factory=list)  # [{id, name, quantity}]
    why: str = ""


@dataclass
class RoutingDecision:
    """Warehouses to allocate from, in order; whether lines may come from several; and why."""

    warehouse_ids: list[int] | None
    split: bool
    rule_id: int | None = None
    rule_name: str = ""
    trace: list[str] = field(default_factory=list)
    lines: list[LineRoute] = field(default_factory=list)
    location: dict[str, Any] | None = None
    collection_point_id: int | None = None

    @property
    def routed(self) -> bool:
        return self.rule_id is not None

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": {"id": self.rule_id, "name": self.rule_name},
            "warehouse_ids": self.warehouse_ids,
            "split": self.split,
            "trace": self.trace,
            "lines": [asdict(line) for line in self.lines],
            "location": self.location,
            "collection_point_id": self.collection_point_id,
        }

    def readable(self) -> str:
        parts = list(self.trace)
        for line in self.lines:
            where = ", ".join(f"{w['quantity']} from {w['name']}" for w in line.warehouses) or "-"
            parts.append(f"{line.sku} ×{line.quantity}: {where}" + (f" ({line.why})" if line.why else ""))
        return "\n".join(parts)


# ---------------------------------------------------------------------------------
# compiled rules (strategy objects per action)
# ---------------------------------------------------------------------------------


@dataclass
class _OrderFacts:
    channel_id: int
    delivery_method: str
    destination: Destination
    currency: str
    lines: list[RouteLine]
    variants: dict[str, tuple[int, int | None, int | None]]  # sku -> (pk, weight, category)
    _weight: tuple[int, list[str]] | None = None
    _value: Decimal | None = None
    _point: Any = "unset"
    channel: Channel | None = None

    def weight(self) -> tuple[int, list[str]]:
        if self._weight is None:
            total, unknown = 0, []
            for line in self.lines:
                grams = self.variants[line.sku][1]
                if grams is None:
                    unknown.append(line.sku)
                total += (grams or 0) * line.quantity
            self._weight = (total, unknown)
        return self._weight

    def value(self) -> Decimal:
        if self._value is None:
            missing = [self.variants[ln.sku][0] for ln in self.lines if ln.unit_price is None]
            listed = dict(
                ProductVariantChannelListing.objects.filter(
                    channel_id=self.channel_id, variant_id__in=missing
                ).values_list("variant_id", "price_amount")
            ) if missing else {}
            total = Decimal(0)
            for ln in self.lines:
                price = ln.unit_price if ln.unit_price is not None \
                    else listed.get(self.variants[ln.sku][0])
                total += Decimal(price or 0) * ln.quantity
            self._value = total
        return self._value

    def point(self) -> geo.GeoPoint | None:
        if self._point == "unset":
            self._point = self.destination.point()
        return self._point


class RoutingActionStrategy(Protocol):
    def warehouses(self, rule: CompiledRule, facts: _OrderFacts, trace: list[str],
                   ctx: _Context) -> list[int] | None: ...


@dataclass
class CompiledRule:
    id: int
    name: str
    priority: int
    is_default: bool
    channels: frozenset[int]
    countries: frozenset[str]
    regions: frozenset[str]
    postcode_prefixes: tuple[str, ...]
    sku_exact: frozenset[str]
    sku_patterns: tuple[str, ...]
    categories: frozenset[int]
    line_match: str
    min_weight: int | None
    max_weight: int | None
    value_currency: str
    min_value: Decimal | None
    max_value: Decimal | None
    delivery_methods: frozenset[str]
    action: str
    radius_km: int | None
    allow_split: bool
    warehouse_ids: tuple[int, ...]

    def matches(self, facts: _OrderFacts, trace: list[str]) -> bool:
        """True when every set condition holds; the first failing one goes to the trace."""
        label = f"rule '{self.name}'"
        if self.channels and facts.channel_id not in self.channels:
            trace.append(f"{label}: skipped, channel not in the rule")
            return False
        if self.delivery_methods and facts.delivery_method not in self.delivery_methods:
            trace.append(f"{label}: skipped, delivery method {facts.delivery_method}")
            return False
        dest = facts.destination
        if self.countries and dest.country.upper() not in self.countries:
            trace.append(f"{label}: skipped, country {dest.country or '?'} not in "
                         f"{', '.join(sorted(self.countries))}")
            return False
        if self.regions and geo.normalize_name(dest.region) not in self.regions:
            trace.append(f"{label}: skipped, region {dest.region or '?'}")
            return False
        if self.postcode_prefixes:
            code = _norm_postcode(dest.postal_code)
            if not code or not code.startswith(self.postcode_prefixes):
                trace.append(f"{label}: skipped, postcode {dest.postal_code or '?'}")
                return False
        if self.sku_exact or self.sku_patterns or self.categories:
            hits = [self._line_hits(line.sku, facts) for line in facts.lines]
            ok = all(hits) if self.line_match == LineMatch.ALL else any(hits)
            if not ok:
                trace.append(f"{label}: skipped, SKU/category condition ({self.line_match} lines)")
                return False
        if self.min_weight is not None or self.max_weight is not None:
            grams, unknown = facts.weight()
            if (self.min_weight is not None and grams < self.min_weight) or \
                    (self.max_weight is not None and grams > self.max_weight):
                trace.append(f"{label}: skipped, weight {grams} g")
                return False
            if unknown:
                trace.append(f"{label}: weight of {', '.join(unknown)} unknown, counted as 0 g")
        if self.min_value is not None or self.max_value is not None:
            if facts.currency != self.value_currency:
                trace.append(f"{label}: skipped, order value in {facts.currency}, "
                             f"rule in {self.value_currency}")
                return False
            value = facts.value()
            if (self.min_value is not None and value < self.min_value) or \
                    (self.max_value is not None and value > self.max_value):
                trace.append(f"{label}: skipped, value {quantize(value, facts.currency)} "
                             f"{facts.currency}")
                return False
        return True

    def _line_hits(self, sku: str, facts: _OrderFacts) -> bool:
        if sku in self.sku_exact or any(fnmatch.fnmatchcase(sku, p) for p in self.sku_patterns):
            return True
        category = facts.variants[sku][2]
        return category is not None and category in self.categories

    def conditions_text(self, facts: _OrderFacts) -> str:
        bits = []
        if self.channels:
            bits.append("channel")
        if self.delivery_methods:
            bits.append(f"delivery {facts.delivery_method}")
        if self.countries:
            bits.append(f"country {facts.destination.country}")
        if self.regions:
            bits.append(f"region {facts.destination.region}")
        if self.postcode_prefixes:
            bits.append(f"postcode {facts.destination.postal_code}")
        if self.sku_exact or self.sku_patterns or self.categories:
            bits.append("SKU/category")
        if self.min_weight is not None or self.max_weight is not None:
            bits.append(f"weight {facts.weight()[0]} g")
        if self.min_value is not None or self.max_value is not None:
            bits.append(f"value {quantize(facts.value(), facts.currency)} {facts.currency}")
        if self.is_default:
            return "default rule"
        return ", ".join(bits) or "no conditions"


class WarehouseListAction:
    """The rule's warehouses in order. A default rule without warehouses stands for the
    channel's own warehouse order (returned as an empty list, see route_order)."""

    def warehouses(self, rule: CompiledRule, facts: _OrderFacts, trace: list[str],
                   ctx: _Context) -> list[int] | None:
        if rule.is_default and not rule.warehouse_ids:
            trace.append(f"rule '{rule.name}': the channel's warehouse order")
            return []
        active = [w for w in rule.warehouse_ids if w in ctx.active_warehouses()]
        if not active:
            trace.append(f"rule '{rule.name}': none of its warehouses is active")
            return None
        trace.append(f"rule '{rule.name}': warehouses in order: "
                     + ", ".join(ctx.warehouse_name(w) for w in active))
        return active


class NearestStoreAction:
    """Stores with stock within ``radius_km`` of the shopper, nearest first, then the
    rule's warehouses as fallback."""

    def warehouses(self, rule: CompiledRule, facts: _OrderFacts, trace: list[str],
                   ctx: _Context) -> list[int] | None:
        label = f"rule '{rule.name}'"
        point = facts.point()
        fallback = [w for w in rule.warehouse_ids if w in ctx.active_warehouses()]
        stores: list[tuple[float, int]] = []
        if point is None:
            trace.append(f"{label}: shopper location unknown (no geolocation, address not found)")
        else:
            ctx.location = point
            want = facts.delivery_method
            radius = float(rule.radius_km or 0)
            lat_span = radius / 110.0 + 0.01  # cheap latitude band before the exact distance
            for info in ctx.stores():
                if want == DeliveryMethod.SHIPPING and not info.ship_from_store:
                    continue
                if want == DeliveryMethod.PICKUP and not info.pickup:
                    continue
                if abs(info.latitude - point.latitude) > lat_span:
                    continue
                d = geo.haversine_km(point.latitude, point.longitude, info.latitude, info.longitude)
                if d <= radius:
                    stores.append((d, info.warehouse_id))
            stores.sort()
            available = ctx.availability([w for _d, w in stores])
            need = {facts.variants[ln.sku][0]: ln.quantity for ln in facts.lines}
            chosen = []
            for d, wid in stores:
                have = available.get(wid, {})
                full = all(have.get(v, 0) >= q for v, q in need.items())
                some = any(have.get(v, 0) > 0 for v in need)
                if full or (rule.allow_split and some):
                    chosen.append(wid)
                    trace.append(f"{label}: {ctx.warehouse_name(wid)} at {d:.1f} km has "
                                 + ("every line" if full else "part of the order"))
                    if full and not rule.allow_split:
                        break
            stores = [(0.0, w) for w in chosen]
            if not stores:
                trace.append(f"{label}: no store with stock within {rule.radius_km} km "
                             f"of {point.label or 'the shopper'} ({point.precision})")
        ids = [w for _d, w in stores] + [w for w in fallback if w not in {s for _d, s in stores}]
        if not ids:
            return None
        if fallback:
            trace.append(f"{label}: then " + ", ".join(ctx.warehouse_name(w) for w in fallback))
        return ids


ACTIONS: dict[str, RoutingActionStrategy] = {
    RoutingAction.WAREHOUSES: WarehouseListAction(),
    RoutingAction.NEAREST_STORE: NearestStoreAction(),
}


@dataclass(frozen=True)
class _StoreInfo:
    store_id: int
    warehouse_id: int
    latitude: float
    longitude: float
    pickup: bool
    ship_from_store: bool


class _Context:
    """What one routing call knows: the snapshot, and free stock of the order's variants in
    every warehouse (read once, with the variants; allocation re-checks under lock)."""

    def __init__(self, table: RoutingTable, free: dict[int, dict[int, int]],
                 channel_warehouses: list[int] | None = None) -> None:
        self.table = table
        self._free = free
        self.channel_warehouses = channel_warehouses  # the channel's active ones, in order
        self.location: geo.GeoPoint | None = None

    def channel_warehouse_ids(self, channel: Channel) -> list[int]:
        if self.channel_warehouses is None:
            from commerce.inventory.selectors import channel_warehouse_ids

            self.channel_warehouses = channel_warehouse_ids(channel)
        return self.channel_warehouses

    def active_warehouses(self) -> frozenset[int]:
        return self.table.active_warehouses

    def warehouse_name(self, wid: int) -> str:
        return self.table.warehouse_names.get(wid) or str(wid)

    def stores(self) -> list[_StoreInfo]:
        return self.table.stores

    def availability(self, warehouse_ids: Sequence[int]) -> dict[int, dict[int, int]]:
        """Units free per warehouse and variant."""
        return {w: self._free.get(w, {}) for w in warehouse_ids}


def _variants_and_free_stock(skus: Sequence[str], reservation_reference: str | None = None,
                             channel: Channel | None = None,
                             ) -> tuple[dict[str, tuple[int, int | None, int | None]],
                                        dict[int, dict[int, int]], list[int] | None]:
    """One query: the variants by SKU (id, weight, category), their free units per warehouse
    (plus one when a checkout's own hold, ``reservation_reference``, counts as free) and,
    given a ``channel``, its active warehouses in their order (None when no SKU is known)."""
    v_t, p_t, s_t = (ProductVariant._meta.db_table, Product._meta.db_table, Stock._meta.db_table)
    cw_t, w_t = ChannelWarehouse._meta.db_table, Warehouse._meta.db_table
    sql = (
        f"SELECT v.id, v.sku, v.weight_grams, p.category_id, s.warehouse_id, "  # noqa: S608
        f"s.quantity - s.quantity_allocated - s.quantity_reserved, "
        f"(SELECT array_agg(cw.warehouse_id ORDER BY cw.sort_order, cw.id) FROM {cw_t} cw "
        f"JOIN {w_t} w ON w.id = cw.warehouse_id WHERE cw.channel_id = %s AND w.is_active) "
        f"FROM {v_t} v JOIN {p_t} p ON p.id = v.product_id "
        f"LEFT JOIN {s_t} s ON s.variant_id = v.id "
        f"AND s.quantity - s.quantity_allocated - s.quantity_reserved > 0 "
        f"WHERE v.sku = ANY(%s)"
    )
    variants: dict[str, tuple[int, int | None, int | None]] = {}
    free: dict[int, dict[int, int]] = defaultdict(dict)
    channel_warehouses: list[int] | None = None
    with connection.cursor() as cursor:
        cursor.execute(sql, [channel.pk if channel is not None else None, list(skus)])
        for vid, sku, weight, category, wid, units, ordered in cursor.fetchall():
            variants[sku] = (vid, weight, category)
            if wid is not None:
                free[wid][vid] = int(units)
            if channel is not None:
                channel_warehouses = list(ordered or [])
    if reservation_reference:
        held = (Reservation.objects.filter(reference=reservation_reference,
                                           stock__variant__sku__in=list(skus))
                .values_list("stock__warehouse_id", "stock__variant_id")
                .annotate(q=Sum("quantity_reserved")))
        for wid, vid, units in held:
            free[wid][vid] = free[wid].get(vid, 0) + int(units or 0)
    return variants, free, channel_warehouses


class RoutingTable:
    """A snapshot of what routing needs besides stock: the compiled rules (ordered,
    default last), warehouse names and activity, and the stores with coordinates."""

    def __init__(self, rules: list[CompiledRule], warehouse_names: dict[int, str],
                 active_warehouses: frozenset[int], stores: list[_StoreInfo]) -> None:
        self.rules = rules
        self.warehouse_names = warehouse_names
        self.active_warehouses = active_warehouses
        self.stores = stores


def _norm_postcode(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def compile_rules() -> RoutingTable:
    """Load active rules with their conditions into plain objects (a handful of queries)."""
    rules = list(
        RoutingRule.objects.filter(is_active=True).order_by("is_default", "priority", "pk")
        .prefetch_related("channels", "categories", "rule_warehouses")
    )
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent in Category.objects.values_list("pk", "parent_id"):
        children[parent].append(pk)

    def with_descendants(ids: list[int]) -> frozenset[int]:
        out, todo = set(), list(ids)
        while todo:
            cid = todo.pop()
            if cid not in out:
                out.add(cid)
                todo.extend(children.get(cid, ()))
        return frozenset(out)

    compiled = []
    for r in rules:
        skus = [s.strip() for s in r.skus if s.strip()]
        compiled.append(CompiledRule(
            id=r.pk, name=r.name, priority=r.priority, is_default=r.is_default,
            channels=frozenset(c.pk for c in r.channels.all()),
            countries=frozenset(c.upper() for c in r.countries if c),
            regions=frozenset(geo.normalize_name(x) for x in r.regions if x),
            postcode_prefixes=tuple(_norm_postcode(p) for p in r.postcode_prefixes if p),
            sku_exact=frozenset(s for s in skus if "*" not in s and "?" not in s),
            sku_patterns=tuple(s for s in skus if "*" in s or "?" in s),
            categories=with_descendants([c.pk for c in r.categories.all()]),
            line_match=r.line_match,
            min_weight=r.min_weight_grams, max_weight=r.max_weight_grams,
            value_currency=(r.value_currency or "").upper(),
            min_value=r.min_order_value, max_value=r.max_order_value,
            delivery_methods=frozenset(r.delivery_methods),
            action=r.action, radius_km=r.radius_km, allow_split=r.allow_split,
            warehouse_ids=tuple(rw.warehouse_id for rw in
                                sorted(r.rule_warehouses.all(), key=lambda x: (x.sort_order, x.pk))),
        ))
    names: dict[int, str] = {}
    active: set[int] = set()
    for pk, name, is_active in Warehouse.objects.values_list("pk", "name", "is_active"):
        names[pk] = name
        if is_active:
            active.add(pk)
    stores = [
        _StoreInfo(pk, wid, float(lat), float(lon), pickup, ship)  # type: ignore[arg-type]
        for pk, wid, lat, lon, pickup, ship in Store.objects.filter(
            warehouse__is_active=True, warehouse__kind=WarehouseKind.STORE,
            warehouse__latitude__isnull=False, warehouse__longitude__isnull=False,
        ).values_list("pk", "warehouse_id", "warehouse__latitude", "warehouse__longitude",
                      "warehouse__pickup_enabled", "ship_from_store_enabled")
    ]
    return RoutingTable(compiled, names, frozenset(active), stores)


_table_lock = threading.Lock()
_cached: tuple[tuple, RoutingTable] | None = None
_checked_at = 0.0


def _fingerprint() -> tuple:
    """One query that changes whenever a rule, a store or a warehouse changes."""
    rule_t = RoutingRule._meta.db_table
    store_t = Store._meta.db_table
    wh_t = Warehouse._meta.db_table
    sql = (
        f"SELECT (SELECT count(*) || ':' || coalesce(max(updated_at)::text, '') FROM {rule_t}),"  # noqa: S608
        f" (SELECT count(*) || ':' || coalesce(max(updated_at)::text, '') FROM {store_t}),"
        f" (SELECT md5(coalesce(string_agg(id || ':' || is_active::text || ':' || kind || ':'"
        f" || pickup_enabled::text || ':' || coalesce(latitude::text, '') || ':'"
        f" || coalesce(longitude::text, '') || ':' || name, ',' ORDER BY id), '')) FROM {wh_t})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(cursor.fetchone())


def routing_table() -> RoutingTable:
    """The compiled snapshot; rechecked against the database at most every
    ``STORES_ROUTING_REFRESH_SECONDS`` (default 2 s) and rebuilt when anything changed."""
    global _cached, _checked_at
    max_age = float(getattr(settings, "STORES_ROUTING_REFRESH_SECONDS", 2.0))
    now = time.monotonic()
    cached = _cached
    if cached is not None and now - _checked_at < max_age:
        return cached[1]
    key = _fingerprint()
    if cached is not None and cached[0] == key:
        _checked_at = now
        return cached[1]
    with _table_lock:
        table = compile_rules()
        _cached = (key, table)
        _checked_at = now
        return table


def invalidate_routing_table() -> None:
    """Forget the snapshot (this process); other processes notice within the refresh period."""
    global _cached
    _cached = None


# ---------------------------------------------------------------------------------
# route
# ---------------------------------------------------------------------------------


def _validate_lines(lines: Sequence[RouteLine]) -> None:
    # the same errors (and codes) as order_create, so callers handle one kind
    if not lines:
        raise OrderError(_("An order needs at least one line."), code=OrderErrorCode.NO_LINES,
                         field="lines")
    for line in lines:
        if not isinstance(line.quantity, int) or isinstance(line.quantity, bool) \
                or line.quantity <= 0:
            raise OrderError(_("Quantity of %(sku)s must be a whole number above zero.")
                             % {"sku": line.sku}, code=OrderErrorCode.INVALID_QUANTITY,
                             field="quantity")


def route_order(
    channel: Channel,
    lines: Sequence[RouteLine],
    destination: Destination,
    delivery_method: str = DeliveryMethod.SHIPPING,
    *,
    collection_point_id: int | None = None,
    currency: str | None = None,
    table: RoutingTable | None = None,
    reservation_reference: str | None = None,
) -> RoutingDecision:
    """Decide where an order is fulfilled; reads only (allocation happens afterwards).

    ``collection_point_id`` is the store warehouse a pickup order is collected at:
    that store always comes first, and other warehouses only follow when the store
    accepts transfers. ``reservation_reference`` is the checkout's stock hold: units it
    holds count as available to this order (they become its allocation).
    """
    _validate_lines(lines)
    table = table or routing_table()
    merged: dict[str, int] = {}
    prices: dict[str, Decimal | None] = {}
    for ln in lines:
        merged[ln.sku] = merged.get(ln.sku, 0) + ln.quantity
        prices.setdefault(ln.sku, ln.unit_price)
    variants, free, channel_warehouses = _variants_and_free_stock(
        list(merged), reservation_reference, channel)
    unknown = sorted(set(merged) - set(variants))
    if unknown:
        raise OrderError(_("Unknown SKU: %(skus)s") % {"skus": ", ".join(unknown)},
                         code=OrderErrorCode.UNKNOWN_SKU, field="sku")
    route_lines = [RouteLine(sku, qty, prices[sku]) for sku, qty in merged.items()]
    facts = _OrderFacts(channel_id=channel.pk, delivery_method=delivery_method,
                        destination=destination,
                        currency=(currency or channel.currency_code).upper(),
                        lines=route_lines, variants=variants, channel=channel)
    ctx = _Context(table, free, channel_warehouses)
    trace: list[str] = []

    store: Store | None = None
    if delivery_method == DeliveryMethod.PICKUP:
        store = _pickup_store(collection_point_id)

    decision: RoutingDecision | None = None
    for rule in table.rules:
        if not rule.is_default and not rule.matches(facts, trace):
            continue
        ids = ACTIONS[rule.action].warehouses(rule, facts, trace, ctx)
        if ids is None:
            trace.append(f"rule '{rule.name}': matched but has nowhere to send the order; next rule")
            continue
        trace.insert(0, f"matched rule '{rule.name}' (priority {rule.priority}): "
                     f"{rule.conditions_text(facts)}")
        # [] = the channel's warehouse order, which allocation takes from warehouse_ids=None
        decision = RoutingDecision(warehouse_ids=ids or None, split=rule.allow_split,
                                   rule_id=rule.id,
                                   rule_name=rule.name, trace=trace)
        break
    if decision is None:
        trace.insert(0, "no routing rule matched and there is no default rule: "
                        "the channel's warehouse order applies")
        decision = RoutingDecision(warehouse_ids=None, split=True, trace=trace)

    if store is not None:
        _apply_pickup(decision, store, ctx, channel)
    if ctx.location is not None:
        decision.location = {"latitude": ctx.location.latitude,
                             "longitude": ctx.location.longitude,
                             "precision": ctx.location.precision, "label": ctx.location.label}
    decision.lines = _preview(route_lines, facts, decision, ctx, channel)
    return decision


def _pickup_store(collection_point_id: int | None) -> Store:
    store = (Store.objects.select_related("warehouse")
             .filter(warehouse_id=collection_point_id).first()) if collection_point_id else None
    if store is None or not store.warehouse.is_active or not store.warehouse.pickup_enabled:
        raise StoresError(_("Pickup is not available at that store."),
                          code=StoresErrorCode.PICKUP_UNAVAILABLE, field="collectionPoint")
    return store


def _apply_pickup(decision: RoutingDecision, store: Store, ctx: _Context,
                  channel: Channel) -> None:
    wid = store.warehouse_id
    ctx.table.warehouse_names.setdefault(wid, store.warehouse.name)
    decision.collection_point_id = wid
    if store.allow_transfers:
        routed = decision.warehouse_ids
        if routed is None:  # no rule: the channel's warehouses are the transfer sources
            routed = ctx.channel_warehouse_ids(channel)
        sources = [w for w in routed if w != wid]
        decision.warehouse_ids = [wid, *sources]
        decision.trace.append(
            f"pickup at {store.warehouse.name}: its own stock first"
            + (", then transfers from " + ", ".join(ctx.warehouse_name(w) for w in sources)
               if sources else "")
        )
        decision.split = bool(sources) and decision.split
    else:
        decision.warehouse_ids = [wid]
        decision.split = False
        decision.trace.append(f"pickup at {store.warehouse.name}: every line from its own stock "
                              "(this store takes no transfers)")


def _preview(lines: list[RouteLine], facts: _OrderFacts, decision: RoutingDecision,
             ctx: _Context, channel: Channel) -> list[LineRoute]:
    """Where each line would be taken from, in the decided warehouse order (no locks)."""
    order = decision.warehouse_ids
    if order is None:
        order = ctx.channel_warehouse_ids(channel)
    avail = {w: dict(v) for w, v in ctx.availability(order).items()}
    out: list[LineRoute] = []
    if not decision.split:
        for wid in order:
            if all(avail[wid].get(facts.variants[ln.sku][0], 0) >= ln.quantity for ln in lines):
                for ln in lines:
                    out.append(LineRoute(ln.sku, ln.quantity, [
                        {"id": wid, "name": ctx.warehouse_name(wid), "quantity": ln.quantity}],
                        _("first warehouse in order that holds the whole order")))
                return out
    for ln in lines:
        vid = facts.variants[ln.sku][0]
        need = ln.quantity
        takes = []
        for wid in order:
            if need == 0:
                break
            take = min(need, avail[wid].get(vid, 0))
            if take:
                avail[wid][vid] -= take
                need -= take
                takes.append({"id": wid, "name": ctx.warehouse_name(wid), "quantity": take})
        why = "" if not need else f"{need} short in the routed warehouses"
        if takes and not why:
            why = "first warehouse in order with stock" if len(takes) == 1 \
                else "split across warehouses in order"
        out.append(LineRoute(ln.sku, ln.quantity, takes, why))
    return out


# ---------------------------------------------------------------------------------
# create an order the routed way
# ---------------------------------------------------------------------------------


def create_routed_order(
    data: OrderInput,
    *,
    delivery_method: str = DeliveryMethod.SHIPPING,
    destination: Destination | Mapping[str, str] | None = None,
    collection_point_id: int | None = None,
    reservation_reference: str | None = None,
    user=None,  # noqa: ANN001
    backorder: bool = False,
) -> Order:
    """Route, then create and allocate the order, keep the trace, and queue store work.

    One transaction: bad input raises (OrderError, StoresError, InsufficientStock)
    and nothing is written. ``destination`` is a Destination or an address dict (default:
    the order's shipping, else billing address). With ``reservation_reference`` (a paid
    checkout's stock hold) the held units count for routing, and when the routed
    warehouses cannot serve a shipped order the units the shopper held are allocated
    instead of refusing a paid order (the trace says so). This is the checkout's order
    creator (``settings.CHECKOUT_ORDER_CREATOR``).

    ``backorder=True`` (an oversold marketplace order the merchant keeps) never raises
    InsufficientStock: each line the routed warehouses can serve is allocated there, the
    others wait, and the trace names them; :mod:`hub.stores.backorders` allocates them in
    the same routed warehouses when stock arrives.
    """
    from .services import fulfilments_for_order

    if not isinstance(destination, Destination):
        destination = Destination.from_address(
            dict(destination or data.shipping_address or data.billing_address or {}))
    decision = route_order(
        data.channel, [RouteLine(ln.sku, ln.quantity, ln.unit_price) for ln in data.lines],
        destination, delivery_method, collection_point_id=collection_point_id,
        currency=data.currency, reservation_reference=reservation_reference,
    )
    if backorder:
        with transaction.atomic():
            order = order_create(data, allocate=False, user=user)
            _allocate_what_can_be_served(order, decision, user=user)
            record_routing(order, decision, user=user)
            fulfilments_for_order(order, delivery_method=delivery_method)
        return order
    with transaction.atomic():
        try:  # order_create writes nothing when it raises (its own savepoint)
            order = order_create(data, warehouse_ids=decision.warehouse_ids,
                                 split=decision.split,
                                 reservation_reference=reservation_reference, user=user)
        except InsufficientStock:
            fallback = _held_warehouses(data.channel, reservation_reference) \
                if delivery_method != DeliveryMethod.PICKUP else None
            if not fallback:
                raise
            names = ", ".join(routing_table().warehouse_names.get(w, str(w)) for w in fallback)
            decision.trace.append(
                f"the routed warehouses cannot serve the order; allocated where the checkout "
                f"held the stock ({names}) rather than refuse a paid order")
            decision.warehouse_ids, decision.split = fallback, True
            order = order_create(data, warehouse_ids=fallback, split=True,
                                 reservation_reference=reservation_reference, user=user)
        if decision.collection_point_id:
            order.collection_point_id = decision.collection_point_id
            order.save(update_fields=["collection_point", "updated_at"])
        allocated, in_stores = _allocated(order)
        record_routing(order, decision, user=user, allocated=allocated)
        if in_stores or delivery_method == DeliveryMethod.PICKUP:
            fulfilments_for_order(order, delivery_method=delivery_method)
    return order


def _allocate_what_can_be_served(order: Order, decision: RoutingDecision, *,
                                 user=None) -> list[str]:  # noqa: ANN001
    """Backorder: allocate each line the routed warehouses can serve (whole lines, the
    rule's split setting per line); the rest waits. Returns the waiting lines, as text."""
    waiting: list[str] = []
    for line in order.lines.order_by("pk"):
        try:
            with transaction.atomic():
                stock_allocate([line], order.channel, warehouse_ids=decision.warehouse_ids,
                               split=decision.split, user=user)
        except InventoryError:  # short (or nowhere to take it from): the line waits
            waiting.append(f"{line.product_sku} ×{line.quantity}")
    if waiting:
        where = ", ".join(routing_table().warehouse_names.get(w, str(w))
                          for w in decision.warehouse_ids) \
            if decision.warehouse_ids else "the channel's warehouses"
        decision.trace.append(
            f"kept as a backorder: {', '.join(waiting)} wait for stock in {where}; "
            "allocated there when it arrives")
    return waiting


def _held_warehouses(channel: Channel, reservation_reference: str | None) -> list[int]:
    """Warehouses holding a checkout's stock first, then the channel's others (in order)."""
    if not reservation_reference:
        return []
    from commerce.inventory.selectors import channel_warehouse_ids

    held = set(Reservation.objects.filter(reference=reservation_reference)
               .values_list("stock__warehouse_id", flat=True))
    if not held:
        return []
    ordered = channel_warehouse_ids(channel)
    return [w for w in ordered if w in held] + [w for w in ordered if w not in held]


def _allocated(order: Order) -> tuple[dict[int, list[dict[str, Any]]], bool]:
    """Where each line of the order is allocated ({line id: [{id, name, quantity}]}), and
    whether any of it is in a store (which then has work to queue), in one query."""
    allocated: dict[int, list[dict[str, Any]]] = defaultdict(list)
    in_stores = False
    for line_id, wid, name, qty, store_id in Allocation.objects.filter(
            order_line__order=order).order_by("pk").values_list(
            "order_line_id", "stock__warehouse_id", "stock__warehouse__name",
            "quantity_allocated", "stock__warehouse__store"):
        allocated[line_id].append({"id": wid, "name": name, "quantity": qty})
        in_stores = in_stores or store_id is not None
    return allocated, in_stores


def record_routing(order: Order, decision: RoutingDecision, *, user=None,  # noqa: ANN001
                   allocated: dict[int, list[dict[str, Any]]] | None = None) -> OrderEvent:
    """Keep the decision and where each line was actually allocated on the order's timeline
    (``allocated``: what ``_allocated`` read, when the caller has it)."""
    if allocated is None:
        allocated, _in_stores = _allocated(order)
    actual: list[dict[str, Any]] = [
        {"sku": line.product_sku, "quantity": line.quantity,
         "allocated": allocated.get(line.pk, [])}
        for line in order.lines.all()
    ]
    params: dict[str, Any] = {**decision.as_dict(), "allocated": actual}
    message = decision.readable() + "\n" + "\n".join(
        f"allocated {a['sku']} ×{a['quantity']}: "
        + ", ".join(f"{x['quantity']} at {x['name']}" for x in a["allocated"])
        for a in actual
    )
    return OrderEvent.objects.create(order=order, type="routed", message=message,
                                     parameters=params, user=user if user and user.pk else None)
