"""Every email the shop sends: its flow, whether it is marketing, its templates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from .models import Flow


@dataclass(frozen=True)
class EmailKindSpec:
    kind: str
    label: Any  # a lazy translated string
    flow: str = Flow.TRANSACTIONAL
    marketing: bool = False

    @property
    def templates(self) -> tuple[str, str, str]:
        base = f"emails/{self.kind}"
        return f"{base}/subject.txt", f"{base}/body.html", f"{base}/body.txt"


_SPECS = [
    EmailKindSpec("account_confirmation", _("Account confirmation")),
    EmailKindSpec("password_reset", _("Password reset")),
    EmailKindSpec("marketing_confirmation", _("Newsletter opt-in confirmation")),
    EmailKindSpec("order_confirmation", _("Order confirmation")),
    EmailKindSpec("order_confirmation_pickup", _("Order confirmation (pickup)")),
    EmailKindSpec("payment_failed", _("Payment failed")),
    EmailKindSpec("checkout_payment_failed", _("Payment failed (cart)")),
    EmailKindSpec("order_shipped", _("Order shipped")),
    EmailKindSpec("ready_for_pickup", _("Ready for pickup")),
    EmailKindSpec("pickup_reminder", _("Pickup reminder")),
    EmailKindSpec("picked_up", _("Picked up")),
    EmailKindSpec("order_cancelled", _("Order cancelled")),
    EmailKindSpec("order_refunded", _("Order refunded")),
    EmailKindSpec("merchant_alert", _("Merchant alert")),
    EmailKindSpec("welcome_1", _("Welcome 1"), Flow.WELCOME, True),
    EmailKindSpec("welcome_2", _("Welcome 2"), Flow.WELCOME, True),
    EmailKindSpec("welcome_3", _("Welcome 3"), Flow.WELCOME, True),
    EmailKindSpec("abandoned_checkout_1", _("Abandoned checkout 1"), Flow.ABANDONED_CHECKOUT, True),
    EmailKindSpec("abandoned_checkout_2", _("Abandoned checkout 2"), Flow.ABANDONED_CHECKOUT, True),
    EmailKindSpec("review_request", _("Review / NPS request"), Flow.REVIEW, True),
    EmailKindSpec("birthday", _("Birthday coupon"), Flow.BIRTHDAY, True),
    EmailKindSpec("winback", _("Win-back"), Flow.WINBACK, True),
]

KINDS: dict[str, EmailKindSpec] = {spec.kind: spec for spec in _SPECS}

# The default delays (hours after the trigger) of each step of each lifecycle flow
# and how long after a step falls due it may still go out (beat down, flow switched on late).
FLOW_DEFAULT_DELAYS: dict[str, list[int]] = {
    Flow.WELCOME: [0, 48, 96],
    Flow.ABANDONED_CHECKOUT: [4, 24],
    Flow.REVIEW: [7 * 24],
    Flow.BIRTHDAY: [0],
    Flow.WINBACK: [60 * 24],
}
FLOW_LAST_STEP_GRACE_HOURS: dict[str, int] = {
    Flow.WELCOME: 48,
    Flow.ABANDONED_CHECKOUT: 24,
    Flow.REVIEW: 7 * 24,
    Flow.BIRTHDAY: 24,
    Flow.WINBACK: 365 * 24,
}
FLOW_KINDS: dict[str, list[str]] = {
    Flow.WELCOME: ["welcome_1", "welcome_2", "welcome_3"],
    Flow.ABANDONED_CHECKOUT: ["abandoned_checkout_1", "abandoned_checkout_2"],
    Flow.REVIEW: ["review_request"],
    Flow.BIRTHDAY: ["birthday"],
    Flow.WINBACK: ["winback"],
}


def spec_for(kind: str) -> EmailKindSpec:
    try:
        return KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown email kind {kind!r}") from None
