"""Which products and variants a shopper of a channel may see (Saleor's visibility rules).

A product is visible in a channel when its channel listing is published (and its
publication date has passed) and at least one of its variants has a price in that
channel. Listing pages additionally require ``visible_in_listings``; a product page
opened by slug does not. Staff bypass these rules in the callers.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from commerce.channel.models import Channel

from .models import (
    Product,
    ProductChannelListing,
    ProductVariant,
    ProductVariantChannelListing,
)


def published_listings(channel: Channel, *, now: datetime | None = None,
                       listed_only: bool = False) -> QuerySet[ProductChannelListing]:
    now = now or timezone.now()
    qs = ProductChannelListing.objects.filter(channel=channel, is_published=True).filter(
        Q(published_at__isnull=True) | Q(published_at__lte=now)
    )
    if listed_only:
        qs = qs.filter(visible_in_listings=True)
    return qs


def priced_variant_listings(channel: Channel) -> QuerySet[ProductVariantChannelListing]:
    return ProductVariantChannelListing.objects.filter(channel=channel, price_amount__isnull=False)


def products_visible_in_channel(channel: Channel, *, listed_only: bool = False,
                                now: datetime | None = None) -> QuerySet[Product]:
    """Products a shopper of ``channel`` may see; ``listed_only`` for category/search pages."""
    listing = published_listings(channel, now=now, listed_only=listed_only).filter(
        product_id=OuterRef("pk")
    )
    priced = priced_variant_listings(channel).filter(variant__product_id=OuterRef("pk"))
    return Product.objects.filter(Exists(listing), Exists(priced))


def products_listed_in_channel(channel: Channel) -> QuerySet[Product]:
    """Every product with a listing in ``channel``, published or not (what staff see)."""
    listing = ProductChannelListing.objects.filter(channel=channel, product_id=OuterRef("pk"))
    return Product.objects.filter(Exists(listing))


def variants_visible_in_channel(channel: Channel) -> QuerySet[ProductVariant]:
    """Variants that have a price in ``channel`` (a variant without one cannot be bought)."""
    priced = priced_variant_listings(channel).filter(variant_id=OuterRef("pk"))
    return ProductVariant.objects.filter(Exists(priced))


def is_available_for_purchase(listing: ProductChannelListing | None,
                              now: datetime | None = None) -> bool:
    """Saleor's rule: purchasable once ``available_for_purchase_at`` is set and has passed."""
    if listing is None or listing.available_for_purchase_at is None:
        return False
    return listing.available_for_purchase_at <= (now or timezone.now())
