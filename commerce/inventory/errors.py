from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from django.utils.translation import gettext as _

from commerce.core.errors import DomainError


class InventoryErrorCode(str, Enum):
    INSUFFICIENT_STOCK = "insufficient_stock"
    INVALID_QUANTITY = "invalid_quantity"
    NEGATIVE_STOCK = "negative_stock"
    NOT_FOUND = "not_found"
    NO_WAREHOUSE = "no_warehouse"
    NOT_ALLOCATED = "not_allocated"


class InventoryError(DomainError):
    default_code = InventoryErrorCode.INSUFFICIENT_STOCK.value


@dataclass(frozen=True)
class ShortLine:
    """A line that could not be served: what was asked and what was there."""

    variant_id: int
    sku: str
    requested: int
    available: int
    line_reference: str = ""


class InsufficientStock(InventoryError):
    def __init__(self, items: list[ShortLine]) -> None:
        skus = ", ".join(f"{i.sku} ({i.available} of {i.requested})" for i in items)
        super().__init__(
            _("Not enough stock for: %(skus)s") % {"skus": skus},
            code=InventoryErrorCode.INSUFFICIENT_STOCK,
            field="quantity",
        )
        self.items = items
