"""Checkout prices and totals, computed on the server from the catalog every time.

Nothing a browser or API client sends is trusted: unit prices come from one bulk
price resolver (``settings.CHECKOUT_PRICE_RESOLVER``; by default the price the
product page shows: the channel's fixed price, else FX-derived, see
``commerce.pricing``), called once for all lines of a cart; taxes follow the
channel's settings exactly as ``order_create`` applies them, so the amount charged
is the order's total to the cent (or yen).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from django.utils.module_loading import import_string

from commerce.catalog.models import ProductVariant
from commerce.channel.models import Channel
from commerce.core.money import Money, quantize

from .models import Checkout, CheckoutLine

# (variants, channel) -> {variant id: unit price as entered, or None when not sold there}
PriceResolver = Callable[[Sequence[ProductVariant], Channel], "dict[int, Money | None]"]


def channel_listing_prices(variants: Sequence[ProductVariant], channel: Channel
                           ) -> dict[int, Money | None]:
    """The variants' fixed prices in the channel only (prefetched listings when present,
    else one query)."""
    if all("channel_listings" in getattr(v, "_prefetched_objects_cache", {}) for v in variants):
        listings = {row.variant_id: row for v in variants for row in v.channel_listings.all()
                    if row.channel_id == channel.pk}
    else:
        listings = {row.variant_id: row for row in channel.variant_listings.filter(
            variant_id__in=[v.pk for v in variants])}
    prices: dict[int, Money | None] = {}
    for variant in variants:
        listing = listings.get(variant.pk)
        prices[variant.pk] = None if listing is None or listing.price_amount is None else Money(
            Decimal(listing.price_amount), listing.currency or channel.currency_code)
    return prices


@lru_cache(maxsize=4)
def _load_resolver(path: str) -> PriceResolver:
    return import_string(path)


def variant_unit_prices(variants: Sequence[ProductVariant], channel: Channel
                        ) -> dict[int, Money | None]:
    """What a shopper of ``channel`` pays per unit of each variant, as the merchant entered
    it (None: not sold in this channel, or priced in another currency)."""
    if not variants:
        return {}
    prices = _load_resolver(settings.CHECKOUT_PRICE_RESOLVER)(variants, channel)
    chargeable: dict[int, Money | None] = {}
    for variant in variants:
        price = prices.get(variant.pk)
        # a price in another currency cannot be charged here
        chargeable[variant.pk] = price if price and price.currency == channel.currency_code \
            else None
    return chargeable


def variant_unit_price(variant: ProductVariant, channel: Channel) -> Money | None:
    """One variant's unit price (see ``variant_unit_prices``; use that for many)."""
    return variant_unit_prices([variant], channel)[variant.pk]


def gross_price(amount: Decimal, channel: Channel) -> Decimal:
    """Tax-inclusive unit price, rounded as ``order_create`` rounds it."""
    currency = channel.currency_code
    if channel.prices_entered_with_tax:
        return quantize(amount, currency)
    rate = channel.default_tax_rate / Decimal(100)
    return quantize(quantize(amount, currency) * (1 + rate), currency)


@dataclass
class LineInfo:
    line: CheckoutLine
    variant: ProductVariant
    quantity: int
    unit_price: Money | None  # as entered (None: not sold in this channel)
    unit_gross: Money | None
    total_gross: Money | None

    @property
    def product_name(self) -> str:
        return self.variant.product.name


@dataclass
class CheckoutTotals:
    currency: str
    lines: list[LineInfo]
    subtotal: Money
    shipping: Money
    total: Money
    quantity: int
    weight_grams: int


def checkout_line_infos(checkout: Checkout, lines: Sequence[CheckoutLine] | None = None
                        ) -> list[LineInfo]:
    channel = checkout.channel
    if lines is None:
        lines = list(
            checkout.lines.select_related("variant__product__product_type").prefetch_related(
                "variant__channel_listings", "variant__product__channel_listings"
            )
        )
    prices = variant_unit_prices([line.variant for line in lines], channel)
    infos = []
    for line in lines:
        unit = prices[line.variant_id]
        gross = Money(gross_price(unit.amount, channel), channel.currency_code) if unit else None
        infos.append(LineInfo(line=line, variant=line.variant, quantity=line.quantity,
                              unit_price=unit, unit_gross=gross,
                              total_gross=gross * line.quantity if gross else None))
    return infos


def checkout_weight_grams(infos: Sequence[LineInfo]) -> int:
    return sum((info.variant.weight_grams or 0) * info.quantity for info in infos)


def checkout_totals(checkout: Checkout, infos: Sequence[LineInfo] | None = None,
                    shipping: Money | None = None) -> CheckoutTotals:
    """Subtotal, delivery and total of a checkout in its channel's currency."""
    from .delivery import checkout_delivery_option  # delivery prices need the lines too

    currency = checkout.channel.currency_code
    infos = list(infos if infos is not None else checkout_line_infos(checkout))
    subtotal = Money(Decimal(0), currency)
    for info in infos:
        if info.total_gross is not None:
            subtotal = subtotal + info.total_gross
    if shipping is None:
        option = checkout_delivery_option(checkout, infos)
        shipping = option.price if option else Money(Decimal(0), currency)
    shipping = Money(quantize(shipping.amount, currency), shipping.currency)
    return CheckoutTotals(currency=currency, lines=infos, subtotal=subtotal, shipping=shipping,
                          total=subtotal + shipping, quantity=sum(i.quantity for i in infos),
                          weight_grams=checkout_weight_grams(infos))
