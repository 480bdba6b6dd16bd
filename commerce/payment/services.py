"""Card payments for checkouts through Stripe PaymentIntents.

Order timing (as Saleor does it): the order is created only when the payment
provider has authorized or charged the card, from the checkout, in the same
transaction that turns the checkout's stock hold into the order's allocation.
A declined or failed payment therefore never leaves an order behind; it
releases the checkout's hold and the shopper keeps the cart to try again.

* ``payment_start`` creates one PaymentIntent (amount and currency from the
  server-side checkout total, in minor units) and confirms it with the card
  token from Stripe.js. Shipped orders are charged at once (automatic
  capture); pickup orders are only authorized (manual capture) and charged
  by ``payment_capture`` at handover; ``payment_void`` releases an authorization
  that will never be captured (a pickup nobody collected). Both are idempotent:
  the O2O stores call them through ``settings.STORES_PAYMENT_BACKEND``.
* ``payment_apply_intent`` is the one state machine every path goes through
  (the payment request, the shopper's return from 3-D Secure, the GraphQL
  ``checkoutComplete`` and the webhooks); it locks the payment row, so the
  order is created once however many of those arrive together.
* If the card was charged but the order cannot be placed (the stock went
  while the shopper authenticated, the cart changed), the money is given back
  at once (refund, or cancel of an uncaptured authorization): nothing is lost.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commerce.checkout import notify
from commerce.checkout.errors import CheckoutError, CheckoutErrorCode
from commerce.checkout.models import Checkout
from commerce.checkout.services import (
    checkout_capture_method,
    checkout_complete,
    checkout_release,
    checkout_reserve,
    checkout_validate_ready,
)
from commerce.core.money import Money, from_minor_units, to_minor_units
from commerce.orders.models import Order, OrderEvent
from commerce.orders.models import PaymentStatus as OrderPaymentStatus

from . import gateway
from .models import CaptureMethod, Payment, PaymentEvent, PaymentStatus

logger = logging.getLogger(__name__)

SETTLED = (PaymentStatus.AUTHORIZED, PaymentStatus.CHARGED)
FINAL = (PaymentStatus.REFUNDED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.CANCELED)
IN_FLIGHT_SECONDS = 120


@dataclass
class PaymentResult:
    payment: Payment | None
    order: Order | None = None
    client_secret: str = ""  # set when the shopper must authenticate (3-D Secure)
    error: CheckoutError | None = None

    @property
    def requires_action(self) -> bool:
        return bool(self.client_secret) and self.order is None and self.error is None


def _payment_error(message: str) -> CheckoutError:
    return CheckoutError(message, code=CheckoutErrorCode.PAYMENT_ERROR, field="payment")


def _declined_message(code: str | None) -> str:
    if code in ("card_declined", "generic_decline", "do_not_honor", "insufficient_funds",
                "lost_card", "stolen_card", "fraudulent", "card_velocity_exceeded"):
        return _("Your card was declined. Nothing was charged and your items are no longer "
                 "held; you can try again with another card.")
    if code in ("expired_card",):
        return _("Your card has expired. Nothing was charged; please use another card.")
    if code in ("incorrect_cvc", "invalid_cvc"):
        return _("The card's security code is wrong. Nothing was charged; please check it.")
    if code in ("payment_intent_authentication_failure",):
        return _("The card could not be authenticated. Nothing was charged; please try again.")
    return _("The payment did not go through. Nothing was charged; please try again.")


# ---------------------------------------------------------------------------------
# starting a payment
# ---------------------------------------------------------------------------------


def payment_start(checkout: Checkout, token: str, *, user=None) -> PaymentResult:  # noqa: ANN001
    """Charge (or authorize) the checkout's total on the card behind a Stripe.js token and,
    when the provider says yes, place the order. Never raises for a declined card: the
    result carries the shopper-facing error."""
    token = (token or "").strip()
    if not gateway.TOKEN_RE.match(token):
        raise _payment_error(_("Your card details could not be read; please enter them again."))
    with transaction.atomic():
        co = Checkout.objects.select_for_update(of=("self",)).select_related(
            "channel", "shipping_address").get(pk=checkout.pk)
        if co.completed_order_id:
            return PaymentResult(None, order=Order.objects.get(pk=co.completed_order_id))
        settled = co.payments.filter(status__in=SETTLED, order__isnull=True).first()
        if settled is None:
            recent = timezone.now() - timedelta(seconds=IN_FLIGHT_SECONDS)
            if co.payments.filter(status=PaymentStatus.PENDING, created_at__gte=recent).exists():
                raise _payment_error(_("A payment for this cart is already being processed. "
                                       "Please wait a moment and reload the page."))
            totals = checkout_validate_ready(co)
            checkout_reserve(co)
            if totals.total.amount == 0:
                return PaymentResult(None, order=checkout_complete(co, user=user))
            payment = Payment.objects.create(
                checkout=co, amount=totals.total.amount, currency=totals.currency,
                capture_method=checkout_capture_method(co), status=PaymentStatus.PENDING,
            )
    if settled is not None:
        # Paid earlier (e.g. the shopper's browser closed before the order was placed).
        return payment_sync(settled)
    try:
        intent = gateway.payment_intent_create(
            amount_minor=to_minor_units(payment.amount, payment.currency),
            currency=payment.currency,
            capture_method=payment.capture_method,
            token=token,
            metadata={"payment_id": str(payment.pk), "checkout_token": str(co.token),
                      "channel": co.channel.slug},
            idempotency_key=f"omniport-payment-{payment.pk}",
            description=f"Checkout {co.token}",
        )
    except gateway.CardError as exc:
        code = getattr(exc, "code", None) or "card_declined"
        return PaymentResult(payment, error=payment_fail(payment, code, _declined_message(code)))
    except gateway.StripeError as exc:
        logger.warning("payment %s: Stripe error %s", payment.pk, exc)
        return PaymentResult(payment, error=payment_fail(
            payment, "provider_error",
            _("The payment service did not answer. Nothing was charged; please try again.")))
    return payment_apply_intent(payment, intent, user=user)


def payment_sync(payment: Payment, *, user=None) -> PaymentResult:  # noqa: ANN001
    """Ask the provider how the payment stands now and act on it (return from 3-D Secure,
    a headless client calling checkoutComplete again)."""
    if payment.order_id and payment.status in (*SETTLED, *FINAL):
        return PaymentResult(payment, order=payment.order)
    if not payment.psp_reference:
        return PaymentResult(payment, error=_payment_error(
            _("This payment was never started; please pay again.")))
    try:
        intent = gateway.payment_intent_retrieve(payment.psp_reference)
    except gateway.StripeError as exc:
        logger.warning("payment %s: cannot retrieve intent: %s", payment.pk, exc)
        return PaymentResult(payment, error=_payment_error(
            _("The payment service did not answer; please reload the page in a moment.")))
    return payment_apply_intent(payment, intent, user=user)


# ---------------------------------------------------------------------------------
# the state machine
# ---------------------------------------------------------------------------------


def _mark_order_paid(order: Order, payment: Payment) -> None:
    charged = payment.status == PaymentStatus.CHARGED
    Order.objects.filter(pk=order.pk).update(
        payment_status=OrderPaymentStatus.FULLY_CHARGED if charged
        else OrderPaymentStatus.AUTHORIZED,
        total_charged_amount=payment.captured_amount,
    )
    OrderEvent.objects.create(
        order=order, type="payment-charged" if charged else "payment-authorized",
        parameters={"psp_reference": payment.psp_reference or "", "amount": str(payment.amount),
                    "currency": payment.currency, "gateway": payment.gateway},
    )


def payment_apply_intent(payment: Payment, intent: dict[str, Any], *,
                         user=None) -> PaymentResult:  # noqa: ANN001
    """Bring our payment in line with the provider's PaymentIntent, then act: place the
    order on success, release the stock hold on failure, give the money back if the
    order cannot be placed."""
    status = intent.get("status")
    reverse_reason: str | None = None
    with transaction.atomic():
        p = Payment.objects.select_for_update(of=("self",)).select_related("checkout").get(pk=payment.pk)
        intent_id = str(intent.get("id") or "")
        if not p.psp_reference:
            p.psp_reference = intent_id
            p.save(update_fields=["psp_reference", "updated_at"])
        elif p.psp_reference != intent_id:
            raise ValueError(f"intent {intent_id} does not belong to payment {p.pk}")
        if status in ("succeeded", "requires_capture"):
            amount_ok = (intent.get("amount") == to_minor_units(p.amount, p.currency)
                         and str(intent.get("currency", "")).upper() == p.currency)
            if p.status not in FINAL:
                p.status = PaymentStatus.CHARGED if status == "succeeded" \
                    else PaymentStatus.AUTHORIZED
                received = intent.get("amount_received") or intent.get("amount") or 0
                p.captured_amount = (from_minor_units(int(received), p.currency)
                                     if status == "succeeded" else Decimal(0))
                p.save(update_fields=["status", "captured_amount", "updated_at"])
            if p.order_id:
                _sync_instance(payment, p)
                return PaymentResult(p, order=p.order)
            if p.status in FINAL:
                return PaymentResult(p, error=_payment_error(
                    _("This payment was given back; please pay again.")))
            checkout = p.checkout
            if not amount_ok:
                logger.error("payment %s: intent amount %s %s differs from %s %s", p.pk,
                             intent.get("amount"), intent.get("currency"), p.amount, p.currency)
                reverse_reason = _("the amount charged did not match your order")
            elif checkout is None:
                reverse_reason = _("your cart no longer exists")
            elif checkout.completed_order_id:
                reverse_reason = _("this cart was already ordered and paid")
            else:
                try:
                    with transaction.atomic():
                        order = checkout_complete(checkout, paid=Money(p.amount, p.currency),
                                                  user=user)
                        p.order = order
                        p.save(update_fields=["order", "updated_at"])
                        _mark_order_paid(order, p)
                except CheckoutError as exc:
                    reverse_reason = exc.message
                else:
                    _sync_instance(payment, p)
                    return PaymentResult(p, order=order)
        elif status == "requires_action":
            if p.status == PaymentStatus.PENDING:
                p.status = PaymentStatus.REQUIRES_ACTION
                p.save(update_fields=["status", "updated_at"])
            _sync_instance(payment, p)
            return PaymentResult(p, client_secret=str(intent.get("client_secret") or ""))
        elif status == "processing":
            if p.status in (PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION):
                p.status = PaymentStatus.PROCESSING
                p.save(update_fields=["status", "updated_at"])
            _sync_instance(payment, p)
            return PaymentResult(p)
    if reverse_reason is not None:
        return PaymentResult(p, error=_reverse(p, intent, reverse_reason))
    # requires_payment_method (declined), requires_confirmation or canceled: not paid.
    error = intent.get("last_payment_error") or {}
    code = str(error.get("code") or ("canceled" if status == "canceled" else "card_declined"))
    return PaymentResult(p, error=payment_fail(p, code, _declined_message(code)))


def _sync_instance(target: Payment, source: Payment) -> None:
    for f in Payment._meta.concrete_fields:
        setattr(target, f.attname, getattr(source, f.attname))


def _reverse(payment: Payment, intent: dict[str, Any], reason: str) -> CheckoutError:
    """Give the money back for a payment that cannot become an order."""
    intent_id = str(intent.get("id"))
    try:
        if intent.get("status") == "requires_capture":
            gateway.payment_intent_cancel(intent_id)
            new_status, refunded = PaymentStatus.CANCELED, Decimal(0)
        else:
            gateway.refund_create(intent_id, idempotency_key=f"omniport-reverse-{payment.pk}")
            new_status, refunded = PaymentStatus.REFUNDED, payment.captured_amount
    except gateway.StripeError:
        logger.exception("payment %s: could not give back %s %s", payment.pk, payment.amount,
                         payment.currency)
        return _payment_error(
            _("We could not place your order (%(reason)s). Your payment will be refunded; "
              "our team has been told.") % {"reason": reason})
    with transaction.atomic():
        p = Payment.objects.select_for_update().get(pk=payment.pk)
        p.status = new_status
        p.refunded_amount = refunded
        p.error_code = "reversed"
        p.error_message = str(reason)[:255]
        p.save(update_fields=["status", "refunded_amount", "error_code", "error_message",
                              "updated_at"])
        if p.checkout_id and p.checkout and not p.checkout.completed_at:
            checkout_release(p.checkout)
    _sync_instance(payment, p)
    return _payment_error(
        _("We could not place your order: %(reason)s. Your payment was given back in full.")
        % {"reason": reason})


def payment_fail(payment: Payment, code: str, message: str) -> CheckoutError:
    """Record a failed payment and release the checkout's stock hold (no order exists)."""
    with transaction.atomic():
        p = Payment.objects.select_for_update(of=("self",)).select_related("checkout").get(pk=payment.pk)
        if p.status not in (*SETTLED, *FINAL):
            p.status = PaymentStatus.FAILED
            p.error_code = code[:64]
            p.error_message = message[:255]
            p.save(update_fields=["status", "error_code", "error_message", "updated_at"])
            checkout = p.checkout
            if checkout is not None and checkout.completed_at is None:
                checkout_release(checkout)
                notify.payment_failed(checkout, attempt_id=str(p.pk),
                                      reason=lambda: _declined_message(code))
    _sync_instance(payment, p)
    return _payment_error(message)


