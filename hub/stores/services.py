"""Store services: store profiles, clerks, and the store side of an order.

Each service is one transaction. Fulfilment rows are locked (SELECT … FOR
UPDATE) before their state changes, so two clerks on two phones can never
hand the same order over twice. Customer messages and payment calls leave
through ``notify`` and ``payments`` only.
"""

from __future__ import annotations

import re
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from commerce.catalog.models import Category, ProductVariant
from commerce.channel.models import Channel
from commerce.inventory import services as inventory
from commerce.inventory.models import Allocation, MovementReason, Stock, Warehouse, WarehouseKind
from commerce.orders.models import Order, OrderEvent, OrderLine, OrderStatus
from commerce.orders.services import order_cancel

from . import payments, rules
from .errors import StoresError, StoresErrorCode
from .models import (
    DeliveryMethod,
    FulfilmentKind,
    FulfilmentLine,
    FulfilmentStatus,
    LineMatch,
    OpeningHours,
    PickupCodeAttempt,
    RoutingAction,
    RoutingRule,
    RoutingRuleWarehouse,
    Store,
    StoreFulfilment,
)
from .notify import QR_PREFIX, NotifyEvent, notify_customer
from .routing import invalidate_routing_table

CLERK_GROUP = "Store clerk"
PICKUP_CODE_DIGITS = 6


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def code_max_failures_per_order() -> int:
    return _setting("STORES_CODE_MAX_FAILURES_PER_ORDER", 5)


def code_max_failures_per_clerk() -> int:
    return _setting("STORES_CODE_MAX_FAILURES_PER_CLERK", 10)


def code_lock_minutes() -> int:
    return _setting("STORES_CODE_LOCK_MINUTES", 15)


# ---------------------------------------------------------------------------------
# stores and clerks
# ---------------------------------------------------------------------------------


def ensure_clerk_group() -> Group:
    """The "Store clerk" group with the console permission (safe to call any number of times)."""
    group, _created = Group.objects.get_or_create(name=CLERK_GROUP)
    perm = Permission.objects.filter(content_type__app_label="stores",
                                     codename="use_clerk_console").first()
    if perm is not None:
        group.permissions.add(perm)
    return group


def store_assign_clerk(store: Store, user) -> None:  # noqa: ANN001
    """Give a user the clerk console for this store (and only this one, unless assigned more)."""
    with transaction.atomic():
        store.clerks.add(user)
        user.groups.add(ensure_clerk_group())


def store_unassign_clerk(store: Store, user) -> None:  # noqa: ANN001
    with transaction.atomic():
        store.clerks.remove(user)
        if not user.stores.exists():
            user.groups.remove(ensure_clerk_group())


def validate_time_zone(name: str) -> str:
    name = (name or "").strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise StoresError(_("%(tz)s is not an IANA time zone (e.g. Europe/Berlin).") % {"tz": name},
                          code=StoresErrorCode.INVALID, field="time_zone") from exc
    if name not in available_timezones() and name != "UTC":
        raise StoresError(_("%(tz)s is not an IANA time zone (e.g. Europe/Berlin).") % {"tz": name},
                          code=StoresErrorCode.INVALID, field="time_zone")
    return name


def validate_store_warehouse(warehouse: Warehouse) -> None:
    if warehouse.kind != WarehouseKind.STORE:
        raise StoresError(_("%(wh)s is not a warehouse of kind store.") % {"wh": warehouse.name},
                          code=StoresErrorCode.NOT_A_STORE, field="warehouse")


@dataclass(frozen=True)
class Period:
    weekday: int
    opens: time
    closes: time


def validate_opening_hours(periods: list[Period]) -> None:
    """Each period opens before it closes; periods of one weekday do not overlap."""
    by_day: dict[int, list[Period]] = defaultdict(list)
    for p in periods:
        if not 0 <= int(p.weekday) <= 6:
            raise StoresError(_("Weekday must be Monday to Sunday."), field="weekday")
        if p.opens >= p.closes:
            raise StoresError(_("Opening time must be before closing time."), field="closes")
        by_day[int(p.weekday)].append(p)
    for day, items in by_day.items():
        items.sort(key=lambda p: p.opens)
        for a, b in zip(items, items[1:], strict=False):
            if b.opens < a.closes:
                raise StoresError(
                    _("Opening hours overlap on %(day)s.")
                    % {"day": OpeningHours.Weekday(day).label}, field="opens")


