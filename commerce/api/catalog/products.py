"""Product, variant, pricing and translation types."""


from __future__ import annotations

from typing import Any

import graphene
from graphene import relay

from commerce.catalog import visibility
from commerce.catalog.models import Product as ProductModel
from commerce.catalog.models import ProductMedia as ProductMediaModel
from commerce.catalog.models import ProductTranslation as ProductTranslationModel
from commerce.catalog.models import ProductType as ProductTypeModel
from commerce.catalog.models import ProductVariant as ProductVariantModel
from commerce.catalog.pricing import price_range, taxed_price
from commerce.core.money import Money as MoneyValue

from ..channel import Channel
from ..core import (
    PERM_VIEW_STOCK,
    PERM_VIEW_UNPUBLISHED,
    AddressInput,
    CountableConnection,
    CountryCode,
    Image,
    LanguageCodeEnum,
    LanguageDisplay,
    Money,
    NodeView,
    ObjectWithMetadata,
    TaxedMoney,
    TaxedMoneyRange,
    ThumbnailFormatEnum,
    Weight,
    attach,
    description_json,
    global_id,
    language_from_enum,
    require_staff_perm,
    view_of,
)
from .categories import Category
from .helpers import (
    TranslatedResolvers,
    channel_stocks_of,
    country_blocked,
    listing_of,
    media_url,
    quantity_available,
    translated,
    translation_of,
    variant_listing_of,
    variants_of,
)
from .inputs import ProductMediaType, ProductTypeKindEnum


class ProductType(graphene.ObjectType):
    name = graphene.String(required=True)
    slug = graphene.String(required=True)
    has_variants = graphene.Boolean(required=True)
    is_shipping_required = graphene.Boolean(required=True)
    kind = graphene.Field(ProductTypeKindEnum, required=True)

    class Meta:
        interfaces = (relay.Node, ObjectWithMetadata)

    @staticmethod
    def resolve_kind(root: ProductTypeModel, info: graphene.ResolveInfo) -> str:
        return "normal"


class ProductTranslation(graphene.ObjectType):
    language = graphene.Field(LanguageDisplay, required=True)
    name = graphene.String()
    slug = graphene.String()
    description = graphene.JSONString(description="EditorJS document.")
    seo_title = graphene.String()
    seo_description = graphene.String()

    class Meta:
        interfaces = (relay.Node,)

    @staticmethod
    def resolve_language(root: ProductTranslationModel, info: graphene.ResolveInfo) -> Any:
        return LanguageDisplay.from_code(root.language_code)

    @staticmethod
    def resolve_description(root: ProductTranslationModel, info: graphene.ResolveInfo) -> Any:
        return description_json(root.description)


class ProductVariantTranslation(graphene.ObjectType):
    language = graphene.Field(LanguageDisplay, required=True)
    name = graphene.String(required=True)

    class Meta:
        interfaces = (relay.Node,)

    @staticmethod
    def resolve_language(root: Any, info: graphene.ResolveInfo) -> Any:
        return LanguageDisplay.from_code(root.language_code)


class ProductMedia(graphene.ObjectType):
    sort_order = graphene.Int()
    alt = graphene.String(required=True)
    type = graphene.Field(ProductMediaType, required=True)
    oembed_data = graphene.JSONString(required=True)
    url = graphene.String(required=True, size=graphene.Int(),
                          format=graphene.Argument(ThumbnailFormatEnum),
                          description="The original file; sizes are not generated.")
    product_id = graphene.ID()

    class Meta:
        interfaces = (relay.Node,)

    @staticmethod
    def resolve_alt(root: ProductMediaModel, info: graphene.ResolveInfo) -> str:
        return root.alt or ""

    @staticmethod
    def resolve_type(root: ProductMediaModel, info: graphene.ResolveInfo) -> str:
        return "IMAGE"

    @staticmethod
    def resolve_oembed_data(root: ProductMediaModel, info: graphene.ResolveInfo) -> dict[str, Any]:
        return {}

    @staticmethod
    def resolve_url(root: ProductMediaModel, info: graphene.ResolveInfo, size: int | None = None,
                    format: Any = None) -> str:
        return media_url(info, root)

    @staticmethod
    def resolve_product_id(root: ProductMediaModel, info: graphene.ResolveInfo) -> str:
        return global_id("Product", root.product_id)


