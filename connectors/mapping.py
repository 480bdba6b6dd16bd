"""Helpers every connector's mappers share: strict reading of marketplace values.

A marketplace payload can carry anything (missing fields, "1e309", negative
quantities): these helpers turn it into Decimal/int/aware datetime or raise
MappingError with a message that says what was wrong, never guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.base import LocationQuantity

MAX_AMOUNT = Decimal("1e12")
MAX_QUANTITY = 1_000_000


class MappingError(ValueError):
    """The marketplace sent something we cannot read; the message says what."""


def money(value: Any, what: str) -> Decimal:
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise MappingError(f"{what}: {value!r} is not an amount") from exc
    if not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
        raise MappingError(f"{what}: {value!r} is out of range")
    return amount


def quantity(value: Any, what: str) -> int:
    if isinstance(value, bool) or value is None:
        raise MappingError(f"{what}: {value!r} is not a quantity")
    try:
        number_ = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise MappingError(f"{what}: {value!r} is not a quantity") from exc
    if not number_.is_finite() or number_ != number_.to_integral_value():
        raise MappingError(f"{what}: {value!r} is not a whole number")
    result = int(number_)
    if result < 0 or result > MAX_QUANTITY:
        raise MappingError(f"{what}: {value!r} is out of range")
    return result


def instant(value: Any, what: str) -> datetime:
    if not isinstance(value, str) or not value:
        raise MappingError(f"{what} is missing")
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise MappingError(f"{what}: {value!r} is not an ISO 8601 time") from exc
    return dt.astimezone(UTC) if dt.tzinfo else dt.replace(tzinfo=UTC)


def check_locations(sku: str, qty: int | None, locations: Sequence[LocationQuantity]) -> None:
    """Refuse a per-location split that names no location or does not add up."""
    if not locations:
        return
    if any(not loc.location_id or loc.quantity < 0 for loc in locations):
        raise MappingError(f"{sku}: every location needs an id and a quantity of 0 or more")
    if qty is not None and qty != sum(loc.quantity for loc in locations):
        raise MappingError(f"{sku}: quantity {qty} is not the sum of its locations")
