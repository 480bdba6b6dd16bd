"""A shopper browses the real pages in Chromium: German, euros, language switching."""

from __future__ import annotations

import re

import pytest

from storefront.demo import seed_demo_catalog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(live_server):
    seed_demo_catalog(products=48)
    return live_server.url


def test_german_shopper_browses_home_category_product_in_euros(shop, page, screenshot):
    page.goto(f"{shop}/de/")
    assert page.locator("html").get_attribute("lang") == "de"
    # the shopper picks their country; the selector submits itself (progressive enhancement)
    # the URL is /de/ before and after, so wait for the navigation itself, not the URL
    with page.expect_navigation():
        page.select_option("#market-country", "DE")
    assert re.search(r"/de/$", page.url), page.url
    assert page.locator(".market-currency").inner_text() == "EUR"
    first_price = page.locator(".product-card .amount").first.inner_text()
    assert re.fullmatch(r"\d{1,3}(\.\d{3})*,\d{2}\xa0€", first_price), first_price
    screenshot(page, "de-home")

    page.locator(".category-nav a", has_text="Bekleidung").click()
    page.wait_for_url(re.compile(r"/de/category/bekleidung/"))
    assert page.locator("h1").inner_text() == "Bekleidung"
    cards = page.locator(".product-card")
    assert cards.count() > 0
    prices = cards.locator(".amount").all_inner_texts()
    assert prices and all(p.endswith("€") for p in prices)
    screenshot(page, "de-category")

    cards.first.locator("a").first.click()
    page.wait_for_url(re.compile(r"/de/product/"))
    assert page.locator(".product-price .amount").inner_text().endswith("€")
    assert page.locator(".product-price .tax-label").inner_text() == "inkl. MwSt."
    assert page.locator("input[name=variant_id]").count() >= 2
    assert page.locator(".breadcrumbs").inner_text().startswith("Start")
    screenshot(page, "de-product")


def test_switching_language_on_a_product_lands_on_its_translated_url(shop, page, screenshot):
    page.context.add_cookies([{"name": "market_country", "value": "JP", "url": shop}])
    page.goto(f"{shop}/de/category/t-shirts/")
    page.locator(".product-card a").first.click()
    page.wait_for_url(re.compile(r"/de/product/"))
    german_name = page.locator("h1").inner_text()
    assert page.locator(".product-price .amount").inner_text().endswith("¥")

    page.locator(".language-switcher summary").click()
    page.locator(".language-switcher a[hreflang=ja]").click()
    page.wait_for_url(re.compile(r"/ja/product/"))
    japanese_name = page.locator("h1").inner_text()
    assert "Tシャツ" in japanese_name and japanese_name != german_name
    yen = page.locator(".product-price .amount").inner_text()
    assert re.fullmatch(r"￥\d{1,3}(,\d{3})*", yen), yen  # no decimals in yen
    screenshot(page, "ja-product")

    page.locator(".language-switcher summary").click()
    page.locator(".language-switcher a[hreflang=fr]").click()
    page.wait_for_url(re.compile(r"/fr/product/t-shirt-"))
    assert page.locator("h1").inner_text().startswith("T-shirt")


def test_search_and_filter_without_javascript_help(shop, page, screenshot):
    page.goto(f"{shop}/de/")
    page.fill("#search-q", "Baumwolle")
    page.press("#search-q", "Enter")
    page.wait_for_url(re.compile(r"/de/search/\?q=Baumwolle"))
    total = page.locator(".product-card").count()
    assert total > 0
    # ticking a filter submits the form (JS); the URL keeps the query
    page.locator("fieldset.facet input[value=s]").check()
    page.wait_for_url(re.compile(r"size=s"))
    assert "q=Baumwolle" in page.url
    assert 0 < page.locator(".product-card").count() <= total
    screenshot(page, "de-search-filtered")


def test_noir_theme_looks_different(shop, browser, screenshot):
    from django.test import override_settings

    from storefront.tests.test_themes import theme_settings

    def look(theme: str) -> tuple[str, int]:
        context = browser.new_context()  # no stylesheet cached from the other theme
        page = context.new_page()
        try:
            page.goto(f"{shop}/en/")
            screenshot(page, f"theme-{theme}")
            return (page.evaluate("getComputedStyle(document.body).backgroundColor"),
                    page.locator(".noir-masthead").count())
        finally:
            context.close()

    assert look("default") == ("rgb(255, 255, 255)", 0)
    with override_settings(**theme_settings("noir")):
        assert look("noir") == ("rgb(14, 14, 16)", 1)


def test_mobile_layout_without_horizontal_scroll(shop, browser, screenshot):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(f"{shop}/de/category/bekleidung/")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, width
        screenshot(page, "mobile-category")
    finally:
        context.close()
