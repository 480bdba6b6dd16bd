"""Storefront fixtures: three markets (US base in USD, EU in EUR with fixed and derived
prices, Japan in JPY derived by FX) and a small translated catalog."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import lxml.html
import pytest
from django.utils import timezone

from commerce.catalog.models import (
    Attribute,
    AttributeValue,
    AttributeValueTranslation,
    Category,
    Product,
    ProductChannelListing,
    ProductMedia,
    ProductVariant,
    ProductVariantChannelListing,
)
from commerce.catalog.services import category_translate, product_translate
from commerce.channel.models import Channel
from commerce.inventory.models import Stock, Warehouse
from commerce.pricing.models import FxRate, PriceRounding
from commerce.tests.factories import (
    CategoryFactory,
    ChannelFactory,
    ProductFactory,
    VariantFactory,
    WarehouseFactory,
)
from storefront.services import search_index_update


@dataclass
class Markets:
    us: Channel
    eu: Channel
    jp: Channel
    warehouse: Warehouse
    extra: dict[str, Any] = field(default_factory=dict)


@pytest.fixture
def markets(db) -> Markets:
    warehouse = WarehouseFactory(slug="sf-central", name="Central", country="CN")
    us = ChannelFactory(slug="us", name="United States", currency_code="USD",
                        default_country="US", countries=["US", "CA"],
                        prices_entered_with_tax=False, display_gross_prices=False,
                        default_tax_rate=Decimal("0"), warehouses=[warehouse])
    eu = ChannelFactory(slug="eu", name="Europe", currency_code="EUR", default_country="DE",
                        countries=["DE", "FR", "ES", "AT"], prices_entered_with_tax=True,
                        display_gross_prices=True, default_tax_rate=Decimal("19"),
                        warehouses=[warehouse])
    jp = ChannelFactory(slug="jp", name="Japan", currency_code="JPY", default_country="JP",
                        countries=["JP"], prices_entered_with_tax=True,
                        display_gross_prices=True, default_tax_rate=Decimal("10"),
                        warehouses=[warehouse])
    yesterday = timezone.localdate() - timedelta(days=1)
    FxRate.objects.create(base_currency="USD", quote_currency="EUR", rate=Decimal("0.92"),
                          effective_date=yesterday)
    FxRate.objects.create(base_currency="USD", quote_currency="JPY", rate=Decimal("150"),
                          effective_date=yesterday)
    PriceRounding.objects.create(currency="EUR", strategy="ending-99")
    PriceRounding.objects.create(currency="JPY", strategy="nearest-10")
    return Markets(us=us, eu=eu, jp=jp, warehouse=warehouse)


@pytest.fixture
def apparel(markets) -> Category:
    category = CategoryFactory(slug="apparel", name="Apparel",
                               description="Clothes for every season.")
    category_translate(category, "de", name="Bekleidung", slug="bekleidung")
    category_translate(category, "ja", name="アパレル", slug="アパレル")
    category_translate(category, "fr", name="Vêtements", slug="vetements")
    return category


def make_product(markets: Markets, category: Category, *, slug: str, name: str,
                 usd: str | None = "10.00", eur: str | None = None, stock: int = 10,
                 translations: dict[str, dict[str, str]] | None = None,
                 variants: list[tuple[str, str]] | None = None,
                 publish_in: tuple[str, ...] = ("us", "eu", "jp"), **product_kwargs: Any
                 ) -> Product:
    """A product with variants ``[(sku, name)]`` priced in USD (and EUR if given)."""
    product = ProductFactory(slug=slug, name=name, category=category, **product_kwargs)
    for language, fields in (translations or {}).items():
        product_translate(product, language, **fields)
    for index, (sku, variant_name) in enumerate(variants or [(f"{slug.upper()}-1", "M")]):
        variant = VariantFactory(product=product, sku=sku, name=variant_name, sort_order=index)
        if usd is not None:
            ProductVariantChannelListing.objects.create(
                variant=variant, channel=markets.us, currency="USD", price_amount=Decimal(usd))
        if eur is not None:
            ProductVariantChannelListing.objects.create(
                variant=variant, channel=markets.eu, currency="EUR", price_amount=Decimal(eur))
        Stock.objects.create(warehouse=markets.warehouse, variant=variant, quantity=stock)
    for slug_ in publish_in:
        channel = getattr(markets, slug_)
        ProductChannelListing.objects.create(product=product, channel=channel,
                                             currency=channel.currency_code, is_published=True)
    return product


@pytest.fixture
def tee(markets, apparel) -> Product:
    """A T-shirt with a fixed euro price and a yen price derived from USD 24.50."""
    product = make_product(
        markets, apparel, slug="classic-tee", name="Classic T-shirt", usd="24.50", eur="1234.50",
        description="A soft cotton T-shirt.", brand="Omniport",
        translations={
            "de": {"name": "Klassisches T-Shirt", "slug": "klassisches-t-shirt",
                   "description": "Ein weiches T-Shirt aus Baumwolle.",
                   "seo_description": "Weiches Baumwoll-T-Shirt, fair produziert."},
            "ja": {"name": "クラシックTシャツ", "slug": "クラシックtシャツ",
                   "description": "柔らかいコットンのTシャツです。"},
            "fr": {"name": "T-shirt classique", "slug": "t-shirt-classique",
                   "description": "Un t-shirt doux en coton."},
        },
        variants=[("TEE-S", "S"), ("TEE-M", "M")],
    )
    ProductMedia.objects.create(product=product, external_url="https://cdn.example.com/tee.jpg",
                                alt="")
    search_index_update([product.pk])
    return product


@pytest.fixture
def color_attribute(db) -> Attribute:
    attribute = Attribute.objects.create(slug="color", name="Color")
    for order, (slug, name, de) in enumerate([("red", "Red", "Rot"), ("blue", "Blue", "Blau")]):
        value = AttributeValue.objects.create(attribute=attribute, slug=slug, name=name,
                                              sort_order=order)
        AttributeValueTranslation.objects.create(attribute_value=value, language_code="de",
                                                 name=de)
    return attribute


def set_color(product: Product, color: str) -> None:
    value = AttributeValue.objects.get(attribute__slug="color", slug=color)
    for variant in ProductVariant.objects.filter(product=product):
        variant.attribute_values.add(value)


def parse(response: Any) -> Any:
    """The response's HTML as an lxml tree (what a crawler or a browser reads)."""
    return lxml.html.fromstring(response.content.decode())


def text(node: Any) -> str:
    """Visible text with runs of ASCII whitespace folded (no-break spaces are kept)."""
    return re.sub(r"[ \t\r\n]+", " ", node.text_content()).strip()


@pytest.fixture
def client_in(client):
    """``client_in("DE")``: the test client with the shopper's country chosen."""

    def choose(country: str):
        client.cookies["market_country"] = country
        return client

    return choose
