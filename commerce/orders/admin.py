"""Admin for orders of every channel: read the order, cancel or fulfil it via services.

Orders are created by checkout, marketplace import and stores, never typed
in here; their lines and history are read-only. Cancel and fulfil are admin
actions that call ``order_cancel`` / ``order_fulfil``; a refusal is shown as
an error message for that order.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from commerce.account.roles import FULFIL_ORDER
from commerce.core.admin import ReadOnlyAdminMixin, run_service_per_object
from commerce.inventory.models import Allocation

from .models import Order, OrderEvent, OrderLine
from .services import order_cancel, order_fulfil


class OrderLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    fields = ("product_sku", "product_name", "variant_name", "quantity", "quantity_fulfilled",
              "unit_price_gross_amount", "total_price_gross_amount", "allocated_in")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).prefetch_related(
            Prefetch("allocations", queryset=Allocation.objects.select_related("stock__warehouse"))
        )

    @admin.display(description=_("allocated in"))
    def allocated_in(self, obj: OrderLine) -> str:
        return ", ".join(f"{a.stock.warehouse.name}: {a.quantity_allocated}"
                         for a in obj.allocations.all()) or "–"


class OrderEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = OrderEvent
    extra = 0
    can_delete = False
    fields = ("date", "type", "message", "user", "parameters")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("user")


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("__str__", "created_at", "channel", "origin", "status", "payment_status",
                    "customer_email", "total", "is_oversold")
    list_select_related = ("channel", "customer")
    list_filter = ("channel", "status", "payment_status", "is_oversold", "origin", "created_at")
    search_fields = ("=number", "external_id", "user_email", "customer__email",
                     "lines__product_sku")
    date_hierarchy = "created_at"
    inlines = (OrderLineInline, OrderEventInline)
    actions = ("cancel_orders", "fulfil_orders")
    fieldsets = (
        (None, {"fields": ("number", "channel", "external_id", "origin", "status",
                           "payment_status", "is_oversold", "created_at", "updated_at")}),
        (_("Customer"), {"fields": ("customer", "user", "user_email", "language_code",
                                    "billing_address", "shipping_address", "customer_note")}),
        (_("Delivery"), {"fields": ("shipping_method_name", "collection_point")}),
        (_("Totals"), {"fields": ("currency", "subtotal_net_amount", "subtotal_gross_amount",
                                  "shipping_price_net_amount", "shipping_price_gross_amount",
                                  "total_net_amount", "total_gross_amount",
                                  "total_charged_amount")}),
        (_("Metadata"), {"classes": ("collapse",), "fields": ("metadata", "private_metadata",
                                                              "external_updated_at")}),
    )
    # Only metadata is edited by hand; everything else follows from the services.
    readonly_fields = tuple(
        str(f) for section in fieldsets for f in section[1]["fields"]
        if f not in ("metadata", "private_metadata")
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        # Orders are business records: cancel them, do not delete them.
        return False

    def has_fulfil_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(FULFIL_ORDER)

    @admin.display(description=_("customer"), ordering="user_email")
    def customer_email(self, obj: Order) -> str:
        return obj.customer.email if obj.customer is not None else obj.user_email

    @admin.display(description=_("total"), ordering="total_gross_amount")
    def total(self, obj: Order) -> str:
        return f"{obj.total_gross_amount} {obj.currency}"

    @admin.action(description=_("Cancel selected orders (gives allocated stock back)"),
                  permissions=["change"])
    def cancel_orders(self, request: HttpRequest, queryset: QuerySet) -> None:
        run_service_per_object(request, queryset,
                               lambda order: order_cancel(order, user=request.user,
                                                          reason="admin"),
                               success=_("Canceled %(count)d orders."))

    @admin.action(description=_("Fulfil selected orders (ship allocated units)"),
                  permissions=["fulfil"])
    def fulfil_orders(self, request: HttpRequest, queryset: QuerySet) -> None:
        run_service_per_object(request, queryset,
                               lambda order: order_fulfil(order, user=request.user),
                               success=_("Fulfilled %(count)d orders."))
