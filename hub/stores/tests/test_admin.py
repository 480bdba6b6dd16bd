from __future__ import annotations

import pytest
from django.urls import reverse

from commerce.tests.factories import UserFactory
from hub.stores.models import RoutingRule, Store
from hub.stores.rules import validate_rule_conditions

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client):
    client.force_login(UserFactory(email="boss@example.com", is_staff=True, is_superuser=True))
    return client


def _post(client, **overrides):  # noqa: ANN001, ANN202
    data = {
        "name": "Rule", "priority": "10", "is_active": "on", "line_match": "all",
        "action": "warehouses", "allow_split": "on", "countries": "", "regions": "",
        "postcode_prefixes": "", "skus": "", "value_currency": "",
        "rule_warehouses-TOTAL_FORMS": "1", "rule_warehouses-INITIAL_FORMS": "0",
        "rule_warehouses-MIN_NUM_FORMS": "0", "rule_warehouses-MAX_NUM_FORMS": "1000",
        "rule_warehouses-0-sort_order": "0", "rule_warehouses-0-warehouse": "",
    }
    data.update({k: str(v) for k, v in overrides.items()})
    return client.post(reverse("admin:stores_routingrule_add"), data)


def test_a_valid_rule_is_saved(admin_client_, market):
    resp = _post(admin_client_, countries="de", **{"rule_warehouses-0-warehouse": market.central.pk})
    assert resp.status_code == 302, resp.content.decode()[:2000]
    rule = RoutingRule.objects.get()
    assert rule.countries == ["DE"] and list(rule.warehouses.all()) == [market.central]


@pytest.mark.parametrize(("fields", "message"), [
    ({"min_weight_grams": 5000, "max_weight_grams": 100}, "Minimum weight is above maximum weight"),
    ({"postcode_prefixes": "10,11"}, "choose the destination country"),
    ({"min_order_value": "10"}, "need a 3-letter currency"),
    ({"countries": "XX"}, "Unknown country codes: XX"),
    ({"skus": "NO-SUCH-SKU"}, "Unknown SKUs"),
    ({"is_default": "on", "countries": "DE"}, "The default rule matches every order"),
    ({"action": "nearest-store"}, "Give the radius"),
])
def test_a_rule_that_can_never_match_is_refused(admin_client_, market, fields, message):
    resp = _post(admin_client_, **{"rule_warehouses-0-warehouse": market.central.pk, **fields})
    assert resp.status_code == 200
    assert message in resp.content.decode()
    assert not RoutingRule.objects.exists()


def test_a_rule_pointing_at_an_inactive_or_missing_warehouse_is_refused(admin_client_, market):
    market.munich.warehouse.is_active = False
    market.munich.warehouse.save()
    resp = _post(admin_client_, **{"rule_warehouses-0-warehouse": market.munich.warehouse_id})
    assert resp.status_code == 200
    assert "inactive and cannot fulfil orders: Munich store" in resp.content.decode()
    resp = _post(admin_client_, **{"rule_warehouses-0-warehouse": 999999})
    assert resp.status_code == 200 and "Select a valid choice" in resp.content.decode()
    resp = _post(admin_client_)
    assert "Add at least one warehouse" in resp.content.decode()
    assert not RoutingRule.objects.exists()


def test_countries_no_chosen_channel_serves_can_never_match(market):
    errors = validate_rule_conditions(
        is_default=False, is_active=True, channels=[market.channel], countries=["JP"], regions=[],
        postcode_prefixes=[], skus=[], has_categories=False, min_weight=None, max_weight=None,
        value_currency="", min_value=None, max_value=None, delivery_methods=[],
        action="warehouses", radius_km=None)
    assert "could never match" in errors["countries"][0]


def test_store_admin_keeps_pickup_on_the_warehouse_and_refuses_bad_time_zone(admin_client_, market):
    store = market.munich
    store.opening_hours.all().delete()
    url = reverse("admin:stores_store_change", args=[store.pk])
    assert admin_client_.get(url).status_code == 200
    base = {
        "warehouse": store.warehouse_id, "time_zone": "Mars/Olympus", "preparation_minutes": 20,
        "pickup_hold_days": 5, "reminder_days_before": 1, "transfer_days": 2, "fee_percent": "3",
        "opening_hours-TOTAL_FORMS": "2", "opening_hours-INITIAL_FORMS": "0",
        "opening_hours-MIN_NUM_FORMS": "0", "opening_hours-MAX_NUM_FORMS": "1000",
        "opening_hours-0-weekday": "0", "opening_hours-0-opens": "09:00",
        "opening_hours-0-closes": "13:00", "opening_hours-1-weekday": "0",
        "opening_hours-1-opens": "14:00", "opening_hours-1-closes": "18:00",
        "fee_rules-TOTAL_FORMS": "0", "fee_rules-INITIAL_FORMS": "0",
        "fee_rules-MIN_NUM_FORMS": "0", "fee_rules-MAX_NUM_FORMS": "1000",
    }
    resp = admin_client_.post(url, base)
    assert resp.status_code == 200 and "is not an IANA time zone" in resp.content.decode()
    overlap = {**base, "time_zone": "Europe/Berlin", "opening_hours-1-opens": "12:00"}
    resp = admin_client_.post(url, overlap)
    assert resp.status_code == 200 and "Opening hours overlap on Monday" in resp.content.decode()
    resp = admin_client_.post(url, {**base, "time_zone": "Europe/Berlin"})  # pickup unticked
    assert resp.status_code == 302
    store = Store.objects.select_related("warehouse").get(pk=store.pk)
    assert store.warehouse.pickup_enabled is False and store.preparation_minutes == 20
    assert store.opening_hours.count() == 2


def test_a_default_rule_may_leave_the_warehouses_to_the_channel(admin_client_, market):
    resp = _post(admin_client_, is_default="on", name="Channel order")
    assert resp.status_code == 302, resp.content.decode()[:2000]
    rule = RoutingRule.objects.get()
    assert rule.is_default and not rule.warehouses.exists()
