from __future__ import annotations

from django.contrib import admin

from .models import Payment, PaymentEvent


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ("psp_reference", "status", "amount", "currency", "captured_amount",
                    "refunded_amount", "order", "created_at")
    list_filter = ("status", "capture_method", "currency")
    search_fields = ("psp_reference",)
    raw_id_fields = ("checkout", "order")
    readonly_fields = [f.name for f in Payment._meta.fields]

    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        return False


@admin.register(PaymentEvent)
class PaymentEventAdmin(admin.ModelAdmin):
    list_display = ("event_id", "type", "payment", "result", "received_at")
    list_filter = ("type",)
    search_fields = ("event_id",)
    readonly_fields = [f.name for f in PaymentEvent._meta.fields]

    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        return False
