"""Sample data for previewing every email in every language (admin preview)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from . import conf

SAMPLE_CURRENCY = {"en": "USD", "de": "EUR", "fr": "EUR", "es": "EUR", "ja": "JPY",
                   "zh-hans": "CNY"}
_NAMES = {"en": "Ada", "de": "Grete", "fr": "Camille", "es": "Lucía", "ja": "さくら",
          "zh-hans": "小明"}


def _order(currency: str, now: dt.datetime, pickup: bool = False) -> dict[str, Any]:
    factor = Decimal(150) if currency == "JPY" else Decimal(7) if currency == "CNY" else Decimal(1)
    lines: list[dict[str, Any]] = [
        {"name": "Linen shirt", "variant": "M / Sand", "sku": "SHIRT-M-SAND", "quantity": 2,
         "unit_price": Decimal("49.90") * factor, "total": Decimal("99.80") * factor},
        {"name": "Canvas tote", "variant": "", "sku": "TOTE-1", "quantity": 1,
         "unit_price": Decimal("1134.70") * factor, "total": Decimal("1134.70") * factor},
    ]
    subtotal: Decimal = sum((ln["total"] for ln in lines), Decimal(0))
    shipping = Decimal(0) if pickup else Decimal("5.90") * factor
    return {
        "number": 10042, "currency": currency, "created_at": now - dt.timedelta(days=1),
        "customer_name": "", "lines": lines, "subtotal": subtotal, "shipping": shipping,
        "total": subtotal + shipping, "shipping_method": "" if pickup else "DHL Express",
        "shipping_address": [] if pickup else ["Ada Lovelace", "Unter den Linden 1",
                                               "10117 Berlin", "Germany"],
        "is_pickup": pickup,
    }


_STORE = {
    "name": "Berlin Mitte store", "address": ["Rosenthaler Str. 40", "10178 Berlin", "Germany"],
    "phone": "+49 30 1234567", "timezone": "Europe/Berlin",
    "hours": [{"days": [0, 1, 2, 3, 4], "opens": "10:00", "closes": "20:00"},
              {"days": [5], "opens": "10:00", "closes": "18:00"}],
}


def sample_context(kind: str, language: str) -> dict[str, Any]:
    now = timezone.now()
    currency = SAMPLE_CURRENCY.get(language, "USD")
    base = f"{conf.public_url()}/{language}"
    order = _order(currency, now, pickup=kind in {"order_confirmation_pickup", "ready_for_pickup",
                                                  "pickup_reminder", "picked_up"})
    ctx: dict[str, Any] = {"recipient_name": _NAMES.get(language, "Ada"), "order": order,
                           "store": _STORE}
    hold = now + dt.timedelta(days=3)
    extra: dict[str, dict[str, Any]] = {
        "account_confirmation": {"confirm_url": f"{base}/account/confirm/sample/"},
        "password_reset": {"reset_url": f"{base}/account/password/reset/MQ/sample/",
                           "valid_hours": 24},
        "marketing_confirmation": {"confirm_url": f"{base}/email/confirm/sample/"},
        "payment_failed": {"reason": "Your card was declined.", "retry_url": f"{base}/checkout/"},
        "checkout_payment_failed": {"reason": "Your card was declined.", "lines": order["lines"],
                                    "subtotal": order["subtotal"], "currency": currency,
                                    "restore_url": f"{base}/cart/"},
        "order_shipped": {"carrier": "DHL", "tracking_number": "JD014600006281230704",
                          "tracking_url": "https://www.dhl.com/"},
        "ready_for_pickup": {"pickup_code": "7Q4-K9M", "hold_until": hold},
        "pickup_reminder": {"pickup_code": "7Q4-K9M", "hold_until": hold},
        "order_cancelled": {"reason": ""},
        "order_refunded": {"refund_amount": order["total"], "refund_currency": currency},
        "abandoned_checkout_1": {"lines": order["lines"], "subtotal": order["subtotal"],
                                 "currency": currency, "restore_url": f"{base}/cart/"},
        "abandoned_checkout_2": {"lines": order["lines"], "subtotal": order["subtotal"],
                                 "currency": currency, "restore_url": f"{base}/cart/"},
        "review_request": {"score_urls": [(s, f"{base}/feedback/sample/{s}/") for s in range(11)]},
        "birthday": {"coupon_code": "BDAY-7QK4-M9XP", "percent_off": Decimal("15"),
                     "valid_until": now + dt.timedelta(days=14)},
        "winback": {"last_order_at": now - dt.timedelta(days=64)},
        "merchant_alert": {"alert_title": "Low stock", "alert_severity": "Warning",
                           "alert_message": "SHIRT-M-SAND: 3 units available (threshold 5).",
                           "alert_url": f"{conf.public_url()}/admin/hub/alert/1/change/",
                           "raised_at": now, "recipient_name": ""},
    }
    ctx.update(extra.get(kind, {}))
    return ctx