# ---------------------------------------------------------------------------------
# after the order: capture (pickup handover) and refunds
# ---------------------------------------------------------------------------------


def _order_payment(order: Order, statuses: tuple[str, ...]) -> Payment | None:
    return order.payments.filter(status__in=statuses).order_by("created_at", "pk").first()


def payment_capture(order: Order, *, user=None) -> Payment:  # noqa: ANN001
    """Charge an authorized (manual-capture) payment, e.g. when a pickup order is handed
    over; idempotent: a charged order is returned as it is, and a capture the provider
    already made (our write was lost) is recorded instead of attempted again."""
    payment = _order_payment(order, SETTLED)
    if payment is None:
        raise _payment_error(_("This order has no card payment to capture."))
    if payment.status == PaymentStatus.CHARGED:
        return payment
    try:
        intent = gateway.payment_intent_capture(payment.psp_reference or "",
                                                idempotency_key=f"omniport-capture-{payment.pk}")
    except gateway.StripeError as exc:
        captured = _intent_if_status(payment, "succeeded")
        if captured is None:
            logger.warning("payment %s: capture failed: %s", payment.pk, exc)
            raise _payment_error(_("The card could not be charged: the authorization may have "
                                   "expired. Ask the shopper to pay again.")) from exc
        intent = captured
    with transaction.atomic():
        p = Payment.objects.select_for_update().get(pk=payment.pk)
        if p.status == PaymentStatus.AUTHORIZED:
            received = intent.get("amount_received") or intent.get("amount") or 0
            p.status = PaymentStatus.CHARGED
            p.captured_amount = from_minor_units(int(received), p.currency)
            p.save(update_fields=["status", "captured_amount", "updated_at"])
            Order.objects.filter(pk=order.pk).update(
                payment_status=OrderPaymentStatus.FULLY_CHARGED,
                total_charged_amount=p.captured_amount)
            OrderEvent.objects.create(order=order, type="payment-captured",
                                      user=user if user is not None and user.pk else None,
                                      parameters={"psp_reference": p.psp_reference,
                                                  "amount": str(p.captured_amount)})
            notify.order_paid(order)
        return p


