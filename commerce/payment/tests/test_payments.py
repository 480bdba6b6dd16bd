"""Card payments through the real stripe SDK against a real localstripe process."""

from __future__ import annotations

from decimal import Decimal

import pytest
import stripe

from commerce.checkout.models import Checkout
from commerce.checkout.services import (
    LineInput,
    checkout_create,
    checkout_delivery_method_update,
    checkout_shipping_address_update,
)
from commerce.checkout.testing import GERMAN_ADDRESS, JAPANESE_ADDRESS
from commerce.inventory.models import Reservation
from commerce.orders.models import PaymentStatus as OrderPaymentStatus
from commerce.payment.models import Payment, PaymentStatus
from commerce.payment.services import payment_start
from commerce.payment.testing import card_token

pytestmark = pytest.mark.django_db


def ready_checkout(shop, address, quantities=(1,)) -> Checkout:  # noqa: ANN001
    lines = [LineInput(variant_id=v.pk, quantity=q) for v, q in zip(shop.variants, quantities, strict=False)]
    checkout = checkout_create(shop.channel, email="shopper@example.com", lines=lines)
    checkout_shipping_address_update(checkout, address)
    checkout_delivery_method_update(checkout, f"shipping:{shop.shipping.pk}")
    return checkout


def intent(localstripe, payment: Payment) -> dict:  # noqa: ANN001
    client = stripe.StripeClient("sk_test_localstripe", base_addresses={"api": localstripe.url})
    return client.v1.payment_intents.retrieve(payment.psp_reference).to_dict()


def test_eur_order_is_charged_in_cents(shop_eur, stripe_sandbox):
    checkout = ready_checkout(shop_eur, GERMAN_ADDRESS, quantities=(2, 1))

    result = payment_start(checkout, card_token(stripe_sandbox))

    assert result.error is None and result.order is not None
    order = result.order
    order.refresh_from_db()
    # 2 × 12.34 + 25.00 + 4.90 shipping
    assert order.total_gross_amount == Decimal("54.58")
    assert order.payment_status == OrderPaymentStatus.FULLY_CHARGED
    assert order.total_charged_amount == Decimal("54.58")
    remote = intent(stripe_sandbox, result.payment)
    assert (remote["amount"], remote["currency"], remote["status"]) == (5458, "eur", "succeeded")
    checkout.refresh_from_db()
    assert checkout.completed_order == order
    assert not Reservation.objects.filter(reference=checkout.reservation_reference).exists()
    stock = shop_eur.stock(shop_eur.variants[0])
    assert (stock.quantity, stock.quantity_allocated, stock.quantity_reserved) == (10, 2, 0)


def test_jpy_order_is_charged_in_whole_yen(shop_jpy, stripe_sandbox):
    checkout = ready_checkout(shop_jpy, JAPANESE_ADDRESS, quantities=(1,))

    result = payment_start(checkout, card_token(stripe_sandbox))

    assert result.order is not None, result.error
    assert result.order.total_gross_amount == Decimal("2035")
    remote = intent(stripe_sandbox, result.payment)
    assert (remote["amount"], remote["currency"]) == (2035, "jpy")  # not 203500


def test_declined_card_leaves_no_order_and_releases_the_stock(shop_eur, stripe_sandbox):
    checkout = ready_checkout(shop_eur, GERMAN_ADDRESS)
    assert shop_eur.stock(shop_eur.variants[0]).quantity_reserved == 1

    # localstripe declines this card when a PaymentIntent charges it.
    result = payment_start(checkout, card_token(stripe_sandbox, "4000000000000341"))

    assert result.order is None
    assert "declined" in result.error.message
    assert result.error.code == "payment_error"
    payment = Payment.objects.get(checkout=checkout)
    assert payment.status == PaymentStatus.FAILED
    checkout.refresh_from_db()
    assert checkout.completed_order is None
    assert shop_eur.stock(shop_eur.variants[0]).quantity_reserved == 0


def test_paying_again_after_a_decline_reserves_again_and_places_the_order(shop_eur,
                                                                         stripe_sandbox):
    checkout = ready_checkout(shop_eur, GERMAN_ADDRESS)
    payment_start(checkout, card_token(stripe_sandbox, "4000000000000341"))

    result = payment_start(checkout, card_token(stripe_sandbox))

    assert result.order is not None
    assert Payment.objects.filter(checkout=checkout).count() == 2
    assert shop_eur.stock(shop_eur.variants[0]).quantity_allocated == 1


