"""Admin for carts: read-only, so staff can see what shoppers hold and why stock is reserved."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from commerce.core.admin import ReadOnlyAdminMixin

from .models import (
    Checkout,
    CheckoutLine,
    ShippingMethod,
    ShippingMethodChannelListing,
    ShippingZone,
)


class CheckoutLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CheckoutLine
    extra = 0
    can_delete = False
    fields = ("sku", "variant", "quantity", "created_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("variant__product")

    @admin.display(description=_("SKU"))
    def sku(self, obj: CheckoutLine) -> str:
        return obj.variant.sku


class CompletedFilter(admin.SimpleListFilter):
    title = _("completed")
    parameter_name = "completed"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [("yes", _("Completed")), ("no", _("Open"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(completed_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(completed_at__isnull=True)
        return queryset


@admin.register(Checkout)
class CheckoutAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("token", "channel", "email", "currency", "line_count", "delivery_method",
                    "last_change", "completed_order")
    list_select_related = ("channel", "completed_order")
    list_filter = ("channel", CompletedFilter, "delivery_method", "last_change")
    search_fields = ("=token", "email", "customer__email", "lines__variant__sku")
    date_hierarchy = "last_change"
    inlines = (CheckoutLineInline,)
    fields = ("token", "channel", "created_at", "last_change", "user", "customer", "email",
              "language_code", "currency", "country", "shipping_address", "billing_address",
              "delivery_method", "shipping_method_id", "collection_point", "note", "voucher_code",
              "completed_order", "completed_at", "metadata")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(_lines=Count("lines"))

    @admin.display(description=_("lines"), ordering="_lines")
    def line_count(self, obj: Checkout) -> int:
        return obj._lines  # type: ignore[attr-defined]


class ShippingMethodInline(admin.TabularInline):
    model = ShippingMethod
    extra = 0
    fields = ("name", "minimum_order_weight_grams", "maximum_order_weight_grams",
              "minimum_delivery_days", "maximum_delivery_days", "is_active")


@admin.register(ShippingZone)
class ShippingZoneAdmin(admin.ModelAdmin):
    list_display = ("name", "country_list")
    filter_horizontal = ("channels",)
    inlines = [ShippingMethodInline]

    @admin.display(description=_("countries"))
    def country_list(self, obj: ShippingZone) -> str:
        return ", ".join(obj.countries)


class ShippingRateInline(admin.TabularInline):
    model = ShippingMethodChannelListing
    extra = 0
    fields = ("channel", "currency", "price_amount")


@admin.register(ShippingMethod)
class ShippingMethodAdmin(admin.ModelAdmin):
    list_display = ("name", "zone", "minimum_order_weight_grams", "maximum_order_weight_grams",
                    "is_active")
    list_filter = ("zone", "is_active")
    list_select_related = ("zone",)
    inlines = [ShippingRateInline]