def payment_void(order: Order, *, user=None) -> Payment:  # noqa: ANN001
    """Release an uncaptured authorization (e.g. a pickup order canceled because nobody
    collected it): the PaymentIntent is canceled at the provider, so the shopper's bank
    frees the amount and nothing is ever charged. Idempotent: a released authorization is
    returned as it is. A charged payment cannot be voided (refund it instead)."""
    payment = _order_payment(order, (PaymentStatus.AUTHORIZED,))
    if payment is None:
        if _order_payment(order, (PaymentStatus.CHARGED, PaymentStatus.PARTIALLY_REFUNDED,
                                  PaymentStatus.REFUNDED)):
            raise _payment_error(_("This order's card was already charged; refund it instead."))
        released = _order_payment(order, (PaymentStatus.CANCELED,))
        if released is not None:
            return released
        raise _payment_error(_("This order has no card authorization to release."))
    try:
        gateway.payment_intent_cancel(payment.psp_reference or "")
    except gateway.StripeError as exc:
        if _intent_if_status(payment, "canceled") is None:
            logger.warning("payment %s: releasing the authorization failed: %s", payment.pk, exc)
            raise _payment_error(_("The card authorization could not be released at the "
                                   "payment provider; it will be retried.")) from exc
    with transaction.atomic():
        p = Payment.objects.select_for_update().get(pk=payment.pk)
        if p.status == PaymentStatus.AUTHORIZED:
            p.status = PaymentStatus.CANCELED
            p.save(update_fields=["status", "updated_at"])
            Order.objects.filter(pk=order.pk, payment_status=OrderPaymentStatus.AUTHORIZED
                                 ).update(payment_status=OrderPaymentStatus.NOT_CHARGED)
            OrderEvent.objects.create(order=order, type="payment-voided",
                                      user=user if user is not None and user.pk else None,
                                      parameters={"psp_reference": p.psp_reference or "",
                                                  "amount": str(p.amount),
                                                  "currency": p.currency})
        return p


