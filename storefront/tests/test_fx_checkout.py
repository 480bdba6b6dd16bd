"""A shopper in a market whose prices are FX-derived pays the price the product page shows:
product page, cart, checkout total, order and Stripe PaymentIntent agree to the yen."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import stripe
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from commerce.catalog.models import ProductVariantChannelListing
from commerce.checkout.models import ShippingMethod, ShippingMethodChannelListing, ShippingZone
from commerce.orders.models import Order
from commerce.payment.models import Payment
from commerce.payment.testing import card_token, localstripe, stripe_sandbox  # noqa: F401

from .conftest import make_product, parse, text

pytestmark = pytest.mark.django_db

JAPANESE_ADDRESS = {
    "email": "hanako@example.jp", "first_name": "花子", "last_name": "山田",
    "street_address_1": "千代田1-1", "postal_code": "100-0001", "country": "JP",
    "country_area": "東京都",
}


def url(name: str, lang: str = "ja", **kwargs) -> str:  # noqa: ANN003
    with translation.override(lang):
        return reverse(name, kwargs=kwargs or None)


def flat(response) -> str:  # noqa: ANN001
    return re.sub(r"[ \t\r\n]+", " ", response.content.decode())


@pytest.fixture
def jp_shipping(markets):  # noqa: ANN001, ANN201
    zone = ShippingZone.objects.create(name="Japan", countries=["JP"])
    zone.channels.add(markets.jp)
    method = ShippingMethod.objects.create(zone=zone, name="Yamato", maximum_order_weight_grams=
                                           20_000, minimum_delivery_days=1,
                                           maximum_delivery_days=3)
    ShippingMethodChannelListing.objects.create(shipping_method=method, channel=markets.jp,
                                                currency="JPY", price_amount=Decimal("800"))
    return method


@pytest.fixture
def mug(markets, apparel):  # noqa: ANN001, ANN201
    """A product with a fixed yen price beside the tee's derived one."""
    product = make_product(markets, apparel, slug="mug", name="Mug", usd="9.00",
                           variants=[("MUG-1", "One size")])
    ProductVariantChannelListing.objects.create(variant=product.variants.get(), channel=markets.jp,
                                                currency="JPY", price_amount=Decimal("1500"))
    return product


def test_fx_derived_price_is_the_same_on_every_page_and_in_the_payment(
        client_in, tee, mug, jp_shipping, stripe_sandbox):  # noqa: F811
    client = client_in("JP")
    medium = tee.variants.get(sku="TEE-M")
    assert not ProductVariantChannelListing.objects.filter(variant=medium,
                                                           channel__slug="jp").exists()

    # product page: USD 24.50 net × 150 = 3,675, + 10 % tax = 4,042.50 → nearest 10 → ￥4,040
    page = parse(client.get("/ja/product/クラシックtシャツ/"))
    assert "￥4,040" in text(page.cssselect(".product-price")[0])

    for variant, quantity in ((medium, 2), (mug.variants.get(), 1)):
        r = client.post(url("checkout:add"), {"variant_id": variant.pk, "quantity": quantity,
                                              "price": "4040" if variant == medium else "",
                                              "currency": "JPY"})
        assert r.status_code == 302, flat(r)

    cart = client.get(url("checkout:cart"))
    lines = {line["sku"]: line for line in cart.context["lines"]}
    assert lines["TEE-M"]["unit_price"] == "￥4,040" and lines["TEE-M"]["total_price"] == "￥8,080"
    assert lines["MUG-1"]["unit_price"] == "￥1,500"
    assert cart.context["totals"]["subtotal"] == "￥9,580"

    r = client.post(url("checkout:checkout"), {"step": "address", "action": "save",
                                               **JAPANESE_ADDRESS})
    assert r.status_code == 302, flat(r)
    r = client.post(url("checkout:checkout"), {"step": "delivery",
                                               "delivery_method": f"shipping:{jp_shipping.pk}"})
    assert r.status_code == 302, flat(r)
    payment_page = client.get(r["Location"])
    assert "￥10,380" in flat(payment_page)  # 8,080 + 1,500 + 800 shipping

    paid = client.post(url("checkout:pay"), {"token": card_token(stripe_sandbox)})
    assert paid.status_code == 200, paid.content
    order = Order.objects.get()
    assert (order.currency, order.total_gross_amount) == ("JPY", Decimal("10380"))
    order_lines = {line.product_sku: line for line in order.lines.all()}
    assert order_lines["TEE-M"].unit_price_gross_amount == Decimal("4040")
    assert order_lines["MUG-1"].unit_price_gross_amount == Decimal("1500")
    confirmation = client.get(paid.json()["redirect"])
    assert "￥10,380" in flat(confirmation)

    client_ = stripe.StripeClient("sk_test_localstripe", base_addresses={"api": stripe_sandbox.url})
    intent = client_.v1.payment_intents.retrieve(Payment.objects.get().psp_reference)
    assert (intent["amount"], intent["currency"]) == (10380, "jpy")  # yen have no minor unit


