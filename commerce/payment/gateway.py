"""The Stripe edge: the only module that talks to Stripe (or localstripe in sandbox mode).

Amounts cross this edge in minor units (``to_minor_units``: yen for JPY, cents
for EUR); everything inside Omniport is Decimal + currency.
"""

from __future__ import annotations

import re
from typing import Any

import stripe
from django.conf import settings

TOKEN_RE = re.compile(r"^tok_[A-Za-z0-9_]{1,200}$")
INTENT_RE = re.compile(r"^pi_[A-Za-z0-9_]{1,200}$")

# Re-exported so callers catch Stripe failures without importing stripe themselves.
StripeError = stripe.StripeError
CardError = stripe.CardError
SignatureVerificationError = stripe.SignatureVerificationError


def is_sandbox() -> bool:
    return bool(getattr(settings, "STRIPE_SANDBOX", False))


def client() -> stripe.StripeClient:
    base = getattr(settings, "STRIPE_API_BASE", "")
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": base} if base else {},
        max_network_retries=2,
    )


def js_url() -> str:
    """Where the page loads Stripe.js from: localstripe's fake one in sandbox mode."""
    if settings.STRIPE_JS_URL:
        return settings.STRIPE_JS_URL
    if is_sandbox():
        return f"{settings.STRIPE_API_BASE}/js.stripe.com/v3/"
    return "https://js.stripe.com/v3/"


def publishable_key() -> str:
    return settings.STRIPE_PUBLISHABLE_KEY


def _as_dict(obj: Any) -> dict[str, Any]:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def _card_params(token: str) -> dict[str, Any]:
    """PaymentIntent parameters that charge the card behind a Stripe.js token.

    Real Stripe turns the token into a PaymentMethod (``payment_method_data``);
    localstripe does not know that parameter but accepts the token's card id as
    the payment method, which is what the sandbox sends.
    """
    if is_sandbox():
        tok = client().v1.tokens.retrieve(token)
        return {"payment_method": _as_dict(tok)["card"]["id"]}
    return {"payment_method_data": {"type": "card", "card": {"token": token}}}


def payment_intent_create(*, amount_minor: int, currency: str, capture_method: str, token: str,
                          metadata: dict[str, str], idempotency_key: str,
                          description: str = "") -> dict[str, Any]:
    """Create and confirm a card PaymentIntent. Raises CardError when the card is declined."""
    params: dict[str, Any] = {
        "amount": amount_minor,
        "currency": currency.lower(),
        "capture_method": capture_method,
        "payment_method_types": ["card"],
        "metadata": metadata,
        "confirm": True,
        **_card_params(token),
    }
    if description and not is_sandbox():
        params["description"] = description
    intent = client().v1.payment_intents.create(
        params, {"idempotency_key": idempotency_key})  # type: ignore[arg-type]
    return _as_dict(intent)


def payment_intent_retrieve(intent_id: str) -> dict[str, Any]:
    return _as_dict(client().v1.payment_intents.retrieve(intent_id))


def payment_intent_capture(intent_id: str, amount_minor: int | None = None,
                           idempotency_key: str | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if amount_minor is not None:
        params["amount_to_capture"] = amount_minor
    options = {"idempotency_key": idempotency_key} if idempotency_key else {}
    return _as_dict(client().v1.payment_intents.capture(intent_id, params, options))  # type: ignore[arg-type]


def payment_intent_cancel(intent_id: str) -> dict[str, Any]:
    return _as_dict(client().v1.payment_intents.cancel(intent_id))


def refund_create(intent_id: str, amount_minor: int | None = None,
                  idempotency_key: str | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {"payment_intent": intent_id}
    if amount_minor is not None:
        params["amount"] = amount_minor
    options = {"idempotency_key": idempotency_key} if idempotency_key else {}
    return _as_dict(client().v1.refunds.create(params, options))  # type: ignore[arg-type]


def webhook_event(payload: bytes, signature: str) -> dict[str, Any]:
    """Verify a webhook's signature with STRIPE_WEBHOOK_SECRET and return the event.

    Raises SignatureVerificationError (bad or missing signature, stale timestamp) or
    ValueError (not JSON).
    """
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        raise SignatureVerificationError("STRIPE_WEBHOOK_SECRET is not set", signature)
    event = stripe.Webhook.construct_event(payload, signature, secret)
    return _as_dict(event)
