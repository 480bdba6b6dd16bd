"""Staff catalog mutations: translations."""


from __future__ import annotations

from typing import Any

import graphene
from django.db import transaction
from django.utils.translation import gettext as _
from graphql import GraphQLError

from commerce.catalog import services as catalog_services
from commerce.catalog.models import Category as CategoryModel
from commerce.catalog.models import Product as ProductModel
from commerce.core.errors import DomainError

from ..core import (
    PERM_CHANGE_CATEGORY,
    PERM_CHANGE_PRODUCT,
    LanguageCodeEnum,
    NodeView,
    attach,
    decode_id,
    description_text,
    domain_errors,
    error_code_value,
    language_from_enum,
    require_staff_perm,
)
from .categories import Category
from .inputs import TranslationError, TranslationErrorCode, TranslationInput
from .products import Product


def _merged_translation(existing: Any, data: Any) -> dict[str, str]:
    """Fields left out of the input keep their current translated value."""
    out: dict[str, str] = {}
    for key in ("name", "slug", "seo_title", "seo_description", "description"):
        if data.get(key) is not None:
            value = data[key]
            out[key] = description_text(value) if key == "description" else str(value)
        else:
            out[key] = getattr(existing, key, "") if existing is not None else ""
    return out


def _translation_target(id: str, type_name: str, model: Any,
                        language_code: Any) -> tuple[Any, str | None, list[dict[str, Any]]]:
    errors: list[dict[str, Any]] = []
    try:
        obj = model.objects.filter(pk=decode_id(id, type_name, "id")).first()
    except GraphQLError as exc:
        return None, None, [{"field": "id", "message": exc.message,
                             "code": error_code_value("invalid", TranslationErrorCode)}]
    if obj is None:
        errors.append({"field": "id", "message": _("No %(t)s with that ID.") % {"t": type_name},
                       "code": error_code_value("not_found", TranslationErrorCode)})
    language = language_from_enum(language_code)
    if language is None:
        errors.append({"field": "languageCode",
                       "message": _("This shop does not offer that language."),
                       "code": error_code_value("invalid_language", TranslationErrorCode)})
    return obj, language, errors


class ProductTranslate(graphene.Mutation):
    """Create or update a product's translation (slug unique per language)."""

    product = graphene.Field(Product)
    errors = graphene.List(graphene.NonNull(TranslationError), required=True)

    class Arguments:
        id = graphene.ID(required=True)
        language_code = graphene.Argument(LanguageCodeEnum, required=True)
        input = TranslationInput(required=True)

    @staticmethod
    def mutate(root: Any, info: graphene.ResolveInfo, id: str, language_code: Any,
               input: Any) -> ProductTranslate:
        require_staff_perm(info, PERM_CHANGE_PRODUCT)
        product, language, errors = _translation_target(id, "Product", ProductModel,
                                                        language_code)
        if errors or language is None:
            return ProductTranslate(errors=errors, product=None)
        existing = product.translations.filter(language_code=language).first()
        try:
            with transaction.atomic():
                catalog_services.product_translate(
                    product, language, **_merged_translation(existing, input))
        except DomainError as exc:
            return ProductTranslate(errors=domain_errors(exc, TranslationErrorCode), product=None)
        fresh = ProductModel.objects.prefetch_related("translations").get(pk=product.pk)
        return ProductTranslate(errors=[], product=attach(fresh, NodeView()))


class CategoryTranslate(graphene.Mutation):
    """Create or update a category's translation (slug unique per language)."""

    category = graphene.Field(Category)
    errors = graphene.List(graphene.NonNull(TranslationError), required=True)

    class Arguments:
        id = graphene.ID(required=True)
        language_code = graphene.Argument(LanguageCodeEnum, required=True)
        input = TranslationInput(required=True)

    @staticmethod
    def mutate(root: Any, info: graphene.ResolveInfo, id: str, language_code: Any,
               input: Any) -> CategoryTranslate:
        require_staff_perm(info, PERM_CHANGE_CATEGORY)
        category, language, errors = _translation_target(id, "Category", CategoryModel,
                                                         language_code)
        if errors or language is None:
            return CategoryTranslate(errors=errors, category=None)
        existing = category.translations.filter(language_code=language).first()
        data = _merged_translation(existing, input)
        if not data["name"].strip():
            return CategoryTranslate(category=None, errors=[{
                "field": "name", "message": _("A translated name is required."),
                "code": error_code_value("required", TranslationErrorCode)}])
        try:
            with transaction.atomic():
                catalog_services.category_translate(category, language, **data)
        except DomainError as exc:
            return CategoryTranslate(errors=domain_errors(exc, TranslationErrorCode),
                                     category=None)
        fresh = CategoryModel.objects.prefetch_related("translations").get(pk=category.pk)
        return CategoryTranslate(errors=[], category=attach(fresh, NodeView()))


class CatalogMutations(graphene.ObjectType):
    product_translate = ProductTranslate.Field()
    category_translate = CategoryTranslate.Field()