def _intent_if_status(payment: Payment, status: str) -> dict[str, Any] | None:
    """The provider's PaymentIntent when it already is in ``status`` (a retried capture or
    void whose first attempt went through but was not recorded), else None."""
    if not payment.psp_reference:
        return None
    try:
        intent = gateway.payment_intent_retrieve(payment.psp_reference)
    except gateway.StripeError:
        return None
    return intent if intent.get("status") == status else None


def payment_refund(payment: Payment, amount: Decimal | None = None) -> Payment:
    """Refund all or part of a charged payment."""
    if payment.status not in (PaymentStatus.CHARGED, PaymentStatus.PARTIALLY_REFUNDED):
        raise _payment_error(_("Only charged payments can be refunded."))
    left = payment.captured_amount - payment.refunded_amount
    amount = left if amount is None else Decimal(amount)
    if amount <= 0 or amount > left:
        raise _payment_error(_("You can refund at most %(left)s %(cur)s.")
                             % {"left": left, "cur": payment.currency})
    try:
        gateway.refund_create(payment.psp_reference or "",
                              amount_minor=to_minor_units(amount, payment.currency),
                              idempotency_key=f"omniport-refund-{payment.pk}-{uuid.uuid4()}")
    except gateway.StripeError as exc:
        raise _payment_error(_("The refund failed at the payment provider.")) from exc
    return _apply_refund(payment, to_minor_units(payment.refunded_amount + amount,
                                                 payment.currency))