def store_save(store: Store, *, pickup_enabled: bool | None = None,
               hours: list[Period] | None = None) -> Store:
    """Create or update a store profile; pickup on/off is written to its Warehouse too."""
    validate_store_warehouse(store.warehouse)
    store.time_zone = validate_time_zone(store.time_zone)
    if hours is not None:
        validate_opening_hours(hours)
    with transaction.atomic():
        store.save()
        if pickup_enabled is not None and store.warehouse.pickup_enabled != pickup_enabled:
            Warehouse.objects.filter(pk=store.warehouse_id).update(pickup_enabled=pickup_enabled)
            store.warehouse.pickup_enabled = pickup_enabled
        if hours is not None:
            store.opening_hours.all().delete()
            OpeningHours.objects.bulk_create([
                OpeningHours(store=store, weekday=p.weekday, opens=p.opens, closes=p.closes)
                for p in hours
            ])
        return store


def store_local(store: Store, moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(store.time_zone))


# ---------------------------------------------------------------------------------
# routing rules
# ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleInput:
    """A routing rule as an import, a seed or an API gives it (the admin uses its form)."""

    name: str
    priority: int = 100
    is_default: bool = False
    is_active: bool = True
    channels: tuple[Channel, ...] = ()
    delivery_methods: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    postcode_prefixes: tuple[str, ...] = ()
    skus: tuple[str, ...] = ()
    categories: tuple[Category, ...] = ()
    line_match: str = LineMatch.ALL
    min_weight_grams: int | None = None
    max_weight_grams: int | None = None
    value_currency: str = ""
    min_order_value: Decimal | None = None
    max_order_value: Decimal | None = None
    action: str = RoutingAction.WAREHOUSES
    radius_km: int | None = None
    allow_split: bool = True
    warehouses: tuple[Warehouse, ...] = ()  # in the order they are tried


def routing_rule_create(data: RuleInput) -> RoutingRule:
    """Create a routing rule after the same checks as the admin (a rule that can never
    match, or has nowhere to send orders, is refused); one transaction."""
    countries = tuple(c.strip().upper() for c in data.countries if c.strip())
    currency = data.value_currency.strip().upper()
    problems = rules.validate_rule_conditions(
        is_default=data.is_default, is_active=data.is_active, channels=data.channels,
        countries=countries, regions=data.regions, postcode_prefixes=data.postcode_prefixes,
        skus=data.skus, has_categories=bool(data.categories),
        min_weight=data.min_weight_grams, max_weight=data.max_weight_grams,
        value_currency=currency, min_value=data.min_order_value,
        max_value=data.max_order_value, delivery_methods=data.delivery_methods,
        action=data.action, radius_km=data.radius_km)
    warehouse_problems = rules.validate_rule_warehouses(
        data.action, [w.pk for w in data.warehouses], is_default=data.is_default)
    if warehouse_problems:
        problems = {**problems, "warehouses": warehouse_problems}
    if data.is_default and RoutingRule.objects.filter(is_default=True).exists():
        problems = {**problems, "is_default": [_("There is already a default rule.")]}
    if problems:
        field = next(iter(problems))
        raise StoresError(" ".join(m for msgs in problems.values() for m in msgs),
                          code=StoresErrorCode.INVALID, field=field)
    with transaction.atomic():
        rule = RoutingRule.objects.create(
            name=data.name, priority=data.priority, is_default=data.is_default,
            is_active=data.is_active, countries=list(countries), regions=list(data.regions),
            postcode_prefixes=list(data.postcode_prefixes), skus=list(data.skus),
            line_match=data.line_match, min_weight_grams=data.min_weight_grams,
            max_weight_grams=data.max_weight_grams, value_currency=currency,
            min_order_value=data.min_order_value, max_order_value=data.max_order_value,
            delivery_methods=list(data.delivery_methods), action=data.action,
            radius_km=data.radius_km, allow_split=data.allow_split)
        rule.channels.set(data.channels)
        rule.categories.set(data.categories)
        RoutingRuleWarehouse.objects.bulk_create([
            RoutingRuleWarehouse(rule=rule, warehouse=w, sort_order=n)
            for n, w in enumerate(data.warehouses)
        ])
    invalidate_routing_table()
    return rule


