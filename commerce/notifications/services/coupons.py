"""Single-use coupons (birthday flow), checked and redeemed by the checkout."""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commerce.core.errors import DomainError
from commerce.core.money import quantize

from ..models import Coupon

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: readable from an email


class CouponErrorCode(StrEnum):
    NOT_FOUND = "coupon_not_found"
    NOT_YET_VALID = "coupon_not_yet_valid"
    EXPIRED = "coupon_expired"
    ALREADY_USED = "coupon_already_used"
    WRONG_CUSTOMER = "coupon_wrong_customer"
    WRONG_CHANNEL = "coupon_wrong_channel"


class CouponError(DomainError):
    default_code = CouponErrorCode.NOT_FOUND.value


def coupon_code(prefix: str = "BDAY") -> str:
    body = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"{prefix}-{body[:4]}-{body[4:]}"


def _normalize(code: str) -> str:
    return (code or "").strip().upper()


def _check(coupon: Coupon, customer: Any, channel: Any, now: datetime) -> None:
    if coupon.redeemed_at is not None:
        raise CouponError(_("This coupon has already been used."),
                          code=CouponErrorCode.ALREADY_USED, field="code")
    if now < coupon.valid_from:
        raise CouponError(_("This coupon is not valid yet."),
                          code=CouponErrorCode.NOT_YET_VALID, field="code")
    if now >= coupon.valid_until:
        raise CouponError(_("This coupon has expired."), code=CouponErrorCode.EXPIRED,
                          field="code")
    if coupon.customer_id is not None and getattr(customer, "pk", None) != coupon.customer_id:
        raise CouponError(_("This coupon belongs to another customer."),
                          code=CouponErrorCode.WRONG_CUSTOMER, field="code")
    if coupon.channel_id is not None and channel is not None and channel.pk != coupon.channel_id:
        raise CouponError(_("This coupon cannot be used in this shop."),
                          code=CouponErrorCode.WRONG_CHANNEL, field="code")


def coupon_check(code: str, customer: Any = None, *, channel: Any = None,
                 now: datetime | None = None) -> Coupon:
    """Read-only: the coupon if ``customer`` could redeem it now, else CouponError."""
    coupon = Coupon.objects.filter(code=_normalize(code)).first()
    if coupon is None:
        raise CouponError(_("Unknown coupon code."), code=CouponErrorCode.NOT_FOUND, field="code")
    _check(coupon, customer, channel, now or timezone.now())
    return coupon


def coupon_discount(coupon: Coupon, subtotal: Decimal, currency: str) -> Decimal:
    """Discount amount for a subtotal, rounded to the currency (JPY has no cents)."""
    return quantize(Decimal(subtotal) * coupon.percent_off / Decimal(100), currency)


def coupon_redeem(code: str, customer: Any, order: Any, *, channel: Any = None,
                  now: datetime | None = None) -> Coupon:
    """Use a coupon for ``order``, once. Race-safe: the row is locked, so of two
    checkouts redeeming the same code at once exactly one succeeds; the other
    gets ``coupon_already_used``. Redeeming again for the same order is a no-op."""
    now = now or timezone.now()
    with transaction.atomic():
        coupon = Coupon.objects.select_for_update().filter(code=_normalize(code)).first()
        if coupon is None:
            raise CouponError(_("Unknown coupon code."), code=CouponErrorCode.NOT_FOUND,
                              field="code")
        if coupon.redeemed_at is not None and order is not None \
                and coupon.redeemed_order_id == order.pk:
            return coupon
        _check(coupon, customer, channel if channel is not None else getattr(order, "channel", None),
               now)
        coupon.redeemed_at = now
        coupon.redeemed_order = order
        coupon.save(update_fields=["redeemed_at", "redeemed_order"])
        return coupon


def coupon_release(code: str, order: Any) -> bool:
    """Give a coupon back when the order that used it is cancelled before payment."""
    return bool(Coupon.objects.filter(code=_normalize(code), redeemed_order=order)
                .update(redeemed_at=None, redeemed_order=None))
