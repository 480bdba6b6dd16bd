"""Shopper emails about checkouts and orders, through the one mailer
(``commerce.notifications.services``).

Call these inside the transaction that placed, paid, failed or refunded: the email is
claimed (by its idempotency key) in that transaction, so it is sent once the change has
committed and never for work that rolled back; the mailer queues delivery (a Celery task)
with ``transaction.on_commit``. A problem with an email is logged and never undoes the
business change (``send_safely``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal

from commerce.notifications.services import (
    send_checkout_payment_failed,
    send_order_confirmation,
    send_order_refunded,
    send_safely,
)

logger = logging.getLogger("commerce.checkout.notify")


def order_placed(order) -> None:  # noqa: ANN001
    """The shopper placed ``order`` (paid or authorized): the order confirmation, the pickup
    variant for click & collect."""
    send_safely(send_order_confirmation, order)


def order_paid(order) -> None:  # noqa: ANN001
    """A manual capture (pickup handover) charged ``order``. No email of its own: the
    store's "picked up" email, sent in the same handover, is the shopper's receipt."""
    logger.info("order paid: #%s (%s)", order.number, order.pk)


def payment_failed(checkout, *, attempt_id: str, reason: Callable[[], str]) -> None:  # noqa: ANN001
    """A card payment for ``checkout`` failed (no order exists): one email per attempt with
    the reason in the shopper's language and a link that restores the cart."""
    send_safely(send_checkout_payment_failed, checkout, attempt_id=attempt_id, reason=reason)


def order_refunded(order, amount: Decimal, *, refund_id: str) -> None:  # noqa: ANN001
    """``amount`` went back to the shopper; ``refund_id`` names this refund (one email each)."""
    send_safely(send_order_refunded, order, amount, refund_id=refund_id)
