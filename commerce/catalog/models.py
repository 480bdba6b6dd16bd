from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from commerce.core.models import ModelWithMetadata, MoneyAmountField, TimestampedModel


class SeoModel(models.Model):
    seo_title = models.CharField(_("SEO title"), max_length=70, blank=True)
    seo_description = models.CharField(_("SEO description"), max_length=300, blank=True)

    class Meta:
        abstract = True


class Category(ModelWithMetadata, SeoModel):
    name = models.CharField(_("name"), max_length=250)
    slug = models.SlugField(_("slug"), max_length=255, unique=True, allow_unicode=True)
    description = models.TextField(_("description"), blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    sort_order = models.IntegerField(default=0)
    background_image = models.ImageField(upload_to="category-backgrounds", blank=True)

    class Meta:
        ordering = ("sort_order", "name")
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name

    def ancestors(self) -> list[Category]:
        chain: list[Category] = []
        node = self.parent
        while node is not None and len(chain) < 32:
            chain.insert(0, node)
            node = node.parent
        return chain


class CategoryTranslation(SeoModel):
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="translations")
    language_code = models.CharField(max_length=10, choices=settings.LANGUAGES)
    name = models.CharField(_("name"), max_length=250)
    slug = models.SlugField(_("slug"), max_length=255, allow_unicode=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["category", "language_code"], name="category_tr_unique"
            ),
            models.UniqueConstraint(
                fields=["language_code", "slug"], name="category_tr_slug_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} [{self.language_code}]"


class AttributeInputType(models.TextChoices):
    DROPDOWN = "dropdown", _("Dropdown")
    SWATCH = "swatch", _("Swatch")
    NUMERIC = "numeric", _("Numeric")
    BOOLEAN = "boolean", _("Boolean")


class Attribute(ModelWithMetadata):
    name = models.CharField(_("name"), max_length=255)
    slug = models.SlugField(_("slug"), max_length=250, unique=True)
    input_type = models.CharField(
        max_length=20, choices=AttributeInputType.choices, default=AttributeInputType.DROPDOWN
    )
    unit = models.CharField(max_length=20, blank=True)
    filterable_in_storefront = models.BooleanField(default=True)
    visible_in_storefront = models.BooleanField(default=True)

    class Meta:
        ordering = ("slug",)
        verbose_name = _("attribute")
        verbose_name_plural = _("attributes")

    def __str__(self) -> str:
        return self.name


class AttributeTranslation(models.Model):
    attribute = models.ForeignKey(Attribute, on_delete=models.CASCADE, related_name="translations")
    language_code = models.CharField(max_length=10, choices=settings.LANGUAGES)
    name = models.CharField(max_length=255)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["attribute", "language_code"], name="attribute_tr_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} [{self.language_code}]"


class AttributeValue(models.Model):
    attribute = models.ForeignKey(Attribute, on_delete=models.CASCADE, related_name="values")
    name = models.CharField(_("name"), max_length=250)
    slug = models.SlugField(_("slug"), max_length=255)
    value = models.CharField(
        _("value"),
        max_length=255,
        blank=True,
        help_text=_("Hex colour for swatches, number for numeric."),
    )
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ("sort_order", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["attribute", "slug"], name="attribute_value_slug_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.attribute.name}: {self.name}"


class AttributeValueTranslation(models.Model):
    attribute_value = models.ForeignKey(
        AttributeValue, on_delete=models.CASCADE, related_name="translations"
    )
    language_code = models.CharField(max_length=10, choices=settings.LANGUAGES)
    name = models.CharField(max_length=250)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["attribute_value", "language_code"], name="attribute_value_tr_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} [{self.language_code}]"


class ProductType(ModelWithMetadata):
    name = models.CharField(_("name"), max_length=250)
    slug = models.SlugField(_("slug"), max_length=255, unique=True)
    has_variants = models.BooleanField(default=True)
    is_shipping_required = models.BooleanField(default=True)
    product_attributes = models.ManyToManyField(Attribute, blank=True, related_name="product_types")
    variant_attributes = models.ManyToManyField(
        Attribute, blank=True, related_name="product_variant_types"
    )

    class Meta:
        ordering = ("slug",)
        verbose_name = _("product type")
        verbose_name_plural = _("product types")

    def __str__(self) -> str:
        return self.name


class Product(ModelWithMetadata, SeoModel, TimestampedModel):
    product_type = models.ForeignKey(ProductType, on_delete=models.PROTECT, related_name="products")
    name = models.CharField(_("name"), max_length=250)
    slug = models.SlugField(_("slug"), max_length=255, unique=True, allow_unicode=True)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="products"
    )
    brand = models.CharField(_("brand"), max_length=128, blank=True)
    rating = models.FloatField(null=True, blank=True)
    attribute_values = models.ManyToManyField(AttributeValue, blank=True, related_name="products")
    search_vector = SearchVectorField(null=True, blank=True, editable=False)
    search_index_dirty = models.BooleanField(default=True, db_index=True, editable=False)

    class Meta:
        ordering = ("slug",)
        verbose_name = _("product")
        verbose_name_plural = _("products")
        indexes = [GinIndex(fields=["search_vector"], name="product_search_gin")]

    def __str__(self) -> str:
        return self.name


class ProductTranslation(SeoModel):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="translations")
    language_code = models.CharField(max_length=10, choices=settings.LANGUAGES)
    name = models.CharField(_("name"), max_length=250)
    slug = models.SlugField(_("slug"), max_length=255, allow_unicode=True)
    description = models.TextField(_("description"), blank=True)
    search_vector = SearchVectorField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "language_code"], name="product_tr_unique"),
            models.UniqueConstraint(
                fields=["language_code", "slug"], name="product_tr_slug_unique"
            ),
        ]
        indexes = [GinIndex(fields=["search_vector"], name="product_tr_search_gin")]

    def __str__(self) -> str:
        return f"{self.name} [{self.language_code}]"


