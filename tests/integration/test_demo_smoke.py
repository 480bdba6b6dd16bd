"""Smoke test of the seeded demo (what `make run` serves): a guest shopper of the EU
market puts a demo product into the cart and reaches the delivery step, where the
demo's shipping methods are offered in euros; a demo clerk reaches the console."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import strip_tags

from commerce.catalog.models import ProductVariantChannelListing
from commerce.channel.models import Channel
from commerce.checkout.delivery import delivery_options
from commerce.checkout.models import Checkout
from commerce.core.money import Money
from commerce.demo.seed import seed_demo
from commerce.inventory.selectors import variant_availability
from storefront.checkout.formatting import money

pytestmark = pytest.mark.django_db

ADDRESS = {"first_name": "Erika", "last_name": "Mustermann",
           "street_address_1": "Unter den Linden 1", "postal_code": "10117", "city": "Berlin",
           "country": "DE"}


def url(name: str, lang: str) -> str:
    with translation.override(lang):
        return reverse(name)


def text(response) -> str:  # noqa: ANN001
    return re.sub(r"[ \t\r\n]+", " ", response.content.decode())


@pytest.fixture
def demo(settings):  # noqa: ANN001, ANN201
    settings.DEFAULT_CHANNEL_SLUG = "eu"  # the market, until MarketMiddleware sets request.market
    settings.DEMO_SEED_EXTENSIONS = ["hub.stores.demo.seed_stores"]
    return seed_demo(5)


def _a_light_eu_variant():  # noqa: ANN202
    eu = Channel.objects.get(slug="eu")
    listings = (ProductVariantChannelListing.objects.filter(channel=eu)
                .select_related("variant").order_by("variant__sku"))
    free = variant_availability([row.variant_id for row in listings], eu)
    for row in listings:
        if free[row.variant_id] > 0 and (row.variant.weight_grams or 0) <= 2_000:
            return row.variant
    raise AssertionError("the demo has no light EU product in stock")


def test_guest_reaches_delivery_in_the_eu_demo_market_and_sees_euro_shipping(client, demo):
    variant = _a_light_eu_variant()
    assert client.get(url("checkout:cart", "de")).status_code == 200

    added = client.post(url("checkout:add", "de"), {"variant_id": variant.pk, "quantity": 1})
    assert added.status_code == 302, text(added)
    address = client.post(url("checkout:checkout", "de"), {
        "step": "address", "action": "save", "email": "guest@example.com", **ADDRESS})
    assert address.status_code == 302, text(address)
    delivery = client.get(address["Location"])

    assert delivery.status_code == 200 and delivery.context["step"] == "delivery"
    checkout = Checkout.objects.get()
    assert checkout.channel.slug == "eu" and checkout.currency == "EUR"
    options = delivery_options(checkout)
    shipping = [o for o in options if o.kind == "shipping"]  # (store pickup may be offered too)
    assert {o.name for o in shipping} == {"Standard", "Express"}
    assert {o.price.currency for o in options} == {"EUR"}
    with translation.override("de"):
        standard = money(Money(Decimal("4.90"), "EUR"))  # Germany, up to 2 kg
    assert standard == "4,90\xa0€"
    assert f"Standard — {standard}" in strip_tags(text(delivery))

    chosen = client.post(url("checkout:checkout", "de"), {
        "step": "delivery", "delivery_method": next(o.id for o in shipping if o.name == "Standard")})
    assert chosen.status_code == 302, text(chosen)
    payment = client.get(chosen["Location"])
    assert payment.status_code == 200 and payment.context["step"] == "payment"
    assert payment.context["totals"]["shipping"] == standard


def test_the_demo_clerk_console_answers(client, demo):
    assert client.get("/store/login/").status_code == 200
    client.post("/store/login/", {"username": "clerk.berlin@example.com", "password": "demo"})
    queue = client.get("/store/", follow=True)
    assert queue.status_code == 200 and "Berlin" in text(queue)
