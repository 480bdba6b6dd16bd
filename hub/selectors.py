"""Read side of the hub: what each listing should show now, listing payloads, health."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet

from commerce.catalog.models import (
    Category,
    ProductMedia,
    ProductTranslation,
    ProductVariant,
    ProductVariantTranslation,
)
from commerce.channel.models import Channel
from commerce.inventory.selectors import variant_availability
from connectors.base import ListingPayload, OfferUpdate

from .errors import PricingError
from .models import (
    CategoryMapping,
    Listing,
    ListingStatus,
    MarketplaceAccount,
    OutboxEntry,
    OutboxStatus,
    PublishBatch,
)
from .rules import PriceContext, listing_price, listing_quantity


@dataclass(frozen=True)
class DesiredOffer:
    """What a listing should show on its marketplace right now."""

    available: int  # units available to the channel (before the quantity rule)
    quantity: int
    price: Decimal | None  # None: the price cannot be worked out (see price_error)
    currency: str
    price_error: str = ""


def listings_for_sync(ids: Iterable[int]) -> QuerySet[Listing]:
    return Listing.objects.filter(pk__in=list(ids)).select_related(
        "account", "account__channel", "account__default_price_rule",
        "account__default_quantity_rule", "price_rule", "quantity_rule",
        "variant", "variant__product",
    )


def listing_desired_offers(listings: Sequence[Listing]) -> dict[int, DesiredOffer]:
    """Quantity (from *available* stock of the channel's warehouses, through the quantity
    rule) and price (through the price rule) per listing, with a few queries per batch."""
    by_channel: dict[int, tuple[Channel, set[int]]] = {}
    for listing in listings:
        channel = listing.account.channel
        by_channel.setdefault(channel.pk, (channel, set()))[1].add(listing.variant_id)
    available: dict[tuple[int, int], int] = {}
    for channel_id, (channel, variant_ids) in by_channel.items():
        for variant_id, units in variant_availability(variant_ids, channel).items():
            available[(channel_id, variant_id)] = units
    ctx = PriceContext()
    ctx.preload(listings)
    out: dict[int, DesiredOffer] = {}
    for listing in listings:
        channel = listing.account.channel
        units = available.get((channel.pk, listing.variant_id), 0)
        price: Decimal | None
        try:
            price = listing_price(listing, ctx)
            error = ""
        except PricingError as exc:
            price, error = None, exc.message
        out[listing.pk] = DesiredOffer(
            available=units, quantity=listing_quantity(listing, units), price=price,
            currency=channel.currency_code, price_error=error,
        )
    return out


def offer_update(listing: Listing, desired: DesiredOffer) -> OfferUpdate:
    return OfferUpdate(sku=listing.sku, price=desired.price,
                       currency=desired.currency if desired.price is not None else "",
                       quantity=desired.quantity, external_id=listing.external_id)


# --------------------------------------------------------------------------- payloads


def site_language_code(account: MarketplaceAccount) -> str:
    """Our language code for a marketplace site's BCP 47 language (de-DE → de, zh-CN → zh-hans)."""
    tag = (account.site_language or "").lower()
    ours = {code for code, _name in settings.LANGUAGES}
    if tag.startswith("zh"):
        return "zh-hans" if "zh-hans" in ours else account.channel.default_language
    primary = tag.split("-")[0]
    return primary if primary in ours else account.channel.default_language


def _category_mapping(account: MarketplaceAccount, category: Category | None,
                      mappings: dict[int, CategoryMapping]) -> CategoryMapping | None:
    node = category
    depth = 0
    while node is not None and depth < 32:
        if node.pk in mappings:
            return mappings[node.pk]
        node = node.parent
        depth += 1
    return None


