from __future__ import annotations

from enum import StrEnum

from commerce.core.errors import DomainError


class StoresErrorCode(StrEnum):
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    NOT_A_STORE = "not_a_store"
    PICKUP_UNAVAILABLE = "pickup_unavailable"
    WRONG_ITEM = "wrong_item"
    ALREADY_VERIFIED = "already_verified"
    NOT_VERIFIED = "not_verified"
    TRANSFER_PENDING = "transfer_pending"
    INVALID_STATUS = "invalid_status"
    INVALID_CODE = "invalid_code"
    CODE_LOCKED = "code_locked"
    CODE_EXPIRED = "code_expired"
    CLERK_LOCKED = "clerk_locked"
    PAYMENT_FAILED = "payment_failed"
    PAYMENT_NOT_CONFIGURED = "payment_not_configured"
    ROUTING = "routing"


class StoresError(DomainError):
    default_code = StoresErrorCode.INVALID.value
