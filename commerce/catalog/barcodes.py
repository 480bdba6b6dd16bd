"""GTIN (EAN-13, EAN-8, UPC-A, GTIN-14) check digits: GS1's mod-10 weighting."""

from __future__ import annotations

GTIN_LENGTHS = (8, 12, 13, 14)


def gtin_check_digit(body: str) -> int:
    """Check digit for the digits of a GTIN without its last digit."""
    if not body.isdigit():
        raise ValueError("a GTIN is digits only")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def is_valid_gtin(code: str) -> bool:
    return (code.isdigit() and len(code) in GTIN_LENGTHS
            and gtin_check_digit(code[:-1]) == int(code[-1]))


def ean13(body12: str) -> str:
    """Complete a 12-digit body to an EAN-13."""
    if len(body12) != 12:
        raise ValueError("EAN-13 body must be 12 digits")
    return body12 + str(gtin_check_digit(body12))
