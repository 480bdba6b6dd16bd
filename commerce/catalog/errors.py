from __future__ import annotations

from enum import Enum

from commerce.core.errors import DomainError


class CatalogErrorCode(str, Enum):
    SLUG_CLASH = "unique"
    NOT_FOUND = "not_found"
    INVALID_LANGUAGE = "invalid_language"
    CURRENCY_MISMATCH = "currency_mismatch"
    INVALID_PRICE = "invalid_price"
    REQUIRED = "required"


class CatalogError(DomainError):
    default_code = CatalogErrorCode.NOT_FOUND.value
