from __future__ import annotations

import json
from xml.etree import ElementTree

import pytest

from .conftest import parse

pytestmark = pytest.mark.django_db

LANGS = {"en", "de", "fr", "es", "ja", "zh-Hans"}
SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
              "xhtml": "http://www.w3.org/1999/xhtml"}


def head(response):
    page = parse(response)
    meta = {m.get("name") or m.get("property"): m.get("content")
            for m in page.cssselect("head meta") if m.get("name") or m.get("property")}
    alternates = {link.get("hreflang"): link.get("href")
                  for link in page.cssselect("head link[rel=alternate]")}
    canonical = page.cssselect("head link[rel=canonical]")
    jsonld = [json.loads(s.text) for s in page.cssselect('script[type="application/ld+json"]')]
    return page, meta, alternates, canonical[0].get("href") if canonical else None, jsonld


def test_product_page_head_for_crawlers(client, tee):
    page, meta, alternates, canonical, jsonld = head(client.get("/de/product/klassisches-t-shirt/"))
    assert page.cssselect("title")[0].text == "Klassisches T-Shirt | Omniport Shop"
    assert meta["description"] == "Weiches Baumwoll-T-Shirt, fair produziert."
    assert canonical == "http://testserver/de/product/klassisches-t-shirt/"
    assert set(alternates) == LANGS | {"x-default"}
    assert alternates["de"] == canonical
    assert alternates["fr"] == "http://testserver/fr/product/t-shirt-classique/"
    assert alternates["ja"] == ("http://testserver/ja/product/%E3%82%AF%E3%83%A9%E3%82%B7"
                                "%E3%83%83%E3%82%AFt%E3%82%B7%E3%83%A3%E3%83%84/")
    assert alternates["x-default"] == "http://testserver/en/product/classic-tee/"
    assert meta["og:type"] == "product"
    assert meta["og:title"] == "Klassisches T-Shirt"
    assert meta["og:url"] == canonical
    assert meta["og:image"] == "https://cdn.example.com/tee.jpg"
    assert meta["og:locale"] == "de_DE"
    assert meta["robots"] == "index,follow"

    product = next(block for block in jsonld if block["@type"] == "Product")
    assert product["name"] == "Klassisches T-Shirt"
    assert product["brand"] == {"@type": "Brand", "name": "Omniport"}
    offers = product["offers"]
    assert {o["sku"] for o in offers} == {"TEE-S", "TEE-M"}
    # a crawler sees the default market (no cookie): US dollars, net
    assert {(o["price"], o["priceCurrency"]) for o in offers} == {("24.50", "USD")}
    assert {o["availability"] for o in offers} == {"https://schema.org/InStock"}
    crumbs = next(block for block in jsonld if block["@type"] == "BreadcrumbList")
    assert [i["name"] for i in crumbs["itemListElement"]] == ["Start", "Bekleidung",
                                                              "Klassisches T-Shirt"]
    assert [i["position"] for i in crumbs["itemListElement"]] == [1, 2, 3]
    assert crumbs["itemListElement"][-1]["item"] == canonical


def test_offer_reflects_the_chosen_market_and_stock(client_in, tee):
    from commerce.inventory.models import Stock

    Stock.objects.filter(variant__sku="TEE-S").update(quantity=0)
    _page, meta, _alt, _canonical, jsonld = head(client_in("JP").get("/ja/product/classic-tee/",
                                                                     follow=True))
    offers = {o["sku"]: o for o in next(b for b in jsonld if b["@type"] == "Product")["offers"]}
    assert offers["TEE-S"]["availability"] == "https://schema.org/OutOfStock"
    assert offers["TEE-M"]["price"] == "4040" and offers["TEE-M"]["priceCurrency"] == "JPY"
    assert meta["product:price:currency"] == "JPY"


def test_jsonld_cannot_break_out_of_its_script(client, markets, apparel):
    from .conftest import make_product

    make_product(markets, apparel, slug="evil", name="</script><script>alert(1)</script>")
    response = client.get("/en/product/evil/")
    assert b"</script><script>alert(1)" not in response.content
    _page, _meta, _alt, _canonical, jsonld = head(response)
    assert jsonld[0]["name"] == "</script><script>alert(1)</script>"


def test_category_head(client, tee):
    page, meta, alternates, canonical, jsonld = head(client.get("/de/category/bekleidung/"))
    assert page.cssselect("title")[0].text == "Bekleidung | Omniport Shop"
    assert canonical == "http://testserver/de/category/bekleidung/"
    assert alternates["en"] == "http://testserver/en/category/apparel/"
    assert alternates["es"] == "http://testserver/es/category/apparel/"
    assert meta["description"]
    assert jsonld[0]["@type"] == "BreadcrumbList"


def test_home_head_and_site_search_action(client, tee):
    page, meta, alternates, canonical, jsonld = head(client.get("/fr/"))
    assert canonical == "http://testserver/fr/"
    assert set(alternates) == LANGS | {"x-default"}
    assert meta["og:locale"] == "fr_FR"
    assert "og:locale:alternate" in meta
    assert jsonld[0]["@type"] == "WebSite"
    assert jsonld[0]["potentialAction"]["target"].startswith("http://testserver/fr/search/?q=")


def test_policy_page_has_alternates(client, tee):
    _page, _meta, alternates, canonical, _ = head(client.get("/ja/pages/returns/"))
    assert canonical == "http://testserver/ja/pages/returns/"
    assert alternates["de"] == "http://testserver/de/pages/returns/"


def test_robots_txt(client, tee):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in body
    assert "Disallow: /*/checkout/" in body and "Disallow: /*/account/" in body


def test_sitemap_index_lists_one_sitemap_per_language(client, tee):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)  # noqa: S314 (our own response)
    locations = [loc.text for loc in root.findall("sm:sitemap/sm:loc", SITEMAP_NS)]
    assert sorted(locations) == sorted(
        f"http://testserver/sitemap-{lang}.xml" for lang in
        ("en", "de", "fr", "es", "ja", "zh-hans"))


def test_language_sitemap_lists_urls_with_all_alternates(client, tee, markets, apparel):
    from commerce.catalog.models import ProductChannelListing

    from .conftest import make_product

    hidden = make_product(markets, apparel, slug="draft", name="Draft")
    ProductChannelListing.objects.filter(product=hidden).update(is_published=False)
    root = ElementTree.fromstring(client.get("/sitemap-de.xml").content)  # noqa: S314
    urls = {}
    for url in root.findall("sm:url", SITEMAP_NS):
        links = {link.get("hreflang"): link.get("href")
                 for link in url.findall("xhtml:link", SITEMAP_NS)}
        urls[url.find("sm:loc", SITEMAP_NS).text] = links
    product = urls["http://testserver/de/product/klassisches-t-shirt/"]
    assert set(product) == LANGS | {"x-default"}
    assert product["fr"] == "http://testserver/fr/product/t-shirt-classique/"
    assert "http://testserver/de/category/bekleidung/" in urls
    assert "http://testserver/de/pages/shipping/" in urls
    assert "http://testserver/de/" in urls
    assert not [u for u in urls if "draft" in u]
    assert client.get("/sitemap-xx.xml").status_code == 404


def test_account_and_search_pages_are_noindex(client, tee):
    for path in ("/en/account/login/", "/en/account/signup/", "/en/search/?q=tee"):
        _page, meta, *_ = head(client.get(path))
        assert meta["robots"].startswith("noindex"), path
