"""The one door from stores to payments: capture at handover, release on auto-cancel.

Pickup orders are paid by card with manual capture: authorized at checkout,
captured when the customer collects. The payment module is owned by the
checkout work; this module calls it through ``settings.STORES_PAYMENT_BACKEND``
(a dotted module path, default ``commerce.payment.services``) which must offer
``payment_capture(order)`` and ``payment_void(order)`` (both idempotent: a
second call on an already captured/voided payment is a no-op).

Orders with nothing authorized (marketplace orders, already charged) need no call.
"""

from __future__ import annotations

import importlib
import logging
from types import ModuleType

from django.conf import settings
from django.utils.translation import gettext as _

from commerce.core.errors import DomainError
from commerce.orders.models import Order, PaymentStatus

from .errors import StoresError, StoresErrorCode

logger = logging.getLogger(__name__)

DEFAULT_BACKEND = "commerce.payment.services"


def _backend() -> ModuleType:
    path = getattr(settings, "STORES_PAYMENT_BACKEND", "") or DEFAULT_BACKEND
    try:
        module = importlib.import_module(path)
    except ImportError as exc:
        raise StoresError(
            _("Payments are not configured (%(path)s is missing); the payment cannot be captured.")
            % {"path": path}, code=StoresErrorCode.PAYMENT_NOT_CONFIGURED,
        ) from exc
    if not hasattr(module, "payment_capture") or not hasattr(module, "payment_void"):
        raise StoresError(
            _("Payments are not configured (%(path)s has no payment_capture/payment_void).")
            % {"path": path}, code=StoresErrorCode.PAYMENT_NOT_CONFIGURED,
        )
    return module


def needs_capture(order: Order) -> bool:
    return order.payment_status in (PaymentStatus.AUTHORIZED, PaymentStatus.PARTIALLY_CHARGED)


def capture_payment(order: Order) -> None:
    """Capture what was authorized for the order; raises StoresError when the provider refuses."""
    if not needs_capture(order):
        return
    try:
        _backend().payment_capture(order)
    except StoresError:
        raise
    except DomainError as exc:
        raise StoresError(_("The payment could not be captured: %(reason)s") % {"reason": exc.message},
                          code=StoresErrorCode.PAYMENT_FAILED) from exc


def release_authorization(order: Order) -> bool:
    """Void the authorization of a canceled order; False (and logged) when it could not be."""
    if order.payment_status != PaymentStatus.AUTHORIZED:
        return True
    try:
        _backend().payment_void(order)
    except Exception:  # a provider outage must not keep the stock blocked; retried by the sweeper
        logger.exception("Could not release the payment authorization of order %s", order.pk)
        return False
    return True
