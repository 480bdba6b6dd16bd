"""Channels: the markets a client can read prices and stock in (Saleor's ``channel(s)``)."""

from __future__ import annotations

from typing import Any

import graphene
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from graphene import relay

from commerce.channel.models import Channel as ChannelModel
from commerce.channel.models import ChannelKind, ChannelWarehouse

from .core import (
    PERM_VIEW_CHANNEL,
    PERM_VIEW_UNPUBLISHED,
    ApiErrorCode,
    CountryDisplay,
    LanguageDisplay,
    ObjectWithMetadata,
    api_error,
    cached,
    decode_id,
    staff_has_perm,
)


class ChannelKindEnum(graphene.Enum):
    STOREFRONT = ChannelKind.STOREFRONT.value
    MARKETPLACE = ChannelKind.MARKETPLACE.value
    STORE = ChannelKind.STORE.value


class AllocationStrategyEnum(graphene.Enum):
    """How stock is picked from a channel's warehouses when an order is allocated."""

    PRIORITIZE_SORTING_ORDER = "prioritize-sorting-order"
    PRIORITIZE_HIGH_STOCK = "prioritize-high-stock"


class StockSettings(graphene.ObjectType):
    allocation_strategy = graphene.Field(AllocationStrategyEnum, required=True)


class Channel(graphene.ObjectType):
    """Anywhere that sells: a storefront market, a marketplace account or an offline store."""

    name = graphene.String(required=True)
    slug = graphene.String(required=True)
    is_active = graphene.Boolean(required=True)
    currency_code = graphene.String(required=True)
    default_country = graphene.Field(CountryDisplay, required=True)
    countries = graphene.List(graphene.NonNull(CountryDisplay))
    warehouses = graphene.List(
        graphene.NonNull("commerce.api.inventory.Warehouse"), required=True,
        description="Warehouses serving the channel, in allocation order. Shoppers see only "
        "pickup points.",
    )
    stock_settings = graphene.Field(StockSettings, required=True)
    # Omniport extensions (not in Saleor's Channel)
    kind = graphene.Field(ChannelKindEnum, required=True)
    default_language = graphene.Field(LanguageDisplay, required=True)
    languages = graphene.List(graphene.NonNull(LanguageDisplay), required=True,
                              description="Languages the channel's shoppers can read.")

    class Meta:
        interfaces = (relay.Node, ObjectWithMetadata)

    @staticmethod
    def resolve_default_country(root: ChannelModel, info: graphene.ResolveInfo) -> dict[str, str]:
        return CountryDisplay.from_code(root.default_country)

    @staticmethod
    def resolve_countries(root: ChannelModel, info: graphene.ResolveInfo) -> list[dict[str, str]]:
        return [CountryDisplay.from_code(code) for code in root.countries or []]

    @staticmethod
    def resolve_warehouses(root: ChannelModel, info: graphene.ResolveInfo) -> list[Any]:
        from .inventory import warehouse_is_visible

        links = root.channel_warehouses.all()  # prefetched with the warehouse, in order
        return [link.warehouse for link in links if warehouse_is_visible(info, link.warehouse)]

    @staticmethod
    def resolve_stock_settings(root: ChannelModel, info: graphene.ResolveInfo) -> dict[str, str]:
        return {"allocation_strategy": root.allocation_strategy}

    @staticmethod
    def resolve_default_language(root: ChannelModel, info: graphene.ResolveInfo) -> dict[str, Any]:
        return LanguageDisplay.from_code(root.default_language)

    @staticmethod
    def resolve_languages(root: ChannelModel, info: graphene.ResolveInfo) -> list[dict[str, Any]]:
        codes = list(dict.fromkeys([root.default_language, *(root.languages or [])]))
        return [LanguageDisplay.from_code(code) for code in codes if code]


def can_see_all_channels(info: graphene.ResolveInfo) -> bool:
    return staff_has_perm(info, PERM_VIEW_CHANNEL) or staff_has_perm(info, PERM_VIEW_UNPUBLISHED)


def visible_channels(info: graphene.ResolveInfo, *,
                     with_warehouses: bool = True) -> QuerySet[ChannelModel]:
    """Staff see every channel; shoppers see the active storefront markets."""
    qs = ChannelModel.objects.all()
    if not can_see_all_channels(info):
        qs = qs.filter(is_active=True, kind=ChannelKind.STOREFRONT)
    if not with_warehouses:
        return qs
    return qs.prefetch_related(
        Prefetch("channel_warehouses",
                 queryset=ChannelWarehouse.objects.select_related("warehouse").order_by(
                     "sort_order", "pk"))
    )


def channel_for(info: graphene.ResolveInfo, slug: str | None, *,
                optional: bool = False) -> ChannelModel | None:
    """The channel named by a ``channel`` argument, or a GraphQL error saying what is wrong.

    Without a slug: the only channel the viewer can see, else None when ``optional``
    (staff reading across channels), else an error asking for one.
    """
    if slug is None:
        if optional:
            return None
        only = cached(info, ("channel", None), lambda: list(visible_channels(info, with_warehouses=False)[:2]))
        if len(only) == 1:
            return only[0]
        raise api_error(
            _("More than one channel exists; pass the channel's slug in “channel”."),
            ApiErrorCode.REQUIRED, "channel",
        )
    channel = cached(info, ("channel", slug), lambda: visible_channels(
        info, with_warehouses=False).filter(slug=slug).first())
    if channel is None:
        raise api_error(_("Channel with slug “%(slug)s” does not exist.") % {"slug": slug},
                        ApiErrorCode.NOT_FOUND, "channel")
    return channel


class ChannelQueries(graphene.ObjectType):
    channels = graphene.List(graphene.NonNull(Channel),
                             description="Channels the viewer may read (shoppers: storefronts).")
    channel = graphene.Field(Channel, id=graphene.ID(), slug=graphene.String(),
                             description="Look up a channel by ID or slug.")

    @staticmethod
    def resolve_channels(root: Any, info: graphene.ResolveInfo) -> list[ChannelModel]:
        return list(visible_channels(info).order_by("slug"))

    @staticmethod
    def resolve_channel(root: Any, info: graphene.ResolveInfo, id: str | None = None,
                        slug: str | None = None) -> ChannelModel | None:
        if (id is None) == (slug is None):
            raise api_error(_("Pass exactly one of “id” or “slug”."), ApiErrorCode.REQUIRED, "id")
        qs = visible_channels(info)
        if id is not None:
            return qs.filter(pk=decode_id(id, "Channel", "id")).first()
        return qs.filter(slug=slug).first()
