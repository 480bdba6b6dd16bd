"""Headless checkout over /graphql/ with the contract documents, paid through localstripe."""

from __future__ import annotations

import json

import pytest
from graphql_relay import to_global_id

from commerce.inventory.models import Reservation
from commerce.orders.models import Order
from commerce.payment.testing import card_token
from tests.contract.documents import load

pytestmark = pytest.mark.django_db


def gql(client, name: str, **variables):  # noqa: ANN001, ANN201
    response = client.post("/graphql/", data={"query": load(name),
                                              "variables": variables},
                           content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]


def vid(variant) -> str:  # noqa: ANN001
    return to_global_id("ProductVariant", variant.pk)


JP_ADDRESS = {"firstName": "Taro", "lastName": "Yamada", "streetAddress1": "1-1 Chiyoda",
              "city": "Chiyoda-ku", "postalCode": "100-0001", "country": "JP",
              "countryArea": "東京都"}


def test_headless_checkout_in_yen_from_cart_to_paid_order(client, shop_jpy, stripe_sandbox):
    created = gql(client, "checkoutCreate", input={
        "channel": "jp", "email": "taro@example.jp",
        "lines": [{"variantId": vid(shop_jpy.variants[0]), "quantity": 2}]})["checkoutCreate"]
    assert created["errors"] == []
    checkout = created["checkout"]
    assert checkout["totalPrice"]["gross"] == {"amount": 2470.0, "currency": "JPY"}
    assert checkout["lines"][0]["totalPrice"]["gross"]["fractionDigits"] == 0
    assert checkout["stockReservationExpires"]

    added = gql(client, "checkoutLinesAdd", id=checkout["id"],
                lines=[{"variantId": vid(shop_jpy.variants[1]), "quantity": 1}])
    assert added["checkoutLinesAdd"]["checkout"]["quantity"] == 3
    line_id = added["checkoutLinesAdd"]["checkout"]["lines"][0]["id"]
    updated = gql(client, "checkoutLinesUpdate", id=checkout["id"],
                  lines=[{"lineId": line_id, "quantity": 1}])["checkoutLinesUpdate"]
    assert updated["checkout"]["subtotalPrice"]["gross"]["amount"] == 4235.0

    addressed = gql(client, "checkoutShippingAddressUpdate", id=checkout["id"],
                    address=JP_ADDRESS)["checkoutShippingAddressUpdate"]
    assert addressed["errors"] == []
    methods = addressed["checkout"]["shippingMethods"]
    assert [(m["name"], m["price"]) for m in methods] == [
        ("Standard", {"amount": 800.0, "currency": "JPY"})]

    chosen = gql(client, "checkoutDeliveryMethodUpdate", id=checkout["id"],
                 deliveryMethodId=methods[0]["id"])["checkoutDeliveryMethodUpdate"]
    assert chosen["checkout"]["totalPrice"]["gross"]["amount"] == 5035.0

    unpaid = gql(client, "checkoutComplete", id=checkout["id"])["checkoutComplete"]
    assert unpaid["order"] is None and unpaid["errors"][0]["code"] == "CHECKOUT_NOT_FULLY_PAID"

    done = gql(client, "checkoutComplete", id=checkout["id"],
               paymentData=json.dumps({"token": card_token(stripe_sandbox)}))["checkoutComplete"]
    assert done["errors"] == [] and done["confirmationNeeded"] is False
    assert done["order"]["total"]["gross"] == {"amount": 5035.0, "currency": "JPY"}
    order = Order.objects.get()
    assert order.payments.get().amount == 5035  # sent to Stripe as 5035, not 503500
    # routed before allocation like every order, with the readable trace per line
    routed = order.events.get(type="routed")
    assert {line["sku"] for line in routed.parameters["lines"]} == {
        v.sku for v in shop_jpy.variants[:2]}
    assert all(line["allocated"] for line in routed.parameters["allocated"])

    again = gql(client, "checkoutComplete", id=checkout["id"])["checkoutComplete"]
    assert again["order"]["id"] == done["order"]["id"]


