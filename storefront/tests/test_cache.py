from __future__ import annotations

import re

import pytest
from django.test import override_settings

from commerce.tests.factories import UserFactory

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
