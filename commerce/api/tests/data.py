"""A small multi-market catalogue for API tests, built with the shared factories.

Three storefront markets (US/USD without tax, EU/EUR 19 % tax-inclusive, JP/JPY 10 %),
a marketplace channel and an inactive one; a central warehouse, a US 3PL and two
stores that are pickup points; a category tree; products that are published,
unpublished, hidden from listings, scheduled, and priced per market.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from commerce.catalog.models import (
    Category,
    CategoryTranslation,
    Product,
    ProductMedia,
    ProductTranslation,
    ProductVariant,
    ProductVariantTranslation,
)
from commerce.channel.models import AllocationStrategy, Channel, ChannelKind
from commerce.inventory.models import Warehouse, WarehouseKind
from commerce.tests.factories import (
    CategoryFactory,
    ChannelFactory,
    ProductFactory,
    ProductListingFactory,
    ProductTypeFactory,
    StockFactory,
    UserFactory,
    VariantFactory,
    VariantListingFactory,
    WarehouseFactory,
)

STAFF_PERMISSIONS = [
    "catalog.view_product",
    "catalog.change_product",
    "catalog.change_category",
    "inventory.view_stock",
    "inventory.change_stock",
    "inventory.view_warehouse",
    "channel.view_channel",
]


@dataclass
class Catalog:
    channels: dict[str, Channel] = field(default_factory=dict)
    warehouses: dict[str, Warehouse] = field(default_factory=dict)
    categories: dict[str, Category] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)
    variants: dict[str, ProductVariant] = field(default_factory=dict)


def _price(variant: ProductVariant, channel: Channel, amount: str,
           compare_at: str | None = None) -> None:
    VariantListingFactory(variant=variant, channel=channel, price_amount=Decimal(amount),
                          compare_at_price_amount=Decimal(compare_at) if compare_at else None,
                          cost_price_amount=Decimal(amount) / 3)


def _list(product: Product, channel: Channel, **kwargs: Any) -> None:
    past = timezone.now() - timedelta(days=3)
    defaults = {"is_published": True, "published_at": past, "available_for_purchase_at": past}
    ProductListingFactory(product=product, channel=channel, **{**defaults, **kwargs})


def build_catalog() -> Catalog:
    c = Catalog()
    w = c.warehouses
    w["cn"] = WarehouseFactory(slug="cn-central", name="Shenzhen central", country="CN",
                               kind=WarehouseKind.CENTRAL, city="Shenzhen")
    w["us"] = WarehouseFactory(slug="us-3pl", name="New Jersey 3PL", country="US",
                               kind=WarehouseKind.OVERSEAS, city="Edison")
    w["paris"] = WarehouseFactory(
        slug="store-paris", name="Paris Marais store", country="FR", kind=WarehouseKind.STORE,
        city="Paris", street_address_1="12 Rue des Francs-Bourgeois", postal_code="75003",
        email="paris@example.com", pickup_enabled=True,
        latitude=Decimal("48.857500"), longitude=Decimal("2.359900"),
    )
    w["berlin"] = WarehouseFactory(
        slug="store-berlin", name="Berlin Mitte store", country="DE", kind=WarehouseKind.STORE,
        city="Berlin", street_address_1="Rosenthaler Straße 40", postal_code="10178",
        email="berlin@example.com", pickup_enabled=True,
        latitude=Decimal("52.526400"), longitude=Decimal("13.402500"),
    )
    w["closed"] = WarehouseFactory(slug="store-closed", name="Closed Lyon store", country="FR",
                                   kind=WarehouseKind.STORE, city="Lyon", pickup_enabled=True,
                                   is_active=False)

    ch = c.channels
    ch["us"] = ChannelFactory(slug="us", name="United States", currency_code="USD",
                              default_country="US", countries=["US"], languages=["en", "es"],
                              prices_entered_with_tax=False, default_tax_rate=Decimal("0"),
                              display_gross_prices=False, warehouses=[w["us"], w["cn"]])
    ch["eu"] = ChannelFactory(slug="eu", name="Europe", currency_code="EUR",
                              default_country="DE", countries=["DE", "FR", "ES"],
                              languages=["de", "fr", "es", "en"], default_language="de",
                              prices_entered_with_tax=True, default_tax_rate=Decimal("19"),
                              allocation_strategy=AllocationStrategy.PRIORITIZE_HIGH_STOCK,
                              warehouses=[w["berlin"], w["paris"], w["cn"], w["closed"]])
    ch["jp"] = ChannelFactory(slug="jp", name="Japan", currency_code="JPY", default_country="JP",
                              countries=["JP"], languages=["ja", "en"], default_language="ja",
                              prices_entered_with_tax=True, default_tax_rate=Decimal("10"),
                              warehouses=[w["cn"]])
    ch["amazon"] = ChannelFactory(slug="amazon-us", name="Amazon US", currency_code="USD",
                                  kind=ChannelKind.MARKETPLACE, warehouses=[w["us"]])
    ch["old"] = ChannelFactory(slug="uk-old", name="Old UK shop", currency_code="GBP",
                               default_country="GB", countries=["GB"], is_active=False)

    cat = c.categories
    cat["apparel"] = CategoryFactory(slug="apparel", name="Apparel", sort_order=1,
                                     description="Clothes for every day.")
    cat["tees"] = CategoryFactory(slug="t-shirts", name="T-shirts", parent=cat["apparel"])
    cat["organic"] = CategoryFactory(slug="organic", name="Organic", parent=cat["tees"])
    cat["home"] = CategoryFactory(slug="home", name="Home", sort_order=2)
    CategoryTranslation.objects.create(category=cat["apparel"], language_code="de",
                                       name="Bekleidung", slug="bekleidung")
    CategoryTranslation.objects.create(category=cat["tees"], language_code="de",
                                       name="T-Shirts", slug="t-shirts-de")

    ptype = ProductTypeFactory(slug="apparel", name="Apparel")
    p, v = c.products, c.variants

    p["tee"] = ProductFactory(slug="classic-tee", name="Classic Tee", category=cat["tees"],
                              product_type=ptype, rating=4.5, seo_title="Classic Tee | Omniport",
                              description="Soft cotton.\n\nMade to last.",
                              metadata={"fabric": "cotton"})
    ProductTranslation.objects.create(product=p["tee"], language_code="de",
                                      name="Klassisches T-Shirt", slug="klassisches-t-shirt",
                                      description="Weiche Baumwolle.",
                                      seo_title="Klassisches T-Shirt | Omniport")
    ProductTranslation.objects.create(product=p["tee"], language_code="ja",
                                      name="クラシックTシャツ", slug="classic-tee-ja")
    ProductTranslation.objects.create(product=p["tee"], language_code="zh-hans",
                                      name="经典T恤", slug="classic-tee-zh")
    ProductMedia.objects.create(product=p["tee"], external_url="https://cdn.example.com/tee.jpg",
                                alt="Classic Tee in black")
    v["tee-s"] = VariantFactory(product=p["tee"], sku="TEE-S", name="S", sort_order=1,
                                weight_grams=180)
    v["tee-m"] = VariantFactory(product=p["tee"], sku="TEE-M", name="M", sort_order=2,
                                weight_grams=200)
    v["tee-xl"] = VariantFactory(product=p["tee"], sku="TEE-XL", name="XL", sort_order=3)
    ProductVariantTranslation.objects.create(product_variant=v["tee-m"], language_code="de",
                                             name="Mittel")
    for key in ("us", "eu", "jp"):
        _list(p["tee"], ch[key])
    _price(v["tee-s"], ch["us"], "19.99")
    _price(v["tee-m"], ch["us"], "21.99")
    _price(v["tee-s"], ch["eu"], "17.85", compare_at="23.80")
    _price(v["tee-m"], ch["eu"], "19.99", compare_at="23.80")
    _price(v["tee-xl"], ch["eu"], "21.00")  # XL is sold in Europe only
    _price(v["tee-s"], ch["jp"], "2480")
    _price(v["tee-m"], ch["jp"], "2680")
    StockFactory(variant=v["tee-s"], warehouse=w["cn"], quantity=5)
    StockFactory(variant=v["tee-s"], warehouse=w["us"], quantity=3)
    StockFactory(variant=v["tee-s"], warehouse=w["berlin"], quantity=2)
    StockFactory(variant=v["tee-s"], warehouse=w["closed"], quantity=50)
    StockFactory(variant=v["tee-m"], warehouse=w["cn"], quantity=10, quantity_allocated=4,
                 quantity_reserved=1)
    StockFactory(variant=v["tee-m"], warehouse=w["paris"], quantity=1)

    p["hoodie"] = ProductFactory(slug="organic-hoodie", name="Organic Hoodie",
                                 category=cat["organic"], product_type=ptype, rating=4.9)
    v["hoodie"] = VariantFactory(product=p["hoodie"], sku="HOOD-M", name="M")
    for key, amount in (("us", "59.00"), ("eu", "55.00"), ("jp", "7900")):
        _list(p["hoodie"], ch[key])
        _price(v["hoodie"], ch[key], amount)
    StockFactory(variant=v["hoodie"], warehouse=w["cn"], quantity=0)  # sold out

    p["towel"] = ProductFactory(slug="linen-towel", name="Linen Towel", category=cat["home"],
                                product_type=ptype)
    v["towel"] = VariantFactory(product=p["towel"], sku="TOWEL-1", name="")
    _list(p["towel"], ch["eu"])
    _price(v["towel"], ch["eu"], "12.50")
    StockFactory(variant=v["towel"], warehouse=w["paris"], quantity=4)

    p["secret"] = ProductFactory(slug="secret-prototype", name="Secret Prototype",
                                 category=cat["tees"], product_type=ptype)
    v["secret"] = VariantFactory(product=p["secret"], sku="SECRET-1")
    _list(p["secret"], ch["us"], is_published=False)
    _price(v["secret"], ch["us"], "99.00")

    p["gift"] = ProductFactory(slug="gift-wrap", name="Gift Wrap", category=cat["home"],
                               product_type=ptype)
    v["gift"] = VariantFactory(product=p["gift"], sku="GIFT-1")
    _list(p["gift"], ch["us"], visible_in_listings=False)
    _price(v["gift"], ch["us"], "2.00")

    p["future"] = ProductFactory(slug="future-drop", name="Future Drop", category=cat["tees"],
                                 product_type=ptype)
    v["future"] = VariantFactory(product=p["future"], sku="FUTURE-1")
    _list(p["future"], ch["us"], published_at=timezone.now() + timedelta(days=7))
    _price(v["future"], ch["us"], "30.00")

    p["preview"] = ProductFactory(slug="preview-socks", name="Preview Socks",
                                  category=cat["apparel"], product_type=ptype)
    v["preview"] = VariantFactory(product=p["preview"], sku="SOCKS-1")
    _list(p["preview"], ch["us"], available_for_purchase_at=None)  # shown, not yet buyable
    _price(v["preview"], ch["us"], "9.00")
    StockFactory(variant=v["preview"], warehouse=w["us"], quantity=20)
    return c


def make_staff(*, perms: list[str] | None = None, email: str = "staff@example.com") -> Any:
    user = UserFactory(email=email, is_staff=True)
    codes = STAFF_PERMISSIONS if perms is None else perms
    for code in codes:
        app_label, codename = code.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return user


def gql(client: Client, query: str, variables: dict[str, Any] | None = None,
        **extra: Any) -> tuple[int, dict[str, Any]]:
    """POST a GraphQL request as an API client would; returns (status, parsed JSON)."""
    body = {"query": query, "variables": variables or {}}
    response = client.post("/graphql/", data=json.dumps(body), content_type="application/json",
                           **extra)
    return response.status_code, response.json()


def ok(client: Client, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run a query that must succeed; return its ``data``."""
    status, payload = gql(client, query, variables)
    assert status == 200, payload
    assert "errors" not in payload, payload["errors"]
    return payload["data"]


def error_codes(payload: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in payload.get("errors", [])]