def test_three_d_secure_asks_for_confirmation_then_completes(client, shop_eur, stripe_sandbox):
    from commerce.payment.models import Payment
    from commerce.payment.tests.test_payments import authenticate

    checkout = gql(client, "checkoutCreate", input={
        "channel": "eu", "email": "e@example.de",
        "lines": [{"variantId": vid(shop_eur.variants[0]), "quantity": 1}],
        "shippingAddress": {"firstName": "Erika", "lastName": "M", "streetAddress1": "Weg 1",
                            "city": "Berlin", "postalCode": "10117", "country": "DE"},
    })["checkoutCreate"]["checkout"]
    gql(client, "checkoutDeliveryMethodUpdate", id=checkout["id"],
        deliveryMethodId=to_global_id("ShippingMethod", shop_eur.shipping.pk))

    first = gql(client, "checkoutComplete", id=checkout["id"], paymentData=json.dumps(
        {"token": card_token(stripe_sandbox, "4000002500003155")}))["checkoutComplete"]
    assert first["confirmationNeeded"] is True and first["order"] is None
    data = json.loads(first["confirmationData"])
    authenticate(stripe_sandbox, Payment.objects.get(), data["client_secret"])

    second = gql(client, "checkoutComplete", id=checkout["id"])["checkoutComplete"]
    assert second["order"]["number"] and second["errors"] == []


def test_declined_card_gives_a_payment_error_and_releases_stock(client, shop_eur,
                                                                stripe_sandbox):
    checkout = gql(client, "checkoutCreate", input={
        "channel": "eu", "email": "e@example.de",
        "lines": [{"variantId": vid(shop_eur.variants[0]), "quantity": 1}],
        "shippingAddress": {"firstName": "Erika", "lastName": "M", "streetAddress1": "Weg 1",
                            "city": "Berlin", "postalCode": "10117", "country": "DE"},
    })["checkoutCreate"]["checkout"]
    gql(client, "checkoutDeliveryMethodUpdate", id=checkout["id"],
        deliveryMethodId=to_global_id("ShippingMethod", shop_eur.shipping.pk))

    result = gql(client, "checkoutComplete", id=checkout["id"], paymentData=json.dumps(
        {"token": card_token(stripe_sandbox, "4000000000000341")}))["checkoutComplete"]

    assert result["order"] is None
    assert result["errors"][0]["code"] == "PAYMENT_ERROR"
    assert "declined" in result["errors"][0]["message"]
    assert not Reservation.objects.exists() and not Order.objects.exists()


@pytest.mark.parametrize("variables,field,code", [
    ({"input": {"lines": []}}, "channel", "MISSING_CHANNEL_SLUG"),
    ({"input": {"channel": "nowhere"}}, "channel", "NOT_FOUND"),
    ({"input": {"channel": "eu", "lines": [{"variantId": "garbage", "quantity": 1}]}},
     "variantId", "GRAPHQL_ERROR"),
    ({"input": {"channel": "eu", "lines": [{"variantId": to_global_id("ProductVariant", 999999),
                                            "quantity": 1}]}}, "variantId", "NOT_FOUND"),
    ({"input": {"channel": "eu", "lines": [{"variantId": "VAR", "quantity": 0}]}},
     "quantity", "ZERO_QUANTITY"),
    ({"input": {"channel": "eu", "lines": [{"variantId": "VAR", "quantity": 51}]}},
     "quantity", "QUANTITY_GREATER_THAN_LIMIT"),
    ({"input": {"channel": "eu", "lines": [{"variantId": "VAR", "quantity": 11}]}},
     "quantity", "INSUFFICIENT_STOCK"),
    ({"input": {"channel": "eu", "lines": [{"variantId": "VAR", "quantity": 1,
                                            "price": "0.01"}]}}, "price", "INVALID"),
    ({"input": {"channel": "eu", "email": "not-an-email"}}, "email", "INVALID"),
    ({"input": {"channel": "eu", "shippingAddress": {"country": "DE", "postalCode": "1"}}},
     "firstName", "REQUIRED"),
])
def test_bad_input_gets_saleor_error_codes_and_writes_nothing(client, shop_eur, variables, field,
                                                             code):
    from commerce.checkout.models import Checkout

    for line in variables["input"].get("lines", []):
        if line["variantId"] == "VAR":
            line["variantId"] = vid(shop_eur.variants[0])

    result = gql(client, "checkoutCreate", **variables)["checkoutCreate"]

    assert result["checkout"] is None
    assert {"field": field, "code": code} in [{"field": e["field"], "code": e["code"]}
                                              for e in result["errors"]]
    assert all(e["message"] for e in result["errors"])
    assert not Checkout.objects.exists() and not Reservation.objects.exists()


