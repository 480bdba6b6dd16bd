"""Money for people: Babel formats per locale and currency (``1.234,50 €``, ``￥1,235``).

TODO(lead): once the storefront branch's money filter is merged, templates may use it;
this helper gives the same Babel output for the checkout pages.
"""

from __future__ import annotations

from babel.numbers import format_currency
from django.utils.translation import get_language, to_locale

from commerce.core.money import Money, quantize


def babel_locale() -> str:
    return to_locale(get_language() or "en")


def money(value: Money | None) -> str:
    if value is None:
        return ""
    amount = quantize(value.amount, value.currency)
    try:
        return format_currency(amount, value.currency, locale=babel_locale())
    except (ValueError, LookupError):
        return format_currency(amount, value.currency, locale="en")