# ---------------------------------------------------------------------------------
# fulfilments: created with the order
# ---------------------------------------------------------------------------------


def _allocated_by_line_and_warehouse(order: Order) -> dict[int, dict[int, int]]:
    out: dict[int, dict[int, int]] = defaultdict(dict)
    rows = Allocation.objects.filter(order_line__order=order).values(
        "order_line_id", "stock__warehouse_id").annotate(q=Sum("quantity_allocated"))
    for row in rows:
        out[row["order_line_id"]][row["stock__warehouse_id"]] = int(row["q"] or 0)
    return out


def _queue_store_work(order: Order, store: Store, kind: str, quantities: dict[int, int],
                      now: datetime) -> StoreFulfilment | None:
    """Put order lines in a store's queue: a new fulfilment, or more units on the one still
    being prepared. None when the store already finished its part of this order."""
    quantities = {line_id: q for line_id, q in sorted(quantities.items()) if q > 0}
    if not quantities:
        return None
    f = (StoreFulfilment.objects.select_for_update(of=("self",))
         .filter(order=order, store=store).first())
    if f is None:
        f = StoreFulfilment.objects.create(
            order=order, store=store, kind=kind, sla_started_at=now,
            sla_due_at=now + timedelta(minutes=store.preparation_minutes))
        FulfilmentLine.objects.bulk_create([
            FulfilmentLine(fulfilment=f, order_line_id=line_id, quantity=q)
            for line_id, q in quantities.items()
        ])
        message = f"{f.get_kind_display()} at {store.name}"
    elif f.status == FulfilmentStatus.QUEUED:
        for line_id, q in quantities.items():
            fl, created = FulfilmentLine.objects.get_or_create(
                fulfilment=f, order_line_id=line_id, defaults={"quantity": q})
            if not created:
                FulfilmentLine.objects.filter(pk=fl.pk).update(quantity=F("quantity") + q)
        message = f"{f.get_kind_display()} at {store.name}: more units to prepare"
    else:
        return None
    OrderEvent.objects.create(order=order, type="store-queued", message=message,
                              parameters={"store_id": store.pk, "kind": kind,
                                          "lines": {str(k): v for k, v in quantities.items()}})
    return f


def fulfilments_for_order(order: Order, *, delivery_method: str) -> list[StoreFulfilment]:
    """Queue the store work of a just-created order: one pickup, or ship-from-store per store
    for the lines allocated in that store (other warehouses ship their own lines)."""
    now = timezone.now()
    if delivery_method == DeliveryMethod.PICKUP and order.collection_point_id:
        store = Store.objects.select_related("warehouse").get(warehouse_id=order.collection_point_id)
        f = _queue_store_work(order, store, FulfilmentKind.PICKUP,
                              {line.pk: line.quantity for line in order.lines.all()}, now)
        return [f] if f is not None else []
    return _queue_ship_from_store(order, _allocated_by_line_and_warehouse(order), now)


def _queue_ship_from_store(order: Order, allocated: dict[int, dict[int, int]],
                           now: datetime) -> list[StoreFulfilment]:
    warehouse_ids = {wid for per in allocated.values() for wid in per}
    created: list[StoreFulfilment] = []
    for store in Store.objects.select_related("warehouse").filter(warehouse_id__in=warehouse_ids):
        quantities = {lid: per.get(store.warehouse_id, 0) for lid, per in allocated.items()}
        f = _queue_store_work(order, store, FulfilmentKind.SHIP_FROM_STORE, quantities, now)
        if f is not None:
            created.append(f)
    return created


def fulfilments_extend(order: Order, allocations: list[Allocation]) -> list[StoreFulfilment]:
    """Units allocated to an existing order later (a backorder whose stock arrived): the
    stores among their warehouses get them in their ship-from-store queue."""
    allocated: dict[int, dict[int, int]] = defaultdict(dict)
    stock_warehouse = dict(Stock.objects.filter(pk__in={a.stock_id for a in allocations})
                           .values_list("pk", "warehouse_id"))
    for a in allocations:
        per = allocated[a.order_line_id]
        wid = stock_warehouse[a.stock_id]
        per[wid] = per.get(wid, 0) + a.quantity_allocated
    return _queue_ship_from_store(order, allocated, timezone.now())


