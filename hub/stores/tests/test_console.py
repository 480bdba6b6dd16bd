from __future__ import annotations

import html
import json

import pytest
from django.urls import reverse

from commerce.tests.factories import UserFactory
from hub.stores.models import FulfilmentStatus, StoreFulfilment
from hub.stores.tests.utils import pickup_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def berlin_order(market):
    order = pickup_order(market, market.berlin, [("TEE-BLK-M", 2), ("MUG-WHT", 1)])
    return StoreFulfilment.objects.get(order=order)


def test_clerk_logs_in_with_email_and_lands_on_their_queue(client, market, berlin_order):
    page = client.get(reverse("stores:login"))
    assert page.status_code == 200 and 'name="username"' in page.content.decode()
    bad = client.post(reverse("stores:login"), {"username": "clerk.berlin@example.com",
                                                "password": "nope"})
    assert bad.status_code == 200 and "correct" in bad.content.decode()
    ok = client.post(reverse("stores:login"), {"username": "clerk.berlin@example.com",
                                               "password": "password"}, follow=True)
    html = ok.content.decode()
    assert ok.redirect_chain[-1][0] == reverse("stores:queue", args=[market.berlin.pk])
    assert f"#{berlin_order.order.number}" in html and "due in" in html


def test_anonymous_is_sent_to_login_and_api_says_401(client, berlin_order):
    page = client.get(reverse("stores:detail", args=[berlin_order.pk]))
    assert page.status_code == 302 and reverse("stores:login") in page["Location"]
    api = client.get(reverse("stores:api_detail", args=[berlin_order.pk]))
    assert api.status_code == 401


def test_clerk_of_another_store_gets_403_on_pages_actions_and_api(client, market, berlin_order):
    client.force_login(market.clerk_munich)
    pk = berlin_order.pk
    assert client.get(reverse("stores:detail", args=[pk])).status_code == 403
    assert client.get(reverse("stores:queue", args=[market.berlin.pk])).status_code == 403
    assert client.post(reverse("stores:scan", args=[pk]), {"code": "TEE-BLK-M"}).status_code == 403
    assert client.post(reverse("stores:handover", args=[pk]), {"code": "123456"}).status_code == 403
    assert client.post(reverse("stores:ready", args=[pk])).status_code == 403
    assert client.post(reverse("stores:resend_code", args=[pk])).status_code == 403
    assert client.post(reverse("stores:ship", args=[pk]), {
        "carrier": "DHL", "tracking_number": "JJD1"}).status_code == 403
    line_id = berlin_order.lines.first().order_line_id
    assert client.post(reverse("stores:transfer", args=[pk, line_id])).status_code == 403
    api = client.get(reverse("stores:api_detail", args=[pk]))
    assert api.status_code == 403 and api.json()["error"]["code"] == "forbidden"
    assert client.get(reverse("stores:api_queue", args=[market.berlin.pk])).status_code == 403
    assert client.post(reverse("stores:api_scan", args=[pk]), data=json.dumps({"code": "x"}),
                       content_type="application/json").status_code == 403
    berlin_order.refresh_from_db()
    assert berlin_order.lines.filter(quantity_verified__gt=0).count() == 0
    berlin_order.refresh_from_db()
    assert berlin_order.status == FulfilmentStatus.QUEUED
    # their own store works, and Berlin's order is in none of their lists
    own = client.get(reverse("stores:queue", args=[market.munich.pk]))
    assert own.status_code == 200 and f"#{berlin_order.order.number}" not in own.content.decode()
    assert f"#{berlin_order.order.number}" not in client.get(reverse("stores:home")).content.decode()
    api_own = client.get(reverse("stores:api_queue", args=[market.munich.pk])).json()
    assert str(berlin_order.order.number) not in json.dumps(api_own)


def test_a_user_who_is_not_a_clerk_gets_403(client, berlin_order):
    client.force_login(UserFactory(email="shopper2@example.com"))
    assert client.get(reverse("stores:home")).status_code == 403
    assert client.get(reverse("stores:detail", args=[berlin_order.pk])).status_code == 403


def test_clerk_sees_name_and_masked_contact_only(client, market, berlin_order):
    client.force_login(market.clerk_berlin)
    html = client.get(reverse("stores:detail", args=[berlin_order.pk])).content.decode()
    assert "Grace Hopper" in html
    assert "s•••@example.com" in html and "shopper@example.com" not in html
    assert "••• 567" in html and "1234567" not in html
    assert "Secret Street" not in html and "10115" not in html
    data = client.get(reverse("stores:api_detail", args=[berlin_order.pk])).json()
    assert data["customer"] == {"name": "Grace Hopper", "email": "s•••@example.com",
                                "phone": "••• 567", "shipping_address": []}