def authenticate(localstripe, payment: Payment, client_secret: str, success: bool = True) -> None:  # noqa: ANN001
    """What localstripe's fake Stripe.js does when the shopper passes 3-D Secure."""
    import httpx

    response = httpx.post(
        f"{localstripe.url}/v1/payment_intents/{payment.psp_reference}/_authenticate",
        params={"success": "true" if success else "false"},
        json={"key": "pk_test_localstripe", "client_secret": client_secret},
    )
    assert response.status_code == 200, response.text


def test_three_d_secure_then_return_places_the_order(shop_eur, stripe_sandbox):
    from commerce.payment.services import payment_sync

    checkout = ready_checkout(shop_eur, GERMAN_ADDRESS)
    first = payment_start(checkout, card_token(stripe_sandbox, "4000002500003155"))
    assert first.requires_action and first.client_secret.startswith(first.payment.psp_reference)
    assert first.payment.status == PaymentStatus.REQUIRES_ACTION

    authenticate(stripe_sandbox, first.payment, first.client_secret)
    result = payment_sync(first.payment)
    again = payment_sync(first.payment)

    assert result.order is not None and again.order == result.order
    assert result.payment.status == PaymentStatus.CHARGED


def test_failed_authentication_releases_the_stock(shop_eur, stripe_sandbox):
    from commerce.payment.services import payment_sync

    checkout = ready_checkout(shop_eur, GERMAN_ADDRESS)
    first = payment_start(checkout, card_token(stripe_sandbox, "4000002500003155"))
    authenticate(stripe_sandbox, first.payment, first.client_secret, success=False)

    result = payment_sync(first.payment)

    assert result.order is None and "authenticated" in result.error.message
    assert shop_eur.stock(shop_eur.variants[0]).quantity_reserved == 0


def test_money_is_given_back_when_the_stock_went_during_authentication(shop_eur, stripe_sandbox):
    from commerce.inventory.services import release_expired_reservations
    from commerce.payment.services import payment_sync

    shop_eur.stock(shop_eur.variants[0])
    Stock = type(shop_eur.stock(shop_eur.variants[0]))
    Stock.objects.filter(variant=shop_eur.variants[0]).update(quantity=1)
    slow = ready_checkout(shop_eur, GERMAN_ADDRESS)
    first = payment_start(slow, card_token(stripe_sandbox, "4000002500003155"))
    # The slow shopper's hold expires while the bank page is open; someone else buys the unit.
    Reservation.objects.filter(reference=slow.reservation_reference).update(
        reserved_until="2000-01-01T00:00:00Z")
    release_expired_reservations()
    fast = ready_checkout(shop_eur, GERMAN_ADDRESS)
    assert payment_start(fast, card_token(stripe_sandbox)).order is not None

    authenticate(stripe_sandbox, first.payment, first.client_secret)
    result = payment_sync(first.payment)

    assert result.order is None
    assert "given back" in result.error.message and "sold out" in result.error.message
    assert result.payment.status == PaymentStatus.REFUNDED
    client = stripe.StripeClient("sk_test_localstripe", base_addresses={"api": stripe_sandbox.url})
    refunds = client.v1.refunds.list({"payment_intent": first.payment.psp_reference}).to_dict()
    assert [r["amount"] for r in refunds["data"]] == [1724]
    assert shop_eur.stock(shop_eur.variants[0]).quantity_allocated == 1


def authorized_pickup_order(shop, localstripe, settings):  # noqa: ANN001, ANN201
    """A pickup order paid by card with manual capture, through commerce alone: a made-up
    pickup provider and no routing (the O2O hub's store pickup runs end to end in
    tests/integration/test_o2o_checkout.py)."""
    from commerce.checkout.delivery import (
        DeliveryOption,
        PickupProvider,
        delivery_provider,
        register_delivery_provider,
        unregister_delivery_provider,
    )
    from commerce.core.money import Money

    class OneStorePickup(PickupProvider):
        def available_options(self, checkout):  # noqa: ANN001, ANN202
            return [DeliveryOption(id=f"pickup:{shop.warehouse.pk}", kind="pickup",
                                   name="Berlin store", price=Money(Decimal(0), "EUR"),
                                   warehouse_id=shop.warehouse.pk)]

    settings.CHECKOUT_ORDER_CREATOR = "commerce.checkout.services.order_create_unrouted"
    installed = delivery_provider("pickup")
    register_delivery_provider(OneStorePickup())
    try:
        checkout = checkout_create(shop.channel, email="p@example.com",
                                   lines=[LineInput(shop.variants[0].pk, 1)])
        checkout_delivery_method_update(checkout, f"pickup:{shop.warehouse.pk}")
        result = payment_start(checkout, card_token(localstripe))
    finally:
        unregister_delivery_provider("pickup")
        if installed is not None:
            register_delivery_provider(installed)
    assert result.order is not None, result.error
    result.order.refresh_from_db()
    return result


