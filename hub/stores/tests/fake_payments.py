"""Test double of the payment module (commerce.payment.services is the checkout work's).

Records calls; ``fail_next_capture`` makes the next capture refuse like a provider would.
"""

from __future__ import annotations

from commerce.core.errors import DomainError
from commerce.orders.models import Order, PaymentStatus

calls: list[tuple[str, object]] = []
fail_next_capture = False


def reset() -> None:
    global fail_next_capture
    calls.clear()
    fail_next_capture = False


def payment_capture(order: Order) -> None:
    global fail_next_capture
    if fail_next_capture:
        fail_next_capture = False
        raise DomainError("card authorization expired", code="payment_failed")
    calls.append(("capture", order.pk))
    Order.objects.filter(pk=order.pk).update(payment_status=PaymentStatus.FULLY_CHARGED,
                                             total_charged_amount=order.total_gross_amount)


def payment_void(order: Order) -> None:
    calls.append(("void", order.pk))
    Order.objects.filter(pk=order.pk).update(payment_status=PaymentStatus.NOT_CHARGED)
