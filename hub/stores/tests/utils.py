"""Builders shared by the stores tests (and the browser test): a German market with two
stores, a central warehouse, two products and clerks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta
from decimal import Decimal

from django.utils import timezone

from commerce.channel.models import Channel
from commerce.inventory.models import Allocation, Stock, Warehouse
from commerce.inventory.services import stock_adjust
from commerce.orders.models import Order, PaymentStatus
from commerce.orders.services import OrderInput, OrderLineInput
from commerce.tests.factories import (
    ChannelFactory,
    ProductListingFactory,
    UserFactory,
    VariantFactory,
    VariantListingFactory,
    WarehouseFactory,
)
from connectors.base import RemoteAddress, RemoteOrder, RemoteOrderLine, RemoteOrderStatus
from hub.stores import services
from hub.stores.models import DeliveryMethod, Store, StoreFulfilment
from hub.stores.routing import create_routed_order


@dataclass
class Market:
    channel: Channel
    central: Warehouse
    berlin: Store
    munich: Store
    tee: object
    mug: object
    clerk_berlin: object
    clerk_munich: object


def make_store(slug: str, name: str, city: str, lat: str, lon: str, *, postal_code: str = "",
               **profile: object) -> Store:
    wh = WarehouseFactory(slug=slug, name=name, kind="store", country="DE", city=city,
                          street_address_1="Hauptstraße 1", postal_code=postal_code,
                          latitude=Decimal(lat), longitude=Decimal(lon))
    store = Store(warehouse=wh, time_zone="Europe/Berlin", **profile)
    hours = [services.Period(d, time(9), time(20)) for d in range(6)]
    return services.store_save(store, pickup_enabled=True, hours=hours)


def receive(variant, warehouse: Warehouse, qty: int, shelf: str = "") -> None:  # noqa: ANN001
    stock_adjust(variant, warehouse, delta=qty, reason="receipt")
    if shelf:
        Stock.objects.filter(variant=variant, warehouse=warehouse).update(shelf_location=shelf)


def build_market() -> Market:
    central = WarehouseFactory(slug="de-central", name="Leipzig central", country="DE",
                               city="Leipzig", latitude=Decimal("51.3397"),
                               longitude=Decimal("12.3731"))
    berlin = make_store("store-berlin", "Berlin store", "Berlin", "52.520008", "13.404954",
                        postal_code="10178", preparation_minutes=15, pickup_hold_days=3,
                        ship_from_store_enabled=True)
    munich = make_store("store-munich", "Munich store", "München", "48.137154", "11.576124",
                        postal_code="80331", ship_from_store_enabled=True)
    channel = ChannelFactory(slug="de", name="Shop DE", currency_code="EUR", default_country="DE",
                             countries=["DE", "AT"], languages=["de", "en"],
                             warehouses=[central, berlin.warehouse, munich.warehouse])
    tee = VariantFactory(sku="TEE-BLK-M", barcode="4006381333931", weight_grams=200,
                         product__name="Black tee")
    mug = VariantFactory(sku="MUG-WHT", barcode="4006381333948", weight_grams=400,
                         product__name="White mug")
    for v, price in ((tee, "19.99"), (mug, "9.50")):
        VariantListingFactory(variant=v, channel=channel, price_amount=Decimal(price))
        ProductListingFactory(product=v.product, channel=channel)
    receive(tee, central, 50)
    receive(mug, central, 50)
    receive(tee, berlin.warehouse, 5, "B-02")
    receive(mug, berlin.warehouse, 3, "A-01")
    receive(tee, munich.warehouse, 2, "C-01")
    clerk_berlin = UserFactory(email="clerk.berlin@example.com")
    clerk_munich = UserFactory(email="clerk.munich@example.com")
    services.store_assign_clerk(berlin, clerk_berlin)
    services.store_assign_clerk(munich, clerk_munich)
    return Market(channel, central, berlin, munich, tee, mug, clerk_berlin, clerk_munich)


def pickup_order(m: Market, store: Store, lines: list[tuple[str, int]], *,
                 email: str = "shopper@example.com", authorized: bool = True) -> Order:
    """A storefront pickup order as the checkout will create it: routed, card authorized."""
    order = create_routed_order(
        OrderInput(channel=m.channel, currency="EUR", email=email, language_code="en",
                   lines=[OrderLineInput(sku=s, quantity=q) for s, q in lines],
                   billing_address={"first_name": "Grace", "last_name": "Hopper",
                                    "street_address_1": "Secret Street 99", "city": "Berlin",
                                    "postal_code": "10115", "country": "DE",
                                    "phone": "+49 30 1234567"}),
        delivery_method=DeliveryMethod.PICKUP, collection_point_id=store.warehouse_id)
    if authorized:
        Order.objects.filter(pk=order.pk).update(payment_status=PaymentStatus.AUTHORIZED)
        order.refresh_from_db()
    return order


def add_shipping(m: Market, price: str = "4.90"):  # noqa: ANN201
    """Home delivery for the market (so the checkout offers shipping beside pickup)."""
    from commerce.checkout.models import ShippingMethod, ShippingMethodChannelListing, ShippingZone

    zone = ShippingZone.objects.create(name="Germany", countries=["DE", "AT"])
    zone.channels.add(m.channel)
    method = ShippingMethod.objects.create(zone=zone, name="Standard", minimum_delivery_days=2,
                                           maximum_delivery_days=4)
    ShippingMethodChannelListing.objects.create(shipping_method=method, channel=m.channel,
                                                currency="EUR", price_amount=Decimal(price))
    return method


def remote(external_id: str, lines: list[tuple[str, int]]) -> RemoteOrder:
    """A German marketplace order (EUR, shipped to Potsdam) as a connector reads it."""
    when = timezone.now() - timedelta(minutes=5)
    return RemoteOrder(
        external_id=external_id, status=RemoteOrderStatus.UNSHIPPED, raw_status="Unshipped",
        created_at=when, updated_at=when, currency="EUR", total=Decimal("50.00"),
        lines=tuple(RemoteOrderLine(external_line_id=f"{external_id}-{i}", sku=sku, quantity=q,
                                    unit_price=Decimal("10.00"), currency="EUR", title=sku)
                    for i, (sku, q) in enumerate(lines)),
        buyer_email="buyer@example.com", buyer_name="Eva Berger",
        shipping_address=RemoteAddress(name="Eva Berger", line1="Brandenburger Str. 1",
                                       city="Potsdam", state="", postal_code="14467",
                                       country="DE"),
        shipping_price=Decimal("0"), site="FAKE-DE")


def allocated(order: Order) -> dict[str, dict[str, int]]:
    """Units allocated per SKU and warehouse slug."""
    out: dict[str, dict[str, int]] = {}
    for a in Allocation.objects.filter(order_line__order=order).select_related(
            "order_line", "stock__warehouse"):
        out.setdefault(a.order_line.product_sku, {})[a.stock.warehouse.slug] = a.quantity_allocated
    return out


def store_lines(order: Order, store: Store) -> dict[str, int]:
    """What a store's fulfilment of the order holds: units per SKU."""
    f = StoreFulfilment.objects.get(order=order, store=store)
    return {fl.order_line.product_sku: fl.quantity for fl in f.lines.select_related("order_line")}
