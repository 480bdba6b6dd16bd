"""The shopper's emails around checkout and payment, through the shop's mailer: exactly one
per event (however often the browser, the webhook or a retry reports it), in the
shopper's language."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail

from commerce.checkout.testing import GERMAN_ADDRESS
from commerce.notifications.models import MessageLog
from commerce.orders.services import order_cancel
from commerce.payment.services import payment_refund, payment_start
from commerce.payment.testing import card_token, signed_event

from .test_payments import authorized_pickup_order, ready_checkout
from .test_webhooks import intent_event, post

pytestmark = pytest.mark.django_db

DECLINED = "4000000000000341"


def kinds() -> list[str]:
    return list(MessageLog.objects.order_by("created_at").values_list("kind", flat=True))


def refund_event(event_id: str, payment, refunded_minor: int) -> tuple[bytes, str]:  # noqa: ANN001
    return signed_event({"id": event_id, "type": "charge.refunded", "object": "event",
                         "data": {"object": {"id": "ch_1", "object": "charge",
                                             "payment_intent": payment.psp_reference,
                                             "amount": 5458, "amount_refunded": refunded_minor,
                                             "currency": "eur"}}})


@pytest.fixture
def paid(shop_eur, stripe_sandbox, django_capture_on_commit_callbacks):  # noqa: ANN001, ANN201
    checkout = ready_checkout(shop_eur, GERMAN_ADDRESS, quantities=(2, 1))
    with django_capture_on_commit_callbacks(execute=True):
        result = payment_start(checkout, card_token(stripe_sandbox))
    assert result.order is not None, result.error
    return result


def test_a_paid_order_gets_one_confirmation_in_the_shoppers_language(
        client, paid, django_capture_on_commit_callbacks):
    order = paid.order
    (message,) = mail.outbox
    assert message.to == ["shopper@example.com"]
    assert message.subject == f"Bestellung {order.number} bestätigt"
    assert "54,58\xa0€" in message.body  # 2 × 12,34 + 25,00 + 4,90 Versand
    assert "Unter den Linden 1" in message.body
    # Stripe's webhook for the same payment, even twice, sends nothing more
    for event_id in ("evt_1", "evt_2"):
        payload, signature = signed_event(intent_event(event_id, "payment_intent.succeeded",
                                                       paid.payment, "succeeded"))
        with django_capture_on_commit_callbacks(execute=True):
            assert post(client, payload, signature).status_code == 200
    assert len(mail.outbox) == 1 and kinds() == ["order_confirmation"]


def test_pickup_orders_get_the_pickup_confirmation(shop_eur, stripe_sandbox, settings,
                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = authorized_pickup_order(shop_eur, stripe_sandbox, settings)
    (message,) = mail.outbox
    assert kinds() == ["order_confirmation_pickup"]
    assert (f"Wir schreiben Ihnen, sobald sie in {shop_eur.warehouse.name} zur Abholung "
            "bereitliegt.") in " ".join(message.body.split())
    assert message.subject == f"Bestellung {result.order.number} bestätigt"


def test_a_declined_card_sends_one_email_with_a_link_back_to_the_cart(
        client, shop_eur, stripe_sandbox, django_capture_on_commit_callbacks):
    checkout = ready_checkout(shop_eur, GERMAN_ADDRESS)
    with django_capture_on_commit_callbacks(execute=True):
        declined = payment_start(checkout, card_token(stripe_sandbox, DECLINED))
    assert declined.error is not None and declined.order is None
    assert declined.payment is not None
    (message,) = mail.outbox
    assert message.subject == "Ihre Zahlung ist fehlgeschlagen"
    assert "Ihre Karte wurde abgelehnt" in message.body
    assert "Es wurde keine Bestellung aufgegeben" in message.body
    assert "12,34\xa0€" in message.body
    # Stripe reports the same failure by webhook: no second email
    payload, signature = signed_event(intent_event(
        "evt_fail", "payment_intent.payment_failed", declined.payment,
        "requires_payment_method", last_payment_error={"code": "card_declined"}))
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, payload, signature).status_code == 200
    assert len(mail.outbox) == 1

    restore = message.body.split("Erneut versuchen: ")[1].split()[0]
    path = restore.split("://", 1)[1].split("/", 1)[1]
    response = client.get(f"/{path}")
    assert response.status_code == 302 and response["Location"] == "/de/cart/"
    assert client.session["checkout_token"] == str(checkout.token)

    # paying again with a good card: the order, and its confirmation
    with django_capture_on_commit_callbacks(execute=True):
        result = payment_start(checkout, card_token(stripe_sandbox))
    assert result.order is not None
    assert kinds() == ["checkout_payment_failed", "order_confirmation"]


def test_each_refund_is_one_email_whoever_reports_it(client, paid,
                                                     django_capture_on_commit_callbacks):
    order, payment = paid.order, paid.payment
    with django_capture_on_commit_callbacks(execute=True):
        post(client, *refund_event("evt_r1", payment, 500))
        post(client, *refund_event("evt_r1", payment, 500))   # replayed
        post(client, *refund_event("evt_r2", payment, 500))   # same refund, another event
    with django_capture_on_commit_callbacks(execute=True):
        payment_refund(payment, Decimal("2.00"))               # staff refunds more
        post(client, *refund_event("evt_r3", payment, 700))   # Stripe confirms that one
    refunds = [m for m in mail.outbox if m.subject.startswith("Erstattung")]
    assert [m.subject for m in refunds] == [f"Erstattung für Bestellung {order.number}"] * 2
    assert "5,00\xa0€" in refunds[0].body and "2,00\xa0€" in refunds[1].body


def test_cancelling_an_order_sends_one_email_without_internal_notes(
        paid, django_capture_on_commit_callbacks):
    order = paid.order
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order, reason="admin: duplicate order #4711")
        order_cancel(order, reason="admin")
    cancelled = mail.outbox[1:]
    assert [m.subject for m in cancelled] == [f"Bestellung {order.number} storniert"]
    assert "duplicate" not in cancelled[0].body and "admin" not in cancelled[0].body


def test_a_cancel_whose_caller_tells_the_shopper_itself_sends_nothing(
        paid, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(paid.order, reason="pickup expired", notify_customer=False)
    assert kinds() == ["order_confirmation"]