class ProductVariant(ModelWithMetadata, TimestampedModel):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=255, blank=True)
    barcode = models.CharField(_("barcode / EAN"), max_length=32, blank=True, db_index=True)
    sort_order = models.IntegerField(default=0)
    track_inventory = models.BooleanField(default=True)
    weight_grams = models.PositiveIntegerField(_("weight (g)"), null=True, blank=True)
    length_mm = models.PositiveIntegerField(_("length (mm)"), null=True, blank=True)
    width_mm = models.PositiveIntegerField(_("width (mm)"), null=True, blank=True)
    height_mm = models.PositiveIntegerField(_("height (mm)"), null=True, blank=True)
    hs_code = models.CharField(_("HS code"), max_length=16, blank=True)
    customs_name_en = models.CharField(_("customs name (English)"), max_length=128, blank=True)
    customs_name_zh = models.CharField(_("customs name (Chinese)"), max_length=128, blank=True)
    origin_country = CountryField(_("country of origin"), blank=True)
    low_stock_threshold = models.PositiveIntegerField(null=True, blank=True)
    attribute_values = models.ManyToManyField(AttributeValue, blank=True, related_name="variants")

    class Meta:
        ordering = ("sort_order", "sku")
        verbose_name = _("product variant")
        verbose_name_plural = _("product variants")

    def __str__(self) -> str:
        return f"{self.product.name} {self.name}".strip() + f" ({self.sku})"

    @property
    def display_name(self) -> str:
        return self.name or self.sku


class ProductVariantTranslation(models.Model):
    product_variant = models.ForeignKey(
        ProductVariant, on_delete=models.CASCADE, related_name="translations"
    )
    language_code = models.CharField(max_length=10, choices=settings.LANGUAGES)
    name = models.CharField(_("name"), max_length=255, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["product_variant", "language_code"], name="variant_tr_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} [{self.language_code}]"


class ProductMedia(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="media")
    image = models.ImageField(upload_to="products", blank=True)
    external_url = models.URLField(blank=True)
    alt = models.CharField(max_length=250, blank=True)
    sort_order = models.IntegerField(default=0)
    variants = models.ManyToManyField(ProductVariant, blank=True, related_name="media")

    class Meta:
        ordering = ("sort_order", "pk")

    def __str__(self) -> str:
        return self.alt or str(self.image)

    @property
    def url(self) -> str:
        return self.image.url if self.image else self.external_url


class ProductChannelListing(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="channel_listings")
    channel = models.ForeignKey(
        "channel.Channel", on_delete=models.CASCADE, related_name="product_listings"
    )
    is_published = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    visible_in_listings = models.BooleanField(default=True)
    available_for_purchase_at = models.DateTimeField(null=True, blank=True)
    # Denormalized cheapest variant price for sorting and filtering
    discounted_price_amount = MoneyAmountField(null=True, blank=True)
    currency = models.CharField(max_length=3)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "channel"], name="product_listing_unique")
        ]
        indexes = [
            models.Index(fields=["channel", "is_published", "visible_in_listings"]),
            # Listings, search and facets ask "which products are published and listed
            # in this channel (now)": answered from the index alone, without the heap.
            models.Index(fields=["channel", "product"], include=["published_at"],
                         condition=models.Q(is_published=True, visible_in_listings=True),
                         name="listing_listed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.product} @ {self.channel}"


class ProductVariantChannelListing(models.Model):
    variant = models.ForeignKey(
        ProductVariant, on_delete=models.CASCADE, related_name="channel_listings"
    )
    channel = models.ForeignKey(
        "channel.Channel", on_delete=models.CASCADE, related_name="variant_listings"
    )
    currency = models.CharField(max_length=3)
    price_amount = MoneyAmountField(_("price"), null=True, blank=True)
    compare_at_price_amount = MoneyAmountField(_("compare-at price"), null=True, blank=True)
    cost_price_amount = MoneyAmountField(_("cost price"), null=True, blank=True)

    class Meta:
        ordering = ("pk",)
        constraints = [
            models.UniqueConstraint(fields=["variant", "channel"], name="variant_listing_unique"),
            models.CheckConstraint(
                condition=models.Q(price_amount__gte=0), name="variant_listing_price_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant.sku} @ {self.channel}: {self.price_amount} {self.currency}"
