"""Domain errors: every business failure carries a machine code, a field and a message.

Views render them as form errors or HTTP 4xx, GraphQL as ``{field, message, code}``.
"""

from __future__ import annotations

from enum import Enum
from typing import Any


class DomainError(Exception):
    """Base class for expected business errors (never a 500)."""

    default_code: str = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | Enum | None = None,
        field: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = str(message)
        raw = code if code is not None else self.default_code
        self.code = raw.value if isinstance(raw, Enum) else str(raw)
        self.field = field
        self.params = params or {}

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "message": self.message, "code": self.code}


class ValidationFailed(DomainError):
    """Several field errors found at once; nothing was written."""

    def __init__(self, errors: list[DomainError]) -> None:
        super().__init__(
            "; ".join(e.message for e in errors), code=errors[0].code, field=errors[0].field
        )
        self.errors = errors
