"""The one FX table: which rate is in force on a date, inverse rates, bulk loading."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from commerce.core.money import Money
from commerce.pricing import hooks, services
from commerce.pricing.models import FxRate, PriceRounding
from commerce.pricing.selectors import FxRates, fx_rate, market_unit_prices
from commerce.tests.factories import (
    ChannelFactory,
    ProductFactory,
    VariantFactory,
    VariantListingFactory,
)

pytestmark = pytest.mark.django_db
D = Decimal
DAY = date(2025, 3, 10)


def rate(base: str, quote: str, value: str, on: date) -> FxRate:
    return FxRate.objects.create(base_currency=base, quote_currency=quote, rate=D(value),
                                 effective_date=on)


def test_the_rate_in_force_is_the_latest_effective_on_or_before_the_date():
    rate("USD", "JPY", "140", DAY - timedelta(days=30))
    rate("USD", "JPY", "150", DAY)
    rate("USD", "JPY", "999", DAY + timedelta(days=1))

    assert fx_rate("USD", "JPY", DAY) == D("150")
    assert fx_rate("usd", "jpy", DAY - timedelta(days=1)) == D("140")
    assert fx_rate("USD", "JPY", DAY + timedelta(days=5)) == D("999")
    assert fx_rate("USD", "JPY", DAY - timedelta(days=31)) is None
    assert fx_rate("JPY", "JPY", DAY) == D(1)


def test_a_rate_entered_the_other_way_round_counts_as_its_inverse_if_it_is_newer():
    rate("EUR", "USD", "1.25", DAY - timedelta(days=10))
    assert fx_rate("USD", "EUR", DAY) == D("0.8")
    rate("USD", "EUR", "0.90", DAY - timedelta(days=20))  # older than the inverse
    assert fx_rate("USD", "EUR", DAY) == D("0.8")
    rate("USD", "EUR", "0.95", DAY - timedelta(days=10))  # same day: the asked direction wins
    assert fx_rate("USD", "EUR", DAY) == D("0.95")
    found = FxRates(DAY).in_force("EUR", "USD")
    assert found is not None and found.rate == D("1.25") and not found.inverse


def test_a_batch_loads_every_pair_and_its_rounding_rules_in_one_query(
        django_assert_num_queries):
    rate("USD", "EUR", "0.92", DAY)
    rate("USD", "JPY", "150", DAY)
    rate("GBP", "USD", "1.25", DAY)
    PriceRounding.objects.create(currency="JPY", strategy="nearest-10")
    rates = FxRates(DAY)
    with django_assert_num_queries(1):
        rates.preload([("USD", "EUR"), ("USD", "JPY"), ("USD", "GBP"), ("USD", "CHF")])
    with django_assert_num_queries(0):
        assert rates.rate("USD", "EUR") == D("0.92")
        assert rates.rate("USD", "GBP") == D("0.8")
        assert rates.rate("USD", "CHF") is None
        quote = rates.quote("USD", "JPY")
        assert quote is not None and quote.rate == D("150") and quote.date == DAY
        assert quote.rounding.code == "nearest-10"


def test_rates_are_validated():
    with pytest.raises(ValidationError):
        FxRate(base_currency="usd", quote_currency="usd", rate=D("1")).full_clean()
    with pytest.raises(ValidationError):
        FxRate(base_currency="USD", quote_currency="XXY", rate=D("1")).full_clean()
    with pytest.raises(ValidationError):
        FxRate(base_currency="USD", quote_currency="EUR", rate=D("0")).full_clean()
    with pytest.raises(ValidationError):
        PriceRounding(currency="EUR", strategy="banana").full_clean()


def test_saving_and_deleting_rates_tells_the_listeners_the_currencies():
    heard: list[set[str]] = []
    hooks.register_fx_rates_changed_listener(heard.append)
    try:
        fx = services.fx_rate_save(FxRate(base_currency="usd", quote_currency="eur",
                                           rate=D("0.9"), effective_date=DAY))
        fx.quote_currency = "GBP"
        services.fx_rate_save(fx)
        services.fx_rates_delete([fx])
    finally:
        hooks.unregister_fx_rates_changed_listener(heard.append)
    assert heard == [{"USD", "EUR"}, {"USD", "EUR", "GBP"}, {"USD", "GBP"}]
    assert not FxRate.objects.exists()


def test_market_unit_prices_fixed_else_derived_for_a_whole_cart_in_three_queries(
        settings, django_assert_num_queries):
    settings.PRICING_BASE_CHANNEL_SLUG = "us"
    us = ChannelFactory(slug="us", currency_code="USD", prices_entered_with_tax=False,
                        default_tax_rate=D("0"))
    jp = ChannelFactory(slug="jp", currency_code="JPY", prices_entered_with_tax=True,
                        default_tax_rate=D("10"))
    FxRate.objects.create(base_currency="USD", quote_currency="JPY", rate=D("150"),
                          effective_date=date.today() - timedelta(days=1))
    PriceRounding.objects.create(currency="JPY", strategy="nearest-100")
    variants = []
    for n, (usd, jpy) in enumerate([("10.00", None), ("20.00", "2500"), (None, None),
                                    ("7.77", None)]):
        variant = VariantFactory(product=ProductFactory(), sku=f"V{n}")
        if usd:
            VariantListingFactory(variant=variant, channel=us, price_amount=D(usd))
        if jpy:
            VariantListingFactory(variant=variant, channel=jp, price_amount=D(jpy))
        variants.append(variant)
    with django_assert_num_queries(3):  # base channel, listings, FX quote
        prices = market_unit_prices(variants, jp)
    # 10 × 150 × 1.1 = 1,650 → 1,700; 7.77 × 150 × 1.1 = 1,282.05 → 1,300
    assert [prices[v.pk] for v in variants] == [
        Money(D("1700"), "JPY"), Money(D("2500"), "JPY"), None, Money(D("1300"), "JPY")]
    assert market_unit_prices(variants, us)[variants[0].pk] == Money(D("10.00"), "USD")