def test_a_derived_price_posted_wrong_is_refused(client_in, tee):
    client = client_in("JP")
    r = client.post(url("checkout:add"), {"variant_id": tee.variants.get(sku="TEE-M").pk,
                                          "quantity": "1", "price": "3675", "currency": "JPY"})
    assert r.status_code == 400
    assert "4040" in r.context["error"]


def test_without_an_fx_rate_a_derived_market_does_not_sell_the_item(client_in, tee):
    from commerce.pricing.models import FxRate

    FxRate.objects.filter(quote_currency="JPY").delete()
    r = client_in("JP").post(url("checkout:add"), {"variant_id": tee.variants.first().pk,
                                                   "quantity": "1"})
    assert r.status_code == 400


def test_cart_and_payment_pages_of_a_derived_market_run_a_fixed_number_of_queries(
        client_in, tee, mug, jp_shipping):
    client = client_in("JP")
    # The first page a worker renders also loads its per-worker reference data (the
    # category tree of the header); count warm pages, as every later request is.
    client.get(url("checkout:cart"))
    counts = []
    for variants in ([tee.variants.first()], [*tee.variants.all(), mug.variants.get()]):
        client.cookies.pop("sessionid", None)
        for variant in variants:
            client.post(url("checkout:add"), {"variant_id": variant.pk, "quantity": "1"})
        client.post(url("checkout:checkout"), {"step": "address", "action": "save",
                                               **JAPANESE_ADDRESS})
        client.post(url("checkout:checkout"), {"step": "delivery",
                                               "delivery_method": f"shipping:{jp_shipping.pk}"})
        with CaptureQueriesContext(connection) as cart:
            assert len(client.get(url("checkout:cart")).context["lines"]) == len(variants)
        with CaptureQueriesContext(connection) as pay_page:
            assert client.get(url("checkout:checkout") + "?step=payment").context["step"] == \
                "payment"
        counts.append((len(cart), len(pay_page)))
    assert counts[0] == counts[1], counts
    assert max(counts[0]) <= 12, counts


def test_a_cart_moved_to_a_derived_market_keeps_what_is_sold_there_at_its_price(
        client_in, markets, apparel, tee):
    us_only = make_product(markets, apparel, slug="us-only", name="US only", usd="5.00",
                           publish_in=("us",))
    client = client_in("US")
    for variant in (tee.variants.get(sku="TEE-M"), us_only.variants.get()):
        assert client.post(url("checkout:add", "en"), {"variant_id": variant.pk,
                                                       "quantity": "1"}).status_code == 302
    assert client.get(url("checkout:cart", "en")).context["totals"]["subtotal"] == "$29.50"

    cart = client_in("JP").get(url("checkout:cart"))
    assert [line["sku"] for line in cart.context["lines"]] == ["TEE-M"]
    assert cart.context["totals"]["subtotal"] == "￥4,040"
    assert "US only" in flat(cart)  # named in the "removed from your cart" message
