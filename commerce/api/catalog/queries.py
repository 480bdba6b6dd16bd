"""Catalog root fields: categories, products, product, variants."""


from __future__ import annotations

from typing import Any

import graphene
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from commerce.catalog import visibility
from commerce.catalog.models import Category as CategoryModel
from commerce.catalog.models import Product as ProductModel

from ..channel import channel_for
from ..core import (
    ApiErrorCode,
    LanguageCodeEnum,
    NodeView,
    api_error,
    attach,
    connection_args,
    decode_id,
    language_from_enum,
    paginate,
    selected_names,
)
from ..filters import (
    category_tree,
    filter_categories,
    filter_products,
    search_products,
    sort_categories,
    sort_products,
)
from .categories import Category, CategoryCountableConnection
from .helpers import base_variants, prepare_products, sees_unpublished, variant_prefetches
from .inputs import (
    CategoryFilterInput,
    CategorySortingInput,
    ProductFilterInput,
    ProductOrder,
    ProductVariantFilterInput,
)
from .products import (
    Product,
    ProductCountableConnection,
    ProductVariant,
    ProductVariantCountableConnection,
)


def _display_language(language_code: Any) -> str | None:
    if language_code is None:
        return None
    language = language_from_enum(language_code)
    if language is None:
        raise api_error(
            _("Language %(code)s is not offered by this shop.")
            % {"code": getattr(language_code, "name", language_code)},
            ApiErrorCode.INVALID, "languageCode",
        )
    return language


def products_connection(info: graphene.ResolveInfo, *, category: CategoryModel | None = None,
                        filter: Any = None, sort_by: Any = None, search: str | None = None,
                        channel: str | None = None, language_code: Any = None,
                        **page: Any) -> Any:
    staff = sees_unpublished(info)
    slug = channel or (filter or {}).get("channel") or (sort_by or {}).get("channel")
    channel_obj = channel_for(info, slug, optional=staff)
    language = _display_language(language_code)
    if channel_obj is None:
        qs = ProductModel.objects.all()
    elif staff:
        qs = visibility.products_listed_in_channel(channel_obj)
    else:
        qs = visibility.products_visible_in_channel(channel_obj, listed_only=True)
    if category is not None:
        qs = qs.filter(category_id__in=category_tree(info).with_descendants([category.pk]))
    qs = filter_products(info, qs, filter, channel=channel_obj, staff=staff)
    qs = search_products(qs, search)
    filtered = qs
    qs = sort_products(qs, sort_by, channel=channel_obj, search=search or (filter or {}).get(
        "search"), language=language)
    qs = prepare_products(info, qs, channel_obj, language)
    return paginate(qs, ProductCountableConnection, view=NodeView(channel_obj, language),
                    count=filtered.count, **page)


def _product_lookup(info: graphene.ResolveInfo, *, id: str | None, slug: str | None,
                    slug_language_code: Any, channel: str | None, language_code: Any) -> Any:
    if (id is None) == (slug is None):
        raise api_error(_("Pass exactly one of “id” or “slug”."), ApiErrorCode.REQUIRED, "id")
    staff = sees_unpublished(info)
    channel_obj = channel_for(info, channel, optional=staff)
    language = _display_language(language_code)
    if channel_obj is None or staff:
        qs = ProductModel.objects.all()
    else:
        qs = visibility.products_visible_in_channel(channel_obj, listed_only=False)
    if id is not None:
        qs = qs.filter(pk=decode_id(id, "Product", "id"))
    elif slug_language_code is not None:
        slug_language = language_from_enum(slug_language_code)
        if slug_language is None:
            return None
        qs = qs.filter(translations__language_code=slug_language, translations__slug=slug)
    else:
        qs = qs.filter(slug=slug)
    product = prepare_products(info, qs, channel_obj, language).first()
    return attach(product, NodeView(channel_obj, language))


def _variant_lookup(info: graphene.ResolveInfo, *, id: str | None, sku: str | None,
                    channel: str | None) -> Any:
    if (id is None) == (sku is None):
        raise api_error(_("Pass exactly one of “id” or “sku”."), ApiErrorCode.REQUIRED, "id")
    staff = sees_unpublished(info)
    channel_obj = channel_for(info, channel, optional=staff)
    qs = base_variants(info, channel_obj)
    if channel_obj is not None and not staff:
        visible = visibility.products_visible_in_channel(channel_obj)
        qs = qs.filter(product__in=visible)
    qs = qs.filter(pk=decode_id(id, "ProductVariant", "id")) if id is not None else qs.filter(
        sku=sku)
    names = selected_names(info)
    variant = qs.select_related("product").prefetch_related(
        *variant_prefetches(channel_obj, names, None)).first()
    return attach(variant, NodeView(channel_obj, None))


def _category_prefetches(info: graphene.ResolveInfo) -> list[Any]:
    prefetches: list[Any] = ["translations"]
    if "children" in selected_names(info):
        prefetches.append(Prefetch(
            "children", queryset=CategoryModel.objects.prefetch_related("translations")))
    return prefetches


