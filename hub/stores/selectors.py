"""Read-side of the stores: who may see what, queues, pick lists, stores near a shopper."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from commerce.catalog.models import Product
from commerce.channel.models import Channel
from commerce.inventory.models import Allocation, Stock, WarehouseKind
from commerce.orders.models import Order, OrderStatus

from . import geo
from .models import (
    FulfilmentKind,
    FulfilmentStatus,
    OpeningHours,
    Store,
    StoreFulfilment,
)

# ---------------------------------------------------------------------------------
# access
# ---------------------------------------------------------------------------------


def can_use_console(user) -> bool:  # noqa: ANN001
    return bool(user and user.is_authenticated and user.is_active and (
        user.is_superuser or user.has_perm("stores.use_clerk_console")))


def clerk_stores(user) -> QuerySet[Store]:  # noqa: ANN001
    """The stores a user works at (every store for a superuser)."""
    qs = Store.objects.select_related("warehouse")
    if not can_use_console(user):
        return qs.none()
    if user.is_superuser:
        return qs
    return qs.filter(clerks=user)


def clerk_can_access(user, store: Store) -> bool:  # noqa: ANN001
    return clerk_stores(user).filter(pk=store.pk).exists()


# ---------------------------------------------------------------------------------
# hours
# ---------------------------------------------------------------------------------


def store_hours_lines(store: Store) -> list[str]:
    """"Monday: 09:00–18:00" per weekday, in the store's own time."""
    periods: dict[int, list[OpeningHours]] = defaultdict(list)
    for p in store.opening_hours.all():
        periods[p.weekday].append(p)
    lines = []
    for day in OpeningHours.Weekday:
        items = periods.get(day.value)
        text = ", ".join(f"{p.opens:%H:%M}–{p.closes:%H:%M}" for p in items) if items \
            else _("closed")
        lines.append(f"{day.label}: {text}")
    return lines


def store_is_open(store: Store, at: datetime | None = None) -> bool:
    local = (at or timezone.now()).astimezone(ZoneInfo(store.time_zone))
    return any(p.weekday == local.weekday() and p.opens <= local.time() < p.closes
               for p in store.opening_hours.all())


# ---------------------------------------------------------------------------------
# clerk console
# ---------------------------------------------------------------------------------


@dataclass
class QueueItem:
    fulfilment: StoreFulfilment
    order: Order
    minutes_left: int  # negative: overdue
    overdue: bool
    items: int


