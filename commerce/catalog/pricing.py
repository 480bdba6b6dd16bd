"""Channel prices as shoppers see them: net, gross and tax from the channel's tax settings.

Mirrors the arithmetic of ``orders.services.order_create`` so a price shown in the
catalogue is the price an order line gets.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from commerce.channel.models import Channel
from commerce.core.money import Money, quantize


@dataclass(frozen=True)
class TaxedMoney:
    net: Money
    gross: Money

    @property
    def currency(self) -> str:
        return self.gross.currency

    @property
    def tax(self) -> Money:
        return self.gross - self.net


@dataclass(frozen=True)
class TaxedMoneyRange:
    start: TaxedMoney
    stop: TaxedMoney


def taxed_price(amount: Decimal, channel: Channel) -> TaxedMoney:
    """A listed channel price split into net and gross with the channel's default tax rate."""
    currency = channel.currency_code
    rate = Decimal(channel.default_tax_rate or 0) / Decimal(100)
    price = quantize(Decimal(amount), currency)
    if channel.prices_entered_with_tax:
        gross, net = price, quantize(price / (1 + rate), currency)
    else:
        net, gross = price, quantize(price * (1 + rate), currency)
    return TaxedMoney(net=Money(net, currency), gross=Money(gross, currency))


def price_range(amounts: Iterable[Decimal], channel: Channel) -> TaxedMoneyRange | None:
    """Cheapest to dearest of the given listed prices; None when nothing is priced."""
    values = [a for a in amounts if a is not None]
    if not values:
        return None
    return TaxedMoneyRange(start=taxed_price(min(values), channel),
                           stop=taxed_price(max(values), channel))
