"""Template filters that format for the language the email is rendered in."""

from __future__ import annotations

from typing import Any

from django import template

from commerce.notifications import formatting

register = template.Library()


@register.filter
def money(amount: Any, currency: str) -> str:
    """``{{ order.total|money:order.currency }}`` → ``1.234,50 €`` in German."""
    return formatting.money(amount, currency)


@register.filter
def ldate(value: Any, tz: str | None = None) -> str:
    return formatting.date(value, tz=tz or None)


@register.filter
def ldatetime(value: Any, tz: str | None = None) -> str:
    return formatting.datetime(value, tz=tz or None)


@register.filter
def hours(spec: Any) -> list[str]:
    return formatting.opening_hours(spec)


@register.filter
def percent(value: Any) -> str:
    """``10`` → ``10%`` (en), ``10 %`` (de, fr)."""
    return formatting.percent(value)
