"""Admin for the catalog: categories, attributes, product types, products, variants.

Translations are edited inline. Product and category translations and
variant prices are written through the catalog services (slug unique per
language, price currency must be the channel's); forms check the same rules
first so a refusal is a form error and nothing is written. Stock is shown on
the variant page and changed only on its "adjust stock" page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, Model, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from commerce.account.roles import ADJUST_STOCK
from commerce.channel.models import Channel
from commerce.inventory.forms import StockAdjustForm
from commerce.inventory.models import AVAILABLE, Stock, Warehouse

from .barcodes import GTIN_LENGTHS, is_valid_gtin
from .errors import CatalogError
from .models import (
    Attribute,
    AttributeTranslation,
    AttributeValue,
    AttributeValueTranslation,
    Category,
    CategoryTranslation,
    Product,
    ProductChannelListing,
    ProductMedia,
    ProductTranslation,
    ProductType,
    ProductVariant,
    ProductVariantChannelListing,
    ProductVariantTranslation,
)
from .services import (
    category_translate,
    product_translate,
    variant_price_set,
    variant_price_validate,
)

TRANSLATION_LANGUAGES = [(code, name) for code, name in settings.LANGUAGES
                         if code != settings.LANGUAGE_CODE]


# ---------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------


def _save_formset_through(formset, key_fields: Iterable[str], write: Callable[[forms.ModelForm], None]) -> None:  # noqa: ANN001
    """Save an inline formset by calling a service per changed row.

    Rows that were removed, or whose key (language, channel) changed, are deleted
    first so that swapping two keys cannot overwrite one with the other.
    """
    formset.save(commit=False)
    for obj in formset.deleted_objects:
        obj.delete()
    deleted = set(formset.deleted_forms)
    to_write = []
    for form in formset.forms:
        if form in deleted or not form.has_changed():
            continue
        if form.instance.pk and any(f in form.changed_data for f in key_fields):
            type(form.instance)._default_manager.filter(pk=form.instance.pk).delete()
        to_write.append(form)
    for form in to_write:
        write(form)


def _save_seo_translations(formset, instance, translate: Callable[..., object]) -> None:  # noqa: ANN001
    """Save a translations inline (name, slug, description, SEO) through its service."""

    def write(f: forms.ModelForm) -> None:
        d = f.cleaned_data
        translate(instance, d["language_code"], name=d["name"], slug=d["slug"],
                  description=d.get("description", ""), seo_title=d.get("seo_title", ""),
                  seo_description=d.get("seo_description", ""))

    _save_formset_through(formset, ("language_code",), write)


def _subquery_count(model: type[Model], fk: str, **filters: object) -> Coalesce:
    qs = (model._default_manager.filter(**{fk: OuterRef("pk")}, **filters).order_by()
          .values(fk).annotate(c=Count("pk")).values("c"))
    return Coalesce(Subquery(qs, output_field=IntegerField()), 0)


class TranslationFormMixin:
    """Language choices without the default language (edited on the object itself)."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if "language_code" in self.fields:  # type: ignore[attr-defined]
            self.fields["language_code"].choices = [("", "---------"), *TRANSLATION_LANGUAGES]  # type: ignore[attr-defined]


class SluggedTranslationForm(TranslationFormMixin, forms.ModelForm):
    """Slug made from the name when left empty, and unique among translations of
    the same language (the storefront routes /<lang>/…/<slug>/ on it)."""

    parent_field: str = ""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False

    def clean(self) -> dict:
        data = super().clean() or {}
        language, name = data.get("language_code"), data.get("name") or ""
        slug = slugify(data.get("slug") or name, allow_unicode=True)[:255]
        if not language or not slug:
            if not slug and name:
                self.add_error("slug", _("Could not make a slug from this name; enter one."))
            return data
        data["slug"] = slug
        self.instance.slug = slug
        model = self._meta.model
        clash = model.objects.filter(language_code=language, slug=slug)
        parent_id = getattr(self.instance, f"{self.parent_field}_id", None)
        if parent_id:
            clash = clash.exclude(**{f"{self.parent_field}_id": parent_id})
        if clash.exists():
            self.add_error("slug", _("“%(slug)s” is already used by another %(what)s in this "
                                     "language.") % {"slug": slug,
                                                     "what": model._meta.get_field(
                                                         self.parent_field).related_model._meta.verbose_name})
        return data


