"""O2O through the real checkout: the storefront's delivery step offers pickup at a store,
the card is authorized in localstripe (manual capture), routing puts the order in the
store's queue, the clerk console hands it over and only then is the card charged.

Shopper pages and the clerk console are driven with Django's test client; payments go to
a real localstripe process; emails land in the locmem outbox.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import stripe
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from commerce.checkout.models import Checkout
from commerce.checkout.services import (
    LineInput,
    checkout_create,
    checkout_delivery_method_update,
    checkout_shipping_address_update,
)
from commerce.core.money import to_minor_units
from commerce.inventory.models import Reservation, Stock
from commerce.orders.models import Order, OrderEvent, OrderStatus, PaymentStatus
from commerce.payment.models import Payment
from commerce.payment.models import PaymentStatus as CardStatus
from commerce.payment.services import payment_start
from commerce.payment.testing import card_token, localstripe, stripe_sandbox  # noqa: F401
from commerce.tests.factories import VariantFactory
from hub.stores import services as store_services
from hub.stores.models import (
    DeliveryMethod,
    FulfilmentKind,
    FulfilmentStatus,
    RoutingAction,
    RoutingRule,
    RoutingRuleWarehouse,
    StoreFulfilment,
)
from hub.stores.routing import invalidate_routing_table
from hub.stores.tests.utils import Market, add_shipping, allocated, build_market

pytestmark = pytest.mark.django_db

BERLIN_ADDRESS = {"first_name": "Grace", "last_name": "Hopper",
                  "street_address_1": "Unter den Linden 1", "postal_code": "10117",
                  "city": "Berlin", "country": "DE"}


@pytest.fixture
def o2o(settings) -> Market:  # noqa: ANN001
    """The German market of the stores tests (Leipzig central, Berlin and Munich stores)
    sold by the storefront, with a shipping method, the real payment backend and routing."""
    settings.DEFAULT_CHANNEL_SLUG = "de"  # until the storefront's MarketMiddleware decides
    settings.CHECKOUT_ORDER_CREATOR = "hub.stores.routing.create_routed_order"
    settings.STORES_PAYMENT_BACKEND = "commerce.payment.services"
    settings.STORES_ROUTING_REFRESH_SECONDS = 0
    invalidate_routing_table()
    market = build_market()
    market.shipping = add_shipping(market)  # type: ignore[attr-defined]
    VariantFactory(sku="CAP-RED", barcode="4006381333955", product__name="Red cap")
    yield market
    invalidate_routing_table()


def url(name: str, **kwargs) -> str:  # noqa: ANN003
    with translation.override("en"):
        return reverse(name, kwargs=kwargs or None)


def text(response) -> str:  # noqa: ANN001
    return re.sub(r"\s+", " ", response.content.decode())


def stock(variant, warehouse) -> Stock:  # noqa: ANN001
    return Stock.objects.get(variant=variant, warehouse=warehouse)


def intent(sandbox, payment: Payment) -> dict:  # noqa: ANN001
    client = stripe.StripeClient("sk_test_localstripe", base_addresses={"api": sandbox.url})
    return client.v1.payment_intents.retrieve(payment.psp_reference).to_dict()


def held(checkout: Checkout) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for r in Reservation.objects.filter(reference=checkout.reservation_reference).select_related(
            "stock__variant", "stock__warehouse"):
        per = out.setdefault(r.stock.variant.sku, {})
        per[r.stock.warehouse.slug] = per.get(r.stock.warehouse.slug, 0) + r.quantity_reserved
    return out


def shopper_reaches_delivery(client: Client, m: Market, lines) -> str:  # noqa: ANN001
    for variant, quantity in lines:
        r = client.post(url("checkout:add"), {"variant_id": variant.pk, "quantity": quantity})
        assert r.status_code == 302, text(r)
    r = client.post(url("checkout:checkout"), {"step": "address", "action": "save",
                                               "email": "shopper@example.com", **BERLIN_ADDRESS})
    assert r.status_code == 302, text(r)
    page = client.get(r["Location"])
    assert page.status_code == 200
    return text(page)


def test_shopper_picks_up_two_items_at_the_berlin_store(client, o2o, stripe_sandbox,  # noqa: F811
                                                        django_capture_on_commit_callbacks):
    m = o2o
    before = {(v.sku, w.slug): stock(v, w).quantity for v in (m.tee, m.mug)
              for w in (m.central, m.berlin.warehouse)}
    before[("TEE-BLK-M", "store-munich")] = stock(m.tee, m.munich.warehouse).quantity

    # the delivery step offers the store that has every line, with what the shopper needs
    delivery = shopper_reaches_delivery(client, m, [(m.tee, 1), (m.mug, 1)])
    assert "Standard" in delivery and "2–4 business days" in delivery
    assert "Pick up at Berlin store" in delivery
    assert "Hauptstraße 1" in delivery and "ready in about 15 minutes" in delivery
    assert "Pick up at Munich store" not in delivery  # it has no mug and takes no transfers

    # choosing it sets the collection point and holds the stock in that store only
    r = client.post(url("checkout:checkout"), {"step": "delivery",
                                               "delivery_method": f"pickup:{m.berlin.warehouse_id}"})
    assert r.status_code == 302, text(r)
    checkout = Checkout.objects.get()
    assert checkout.delivery_method == "pickup"
    assert checkout.collection_point_id == m.berlin.warehouse_id
    assert held(checkout) == {"TEE-BLK-M": {"store-berlin": 1}, "MUG-WHT": {"store-berlin": 1}}
    payment_page = text(client.get(r["Location"]))
    assert "Delivery: Pick up at Berlin store" in payment_page
    assert "only authorized now and charged when you pick up" in payment_page

    # the card is authorized, not charged
    paid = client.post(url("checkout:pay"), {"token": card_token(stripe_sandbox)})
    assert paid.status_code == 200 and paid.json()["status"] == "paid", paid.content
    order = Order.objects.get()
    payment = Payment.objects.get(order=order)
    assert order.payment_status == PaymentStatus.AUTHORIZED
    assert payment.capture_method == "manual" and payment.status == CardStatus.AUTHORIZED
    assert intent(stripe_sandbox, payment)["status"] == "requires_capture"
    assert order.collection_point_id == m.berlin.warehouse_id
    assert order.shipping_address is None  # nothing ships; the address given is the billing one
    assert order.billing_address.city == "Berlin"
    confirmation = text(client.get(paid.json()["redirect"]))
    assert "Pick up at Berlin store." in confirmation and "Authorized" in confirmation

    # routed, allocated in Berlin only, queued for the Berlin clerks; the hold is gone
    routed = OrderEvent.objects.get(order=order, type="routed")
    assert "pickup at Berlin store" in routed.message
    assert allocated(order) == {"TEE-BLK-M": {"store-berlin": 1}, "MUG-WHT": {"store-berlin": 1}}
    assert not Reservation.objects.filter(reference=checkout.reservation_reference).exists()
    f = StoreFulfilment.objects.get(order=order)
    assert (f.kind, f.status, f.store) == (FulfilmentKind.PICKUP, FulfilmentStatus.QUEUED,
                                           m.berlin)

    # the clerk: queue, a wrong item refused, the right ones verified, ready
    clerk = Client()
    clerk.force_login(m.clerk_berlin)
    assert f"#{order.number}" in text(clerk.get(reverse("stores:queue", args=[m.berlin.pk])))
    wrong = clerk.post(reverse("stores:scan", args=[f.pk]), {"code": "4006381333955"})
    assert wrong.status_code == 400 and "Wrong item" in text(wrong) and "CAP-RED" in text(wrong)
    for code in ("4006381333931", "MUG-WHT"):
        assert clerk.post(reverse("stores:scan", args=[f.pk]), {"code": code}).status_code == 302
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        assert clerk.post(reverse("stores:ready", args=[f.pk])).status_code == 302

    # the shopper's email carries the code
    (email,) = mail.outbox
    assert email.to == ["shopper@example.com"]
    assert email.subject == f"Order {order.number} is ready for pickup"
    code = re.search(r"Your pickup code: (\d{6,})", email.body).group(1)
    assert "Berlin store" in email.body and "We hold your order until" in email.body

    # handover: the card is charged in localstripe, the order is fulfilled
    with django_capture_on_commit_callbacks(execute=True):
        done = clerk.post(reverse("stores:handover", args=[f.pk]), {"code": code})
    assert done.status_code == 302, text(done)
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED
    assert order.payment_status == PaymentStatus.FULLY_CHARGED
    assert order.total_charged_amount == order.total_gross_amount == Decimal("29.49")
    assert payment.status == CardStatus.CHARGED
    charged = intent(stripe_sandbox, payment)
    assert charged["status"] == "succeeded"
    assert charged["amount"] == to_minor_units(order.total_gross_amount, "EUR") == 2949
    charge = charged["latest_charge"]  # localstripe expands it
    if isinstance(charge, str):
        charge = stripe.StripeClient("sk_test_localstripe", base_addresses={
            "api": stripe_sandbox.url}).v1.charges.retrieve(charge).to_dict()
    assert charge["captured"] is True and charge["amount"] == 2949

    # only the Berlin store's stock fell
    assert stock(m.tee, m.berlin.warehouse).quantity == before[("TEE-BLK-M", "store-berlin")] - 1
    assert stock(m.mug, m.berlin.warehouse).quantity == before[("MUG-WHT", "store-berlin")] - 1
    assert stock(m.tee, m.central).quantity == before[("TEE-BLK-M", "de-central")]
    assert stock(m.mug, m.central).quantity == before[("MUG-WHT", "de-central")]
    assert stock(m.tee, m.munich.warehouse).quantity == before[("TEE-BLK-M", "store-munich")]


def test_delivery_step_says_which_line_would_be_transferred(client, o2o, stripe_sandbox):  # noqa: F811
    m = o2o
    m.munich.allow_transfers = True
    m.munich.transfer_days = 2
    m.munich.save()
    delivery = shopper_reaches_delivery(client, m, [(m.tee, 1), (m.mug, 1)])
    assert "Pick up at Munich store" in delivery
    assert "1 × MUG-WHT will be transferred from Leipzig central" in delivery
    assert "Ready in about 2 days" in delivery

    r = client.post(url("checkout:checkout"), {"step": "delivery",
                                               "delivery_method": f"pickup:{m.munich.warehouse_id}"})
    assert r.status_code == 302, text(r)
    checkout = Checkout.objects.get()
    # the store's own tee, the mug from where it will be transferred
    assert held(checkout) == {"TEE-BLK-M": {"store-munich": 1}, "MUG-WHT": {"de-central": 1}}

    paid = client.post(url("checkout:pay"), {"token": card_token(stripe_sandbox)})
    assert paid.json()["status"] == "paid", paid.content
    order = Order.objects.get()
    assert order.payment_status == PaymentStatus.AUTHORIZED
    assert allocated(order) == {"TEE-BLK-M": {"store-munich": 1}, "MUG-WHT": {"de-central": 1}}
    routed = OrderEvent.objects.get(order=order, type="routed")
    assert "pickup at Munich store: its own stock first, then transfers from" in routed.message
    assert StoreFulfilment.objects.get(order=order).store == m.munich


def test_a_store_that_cannot_serve_the_cart_is_refused(client, o2o):
    m = o2o
    shopper_reaches_delivery(client, m, [(m.mug, 1)])  # Munich has no mug
    r = client.post(url("checkout:checkout"), {"step": "delivery",
                                               "delivery_method": f"pickup:{m.munich.warehouse_id}"})
    assert r.status_code == 400
    checkout = Checkout.objects.get()
    assert checkout.collection_point_id is None and checkout.delivery_method == ""
    assert held(checkout) == {"MUG-WHT": {"de-central": 1}}  # the hold did not move


def pickup_paid_through_checkout(m: Market, sandbox, *, lines) -> Order:  # noqa: ANN001
    checkout = checkout_create(m.channel, email="shopper@example.com", language_code="en",
                               lines=[LineInput(v.pk, q) for v, q in lines])
    checkout_shipping_address_update(checkout, BERLIN_ADDRESS)
    checkout_delivery_method_update(checkout, f"pickup:{m.berlin.warehouse_id}")
    result = payment_start(checkout, card_token(sandbox))
    assert result.order is not None, result.error
    result.order.refresh_from_db()
    return result.order


def test_uncollected_pickup_is_canceled_and_the_authorization_released(
        o2o, stripe_sandbox, django_capture_on_commit_callbacks):  # noqa: F811
    m = o2o
    order = pickup_paid_through_checkout(m, stripe_sandbox, lines=[(m.tee, 2)])
    f = StoreFulfilment.objects.get(order=order)
    for _ in range(2):
        store_services.fulfilment_scan(f, "TEE-BLK-M", clerk=m.clerk_berlin)
    with django_capture_on_commit_callbacks(execute=True):
        store_services.fulfilment_mark_ready(f, clerk=m.clerk_berlin)
    f.refresh_from_db()
    assert stock(m.tee, m.berlin.warehouse).quantity_allocated == 2

    with django_capture_on_commit_callbacks(execute=True):
        result = store_services.pickup_hold_sweep(now=f.hold_until + (f.hold_until - f.ready_at))

    assert result.canceled == 1 and result.released == 0  # released at once, not left pending
    order.refresh_from_db()
    f.refresh_from_db()
    payment = Payment.objects.get(order=order)
    assert order.status == OrderStatus.CANCELED
    assert f.status == FulfilmentStatus.CANCELED and not f.payment_release_pending
    assert order.payment_status == PaymentStatus.NOT_CHARGED
    assert payment.status == CardStatus.CANCELED
    assert intent(stripe_sandbox, payment)["status"] == "canceled"  # the bank frees the amount
    tee = stock(m.tee, m.berlin.warehouse)
    assert (tee.quantity, tee.quantity_allocated) == (5, 0)  # back on sale
    cancelled = [e for e in mail.outbox if e.subject == f"Order {order.number} cancelled"]
    assert len(cancelled) == 1 and "you were not charged" in cancelled[0].body


def _rule(name: str, priority: int, warehouses=(), **kw) -> RoutingRule:  # noqa: ANN001
    rule = RoutingRule.objects.create(name=name, priority=priority, **kw)
    for i, wh in enumerate(warehouses):
        RoutingRuleWarehouse.objects.create(rule=rule, warehouse=wh, sort_order=i)
    return rule


def shipped_paid_through_checkout(m: Market, sandbox, *, lines) -> Order:  # noqa: ANN001
    checkout = checkout_create(m.channel, email="shopper@example.com", language_code="en",
                               lines=[LineInput(v.pk, q) for v, q in lines])
    checkout_shipping_address_update(checkout, BERLIN_ADDRESS)
    checkout_delivery_method_update(checkout, f"shipping:{m.shipping.pk}")
    result = payment_start(checkout, card_token(sandbox))
    assert result.order is not None, result.error
    result.order.refresh_from_db()
    return result.order


def test_shipped_checkout_orders_are_routed_to_the_nearest_store(o2o, stripe_sandbox):  # noqa: F811
    m = o2o
    _rule("Ship from the nearest store", 10, [m.central], countries=["DE"],
          action=RoutingAction.NEAREST_STORE, radius_km=100, allow_split=False,
          delivery_methods=[DeliveryMethod.SHIPPING])
    _rule("Default", 100, [m.central], is_default=True)

    order = shipped_paid_through_checkout(m, stripe_sandbox, lines=[(m.tee, 1)])

    assert order.payment_status == PaymentStatus.FULLY_CHARGED  # shipped: charged at once
    assert allocated(order) == {"TEE-BLK-M": {"store-berlin": 1}}
    routed = OrderEvent.objects.get(order=order, type="routed")
    assert routed.parameters["rule"]["name"] == "Ship from the nearest store"
    assert "Berlin store at" in routed.message
    f = StoreFulfilment.objects.get(order=order)
    assert (f.kind, f.store) == (FulfilmentKind.SHIP_FROM_STORE, m.berlin)
    # the cart had held its tee in the channel's first warehouse: nothing stays held
    assert stock(m.tee, m.central).quantity_reserved == 0
    assert not Reservation.objects.exists()


def test_a_paid_cart_keeps_its_held_units_when_the_routed_warehouse_is_short(o2o,
                                                                           stripe_sandbox):  # noqa: F811
    m = o2o
    _rule("Germany from Munich", 10, [m.munich.warehouse], countries=["DE"], allow_split=False)

    order = shipped_paid_through_checkout(m, stripe_sandbox, lines=[(m.tee, 3)])  # Munich has 2

    assert order.payment_status == PaymentStatus.FULLY_CHARGED
    assert allocated(order) == {"TEE-BLK-M": {"de-central": 3}}  # where the cart held them
    routed = OrderEvent.objects.get(order=order, type="routed")
    assert "allocated where the checkout held the stock (Leipzig central" in routed.message
    assert stock(m.tee, m.munich.warehouse).quantity_allocated == 0
    assert not StoreFulfilment.objects.filter(order=order).exists()