def test_address_errors_name_each_field(client, shop_eur):
    checkout = gql(client, "checkoutCreate", input={"channel": "eu"})["checkoutCreate"]["checkout"]
    result = gql(client, "checkoutShippingAddressUpdate", id=checkout["id"], address={
        "firstName": "E", "lastName": "M", "streetAddress1": "Weg 1", "city": "Berlin",
        "postalCode": "ABC", "country": "DE"})["checkoutShippingAddressUpdate"]
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("postalCode", "INVALID")]


def test_unknown_checkout_ids_and_delivery_methods(client, shop_eur):
    missing = to_global_id("Checkout", "7c9f5a8e-0000-4000-8000-000000000000")
    result = gql(client, "checkoutLinesAdd", id=missing, lines=[
        {"variantId": vid(shop_eur.variants[0]), "quantity": 1}])["checkoutLinesAdd"]
    assert result["errors"][0]["code"] == "NOT_FOUND"
    result = gql(client, "checkoutLinesAdd", id="bm9wZQ==", lines=[])["checkoutLinesAdd"]
    assert result["errors"][0]["code"] == "GRAPHQL_ERROR"
    assert gql(client, "checkout", id=missing)["checkout"] is None

    checkout = gql(client, "checkoutCreate", input={"channel": "eu"})["checkoutCreate"]["checkout"]
    for bad in ("junk", to_global_id("ShippingMethod", 999), to_global_id("Order", 1)):
        errors = gql(client, "checkoutDeliveryMethodUpdate", id=checkout["id"],
                     deliveryMethodId=bad)["checkoutDeliveryMethodUpdate"]["errors"]
        assert errors and errors[0]["code"] in {"GRAPHQL_ERROR", "SHIPPING_ADDRESS_NOT_SET",
                                                "DELIVERY_METHOD_NOT_APPLICABLE"}


def run(client, query: str, **variables):  # noqa: ANN001, ANN201
    response = client.post("/graphql/", data={"query": query, "variables": variables},
                           content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]


ORDER_DETAILS = """
mutation Complete($id: ID!, $paymentData: JSONString) {
  checkoutComplete(id: $id, paymentData: $paymentData) {
    errors { field code message }
    order {
      id number status paymentStatus paymentStatusDisplay isPaid userEmail
      shippingMethodName collectionPointName isShippingRequired languageCodeEnum
      channel { slug currencyCode }
      shippingAddress { firstName streetAddress1 city postalCode country { code country } }
      lines {
        productName productSku quantity productVariantId
        variant { id sku product { slug } }
        unitPrice { gross { amount currency } }
        totalPrice { gross { amount currency } }
      }
      subtotal { gross { amount } }
      shippingPrice { gross { amount } }
      total { gross { amount currency fractionDigits } net { amount } }
      totalCharged { amount currency }
    }
  }
}
"""


