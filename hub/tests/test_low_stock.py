"""Low stock: alerts at the variant's threshold, automatic delist and relist, and
delist / relist of a product on every marketplace."""

from __future__ import annotations

from decimal import Decimal

import pytest

from commerce.channel.models import ChannelKind
from commerce.orders.services import OrderInput, OrderLineInput, order_create
from commerce.tests.factories import ChannelFactory
from hub import hooks
from hub.models import Alert, AlertKind, ListingStatus, MarketplaceAccount
from hub.services import product_delist_everywhere, product_relist_everywhere, sync_drain
from hub.tests import fakes
from hub.tests.conftest import make_listed_variant, receive

pytestmark = pytest.mark.django_db


def test_threshold_opens_an_alert_then_closes_it_when_restocked(listing, channel, warehouses,
                                                               django_capture_on_commit_callbacks):
    heard = []
    hooks.register_alert_listener(heard.append)
    try:
        variant = listing.variant
        variant.low_stock_threshold = 3
        variant.save()
        with django_capture_on_commit_callbacks(execute=True):
            order_create(OrderInput(channel=channel, currency="USD", lines=[
                OrderLineInput(sku=variant.sku, quantity=7, unit_price=Decimal(20))]))
        alert = Alert.objects.get(kind=AlertKind.LOW_STOCK, is_open=True)
        assert alert.variant == variant and "3 available" in alert.message
        assert heard == [alert]  # the email issue plugs in here
        order_create(OrderInput(channel=channel, currency="USD", lines=[
            OrderLineInput(sku=variant.sku, quantity=1, unit_price=Decimal(20))]))
        assert Alert.objects.filter(kind=AlertKind.LOW_STOCK, is_open=True).count() == 1
        assert "2 available" in Alert.objects.get(kind=AlertKind.LOW_STOCK).message
        receive(variant, warehouses[0], 10)
        assert not Alert.objects.filter(kind=AlertKind.LOW_STOCK, is_open=True).exists()
    finally:
        hooks.unregister_alert_listener(heard.append)


def test_variant_without_threshold_raises_nothing(listing, channel):
    order_create(OrderInput(channel=channel, currency="USD", lines=[
        OrderLineInput(sku=listing.variant.sku, quantity=10, unit_price=Decimal(20))]))
    assert not Alert.objects.exists()


def test_listing_is_delisted_at_the_accounts_level_and_relisted_when_stock_returns(
        listing, market, channel, warehouses):
    account = listing.account
    account.auto_delist_at = 2
    account.save()
    order_create(OrderInput(channel=channel, currency="USD", lines=[
        OrderLineInput(sku=listing.variant.sku, quantity=8, unit_price=Decimal(20))]))
    sync_drain(account.pk)
    listing.refresh_from_db()
    assert listing.status == ListingStatus.INACTIVE and listing.auto_delisted
    assert not market.offers["TEE-RED-M"].live and not listing.is_live
    assert "2 available" in listing.last_sync_result
    receive(listing.variant, warehouses[0], 5)
    sync_drain(account.pk)
    listing.refresh_from_db()
    assert listing.status == ListingStatus.ACTIVE and not listing.auto_delisted
    assert market.offers["TEE-RED-M"].live and market.offers["TEE-RED-M"].quantity == 7


def test_manually_delisted_listing_is_not_relisted_by_stock(listing, market, warehouses):
    from hub.services import listing_delist

    listing.account.auto_delist_at = 0
    listing.account.save()
    listing_delist(listing)
    sync_drain(listing.account_id)
    receive(listing.variant, warehouses[0], 5)
    sync_drain(listing.account_id)
    listing.refresh_from_db()
    assert listing.status == ListingStatus.INACTIVE and not market.offers["TEE-RED-M"].live


def test_delist_and_relist_a_product_on_every_marketplace(account, warehouses, market):
    ebay = fakes.install(fakes.FakeMarketplace(site="FAKE-DE"))
    de = ChannelFactory(slug="fake-de", kind=ChannelKind.MARKETPLACE, currency_code="USD",
                        warehouses=warehouses[:1])
    de_account = MarketplaceAccount.objects.create(channel=de, connector="fake", site="FAKE-DE")
    us_listing = make_listed_variant(account, warehouses, "TEE-BLU-S", qty=4)
    from commerce.tests.factories import VariantListingFactory
    from hub.services import listing_create

    VariantListingFactory(variant=us_listing.variant, channel=de, price_amount=Decimal(21))
    listing_create(de_account, us_listing.variant, publish=True)
    sync_drain()
    assert market.offers["TEE-BLU-S"].live and ebay.offers["TEE-BLU-S"].live

    assert product_delist_everywhere(us_listing.variant.product) == 2
    sync_drain()
    assert not market.offers["TEE-BLU-S"].live and not ebay.offers["TEE-BLU-S"].live

    assert product_relist_everywhere(us_listing.variant.product) == 2
    sync_drain()
    assert market.offers["TEE-BLU-S"].live and ebay.offers["TEE-BLU-S"].live
    assert ebay.offers["TEE-BLU-S"].price == Decimal("21.000")