def _category_queryset(info: graphene.ResolveInfo) -> QuerySet[CategoryModel]:
    return CategoryModel.objects.select_related("parent").prefetch_related(
        *_category_prefetches(info))


# ---------------------------------------------------------------------------------
# Root fields
# ---------------------------------------------------------------------------------

_language_ext = {
    "language_code": graphene.Argument(
        LanguageCodeEnum,
        description="Omniport extension: name, slug, description and SEO fields come in "
        "this language where translated (Saleor clients use translation(languageCode:)).",
    )
}


class CatalogQueries(graphene.ObjectType):
    categories = graphene.Field(
        CategoryCountableConnection,
        filter=CategoryFilterInput(),
        sort_by=CategorySortingInput(),
        level=graphene.Int(description="Depth in the tree; 0 for top-level categories."),
        **connection_args(),
    )
    category = graphene.Field(
        Category, id=graphene.ID(), slug=graphene.String(),
        slug_language_code=graphene.Argument(LanguageCodeEnum,
                                             description="Look the slug up in this language."),
    )
    products = graphene.Field(
        ProductCountableConnection,
        filter=ProductFilterInput(),
        sort_by=ProductOrder(),
        search=graphene.String(),
        channel=graphene.String(description="Slug of the channel; prices are in its currency."),
        **_language_ext,
        **connection_args(),
    )
    product = graphene.Field(
        Product, id=graphene.ID(), slug=graphene.String(),
        slug_language_code=graphene.Argument(LanguageCodeEnum,
                                             description="Look the slug up in this language."),
        channel=graphene.String(),
        **_language_ext,
    )
    product_variant = graphene.Field(
        ProductVariant, id=graphene.ID(), sku=graphene.String(), channel=graphene.String(),
    )
    product_variants = graphene.Field(
        ProductVariantCountableConnection,
        ids=graphene.List(graphene.NonNull(graphene.ID)),
        channel=graphene.String(),
        filter=ProductVariantFilterInput(),
        search=graphene.String(),
        **connection_args(),
    )

    @staticmethod
    def resolve_categories(root: Any, info: graphene.ResolveInfo, filter: Any = None,
                           sort_by: Any = None, level: int | None = None, **page: Any) -> Any:
        qs = filter_categories(info, CategoryModel.objects.all(), filter, level)
        filtered = qs
        qs = sort_categories(qs, sort_by).select_related("parent").prefetch_related(
            *_category_prefetches(info))
        return paginate(qs, CategoryCountableConnection, view=NodeView(), count=filtered.count,
                        **page)

    @staticmethod
    def resolve_category(root: Any, info: graphene.ResolveInfo, id: str | None = None,
                         slug: str | None = None, slug_language_code: Any = None) -> Any:
        if (id is None) == (slug is None):
            raise api_error(_("Pass exactly one of “id” or “slug”."), ApiErrorCode.REQUIRED, "id")
        qs = _category_queryset(info)
        if id is not None:
            return qs.filter(pk=decode_id(id, "Category", "id")).first()
        if slug_language_code is not None:
            language = language_from_enum(slug_language_code)
            if language is None:
                return None
            return qs.filter(translations__language_code=language,
                             translations__slug=slug).first()
        return qs.filter(slug=slug).first()

    @staticmethod
    def resolve_products(root: Any, info: graphene.ResolveInfo, **args: Any) -> Any:
        return products_connection(info, **args)

    @staticmethod
    def resolve_product(root: Any, info: graphene.ResolveInfo, id: str | None = None,
                        slug: str | None = None, slug_language_code: Any = None,
                        channel: str | None = None, language_code: Any = None) -> Any:
        return _product_lookup(info, id=id, slug=slug, slug_language_code=slug_language_code,
                               channel=channel, language_code=language_code)

    @staticmethod
    def resolve_product_variant(root: Any, info: graphene.ResolveInfo, id: str | None = None,
                                sku: str | None = None, channel: str | None = None) -> Any:
        return _variant_lookup(info, id=id, sku=sku, channel=channel)

    @staticmethod
    def resolve_product_variants(root: Any, info: graphene.ResolveInfo,
                                 ids: list[str] | None = None, channel: str | None = None,
                                 filter: Any = None, search: str | None = None,
                                 **page: Any) -> Any:
        staff = sees_unpublished(info)
        channel_obj = channel_for(info, channel, optional=staff)
        qs = base_variants(info, channel_obj)
        if channel_obj is not None and not staff:
            qs = qs.filter(product__in=visibility.products_visible_in_channel(channel_obj))
        if ids is not None:
            qs = qs.filter(pk__in=[decode_id(v, "ProductVariant", "ids") for v in ids])
        text = search or (filter or {}).get("search")
        if text:
            qs = qs.filter(product__in=search_products(ProductModel.objects.all(), text))
        if filter and filter.get("sku") is not None:
            qs = qs.filter(sku__in=filter["sku"])
        filtered = qs
        qs = qs.select_related("product").prefetch_related(
            *variant_prefetches(channel_obj, selected_names(info), None)).order_by("sku", "pk")
        return paginate(qs, ProductVariantCountableConnection, view=NodeView(channel_obj, None),
                        count=filtered.count, **page)