def test_the_paid_order_reads_like_a_saleor_order(client, shop_eur, stripe_sandbox):
    checkout = gql(client, "checkoutCreate", input={
        "channel": "eu", "email": "e@example.de", "languageCode": "DE",
        "lines": [{"variantId": vid(shop_eur.variants[0]), "quantity": 2}],
        "shippingAddress": {"firstName": "Erika", "lastName": "M", "streetAddress1": "Weg 1",
                            "city": "Berlin", "postalCode": "10117", "country": "DE"},
    })["checkoutCreate"]["checkout"]
    line = checkout["lines"][0]
    assert line["variant"] == {"id": vid(shop_eur.variants[0]), "sku": "EU-SKU-1", "name": "M"}
    assert checkout["shippingAddress"]["country"] == {"code": "DE"}
    gql(client, "checkoutDeliveryMethodUpdate", id=checkout["id"],
        deliveryMethodId=to_global_id("ShippingMethod", shop_eur.shipping.pk))

    result = run(client, ORDER_DETAILS, id=checkout["id"], paymentData=json.dumps(
        {"token": card_token(stripe_sandbox)}))["checkoutComplete"]

    assert result["errors"] == []
    order = result["order"]
    stored = Order.objects.get()
    assert order["id"] == to_global_id("Order", stored.pk)
    assert order["number"] == str(stored.number)
    assert (order["status"], order["paymentStatus"], order["isPaid"]) == (
        "UNFULFILLED", "FULLY_CHARGED", True)
    assert order["userEmail"] == "e@example.de" and order["languageCodeEnum"] == "DE"
    assert order["channel"] == {"slug": "eu", "currencyCode": "EUR"}
    assert order["shippingMethodName"] == "Standard" and order["collectionPointName"] is None
    assert order["isShippingRequired"] is True
    assert order["shippingAddress"] == {"firstName": "Erika", "streetAddress1": "Weg 1",
                                        "city": "Berlin", "postalCode": "10117",
                                        "country": {"code": "DE", "country": "Germany"}}
    assert order["lines"] == [{
        "productName": "EU shirt 1", "productSku": "EU-SKU-1", "quantity": 2,
        "productVariantId": vid(shop_eur.variants[0]),
        "variant": {"id": vid(shop_eur.variants[0]), "sku": "EU-SKU-1",
                    "product": {"slug": "eu-shirt-1"}},
        "unitPrice": {"gross": {"amount": 12.34, "currency": "EUR"}},
        "totalPrice": {"gross": {"amount": 24.68, "currency": "EUR"}},
    }]
    assert order["subtotal"]["gross"]["amount"] == 24.68
    assert order["shippingPrice"]["gross"]["amount"] == 4.9
    assert order["total"] == {"gross": {"amount": 29.58, "currency": "EUR", "fractionDigits": 2},
                              "net": {"amount": 29.58}}
    assert order["totalCharged"] == {"amount": 29.58, "currency": "EUR"}


PICKUP_POINTS = """
query Checkout($id: ID!) {
  checkout(id: $id) {
    availableCollectionPoints {
      id name isPrivate clickAndCollectOption
      address { streetAddress1 city country { code } }
    }
  }
}
"""


def test_pickup_points_are_warehouses_and_the_order_names_the_store(client, shop_eur,
                                                                    stripe_sandbox):
    from commerce.inventory.models import WarehouseKind
    from hub.stores.models import Store
    from hub.stores.services import store_save

    store = shop_eur.warehouse
    store.kind, store.pickup_enabled = WarehouseKind.STORE, True
    store.name, store.street_address_1, store.city = "Berlin Mitte", "Weg 2", "Berlin"
    store.country = "DE"
    store.save()
    # a real store profile: the O2O pickup provider offers it and routing accepts it
    store_save(Store(warehouse=store, time_zone="Europe/Berlin"), pickup_enabled=True)

    checkout = gql(client, "checkoutCreate", input={
        "channel": "eu", "email": "p@example.de",
        "lines": [{"variantId": vid(shop_eur.variants[0]), "quantity": 1}],
    })["checkoutCreate"]["checkout"]
    points = run(client, PICKUP_POINTS, id=checkout["id"])["checkout"][
        "availableCollectionPoints"]
    assert points == [{"id": to_global_id("Warehouse", store.pk), "name": "Berlin Mitte",
                       "isPrivate": False, "clickAndCollectOption": "LOCAL",
                       "address": {"streetAddress1": "Weg 2", "city": "Berlin",
                                   "country": {"code": "DE"}}}]
    chosen = gql(client, "checkoutDeliveryMethodUpdate", id=checkout["id"],
                 deliveryMethodId=points[0]["id"])["checkoutDeliveryMethodUpdate"]
    assert chosen["errors"] == []
    result = run(client, ORDER_DETAILS, id=checkout["id"], paymentData=json.dumps(
        {"token": card_token(stripe_sandbox)}))["checkoutComplete"]

    assert result["errors"] == []
    order = result["order"]
    assert order["collectionPointName"] == "Berlin Mitte"
    # authorized now, captured at the counter: not charged yet, and not paid
    assert (order["paymentStatus"], order["paymentStatusDisplay"], order["isPaid"]) == (
        "NOT_CHARGED", "Authorized", False)
    assert order["totalCharged"] == {"amount": 0.0, "currency": "EUR"}
    # routed to the store and in its clerk's queue
    placed = Order.objects.get()
    assert "pickup at Berlin Mitte" in placed.events.get(type="routed").message
    assert placed.store_fulfilments.get().store.warehouse == store
