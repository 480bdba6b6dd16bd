from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from commerce.tests.factories import UserFactory
from hub.stores import services
from hub.stores.models import StoreFeeRule, StoreFulfilment
from hub.stores.settlement import settlement_statement, statement_csv, statement_pdf
from hub.stores.tests.utils import pickup_order

pytestmark = pytest.mark.django_db
BERLIN_TZ = ZoneInfo("Europe/Berlin")


def _collect(m, lines, at: datetime):  # noqa: ANN001, ANN202
    order = pickup_order(m, m.berlin, lines)
    f = StoreFulfilment.objects.get(order=order)
    for sku, qty in lines:
        services.fulfilment_scan(f, sku, quantity=qty)
    with mock.patch("django.utils.timezone.now", return_value=at - timedelta(hours=1)):
        code = services.fulfilment_mark_ready(f)
    with mock.patch("django.utils.timezone.now", return_value=at):
        services.fulfilment_handover(f, code)
    return order


@pytest.fixture
def november(market):
    market.berlin.fee_percent = Decimal("10")
    market.berlin.save()
    StoreFeeRule.objects.create(store=market.berlin, currency="EUR",
                                fixed_per_order=Decimal("0.50"))
    a = _collect(market, [("TEE-BLK-M", 2)], datetime(2026, 11, 3, 10, tzinfo=BERLIN_TZ))  # 39.98
    b = _collect(market, [("MUG-WHT", 1)], datetime(2026, 11, 30, 23, 30, tzinfo=BERLIN_TZ))  # 9.50
    # 1 December 00:30 in Berlin is still 30 November in UTC: it belongs to December
    _collect(market, [("MUG-WHT", 1)], datetime(2026, 12, 1, 0, 30, tzinfo=BERLIN_TZ))
    return a, b


def test_statement_counts_amounts_and_fees_per_currency(market, november):
    statement = settlement_statement(market.berlin, 2026, 11)
    (eur,) = statement.totals
    assert (eur.currency, eur.orders, eur.amount) == ("EUR", 2, Decimal("49.48"))
    assert eur.percent_fee == Decimal("4.95")  # 4.00 + 0.95
    assert eur.fixed_fee == Decimal("1.00") and eur.fee == Decimal("5.95")
    assert [ln.order_number for ln in statement.lines] == [o.number for o in november]
    december = settlement_statement(market.berlin, 2026, 12)
    assert december.totals[0].orders == 1
    assert settlement_statement(market.munich, 2026, 11).totals == []


def test_csv_and_pdf_carry_the_same_numbers(market, november):
    statement = settlement_statement(market.berlin, 2026, 11)
    csv_text = statement_csv(statement)
    assert f"Berlin store,2026-11,{november[0].number},Shop DE,Pickup" in csv_text
    assert ",EUR,39.98,4.50" in csv_text
    assert "Berlin store,2026-11,EUR,2,49.48,4.95,1.00,5.95" in csv_text
    pdf = statement_pdf(statement)
    assert pdf.startswith(b"%PDF")
    text = _pdf_text(pdf)
    for figure in (b"49.48", b"4.95", b"5.95", b"39.98", str(november[1].number).encode()):
        assert figure in text


def _pdf_text(pdf: bytes) -> bytes:
    """Content streams of a reportlab PDF (ASCII85 + Flate), decoded."""
    import base64
    import re
    import zlib

    out = []
    for raw in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        data = raw.strip()
        if data.endswith(b"~>"):
            data = base64.a85decode(data.removeprefix(b"<~")[:-2])
        try:
            out.append(zlib.decompress(data))
        except zlib.error:
            out.append(data)
    return b"".join(out)


def test_admin_shows_and_exports_the_statement(client, market, november):
    client.force_login(UserFactory(email="boss@example.com", is_staff=True, is_superuser=True))
    url = reverse("admin:stores_store_settlement", args=[market.berlin.pk])
    page = client.get(url, {"month": "2026-11"})
    assert page.status_code == 200 and "49.48" in page.content.decode()
    csv_resp = client.get(url, {"month": "2026-11", "format": "csv"})
    assert csv_resp["Content-Type"].startswith("text/csv") and b"5.95" in csv_resp.content
    pdf_resp = client.get(url, {"month": "2026-11", "format": "pdf"})
    assert pdf_resp["Content-Type"] == "application/pdf"
    assert client.get(url, {"month": "garbage"}).status_code == 200


def test_a_split_order_counts_only_the_parcel_the_store_shipped_per_currency(market):
    """Berlin ships its part of a euro order and a pound order: one total per currency,
    each with only the Berlin lines' value; the per-order fee exists for euros only."""
    from commerce.orders.services import OrderInput, OrderLineInput
    from commerce.tests.factories import ChannelFactory
    from hub.stores.models import RoutingRule, RoutingRuleWarehouse
    from hub.stores.routing import create_routed_order

    market.berlin.fee_percent = Decimal("10")
    market.berlin.save()
    StoreFeeRule.objects.create(store=market.berlin, currency="EUR",
                                fixed_per_order=Decimal("0.50"))
    uk = ChannelFactory(slug="uk", name="Shop UK", currency_code="GBP", countries=["GB"],
                        warehouses=[market.central, market.berlin.warehouse])
    rule = RoutingRule.objects.create(name="Berlin first", priority=1, allow_split=True)
    for n, wh in enumerate([market.berlin.warehouse, market.central]):
        RoutingRuleWarehouse.objects.create(rule=rule, warehouse=wh, sort_order=n)
    shipped_at = datetime(2026, 11, 12, 15, tzinfo=BERLIN_TZ)
    # euros: 4 mugs, Berlin holds 3 of them and the central warehouse sends the 4th;
    # pounds: 1 tee from Berlin
    for channel, currency, sku, quantity, price in (
            (market.channel, "EUR", "MUG-WHT", 4, "9.50"), (uk, "GBP", "TEE-BLK-M", 1, "8.00")):
        order = create_routed_order(OrderInput(
            channel=channel, currency=currency,
            lines=[OrderLineInput(sku=sku, quantity=quantity, unit_price=Decimal(price))],
            shipping_address={"first_name": "Ada", "city": "Berlin", "country": "DE"}))
        f = StoreFulfilment.objects.get(order=order)
        parcel = f.lines.get().quantity
        assert parcel == min(quantity, 3)
        services.fulfilment_scan(f, sku, quantity=parcel)
        with mock.patch("django.utils.timezone.now", return_value=shipped_at):
            services.fulfilment_ship(f, carrier="DHL", tracking_number=f"JJD{currency}1")
    statement = settlement_statement(market.berlin, 2026, 11)
    eur, gbp = statement.totals
    assert (eur.currency, eur.orders, eur.amount, eur.fee) == (
        "EUR", 1, Decimal("28.50"), Decimal("3.35"))  # 3 × 9.50, not the order's 4 mugs
    assert (gbp.currency, gbp.orders, gbp.amount, gbp.fee) == (
        "GBP", 1, Decimal("8.00"), Decimal("0.80"))
    assert "Berlin store,2026-11,GBP,1,8.00,0.80,0.00,0.80" in statement_csv(statement)
