"""Shopper notifications about checkouts and orders.

TODO(lead, after merging the emails branch): call ``commerce.notifications.services``
from these functions (order confirmation, payment received, payment failed). Until
then they only log, so the checkout flow already calls them at the right moments:
after the transaction that placed, paid or failed the order has committed.
"""

from __future__ import annotations

import logging

logger = logging.getLogger("commerce.checkout.notify")


def order_placed(order) -> None:  # noqa: ANN001
    """The shopper placed ``order`` (paid or authorized). TODO: send the confirmation email."""
    logger.info("order placed: #%s (%s) for %s", order.number, order.pk, order.user_email)


def order_paid(order) -> None:  # noqa: ANN001
    """A manual capture (pickup handover) charged ``order``. TODO: send a receipt email."""
    logger.info("order paid: #%s (%s)", order.number, order.pk)


def payment_failed(checkout, message: str) -> None:  # noqa: ANN001
    """A payment for ``checkout`` failed. TODO: email a restore-cart link to checkout.email."""
    logger.info("payment failed for checkout %s (%s): %s", checkout.pk, checkout.email, message)


def order_refunded(order) -> None:  # noqa: ANN001
    """Money went back to the shopper. TODO: send a refund email."""
    logger.info("order refunded: #%s (%s)", order.number, order.pk)