def _apply_refund(payment: Payment, refunded_minor: int) -> Payment:
    """Set the refunded total (absolute, so a replayed or late event changes nothing)."""
    with transaction.atomic():
        p = Payment.objects.select_for_update().get(pk=payment.pk)
        refunded = min(from_minor_units(int(refunded_minor), p.currency), p.captured_amount)
        if refunded <= p.refunded_amount:
            return p
        newly_refunded = refunded - p.refunded_amount
        p.refunded_amount = refunded
        p.status = PaymentStatus.REFUNDED if refunded >= p.captured_amount \
            else PaymentStatus.PARTIALLY_REFUNDED
        p.save(update_fields=["refunded_amount", "status", "updated_at"])
        if p.order_id:
            order = p.order
            Order.objects.filter(pk=p.order_id).update(
                payment_status=OrderPaymentStatus.FULLY_REFUNDED
                if p.status == PaymentStatus.REFUNDED else OrderPaymentStatus.PARTIALLY_REFUNDED)
            OrderEvent.objects.create(order_id=p.order_id, type="payment-refunded",
                                      parameters={"psp_reference": p.psp_reference,
                                                  "refunded": str(refunded),
                                                  "currency": p.currency})
            # one email per refund: named by the refunded total it brings the payment to
            notify.order_refunded(order, newly_refunded,
                                  refund_id=f"{p.pk}:{to_minor_units(refunded, p.currency)}")
        return p


