"""Listings: create, publish, edit, delist and relist; each change queues its push."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from commerce.catalog.models import Category, Product, ProductVariant

from ..errors import HubError, HubErrorCode
from ..models import (
    Listing,
    ListingStatus,
    MarketplaceAccount,
    OutboxKind,
    PriceRule,
    PriceRuleKind,
    PublishBatch,
    QuantityRule,
)
from .outbox import outbox_enqueue_listings

EDITABLE_FIELDS = {
    "title", "description", "category_id", "product_type", "attributes", "condition",
    "price_rule", "quantity_rule", "fixed_price", "external_id",
}
# Fields whose change only moves price or quantity (no full re-publish needed).
OFFER_FIELDS = {"price_rule", "quantity_rule", "fixed_price"}


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise HubError(_("Unknown listing fields: %(f)s") % {"f": ", ".join(sorted(unknown))},
                       code=HubErrorCode.INVALID, field=sorted(unknown)[0])
    if fields.get("fixed_price") is not None:
        try:
            price = Decimal(str(fields["fixed_price"]))
        except InvalidOperation as exc:
            raise HubError(_("Not a valid price."), code=HubErrorCode.INVALID,
                           field="fixed_price") from exc
        if not price.is_finite() or price < 0 or price >= Decimal(10) ** 17:
            raise HubError(_("The fixed price must be a positive amount."),
                           code=HubErrorCode.INVALID, field="fixed_price")
        fields["fixed_price"] = price
    if "attributes" in fields and not isinstance(fields["attributes"], dict):
        raise HubError(_("Attributes must be a mapping of marketplace attribute to value."),
                       code=HubErrorCode.INVALID, field="attributes")
    return fields


def listing_create(account: MarketplaceAccount, variant: ProductVariant, *, sku: str = "",
                   publish: bool = False, **fields: Any) -> Listing:
    """Put a variant on a marketplace channel (as a draft unless ``publish``)."""
    fields = _clean(dict(fields))
    sku = (sku or variant.sku).strip()
    if not sku or len(sku) > 64:
        raise HubError(_("A marketplace SKU of 1 to 64 characters is required."),
                       code=HubErrorCode.INVALID, field="sku")
    try:
        with transaction.atomic():
            listing = Listing.objects.create(account=account, variant=variant, sku=sku,
                                             status=ListingStatus.DRAFT, **fields)
            if publish:
                listing_publish(listing)
    except IntegrityError as exc:
        raise HubError(
            _("%(sku)s is already listed on %(channel)s.") % {"sku": sku, "channel": account.channel},
            code=HubErrorCode.INVALID, field="sku",
        ) from exc
    return listing


def listing_publish(listing: Listing) -> Listing:
    """Make a listing active and queue its full publish."""
    with transaction.atomic():
        Listing.objects.filter(pk=listing.pk).update(status=ListingStatus.ACTIVE,
                                                     auto_delisted=False)
        listing.status, listing.auto_delisted = ListingStatus.ACTIVE, False
        outbox_enqueue_listings([(listing.pk, listing.account_id)], OutboxKind.PUBLISH, "publish")
    return listing


def listing_update(listing: Listing, **fields: Any) -> Listing:
    """Edit a listing's overrides or rules; a live listing gets the change pushed."""
    fields = _clean(dict(fields))
    with transaction.atomic():
        listing = Listing.objects.select_for_update().get(pk=listing.pk)
        for name, value in fields.items():
            setattr(listing, name, value)
        if listing.status == ListingStatus.ERROR:
            listing.status = ListingStatus.ACTIVE  # the edit is the fix; the push will tell
        listing.save()
        if listing.status == ListingStatus.ACTIVE:
            kind = OutboxKind.OFFER if set(fields) <= OFFER_FIELDS and listing.is_live \
                else OutboxKind.PUBLISH
            if kind == OutboxKind.OFFER:
                Listing.objects.filter(pk=listing.pk).update(pushed_price=None)
            outbox_enqueue_listings([(listing.pk, listing.account_id)], kind, "edit")
    return listing


def listing_delist(listing: Listing, *, auto: bool = False) -> Listing:
    """Stop selling on the marketplace (kept for relisting)."""
    with transaction.atomic():
        Listing.objects.filter(pk=listing.pk).update(status=ListingStatus.INACTIVE,
                                                     auto_delisted=auto)
        listing.status, listing.auto_delisted = ListingStatus.INACTIVE, auto
        outbox_enqueue_listings([(listing.pk, listing.account_id)], OutboxKind.DELIST,
                                "low_stock" if auto else "delist")
    return listing


def listing_relist(listing: Listing) -> Listing:
    return listing_publish(listing)


def listings_delist(listings: Iterable[Listing]) -> int:
    rows = [(lst.pk, lst.account_id) for lst in listings if lst.status != ListingStatus.DRAFT]
    with transaction.atomic():
        Listing.objects.filter(pk__in=[pk for pk, _a in rows]).update(
            status=ListingStatus.INACTIVE, auto_delisted=False)
        outbox_enqueue_listings(rows, OutboxKind.DELIST, "delist")
    return len(rows)


