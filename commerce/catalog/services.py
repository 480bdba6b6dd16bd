"""Catalog writes: translations, channel prices."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from commerce.channel.models import Channel
from commerce.core.money import quantize

from .errors import CatalogError, CatalogErrorCode
from .models import (
    Category,
    CategoryTranslation,
    Product,
    ProductTranslation,
    ProductVariant,
    ProductVariantChannelListing,
)

LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}


def _check_language(language_code: str) -> None:
    if language_code not in LANGUAGE_CODES:
        raise CatalogError(
            _("Language %(lang)s is not offered.") % {"lang": language_code},
            code=CatalogErrorCode.INVALID_LANGUAGE,
            field="languageCode",
        )


def product_translate(
    product: Product,
    language_code: str,
    *,
    name: str,
    description: str = "",
    slug: str = "",
    seo_title: str = "",
    seo_description: str = "",
) -> ProductTranslation:
    """Create or update a product's translation; the slug must be unique in that language."""
    _check_language(language_code)
    if not name.strip():
        raise CatalogError(
            _("A translated name is required."), code=CatalogErrorCode.REQUIRED, field="name"
        )
    slug = slugify(slug or name, allow_unicode=True)[:255] or slugify(product.slug)
    clash = ProductTranslation.objects.filter(language_code=language_code, slug=slug).exclude(
        product=product
    )
    if clash.exists():
        raise CatalogError(
            _("Slug “%(slug)s” is already used by another product in %(lang)s.")
            % {"slug": slug, "lang": language_code},
            code=CatalogErrorCode.SLUG_CLASH,
            field="slug",
        )
    try:
        with transaction.atomic():
            tr, _created = ProductTranslation.objects.update_or_create(
                product=product,
                language_code=language_code,
                defaults={
                    "name": name,
                    "description": description,
                    "slug": slug,
                    "seo_title": seo_title,
                    "seo_description": seo_description,
                },
            )
            Product.objects.filter(pk=product.pk).update(search_index_dirty=True)
    except IntegrityError as exc:  # lost a race for the same slug
        raise CatalogError(
            _("Slug “%(slug)s” is already used by another product in %(lang)s.")
            % {"slug": slug, "lang": language_code},
            code=CatalogErrorCode.SLUG_CLASH,
            field="slug",
        ) from exc
    return tr


def category_translate(
    category: Category,
    language_code: str,
    *,
    name: str,
    slug: str = "",
    description: str = "",
    seo_title: str = "",
    seo_description: str = "",
) -> CategoryTranslation:
    _check_language(language_code)
    slug = slugify(slug or name, allow_unicode=True)[:255]
    if (
        CategoryTranslation.objects.filter(language_code=language_code, slug=slug)
        .exclude(category=category)
        .exists()
    ):
        raise CatalogError(
            _("Slug “%(slug)s” is already used by another category in %(lang)s.")
            % {"slug": slug, "lang": language_code},
            code=CatalogErrorCode.SLUG_CLASH,
            field="slug",
        )
    tr, _created = CategoryTranslation.objects.update_or_create(
        category=category,
        language_code=language_code,
        defaults={
            "name": name,
            "slug": slug,
            "description": description,
            "seo_title": seo_title,
            "seo_description": seo_description,
        },
    )
    return tr


def variant_price_validate(
    channel: Channel,
    *,
    price: Decimal | str | None,
    currency: str,
    compare_at: Decimal | str | None = None,
    cost: Decimal | str | None = None,
) -> dict[str, Decimal | None]:
    """Check a channel price without writing anything (forms validate with it).

    The currency must be the channel's and amounts must be finite and not negative.
    Returns the amounts rounded to the currency, keyed by listing field.
    """
    if (currency or "").upper() != channel.currency_code:
        raise CatalogError(
            _("Channel %(ch)s sells in %(exp)s, not %(cur)s.")
            % {"ch": channel.slug, "exp": channel.currency_code, "cur": currency},
            code=CatalogErrorCode.CURRENCY_MISMATCH,
            field="currency",
        )
    values: dict[str, Decimal | None] = {}
    for key, field, raw in (
        ("price_amount", "price", price),
        ("compare_at_price_amount", "compareAtPrice", compare_at),
        ("cost_price_amount", "costPrice", cost),
    ):
        if raw is None or raw == "":
            values[key] = None
            continue
        try:
            amount = Decimal(str(raw))
        except InvalidOperation as exc:
            raise CatalogError(
                _("Not a valid amount: %(v)s") % {"v": raw},
                code=CatalogErrorCode.INVALID_PRICE,
                field=field,
            ) from exc
        if not amount.is_finite() or amount < 0:
            raise CatalogError(
                _("Prices cannot be negative."), code=CatalogErrorCode.INVALID_PRICE, field=field
            )
        values[key] = quantize(amount, channel.currency_code)
    return values


def variant_price_set(
    variant: ProductVariant,
    channel: Channel,
    *,
    price: Decimal | str | None,
    currency: str,
    compare_at: Decimal | str | None = None,
    cost: Decimal | str | None = None,
) -> ProductVariantChannelListing:
    """Set a variant's price in a channel; the currency must be the channel's."""
    values = variant_price_validate(
        channel, price=price, currency=currency, compare_at=compare_at, cost=cost
    )
    listing, _created = ProductVariantChannelListing.objects.update_or_create(
        variant=variant, channel=channel, defaults={"currency": channel.currency_code, **values}
    )
    return listing