def test_pick_list_is_sorted_by_shelf_and_wrong_scan_is_refused(client, market, berlin_order):
    client.force_login(market.clerk_berlin)
    html = client.get(reverse("stores:detail", args=[berlin_order.pk])).content.decode()
    assert html.index("A-01") < html.index("B-02")  # mug shelf before tee shelf
    wrong = client.post(reverse("stores:scan", args=[berlin_order.pk]), {"code": "4006381333999"})
    assert wrong.status_code == 400 and "Unknown barcode or SKU" in wrong.content.decode()
    right = client.post(reverse("stores:scan", args=[berlin_order.pk]), {"code": "4006381333931"},
                        follow=True)
    assert "Verified TEE-BLK-M (1 of 2)" in right.content.decode()
    api = client.post(reverse("stores:api_scan", args=[berlin_order.pk]),
                      data=json.dumps({"code": "TEE-BLK-M"}), content_type="application/json")
    assert api.status_code == 200
    tee = next(ln for ln in api.json()["lines"] if ln["sku"] == "TEE-BLK-M")
    assert tee["verified"] == 2
    api_wrong = client.post(reverse("stores:api_scan", args=[berlin_order.pk]),
                            data=json.dumps({"code": "TEE-BLK-M"}), content_type="application/json")
    assert api_wrong.status_code == 400 and api_wrong.json()["error"]["code"] == "already_verified"


def test_full_pickup_through_the_console(client, market, berlin_order, payments, mailoutbox,
                                         django_capture_on_commit_callbacks):
    client.force_login(market.clerk_berlin)
    for code in ("TEE-BLK-M", "TEE-BLK-M", "4006381333948"):
        client.post(reverse("stores:scan", args=[berlin_order.pk]), {"code": code})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("stores:ready", args=[berlin_order.pk]))
    berlin_order.refresh_from_db()
    assert berlin_order.status == FulfilmentStatus.READY
    code = next(w for w in mailoutbox[0].body.split() if w.isdigit() and len(w) == 6)
    bad = client.post(reverse("stores:handover", args=[berlin_order.pk]), {"code": "12"})
    assert bad.status_code == 400 and "Wrong code" in bad.content.decode()
    done = client.post(reverse("stores:handover", args=[berlin_order.pk]), {"code": code},
                       follow=True)
    assert "is complete" in done.content.decode()
    berlin_order.refresh_from_db()
    assert berlin_order.status == FulfilmentStatus.COLLECTED
    assert payments.calls == [("capture", berlin_order.order_id)]


def test_a_store_shipping_its_part_of_a_split_order_is_told_the_rest_ships_elsewhere(
        client, market):
    from commerce.orders.services import OrderInput, OrderLineInput
    from hub.stores.models import RoutingRule, RoutingRuleWarehouse
    from hub.stores.routing import create_routed_order

    rule = RoutingRule.objects.create(name="Munich, then central", priority=1, allow_split=True)
    for n, wh in enumerate([market.munich.warehouse, market.central]):
        RoutingRuleWarehouse.objects.create(rule=rule, warehouse=wh, sort_order=n)
    order = create_routed_order(OrderInput(
        channel=market.channel, currency="EUR", email="ada@example.com",
        lines=[OrderLineInput(sku="TEE-BLK-M", quantity=1), OrderLineInput(sku="MUG-WHT", quantity=1)],
        shipping_address={"first_name": "Ada", "last_name": "Lovelace",
                          "street_address_1": "Marienplatz 8", "city": "München",
                          "country": "DE", "postal_code": "80331"}))
    f = StoreFulfilment.objects.get(order=order)  # Munich holds tees only: the mug is central's
    client.force_login(market.clerk_munich)
    page = client.get(reverse("stores:detail", args=[f.pk])).content.decode()
    assert "TEE-BLK-M" in page and "MUG-WHT" not in page  # only this store's part to pick
    assert "Marienplatz 8" in page  # the label needs the address of a shipped order
    client.post(reverse("stores:scan", args=[f.pk]), {"code": "TEE-BLK-M"})
    done = client.post(reverse("stores:ship", args=[f.pk]),
                       {"carrier": "DHL", "tracking_number": "JJD000444555"}, follow=True)
    assert f"Shipped this store's part of order #{order.number}" in html.unescape(
        done.content.decode())
    f.refresh_from_db()
    assert f.status == FulfilmentStatus.SHIPPED
    bad = client.post(reverse("stores:ship", args=[f.pk]),
                      {"carrier": "DHL", "tracking_number": "JJD000444556"})
    assert bad.status_code == 400  # a parcel ships once
