"""Every storefront page runs the same, small number of SQL queries for 100 and for
10,000 products (no N+1 anywhere on the hot read paths)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commerce.catalog.models import Product, ProductTranslation
from storefront.demo import seed_demo_catalog

from .conftest import parse

MAX_QUERIES = 12


def page_urls() -> dict[str, str]:
    product = Product.objects.filter(metadata__demo_index=5).get()  # a hoodie: 4 sizes
    slug = ProductTranslation.objects.get(product=product, language_code="de").slug
    return {
        "home": "/de/",
        "category": "/de/category/kapuzenpullover/",
        "category-filtered": "/de/category/bekleidung/?material=cotton&size=m&sort=price",
        "product": f"/de/product/{slug}/",
        "search": "/de/search/?q=Baumwolle",
        "search-ja": "/ja/search/?q=コットン",
    }


def measure(client) -> dict[str, int]:
    counts = {}
    for name, url in page_urls().items():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[name] = len(ctx.captured_queries)
    return counts


@pytest.mark.slow
@pytest.mark.django_db
def test_query_counts_do_not_grow_with_the_catalog(client):
    client.cookies["market_country"] = "DE"
    seed_demo_catalog(products=100)
    small = measure(client)
    page = parse(client.get("/de/category/kapuzenpullover/"))
    assert 0 < len(page.cssselect(".product-card")) < 24

    seed_demo_catalog(products=10_000)
    assert Product.objects.count() == 10_000
    large = measure(client)
    page = parse(client.get("/de/category/kapuzenpullover/"))
    assert len(page.cssselect(".product-card")) == 24
    hits = parse(client.get("/de/search/?q=Baumwolle")).cssselect(".result-count")[0]
    assert int(hits.text_content().split()[0].replace(".", "")) > 300

    assert large == small, (small, large)
    assert max(large.values()) <= MAX_QUERIES, large
