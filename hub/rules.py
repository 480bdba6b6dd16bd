"""Price and quantity rules as swappable strategy objects (django-oscar strategy style).

A small selector picks the strategy from the listing's rule kind; adding a rule
kind means adding a class and one registry entry, never an if-ladder in the
sync engine.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Protocol

from django.db.models import Q
from django.utils.translation import gettext as _

from commerce.catalog.models import ProductVariantChannelListing
from commerce.core.money import quantize
from commerce.pricing.selectors import FxRates

from . import clock
from .errors import HubErrorCode, PricingError
from .models import PriceRule, PriceRuleKind, QuantityRule, QuantityRuleKind

if TYPE_CHECKING:
    from .models import Listing


# --------------------------------------------------------------------------- quantity


class QuantityStrategy(Protocol):
    def quantity(self, available: int, rule: QuantityRule | None) -> int: ...


class MirrorAvailable:
    """Offer every available unit."""

    def quantity(self, available: int, rule: QuantityRule | None) -> int:
        return max(int(available), 0)


class ShareOfAvailable:
    """Offer a percentage of the available units, keep a buffer back, cap at a maximum."""

    def quantity(self, available: int, rule: QuantityRule | None) -> int:
        if rule is None:
            return max(int(available), 0)
        share = (Decimal(max(available, 0)) * rule.percent_of_available / Decimal(100))
        units = int(share.to_integral_value(rounding=ROUND_FLOOR)) - int(rule.buffer_units)
        if rule.max_units is not None:
            units = min(units, int(rule.max_units))
        return max(units, 0)


QUANTITY_STRATEGIES: dict[str, QuantityStrategy] = {
    QuantityRuleKind.SHARE: ShareOfAvailable(),
    QuantityRuleKind.MIRROR: MirrorAvailable(),
}


def quantity_rule_for(listing: Listing) -> QuantityRule | None:
    return listing.quantity_rule or listing.account.default_quantity_rule


def quantity_strategy_for(rule: QuantityRule | None) -> QuantityStrategy:
    if rule is None:
        return QUANTITY_STRATEGIES[QuantityRuleKind.MIRROR]
    return QUANTITY_STRATEGIES.get(rule.kind, QUANTITY_STRATEGIES[QuantityRuleKind.SHARE])


def listing_quantity(listing: Listing, available: int) -> int:
    rule = quantity_rule_for(listing)
    return quantity_strategy_for(rule).quantity(available, rule)


# --------------------------------------------------------------------------- price


def apply_ending(amount: Decimal, ending: Decimal | None, currency: str) -> Decimal:
    """Round ``amount`` up to the nearest price ending in ``ending`` (12.30 → 12.99 for
    ending 0.99; 1234 → 1239 for ending 9), then to the currency's precision."""
    amount = Decimal(amount)
    if ending is None:
        return quantize(amount, currency)
    ending = Decimal(ending)
    # The step is the power of ten just above the ending: 0.99 → 1, 9 → 10, 490 → 1000.
    step = Decimal(10) ** (math.floor(math.log10(ending)) + 1) if ending > 0 else Decimal(1)
    if ending >= step:  # exact powers of ten, e.g. ending 10
        step *= 10
    base = (amount / step).to_integral_value(rounding=ROUND_FLOOR) * step
    candidate = base + ending
    if candidate < amount:
        candidate += step
    return quantize(candidate, currency)


class PriceContext:
    """Loads channel prices and FX rates for a batch of listings once (no N+1)."""

    def __init__(self, on: date | None = None) -> None:
        self.on = on or clock.now().date()
        self.rates = FxRates(self.on)
        self._prices: dict[tuple[int, int], tuple[Decimal | None, str]] = {}
        self._loaded: set[tuple[int, int]] = set()

    def preload(self, listings: Iterable[Listing]) -> None:
        listings = list(listings)
        wanted: set[tuple[int, int]] = set()
        for listing in listings:
            wanted.add((listing.account.channel_id, listing.variant_id))
            rule = price_rule_for(listing)
            if rule is not None and rule.source_channel_id:
                wanted.add((rule.source_channel_id, listing.variant_id))
        self._load(wanted - self._loaded)
        pairs = set()
        for listing in listings:
            rule = price_rule_for(listing)
            if rule is None or rule.kind != PriceRuleKind.DERIVED or not rule.source_channel_id:
                continue
            found = self._prices.get((rule.source_channel_id, listing.variant_id))
            if found is not None:
                pairs.add((found[1], listing.account.channel.currency_code))
        self.rates.preload(pairs)  # every rate the batch needs, in one query

    def _load(self, pairs: set[tuple[int, int]]) -> None:
        if not pairs:
            return
        cond = Q()
        by_channel: dict[int, set[int]] = {}
        for channel_id, variant_id in pairs:
            by_channel.setdefault(channel_id, set()).add(variant_id)
        for channel_id, variant_ids in by_channel.items():
            cond |= Q(channel_id=channel_id, variant_id__in=variant_ids)
        rows = ProductVariantChannelListing.objects.filter(cond).values_list(
            "channel_id", "variant_id", "price_amount", "currency")
        for channel_id, variant_id, amount, currency in rows:
            self._prices[(channel_id, variant_id)] = (amount, currency)
        self._loaded |= pairs

    def channel_price(self, channel_id: int, variant_id: int) -> tuple[Decimal, str] | None:
        self._load({(channel_id, variant_id)} - self._loaded)
        found = self._prices.get((channel_id, variant_id))
        if not found or found[0] is None:
            return None
        return Decimal(found[0]), found[1]

    def fx_rate(self, base: str, quote: str) -> Decimal:
        """The rate in force on ``on`` from the one FX table (commerce.pricing)."""
        rate = self.rates.rate(base, quote)
        if rate is None:
            raise PricingError(
                _("No FX rate from %(base)s to %(quote)s valid on %(on)s.")
                % {"base": base.upper(), "quote": quote.upper(), "on": self.on},
                code=HubErrorCode.NO_FX_RATE, field="price_rule",
            )
        return rate


