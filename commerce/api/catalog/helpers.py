"""Who sees what, and what a page of products prefetches (no N+1)."""


from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import graphene
from django.db.models import Prefetch, QuerySet

from commerce.catalog import visibility
from commerce.catalog.models import Product as ProductModel
from commerce.catalog.models import ProductChannelListing as ProductChannelListingModel
from commerce.catalog.models import ProductMedia as ProductMediaModel
from commerce.catalog.models import ProductVariant as ProductVariantModel
from commerce.catalog.models import (
    ProductVariantChannelListing as ProductVariantChannelListingModel,
)
from commerce.channel.models import Channel as ChannelModel

from ..core import (
    PERM_VIEW_UNPUBLISHED,
    attach_all,
    country_from_enum,
    description_json,
    selected_names,
    staff_has_perm,
    view_of,
)
from ..filters import channel_stock


def sees_unpublished(info: graphene.ResolveInfo) -> bool:
    return staff_has_perm(info, PERM_VIEW_UNPUBLISHED)


def listing_of(product: ProductModel, channel: ChannelModel | None) -> Any:
    if channel is None:
        return None
    prefetched = getattr(product, "_channel_listings", None)
    if prefetched is not None:
        return prefetched[0] if prefetched else None
    return product.channel_listings.filter(channel=channel).first()


def variant_listing_of(variant: ProductVariantModel, channel: ChannelModel | None) -> Any:
    if channel is None:
        return None
    prefetched = getattr(variant, "_channel_listings", None)
    if prefetched is not None:
        return prefetched[0] if prefetched else None
    return variant.channel_listings.filter(channel=channel).first()


def channel_stocks_of(variant: ProductVariantModel, channel: ChannelModel) -> list[Any]:
    prefetched = getattr(variant, "_channel_stocks", None)
    if prefetched is not None:
        return prefetched
    return list(channel_stock(channel).filter(variant=variant).select_related("warehouse"))


def base_variants(info: graphene.ResolveInfo,
                   channel: ChannelModel | None) -> QuerySet[ProductVariantModel]:
    if channel is not None and not sees_unpublished(info):
        return visibility.variants_visible_in_channel(channel)
    return ProductVariantModel.objects.all()


def variant_prefetches(channel: ChannelModel | None, names: Iterable[str],
                       language: str | None) -> list[Any]:
    names = set(names)
    out: list[Any] = []
    if channel is not None:
        out.append(Prefetch(
            "channel_listings",
            queryset=ProductVariantChannelListingModel.objects.filter(channel=channel),
            to_attr="_channel_listings",
        ))
        if names & {"quantityAvailable", "isAvailable", "stocks"}:
            out.append(Prefetch("stocks", queryset=channel_stock(channel).select_related(
                "warehouse").order_by("pk"), to_attr="_channel_stocks"))
    if language or "translation" in names:
        out.append("translations")
    if "media" in names:
        out.append("media")
    return out


def prepare_products(info: graphene.ResolveInfo, qs: QuerySet[ProductModel],
                     channel: ChannelModel | None,
                     language: str | None) -> QuerySet[ProductModel]:
    """Join and prefetch what the selection needs, so a page costs a fixed query count."""
    names = selected_names(info)
    qs = qs.select_related("product_type", "category")
    prefetches: list[Any] = []
    translated = bool(language) or "translation" in names
    if translated:
        prefetches += ["translations", "category__translations"]
    if "parent" in names:
        qs = qs.select_related("category__parent")
        if translated:
            prefetches.append("category__parent__translations")
    if names & {"media", "thumbnail"}:
        prefetches.append("media")
    if channel is not None:
        prefetches.append(Prefetch(
            "channel_listings",
            queryset=ProductChannelListingModel.objects.filter(channel=channel),
            to_attr="_channel_listings",
        ))
    if names & {"variants", "defaultVariant", "pricing", "isAvailable"}:
        variants = base_variants(info, channel).order_by("sort_order", "sku").prefetch_related(
            *variant_prefetches(channel, names, language))
        prefetches.append(Prefetch("variants", queryset=variants, to_attr="_variants"))
    return qs.prefetch_related(*prefetches)


def variants_of(info: graphene.ResolveInfo, product: ProductModel) -> list[ProductVariantModel]:
    view = view_of(product)
    variants = getattr(product, "_variants", None)
    if variants is None:
        variants = list(
            base_variants(info, view.channel).filter(product=product)
            .order_by("sort_order", "sku")
            .prefetch_related(*variant_prefetches(view.channel, selected_names(info),
                                                  view.language))
        )
        product._variants = variants  # type: ignore[attr-defined]
    return attach_all(variants, view)


def translations_of(obj: Any) -> list[Any]:
    """All translations of obj: prefetched by lists, else loaded once per instance."""
    cache = getattr(obj, "_prefetched_objects_cache", {})
    if "translations" in cache:
        return list(cache["translations"])
    loaded = getattr(obj, "_api_translations", None)
    if loaded is None:
        loaded = list(obj.translations.all())
        obj._api_translations = loaded
    return loaded


def translation_of(obj: Any, language: str | None) -> Any:
    if not language:
        return None
    for tr in translations_of(obj):
        if tr.language_code == language:
            return tr
    return None


def translated(obj: Any, attr: str) -> Any:
    """A field in the node's display language (products(languageCode:)), else the original."""
    tr = translation_of(obj, view_of(obj).language)
    value = getattr(tr, attr, None) if tr is not None else None
    return value if value else getattr(obj, attr)


class TranslatedResolvers:
    """Resolvers of the translatable fields a Saleor catalog node shares (Product, Category):
    each reads the node's display language, falling back to the original."""

    @staticmethod
    def resolve_name(root: Any, info: graphene.ResolveInfo) -> str:
        return translated(root, "name")

    @staticmethod
    def resolve_slug(root: Any, info: graphene.ResolveInfo) -> str:
        return translated(root, "slug")

    @staticmethod
    def resolve_description(root: Any, info: graphene.ResolveInfo) -> Any:
        return description_json(translated(root, "description"))

    @staticmethod
    def resolve_seo_title(root: Any, info: graphene.ResolveInfo) -> str:
        return translated(root, "seo_title")

    @staticmethod
    def resolve_seo_description(root: Any, info: graphene.ResolveInfo) -> str:
        return translated(root, "seo_description")


def media_url(info: graphene.ResolveInfo, media: ProductMediaModel) -> str:
    url = media.url or ""
    if url.startswith("/") and hasattr(info.context, "build_absolute_uri"):
        return info.context.build_absolute_uri(url)
    return url


def country_blocked(channel: ChannelModel, country_code: Any, address: Any) -> bool:
    """True when the shopper's country is one the channel does not sell to."""
    country = country_from_enum(country_code)
    if country is None and address is not None:
        country = country_from_enum(address.get("country"))
    return bool(country and channel.countries and country not in channel.countries)


def quantity_available(variant: ProductVariantModel, channel: ChannelModel) -> int:
    return sum(stock.available for stock in channel_stocks_of(variant, channel))