# ---------------------------------------------------------------------------------
# picking
# ---------------------------------------------------------------------------------


def _lock(fulfilment: StoreFulfilment) -> StoreFulfilment:
    return (StoreFulfilment.objects.select_for_update(of=("self",))
            .select_related("order", "store__warehouse").get(pk=fulfilment.pk))


def _require_open(f: StoreFulfilment, *allowed: str) -> None:
    if f.order.status == OrderStatus.CANCELED:
        raise StoresError(_("Order #%(n)s was canceled.") % {"n": f.order.number},
                          code=StoresErrorCode.INVALID_STATUS)
    if f.status not in allowed:
        raise StoresError(
            _("Order #%(n)s is %(status)s; that is not possible now.")
            % {"n": f.order.number, "status": f.get_status_display().lower()},
            code=StoresErrorCode.INVALID_STATUS)


def at_store_quantities(f: StoreFulfilment) -> dict[int, int]:
    """Units of each order line allocated in this store's own stock (the rest is in transfer)."""
    return {
        row["order_line_id"]: int(row["q"] or 0)
        for row in Allocation.objects.filter(
            order_line__order_id=f.order_id, stock__warehouse_id=f.store.warehouse_id
        ).values("order_line_id").annotate(q=Sum("quantity_allocated"))
    }


def fulfilment_scan(fulfilment: StoreFulfilment, scanned: str, *, clerk=None,  # noqa: ANN001
                    quantity: int = 1) -> FulfilmentLine:
    """Verify one picked unit by its barcode or SKU; a wrong item is refused."""
    value = (scanned or "").strip()
    if not value:
        raise StoresError(_("Scan or type a barcode or SKU."), code=StoresErrorCode.WRONG_ITEM,
                          field="code")
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
        raise StoresError(_("Quantity must be a whole number above zero."), field="quantity")
    with transaction.atomic():
        f = _lock(fulfilment)
        _require_open(f, FulfilmentStatus.QUEUED)
        lines = list(f.lines.select_related("order_line__variant").order_by("pk"))
        upper = value.upper()
        matching = [
            fl for fl in lines if fl.order_line.variant is not None and (
                (fl.order_line.variant.barcode and fl.order_line.variant.barcode == value)
                or fl.order_line.variant.sku.upper() == upper)
        ]
        if not matching:
            other = ProductVariant.objects.filter(barcode=value).first() or \
                ProductVariant.objects.filter(sku__iexact=value).first()
            if other is not None and OrderLine.objects.filter(order_id=f.order_id,
                                                              variant=other).exists():
                raise StoresError(
                    _("Wrong item: %(name)s (%(sku)s) is not in this store's part of order "
                      "#%(n)s; another warehouse ships it.")
                    % {"name": str(other), "sku": other.sku, "n": f.order.number},
                    code=StoresErrorCode.WRONG_ITEM, field="code")
            if other is not None:
                raise StoresError(
                    _("Wrong item: %(name)s (%(sku)s) is not part of order #%(n)s.")
                    % {"name": str(other), "sku": other.sku, "n": f.order.number},
                    code=StoresErrorCode.WRONG_ITEM, field="code")
            raise StoresError(_("Unknown barcode or SKU: %(code)s.") % {"code": value},
                              code=StoresErrorCode.WRONG_ITEM, field="code")
        at_store = at_store_quantities(f)
        for fl in matching:
            here = at_store.get(fl.order_line_id, 0)
            if fl.quantity_verified + quantity <= min(fl.quantity, here):
                FulfilmentLine.objects.filter(pk=fl.pk).update(
                    quantity_verified=F("quantity_verified") + quantity)
                fl.quantity_verified += quantity
                return fl
        fl = matching[0]
        if fl.quantity_verified >= fl.quantity:
            raise StoresError(
                _("All %(q)d × %(sku)s are already verified.")
                % {"q": fl.quantity, "sku": fl.order_line.product_sku},
                code=StoresErrorCode.ALREADY_VERIFIED, field="code")
        raise StoresError(
            _("Only %(here)d × %(sku)s are in this store for this order; the rest is still "
              "in transfer.") % {"here": at_store.get(fl.order_line_id, 0),
                                "sku": fl.order_line.product_sku},
            code=StoresErrorCode.TRANSFER_PENDING, field="code")


