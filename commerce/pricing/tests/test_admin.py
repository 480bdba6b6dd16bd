"""One admin for the FX table (date-effective, with the rate in force marked) and rounding."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from commerce.pricing import hooks
from commerce.pricing.models import FxRate, PriceRounding

pytestmark = pytest.mark.django_db


def test_rates_are_added_in_the_admin_and_the_one_in_force_is_marked(admin_client):
    today = timezone.localdate()
    heard: list[set[str]] = []
    hooks.register_fx_rates_changed_listener(heard.append)
    try:
        for days, value in ((-10, "0.80"), (0, "0.79"), (5, "0.70")):
            response = admin_client.post("/admin/pricing/fxrate/add/", {
                "base_currency": "usd", "quote_currency": "gbp", "rate": value,
                "effective_date": (today + timedelta(days=days)).isoformat(), "source": "ECB",
            })
            assert response.status_code == 302, response.content[:300]
    finally:
        hooks.unregister_fx_rates_changed_listener(heard.append)
    assert heard == [{"USD", "GBP"}] * 3
    assert FxRate.objects.filter(base_currency="USD", quote_currency="GBP").count() == 3

    page = admin_client.get("/admin/pricing/fxrate/")
    assert page.status_code == 200
    rows = list(page.context["cl"].result_list)
    in_force = {r.rate: page.context["cl"].model_admin.in_force(r) for r in rows}
    assert in_force == {Decimal("0.80"): False, Decimal("0.79"): True, Decimal("0.70"): False}


def test_a_bad_rate_is_refused_with_a_form_error(admin_client):
    response = admin_client.post("/admin/pricing/fxrate/add/", {
        "base_currency": "EUR", "quote_currency": "EUR", "rate": "1",
        "effective_date": timezone.localdate().isoformat()})
    assert response.status_code == 200 and b"errorlist" in response.content
    assert not FxRate.objects.exists()


def test_rounding_rules_are_chosen_from_the_registered_strategies(admin_client):
    response = admin_client.post("/admin/pricing/pricerounding/add/",
                                 {"currency": "GBP", "strategy": "ending-95"})
    assert response.status_code == 302
    bad = admin_client.post("/admin/pricing/pricerounding/add/",
                            {"currency": "CHF", "strategy": "banana"})
    assert bad.status_code == 200 and b"errorlist" in bad.content
    assert list(PriceRounding.objects.values_list("currency", flat=True)) == ["GBP"]
