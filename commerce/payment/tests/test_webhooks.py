"""Stripe webhooks: signatures verified, each event processed once, the right effects."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.urls import reverse

from commerce.checkout.testing import GERMAN_ADDRESS
from commerce.orders.models import Order
from commerce.orders.models import PaymentStatus as OrderPaymentStatus
from commerce.payment.models import Payment, PaymentEvent, PaymentStatus
from commerce.payment.services import payment_start
from commerce.payment.testing import WEBHOOK_SECRET, card_token, signed_event

from .test_payments import ready_checkout

pytestmark = pytest.mark.django_db


def intent_event(event_id: str, event_type: str, payment: Payment, status: str,
                 **extra: object) -> dict:
    from commerce.core.money import to_minor_units

    return {
        "id": event_id, "object": "event", "type": event_type,
        "data": {"object": {
            "id": payment.psp_reference or "pi_unknown", "object": "payment_intent",
            "amount": to_minor_units(payment.amount, payment.currency),
            "amount_received": to_minor_units(payment.amount, payment.currency)
            if status == "succeeded" else 0,
            "currency": payment.currency.lower(), "status": status,
            "metadata": {"payment_id": str(payment.pk)}, **extra,
        }},
    }


def post(client, payload: bytes, signature: str | None):  # noqa: ANN001, ANN201
    headers = {"HTTP_STRIPE_SIGNATURE": signature} if signature is not None else {}
    return client.post(reverse("stripe-webhook"), data=payload, content_type="application/json",
                       **headers)


@pytest.fixture
def pending_payment(shop_eur, stripe_sandbox):  # noqa: ANN001
    """A checkout waiting on 3-D Secure: the PaymentIntent exists, no order yet."""
    checkout = ready_checkout(shop_eur, GERMAN_ADDRESS)
    result = payment_start(checkout, card_token(stripe_sandbox, "4000002500003155"))
    assert result.requires_action and result.order is None
    return result.payment


def test_the_webhook_lives_outside_the_locale_prefix():
    assert reverse("stripe-webhook") == "/webhooks/stripe/"


def test_unsigned_or_forged_webhooks_are_refused_and_change_nothing(client, pending_payment):
    payload, good = signed_event(intent_event("evt_1", "payment_intent.succeeded",
                                              pending_payment, "succeeded"))
    _payload, forged = signed_event(intent_event("evt_1", "payment_intent.succeeded",
                                                 pending_payment, "succeeded"),
                                    secret="whsec_attacker")
    stale_ts = int(time.time()) - 3600
    _p, stale = signed_event(intent_event("evt_1", "payment_intent.succeeded", pending_payment,
                                          "succeeded"), timestamp=stale_ts)

    for signature in (None, "", "t=1,v1=deadbeef", forged, stale):
        response = post(client, payload, signature)
        assert response.status_code == 400, signature
    assert post(client, b"not json", good).status_code == 400
    assert not PaymentEvent.objects.exists()
    assert not Order.objects.exists()


def test_succeeded_event_places_the_order_once_even_when_replayed(client, pending_payment):
    payload, signature = signed_event(intent_event("evt_ok", "payment_intent.succeeded",
                                                   pending_payment, "succeeded"))

    first = post(client, payload, signature)
    replay = post(client, payload, signature)

    assert first.status_code == 200 and first.json()["status"].startswith("order #")
    assert replay.status_code == 200 and replay.json()["status"] == "duplicate"
    assert Order.objects.count() == 1
    order = Order.objects.get()
    assert order.payment_status == OrderPaymentStatus.FULLY_CHARGED
    assert PaymentEvent.objects.filter(event_id="evt_ok").count() == 1


def test_a_second_event_for_the_same_payment_does_not_place_a_second_order(client,
                                                                          pending_payment):
    for event_id in ("evt_a", "evt_b"):
        payload, signature = signed_event(intent_event(event_id, "payment_intent.succeeded",
                                                       pending_payment, "succeeded"))
        assert post(client, payload, signature).status_code == 200
    assert Order.objects.count() == 1


def test_failed_event_releases_the_stock_and_leaves_no_order(client, pending_payment, shop_eur):
    assert shop_eur.stock(shop_eur.variants[0]).quantity_reserved == 1
    payload, signature = signed_event(intent_event(
        "evt_fail", "payment_intent.payment_failed", pending_payment, "requires_payment_method",
        last_payment_error={"code": "card_declined", "message": "Your card was declined."}))

    response = post(client, payload, signature)

    assert response.status_code == 200
    pending_payment.refresh_from_db()
    assert pending_payment.status == PaymentStatus.FAILED
    assert shop_eur.stock(shop_eur.variants[0]).quantity_reserved == 0
    assert not Order.objects.exists()


def test_refund_event_marks_the_order_refunded(client, shop_eur, stripe_sandbox):
    checkout = ready_checkout(shop_eur, GERMAN_ADDRESS)
    result = payment_start(checkout, card_token(stripe_sandbox))
    payment = result.payment
    event = {"id": "evt_refund", "type": "charge.refunded", "object": "event",
             "data": {"object": {"id": "ch_1", "object": "charge",
                                 "payment_intent": payment.psp_reference,
                                 "amount": 1724, "amount_refunded": 500, "currency": "eur"}}}
    payload, signature = signed_event(event)

    assert post(client, payload, signature).status_code == 200
    assert post(client, payload, signature).json()["status"] == "duplicate"

    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("5.00")
    assert payment.status == PaymentStatus.PARTIALLY_REFUNDED
    assert Order.objects.get().payment_status == OrderPaymentStatus.PARTIALLY_REFUNDED


def test_unknown_events_are_acknowledged_and_recorded(client, db, settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    payload, signature = signed_event({"id": "evt_x", "type": "customer.created",
                                       "object": "event", "data": {"object": {"id": "cus_1"}}})
    response = post(client, payload, signature)
    assert response.status_code == 200 and response.json()["status"] == "ignored"
    assert PaymentEvent.objects.get(event_id="evt_x").type == "customer.created"
