"""Read side of the catalog shared by cart, checkout and orders."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce

from .models import (
    AttributeValueTranslation,
    ProductTranslation,
    ProductVariant,
    ProductVariantTranslation,
)


@dataclass(frozen=True)
class VariantLabel:
    """What a shopper reads on a cart or order line, in one language."""

    product_name: str
    variant_name: str  # the variant's own name, else its attribute values ("M / Blue")


def variant_labels(variant_ids: Iterable[int], language: str) -> dict[int, VariantLabel]:
    """Product and variant names of many variants in ``language`` (falling back to the
    original), in one query whatever their number."""
    ids = list(dict.fromkeys(variant_ids))
    if not ids:
        return {}
    value_names = (
        ProductVariant.attribute_values.through.objects
        .filter(productvariant_id=OuterRef("pk"),
                attributevalue__attribute__visible_in_storefront=True)
        .order_by("attributevalue__attribute__slug", "attributevalue__sort_order",
                  "attributevalue_id")
        .annotate(label=Coalesce(Subquery(
            AttributeValueTranslation.objects.filter(
                attribute_value_id=OuterRef("attributevalue_id"), language_code=language)
            .values("name")[:1]), "attributevalue__name"))
        .values("label")
    )
    rows = (
        ProductVariant.objects.filter(pk__in=ids)
        .annotate(
            product_tr=Subquery(ProductTranslation.objects.filter(
                product_id=OuterRef("product_id"), language_code=language).values("name")[:1]),
            variant_tr=Subquery(ProductVariantTranslation.objects.filter(
                product_variant_id=OuterRef("pk"), language_code=language)
                .exclude(name="").values("name")[:1]),
            value_labels=ArraySubquery(value_names),
        )
        .values_list("pk", "product__name", "product_tr", "name", "variant_tr", "value_labels")
    )
    return {
        pk: VariantLabel(product_name=product_tr or product_name,
                         variant_name=variant_tr or name or " / ".join(values or []))
        for pk, product_name, product_tr, name, variant_tr, values in rows
    }