def listings_relist(listings: Iterable[Listing]) -> int:
    rows = [(lst.pk, lst.account_id) for lst in listings]
    with transaction.atomic():
        Listing.objects.filter(pk__in=[pk for pk, _a in rows]).update(
            status=ListingStatus.ACTIVE, auto_delisted=False)
        outbox_enqueue_listings(rows, OutboxKind.PUBLISH, "relist")
    return len(rows)


def product_delist_everywhere(product: Product) -> int:
    """Withdraw every variant of a product from every marketplace; returns listings."""
    return listings_delist(Listing.objects.filter(variant__product=product)
                           .exclude(status=ListingStatus.DRAFT))


def product_relist_everywhere(product: Product) -> int:
    """Put a product back on every marketplace it was listed on; returns listings."""
    return listings_relist(Listing.objects.filter(variant__product=product,
                                                  status__in=[ListingStatus.INACTIVE,
                                                              ListingStatus.ERROR]))


def listings_force_resync(listings_qs) -> int:  # noqa: ANN001
    """Push price and quantity again even if the hub thinks the marketplace has them."""
    with transaction.atomic():
        rows = list(listings_qs.values_list("pk", "account_id"))
        Listing.objects.filter(pk__in=[pk for pk, _a in rows]).update(
            pushed_quantity=None, pushed_price=None)
        return outbox_enqueue_listings(rows, OutboxKind.OFFER, "resync")


def listings_publish_category(account: MarketplaceAccount, category: Category, *,
                              include_subcategories: bool = True,
                              price_rule: PriceRule | None = None,
                              quantity_rule: QuantityRule | None = None,
                              user: Any = None) -> dict[str, int]:
    """Publish every variant of a category (and its subcategories) on one marketplace.

    Variants already listed there are (re)published; the rest get new listings. A
    PublishBatch records what was queued so the admin can follow the progress.
    Returns counts of created and published listings and the batch's id.
    """
    category_ids = [category.pk]
    if include_subcategories:
        frontier = [category.pk]
        while frontier:
            frontier = list(Category.objects.filter(parent_id__in=frontier)
                            .values_list("pk", flat=True))
            category_ids.extend(frontier)
    variants = list(ProductVariant.objects.filter(product__category_id__in=category_ids)
                    .values_list("pk", "sku"))
    with transaction.atomic():
        existing = set(Listing.objects.filter(account=account,
                                              variant_id__in=[pk for pk, _s in variants])
                       .values_list("variant_id", flat=True))
        taken_skus = set(Listing.objects.filter(account=account).values_list("sku", flat=True))
        fresh = [Listing(account=account, variant_id=pk, sku=sku, status=ListingStatus.ACTIVE,
                         price_rule=price_rule, quantity_rule=quantity_rule)
                 for pk, sku in variants if pk not in existing and sku not in taken_skus]
        Listing.objects.bulk_create(fresh, batch_size=1000)
        targets = Listing.objects.filter(account=account,
                                         variant_id__in=[pk for pk, _s in variants])
        targets.exclude(status=ListingStatus.ACTIVE).update(status=ListingStatus.ACTIVE,
                                                            auto_delisted=False)
        rows = list(targets.values_list("pk", "account_id"))
        outbox_enqueue_listings(rows, OutboxKind.PUBLISH, "bulk_publish")
        batch = PublishBatch.objects.create(
            account=account, category=category, listing_ids=[pk for pk, _a in rows],
            created_count=len(fresh),
            created_by=user if user is not None and getattr(user, "pk", None) else None)
    return {"created": len(fresh), "published": len(rows), "batch": batch.pk}


def rule_changed(rule: PriceRule | QuantityRule) -> int:
    """A price or quantity rule was edited: every listing it drives gets a push."""
    if isinstance(rule, PriceRule):
        qs = Listing.objects.filter(Q(price_rule=rule) | Q(price_rule__isnull=True,
                                                             account__default_price_rule=rule))
    else:
        qs = Listing.objects.filter(Q(quantity_rule=rule) | Q(
            quantity_rule__isnull=True, account__default_quantity_rule=rule))
    return _touch_syncing(qs, "rule")


def fx_rates_changed(currencies: Iterable[str] = ()) -> int:
    """FX rates were added or edited: listings priced by derived rules get a price push."""
    derived = Q(price_rule__kind=PriceRuleKind.DERIVED) | Q(
        price_rule__isnull=True, account__default_price_rule__kind=PriceRuleKind.DERIVED)
    qs = Listing.objects.filter(derived, fixed_price__isnull=True)
    wanted = {c.upper() for c in currencies}
    if wanted:
        qs = qs.filter(account__channel__currency_code__in=wanted) | qs.filter(
            Q(price_rule__source_channel__currency_code__in=wanted)
            | Q(account__default_price_rule__source_channel__currency_code__in=wanted))
    return _touch_syncing(qs, "fx")


def _touch_syncing(qs, reason: str) -> int:  # noqa: ANN001
    qs = qs.filter(status__in=[ListingStatus.ACTIVE, ListingStatus.ERROR], is_live=True)
    with transaction.atomic():
        rows = list(qs.distinct().values_list("pk", "account_id"))
        Listing.objects.filter(pk__in=[pk for pk, _a in rows]).update(pushed_price=None)
        return outbox_enqueue_listings(rows, OutboxKind.OFFER, reason)
