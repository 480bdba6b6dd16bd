"""The storefront's must-show journeys in real Chromium, on the demo catalogue.

(a) A German shopper in euros searches, filters, adds two variants from the product
    page, checks out as a guest, pays by card through the Stripe sandbox (localstripe
    and its Stripe.js) and sees the confirmation in euros.
(b) A Japanese shopper sees yen without decimals on the product page, in the cart,
    at checkout and on the confirmation (the Japanese market's prices are derived
    from the base price by the FX table and its nearest-10-yen rounding).
"""

from __future__ import annotations

import re

import pytest

from commerce.demo.seed import SeedReport
from commerce.demo.shipping import ensure_shipping
from commerce.orders.models import Order
from commerce.payment.testing import localstripe, stripe_sandbox  # noqa: F401
from storefront.demo import seed_demo_catalog, seed_markets

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EUROS = re.compile(r"\d{1,3}(\.\d{3})*,\d{2}\xa0€")
YEN = re.compile(r"￥\d{1,3}(,\d{3})*")


@pytest.fixture
def shop(live_server, stripe_sandbox):  # noqa: F811
    seed_demo_catalog(products=48)
    ensure_shipping(SeedReport(), seed_markets())
    return live_server.url


def choose_market(page, base: str, language: str, country: str) -> None:  # noqa: ANN001
    page.goto(f"{base}/{language}/")
    with page.expect_navigation():
        page.select_option("#market-country", country)


def add_variant(page, index: int) -> str:  # noqa: ANN001
    """Pick the index-th buyable option on the product page and add it; returns its name."""
    option = page.locator(".add-to-cart label.variant:not(.variant-unavailable)").nth(index)
    name = option.locator(".variant-name").inner_text()
    option.locator("input[name=variant_id]").check()
    with page.expect_navigation():
        page.locator(".add-to-cart button[type=submit]").click()
    return name


def open_cart(page) -> None:  # noqa: ANN001
    with page.expect_navigation():
        page.click("a.cart-link")
    assert re.search(r"/cart/$", page.url), page.url


def fill_address(page, **fields: str) -> None:  # noqa: ANN001
    for name, value in fields.items():
        page.fill(f"[name={name}]", value)
    page.click("button.primary")
    page.check("input[name=delivery_method]")
    page.click("button.primary")


def pay(page, number: str = "4242424242424242", postal_code: str = "10117") -> None:  # noqa: ANN001
    page.wait_for_selector("#card-element input[placeholder=number]")
    page.fill("#card-element input[placeholder=number]", number)
    page.fill("#card-element input[placeholder=exp_month]", "12")
    page.fill("#card-element input[placeholder=exp_year]", "34")
    page.fill("#card-element input[placeholder=cvc]", "123")
    page.fill("#card-element input[placeholder=postal_code]", postal_code)
    page.click("#pay-button")
    page.wait_for_url(re.compile(r"/order/"), timeout=20_000)


def test_german_guest_searches_filters_adds_two_variants_and_pays_in_euros(shop, page,
                                                                           screenshot):
    choose_market(page, shop, "de", "DE")
    page.fill("#search-q", "Baumwolle")
    page.press("#search-q", "Enter")
    page.wait_for_url(re.compile(r"/de/search/\?q=Baumwolle"))
    page.locator("fieldset.facet input[value=m]").check()
    page.wait_for_url(re.compile(r"size=m"))
    assert page.locator(".product-card").count() > 0
    screenshot(page, "journey-de-search")

    # the first hit that offers at least two buyable options
    links = page.locator(".product-card > a").evaluate_all("links => links.map(a => a.href)")
    for href in links:
        page.goto(href)
        if page.locator(".add-to-cart label.variant:not(.variant-unavailable)").count() >= 2:
            break
    else:
        pytest.fail("no product in the results offers two buyable variants")
    assert EUROS.fullmatch(page.locator(".product-price .amount").inner_text())
    product = page.locator("h1").inner_text()
    first = add_variant(page, 0)
    assert page.locator(".messages").count()  # the shop confirms what went into the cart
    second = add_variant(page, 1)
    open_cart(page)

    lines = page.locator(".cart-line")
    assert lines.count() == 2
    cart_text = lines.all_inner_texts()
    # each line says which option it is, in German, like the product page did
    assert first != second
    assert any(first in t for t in cart_text) and any(second in t for t in cart_text)
    assert all(product in t for t in cart_text)
    assert EUROS.search(page.locator(".totals .subtotal").inner_text())
    screenshot(page, "journey-de-cart")

    page.click(".checkout-button")
    page.fill("[name=email]", "erika@example.de")
    fill_address(page, first_name="Erika", last_name="Mustermann",
                 street_address_1="Unter den Linden 1", postal_code="10117", city="Berlin")
    total = page.locator(".totals .total").inner_text()
    assert EUROS.search(total), total
    pay(page)
    screenshot(page, "journey-de-confirmation")

    order = Order.objects.get()
    assert order.currency == "EUR" and order.language_code == "de"
    assert str(order.number) in page.locator("h1.confirmation").inner_text()
    assert EUROS.search(page.locator(".totals .total").inner_text())
    assert page.locator(".totals .total").inner_text() == total
    assert order.lines.count() == 2
    # the confirmation names each option in German, as the cart did
    confirmed = page.locator(".order-line").all_inner_texts()
    assert any(first in t for t in confirmed) and any(second in t for t in confirmed)
    assert all(product in t for t in confirmed)


def test_japanese_shopper_sees_whole_yen_from_product_to_confirmation(shop, page, screenshot):
    choose_market(page, shop, "ja", "JP")
    page.locator(".product-card a").first.click()
    page.wait_for_url(re.compile(r"/ja/product/"))
    product_price = page.locator(".product-price .amount").inner_text()
    assert YEN.fullmatch(product_price), product_price
    add_variant(page, 0)
    open_cart(page)

    assert YEN.fullmatch(page.locator(".cart-line .unit-price").first.inner_text().strip())
    subtotal = page.locator(".totals .subtotal").inner_text()
    assert YEN.search(subtotal) and "." not in subtotal, subtotal
    assert product_price in subtotal  # one unit: the cart charges what the page showed
    screenshot(page, "journey-ja-cart")

    page.click(".checkout-button")
    page.fill("[name=email]", "taro@example.jp")
    if page.locator("select[name=country_area]").count():
        page.select_option("select[name=country_area]", value="東京都")
    else:
        page.fill("[name=country_area]", "東京都")
    # a Japanese address has no city line: prefecture, then the street in the ward
    fill_address(page, first_name="Taro", last_name="Yamada",
                 street_address_1="千代田区千代田1-1", postal_code="100-0001")
    total = page.locator(".totals .total").inner_text()
    assert YEN.search(total) and "." not in total, total
    pay(page, postal_code="1000001")
    screenshot(page, "journey-ja-confirmation")

    order = Order.objects.get()
    assert order.currency == "JPY"
    assert order.total_gross_amount == order.total_gross_amount.to_integral_value()
    confirmation_total = page.locator(".totals .total").inner_text()
    assert confirmation_total == total and "." not in confirmation_total
