"""Prices per market, as the storefront shows them.

The rule (the channel's fixed price, else derived from the base channel by the FX
table and the currency's rounding rule) lives in ``commerce.pricing``: the product
page, the cart, the order and the payment all use it. This module adds what only
pages need: conversion to the channel's display mode (with or without tax) and the
``price_annotations`` subqueries that price a whole page of variants in the page's
own query (``PriceBook.price`` turns the annotated amounts into prices).
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Q, Subquery

from commerce.catalog.models import ProductVariant, ProductVariantChannelListing
from commerce.channel.models import Channel
from commerce.core.money import Money, quantize
from commerce.pricing.selectors import (
    FxQuote,
    FxRates,
    PriceBook,
    base_channel_for,
    tax_factor,
    variant_prices,
)

__all__ = ["FxQuote", "FxRates", "PriceBook", "display_amount", "display_money",
           "price_annotations", "resolve_base_channel", "variant_price", "variant_prices"]

_MONEY_FIELD = DecimalField(max_digits=20, decimal_places=3)


def display_amount(amount: Decimal, channel: Channel) -> Decimal:
    """A price in entry mode converted to the mode the channel displays (gross or net)."""
    if bool(channel.prices_entered_with_tax) == bool(channel.display_gross_prices):
        return amount
    if channel.prices_entered_with_tax:
        return quantize(amount / tax_factor(channel), channel.currency_code)
    return quantize(amount * tax_factor(channel), channel.currency_code)


def display_money(money: Money | None, channel: Channel) -> Money | None:
    if money is None:
        return None
    return Money(display_amount(money.amount, channel), money.currency)


def resolve_base_channel(channel: Channel) -> Channel | None:
    return base_channel_for(channel)


def variant_price(variant: ProductVariant, channel: Channel) -> Money | None:
    """The price of ``variant`` in ``channel`` (entry mode), or None if it has none there.

    The channel's fixed price when set, else derived from the base channel's price
    by the FX table and the currency's rounding rule.
    """
    return variant_prices([variant.pk], channel)[variant.pk]


def price_annotations(channel: Channel, base_channel: Channel | None,
                      variant_ref: str = "pk") -> dict[str, Subquery]:
    """Subqueries adding ``channel_price_amount`` and ``base_price_amount`` to a variant query."""

    def amount_in(ch: Channel) -> Subquery:
        return Subquery(
            ProductVariantChannelListing.objects.filter(
                Q(variant_id=OuterRef(variant_ref)) & Q(channel_id=ch.pk)
            ).values("price_amount")[:1],
            output_field=_MONEY_FIELD,
        )

    annotations = {"channel_price_amount": amount_in(channel)}
    if base_channel is not None and base_channel.pk != channel.pk:
        annotations["base_price_amount"] = amount_in(base_channel)
    return annotations
