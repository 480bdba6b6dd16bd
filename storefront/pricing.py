"""Prices per market.

A variant's price in a channel is the channel's fixed price
(``ProductVariantChannelListing.price_amount``) when the merchant set one;
otherwise it is derived from the variant's price in the base channel
(``STOREFRONT_BASE_CHANNEL_SLUG``) through the FX rate table and the currency's
rounding rule. Prices are in the channel's entry mode (with or without tax, as
``Channel.prices_entered_with_tax`` says); ``display_amount`` converts to the
mode the channel displays.

``variant_price`` answers one variant; pages use ``PriceBook`` with the
``price_annotations`` subqueries to price a whole page in the same query.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Q, Subquery
from django.utils import timezone

from commerce.catalog.models import ProductVariant, ProductVariantChannelListing
from commerce.channel.models import Channel
from commerce.core.money import Money, quantize

from .market import base_channel_slug
from .models import FxRate, PriceRounding
from .rounding import RoundingStrategy, get_rounding

_HUNDRED = Decimal(100)
_MONEY_FIELD = DecimalField(max_digits=20, decimal_places=3)


@dataclass(frozen=True)
class FxQuote:
    rate: Decimal
    date: date | None
    rounding: RoundingStrategy


def _tax_factor(channel: Channel) -> Decimal:
    return Decimal(1) + Decimal(channel.default_tax_rate or 0) / _HUNDRED


def fx_quote(base_currency: str, quote_currency: str, on: date | None = None) -> FxQuote | None:
    """The rate valid on ``on`` (latest dated on or before it) and the quote's rounding rule.

    One query. None when the table has no rate for the pair.
    """
    on = on or timezone.localdate()
    rounding_code = Subquery(
        PriceRounding.objects.filter(currency=quote_currency).values("strategy")[:1]
    )
    if base_currency == quote_currency:
        rule = PriceRounding.objects.filter(currency=quote_currency).values("strategy").first()
        return FxQuote(Decimal(1), None, get_rounding(rule["strategy"] if rule else None))
    row = (
        FxRate.objects.filter(base_currency=base_currency, quote_currency=quote_currency,
                              date__lte=on)
        .order_by("-date")
        .annotate(rounding_code=rounding_code)
        .values("rate", "date", "rounding_code")
        .first()
    )
    if row is None:
        return None
    return FxQuote(Decimal(row["rate"]), row["date"], get_rounding(row["rounding_code"]))


class PriceBook:
    """Prices of one channel. Loads the FX quote once, only if a price must be derived."""

    def __init__(self, channel: Channel, base_channel: Channel | None = None,
                 on: date | None = None) -> None:
        self.channel = channel
        self.currency = channel.currency_code
        self.base_channel = base_channel if base_channel and base_channel.pk != channel.pk else None
        self.on = on
        self._quote: FxQuote | None = None
        self._quote_loaded = False

    @property
    def quote(self) -> FxQuote | None:
        if not self._quote_loaded and self.base_channel is not None:
            self._quote = fx_quote(self.base_channel.currency_code, self.currency, self.on)
            self._quote_loaded = True
        return self._quote

    def derive(self, base_amount: Decimal) -> Decimal | None:
        """Convert a base-channel price into this channel's currency, tax mode and rounding."""
        base = self.base_channel
        if base is None:
            return None
        quote = self.quote
        if quote is None:
            return None
        net = base_amount / _tax_factor(base) if base.prices_entered_with_tax else base_amount
        amount = net * quote.rate
        if self.channel.prices_entered_with_tax:
            amount = amount * _tax_factor(self.channel)
        return quote.rounding.round(amount, self.currency)

    def price(self, channel_amount: Decimal | None,
              base_amount: Decimal | None) -> Money | None:
        """The price from a variant's fixed channel amount, else from its base amount."""
        if channel_amount is not None:
            return Money(quantize(Decimal(channel_amount), self.currency), self.currency)
        if base_amount is None:
            return None
        derived = self.derive(Decimal(base_amount))
        return Money(derived, self.currency) if derived is not None else None

    def sort_factor(self) -> Decimal:
        """Approximate base→channel multiplier, used only to sort derived prices in SQL."""
        base = self.base_channel
        quote = self.quote
        if base is None or quote is None:
            return Decimal(0)
        factor = quote.rate
        if base.prices_entered_with_tax:
            factor /= _tax_factor(base)
        if self.channel.prices_entered_with_tax:
            factor *= _tax_factor(self.channel)
        return factor

    def prices(self, variant_ids: Iterable[int]) -> dict[int, Money | None]:
        """Prices for many variants in one query (plus one for the FX quote if needed)."""
        ids = list(variant_ids)
        channel_ids = [self.channel.pk] + ([self.base_channel.pk] if self.base_channel else [])
        rows = ProductVariantChannelListing.objects.filter(
            variant_id__in=ids, channel_id__in=channel_ids
        ).values_list("variant_id", "channel_id", "price_amount")
        fixed: dict[int, Decimal] = {}
        base: dict[int, Decimal] = {}
        for variant_id, channel_id, amount in rows:
            if amount is None:
                continue
            (fixed if channel_id == self.channel.pk else base)[variant_id] = amount
        return {vid: self.price(fixed.get(vid), base.get(vid)) for vid in ids}


def display_amount(amount: Decimal, channel: Channel) -> Decimal:
    """A price in entry mode converted to the mode the channel displays (gross or net)."""
    if bool(channel.prices_entered_with_tax) == bool(channel.display_gross_prices):
        return amount
    if channel.prices_entered_with_tax:
        return quantize(amount / _tax_factor(channel), channel.currency_code)
    return quantize(amount * _tax_factor(channel), channel.currency_code)


def display_money(money: Money | None, channel: Channel) -> Money | None:
    if money is None:
        return None
    return Money(display_amount(money.amount, channel), money.currency)


def resolve_base_channel(channel: Channel) -> Channel | None:
    slug = base_channel_slug()
    if channel.slug == slug:
        return None
    return Channel.objects.filter(slug=slug).first()


def variant_price(variant: ProductVariant, channel: Channel) -> Money | None:
    """The price of ``variant`` in ``channel`` (entry mode), or None if it has none there.

    The channel's fixed price when set, else derived from the base channel's price
    by the FX table and the currency's rounding rule.
    """
    return variant_prices([variant.pk], channel)[variant.pk]


def variant_prices(variant_ids: Iterable[int], channel: Channel,
                   base_channel: Channel | None = None) -> dict[int, Money | None]:
    return PriceBook(channel, base_channel or resolve_base_channel(channel)).prices(variant_ids)


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