class ProductTranslationForm(SluggedTranslationForm):
    parent_field = "product"

    class Meta:
        model = ProductTranslation
        fields = ("language_code", "name", "slug", "description", "seo_title", "seo_description")


class CategoryTranslationForm(SluggedTranslationForm):
    parent_field = "category"

    class Meta:
        model = CategoryTranslation
        fields = ("language_code", "name", "slug", "description", "seo_title", "seo_description")


class PlainTranslationForm(TranslationFormMixin, forms.ModelForm):
    pass


# ---------------------------------------------------------------------------------
# categories
# ---------------------------------------------------------------------------------


class CategoryTranslationInline(admin.StackedInline):
    model = CategoryTranslation
    form = CategoryTranslationForm
    extra = 0
    fields = (("language_code", "name", "slug"), "description", ("seo_title", "seo_description"))


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "parent", "slug", "product_count", "sort_order")
    list_select_related = ("parent",)
    list_filter = (("parent", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("name", "slug", "translations__name")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("parent",)
    inlines = (CategoryTranslationInline,)
    fieldsets = (
        (None, {"fields": ("name", "slug", "parent", "sort_order", "description",
                           "background_image")}),
        (_("SEO"), {"fields": ("seo_title", "seo_description")}),
        (_("Metadata"), {"classes": ("collapse",), "fields": ("metadata", "private_metadata")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(
            _products=_subquery_count(Product, "category"))

    @admin.display(description=_("products"), ordering="_products")
    def product_count(self, obj: Category) -> int:
        return obj._products  # type: ignore[attr-defined]

    def save_formset(self, request, form, formset, change):  # type: ignore[no-untyped-def]
        if formset.model is CategoryTranslation:
            _save_seo_translations(formset, form.instance, category_translate)
            return
        super().save_formset(request, form, formset, change)


# ---------------------------------------------------------------------------------
# attributes and product types
# ---------------------------------------------------------------------------------


class AttributeTranslationInline(admin.TabularInline):
    model = AttributeTranslation
    form = PlainTranslationForm
    extra = 0
    fields = ("language_code", "name")


class AttributeValueInline(admin.TabularInline):
    model = AttributeValue
    extra = 0
    fields = ("name", "slug", "value", "sort_order")
    prepopulated_fields = {"slug": ("name",)}
    show_change_link = True  # translations of a value are edited on its own page


@admin.register(Attribute)
class AttributeAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "input_type", "unit", "value_count",
                    "filterable_in_storefront", "visible_in_storefront")
    list_filter = ("input_type", "filterable_in_storefront", "visible_in_storefront")
    search_fields = ("name", "slug", "translations__name")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (AttributeTranslationInline, AttributeValueInline)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(
            _values=_subquery_count(AttributeValue, "attribute"))

    @admin.display(description=_("values"), ordering="_values")
    def value_count(self, obj: Attribute) -> int:
        return obj._values  # type: ignore[attr-defined]


class AttributeValueTranslationInline(admin.TabularInline):
    model = AttributeValueTranslation
    form = PlainTranslationForm
    extra = 0
    fields = ("language_code", "name")


@admin.register(AttributeValue)
class AttributeValueAdmin(admin.ModelAdmin):
    list_display = ("name", "attribute", "slug", "value", "sort_order")
    list_select_related = ("attribute",)
    list_filter = ("attribute",)
    search_fields = ("name", "slug", "attribute__name", "translations__name")
    autocomplete_fields = ("attribute",)
    prepopulated_fields = {"slug": ("name",)}
    inlines = (AttributeValueTranslationInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # __str__ shows the attribute's name (autocomplete results, inlines).
        return super().get_queryset(request).select_related("attribute")


@admin.register(ProductType)
class ProductTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "has_variants", "is_shipping_required", "product_count")
    list_filter = ("has_variants", "is_shipping_required")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("product_attributes", "variant_attributes")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(
            _products=_subquery_count(Product, "product_type"))

    @admin.display(description=_("products"), ordering="_products")
    def product_count(self, obj: ProductType) -> int:
        return obj._products  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------
# products
# ---------------------------------------------------------------------------------


class ProductTranslationInline(admin.StackedInline):
    model = ProductTranslation
    form = ProductTranslationForm
    extra = 0
    fields = (("language_code", "name", "slug"), "description", ("seo_title", "seo_description"))


class ProductChannelListingForm(forms.ModelForm):
    class Meta:
        model = ProductChannelListing
        fields = ("channel", "is_published", "published_at", "visible_in_listings",
                  "available_for_purchase_at")

    def clean(self) -> dict:
        data = super().clean() or {}
        channel = data.get("channel")
        if channel is not None:
            # A product is listed in the channel's currency, whatever the form says.
            self.instance.currency = channel.currency_code
        if data.get("is_published") and not data.get("published_at"):
            data["published_at"] = timezone.now()
            self.instance.published_at = data["published_at"]
        return data


class ProductChannelListingInline(admin.TabularInline):
    model = ProductChannelListing
    form = ProductChannelListingForm
    extra = 0
    fields = ("channel", "is_published", "published_at", "visible_in_listings",
              "available_for_purchase_at", "currency", "discounted_price_amount")
    readonly_fields = ("currency", "discounted_price_amount")
    verbose_name = _("channel listing")
    verbose_name_plural = _("channel listings (publication)")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("channel")


class ProductMediaInline(admin.TabularInline):
    model = ProductMedia
    extra = 0
    fields = ("image", "external_url", "alt", "sort_order", "variants")
    autocomplete_fields = ("variants",)


class VariantGtinMixin:
    def clean_barcode(self) -> str:
        code = (self.cleaned_data.get("barcode") or "").strip()  # type: ignore[attr-defined]
        if code.isdigit() and len(code) in GTIN_LENGTHS and not is_valid_gtin(code):
            raise forms.ValidationError(_("%(code)s is not a valid EAN/UPC: wrong check digit."),
                                        params={"code": code}, code="invalid_gtin")
        return code


class VariantInlineForm(VariantGtinMixin, forms.ModelForm):
    class Meta:
        model = ProductVariant
        fields = ("sku", "name", "barcode", "weight_grams", "sort_order")


class VariantInline(admin.TabularInline):
    model = ProductVariant
    form = VariantInlineForm
    extra = 0
    fields = ("sku", "name", "barcode", "weight_grams", "sort_order", "on_hand")
    readonly_fields = ("on_hand",)
    show_change_link = True  # prices, stock and translations are on the variant's page
    verbose_name_plural = _("variants (open one for prices, stock and translations)")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(_on_hand=_stock_sum("quantity"))

    @admin.display(description=_("on hand"))
    def on_hand(self, obj: ProductVariant) -> int:
        return getattr(obj, "_on_hand", 0) or 0


def _stock_sum(expression: object) -> Coalesce:
    qs = (Stock.objects.filter(variant=OuterRef("pk")).order_by().values("variant")
          .annotate(s=Sum(expression)).values("s"))
    return Coalesce(Subquery(qs, output_field=IntegerField()), 0)


class PublishedInChannelFilter(admin.SimpleListFilter):
    title = _("published in channel")
    parameter_name = "published_in"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(c.slug, c.name) for c in Channel.objects.order_by("slug")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value():
            return queryset.filter(channel_listings__channel__slug=self.value(),
                                   channel_listings__is_published=True)
        return queryset


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "product_type", "category", "brand", "variant_count",
                    "published_channels", "updated_at")
    list_select_related = ("product_type", "category")
    list_filter = ("product_type", "category", PublishedInChannelFilter, "updated_at")
    search_fields = ("name", "slug", "brand")  # + SKU, barcode, translated names below
    search_help_text = _("Name (any language), slug, brand, SKU or barcode.")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("product_type", "category", "attribute_values")
    readonly_fields = ("created_at", "updated_at")
    inlines = (ProductTranslationInline, VariantInline, ProductChannelListingInline,
               ProductMediaInline)
    fieldsets = (
        (None, {"fields": ("name", "slug", "product_type", "category", "brand", "description",
                           "attribute_values")}),
        (_("SEO"), {"fields": ("seo_title", "seo_description")}),
        (_("Metadata"), {"classes": ("collapse",),
                         "fields": ("metadata", "private_metadata", "rating", "created_at",
                                    "updated_at")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(
            _variants=_subquery_count(ProductVariant, "product"),
            _published=_subquery_count(ProductChannelListing, "product", is_published=True),
        )

    @admin.display(description=_("variants"), ordering="_variants")
    def variant_count(self, obj: Product) -> int:
        return obj._variants  # type: ignore[attr-defined]

    @admin.display(description=_("published in"), ordering="_published")
    def published_channels(self, obj: Product) -> str:
        return _("%(n)d channels") % {"n": obj._published}  # type: ignore[attr-defined]

    def get_search_results(self, request, queryset, search_term):  # type: ignore[no-untyped-def]
        # One subquery per related table instead of one join of all of them: the join
        # of variants x translations makes a 10k-product catalog search take seconds.
        queryset, may_have_duplicates = super().get_search_results(request, queryset,
                                                                   search_term)
        term = search_term.strip()
        if term:
            variants = ProductVariant.objects.filter(
                Q(sku__istartswith=term) | Q(barcode=term)).values("product_id")
            translations = ProductTranslation.objects.filter(name__icontains=term).values(
                "product_id")
            queryset |= self.get_queryset(request).filter(
                Q(pk__in=variants) | Q(pk__in=translations))
        return queryset, may_have_duplicates

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        obj.search_index_dirty = True
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):  # type: ignore[no-untyped-def]
        if formset.model is ProductTranslation:
            _save_seo_translations(formset, form.instance, product_translate)
            return
        super().save_formset(request, form, formset, change)


# ---------------------------------------------------------------------------------
# variants
# ---------------------------------------------------------------------------------


class VariantTranslationInline(admin.TabularInline):
    model = ProductVariantTranslation
    form = PlainTranslationForm
    extra = 0
    fields = ("language_code", "name")


PRICE_FIELDS = {"currency": "currency", "price": "price_amount",
                "compareAtPrice": "compare_at_price_amount", "costPrice": "cost_price_amount"}


class VariantChannelListingForm(forms.ModelForm):
    """A variant's price in one channel, checked by ``variant_price_validate``."""

    currency = forms.CharField(
        label=_("currency"), max_length=3, required=False,
        help_text=_("The channel's currency; left empty, it is filled in."),
        widget=forms.TextInput(attrs={"size": 4}),
    )

    class Meta:
        model = ProductVariantChannelListing
        fields = ("channel", "currency", "price_amount", "compare_at_price_amount",
                  "cost_price_amount")

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["price_amount"].required = True

    def clean(self) -> dict:
        data = super().clean() or {}
        channel: Channel | None = data.get("channel")
        if channel is None or "price_amount" not in data:
            return data
        currency = (data.get("currency") or channel.currency_code).strip().upper()
        try:
            values = variant_price_validate(
                channel, price=data.get("price_amount"), currency=currency,
                compare_at=data.get("compare_at_price_amount"), cost=data.get("cost_price_amount"),
            )
        except CatalogError as exc:
            self.add_error(PRICE_FIELDS.get(exc.field or ""), exc.message)
            return data
        data.update(values, currency=channel.currency_code)
        self.instance.currency = channel.currency_code
        return data


class VariantChannelListingInline(admin.TabularInline):
    model = ProductVariantChannelListing
    form = VariantChannelListingForm
    extra = 0
    fields = ("channel", "currency", "price_amount", "compare_at_price_amount",
              "cost_price_amount")
    verbose_name = _("channel price")
    verbose_name_plural = _("prices per channel")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("channel")


class StockInline(admin.TabularInline):
    """Stock per warehouse, read-only: change it with "Adjust stock" above."""

    model = Stock
    extra = 0
    can_delete = False
    fields = ("warehouse", "quantity", "quantity_allocated", "quantity_reserved", "available_units",
              "shelf_location")
    readonly_fields = fields
    verbose_name_plural = _("stock per warehouse (change it with “Adjust stock”)")

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("warehouse").order_by("warehouse__slug")

    @admin.display(description=_("available"))
    def available_units(self, obj: Stock) -> int:
        return obj.available


class VariantForm(VariantGtinMixin, forms.ModelForm):
    class Meta:
        model = ProductVariant
        fields = ("product", "sku", "name", "barcode", "sort_order", "track_inventory",
                  "low_stock_threshold", "attribute_values", "weight_grams", "length_mm",
                  "width_mm", "height_mm", "hs_code", "customs_name_en", "customs_name_zh",
                  "origin_country", "metadata", "private_metadata")


@admin.register(ProductVariant)
class ProductVariantAdmin(admin.ModelAdmin):
    form = VariantForm
    change_form_template = "admin/catalog/productvariant/change_form.html"
    list_display = ("sku", "product_name", "name", "barcode", "on_hand", "available",
                    "updated_at")
    list_select_related = ("product",)
    list_filter = ("product__product_type", "product__category", "track_inventory",
                   "origin_country")
    search_fields = ("^sku", "=barcode", "name")  # + product name below
    search_help_text = _("SKU (start), barcode, variant or product name.")
    autocomplete_fields = ("product", "attribute_values")
    readonly_fields = ("created_at", "updated_at")
    inlines = (VariantTranslationInline, VariantChannelListingInline, StockInline)
    fieldsets = (
        (None, {"fields": ("product", "sku", "name", "barcode", "sort_order", "track_inventory",
                           "low_stock_threshold", "attribute_values")}),
        (_("Shipping and customs"), {"fields": (
            "weight_grams", ("length_mm", "width_mm", "height_mm"), "hs_code",
            "customs_name_en", "customs_name_zh", "origin_country")}),
        (_("Metadata"), {"classes": ("collapse",),
                         "fields": ("metadata", "private_metadata", "created_at", "updated_at")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(
            _on_hand=_stock_sum("quantity"), _available=_stock_sum(AVAILABLE))

    @admin.display(description=_("product"), ordering="product__name")
    def product_name(self, obj: ProductVariant) -> str:
        return obj.product.name

    @admin.display(description=_("on hand"), ordering="_on_hand")
    def on_hand(self, obj: ProductVariant) -> int:
        return obj._on_hand  # type: ignore[attr-defined]

    @admin.display(description=_("available"), ordering="_available")
    def available(self, obj: ProductVariant) -> int:
        return obj._available  # type: ignore[attr-defined]

    def get_search_results(self, request, queryset, search_term):  # type: ignore[no-untyped-def]
        queryset, may_have_duplicates = super().get_search_results(request, queryset,
                                                                   search_term)
        term = search_term.strip()
        if term:
            products = Product.objects.filter(name__icontains=term).values("pk")
            queryset |= self.get_queryset(request).filter(product_id__in=products)
        return queryset, may_have_duplicates

    def save_formset(self, request, form, formset, change):  # type: ignore[no-untyped-def]
        if formset.model is ProductVariantChannelListing:
            def write(f: forms.ModelForm) -> None:
                d = f.cleaned_data
                variant_price_set(form.instance, d["channel"], price=d["price_amount"],
                                  currency=d["currency"], compare_at=d.get("compare_at_price_amount"),
                                  cost=d.get("cost_price_amount"))
            _save_formset_through(formset, ("channel",), write)
            return
        super().save_formset(request, form, formset, change)

    # -- adjust stock -------------------------------------------------------------

    def get_urls(self):  # type: ignore[no-untyped-def]
        custom = [
            path("<path:object_id>/adjust-stock/",
                 self.admin_site.admin_view(self.adjust_stock_view),
                 name="catalog_productvariant_adjust_stock"),
        ]
        return custom + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):  # type: ignore[no-untyped-def]
        extra_context = {**(extra_context or {}),
                         "can_adjust_stock": request.user.has_perm(ADJUST_STOCK)}
        return super().change_view(request, object_id, form_url, extra_context)

    def adjust_stock_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Receipts, corrections and counts for one variant, through ``stock_adjust``."""
        if not (request.user.has_perm(ADJUST_STOCK) and self.has_view_permission(request)):
            raise PermissionDenied
        variant = get_object_or_404(ProductVariant.objects.select_related("product"),
                                    pk=object_id)
        initial = {}
        warehouse_id = request.GET.get("warehouse", "")
        if warehouse_id.isdigit():
            initial["warehouse"] = Warehouse.objects.filter(pk=warehouse_id).first()
        form = StockAdjustForm(request.POST or None, variant=variant, initial=initial)
        if request.method == "POST" and form.is_valid():
            stock = form.save(request.user)
            if stock is not None:
                messages.success(request, _("Stock of %(sku)s in %(wh)s is now %(q)d on hand.")
                                 % {"sku": variant.sku, "wh": stock.warehouse.name,
                                    "q": stock.quantity})
                return HttpResponseRedirect(
                    reverse("admin:catalog_productvariant_change", args=[variant.pk]))
        stocks = list(variant.stocks.select_related("warehouse").order_by("warehouse__slug"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Adjust stock of %(sku)s") % {"sku": variant.sku},
            "opts": self.model._meta,
            "original": variant,
            "variant": variant,
            "stocks": stocks,
            "form": form,
            "media": self.media + form.media,
            "change_url": reverse("admin:catalog_productvariant_change", args=[variant.pk]),
            "movements_url": reverse("admin:inventory_stockmovement_changelist")
            + f"?q={variant.sku}",
        }
        return TemplateResponse(request, "admin/catalog/productvariant/adjust_stock.html",
                                context)