class VariantPricingInfo(graphene.ObjectType):
    on_sale = graphene.Boolean(description="Always false: no promotions engine yet.")
    discount = graphene.Field(TaxedMoney)
    display_gross_prices = graphene.Boolean(
        required=True, description="Omniport extension: show gross prices in this channel.")
    price = graphene.Field(TaxedMoney)
    price_undiscounted = graphene.Field(TaxedMoney)
    price_prior = graphene.Field(TaxedMoney, description="The compare-at (was) price.")


class ProductPricingInfo(graphene.ObjectType):
    on_sale = graphene.Boolean(description="Always false: no promotions engine yet.")
    discount = graphene.Field(TaxedMoney)
    display_gross_prices = graphene.Boolean(required=True)
    price_range = graphene.Field(TaxedMoneyRange)
    price_range_undiscounted = graphene.Field(TaxedMoneyRange)
    price_range_prior = graphene.Field(TaxedMoneyRange,
                                       description="Range of compare-at (was) prices.")


class ProductChannelListing(graphene.ObjectType):
    published_at = graphene.DateTime()
    is_published = graphene.Boolean(required=True)
    channel = graphene.Field(Channel, required=True)
    visible_in_listings = graphene.Boolean(required=True)
    available_for_purchase_at = graphene.DateTime()
    is_available_for_purchase = graphene.Boolean()

    class Meta:
        interfaces = (relay.Node,)

    @staticmethod
    def resolve_is_available_for_purchase(root: Any, info: graphene.ResolveInfo) -> bool:
        return visibility.is_available_for_purchase(root)


class ProductVariantChannelListing(graphene.ObjectType):
    channel = graphene.Field(Channel, required=True)
    price = graphene.Field(Money)
    cost_price = graphene.Field(Money)
    prior_price = graphene.Field(Money, description="The compare-at (was) price.")

    class Meta:
        interfaces = (relay.Node,)

    @staticmethod
    def _money(amount: Any, currency: str) -> MoneyValue | None:
        return None if amount is None else MoneyValue(amount, currency)

    @staticmethod
    def resolve_price(root: Any, info: graphene.ResolveInfo) -> Any:
        return ProductVariantChannelListing._money(root.price_amount, root.currency)

    @staticmethod
    def resolve_cost_price(root: Any, info: graphene.ResolveInfo) -> Any:
        return ProductVariantChannelListing._money(root.cost_price_amount, root.currency)

    @staticmethod
    def resolve_prior_price(root: Any, info: graphene.ResolveInfo) -> Any:
        return ProductVariantChannelListing._money(root.compare_at_price_amount, root.currency)