def test_pickup_orders_are_authorized_then_captured_at_handover(shop_eur, stripe_sandbox,
                                                                settings):
    from commerce.payment.services import payment_capture

    result = authorized_pickup_order(shop_eur, stripe_sandbox, settings)
    order = result.order
    assert order.payment_status == OrderPaymentStatus.AUTHORIZED
    assert order.collection_point == shop_eur.warehouse
    assert intent(stripe_sandbox, result.payment)["status"] == "requires_capture"

    payment = payment_capture(order)
    payment_capture(order)  # a second tap at the till changes nothing

    order.refresh_from_db()
    assert payment.status == PaymentStatus.CHARGED and payment.captured_amount == Decimal("12.34")
    assert order.payment_status == OrderPaymentStatus.FULLY_CHARGED
    assert intent(stripe_sandbox, payment)["status"] == "succeeded"


def test_void_releases_an_uncollected_pickups_authorization(shop_eur, stripe_sandbox, settings):
    from commerce.checkout.errors import CheckoutError
    from commerce.orders.models import OrderEvent
    from commerce.payment.services import payment_capture, payment_void

    result = authorized_pickup_order(shop_eur, stripe_sandbox, settings)
    order = result.order

    payment = payment_void(order)
    again = payment_void(order)  # the sweeper retrying changes nothing

    order.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELED and again.pk == payment.pk
    assert payment.captured_amount == 0
    assert order.payment_status == OrderPaymentStatus.NOT_CHARGED
    assert order.total_charged_amount == 0
    assert intent(stripe_sandbox, payment)["status"] == "canceled"  # the bank frees the hold
    assert OrderEvent.objects.filter(order=order, type="payment-voided").count() == 1
    with pytest.raises(CheckoutError) as refused:
        payment_capture(order)  # a released authorization can never be charged
    assert "no card payment to capture" in refused.value.message


def test_void_after_the_provider_already_canceled_records_it(shop_eur, stripe_sandbox, settings):
    """The intent was canceled at Stripe but our write was lost: voiding again records it
    instead of failing forever."""
    from commerce.payment import gateway
    from commerce.payment.services import payment_void

    result = authorized_pickup_order(shop_eur, stripe_sandbox, settings)
    gateway.payment_intent_cancel(result.payment.psp_reference)

    payment = payment_void(result.order)

    result.order.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELED
    assert result.order.payment_status == OrderPaymentStatus.NOT_CHARGED


def test_a_charged_order_is_not_voided(shop_eur, stripe_sandbox):
    from commerce.checkout.errors import CheckoutError
    from commerce.payment.services import payment_void

    checkout = ready_checkout(shop_eur, GERMAN_ADDRESS)
    order = payment_start(checkout, card_token(stripe_sandbox)).order

    with pytest.raises(CheckoutError) as refused:
        payment_void(order)

    assert "already charged" in refused.value.message
    assert Payment.objects.get(order=order).status == PaymentStatus.CHARGED


def test_a_paid_checkout_is_not_charged_twice(shop_eur, stripe_sandbox):
    checkout = ready_checkout(shop_eur, GERMAN_ADDRESS)
    first = payment_start(checkout, card_token(stripe_sandbox))

    second = payment_start(checkout, card_token(stripe_sandbox))

    assert second.order == first.order
    assert Payment.objects.filter(checkout=checkout).count() == 1


def test_a_made_up_token_is_refused_before_anything_is_charged(shop_eur, stripe_sandbox):
    from commerce.checkout.errors import CheckoutError

    checkout = ready_checkout(shop_eur, GERMAN_ADDRESS)
    for bad in ("", "pm_123", "tok_<script>", "x" * 300):
        with pytest.raises(CheckoutError) as exc:
            payment_start(checkout, bad)
        assert exc.value.code == "payment_error"
    assert not Payment.objects.exists()
