"""Click-and-collect as a checkout delivery provider.

Implements the checkout's pluggable provider shape (``available_options(checkout)``
and ``apply(checkout, option_id)``): pickup is offered at each store of the
checkout's channel that can serve every line, nearest first; a store that
accepts transfers is also offered when the missing units can come from another
warehouse, and the option says which line would be transferred from where.

The card is authorized at order (manual capture) and captured at handover
(``services.fulfilment_handover`` → ``payments.capture_payment``).

:class:`StorePickupProvider` is the checkout's side of it: a
``commerce.checkout.delivery.PickupProvider`` that maps each :class:`PickupOption` to the
checkout's ``DeliveryOption`` and holds the cart's stock in the chosen store only (plus
its transfer sources when the store accepts transfers). ``StoresConfig.ready()``
registers it with ``register_delivery_provider``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from commerce.checkout.delivery import DeliveryOption, PickupProvider
from commerce.checkout.models import Checkout, DeliveryMethodKind
from commerce.core.errors import DomainError
from commerce.core.money import Money
from commerce.inventory.models import Reservation

from . import geo
from .errors import StoresError, StoresErrorCode
from .models import DeliveryMethod, Store
from .routing import Destination, RouteLine, route_order
from .selectors import pickup_stores, store_hours_lines

OPTION_PREFIX = "pickup:"


@dataclass(frozen=True)
class TransferNote:
    sku: str
    quantity: int
    from_warehouse: str


@dataclass
class PickupOption:
    """One "collect at store X" choice, in the checkout's delivery-option shape."""

    id: str
    name: str
    price: Decimal
    currency: str
    kind: str = DeliveryMethodKind.PICKUP
    warehouse_id: int = 0
    store_id: int = 0
    distance_km: float | None = None
    address_lines: list[str] = field(default_factory=list)
    hours: list[str] = field(default_factory=list)
    transfers: list[TransferNote] = field(default_factory=list)
    ready_in: timedelta = timedelta(minutes=15)
    description: str = ""


def _checkout_lines(checkout: Checkout) -> list[tuple[int, str, int]]:
    return [(ln.variant_id, ln.variant.sku, ln.quantity)
            for ln in checkout.lines.select_related("variant")]


def _destination(checkout: Checkout, near: Any) -> Destination:
    addr = checkout.shipping_address
    lat = lon = None
    if isinstance(near, tuple | list) and len(near) == 2:
        lat, lon = near
    elif isinstance(near, geo.GeoPoint):
        lat, lon = near.latitude, near.longitude
    if addr is not None:
        return Destination.from_address(addr.as_dict(), latitude=lat, longitude=lon)
    return Destination(country=checkout.country or "", latitude=lat, longitude=lon)