class ProductVariant(graphene.ObjectType):
    name = graphene.String(required=True)
    sku = graphene.String()
    product = graphene.Field(lambda: Product, required=True)
    track_inventory = graphene.Boolean(required=True)
    weight = graphene.Field(Weight)
    channel = graphene.String(description="Slug of the channel the variant was read in.")
    channel_listings = graphene.List(graphene.NonNull(ProductVariantChannelListing),
                                     description="Prices in every channel (staff).")
    pricing = graphene.Field(VariantPricingInfo, address=graphene.Argument(AddressInput))
    media = graphene.List(graphene.NonNull(ProductMedia))
    translation = graphene.Field(ProductVariantTranslation,
                                 language_code=graphene.Argument(LanguageCodeEnum, required=True))
    stocks = graphene.List(
        graphene.NonNull("commerce.api.inventory.Stock"),
        address=graphene.Argument(AddressInput),
        country_code=graphene.Argument(CountryCode),
        description="Stock per warehouse (staff with inventory.view_stock).",
    )
    quantity_available = graphene.Int(
        address=graphene.Argument(AddressInput),
        country_code=graphene.Argument(CountryCode),
        description="Units a shopper of the channel can buy now across the channel's "
        "warehouses; 0 for a country the channel does not sell to; null without a channel.",
    )
    created = graphene.DateTime(required=True)
    updated_at = graphene.DateTime(required=True)

    class Meta:
        interfaces = (relay.Node, ObjectWithMetadata)

    @staticmethod
    def resolve_name(root: ProductVariantModel, info: graphene.ResolveInfo) -> str:
        return translated(root, "name") or ""

    @staticmethod
    def resolve_product(root: ProductVariantModel, info: graphene.ResolveInfo) -> Any:
        return attach(root.product, view_of(root))

    @staticmethod
    def resolve_weight(root: ProductVariantModel, info: graphene.ResolveInfo) -> Any:
        if root.weight_grams is None:
            return None
        return {"unit": "g", "value": float(root.weight_grams)}

    @staticmethod
    def resolve_channel(root: ProductVariantModel, info: graphene.ResolveInfo) -> str | None:
        channel = view_of(root).channel
        return channel.slug if channel is not None else None

    @staticmethod
    def resolve_channel_listings(root: ProductVariantModel, info: graphene.ResolveInfo) -> Any:
        require_staff_perm(info, PERM_VIEW_UNPUBLISHED)
        return list(root.channel_listings.select_related("channel").order_by("channel__slug"))

    @staticmethod
    def resolve_pricing(root: ProductVariantModel, info: graphene.ResolveInfo,
                        address: Any = None) -> Any:
        channel = view_of(root).channel
        listing = variant_listing_of(root, channel)
        if channel is None or listing is None or listing.price_amount is None:
            return None
        price = taxed_price(listing.price_amount, channel)
        prior = (taxed_price(listing.compare_at_price_amount, channel)
                 if listing.compare_at_price_amount is not None else None)
        return VariantPricingInfo(
            on_sale=False, discount=None, display_gross_prices=channel.display_gross_prices,
            price=price, price_undiscounted=price, price_prior=prior,
        )

    @staticmethod
    def resolve_media(root: ProductVariantModel, info: graphene.ResolveInfo) -> Any:
        return list(root.media.all())

    @staticmethod
    def resolve_translation(root: ProductVariantModel, info: graphene.ResolveInfo,
                            language_code: Any) -> Any:
        return translation_of(root, language_from_enum(language_code))

    @staticmethod
    def resolve_stocks(root: ProductVariantModel, info: graphene.ResolveInfo, address: Any = None,
                       country_code: Any = None) -> Any:
        require_staff_perm(info, PERM_VIEW_STOCK)
        channel = view_of(root).channel
        if channel is None:
            return list(root.stocks.select_related("warehouse").order_by("warehouse__slug"))
        if country_blocked(channel, country_code, address):
            return []
        return channel_stocks_of(root, channel)

    @staticmethod
    def resolve_quantity_available(root: ProductVariantModel, info: graphene.ResolveInfo,
                                   address: Any = None, country_code: Any = None) -> int | None:
        channel = view_of(root).channel
        if channel is None:
            return None
        if country_blocked(channel, country_code, address):
            return 0
        return quantity_available(root, channel)

    @staticmethod
    def resolve_created(root: ProductVariantModel, info: graphene.ResolveInfo) -> Any:
        return root.created_at


class ProductVariantCountableConnection(CountableConnection):
    class Meta:
        node = ProductVariant
        strict_types = True


