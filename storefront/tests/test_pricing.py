from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.translation import override

from commerce.catalog.models import ProductVariant, ProductVariantChannelListing
from commerce.core.money import Money
from commerce.pricing.models import FxRate, PriceRounding
from commerce.pricing.rounding import (
    ROUNDING_STRATEGIES,
    RoundingStrategy,
    get_rounding,
    register_rounding,
)
from storefront.pricing import PriceBook, display_amount, variant_price, variant_prices
from storefront.templatetags.storefront import money

from .conftest import make_product

D = Decimal


@pytest.mark.parametrize(("code", "amount", "currency", "expected"), [
    ("precision", "21.875", "EUR", "21.88"),
    ("precision", "1234.5", "JPY", "1235"),
    ("ending-99", "21.90", "EUR", "21.99"),
    ("ending-99", "22.10", "EUR", "21.99"),
    ("ending-99", "22.60", "EUR", "22.99"),
    ("ending-99", "0.20", "EUR", "0.99"),
    ("ending-95", "21.40", "GBP", "20.95"),
    ("ending-95", "21.60", "GBP", "21.95"),
    ("whole", "21.49", "CNY", "21.00"),
    ("whole", "21.50", "CNY", "22.00"),
    ("nearest-10", "1234", "JPY", "1230"),
    ("nearest-10", "1235", "JPY", "1240"),
    ("nearest-100", "1249", "JPY", "1200"),
])
def test_rounding_rules_make_shelf_prices(code, amount, currency, expected):
    assert get_rounding(code).round(D(amount), currency) == D(expected)


def test_a_rounding_rule_is_a_swappable_strategy(markets, tee):
    class UpToFive(RoundingStrategy):
        code = "up-to-5"
        label = "Up to the next 5"

        def round(self, amount, currency):
            return (amount / 5).to_integral_value(rounding="ROUND_CEILING") * 5

    register_rounding(UpToFive())
    try:
        PriceRounding.objects.filter(currency="JPY").update(strategy="up-to-5")
        variant = ProductVariant.objects.get(sku="TEE-S")
        # 24.50 USD x 150 = 3675 net, +10 % tax = 4042.5 -> next multiple of 5
        assert variant_price(variant, markets.jp) == Money(D("4045"), "JPY")
    finally:
        ROUNDING_STRATEGIES.pop("up-to-5")


def test_fixed_channel_price_wins_over_fx(markets, tee):
    variant = ProductVariant.objects.get(sku="TEE-S")
    assert variant_price(variant, markets.eu) == Money(D("1234.50"), "EUR")
    assert variant_price(variant, markets.us) == Money(D("24.50"), "USD")


def test_missing_price_is_derived_from_base_by_fx_tax_and_rounding(markets, tee):
    variant = ProductVariant.objects.get(sku="TEE-M")
    # USD 24.50 (net) x 150 = 3675 JPY net; JP prices include 10 % tax: 4042.5; nearest 10
    assert variant_price(variant, markets.jp) == Money(D("4040"), "JPY")


def test_derived_euro_price_uses_the_euro_rounding_rule(markets, apparel):
    product = make_product(markets, apparel, slug="hoodie", name="Hoodie", usd="20.00")
    variant = product.variants.get()
    # 20 x 0.92 = 18.40 net, x 1.19 = 21.896 -> nearest .99 -> 21.99
    assert variant_price(variant, markets.eu) == Money(D("21.99"), "EUR")


def test_the_latest_rate_valid_today_applies_not_a_future_one(markets, apparel):
    product = make_product(markets, apparel, slug="hoodie", name="Hoodie", usd="20.00")
    variant = product.variants.get()
    today = timezone.localdate()
    FxRate.objects.create(base_currency="USD", quote_currency="JPY", rate=D("160"),
                          effective_date=today)
    FxRate.objects.create(base_currency="USD", quote_currency="JPY", rate=D("999"),
                          effective_date=today + timedelta(days=3))
    # 20 x 160 = 3200, + 10 % = 3520
    assert variant_price(variant, markets.jp) == Money(D("3520"), "JPY")


def test_no_rate_and_no_fixed_price_means_not_for_sale(markets, apparel):
    product = make_product(markets, apparel, slug="hoodie", name="Hoodie", usd="20.00")
    FxRate.objects.filter(quote_currency="JPY").delete()
    assert variant_price(product.variants.get(), markets.jp) is None


def test_variant_without_any_price_has_none(markets, apparel):
    product = make_product(markets, apparel, slug="ghost", name="Ghost", usd=None)
    assert variant_price(product.variants.get(), markets.eu) is None


def test_price_book_prices_many_variants_with_two_queries(markets, tee,
                                                          django_assert_num_queries):
    ids = list(ProductVariant.objects.values_list("pk", flat=True))
    book = PriceBook(markets.jp, markets.us)
    with django_assert_num_queries(2):  # the listings, then the FX quote
        prices = book.prices(ids)
    assert set(prices.values()) == {Money(D("4040"), "JPY")}


def test_variant_prices_helper(markets, tee):
    ids = list(ProductVariant.objects.values_list("pk", flat=True))
    assert set(variant_prices(ids, markets.eu).values()) == {Money(D("1234.50"), "EUR")}


def test_net_display_of_gross_prices(markets):
    markets.eu.display_gross_prices = False
    assert display_amount(D("119.00"), markets.eu) == D("100.00")
    markets.us.display_gross_prices = True
    markets.us.default_tax_rate = D("8")
    assert display_amount(D("100.00"), markets.us) == D("108.00")


@pytest.mark.parametrize(("language", "amount", "currency", "expected"), [
    ("de", "1234.50", "EUR", "1.234,50\xa0€"),
    ("ja", "1234.50", "JPY", "￥1,235"),
    ("en", "1234.50", "USD", "$1,234.50"),
    ("fr", "1234.50", "EUR", "1\u202f234,50\xa0€"),
    ("es", "1234.50", "EUR", "1.234,50\xa0€"),
    ("zh-hans", "1234.50", "CNY", "¥1,234.50"),
    ("en", "1234.50", "KRW", "₩1,235"),
])
def test_money_is_formatted_for_the_shoppers_language(language, amount, currency, expected):
    with override(language):
        assert money(Money(D(amount), currency)) == expected


def test_money_filter_accepts_amount_and_currency_and_ignores_garbage():
    with override("de"):
        assert money("19.5", "eur") == "19,50\xa0€"
        assert money("not a number", "EUR") == "not a number"
        assert money(None) == ""


def test_listing_price_is_stored_not_derived(markets, tee):
    # the storefront never writes derived prices back: the fixed listing stays the source
    assert not ProductVariantChannelListing.objects.filter(channel=markets.jp).exists()
