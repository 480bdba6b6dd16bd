from __future__ import annotations

from types import SimpleNamespace

import pytest

from commerce.channel.models import ChannelKind
from commerce.tests.factories import ChannelFactory, VariantFactory
from hub.models import MarketplaceAccount, OversellPolicy
from hub.stores.models import RoutingRule, RoutingRuleWarehouse
from hub.stores.routing import invalidate_routing_table
from hub.stores.tests import fake_payments
from hub.stores.tests.utils import build_market


@pytest.fixture(autouse=True)
def _payments(settings):
    settings.STORES_PAYMENT_BACKEND = "hub.stores.tests.fake_payments"
    settings.STORES_ROUTING_REFRESH_SECONDS = 0  # tests change rules and warehouses between calls
    fake_payments.reset()
    invalidate_routing_table()
    yield fake_payments
    invalidate_routing_table()


@pytest.fixture
def payments():
    return fake_payments


@pytest.fixture
def market(db):
    return build_market()


@pytest.fixture
def amazon(market, settings):
    """An Amazon DE account (in-memory connector) that keeps oversold orders as backorders, a
    cap nobody stocks yet, and the merchant's rule: Amazon orders from the Berlin store, then
    the central warehouse, split allowed."""
    settings.HUB_CONNECTORS = {"fake": "hub.tests.fakes.FakeConnector"}
    settings.HUB_SYNC_AUTODRAIN = False
    channel = ChannelFactory(slug="amazon-de", name="Amazon DE", kind=ChannelKind.MARKETPLACE,
                             currency_code="EUR", countries=["DE"], warehouses=[market.central])
    account = MarketplaceAccount.objects.create(
        channel=channel, connector="fake", site="FAKE-DE", site_language="de-DE",
        client_id="cid", client_secret="secret", refresh_token="rt",
        oversell_policy=OversellPolicy.BACKORDER)
    cap = VariantFactory(sku="CAP-RED", barcode="4006381333955", weight_grams=100,
                         product__name="Red cap")
    rule = RoutingRule.objects.create(name="Amazon: Berlin store, then central", priority=5,
                                      allow_split=True)
    rule.channels.set([channel])
    for n, wh in enumerate([market.berlin.warehouse, market.central]):
        RoutingRuleWarehouse.objects.create(rule=rule, warehouse=wh, sort_order=n)
    return SimpleNamespace(channel=channel, account=account, cap=cap, rule=rule)