# ---------------------------------------------------------------------------------
# webhooks
# ---------------------------------------------------------------------------------


def _payment_for_intent(intent: dict[str, Any]) -> Payment | None:
    intent_id = str(intent.get("id") or "")
    payment = Payment.objects.filter(psp_reference=intent_id).first() if intent_id else None
    if payment is None:
        raw = (intent.get("metadata") or {}).get("payment_id")
        try:
            payment = Payment.objects.filter(pk=uuid.UUID(str(raw)), psp_reference__isnull=True
                                             ).first() if raw else None
        except ValueError:
            payment = None
    return payment


def webhook_process(payload: bytes, signature: str) -> str:
    """Verify and process one Stripe webhook delivery; each event id counts once.

    Raises gateway.SignatureVerificationError or ValueError for a forged, unsigned,
    stale or malformed delivery (the view answers 400). Returns what was done.
    """
    event = gateway.webhook_event(payload, signature)
    event_id = str(event.get("id") or "")
    event_type = str(event.get("type") or "")
    obj = ((event.get("data") or {}).get("object")) or {}
    if not event_id or not event_type or not isinstance(obj, dict):
        raise ValueError("not a Stripe event")
    with transaction.atomic():
        record, created = PaymentEvent.objects.get_or_create(
            event_id=event_id, defaults={"type": event_type, "payload": event})
        if not created:
            return "duplicate"
        payment, result = _dispatch(event_type, obj)
        record.payment = payment
        record.result = result[:255]
        record.save(update_fields=["payment", "result"])
        return result


def _dispatch(event_type: str, obj: dict[str, Any]) -> tuple[Payment | None, str]:
    if event_type.startswith("payment_intent."):
        payment = _payment_for_intent(obj)
        if payment is None:
            return None, "ignored: unknown payment intent"
        if event_type in ("payment_intent.succeeded", "payment_intent.amount_capturable_updated"):
            outcome = payment_apply_intent(payment, obj)
            if outcome.order is not None:
                return payment, f"order #{outcome.order.number}"
            return payment, f"not placed: {outcome.error.message if outcome.error else '-'}"
        if event_type in ("payment_intent.payment_failed", "payment_intent.canceled"):
            if payment.status in (*SETTLED, *FINAL):
                return payment, "ignored: payment already settled"
            error = obj.get("last_payment_error") or {}
            code = str(error.get("code") or event_type.rsplit(".", 1)[1])
            payment_fail(payment, code, _declined_message(code))
            return payment, "payment failed; stock released"
        return payment, "ignored"
    if event_type == "charge.refunded":
        intent_id = str(obj.get("payment_intent") or "")
        payment = Payment.objects.filter(psp_reference=intent_id).first() if intent_id else None
        if payment is None:
            return None, "ignored: unknown charge"
        payment = _apply_refund(payment, int(obj.get("amount_refunded") or 0))
        return payment, f"refunded {payment.refunded_amount} {payment.currency}"
    return None, "ignored"


__all__ = [
    "CaptureMethod", "PaymentResult", "payment_apply_intent", "payment_capture", "payment_fail",
    "payment_refund", "payment_start", "payment_sync", "payment_void", "webhook_process",
]
