"""The demo step: marketplace accounts on the sandboxes' demo seller, listings published."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlparse

import pytest

from commerce.demo.seed import SeedReport
from commerce.tests.factories import VariantFactory, VariantListingFactory
from hub import tasks
from hub.demo import seed_marketplaces
from hub.models import Listing, ListingStatus, MarketplaceAccount, OutboxEntry, OutboxStatus
from hub.tests.conftest import receive
from tests.integration.marketplaces import marketplace_channel

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_demo_marketplaces_are_seeded_once_and_go_live_on_the_sandboxes(sandboxes, warehouses,
                                                                       settings):
    settings.AMAZON_SANDBOX_PORT = urlparse(sandboxes.amazon.base_url).port
    settings.EBAY_SANDBOX_PORT = urlparse(sandboxes.ebay.base_url).port
    amazon = marketplace_channel("amazon-us", warehouses[:1])
    ebay = marketplace_channel("ebay-de", warehouses[:1], currency="EUR", countries=("DE",))
    for n in range(3):
        variant = VariantFactory(sku=f"DEMO-{n}")
        receive(variant, warehouses[0], 5 + n)
        VariantListingFactory(variant=variant, channel=amazon, price_amount=Decimal("15.00"))
        VariantListingFactory(variant=variant, channel=ebay, price_amount=Decimal("14.00"))
    VariantFactory(sku="DEMO-NO-STOCK")  # nothing to sell: not published

    first, again = SeedReport(), SeedReport()
    seed_marketplaces(first)
    seed_marketplaces(again)

    assert first.created == {"marketplace accounts": 2, "marketplace listings": 6}
    assert again.created == {}
    assert MarketplaceAccount.objects.count() == 2
    for _ in range(20):
        tasks.sync_drain()
        if not OutboxEntry.objects.exclude(status=OutboxStatus.DONE).exists():
            break
    assert Listing.objects.filter(status=ListingStatus.ACTIVE, is_live=True).count() == 6
    # the sandboxes' own demo seller took these credentials and shows the listings
    assert sandboxes.amazon.held("DEMO-2") == (7, Decimal("15.00"))
    assert sandboxes.ebay.held("DEMO-2") == (7, Decimal("14.00"))
    assert sandboxes.ebay.app.listing_state("DEMO-2")["status"] == "PUBLISHED"
