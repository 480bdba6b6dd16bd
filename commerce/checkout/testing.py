"""Test helpers for checkout: a ready-to-sell market (channel, stock, prices, shipping).

Imported by the checkout test packages' conftest files; not used at run time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import pytest

from commerce.catalog.models import ProductVariant
from commerce.channel.models import Channel
from commerce.inventory.models import Stock, Warehouse
from commerce.tests.factories import (
    ChannelFactory,
    ProductFactory,
    ProductListingFactory,
    VariantFactory,
    VariantListingFactory,
    WarehouseFactory,
)

from .models import ShippingMethod, ShippingMethodChannelListing, ShippingZone


@dataclass
class Shop:
    channel: Channel
    warehouse: Warehouse
    variants: list[ProductVariant]
    shipping: ShippingMethod

    def stock(self, variant: ProductVariant) -> Stock:
        return Stock.objects.get(variant=variant, warehouse=self.warehouse)


def build_shop(*, slug: str, currency: str, country: str, countries: Sequence[str],
               prices: Sequence[str], shipping_price: str, stock: int = 10,
               weight_grams: int = 250, language: str = "en",
               prices_entered_with_tax: bool = True, tax_rate: str = "0") -> Shop:
    warehouse = WarehouseFactory(slug=f"{slug}-wh", name=f"{slug.upper()} warehouse",
                                 country=country)
    channel = ChannelFactory(slug=slug, name=slug.upper(), currency_code=currency,
                             default_country=country, countries=list(countries),
                             languages=[language], default_language=language,
                             prices_entered_with_tax=prices_entered_with_tax,
                             default_tax_rate=Decimal(tax_rate), warehouses=[warehouse])
    variants = []
    for n, price in enumerate(prices):
        product = ProductFactory(name=f"{slug.upper()} shirt {n + 1}", slug=f"{slug}-shirt-{n + 1}")
        variant = VariantFactory(product=product, sku=f"{slug.upper()}-SKU-{n + 1}",
                                 name="M", weight_grams=weight_grams)
        VariantListingFactory(variant=variant, channel=channel, price_amount=Decimal(price))
        ProductListingFactory(product=product, channel=channel)
        Stock.objects.create(warehouse=warehouse, variant=variant, quantity=stock)
        variants.append(variant)
    zone = ShippingZone.objects.create(name=f"{slug.upper()} zone", countries=list(countries))
    zone.channels.add(channel)
    method = ShippingMethod.objects.create(zone=zone, name="Standard", maximum_order_weight_grams=
                                           20_000, minimum_delivery_days=2,
                                           maximum_delivery_days=5)
    ShippingMethodChannelListing.objects.create(shipping_method=method, channel=channel,
                                                currency=currency,
                                                price_amount=Decimal(shipping_price))
    return Shop(channel=channel, warehouse=warehouse, variants=variants, shipping=method)


GERMAN_ADDRESS = {
    "first_name": "Erika", "last_name": "Mustermann", "street_address_1": "Unter den Linden 1",
    "city": "Berlin", "postal_code": "10117", "country": "DE",
}
JAPANESE_ADDRESS = {
    "first_name": "Taro", "last_name": "Yamada", "street_address_1": "1-1 Chiyoda",
    "city": "Chiyoda-ku", "postal_code": "100-0001", "country": "JP", "country_area": "東京都",
}


@pytest.fixture
def shop_eur(db) -> Shop:  # noqa: ANN001
    return build_shop(slug="eu", currency="EUR", country="DE", countries=["DE", "FR", "AT"],
                      prices=["12.34", "25.00"], shipping_price="4.90", language="de")


@pytest.fixture
def shop_jpy(db) -> Shop:  # noqa: ANN001
    return build_shop(slug="jp", currency="JPY", country="JP", countries=["JP"],
                      prices=["1235", "3000"], shipping_price="800", language="ja")
