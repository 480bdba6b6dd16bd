"""Admin for warehouses and stock.

Stock counters are never edited in a form: on-hand changes go through the
"adjust stock" page (``stock_adjust``: row lock, ledger row, listeners), and
allocations/reservations only through the order and checkout services. The
ledger (StockMovement) is append-only and read-only for everyone.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from commerce.account.roles import ADJUST_STOCK
from commerce.core.admin import ReadOnlyAdminMixin

from .models import AVAILABLE, Allocation, Reservation, Stock, StockMovement, Warehouse


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "kind", "city", "country", "pickup_enabled", "is_active")
    list_filter = ("kind", "country", "pickup_enabled", "is_active")
    search_fields = ("name", "slug", "city", "postal_code", "company_name")
    prepopulated_fields = {"slug": ("name",)}
    fieldsets = (
        (None, {"fields": ("name", "slug", "kind", "is_active", "pickup_enabled")}),
        (_("Address"), {"fields": ("company_name", "street_address_1", "street_address_2",
                                   "postal_code", "city", "country_area", "country", "email",
                                   "phone")}),
        (_("Location"), {"fields": ("latitude", "longitude")}),
        (_("Metadata"), {"classes": ("collapse",), "fields": ("metadata", "private_metadata")}),
    )


class StockAvailableFilter(admin.SimpleListFilter):
    title = _("availability")
    parameter_name = "availability"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [("out", _("Nothing available")), ("in", _("Available")),
                ("allocated", _("Has allocations")), ("reserved", _("Has reservations"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value == "out":
            return queryset.alias(_avail=AVAILABLE).filter(_avail__lte=0)
        if value == "in":
            return queryset.alias(_avail=AVAILABLE).filter(_avail__gt=0)
        if value == "allocated":
            return queryset.filter(quantity_allocated__gt=0)
        if value == "reserved":
            return queryset.filter(quantity_reserved__gt=0)
        return queryset


def adjust_stock_url(variant_id: int, warehouse_id: int | None = None) -> str:
    url = reverse("admin:catalog_productvariant_adjust_stock", args=[variant_id])
    return f"{url}?warehouse={warehouse_id}" if warehouse_id else url


@admin.register(Stock)
class StockAdmin(admin.ModelAdmin):
    """Stock per variant and warehouse. Only the shelf location is edited here."""

    list_display = ("sku", "product_name", "warehouse", "quantity", "quantity_allocated",
                    "quantity_reserved", "available_units", "shelf_location", "adjust_link")
    list_select_related = ("variant__product", "warehouse")
    list_filter = ("warehouse", "warehouse__kind", StockAvailableFilter)
    search_fields = ("variant__sku", "variant__barcode", "variant__product__name",
                     "shelf_location")
    fields = ("variant", "warehouse", "quantity", "quantity_allocated", "quantity_reserved",
              "available_units", "shelf_location", "adjust_link")
    readonly_fields = ("variant", "warehouse", "quantity", "quantity_allocated",
                       "quantity_reserved", "available_units", "adjust_link")
    ordering = ("variant__sku", "warehouse__slug")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # New stock rows come from the adjust page (a receipt creates the row).
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Stock | None = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(_available=AVAILABLE)

    @admin.display(description=_("SKU"), ordering="variant__sku")
    def sku(self, obj: Stock) -> str:
        return obj.variant.sku

    @admin.display(description=_("product"), ordering="variant__product__name")
    def product_name(self, obj: Stock) -> str:
        return f"{obj.variant.product.name} {obj.variant.name}".strip()

    @admin.display(description=_("available"), ordering="_available")
    def available_units(self, obj: Stock) -> int:
        return obj.available

    @admin.display(description=_("adjust"))
    def adjust_link(self, obj: Stock) -> str:
        return format_html('<a href="{}">{}</a>', adjust_stock_url(obj.variant_id, obj.warehouse_id),
                           _("Adjust…"))

    # The adjust link is shown only to staff who may adjust (the page itself checks too).
    def get_list_display(self, request: HttpRequest) -> Any:
        shown = tuple(super().get_list_display(request))
        return shown if request.user.has_perm(ADJUST_STOCK) else shown[:-1]

    def get_fields(self, request: HttpRequest, obj: Stock | None = None) -> Any:
        fields = list(super().get_fields(request, obj))
        return fields if request.user.has_perm(ADJUST_STOCK) else fields[:-1]


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The stock ledger: append-only, nobody adds, changes or deletes rows here."""

    list_display = ("created_at", "sku", "warehouse_name", "reason", "quantity_delta",
                    "allocated_delta", "reserved_delta", "quantity_after", "reference", "user")
    list_select_related = ("stock__variant", "stock__warehouse", "user")
    list_filter = ("reason", "stock__warehouse", "created_at")
    search_fields = ("stock__variant__sku", "reference", "note")
    date_hierarchy = "created_at"
    readonly_fields = ("stock", "reason", "quantity_delta", "allocated_delta", "reserved_delta",
                       "quantity_after", "reference", "note", "user", "created_at")
    fields = readonly_fields
    show_full_result_count = False

    @admin.display(description=_("SKU"), ordering="stock__variant__sku")
    def sku(self, obj: StockMovement) -> str:
        return obj.stock.variant.sku

    @admin.display(description=_("warehouse"), ordering="stock__warehouse__name")
    def warehouse_name(self, obj: StockMovement) -> str:
        return obj.stock.warehouse.name


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Units promised to order lines; written only by the order services."""

    list_display = ("order_number", "sku", "warehouse_name", "quantity_allocated")
    list_select_related = ("order_line__order", "stock__variant", "stock__warehouse")
    list_filter = ("stock__warehouse",)
    search_fields = ("stock__variant__sku", "order_line__order__external_id")
    fields = ("order_line", "stock", "quantity_allocated")
    readonly_fields = fields

    @admin.display(description=_("order"), ordering="order_line__order__number")
    def order_number(self, obj: Allocation) -> str:
        return str(obj.order_line.order)

    @admin.display(description=_("SKU"), ordering="stock__variant__sku")
    def sku(self, obj: Allocation) -> str:
        return obj.stock.variant.sku

    @admin.display(description=_("warehouse"))
    def warehouse_name(self, obj: Allocation) -> str:
        return obj.stock.warehouse.name


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Short holds for checkouts; written and released only by the checkout services."""

    list_display = ("reference", "sku", "warehouse_name", "quantity_reserved", "reserved_until",
                    "is_expired")
    list_select_related = ("stock__variant", "stock__warehouse")
    list_filter = ("stock__warehouse", "reserved_until")
    search_fields = ("reference", "stock__variant__sku")
    fields = ("reference", "line_reference", "stock", "quantity_reserved", "reserved_until",
              "created_at")
    readonly_fields = fields

    @admin.display(description=_("SKU"), ordering="stock__variant__sku")
    def sku(self, obj: Reservation) -> str:
        return obj.stock.variant.sku

    @admin.display(description=_("warehouse"))
    def warehouse_name(self, obj: Reservation) -> str:
        return obj.stock.warehouse.name

    @admin.display(description=_("expired"), boolean=True)
    def is_expired(self, obj: Reservation) -> bool:
        return obj.reserved_until <= timezone.now()
