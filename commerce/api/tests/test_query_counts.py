"""Hot read paths cost a fixed number of SQL queries, however many products a page holds."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commerce.catalog.models import ProductMedia, ProductTranslation
from commerce.tests.factories import (
    CategoryFactory,
    ChannelFactory,
    ProductFactory,
    ProductListingFactory,
    StockFactory,
    VariantFactory,
    VariantListingFactory,
    WarehouseFactory,
)

from .data import ok

PAGE = """
query($first: Int!) {
  products(channel: "shop", first: $first, languageCode: DE) {
    totalCount
    edges { node {
      id name slug description seoTitle channel created updatedAt
      thumbnail { url alt }
      media { url alt }
      category { id name slug level parent { slug } }
      productType { name }
      translation(languageCode: DE) { name slug description }
      pricing { onSale priceRange { start { gross { amount currency } net { amount } }
                                    stop { gross { amount currency } } }
                priceRangeUndiscounted { start { gross { amount } } } }
      isAvailable isAvailableForPurchase
      defaultVariant { sku }
      variants { id sku name quantityAvailable weight { value }
                 translation(languageCode: DE) { name }
                 pricing { price { gross { amount currency } } } }
    } }
  }
}"""


def build_shop(n: int) -> None:
    warehouses = [WarehouseFactory(slug=f"wh-{i}") for i in range(2)]
    channel = ChannelFactory(slug="shop", currency_code="EUR", warehouses=warehouses)
    parent = CategoryFactory(slug="parent")
    category = CategoryFactory(slug="child", parent=parent)
    for i in range(n):
        product = ProductFactory(slug=f"p-{i:03d}", name=f"Product {i}", category=category)
        ProductTranslation.objects.create(product=product, language_code="de",
                                          name=f"Produkt {i}", slug=f"produkt-{i:03d}")
        ProductMedia.objects.create(product=product, external_url=f"https://cdn.test/{i}.jpg")
        ProductListingFactory(product=product, channel=channel)
        for size in ("S", "M"):
            variant = VariantFactory(product=product, sku=f"P{i:03d}-{size}", name=size)
            VariantListingFactory(variant=variant, channel=channel, price_amount=Decimal("9.50"))
            for warehouse in warehouses:
                StockFactory(variant=variant, warehouse=warehouse, quantity=3)


def count_queries(client, first: int) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as ctx:
        data = ok(client, PAGE, {"first": first})
    return len(ctx.captured_queries), data


@pytest.mark.django_db
def test_products_page_of_20_has_a_fixed_query_count(client, django_assert_max_num_queries):
    build_shop(20)
    with django_assert_max_num_queries(14):
        data = ok(client, PAGE, {"first": 20})
    edges = data["products"]["edges"]
    assert len(edges) == 20
    first = edges[0]["node"]
    assert first["name"] == "Produkt 0"
    assert first["pricing"]["priceRange"]["start"]["gross"] == {"amount": 9.5, "currency": "EUR"}
    assert [v["quantityAvailable"] for v in first["variants"]] == [6, 6]
    assert first["category"]["level"] == 1


@pytest.mark.django_db
def test_query_count_does_not_grow_with_page_size(client):
    build_shop(20)
    small, _ = count_queries(client, 2)
    large, data = count_queries(client, 20)
    assert len(data["products"]["edges"]) == 20
    assert large == small