class PriceStrategy(Protocol):
    def price(self, listing: Listing, rule: PriceRule | None, ctx: PriceContext) -> Decimal: ...


def _markup(amount: Decimal, rule: PriceRule | None) -> Decimal:
    if rule is None or not rule.markup_percent:
        return amount
    return amount * (Decimal(1) + Decimal(rule.markup_percent) / Decimal(100))


class FixedPrice:
    """The price typed on the listing itself."""

    def price(self, listing: Listing, rule: PriceRule | None, ctx: PriceContext) -> Decimal:
        assert listing.fixed_price is not None
        return quantize(Decimal(listing.fixed_price), listing.account.channel.currency_code)


class ChannelPrice:
    """The variant's price in the marketplace channel itself, with the rule's markup/ending."""

    def price(self, listing: Listing, rule: PriceRule | None, ctx: PriceContext) -> Decimal:
        channel = listing.account.channel
        found = ctx.channel_price(channel.pk, listing.variant_id)
        if found is None:
            raise PricingError(
                _("%(sku)s has no price in channel %(channel)s.")
                % {"sku": listing.variant.sku, "channel": channel.slug},
                code=HubErrorCode.NO_PRICE, field="price",
            )
        amount, _currency = found
        ending = rule.rounding_ending if rule else None
        return apply_ending(_markup(amount, rule), ending, channel.currency_code)


class DerivedPrice:
    """Another channel's price, converted by FX, plus markup, rounded to an ending."""

    def price(self, listing: Listing, rule: PriceRule | None, ctx: PriceContext) -> Decimal:
        channel = listing.account.channel
        if rule is None or rule.source_channel_id is None:
            raise PricingError(_("Price rule “%(rule)s” names no source channel.")
                               % {"rule": rule}, code=HubErrorCode.NO_PRICE, field="price_rule")
        found = ctx.channel_price(rule.source_channel_id, listing.variant_id)
        if found is None:
            raise PricingError(
                _("%(sku)s has no price in the source channel of rule “%(rule)s”.")
                % {"sku": listing.variant.sku, "rule": rule.name},
                code=HubErrorCode.NO_PRICE, field="price_rule",
            )
        amount, currency = found
        converted = amount * ctx.fx_rate(currency, channel.currency_code)
        return apply_ending(_markup(converted, rule), rule.rounding_ending, channel.currency_code)


PRICE_STRATEGIES: dict[str, PriceStrategy] = {
    PriceRuleKind.CHANNEL: ChannelPrice(),
    PriceRuleKind.DERIVED: DerivedPrice(),
}
FIXED_PRICE = FixedPrice()


def price_rule_for(listing: Listing) -> PriceRule | None:
    return listing.price_rule or listing.account.default_price_rule


def price_strategy_for(listing: Listing) -> PriceStrategy:
    if listing.fixed_price is not None:
        return FIXED_PRICE
    rule = price_rule_for(listing)
    if rule is None:
        return PRICE_STRATEGIES[PriceRuleKind.CHANNEL]
    return PRICE_STRATEGIES.get(rule.kind, PRICE_STRATEGIES[PriceRuleKind.CHANNEL])


def listing_price(listing: Listing, ctx: PriceContext | None = None) -> Decimal:
    """The price the marketplace should show; PricingError when it cannot be worked out."""
    ctx = ctx or PriceContext()
    return price_strategy_for(listing).price(listing, price_rule_for(listing), ctx)