def store_queue(store: Store, now: datetime | None = None) -> list[QueueItem]:
    """Open pickup and ship-from-store work, most urgent first."""
    now = now or timezone.now()
    rows = (
        StoreFulfilment.objects.filter(store=store, status__in=[FulfilmentStatus.QUEUED,
                                                                FulfilmentStatus.READY])
        .exclude(order__status=OrderStatus.CANCELED)
        .select_related("order")
        .prefetch_related("lines")
        .order_by("status", "sla_due_at")
    )
    items = []
    for f in rows:
        left = int((f.sla_due_at - now).total_seconds() // 60)
        items.append(QueueItem(f, f.order, left, f.status == FulfilmentStatus.QUEUED and left < 0,
                               sum(fl.quantity for fl in f.lines.all())))
    items.sort(key=lambda i: (i.fulfilment.status != FulfilmentStatus.QUEUED,
                              i.fulfilment.sla_due_at))
    return items


@dataclass
class PickLine:
    order_line_id: int
    sku: str
    barcode: str
    name: str
    quantity: int
    verified: int
    shelf_location: str
    at_store: int
    in_transfer: list[tuple[str, int]]

    @property
    def done(self) -> bool:
        return self.verified >= self.quantity

    @property
    def transfer_pending(self) -> int:
        return max(self.quantity - self.at_store, 0)


def pick_list(f: StoreFulfilment) -> list[PickLine]:
    """The fulfilment's lines in walking order: by shelf location, unshelved last."""
    lines = list(f.lines.select_related("order_line__variant__product"))
    variant_ids = [fl.order_line.variant_id for fl in lines if fl.order_line.variant_id]
    shelves = dict(Stock.objects.filter(warehouse_id=f.store.warehouse_id,
                                        variant_id__in=variant_ids)
                   .values_list("variant_id", "shelf_location"))
    at_store: dict[int, int] = defaultdict(int)
    elsewhere: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for line_id, wid, name, qty in Allocation.objects.filter(
            order_line_id__in=[fl.order_line_id for fl in lines]).values_list(
            "order_line_id", "stock__warehouse_id", "stock__warehouse__name", "quantity_allocated"):
        if wid == f.store.warehouse_id:
            at_store[line_id] += qty
        else:
            elsewhere[line_id].append((name, qty))
    out = []
    for fl in lines:
        ol = fl.order_line
        v = ol.variant
        out.append(PickLine(
            order_line_id=ol.pk, sku=ol.product_sku, barcode=(v.barcode if v else ""),
            name=" ".join(x for x in (ol.product_name, ol.variant_name) if x),
            quantity=fl.quantity, verified=fl.quantity_verified,
            shelf_location=shelves.get(ol.variant_id or 0, "") or "",
            at_store=at_store.get(ol.pk, 0) if f.is_open else fl.quantity,
            in_transfer=elsewhere.get(ol.pk, []) if f.is_open else [],
        ))
    out.sort(key=lambda p: (p.shelf_location == "", p.shelf_location, p.sku))
    return out


def _mask_email(email: str) -> str:
    if "@" not in email:
        return ""
    local, domain = email.split("@", 1)
    return f"{local[:1]}•••@{domain}"


def _mask_phone(phone: str) -> str:
    digits = [c for c in phone if c.isdigit()]
    return f"••• {''.join(digits[-3:])}" if len(digits) >= 6 else ""


@dataclass
class CustomerView:
    """What a clerk may know about the customer: a name and masked contacts, and the
    shipping address only when the store ships the parcel itself."""

    name: str
    email: str
    phone: str
    shipping_address: list[str] = field(default_factory=list)


def customer_view(f: StoreFulfilment) -> CustomerView:
    order = f.order
    addr = order.shipping_address or order.billing_address
    name = (addr.full_name if addr else "") or (
        order.customer.full_name if order.customer_id and order.customer else "")
    phone = addr.phone if addr else ""
    shipping: list[str] = []
    if f.kind == FulfilmentKind.SHIP_FROM_STORE and order.shipping_address:
        a = order.shipping_address
        shipping = [x for x in (a.full_name, a.company_name, a.street_address_1,
                                a.street_address_2, f"{a.postal_code} {a.city}".strip(),
                                a.country_area, getattr(a.country, "name", "")) if x]
    return CustomerView(name=name or _("(no name)"), email=_mask_email(order.user_email),
                        phone=_mask_phone(phone), shipping_address=shipping)


# ---------------------------------------------------------------------------------
# shoppers: stores near me with this product
# ---------------------------------------------------------------------------------


@dataclass
class StoreAvailability:
    store_id: int
    warehouse_id: int
    name: str
    city: str
    address_lines: list[str]
    distance_km: float | None
    units: int
    variants: dict[int, int]
    open_now: bool
    hours: list[str]


@dataclass
class PickupSummary:
    """ "Available for pickup at N stores", with the nearest ones."""

    store_count: int
    stores: list[StoreAvailability]
    location_precision: str | None = None

    @property
    def message(self) -> str:
        if not self.store_count:
            return _("Not available for pickup right now")
        return _("Available for pickup at %(n)d stores") % {"n": self.store_count} \
            if self.store_count != 1 else _("Available for pickup at 1 store")


def pickup_stores(channel: Channel) -> QuerySet[Store]:
    """Stores where shoppers of this channel may collect: active, pickup on, serving the channel."""
    return Store.objects.filter(
        warehouse__is_active=True, warehouse__pickup_enabled=True,
        warehouse__kind=WarehouseKind.STORE,
        warehouse__channel_warehouses__channel=channel,
    ).select_related("warehouse").prefetch_related(
        Prefetch("opening_hours", queryset=OpeningHours.objects.order_by("weekday", "opens")))


def _as_point(near: Any) -> geo.GeoPoint | None:
    if near is None:
        return None
    if isinstance(near, geo.GeoPoint):
        return near
    point = getattr(near, "point", None)
    if callable(point):
        return point()
    if isinstance(near, tuple | list) and len(near) == 2:
        return geo.point_from_browser(near[0], near[1])
    return None


def stores_with_stock(stores: Iterable[Store], variant_ids: list[int],
                      near: Any = None, now: datetime | None = None) -> list[StoreAvailability]:
    point = _as_point(near)
    stores = list(stores)
    free: dict[int, dict[int, int]] = defaultdict(dict)
    for wid, vid, q, a, r in Stock.objects.filter(
            warehouse_id__in=[s.warehouse_id for s in stores], variant_id__in=variant_ids
    ).values_list("warehouse_id", "variant_id", "quantity", "quantity_allocated",
                  "quantity_reserved"):
        free[wid][vid] = max(q - a - r, 0)
    out = []
    for s in stores:
        have = {v: n for v, n in free.get(s.warehouse_id, {}).items() if n > 0}
        if not have:
            continue
        wh = s.warehouse
        distance = None
        if point is not None and wh.latitude is not None and wh.longitude is not None:
            distance = round(geo.haversine_km(point.latitude, point.longitude,
                                              float(wh.latitude), float(wh.longitude)), 1)
        out.append(StoreAvailability(
            store_id=s.pk, warehouse_id=wh.pk, name=wh.name, city=wh.city,
            address_lines=wh.address_lines, distance_km=distance, units=sum(have.values()),
            variants=have, open_now=store_is_open(s, now), hours=store_hours_lines(s)))
    out.sort(key=lambda a: (a.distance_km is None, a.distance_km or 0.0, a.name))
    return out


def pickup_summary(product: Product, market: Any, *, near: Any = None,
                   limit: int = 5) -> PickupSummary | None:
    """Storefront hook: the stores near the shopper where this product can be collected.

    ``market`` is the storefront channel (or anything with a ``channel``); ``near``
    is a GeoPoint, a (lat, lon) pair from the browser, or a routing Destination
    (address geocoded offline). None when the market has no pickup store at all.
    """
    channel = getattr(market, "channel", market)
    stores = list(pickup_stores(channel))
    if not stores:
        return None
    variant_ids = list(product.variants.values_list("pk", flat=True))
    point = _as_point(near)
    found = stores_with_stock(stores, variant_ids, point)
    return PickupSummary(store_count=len(found), stores=found[:limit],
                         location_precision=point.precision if point else None)
