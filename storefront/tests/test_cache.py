from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import override_settings

from commerce.catalog.models import ProductChannelListing, ProductVariantChannelListing
from commerce.catalog.services import product_translate
from commerce.tests.factories import UserFactory

from .conftest import make_product, parse

pytestmark = pytest.mark.django_db

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                      "LOCATION": "storefront-page-cache-test"}}
TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def page_cache():
    from django.core.cache import cache

    with override_settings(STOREFRONT_PAGE_CACHE_SECONDS=60, CACHES=LOCMEM):
        cache.clear()
        yield
        cache.clear()


def test_anonymous_pages_are_served_from_the_cache(client, tee, page_cache):
    first = client.get("/de/category/bekleidung/")
    second = client.get("/de/category/bekleidung/")
    assert first["X-Storefront-Cache"] == "miss"
    assert second["X-Storefront-Cache"] == "hit"
    assert second.content == first.content
    assert "Cookie" in second["Vary"]


def test_the_market_cookie_is_part_of_the_key(client, tee, page_cache):
    usd = client.get("/en/product/classic-tee/")
    client.cookies["market_country"] = "DE"
    eur = client.get("/en/product/classic-tee/")
    assert eur["X-Storefront-Cache"] == "miss"
    assert b"$24.50" in usd.content and b"1,234.50" in eur.content


def test_cached_product_page_gets_a_fresh_csrf_token(client, tee, page_cache):
    client.get("/en/product/classic-tee/")
    other = type(client)()
    hit = other.get("/en/product/classic-tee/")
    assert hit["X-Storefront-Cache"] == "hit"
    tokens = TOKEN.findall(hit.content)
    assert tokens and b"storefront_csrf" not in tokens[0]
    assert "csrftoken" in hit.cookies


def test_shoppers_with_a_session_are_never_served_cached_pages(client, tee, page_cache):
    client.get("/en/")
    client.force_login(UserFactory(email="cached@example.com"))
    response = client.get("/en/")
    assert "X-Storefront-Cache" not in response
    assert b"Your account" in response.content


def test_errors_are_not_cached(client, tee, page_cache):
    assert client.get("/en/product/nope/").status_code == 404
    assert client.get("/en/product/nope/").status_code == 404
    assert client.get("/en/category/apparel/?page=9").status_code == 404


def test_unpublishing_a_product_takes_its_cached_pages_down_at_once(client, tee, markets,
                                                                   page_cache):
    client.cookies["market_country"] = "DE"
    assert client.get("/de/product/klassisches-t-shirt/").status_code == 200
    assert client.get("/de/product/klassisches-t-shirt/")["X-Storefront-Cache"] == "hit"
    client.get("/de/category/bekleidung/")
    listing = ProductChannelListing.objects.get(product=tee, channel=markets.eu)
    listing.is_published = False
    listing.save()
    assert client.get("/de/product/klassisches-t-shirt/").status_code == 404
    category = client.get("/de/category/bekleidung/")
    assert category["X-Storefront-Cache"] == "miss"
    assert b"Klassisches T-Shirt" not in category.content


def test_a_price_change_shows_at_once_on_cached_pages(client, tee, markets, page_cache):
    client.cookies["market_country"] = "DE"
    assert "1.234,50" in client.get("/de/product/klassisches-t-shirt/").content.decode()
    assert "1.234,50" in client.get("/de/category/bekleidung/").content.decode()
    price = ProductVariantChannelListing.objects.get(variant__sku="TEE-M", channel=markets.eu)
    price.price_amount = Decimal("999.00")
    price.save()
    assert "999,00" in client.get("/de/product/klassisches-t-shirt/").content.decode()
    assert "999,00" in client.get("/de/category/bekleidung/").content.decode()


def test_a_new_translation_shows_at_once_on_cached_pages(client, tee, page_cache):
    assert b"Klassisches T-Shirt" in client.get("/de/category/bekleidung/").content
    product_translate(tee, "de", name="Kurzarmshirt", slug="klassisches-t-shirt")
    page = client.get("/de/category/bekleidung/")
    assert page["X-Storefront-Cache"] == "miss"
    assert b"Kurzarmshirt" in page.content


def test_theme_and_language_are_part_of_the_key(client, tee, page_cache):
    client.get("/de/category/bekleidung/")
    with override_settings(STOREFRONT_THEME="noir"):
        assert client.get("/de/category/bekleidung/")["X-Storefront-Cache"] == "miss"
    assert client.get("/de/category/bekleidung/")["X-Storefront-Cache"] == "hit"
    assert client.get("/fr/category/vetements/")["X-Storefront-Cache"] == "miss"


def test_listing_counts_and_facets_follow_catalogue_writes_without_the_page_cache(
        client, tee, markets, apparel):
    def count() -> int:
        page = parse(client.get("/de/category/bekleidung/"))
        return len(page.cssselect(".product-card"))

    assert count() == 1
    make_product(markets, apparel, slug="polo", name="Polo", usd="30.00")
    assert count() == 2
    ProductChannelListing.objects.get(product__slug="polo", channel=markets.us).delete()
    assert count() == 1
