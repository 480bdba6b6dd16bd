"""Price and quantity rules: strategies picked by the listing's rule, FX, endings."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from commerce.channel.models import ChannelKind
from commerce.pricing.models import FxRate
from commerce.tests.factories import ChannelFactory, VariantListingFactory
from hub.errors import PricingError
from hub.models import PriceRule, PriceRuleKind, QuantityRule, QuantityRuleKind
from hub.rules import (
    ChannelPrice,
    DerivedPrice,
    FixedPrice,
    MirrorAvailable,
    ShareOfAvailable,
    apply_ending,
    listing_price,
    listing_quantity,
    price_strategy_for,
    quantity_strategy_for,
)
from hub.services import listing_update, sync_drain

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("amount", "ending", "currency", "expected"), [
    ("12.30", "0.99", "EUR", "12.99"),
    ("12.99", "0.99", "EUR", "12.99"),
    ("13.00", "0.99", "EUR", "13.99"),
    ("12.30", None, "EUR", "12.30"),
    ("1234", "9", "JPY", "1239"),
    ("1240", "9", "JPY", "1249"),
    ("1234", "80", "JPY", "1280"),
    ("12.31", "0.05", "USD", "12.35"),
    ("12.3456", "0", "USD", "13.00"),
])
def test_price_endings_round_up(amount, ending, currency, expected):
    result = apply_ending(Decimal(amount), Decimal(ending) if ending else None, currency)
    assert result == Decimal(expected)


@pytest.mark.parametrize(("available", "percent", "buffer", "cap", "expected"), [
    (10, 100, 0, None, 10),
    (10, 50, 0, None, 5),
    (10, 100, 2, None, 8),
    (10, 100, 0, 3, 3),
    (1, 100, 2, None, 0),
    (7, 50, 1, 10, 2),  # floor(3.5) − 1
])
def test_share_of_available(available, percent, buffer, cap, expected):
    rule = QuantityRule(name="r", kind=QuantityRuleKind.SHARE, percent_of_available=percent,
                        buffer_units=buffer, max_units=cap)
    assert ShareOfAvailable().quantity(available, rule) == expected


def test_strategies_are_picked_by_the_rule_kind(listing):
    assert isinstance(quantity_strategy_for(None), MirrorAvailable)
    rule = QuantityRule.objects.create(name="half", kind=QuantityRuleKind.SHARE,
                                       percent_of_available=50)
    assert isinstance(quantity_strategy_for(rule), ShareOfAvailable)
    assert isinstance(price_strategy_for(listing), ChannelPrice)
    listing.price_rule = PriceRule(name="fx", kind=PriceRuleKind.DERIVED)
    assert isinstance(price_strategy_for(listing), DerivedPrice)
    listing.fixed_price = Decimal("9.99")
    assert isinstance(price_strategy_for(listing), FixedPrice)


def test_quantity_rule_is_applied_to_the_push(listing, market):
    rule = QuantityRule.objects.create(name="keep two", kind=QuantityRuleKind.SHARE,
                                       buffer_units=2, max_units=5)
    listing_update(listing, quantity_rule=rule)
    sync_drain(listing.account_id)
    assert market.offers["TEE-RED-M"].quantity == 5  # min(10 − 2, 5)
    assert listing_quantity(listing, 4) == 4  # no rule loaded on this instance: mirror


def test_derived_price_converts_by_fx_adds_markup_and_rounds(listing, market, warehouses):
    eu = ChannelFactory(slug="eu", name="EU", currency_code="EUR", kind=ChannelKind.STOREFRONT)
    VariantListingFactory(variant=listing.variant, channel=eu, price_amount=Decimal("10.00"))
    FxRate.objects.create(base_currency="EUR", quote_currency="USD", rate=Decimal("1.10"),
                          effective_date=date.today() - timedelta(days=3))
    FxRate.objects.create(base_currency="EUR", quote_currency="USD", rate=Decimal("1.20"),
                          effective_date=date.today())
    FxRate.objects.create(base_currency="EUR", quote_currency="USD", rate=Decimal("9.99"),
                          effective_date=date.today() + timedelta(days=1))  # not valid yet
    rule = PriceRule.objects.create(name="EU +15%", kind=PriceRuleKind.DERIVED, source_channel=eu,
                                    markup_percent=Decimal("15"), rounding_ending=Decimal("0.99"))
    listing_update(listing, price_rule=rule)
    sync_drain(listing.account_id)
    # 10 EUR × 1.20 = 12.00 USD, +15 % = 13.80, ending .99 → 13.99
    assert market.offers["TEE-RED-M"].price == Decimal("13.99")


def test_inverse_fx_rate_is_used_when_only_the_other_direction_exists(listing):
    jp = ChannelFactory(slug="jp", name="JP", currency_code="JPY", kind=ChannelKind.STOREFRONT)
    VariantListingFactory(variant=listing.variant, channel=jp, price_amount=Decimal("1500"))
    FxRate.objects.create(base_currency="USD", quote_currency="JPY", rate=Decimal("150"),
                          effective_date=date.today())
    listing.price_rule = PriceRule.objects.create(name="from JP", kind=PriceRuleKind.DERIVED,
                                                  source_channel=jp)
    assert listing_price(listing) == Decimal("10.00")


def test_missing_fx_rate_is_a_clear_error_and_stock_still_syncs(listing, market, warehouses):
    from hub.tests.conftest import receive

    gb = ChannelFactory(slug="gb", name="GB", currency_code="GBP", kind=ChannelKind.STOREFRONT)
    VariantListingFactory(variant=listing.variant, channel=gb, price_amount=Decimal("8"))
    rule = PriceRule.objects.create(name="from GB", kind=PriceRuleKind.DERIVED, source_channel=gb)
    listing.price_rule = rule
    with pytest.raises(PricingError) as exc:
        listing_price(listing)
    assert exc.value.code == "no_fx_rate" and "GBP" in exc.value.message
    listing_update(listing, price_rule=rule)
    receive(listing.variant, warehouses[0], 2)
    sync_drain(listing.account_id)
    listing.refresh_from_db()
    offer = market.offers["TEE-RED-M"]
    assert offer.quantity == 12 and offer.price == Decimal("20.000")  # price left alone
    assert "No FX rate from GBP to USD" in listing.last_sync_result


def test_fixed_price_overrides_rules(listing, market):
    listing_update(listing, fixed_price="17.5")
    sync_drain(listing.account_id)
    assert market.offers["TEE-RED-M"].price == Decimal("17.50")


def test_bad_fixed_price_is_refused(listing):
    from hub.errors import HubError

    with pytest.raises(HubError) as exc:
        listing_update(listing, fixed_price="-3")
    assert exc.value.field == "fixed_price"


def test_a_rate_entered_in_the_fx_admin_pushes_new_derived_prices(listing, market, warehouses):
    from commerce.pricing.services import fx_rate_save

    eu = ChannelFactory(slug="eu", name="EU", currency_code="EUR", kind=ChannelKind.STOREFRONT)
    VariantListingFactory(variant=listing.variant, channel=eu, price_amount=Decimal("10.00"))
    FxRate.objects.create(base_currency="EUR", quote_currency="USD", rate=Decimal("1.10"),
                          effective_date=date.today() - timedelta(days=1))
    rule = PriceRule.objects.create(name="EU", kind=PriceRuleKind.DERIVED, source_channel=eu)
    listing_update(listing, price_rule=rule)
    sync_drain(listing.account_id)
    assert market.offers["TEE-RED-M"].price == Decimal("11.00")

    fx_rate_save(FxRate(base_currency="EUR", quote_currency="USD", rate=Decimal("1.30"),
                        effective_date=date.today()))
    sync_drain(listing.account_id)
    assert market.offers["TEE-RED-M"].price == Decimal("13.00")
