"""Hub domain errors: a code per failure, a field and a message (never a 500)."""

from __future__ import annotations

from enum import Enum

from commerce.core.errors import DomainError


class HubErrorCode(str, Enum):  # noqa: UP042  (STYLE.md: (str, Enum) error codes)
    INVALID = "invalid"
    REQUIRED = "required"
    NOT_MARKETPLACE = "not_marketplace"
    CONNECTOR_UNAVAILABLE = "connector_unavailable"
    ACCOUNT_PAUSED = "account_paused"
    NO_PRICE = "no_price"
    NO_FX_RATE = "no_fx_rate"
    INVALID_STATUS = "invalid_status"
    NOT_IMPORTED = "not_imported"
    UNKNOWN_SKU = "unknown_sku"
    INVALID_PAYLOAD = "invalid_payload"
    CURRENCY_MISMATCH = "currency_mismatch"


class HubError(DomainError):
    default_code = HubErrorCode.INVALID.value


class PricingError(HubError):
    """A listing's price cannot be worked out (no source price, no FX rate)."""

    default_code = HubErrorCode.NO_PRICE.value
