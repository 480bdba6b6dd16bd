"""Reading prices: FX rates in force, rounding rules, and a variant's price in a channel.

``FxRates`` is the one way to read the FX table. Make one per request or per batch
(a storefront page, a cart, a hub sync batch): it loads every currency pair it is asked
for, in both directions, in one query and keeps them, with the rounding rules of the
currencies involved.

A variant's price in a channel is the channel's fixed price
(``ProductVariantChannelListing.price_amount``) when the merchant set one; otherwise it
is derived from the variant's price in the base channel (``PRICING_BASE_CHANNEL_SLUG``)
through the FX rate in force today and the channel currency's rounding rule, in the
channel's entry mode (with or without tax, as ``Channel.prices_entered_with_tax`` says).
``PriceBook`` holds that rule for one channel; ``market_unit_prices`` applies it to a
whole cart at once (the default ``CHECKOUT_PRICE_RESOLVER``), so the product page, the
cart, the order and the payment all show one price.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from commerce.catalog.models import ProductVariant, ProductVariantChannelListing
from commerce.channel.models import Channel
from commerce.core.money import Money, quantize

from .models import FxRate, PriceRounding
from .rounding import RoundingStrategy, get_rounding

_HUNDRED = Decimal(100)
Pair = tuple[str, str]


# --------------------------------------------------------------------------- FX rates


@dataclass(frozen=True)
class RateInForce:
    """How many quote units one base unit buys, and since when."""

    rate: Decimal
    effective_date: date
    inverse: bool = False  # worked out from a rate entered for the other direction


@dataclass(frozen=True)
class FxQuote:
    rate: Decimal
    date: date | None  # None: same currency, nothing to convert
    rounding: RoundingStrategy


def _rounding_of(field: str) -> Subquery:
    return Subquery(PriceRounding.objects.filter(currency=OuterRef(field)).values("strategy")[:1])


class FxRates:
    """FX rates in force on one date, loaded in bulk and cached for this object's life.

    The rate in force for ``base → quote`` is the one with the latest effective date on
    or before ``on``, whether it was entered in that direction or as ``quote → base``
    (then its inverse is used); on the same date the rate entered in the asked direction
    wins.
    """

    def __init__(self, on: date | None = None) -> None:
        self.on = on or timezone.localdate()
        self._rates: dict[Pair, RateInForce | None] = {}
        self._roundings: dict[str, str | None] = {}
        self._all_roundings_loaded = False

    def preload(self, pairs: Iterable[Pair]) -> None:
        """Fetch the rates of every pair not yet known (both directions) in one query,
        with the rounding rules of their currencies."""
        wanted = {(b.upper(), q.upper()) for b, q in pairs if b and q and b.upper() != q.upper()}
        wanted -= set(self._rates)
        if not wanted:
            return
        cond = Q()
        for base, quote in wanted:
            cond |= Q(base_currency=base, quote_currency=quote)
            cond |= Q(base_currency=quote, quote_currency=base)
        rows = (
            FxRate.objects.filter(cond, effective_date__lte=self.on)
            .order_by("base_currency", "quote_currency", "-effective_date")
            .distinct("base_currency", "quote_currency")
            .annotate(base_rounding=_rounding_of("base_currency"),
                      quote_rounding=_rounding_of("quote_currency"))
            .values_list("base_currency", "quote_currency", "rate", "effective_date",
                         "base_rounding", "quote_rounding")
        )
        latest: dict[Pair, tuple[Decimal, date]] = {}
        for base, quote, rate, effective, base_rounding, quote_rounding in rows:
            latest[(base, quote)] = (Decimal(rate), effective)
            self._roundings.setdefault(base, base_rounding)
            self._roundings.setdefault(quote, quote_rounding)
        for base, quote in wanted:
            direct, inverse = latest.get((base, quote)), latest.get((quote, base))
            if direct is not None and (inverse is None or direct[1] >= inverse[1]):
                self._rates[(base, quote)] = RateInForce(direct[0], direct[1])
            elif inverse is not None:
                self._rates[(base, quote)] = RateInForce(Decimal(1) / inverse[0], inverse[1],
                                                         inverse=True)
            else:
                self._rates[(base, quote)] = None

    def in_force(self, base: str, quote: str) -> RateInForce | None:
        """The rate in force for ``base → quote`` (None: the table has none yet)."""
        base, quote = base.upper(), quote.upper()
        if base == quote:
            return RateInForce(Decimal(1), self.on)
        if (base, quote) not in self._rates:
            self.preload([(base, quote)])
        return self._rates[(base, quote)]

    def rate(self, base: str, quote: str) -> Decimal | None:
        found = self.in_force(base, quote)
        return found.rate if found is not None else None

    def rounding(self, currency: str) -> RoundingStrategy:
        """The rounding rule of ``currency`` (the currency precision when none is set)."""
        currency = currency.upper()
        if currency not in self._roundings and not self._all_roundings_loaded:
            self._roundings.update(PriceRounding.objects.values_list("currency", "strategy"))
            self._all_roundings_loaded = True
        return get_rounding(self._roundings.get(currency))

    def quote(self, base: str, quote: str) -> FxQuote | None:
        """Rate in force and the quote currency's rounding rule (usually one query)."""
        found = self.in_force(base, quote)
        if found is None:
            return None
        same = base.upper() == quote.upper()
        return FxQuote(found.rate, None if same else found.effective_date, self.rounding(quote))


