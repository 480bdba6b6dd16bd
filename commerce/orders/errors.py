from __future__ import annotations

from enum import Enum

from commerce.core.errors import DomainError


class OrderErrorCode(str, Enum):
    INVALID_QUANTITY = "invalid_quantity"
    UNKNOWN_SKU = "unknown_sku"
    CURRENCY_MISMATCH = "currency_mismatch"
    DUPLICATE_EXTERNAL_ID = "duplicate_external_id"
    NO_LINES = "no_lines"
    NOT_AVAILABLE_IN_CHANNEL = "not_available_in_channel"
    INVALID_PRICE = "invalid_price"
    INVALID_STATUS = "invalid_status"
    NOTHING_TO_FULFIL = "nothing_to_fulfil"


class OrderError(DomainError):
    default_code = OrderErrorCode.NO_LINES.value