def fulfilment_receive_transfer(fulfilment: StoreFulfilment, order_line_id: int, *,
                                clerk=None) -> int:  # noqa: ANN001
    """The units of a line that were coming from another warehouse arrived in the store.

    Moves them (transfer out there, transfer in here) and re-allocates the line to
    this store's stock, in one transaction. Returns the units moved.
    """
    with transaction.atomic():
        f = _lock(fulfilment)
        _require_open(f, FulfilmentStatus.QUEUED)
        fl = f.lines.select_related("order_line__variant").filter(
            order_line_id=order_line_id).first()
        if fl is None or fl.order_line.variant is None:
            raise StoresError(_("That line is not part of this order."), code=StoresErrorCode.NOT_FOUND)
        line = fl.order_line
        variant = line.variant
        assert variant is not None
        elsewhere = list(
            Allocation.objects.filter(order_line=line).exclude(
                stock__warehouse_id=f.store.warehouse_id).select_related("stock__warehouse")
        )
        moved = sum(a.quantity_allocated for a in elsewhere)
        if not moved:
            raise StoresError(_("Nothing of %(sku)s is in transfer.") % {"sku": line.product_sku},
                              code=StoresErrorCode.INVALID_STATUS)
        reference = f"order:{f.order_id}"
        inventory.stock_deallocate([line], user=clerk)
        for alloc in elsewhere:
            inventory.stock_adjust(variant, alloc.stock.warehouse, delta=-alloc.quantity_allocated,
                                   reason=MovementReason.TRANSFER_OUT, reference=reference,
                                   note=f"to {f.store.name}", user=clerk)
        inventory.stock_adjust(variant, f.store.warehouse, delta=moved,
                               reason=MovementReason.TRANSFER_IN, reference=reference,
                               note="for pickup", user=clerk)
        inventory.stock_allocate([line], f.order.channel, warehouse_ids=[f.store.warehouse_id],
                                 split=False, user=clerk)
        OrderEvent.objects.create(
            order=f.order, type="store-transfer-received", user=_user(clerk),
            message=f"{moved} × {line.product_sku} arrived at {f.store.name}",
            parameters={"sku": line.product_sku, "quantity": moved,
                        "from": [a.stock.warehouse_id for a in elsewhere]})
        return moved


def _user(clerk):  # noqa: ANN001, ANN202
    return clerk if clerk is not None and getattr(clerk, "pk", None) else None


def _all_verified(f: StoreFulfilment) -> None:
    missing = [fl for fl in f.lines.select_related("order_line") if fl.quantity_verified < fl.quantity]
    if missing:
        raise StoresError(
            _("Verify every item first: %(items)s.") % {"items": ", ".join(
                f"{fl.order_line.product_sku} {fl.quantity_verified}/{fl.quantity}" for fl in missing)},
            code=StoresErrorCode.NOT_VERIFIED)


# ---------------------------------------------------------------------------------
# pickup code
# ---------------------------------------------------------------------------------


def _hash_code(f: StoreFulfilment, code: str) -> str:
    return salted_hmac("hub.stores.pickup-code", f"{f.pk}:{code}", algorithm="sha256").hexdigest()


def _new_code(f: StoreFulfilment) -> str:
    code = f"{secrets.randbelow(10 ** PICKUP_CODE_DIGITS):0{PICKUP_CODE_DIGITS}d}"
    f.pickup_code_hash = _hash_code(f, code)
    f.code_failures = 0
    f.code_locked_until = None
    return code


def _notify(event: str, f: StoreFulfilment, code: str | None = None) -> None:
    """Claim the customer's email inside the caller's transaction; the mailer sends it
    once that commits (nothing for work that rolled back, never twice)."""
    notify_customer(event, f, code=code)