class PickupDeliveryProvider:
    """Checkout delivery provider for pickup at a store."""

    kind = DeliveryMethodKind.PICKUP
    max_options = 10

    def available_options(self, checkout: Checkout, *, near: Any = None) -> list[PickupOption]:
        lines = _checkout_lines(checkout)
        if not lines:
            return []
        stores = list(pickup_stores(checkout.channel))
        if not stores:
            return []
        destination = _destination(checkout, near)
        point = destination.point()
        variant_ids = [v for v, _s, _q in lines]
        free = self._free_units(checkout, stores, variant_ids)
        options: list[PickupOption] = []
        for store in stores:
            have = free.get(store.warehouse_id, {})
            full = all(have.get(v, 0) >= q for v, _s, q in lines)
            transfers: list[TransferNote] = []
            if not full:
                if not store.allow_transfers:
                    continue
                planned = self._transfers(checkout, store, lines, destination)
                if planned is None:
                    continue
                transfers = planned
            options.append(self._option(checkout, store, point, transfers))
        options.sort(key=lambda o: (o.distance_km is None, o.distance_km or 0.0, o.name))
        return options[: self.max_options]

    def apply(self, checkout: Checkout, option_id: str, *, near: Any = None) -> PickupOption:
        """Choose pickup at the option's store; refused when that store cannot serve the cart."""
        option = next((o for o in self.available_options(checkout, near=near)
                       if o.id == option_id), None)
        if option is None:
            raise StoresError(_("Pickup at that store is not available for this cart."),
                              code=StoresErrorCode.PICKUP_UNAVAILABLE, field="deliveryMethod")
        with transaction.atomic():
            checkout.delivery_method = DeliveryMethodKind.PICKUP
            checkout.collection_point_id = option.warehouse_id
            checkout.shipping_method_id = option.id
            checkout.save(update_fields=["delivery_method", "collection_point", "shipping_method_id",
                                         "last_change"])
        return option

    # --- helpers --------------------------------------------------------------------

    def _free_units(self, checkout: Checkout, stores: list[Store],
                    variant_ids: list[int]) -> dict[int, dict[int, int]]:
        """Free units per store and variant; this checkout's own hold counts as free for it."""
        from commerce.inventory.models import Stock

        own = {
            row["stock_id"]: int(row["q"] or 0)
            for row in Reservation.objects.filter(reference=checkout.reservation_reference)
            .values("stock_id").annotate(q=Sum("quantity_reserved"))
        }
        out: dict[int, dict[int, int]] = {s.warehouse_id: {} for s in stores}
        for pk, wid, vid, q, a, r in Stock.objects.filter(
                warehouse_id__in=list(out), variant_id__in=variant_ids).values_list(
                "pk", "warehouse_id", "variant_id", "quantity", "quantity_allocated",
                "quantity_reserved"):
            out[wid][vid] = max(q - a - r + own.get(pk, 0), 0)
        return out

    def _transfers(self, checkout: Checkout, store: Store, lines: list[tuple[int, str, int]],
                   destination: Destination) -> list[TransferNote] | None:
        """What would come from elsewhere, as routing would decide it; None if unservable."""
        try:
            decision = route_order(checkout.channel, [RouteLine(s, q) for _v, s, q in lines],
                                   destination, DeliveryMethod.PICKUP,
                                   collection_point_id=store.warehouse_id,
                                   currency=checkout.currency,
                                   reservation_reference=checkout.reservation_reference)
        except StoresError:
            return None
        notes: list[TransferNote] = []
        for line in decision.lines:
            got = sum(w["quantity"] for w in line.warehouses)
            if got < line.quantity:
                return None
            notes.extend(TransferNote(line.sku, w["quantity"], w["name"])
                         for w in line.warehouses if w["id"] != store.warehouse_id)
        return notes

    def _option(self, checkout: Checkout, store: Store, point: geo.GeoPoint | None,
                transfers: list[TransferNote]) -> PickupOption:
        wh = store.warehouse
        distance = None
        if point is not None and wh.latitude is not None and wh.longitude is not None:
            distance = round(geo.haversine_km(point.latitude, point.longitude,
                                              float(wh.latitude), float(wh.longitude)), 1)
        if transfers:
            ready_in = timedelta(days=store.transfer_days)
            description = ngettext(
                "Ready in about %(d)d day: ", "Ready in about %(d)d days: ", store.transfer_days
            ) % {"d": store.transfer_days} + "; ".join(
                _("%(q)d × %(sku)s will be transferred from %(wh)s")
                % {"q": t.quantity, "sku": t.sku, "wh": t.from_warehouse} for t in transfers)
        else:
            ready_in = timedelta(minutes=store.preparation_minutes)
            description = _("In stock: ready in about %(m)d minutes") % {
                "m": store.preparation_minutes}
        return PickupOption(
            id=f"{OPTION_PREFIX}{wh.pk}", name=_("Pick up at %(store)s") % {"store": wh.name},
            price=Decimal(0), currency=checkout.currency, warehouse_id=wh.pk, store_id=store.pk,
            distance_km=distance, address_lines=wh.address_lines, hours=store_hours_lines(store),
            transfers=transfers, ready_in=ready_in, description=description)


provider = PickupDeliveryProvider()


class StorePickupProvider(PickupProvider):
    """Pickup at a store as a checkout delivery method (registered in ``StoresConfig.ready``).

    Options come from :class:`PickupDeliveryProvider` (stores that can serve every
    line, nearest first); the description says where the store is, how far, when the
    order is ready and which lines would be transferred from another warehouse.
    """

    def __init__(self, stores: PickupDeliveryProvider | None = None) -> None:
        self.stores = stores or provider

    def available_options(self, checkout: Checkout) -> list[DeliveryOption]:
        return [as_delivery_option(o) for o in self.stores.available_options(checkout)]

    def warehouse_ids(self, checkout: Checkout) -> list[int] | None:
        """Where the cart's stock is held: the store, then (if it takes transfers) the
        warehouses routing would transfer from, in routing's order."""
        wid = checkout.collection_point_id
        if not wid:
            return None
        store = Store.objects.filter(warehouse_id=wid).only("allow_transfers").first()
        lines = _checkout_lines(checkout)
        if store is None or not store.allow_transfers or not lines:
            return [wid]
        try:
            decision = route_order(checkout.channel, [RouteLine(s, q) for _v, s, q in lines],
                                   _destination(checkout, None), DeliveryMethod.PICKUP,
                                   collection_point_id=wid, currency=checkout.currency,
                                   reservation_reference=checkout.reservation_reference)
        except DomainError:
            return [wid]
        return decision.warehouse_ids or [wid]


def as_delivery_option(option: PickupOption) -> DeliveryOption:
    """A store's pickup choice in the checkout's shape (price in the checkout currency)."""
    parts = [", ".join(option.address_lines)] if option.address_lines else []
    if option.distance_km is not None:
        parts.append(_("%(km)s km away") % {"km": f"{option.distance_km:.1f}"})
    parts.append(option.description)
    days = option.ready_in.days or None
    return DeliveryOption(
        id=option.id, kind=DeliveryMethodKind.PICKUP.value, name=option.name,
        price=Money(option.price, option.currency), description=" · ".join(p for p in parts if p),
        minimum_delivery_days=days, maximum_delivery_days=days,
        warehouse_id=option.warehouse_id)


checkout_provider = StorePickupProvider()
