"""pytest fixtures: a real localstripe process for the whole session, and settings that
point the Stripe SDK and Stripe.js at it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
import stripe

from .localstripe_server import LocalStripe, start_localstripe

WEBHOOK_SECRET = "whsec_test_omniport"  # noqa: S105 - test-only secret


@pytest.fixture(scope="session")
def localstripe() -> Iterator[LocalStripe]:
    handle = start_localstripe()
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def stripe_sandbox(settings, localstripe: LocalStripe) -> LocalStripe:  # noqa: ANN001
    settings.STRIPE_SANDBOX = True
    settings.STRIPE_SECRET_KEY = "sk_test_localstripe"  # noqa: S105 - localstripe key
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_localstripe"
    settings.STRIPE_API_BASE = localstripe.url
    settings.STRIPE_JS_URL = ""
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return localstripe


def card_token(localstripe: LocalStripe, number: str = "4242424242424242") -> str:
    """What Stripe.js createToken() does in the browser: card details -> tok_..."""
    client = stripe.StripeClient("pk_test_localstripe",
                                 base_addresses={"api": localstripe.url})
    token = client.v1.tokens.create({"card": {"number": number, "exp_month": "12",
                                              "exp_year": "2034", "cvc": "123"},
                                      # localstripe takes the publishable key in the body
                                      "key": "pk_test_localstripe"})
    return token.id


def signed_event(event: dict, secret: str = WEBHOOK_SECRET, timestamp: int | None = None
                 ) -> tuple[bytes, str]:
    """A webhook body and its Stripe-Signature header, as Stripe would send them."""
    payload = json.dumps(event)
    ts = timestamp if timestamp is not None else int(time.time())
    return payload.encode(), stripe.WebhookSignature.generate_signature_header(payload, secret, ts)
