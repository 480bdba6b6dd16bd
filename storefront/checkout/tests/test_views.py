"""Cart and checkout pages as a shopper uses them (Django test client, real localstripe)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from commerce.checkout.models import Checkout
from commerce.inventory.models import Reservation
from commerce.orders.models import Order
from commerce.payment.models import Payment
from commerce.payment.testing import card_token

pytestmark = pytest.mark.django_db


def url(name: str, lang: str = "en", **kwargs) -> str:  # noqa: ANN003
    with translation.override(lang):
        return reverse(name, kwargs=kwargs or None)


@pytest.fixture
def eu(settings, shop_eur):  # noqa: ANN001, ANN201
    settings.DEFAULT_CHANNEL_SLUG = "eu"  # until MarketMiddleware sets request.market
    return shop_eur


@pytest.fixture
def jp(settings, shop_jpy):  # noqa: ANN001, ANN201
    settings.DEFAULT_CHANNEL_SLUG = "jp"
    return shop_jpy


def text(response) -> str:  # noqa: ANN001
    return re.sub(r"[ \t\r\n]+", " ", response.content.decode())


def guest_checkout(client, shop, lang: str, address: dict, token: str):  # noqa: ANN001, ANN201
    for variant in shop.variants:
        r = client.post(url("checkout:add", lang), {"variant_id": variant.pk, "quantity": 1})
        assert r.status_code == 302, text(r)
    r = client.post(url("checkout:checkout", lang), {"step": "address", "action": "save",
                                                     "email": "guest@example.com", **address})
    assert r.status_code == 302, text(r)
    r = client.get(r["Location"])
    assert "Standard" in text(r)
    r = client.post(url("checkout:checkout", lang), {
        "step": "delivery", "delivery_method": f"shipping:{shop.shipping.pk}"})
    assert r.status_code == 302, text(r)
    page = client.get(r["Location"])
    assert page.status_code == 200
    paid = client.post(url("checkout:pay", lang), {"token": token})
    return page, paid


def test_guest_checkout_in_german_with_euros(client, eu, stripe_sandbox):
    page, paid = guest_checkout(client, eu, "de", {
        "first_name": "Erika", "last_name": "Mustermann", "street_address_1": "Unter den Linden 1",
        "postal_code": "10117", "city": "Berlin", "country": "DE"}, card_token(stripe_sandbox))

    assert page["Content-Language"] == "de"
    assert "42,24\xa0€" in text(page)  # 12,34 + 25,00 + 4,90 Versand
    assert stripe_sandbox.url + "/js.stripe.com/v3/" in text(page)
    assert paid.status_code == 200, paid.content
    confirmation = client.get(paid.json()["redirect"])
    assert confirmation.status_code == 200
    order = Order.objects.get()
    assert paid.json()["redirect"] == url("checkout:confirmation", "de", token=order.pk)
    assert str(order.number) in text(confirmation) and "42,24\xa0€" in text(confirmation)
    assert Payment.objects.get().amount == order.total_gross_amount
    assert client.session.get("checkout_token") is None  # a fresh cart next time


def test_guest_checkout_in_japanese_with_yen_without_decimals(client, jp, stripe_sandbox):
    page, paid = guest_checkout(client, jp, "ja", {
        "first_name": "太郎", "last_name": "山田", "street_address_1": "千代田1-1",
        "postal_code": "100-0001", "country": "JP", "country_area": "東京都"},
        card_token(stripe_sandbox))

    assert "￥5,035" in text(page)  # 1,235 + 3,000 + 800
    assert "5,035.00" not in text(page)
    confirmation = client.get(paid.json()["redirect"])
    assert "￥5,035" in text(confirmation)
    client_ = __import__("stripe").StripeClient("sk_test_localstripe",
                                                base_addresses={"api": stripe_sandbox.url})
    intent = client_.v1.payment_intents.retrieve(Payment.objects.get().psp_reference)
    assert (intent["amount"], intent["currency"]) == (5035, "jpy")


def test_declined_card_shows_a_clear_error_and_keeps_the_cart(client, eu, stripe_sandbox):
    _page, paid = guest_checkout(client, eu, "en", {
        "first_name": "Erika", "last_name": "Mustermann", "street_address_1": "Unter den Linden 1",
        "postal_code": "10117", "city": "Berlin", "country": "DE"},
        card_token(stripe_sandbox, "4000000000000341"))

    assert paid.status_code == 402
    assert "declined" in paid.json()["message"]
    assert not Order.objects.exists() and not Reservation.objects.exists()
    assert client.get(url("checkout:cart")).context["lines"]  # still in the cart


def test_tampered_forms_get_a_message_and_a_4xx_and_change_nothing(client, eu):
    variant = eu.variants[0]
    cases = [
        {"variant_id": variant.pk, "quantity": "-3"},
        {"variant_id": variant.pk, "quantity": "1e9"},
        {"variant_id": variant.pk, "quantity": "1", "price": "0.01"},
        {"variant_id": variant.pk, "quantity": "1", "currency": "XYZ"},
        {"variant_id": "99999999", "quantity": "1"},
        {"variant_id": "<script>", "quantity": "1"},
        {"variant_id": variant.pk, "quantity": "11"},  # only 10 in stock
        {},
    ]
    for data in cases:
        response = client.post(url("checkout:add"), data)
        assert response.status_code == 400, data
        assert response.context["error"], data
    assert not Reservation.objects.exists()
    assert not Checkout.objects.exists()  # not even an empty cart

    r = client.post(url("checkout:update"), {"line_id": "x", "quantity": "1"})
    assert r.status_code in (400, 404)


def test_a_price_posted_with_the_form_is_checked_never_used(client, eu):
    r = client.post(url("checkout:add"), {"variant_id": eu.variants[0].pk, "quantity": "2",
                                          "price": "12.34", "currency": "EUR"})
    assert r.status_code == 302
    cart = client.get(url("checkout:cart"))
    assert "24.68" in text(cart)


def test_cart_update_and_remove(client, eu):
    client.post(url("checkout:add"), {"variant_id": eu.variants[0].pk, "quantity": "3"})
    line = Checkout.objects.get().lines.get()
    assert client.post(url("checkout:update"), {"line_id": line.pk, "quantity": "1"}
                       ).status_code == 302
    assert eu.stock(eu.variants[0]).quantity_reserved == 1
    client.post(url("checkout:update"), {"line_id": line.pk, "quantity": "0"})
    assert "empty" in text(client.get(url("checkout:cart")))
    assert eu.stock(eu.variants[0]).quantity_reserved == 0


def test_address_form_shows_the_countrys_fields_and_errors_per_field(client, jp):
    client.post(url("checkout:add", "ja"), {"variant_id": jp.variants[0].pk, "quantity": "1"})
    page = client.get(url("checkout:checkout", "ja"))
    form = page.context["address_form"]
    assert form.fields["country_area"].required and "東京都" in dict(
        form.fields["country_area"].choices)
    assert form.fields["postal_code"].required

    r = client.post(url("checkout:checkout", "ja"), {
        "step": "address", "action": "save", "email": "x@example.com", "first_name": "T",
        "last_name": "Y", "street_address_1": "1-1", "postal_code": "12", "country": "JP",
        "country_area": "東京都"})
    assert r.status_code == 400
    assert r.context["address_form"].errors["postal_code"]
    assert Checkout.objects.get().shipping_address is None


def test_checkout_cannot_skip_ahead(client, eu):
    client.post(url("checkout:add"), {"variant_id": eu.variants[0].pk, "quantity": "1"})
    r = client.get(url("checkout:checkout") + "?step=payment")
    assert r.context["step"] == "address"
    r = client.post(url("checkout:pay"), {"token": "tok_x"})
    assert r.status_code == 400 and r.json()["status"] == "error"
    assert client.get(url("checkout:checkout") + "?step=nonsense").status_code == 200


def test_unknown_order_token_is_404(client, db):
    assert client.get("/en/order/7c9f5a8e-0000-4000-8000-000000000000/").status_code == 404
    assert client.get("/en/order/not-a-uuid/").status_code == 404


def test_cart_and_payment_pages_run_a_fixed_small_number_of_queries(client, eu):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from commerce.checkout.testing import build_shop

    more = build_shop(slug="eu2", currency="EUR", country="DE", countries=["DE"],
                      prices=["1.00"] * 6, shipping_price="1.00")
    # The first page a worker renders also loads its per-worker reference data (the
    # category tree of the header); count warm pages, as every later request is.
    client.get(url("checkout:cart"))
    counts = []
    for variants in ([eu.variants[0]], list(eu.variants)):
        client.cookies.clear()
        for variant in variants:
            client.post(url("checkout:add"), {"variant_id": variant.pk, "quantity": "1"})
        client.post(url("checkout:checkout"), {
            "step": "address", "action": "save", "email": "a@example.de", "first_name": "A",
            "last_name": "B", "street_address_1": "Weg 1", "postal_code": "10117",
            "city": "Berlin", "country": "DE"})
        client.post(url("checkout:checkout"), {"step": "delivery",
                                               "delivery_method": f"shipping:{eu.shipping.pk}"})
        with CaptureQueriesContext(connection) as cart:
            client.get(url("checkout:cart"))
        with CaptureQueriesContext(connection) as pay_page:
            assert client.get(url("checkout:checkout") + "?step=payment").context["step"] == \
                "payment"
        counts.append((len(cart), len(pay_page)))
    assert more.variants  # a bigger catalog changes nothing either
    assert counts[0] == counts[1], counts
    assert max(counts[0]) <= 12, counts
