"""Category types: tree, translations, products of a category."""


from __future__ import annotations

from typing import Any

import graphene
from graphene import relay

from commerce.catalog.models import Category as CategoryModel
from commerce.catalog.models import CategoryTranslation as CategoryTranslationModel

from ..core import (
    CountableConnection,
    Image,
    LanguageCodeEnum,
    LanguageDisplay,
    ObjectWithMetadata,
    ThumbnailFormatEnum,
    attach,
    connection_args,
    description_json,
    language_from_enum,
    paginate,
    view_of,
)
from ..filters import category_tree
from .helpers import TranslatedResolvers, translation_of
from .inputs import ProductFilterInput, ProductOrder


class CategoryTranslation(graphene.ObjectType):
    language = graphene.Field(LanguageDisplay, required=True)
    name = graphene.String()
    slug = graphene.String()
    description = graphene.JSONString()
    seo_title = graphene.String()
    seo_description = graphene.String()

    class Meta:
        interfaces = (relay.Node,)

    @staticmethod
    def resolve_language(root: CategoryTranslationModel, info: graphene.ResolveInfo) -> Any:
        return LanguageDisplay.from_code(root.language_code)

    @staticmethod
    def resolve_description(root: CategoryTranslationModel, info: graphene.ResolveInfo) -> Any:
        return description_json(root.description)


class Category(TranslatedResolvers, graphene.ObjectType):
    name = graphene.String(required=True)
    slug = graphene.String(required=True)
    description = graphene.JSONString(description="EditorJS document.")
    seo_title = graphene.String()
    seo_description = graphene.String()
    parent = graphene.Field(lambda: Category)
    level = graphene.Int(required=True)
    ancestors = graphene.Field(lambda: CategoryCountableConnection, **connection_args())
    children = graphene.Field(lambda: CategoryCountableConnection, **connection_args())
    products = graphene.Field(
        "commerce.api.catalog.products.ProductCountableConnection",
        filter=graphene.Argument(ProductFilterInput),
        sort_by=graphene.Argument(ProductOrder),
        search=graphene.String(),
        channel=graphene.String(),
        language_code=graphene.Argument(
            LanguageCodeEnum,
            description="Omniport extension: show names and descriptions in this language.",
        ),
        **connection_args(),
        description="Products in the category and its subcategories.",
    )
    background_image = graphene.Field(Image, size=graphene.Int(),
                                      format=graphene.Argument(ThumbnailFormatEnum))
    translation = graphene.Field(CategoryTranslation,
                                 language_code=graphene.Argument(LanguageCodeEnum, required=True))

    class Meta:
        interfaces = (relay.Node, ObjectWithMetadata)

    @staticmethod
    def resolve_parent(root: CategoryModel, info: graphene.ResolveInfo) -> Any:
        return attach(root.parent, view_of(root)) if root.parent_id else None

    @staticmethod
    def resolve_level(root: CategoryModel, info: graphene.ResolveInfo) -> int:
        return category_tree(info).level(root.pk)

    @staticmethod
    def resolve_ancestors(root: CategoryModel, info: graphene.ResolveInfo, **page: Any) -> Any:
        chain = category_tree(info).ancestors(root.pk)
        by_pk = CategoryModel.objects.prefetch_related("translations").in_bulk(chain)
        items = [by_pk[pk] for pk in chain if pk in by_pk]
        return paginate(items, CategoryCountableConnection, view=view_of(root), **page)

    @staticmethod
    def resolve_children(root: CategoryModel, info: graphene.ResolveInfo, **page: Any) -> Any:
        children = root.children.all()  # prefetched by lists; ordered by sort_order, name
        if "children" not in getattr(root, "_prefetched_objects_cache", {}):
            children = children.prefetch_related("translations")
        return paginate(children, CategoryCountableConnection, view=view_of(root), **page)

    @staticmethod
    def resolve_products(root: CategoryModel, info: graphene.ResolveInfo, **args: Any) -> Any:
        from .queries import products_connection

        return products_connection(info, category=root, **args)

    @staticmethod
    def resolve_background_image(root: CategoryModel, info: graphene.ResolveInfo,
                                 size: int | None = None, format: Any = None) -> Any:
        if not root.background_image:
            return None
        url = root.background_image.url
        if url.startswith("/"):
            url = info.context.build_absolute_uri(url)
        return {"url": url, "alt": root.name}

    @staticmethod
    def resolve_translation(root: CategoryModel, info: graphene.ResolveInfo,
                            language_code: Any) -> Any:
        return translation_of(root, language_from_enum(language_code))


class CategoryCountableConnection(CountableConnection):
    class Meta:
        node = Category
        strict_types = True