def fx_rate(base: str, quote: str, on: date | None = None) -> Decimal | None:
    """The ``base → quote`` rate in force on ``on`` (today by default); one query."""
    return FxRates(on).rate(base, quote)


# --------------------------------------------------------------------------- market prices


def base_channel_slug() -> str:
    return getattr(settings, "PRICING_BASE_CHANNEL_SLUG", "") or settings.DEFAULT_CHANNEL_SLUG


def base_channel_for(channel: Channel) -> Channel | None:
    """The channel whose prices derive ``channel``'s missing ones (None: it is the base)."""
    slug = base_channel_slug()
    if channel.slug == slug:
        return None
    return Channel.objects.filter(slug=slug).first()


def tax_factor(channel: Channel) -> Decimal:
    return Decimal(1) + Decimal(channel.default_tax_rate or 0) / _HUNDRED


class PriceBook:
    """Prices of one channel. Loads the FX quote once, only if a price must be derived."""

    def __init__(self, channel: Channel, base_channel: Channel | None = None,
                 on: date | None = None, rates: FxRates | None = None) -> None:
        self.channel = channel
        self.currency = channel.currency_code
        self.base_channel = base_channel if base_channel and base_channel.pk != channel.pk else None
        self.rates = rates if rates is not None else FxRates(on)
        self.on = self.rates.on
        self._quote: FxQuote | None = None
        self._quote_loaded = False

    @property
    def quote(self) -> FxQuote | None:
        if not self._quote_loaded and self.base_channel is not None:
            self._quote = self.rates.quote(self.base_channel.currency_code, self.currency)
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
        net = base_amount / tax_factor(base) if base.prices_entered_with_tax else base_amount
        amount = net * quote.rate
        if self.channel.prices_entered_with_tax:
            amount = amount * tax_factor(self.channel)
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
            factor /= tax_factor(base)
        if self.channel.prices_entered_with_tax:
            factor *= tax_factor(self.channel)
        return factor

    def prices(self, variant_ids: Iterable[int]) -> dict[int, Money | None]:
        """Prices for many variants in one query (plus one for the FX quote if needed)."""
        ids = list(variant_ids)
        channel_ids = [self.channel.pk] + ([self.base_channel.pk] if self.base_channel else [])
        rows = ProductVariantChannelListing.objects.filter(
            variant_id__in=ids, channel_id__in=channel_ids
        ).values_list("variant_id", "channel_id", "price_amount")
        return self._prices(ids, rows)

    def _prices(self, ids: list[int], rows: Iterable[tuple[int, int, Decimal | None]]
                ) -> dict[int, Money | None]:
        fixed: dict[int, Decimal] = {}
        base: dict[int, Decimal] = {}
        for variant_id, channel_id, amount in rows:
            if amount is None:
                continue
            if channel_id == self.channel.pk:
                fixed[variant_id] = amount
            elif self.base_channel is not None and channel_id == self.base_channel.pk:
                base[variant_id] = amount
        return {vid: self.price(fixed.get(vid), base.get(vid)) for vid in ids}


def variant_prices(variant_ids: Iterable[int], channel: Channel,
                   base_channel: Channel | None = None) -> dict[int, Money | None]:
    """Prices of many variants in ``channel`` (entry mode; None: not sold there)."""
    return PriceBook(channel, base_channel or base_channel_for(channel)).prices(variant_ids)


def _prefetched_listings(variant: ProductVariant) -> list[ProductVariantChannelListing] | None:
    cache = getattr(variant, "_prefetched_objects_cache", {})
    return list(cache["channel_listings"]) if "channel_listings" in cache else None


def market_unit_prices(variants: Sequence[ProductVariant], channel: Channel
                       ) -> dict[int, Money | None]:
    """What a shopper of ``channel`` pays for one unit of each variant, as the product page
    shows it: the fixed price, else the FX-derived one (entry mode; None: not sold there).

    The bulk ``CHECKOUT_PRICE_RESOLVER``: a whole cart costs at most three queries (listings
    unless prefetched as ``channel_listings``, the base channel and the FX quote only when a
    price must be derived), whatever its number of lines.
    """
    ids = [v.pk for v in variants]
    prefetched = [_prefetched_listings(v) for v in variants]
    rows: list[tuple[int, int, Decimal | None]] | None = None
    if all(p is not None for p in prefetched):
        rows = [(row.variant_id, row.channel_id, row.price_amount)
                for listings in prefetched for row in listings or ()]
        fixed = {vid for vid, channel_id, amount in rows
                 if channel_id == channel.pk and amount is not None}
        if fixed.issuperset(ids):
            return PriceBook(channel)._prices(ids, rows)  # every line has a fixed price
    book = PriceBook(channel, base_channel_for(channel))
    if rows is None:
        return book.prices(ids)
    return book._prices(ids, rows)
