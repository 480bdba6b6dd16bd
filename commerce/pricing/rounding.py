"""Swappable rounding rules for prices derived by FX conversion.

A rule turns a converted amount (``21.874 EUR``) into a shelf price
(``21.99 EUR``). Rules are strategy objects in a registry; a merchant picks one
per currency (``PriceRounding``) and code can register more.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from commerce.core.money import quantize


class RoundingStrategy(ABC):
    code: str
    label: str | Promise

    @abstractmethod
    def round(self, amount: Decimal, currency: str) -> Decimal:
        """Return the shelf price for ``amount`` (never negative)."""


class CurrencyPrecision(RoundingStrategy):
    """Round half up to the currency's minor unit (cents; whole yen)."""

    code = "precision"
    label = _("Currency precision (0.01; whole yen)")

    def round(self, amount: Decimal, currency: str) -> Decimal:
        return quantize(max(amount, Decimal(0)), currency)


class WholeUnits(RoundingStrategy):
    code = "whole"
    label = _("Whole units (e.g. 22.00)")

    def round(self, amount: Decimal, currency: str) -> Decimal:
        return quantize(max(amount, Decimal(0)).quantize(Decimal(1), rounding=ROUND_HALF_UP),
                        currency)


class NearestMultiple(RoundingStrategy):
    """Round half up to a multiple of ``step`` (e.g. nearest 10 yen)."""

    def __init__(self, code: str, step: Decimal, label: str | Promise) -> None:
        self.code = code
        self.step = step
        self.label = label

    def round(self, amount: Decimal, currency: str) -> Decimal:
        units = (max(amount, Decimal(0)) / self.step).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return quantize(units * self.step, currency)


class PriceEnding(RoundingStrategy):
    """Charm pricing: the nearest price ending in ``ending`` (21.90 → 21.99; 22.10 → 21.99)."""

    def __init__(self, code: str, ending: Decimal, label: str | Promise) -> None:
        self.code = code
        self.ending = ending
        self.label = label

    def round(self, amount: Decimal, currency: str) -> Decimal:
        amount = max(amount, Decimal(0))
        whole = amount.to_integral_value(rounding=ROUND_FLOOR)
        candidates = [whole + offset + self.ending for offset in (-1, 0, 1)]
        candidates = [c for c in candidates if c >= self.ending]
        best = min(candidates, key=lambda c: (abs(c - amount), -c))  # ties round up
        return quantize(best, currency)


ROUNDING_STRATEGIES: dict[str, RoundingStrategy] = {}


def register_rounding(strategy: RoundingStrategy) -> RoundingStrategy:
    """Add a rule to the registry (its ``code`` is what PriceRounding stores)."""
    ROUNDING_STRATEGIES[strategy.code] = strategy
    return strategy


for _strategy in (
    CurrencyPrecision(),
    PriceEnding("ending-99", Decimal("0.99"), _("Nearest .99 (e.g. 21.99)")),
    PriceEnding("ending-95", Decimal("0.95"), _("Nearest .95 (e.g. 21.95)")),
    WholeUnits(),
    NearestMultiple("nearest-10", Decimal(10), _("Nearest 10 (e.g. ¥1,230)")),
    NearestMultiple("nearest-100", Decimal(100), _("Nearest 100 (e.g. ¥1,200)")),
):
    register_rounding(_strategy)

DEFAULT_ROUNDING = "precision"


def get_rounding(code: str | None) -> RoundingStrategy:
    return ROUNDING_STRATEGIES.get(code or DEFAULT_ROUNDING) or ROUNDING_STRATEGIES[DEFAULT_ROUNDING]


def rounding_choices() -> list[tuple[str, str]]:
    return [(code, str(s.label)) for code, s in ROUNDING_STRATEGIES.items()]
