"""Catalog API: categories, product types, products, variants, prices and translations.

Reads follow Saleor 3's names and visibility: shoppers see products published in
the channel they ask about, with prices in that channel's currency; staff with
``catalog.view_product`` also see unpublished ones. Lists prefetch exactly what the
query selects, so a page of products costs a fixed number of SQL queries.
"""

from .categories import Category, CategoryCountableConnection, CategoryTranslation
from .inputs import ProductErrorCode, TranslationErrorCode
from .mutations import CatalogMutations
from .products import (
    Product,
    ProductCountableConnection,
    ProductType,
    ProductVariant,
    ProductVariantCountableConnection,
)
from .queries import CatalogQueries

__all__ = [
    "CatalogMutations",
    "CatalogQueries",
    "Category",
    "CategoryCountableConnection",
    "CategoryTranslation",
    "Product",
    "ProductCountableConnection",
    "ProductErrorCode",
    "ProductType",
    "ProductVariant",
    "ProductVariantCountableConnection",
    "TranslationErrorCode",
]