def fulfilment_mark_ready(fulfilment: StoreFulfilment, *, clerk=None) -> str:  # noqa: ANN001
    """Every item verified: make a single-use pickup code, start the hold, tell the customer.

    Returns the code (shown nowhere but the customer's email).
    """
    with transaction.atomic():
        f = _lock(fulfilment)
        if f.kind != FulfilmentKind.PICKUP:
            raise StoresError(_("Only pickup orders can be made ready for pickup."),
                              code=StoresErrorCode.INVALID_STATUS)
        _require_open(f, FulfilmentStatus.QUEUED)
        _all_verified(f)
        now = timezone.now()
        code = _new_code(f)
        f.status = FulfilmentStatus.READY
        f.ready_at = now
        f.hold_until = now + timedelta(days=f.store.pickup_hold_days)
        f.save(update_fields=["status", "ready_at", "hold_until", "pickup_code_hash",
                              "code_failures", "code_locked_until"])
        OrderEvent.objects.create(order=f.order, type="store-ready-for-pickup", user=_user(clerk),
                                  message=f"Ready at {f.store.name}",
                                  parameters={"hold_until": f.hold_until.isoformat()})
        _notify(NotifyEvent.PICKUP_READY, f, code)
        return code


def fulfilment_resend_code(fulfilment: StoreFulfilment, *, clerk=None) -> str:  # noqa: ANN001
    """The customer lost the code: a new one replaces it (the old one stops working)."""
    with transaction.atomic():
        f = _lock(fulfilment)
        _require_open(f, FulfilmentStatus.READY)
        code = _new_code(f)
        f.save(update_fields=["pickup_code_hash", "code_failures", "code_locked_until"])
        OrderEvent.objects.create(order=f.order, type="store-pickup-code-resent", user=_user(clerk))
        _notify(NotifyEvent.PICKUP_READY, f, code)
        return code


_CODE_RE = re.compile(rf"^\d{{{PICKUP_CODE_DIGITS}}}$")


def _parse_code(entered: str, order_number: int) -> str | None:
    """The bare code, or the code inside a scanned QR payload for this very order."""
    value = "".join((entered or "").split())
    if value.upper().startswith(QR_PREFIX + ":"):
        parts = value.split(":")
        if len(parts) != 3 or parts[1] != str(order_number):
            return None
        value = parts[2]
    return value if _CODE_RE.match(value) else None


def fulfilment_handover(fulfilment: StoreFulfilment, entered_code: str, *,
                        clerk=None) -> StoreFulfilment:  # noqa: ANN001
    """Customer shows the code: payment captured, stock leaves this store only, order completed.

    Wrong codes count against the order and the clerk; too many lock both out
    for a while. A code works once, and only until the hold ends: a code entered after
    the deadline is refused and the order canceled then (as the hold sweep would).
    """
    now = timezone.now()
    lock_for = timedelta(minutes=code_lock_minutes())
    try:
        f, failure = _handover_locked(fulfilment, entered_code, clerk, now, lock_for)
    except _HoldOver as over:
        f = over.fulfilment
        assert f.hold_until is not None
        fulfilment_expire(f, now=now)
        raise StoresError(
            _("The pickup code of order #%(n)s expired on %(deadline)s: the order is canceled "
              "and the payment released.")
            % {"n": f.order.number,
               "deadline": store_local(f.store, f.hold_until).strftime("%Y-%m-%d %H:%M")},
            code=StoresErrorCode.CODE_EXPIRED, field="code") from None
    if failure is not None:
        raise failure
    return f


class _HoldOver(Exception):  # noqa: N818 - control flow inside fulfilment_handover
    def __init__(self, fulfilment: StoreFulfilment) -> None:
        super().__init__(str(fulfilment.pk))
        self.fulfilment = fulfilment


