"""End to end: localstripe itself signs and delivers the webhook to our endpoint."""

from __future__ import annotations

import time

import pytest

from commerce.checkout.testing import GERMAN_ADDRESS
from commerce.orders.models import Order
from commerce.payment.models import PaymentEvent
from commerce.payment.services import payment_start
from commerce.payment.testing import WEBHOOK_SECRET, card_token
from commerce.payment.tests.test_payments import authenticate, ready_checkout

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(predicate, timeout: float = 20.0) -> bool:  # noqa: ANN001
    """Poll until the asynchronous webhook has arrived (not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def webhooks_to_us(live_server, stripe_sandbox):  # noqa: ANN001, ANN201
    stripe_sandbox.register_webhook(f"{live_server.url}/webhooks/stripe/", WEBHOOK_SECRET,
                                    events=["payment_intent.succeeded",
                                            "payment_intent.payment_failed"])
    yield stripe_sandbox
    # Point the shared localstripe away from this test's server again.
    stripe_sandbox.register_webhook("http://127.0.0.1:9/", WEBHOOK_SECRET)


def test_payment_succeeded_webhook_from_localstripe_places_the_order(shop_eur, webhooks_to_us):
    checkout = ready_checkout(shop_eur, GERMAN_ADDRESS)
    first = payment_start(checkout, card_token(webhooks_to_us, "4000002500003155"))
    assert first.requires_action

    # The shopper passes 3-D Secure and closes the tab: only the webhook can finish.
    authenticate(webhooks_to_us, first.payment, first.client_secret)

    assert wait_for(lambda: Order.objects.exists())
    event = PaymentEvent.objects.get(type="payment_intent.succeeded")
    assert event.result.startswith("order #")
    checkout.refresh_from_db()
    assert checkout.completed_order == Order.objects.get()
