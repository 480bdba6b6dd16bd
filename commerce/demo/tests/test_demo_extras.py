"""The demo's shipping rates, email flows and the extension hook for the other layers."""

from __future__ import annotations

import ast
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Q

from commerce.channel.models import Channel, ChannelKind
from commerce.checkout.models import ShippingMethod, ShippingMethodChannelListing, ShippingZone
from commerce.demo.seed import SeedReport, seed_demo
from commerce.notifications.models import LIFECYCLE_FLOWS, FlowSetting

pytestmark = pytest.mark.django_db

seen_reports: list[SeedReport] = []


def fake_extension(report: SeedReport) -> None:
    """Stands for another layer's demo seed (registered through the setting in a test)."""
    seen_reports.append(report)
    report.add("fake things", 2)


@pytest.fixture
def commerce_only(settings):  # noqa: ANN001, ANN201
    settings.DEMO_SEED_EXTENSIONS = []
    return settings


def _rates(channel: Channel, country: str, grams: int, name: str | None = None
           ) -> list[ShippingMethodChannelListing]:
    """What the checkout would offer for a cart of ``grams`` shipped to ``country``."""
    qs = ShippingMethodChannelListing.objects.filter(
        channel=channel, currency=channel.currency_code, shipping_method__is_active=True,
        shipping_method__zone__channels=channel,
        shipping_method__zone__countries__contains=[country],
        shipping_method__minimum_order_weight_grams__lte=grams,
    ).filter(Q(shipping_method__maximum_order_weight_grams__isnull=True)
             | Q(shipping_method__maximum_order_weight_grams__gte=grams))
    if name:
        qs = qs.filter(shipping_method__name=name)
    return list(qs.select_related("shipping_method"))


def test_every_storefront_country_gets_one_standard_and_one_express_rate(commerce_only):
    seed_demo(2)
    storefronts = list(Channel.objects.filter(kind=ChannelKind.STOREFRONT))
    assert {c.slug for c in storefronts} == {"us", "eu", "uk", "jp"}
    for channel in storefronts:
        for country in channel.countries:
            for grams in (1, 500, 2_000, 2_001, 9_999, 10_000):
                standard = _rates(channel, country, grams, "Standard")
                express = _rates(channel, country, grams, "Express")
                assert len(standard) == 1 and len(express) == 1, (channel.slug, country, grams)
                assert standard[0].price_amount < express[0].price_amount
                m = standard[0].shipping_method
                assert m.minimum_delivery_days <= m.maximum_delivery_days
            heavy = _rates(channel, country, 25_000)
            assert [r.shipping_method.name for r in heavy] == ["Standard"]
            assert _rates(channel, country, 30_001) == []  # over the parcel limit
    # heavier carts cost more, never less
    us = Channel.objects.get(slug="us")
    prices = [_rates(us, "US", g, "Standard")[0].price_amount for g in (500, 5_000, 20_000)]
    assert prices == sorted(prices) and len(set(prices)) == 3


def test_rates_are_in_the_channel_currency_and_yen_are_whole(commerce_only):
    seed_demo(1)
    listings = ShippingMethodChannelListing.objects.select_related("channel")
    assert listings.count() == ShippingMethod.objects.count() > 0
    for listing in listings:
        assert listing.currency == listing.channel.currency_code
        assert listing.channel.kind == ChannelKind.STOREFRONT
        if listing.currency == "JPY":
            assert listing.price_amount == listing.price_amount.to_integral_value()
        else:
            assert listing.price_amount == listing.price_amount.quantize(Decimal("0.01"))
    de = _rates(Channel.objects.get(slug="eu"), "DE", 400, "Standard")[0]
    assert (de.price_amount, de.currency) == (Decimal("4.90"), "EUR")
    jp = _rates(Channel.objects.get(slug="jp"), "JP", 400, "Standard")[0]
    assert (jp.price_amount, jp.currency) == (Decimal("900"), "JPY")
    assert not ShippingMethodChannelListing.objects.filter(
        channel__kind=ChannelKind.MARKETPLACE).exists()


def test_email_flows_are_on_in_every_storefront_channel(commerce_only):
    report = seed_demo(1)
    storefronts = Channel.objects.filter(kind=ChannelKind.STOREFRONT)
    assert report.created["email flow settings"] == storefronts.count() * len(LIFECYCLE_FLOWS)
    for channel in storefronts:
        flows = dict(FlowSetting.objects.filter(channel=channel).values_list("flow", "enabled"))
        assert flows == {str(f.value): True for f in LIFECYCLE_FLOWS}
    assert not FlowSetting.objects.filter(channel__kind=ChannelKind.MARKETPLACE).exists()


def test_a_rerun_keeps_what_the_merchant_changed(commerce_only):
    seed_demo(1)
    setting = FlowSetting.objects.get(channel__slug="eu", flow="winback")
    setting.enabled = False
    setting.save()
    listing = ShippingMethodChannelListing.objects.filter(channel__slug="uk").first()
    listing.price_amount = Decimal("2.50")
    listing.save()
    counts = (ShippingZone.objects.count(), ShippingMethod.objects.count(),
              FlowSetting.objects.count())

    again = seed_demo(1)

    assert again.created == {}
    assert (ShippingZone.objects.count(), ShippingMethod.objects.count(),
            FlowSetting.objects.count()) == counts
    setting.refresh_from_db()
    listing.refresh_from_db()
    assert setting.enabled is False and listing.price_amount == Decimal("2.50")


def test_extensions_named_in_settings_run_last_and_report(settings):
    settings.DEMO_SEED_EXTENSIONS = [f"{__name__}.fake_extension"]
    seen_reports.clear()
    report = seed_demo(1)
    assert seen_reports == [report] and report.created["fake things"] == 2
    assert ShippingZone.objects.exists()  # the commerce part ran before

    out = StringIO()
    call_command("seed_demo", products=1, no_progress=True, stdout=out)
    assert len(seen_reports) == 2 and "fake things: 2" in out.getvalue()


def test_commerce_never_imports_the_layers_above_it():
    root = Path(__file__).resolve().parents[2]  # commerce/
    offenders = []
    for path in root.rglob("*.py"):
        if "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                if name.split(".")[0] in {"hub", "storefront", "connectors"}:
                    offenders.append(f"{path.relative_to(root)}: {name}")
    assert offenders == []