def _absolute(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return settings.PUBLIC_URL + (url if url.startswith("/") else "/" + url)


def listing_payloads(listings: Sequence[Listing],
                     desired: dict[int, DesiredOffer]) -> dict[int, ListingPayload]:
    """Full listings in each site's language, with category and attribute mapping applied.

    A listing's own overrides (title, description, category, attributes) win.
    """
    if not listings:
        return {}
    variant_ids = {lst.variant_id for lst in listings}
    product_ids = {lst.variant.product_id for lst in listings}
    variants = {
        v.pk: v for v in ProductVariant.objects.filter(pk__in=variant_ids)
        .select_related("product", "product__category", "product__category__parent")
        .prefetch_related("attribute_values__attribute", "product__attribute_values__attribute")
    }
    product_tr = {(t.product_id, t.language_code): t
                  for t in ProductTranslation.objects.filter(product_id__in=product_ids)}
    variant_tr = {(t.product_variant_id, t.language_code): t
                  for t in ProductVariantTranslation.objects.filter(product_variant_id__in=variant_ids)}
    media: dict[int, list[str]] = defaultdict(list)
    for m in ProductMedia.objects.filter(product_id__in=product_ids).order_by("sort_order", "pk"):
        media[m.product_id].append(_absolute(m.url))
    account_ids = {lst.account_id for lst in listings}
    mappings: dict[int, dict[int, CategoryMapping]] = defaultdict(dict)
    for cm in CategoryMapping.objects.filter(account_id__in=account_ids):
        mappings[cm.account_id][cm.category_id] = cm

    out: dict[int, ListingPayload] = {}
    for listing in listings:
        account = listing.account
        variant = variants[listing.variant_id]
        product = variant.product
        lang = site_language_code(account)
        ptr = product_tr.get((product.pk, lang))
        vtr = variant_tr.get((variant.pk, lang))
        product_name = ptr.name if ptr else product.name
        variant_name = (vtr.name if vtr and vtr.name else variant.name) or ""
        title = listing.title or (f"{product_name} – {variant_name}" if variant_name else product_name)
        description = listing.description or (ptr.description if ptr and ptr.description
                                              else product.description)
        mapping = _category_mapping(account, product.category, mappings[account.pk])
        attributes: dict[str, object] = {}
        if mapping and mapping.attribute_map:
            values = {av.attribute.slug: av.name for av in product.attribute_values.all()}
            values.update({av.attribute.slug: av.name for av in variant.attribute_values.all()})
            for remote_name, our_slug in mapping.attribute_map.items():
                if our_slug in values:
                    attributes[remote_name] = values[our_slug]
        attributes.update(listing.attributes or {})
        want = desired[listing.pk]
        out[listing.pk] = ListingPayload(
            sku=listing.sku,
            title=title[:500],
            description=description or title,
            language=account.site_language,
            price=want.price if want.price is not None else Decimal(0),
            currency=want.currency,
            quantity=want.quantity,
            category_id=listing.category_id or (mapping.marketplace_category_id if mapping else ""),
            product_type=listing.product_type or (mapping.product_type if mapping else ""),
            brand=product.brand,
            ean=variant.barcode,
            condition=listing.condition or "new",
            attributes=attributes,
            image_urls=tuple(u for u in media.get(product.pk, []) if u),
            weight_grams=variant.weight_grams,
            external_id=listing.external_id,
        )
    return out


# --------------------------------------------------------------------------- health


def account_health(accounts: Iterable[MarketplaceAccount]) -> dict[int, dict[str, object]]:
    """Backlog, dead letters, listing errors and last push per account (channel health)."""
    ids = [a.pk for a in accounts]
    out: dict[int, dict[str, object]] = {
        pk: {"backlog": 0, "in_flight": 0, "dead": 0, "failed": 0, "errors": 0, "live": 0}
        for pk in ids
    }
    rows = (OutboxEntry.objects.filter(account_id__in=ids,
                                       status__in=[OutboxStatus.PENDING, OutboxStatus.IN_FLIGHT,
                                                   OutboxStatus.DEAD, OutboxStatus.FAILED])
            .values("account_id", "status").annotate(n=Count("pk")))
    names: dict[str, str] = {OutboxStatus.PENDING: "backlog", OutboxStatus.IN_FLIGHT: "in_flight",
                             OutboxStatus.DEAD: "dead", OutboxStatus.FAILED: "failed"}
    for row in rows:
        out[row["account_id"]][names[str(row["status"])]] = row["n"]
    listing_rows = (Listing.objects.filter(account_id__in=ids).values("account_id")
                    .annotate(errors=Count("pk", filter=Q(status="error")),
                              live=Count("pk", filter=Q(is_live=True)),
                              last_push=Max("pushed_at")))
    for lrow in listing_rows:
        out[lrow["account_id"]].update(errors=lrow["errors"], live=lrow["live"],
                                       last_push=lrow["last_push"])
    return out


@dataclass(frozen=True)
class PublishProgress:
    total: int
    live: int
    failed: int

    @property
    def pending(self) -> int:
        return max(self.total - self.live - self.failed, 0)

    @property
    def percent(self) -> int:
        return 100 if not self.total else (self.live + self.failed) * 100 // self.total

    @property
    def finished(self) -> bool:
        return self.pending == 0


def publish_progress(batch: PublishBatch) -> PublishProgress:
    """How far a bulk publish got: listings the marketplace accepted since the batch
    started, listings in error, and the rest still queued."""
    counts = Listing.objects.filter(pk__in=batch.listing_ids).aggregate(
        live=Count("pk", filter=Q(last_sync_at__gte=batch.created_at, last_sync_ok=True)
                   & ~Q(status=ListingStatus.ERROR)),
        failed=Count("pk", filter=Q(status=ListingStatus.ERROR)
                     | Q(last_sync_at__gte=batch.created_at, last_sync_ok=False)),
    )
    return PublishProgress(total=len(batch.listing_ids), live=counts["live"],
                           failed=counts["failed"])