class Product(TranslatedResolvers, graphene.ObjectType):
    name = graphene.String(required=True)
    slug = graphene.String(required=True)
    description = graphene.JSONString(description="EditorJS document.")
    seo_title = graphene.String()
    seo_description = graphene.String()
    product_type = graphene.Field(ProductType, required=True)
    category = graphene.Field(Category)
    created = graphene.DateTime(required=True)
    updated_at = graphene.DateTime(required=True)
    rating = graphene.Float()
    channel = graphene.String(description="Slug of the channel the product was read in.")
    thumbnail = graphene.Field(Image, size=graphene.Int(),
                               format=graphene.Argument(ThumbnailFormatEnum),
                               description="The first image, in its original size.")
    media = graphene.List(graphene.NonNull(ProductMedia))
    pricing = graphene.Field(ProductPricingInfo, address=graphene.Argument(AddressInput))
    is_available = graphene.Boolean(
        address=graphene.Argument(AddressInput),
        description="Purchasable now and in stock in the channel's warehouses.",
    )
    is_available_for_purchase = graphene.Boolean()
    available_for_purchase_at = graphene.DateTime()
    variants = graphene.List(graphene.NonNull(ProductVariant))
    default_variant = graphene.Field(ProductVariant)
    channel_listings = graphene.List(graphene.NonNull(ProductChannelListing),
                                     description="Publication per channel (staff).")
    translation = graphene.Field(ProductTranslation,
                                 language_code=graphene.Argument(LanguageCodeEnum, required=True))

    class Meta:
        interfaces = (relay.Node, ObjectWithMetadata)

    @staticmethod
    def resolve_category(root: ProductModel, info: graphene.ResolveInfo) -> Any:
        view = view_of(root)
        return attach(root.category, NodeView(channel=view.channel, language=view.language))

    @staticmethod
    def resolve_created(root: ProductModel, info: graphene.ResolveInfo) -> Any:
        return root.created_at

    @staticmethod
    def resolve_channel(root: ProductModel, info: graphene.ResolveInfo) -> str | None:
        channel = view_of(root).channel
        return channel.slug if channel is not None else None

    @staticmethod
    def resolve_thumbnail(root: ProductModel, info: graphene.ResolveInfo, size: int | None = None,
                          format: Any = None) -> Any:
        first = next(iter(root.media.all()), None)
        if first is None or not first.url:
            return None
        return {"url": media_url(info, first), "alt": first.alt or translated(root, "name")}

    @staticmethod
    def resolve_media(root: ProductModel, info: graphene.ResolveInfo) -> Any:
        return list(root.media.all())

    @staticmethod
    def resolve_variants(root: ProductModel, info: graphene.ResolveInfo) -> Any:
        return variants_of(info, root)

    @staticmethod
    def resolve_default_variant(root: ProductModel, info: graphene.ResolveInfo) -> Any:
        return next(iter(variants_of(info, root)), None)

    @staticmethod
    def resolve_pricing(root: ProductModel, info: graphene.ResolveInfo, address: Any = None) -> Any:
        channel = view_of(root).channel
        if channel is None:
            return None
        listings = [variant_listing_of(v, channel) for v in variants_of(info, root)]
        prices = [lst.price_amount for lst in listings if lst is not None]
        current = price_range(prices, channel)
        if current is None:
            return None
        prior = price_range((lst.compare_at_price_amount for lst in listings
                             if lst is not None and lst.price_amount is not None), channel)
        return ProductPricingInfo(
            on_sale=False, discount=None, display_gross_prices=channel.display_gross_prices,
            price_range=current, price_range_undiscounted=current, price_range_prior=prior,
        )

    @staticmethod
    def resolve_is_available_for_purchase(root: ProductModel, info: graphene.ResolveInfo) -> Any:
        channel = view_of(root).channel
        if channel is None:
            return None
        return visibility.is_available_for_purchase(listing_of(root, channel))

    @staticmethod
    def resolve_available_for_purchase_at(root: ProductModel, info: graphene.ResolveInfo) -> Any:
        listing = listing_of(root, view_of(root).channel)
        return listing.available_for_purchase_at if listing is not None else None

    @staticmethod
    def resolve_is_available(root: ProductModel, info: graphene.ResolveInfo,
                             address: Any = None) -> Any:
        channel = view_of(root).channel
        if channel is None:
            return None
        if not visibility.is_available_for_purchase(listing_of(root, channel)):
            return False
        if country_blocked(channel, None, address):
            return False
        for variant in variants_of(info, root):
            listing = variant_listing_of(variant, channel)
            if listing is not None and listing.price_amount is not None \
                    and quantity_available(variant, channel) > 0:
                return True
        return False

    @staticmethod
    def resolve_channel_listings(root: ProductModel, info: graphene.ResolveInfo) -> Any:
        require_staff_perm(info, PERM_VIEW_UNPUBLISHED)
        return list(root.channel_listings.select_related("channel").order_by("channel__slug"))

    @staticmethod
    def resolve_translation(root: ProductModel, info: graphene.ResolveInfo,
                            language_code: Any) -> Any:
        return translation_of(root, language_from_enum(language_code))


class ProductCountableConnection(CountableConnection):
    class Meta:
        node = Product
        strict_types = True
