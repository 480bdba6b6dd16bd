"""Property-based: random input to the cart/checkout forms and the GraphQL checkout
mutations never causes a server error (the test client re-raises any exception)."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from graphql_relay import to_global_id
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
junk = st.one_of(st.text(max_size=40), st.integers(min_value=-(10**20), max_value=10**20)
                 .map(str), st.sampled_from(["", "0", "1", "-1", "1.5", "NaN", "Infinity",
                                             "1e400", "٣", "\x00", "' OR 1=1 --"]))
json_junk = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
              st.text(max_size=20)),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=12), inner, max_size=3)),
    max_leaves=8,
)


def url(name: str) -> str:
    with translation.override("en"):
        return reverse(name)


@pytest.fixture
def shop(settings, shop_eur):  # noqa: ANN001, ANN201
    settings.DEFAULT_CHANNEL_SLUG = "eu"
    return shop_eur


@FUZZ
@given(variant=junk, quantity=junk, price=junk, currency=junk, line=junk,
       step=st.sampled_from(["address", "delivery", "payment", "x", ""]), field=junk)
def test_forms_never_fail_with_a_server_error(shop, variant, quantity, price, currency, line,
                                              step, field):
    client = Client()
    real = str(shop.variants[0].pk)
    for v in (variant, real):
        r = client.post(url("checkout:add"), {"variant_id": v, "quantity": quantity,
                                              "price": price, "currency": currency})
        assert r.status_code < 500
    assert client.post(url("checkout:update"), {"line_id": line, "quantity": quantity}
                       ).status_code < 500
    r = client.post(url("checkout:checkout"), {
        "step": step, "action": "save", "email": field, "first_name": field, "last_name": field,
        "street_address_1": field, "postal_code": quantity, "city": field, "country": currency,
        "country_area": price, "delivery_method": variant})
    assert r.status_code < 500
    assert client.post(url("checkout:pay"), {"token": field}).status_code < 500
    assert client.get(url("checkout:payment-return"), {"payment_intent": field}).status_code < 500


MUTATIONS = {
    "create": "mutation($input: CheckoutCreateInput!) { checkoutCreate(input: $input) "
              "{ checkout { id totalPrice { gross { amount } } } errors { field code message } } }",
    "add": "mutation($id: ID, $lines: [CheckoutLineInput!]!) { checkoutLinesAdd(id: $id, "
           "lines: $lines) { checkout { id } errors { field code message } } }",
    "update": "mutation($id: ID, $lines: [CheckoutLineUpdateInput!]!) { checkoutLinesUpdate("
              "id: $id, lines: $lines) { checkout { id } errors { field code message } } }",
    "address": "mutation($id: ID, $a: AddressInput!) { checkoutShippingAddressUpdate(id: $id, "
               "shippingAddress: $a) { checkout { id } errors { field code message } } }",
    "delivery": "mutation($id: ID, $d: ID) { checkoutDeliveryMethodUpdate(id: $id, "
                "deliveryMethodId: $d) { checkout { id } errors { field code message } } }",
    "complete": "mutation($id: ID, $p: JSONString) { checkoutComplete(id: $id, paymentData: $p) "
                "{ order { id } confirmationNeeded errors { field code message } } }",
}


@FUZZ
@given(variables=st.dictionaries(st.sampled_from(["input", "id", "lines", "a", "d", "p"]),
                                 json_junk, max_size=4),
       quantity=st.integers(min_value=-(2**31), max_value=2**31 - 1), text=junk,
       name=st.sampled_from(sorted(MUTATIONS)))
def test_graphql_mutations_never_fail_with_a_server_error(shop, variables, quantity, text, name):
    client = Client()
    checkout_id = client.post("/graphql/", data={"query": MUTATIONS["create"], "variables": {
        "input": {"channel": "eu"}}}, content_type="application/json"
    ).json()["data"]["checkoutCreate"]["checkout"]["id"]
    shaped = {
        "id": checkout_id, "input": {"channel": text, "email": text, "lines": [
            {"variantId": to_global_id("ProductVariant", shop.variants[0].pk),
             "quantity": quantity}]},
        "lines": [{"variantId": text, "quantity": quantity, "lineId": text}],
        "a": {"country": text[:2], "postalCode": text, "firstName": text},
        "d": text, "p": json.dumps({"token": text}),
    }
    for vars_ in (variables, shaped):
        response = client.post("/graphql/", data={"query": MUTATIONS[name], "variables": vars_},
                               content_type="application/json")
        assert response.status_code < 500, response.content
        body = response.json()
        for error in body.get("errors") or []:  # only GraphQL-level input errors may be raised
            assert "Variable" in error["message"] or "Expected" in error["message"] or \
                "Int cannot represent" in error["message"] or "got invalid value" in \
                error["message"], error
