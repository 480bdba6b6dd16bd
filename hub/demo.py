"""Demo step: the two demo marketplace accounts on the loopback sandboxes, with listings.

``seed_marketplaces(report)`` runs after the commerce seed (channels ``amazon-us`` and
``ebay-de`` exist there). It creates one account per channel whose credentials are the
sandbox demo seller's (``connectors.registry.demo_credentials``) at
``settings.AMAZON_SANDBOX_PORT`` / ``settings.EBAY_SANDBOX_PORT``, maps the root
categories to a marketplace category, and publishes a few dozen in-stock variants.
The publishes wait in the outbox until a worker drains them (``make run`` starts the
sandboxes, the worker and beat), after which every storefront sale moves the
marketplaces' quantities. Running it again changes nothing.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum

from commerce.catalog.models import Category, ProductVariant
from commerce.channel.models import Channel, ChannelKind
from commerce.inventory.selectors import channel_warehouse_ids
from connectors.registry import demo_credentials

from .models import CategoryMapping, Listing, MarketplaceAccount
from .services import listing_create

DEMO_LISTINGS_PER_CHANNEL = 36


@dataclasses.dataclass(frozen=True)
class DemoMarketplace:
    channel_slug: str
    connector: str
    port_setting: str
    site: str  # the site the demo account sells on (the sandbox seller accepts any)
    site_language: str
    category_id: str  # marketplace category every demo root category maps to
    product_type: str = ""


DEMO_MARKETPLACES = (
    DemoMarketplace("amazon-us", "amazon", "AMAZON_SANDBOX_PORT", "ATVPDKIKX0DER", "en-US",
                    category_id="", product_type="PRODUCT"),
    # eBay publishes offers only in a leaf category: 88433 is "Everything Else > Other".
    DemoMarketplace("ebay-de", "ebay", "EBAY_SANDBOX_PORT", "EBAY_DE", "de-DE",
                    category_id="88433"),
)


def _account(spec: DemoMarketplace, channel: Channel) -> tuple[MarketplaceAccount, bool]:
    existing = MarketplaceAccount.objects.filter(channel=channel).first()
    if existing is not None:
        return existing, False
    port = int(getattr(settings, spec.port_setting))
    creds = demo_credentials(spec.connector, f"http://127.0.0.1:{port}")
    account = MarketplaceAccount.objects.create(
        channel=channel, connector=spec.connector, site=spec.site,
        site_language=spec.site_language, seller_id=creds.seller_id,
        client_id=creds.client_id, client_secret=creds.client_secret,
        refresh_token=creds.refresh_token, endpoint=creds.endpoint,
        auth_endpoint=creds.auth_endpoint, extra_credentials=json.dumps(creds.extra),
        auto_delist_at=0,
    )
    return account, True


def _demo_variants(channel: Channel, limit: int) -> list[ProductVariant]:
    """Variants priced on the channel with the most free stock in its warehouses."""
    warehouses = channel_warehouse_ids(channel)
    return list(
        ProductVariant.objects.filter(channel_listings__channel=channel,
                                      stocks__warehouse_id__in=warehouses)
        .annotate(free=Sum(F("stocks__quantity") - F("stocks__quantity_allocated")
                           - F("stocks__quantity_reserved")))
        .filter(free__gt=0).select_related("product")
        .order_by("-free", "sku")[:limit]
    )


def seed_marketplaces(report: Any) -> None:  # noqa: ANN401 - commerce.demo.seed.SeedReport
    """Create the demo marketplace accounts and publish demo listings (idempotent)."""
    accounts = 0
    listings = 0
    for spec in DEMO_MARKETPLACES:
        channel = Channel.objects.filter(slug=spec.channel_slug,
                                         kind=ChannelKind.MARKETPLACE).first()
        if channel is None:
            continue  # the commerce seed did not create it: nothing to attach to
        with transaction.atomic():
            account, created = _account(spec, channel)
            accounts += int(created)
            if spec.category_id:
                for root in Category.objects.filter(parent__isnull=True):
                    CategoryMapping.objects.get_or_create(
                        account=account, category=root,
                        defaults={"marketplace_category_id": spec.category_id,
                                  "product_type": spec.product_type})
            listed = set(Listing.objects.filter(account=account)
                         .values_list("variant_id", flat=True))
            for variant in _demo_variants(channel, DEMO_LISTINGS_PER_CHANNEL):
                if variant.pk in listed:
                    continue
                listing_create(account, variant, publish=True,
                               product_type=spec.product_type)
                listings += 1
    report.add("marketplace accounts", accounts)
    report.add("marketplace listings", listings)