def _handover_locked(fulfilment: StoreFulfilment, entered_code: str, clerk,  # noqa: ANN001
                     now: datetime, lock_for: timedelta
                     ) -> tuple[StoreFulfilment, StoresError | None]:
    """The handover under the fulfilment's row lock; returns it and the wrong-code error to
    raise once the failed attempt is saved. Raises _HoldOver (writing nothing) past the hold."""
    failure: StoresError | None = None
    with transaction.atomic():
        f = _lock(fulfilment)
        if f.status == FulfilmentStatus.COLLECTED:
            raise StoresError(_("Order #%(n)s was already picked up; a code works once.")
                              % {"n": f.order.number}, code=StoresErrorCode.INVALID_STATUS)
        _require_open(f, FulfilmentStatus.READY)
        if f.hold_until is not None and f.hold_until <= now:
            raise _HoldOver(f)
        if clerk is not None and getattr(clerk, "pk", None):
            recent = PickupCodeAttempt.objects.filter(
                clerk=clerk, succeeded=False, created_at__gte=now - lock_for).count()
            if recent >= code_max_failures_per_clerk():
                raise StoresError(
                    _("Too many wrong pickup codes from your account. Try again in %(m)d minutes.")
                    % {"m": code_lock_minutes()}, code=StoresErrorCode.CLERK_LOCKED)
        if f.code_locked_until and f.code_locked_until > now:
            minutes = max(1, int((f.code_locked_until - now).total_seconds() // 60) + 1)
            raise StoresError(
                _("Too many wrong codes for order #%(n)s. Try again in %(m)d minutes.")
                % {"n": f.order.number, "m": minutes}, code=StoresErrorCode.CODE_LOCKED)
        code = _parse_code(entered_code, f.order.number)
        ok = bool(code) and bool(f.pickup_code_hash) and constant_time_compare(
            _hash_code(f, code or ""), f.pickup_code_hash)
        PickupCodeAttempt.objects.create(fulfilment=f, clerk=_user(clerk), succeeded=ok)
        if not ok:
            f.code_failures += 1
            left = code_max_failures_per_order() - f.code_failures
            if left <= 0:
                f.code_failures = 0
                f.code_locked_until = now + lock_for
                failure = StoresError(
                    _("Wrong code. Order #%(n)s is locked for %(m)d minutes.")
                    % {"n": f.order.number, "m": code_lock_minutes()},
                    code=StoresErrorCode.CODE_LOCKED, field="code")
            else:
                failure = StoresError(
                    _("Wrong code (%(left)d tries left before a lockout).") % {"left": left},
                    code=StoresErrorCode.INVALID_CODE, field="code")
            f.save(update_fields=["code_failures", "code_locked_until"])
            OrderEvent.objects.create(order=f.order, type="store-pickup-code-failed",
                                      user=_user(clerk))
        else:
            _complete(f, now, clerk)
            f.status = FulfilmentStatus.COLLECTED
            f.collected_at = now
            f.pickup_code_hash = ""
            f.completed_by = _user(clerk)
            f.save(update_fields=["status", "collected_at", "pickup_code_hash", "completed_by"])
            OrderEvent.objects.create(order=f.order, type="store-picked-up", user=_user(clerk),
                                      message=f"Handed over at {f.store.name}")
            _notify(NotifyEvent.PICKED_UP, f)
            # last: if the provider refuses, everything above rolls back and the code still works
            payments.capture_payment(f.order)
    return f, failure


def _complete(f: StoreFulfilment, now: datetime, clerk) -> None:  # noqa: ANN001
    """Take this fulfilment's units out of the store's stock and move the order's status on."""
    at_store = at_store_quantities(f)
    for fl in f.lines.select_related("order_line"):
        if at_store.get(fl.order_line_id, 0) < fl.quantity:
            raise StoresError(_("%(sku)s is not all in this store yet.")
                              % {"sku": fl.order_line.product_sku},
                              code=StoresErrorCode.TRANSFER_PENDING)
        inventory.stock_fulfil(fl.order_line, fl.quantity, warehouse_id=f.store.warehouse_id,
                               user=_user(clerk))
    order = Order.objects.select_for_update().get(pk=f.order_id)
    remaining = OrderLine.objects.filter(order=order, quantity_fulfilled__lt=F("quantity")).exists()
    order.status = OrderStatus.PARTIALLY_FULFILLED if remaining else OrderStatus.FULFILLED
    order.save(update_fields=["status", "updated_at"])
    f.order = order


# ---------------------------------------------------------------------------------
# ship from store
# ---------------------------------------------------------------------------------


def fulfilment_ship(fulfilment: StoreFulfilment, *, carrier: str, tracking_number: str,
                    clerk=None) -> StoreFulfilment:  # noqa: ANN001
    """Packed and handed to the carrier: stock leaves this store, tracking goes to the channel."""
    from .integrations import push_tracking

    carrier = (carrier or "").strip()
    tracking_number = (tracking_number or "").strip()
    if not carrier:
        raise StoresError(_("Enter the carrier."), field="carrier")
    if not tracking_number or len(tracking_number) > 64:
        raise StoresError(_("Enter the tracking number (up to 64 characters)."),
                          field="tracking_number")
    with transaction.atomic():
        f = _lock(fulfilment)
        if f.kind != FulfilmentKind.SHIP_FROM_STORE:
            raise StoresError(_("Pickup orders are handed over, not shipped."),
                              code=StoresErrorCode.INVALID_STATUS)
        _require_open(f, FulfilmentStatus.QUEUED)
        _all_verified(f)
        now = timezone.now()
        _complete(f, now, clerk)
        f.status = FulfilmentStatus.SHIPPED
        f.shipped_at = now
        f.carrier = carrier[:64]
        f.tracking_number = tracking_number
        f.completed_by = _user(clerk)
        f.save(update_fields=["status", "shipped_at", "carrier", "tracking_number", "completed_by"])
        OrderEvent.objects.create(order=f.order, type="store-shipped", user=_user(clerk),
                                  message=f"{carrier} {tracking_number} from {f.store.name}",
                                  parameters={"carrier": carrier, "tracking_number": tracking_number,
                                              "store_id": f.store_id})
        push_tracking(f)
        if f.order.status == OrderStatus.FULFILLED:
            payments.capture_payment(f.order)
        _notify(NotifyEvent.SHIPPED, f)
        return f


# ---------------------------------------------------------------------------------
# uncollected pickups: reminder, then auto-cancel
# ---------------------------------------------------------------------------------


def fulfilment_expire(fulfilment: StoreFulfilment, *, now: datetime | None = None,
                      reason: str = "") -> bool:
    """Cancel an uncollected pickup after its hold: stock back, authorization released.

    Returns False when it was no longer due (collected meanwhile, or not ready).
    """
    now = now or timezone.now()
    with transaction.atomic():
        f = _lock(fulfilment)
        if f.status != FulfilmentStatus.READY or not f.hold_until or f.hold_until > now:
            return False
        reason = reason or _("Not picked up by %(deadline)s") % {
            "deadline": store_local(f.store, f.hold_until).strftime("%Y-%m-%d %H:%M")}
        if f.order.status != OrderStatus.CANCELED:
            # the customer gets the pickup variant of the cancel email (below), not the plain one
            order_cancel(f.order, reason=reason, notify_customer=False)
        f.status = FulfilmentStatus.CANCELED
        f.canceled_at = now
        f.cancel_reason = reason[:255]
        f.pickup_code_hash = ""
        f.payment_release_pending = True
        f.save(update_fields=["status", "canceled_at", "cancel_reason", "pickup_code_hash",
                              "payment_release_pending"])
        _notify(NotifyEvent.PICKUP_CANCELED, f)
    release_pending_payments([f.pk])
    return True


def release_pending_payments(ids: list | None = None) -> int:
    """Void authorizations of canceled pickups; the ones the provider refused stay pending."""
    qs = StoreFulfilment.objects.filter(payment_release_pending=True).select_related("order")
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    released = 0
    for f in qs:
        if payments.release_authorization(f.order):
            StoreFulfilment.objects.filter(pk=f.pk).update(payment_release_pending=False)
            OrderEvent.objects.create(order=f.order, type="store-authorization-released")
            released += 1
    return released


@dataclass
class SweepResult:
    reminded: int = 0
    canceled: int = 0
    released: int = 0


def pickup_hold_sweep(now: datetime | None = None) -> SweepResult:
    """Beat task body: remind before the hold ends, cancel when it has ended."""
    now = now or timezone.now()
    result = SweepResult()
    ready = StoreFulfilment.objects.filter(status=FulfilmentStatus.READY,
                                           hold_until__isnull=False).select_related("store")
    for f in ready.filter(hold_until__lte=now).order_by("hold_until"):
        if fulfilment_expire(f, now=now):
            result.canceled += 1
    horizon = now + timedelta(days=31)
    for f in ready.filter(hold_until__gt=now, hold_until__lte=horizon,
                          reminder_sent_at__isnull=True):
        if f.hold_until is not None and \
                f.hold_until - timedelta(days=f.store.reminder_days_before) <= now:
            with transaction.atomic():
                claimed = StoreFulfilment.objects.filter(
                    pk=f.pk, status=FulfilmentStatus.READY, reminder_sent_at__isnull=True
                ).update(reminder_sent_at=now)
                if claimed:
                    OrderEvent.objects.create(order_id=f.order_id, type="store-pickup-reminder")
                    _notify(NotifyEvent.PICKUP_REMINDER, f)
                    result.reminded += 1
    result.released = release_pending_payments()
    return result
