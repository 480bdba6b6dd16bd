"""Merchant admin for stores, routing rules, store fulfilments and monthly settlements.

Thin: forms parse, services and validators in ``services``/``rules`` decide.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from commerce.core.errors import DomainError
from commerce.inventory.models import Warehouse, WarehouseKind

from . import rules, services, settlement
from .models import (
    DeliveryMethod,
    OpeningHours,
    RoutingRule,
    RoutingRuleWarehouse,
    Store,
    StoreFeeRule,
    StoreFulfilment,
)
from .routing import invalidate_routing_table

# ---------------------------------------------------------------------------------
# stores
# ---------------------------------------------------------------------------------


class OpeningHoursFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        periods = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or data.get("weekday") is None:
                continue
            if data.get("opens") is None or data.get("closes") is None:
                continue
            periods.append(services.Period(data["weekday"], data["opens"], data["closes"]))
        try:
            services.validate_opening_hours(periods)
        except DomainError as exc:
            raise ValidationError(exc.message) from exc


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    formset = OpeningHoursFormSet
    extra = 0


class StoreFeeRuleInline(admin.TabularInline):
    model = StoreFeeRule
    extra = 0


class StoreForm(forms.ModelForm):
    pickup_enabled = forms.BooleanField(label=_("pickup enabled"), required=False,
                                        help_text=_("Saved on the store's warehouse."))

    class Meta:
        model = Store
        fields = ["warehouse", "pickup_enabled", "time_zone", "ship_from_store_enabled",
                  "preparation_minutes", "pickup_hold_days", "reminder_days_before",
                  "allow_transfers", "transfer_days", "fee_percent", "clerks"]

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = Warehouse.objects.filter(  # type: ignore[attr-defined]
            kind=WarehouseKind.STORE)
        if self.instance.pk:
            self.fields["pickup_enabled"].initial = self.instance.warehouse.pickup_enabled

    def clean_time_zone(self) -> str:
        try:
            return services.validate_time_zone(self.cleaned_data.get("time_zone", ""))
        except DomainError as exc:
            raise ValidationError(exc.message) from exc

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean() or {}
        if data.get("reminder_days_before") is not None and data.get("pickup_hold_days") is not None \
                and data["reminder_days_before"] >= data["pickup_hold_days"] > 0:
            self.add_error("reminder_days_before",
                           _("The reminder must come before the end of the hold."))
        if data.get("pickup_hold_days") == 0:
            self.add_error("pickup_hold_days", _("Hold pickups for at least one day."))
        return data


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    form = StoreForm
    inlines = [OpeningHoursInline, StoreFeeRuleInline]
    list_display = ("__str__", "city", "pickup", "ship_from_store_enabled", "preparation_minutes",
                    "pickup_hold_days", "settlement_link")
    list_select_related = ("warehouse",)
    search_fields = ("warehouse__name", "warehouse__city")
    filter_horizontal = ("clerks",)

    @admin.display(description=_("city"))
    def city(self, obj: Store) -> str:
        return obj.warehouse.city

    @admin.display(description=_("pickup"), boolean=True)
    def pickup(self, obj: Store) -> bool:
        return obj.pickup_enabled

    @admin.display(description=_("settlement"))
    def settlement_link(self, obj: Store) -> str:
        return format_html('<a href="{}">{}</a>',
                           reverse("admin:stores_store_settlement", args=[obj.pk]),
                           _("monthly statement"))

    def save_model(self, request: HttpRequest, obj: Store, form: StoreForm, change: bool) -> None:
        services.store_save(obj, pickup_enabled=form.cleaned_data.get("pickup_enabled", False))

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:  # type: ignore[no-untyped-def]
        super().save_related(request, form, formsets, change)
        store = form.instance
        group = services.ensure_clerk_group()
        for user in store.clerks.all():
            user.groups.add(group)

    def get_urls(self):  # type: ignore[no-untyped-def]
        own = [path("<int:pk>/settlement/", self.admin_site.admin_view(self.settlement_view),
                    name="stores_store_settlement")]
        return own + super().get_urls()

    def settlement_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        store = get_object_or_404(Store.objects.select_related("warehouse"), pk=pk)
        today = date.today()
        default = f"{today.year:04d}-{today.month:02d}"
        raw = request.GET.get("month", default)
        try:
            year, month = (int(x) for x in raw.split("-", 1))
            statement = settlement.settlement_statement(store, year, month)
        except (ValueError, TypeError):
            messages.error(request, _("Pick a month as YYYY-MM."))
            year, month = today.year, today.month
            statement = settlement.settlement_statement(store, year, month)
        fmt = request.GET.get("format")
        name = f"settlement-{store.warehouse.slug}-{statement.label}"
        if fmt == "csv":
            response = HttpResponse(settlement.statement_csv(statement),
                                    content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
            return response
        if fmt == "pdf":
            response = HttpResponse(settlement.statement_pdf(statement),
                                    content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
            return response
        context = {**self.admin_site.each_context(request), "title": _("Settlement"),
                   "statement": statement, "store": store, "opts": self.model._meta,
                   "month_value": statement.label}
        return TemplateResponse(request, "admin/stores/settlement.html", context)


# ---------------------------------------------------------------------------------
# routing rules
# ---------------------------------------------------------------------------------


class RoutingRuleForm(forms.ModelForm):
    delivery_methods = forms.MultipleChoiceField(
        label=_("delivery methods"), choices=DeliveryMethod.choices, required=False,
        widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = RoutingRule
        fields = ["name", "priority", "is_active", "is_default", "channels", "delivery_methods",
                  "countries", "regions", "postcode_prefixes", "skus", "categories", "line_match",
                  "min_weight_grams", "max_weight_grams", "value_currency", "min_order_value",
                  "max_order_value", "action", "radius_km", "allow_split"]

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean() or {}
        errors = rules.validate_rule_conditions(
            is_default=bool(data.get("is_default")), is_active=bool(data.get("is_active")),
            channels=data.get("channels") or [], countries=data.get("countries") or [],
            regions=data.get("regions") or [], postcode_prefixes=data.get("postcode_prefixes") or [],
            skus=data.get("skus") or [], has_categories=bool(data.get("categories")),
            min_weight=data.get("min_weight_grams"), max_weight=data.get("max_weight_grams"),
            value_currency=(data.get("value_currency") or "").upper(),
            min_value=data.get("min_order_value"), max_value=data.get("max_order_value"),
            delivery_methods=data.get("delivery_methods") or [],
            action=data.get("action") or "", radius_km=data.get("radius_km"),
        )
        for field, msgs in errors.items():
            for msg in msgs:
                self.add_error(field if field in self.fields else None, msg)
        if data.get("value_currency"):
            data["value_currency"] = data["value_currency"].upper()
        if data.get("countries"):
            data["countries"] = [c.strip().upper() for c in data["countries"] if c.strip()]
        return data


class RuleWarehouseFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        ids = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if data and not data.get("DELETE") and data.get("warehouse"):
                ids.append(data["warehouse"].pk)
        problems = rules.validate_rule_warehouses(self.instance.action, ids,
                                                  is_default=self.instance.is_default)
        if problems:
            raise ValidationError(problems)


class RoutingRuleWarehouseInline(admin.TabularInline):
    model = RoutingRuleWarehouse
    formset = RuleWarehouseFormSet
    extra = 1
    fields = ("sort_order", "warehouse")


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    form = RoutingRuleForm
    inlines = [RoutingRuleWarehouseInline]
    list_display = ("name", "priority", "is_active", "is_default", "action", "allow_split")
    list_editable = ("priority", "is_active")
    ordering = ("is_default", "priority", "pk")
    filter_horizontal = ("channels", "categories")
    fieldsets = (
        (None, {"fields": ("name", "priority", "is_active", "is_default")}),
        (_("When (empty means any)"), {"fields": (
            "channels", "delivery_methods", "countries", "regions", "postcode_prefixes",
            "skus", "categories", "line_match", ("min_weight_grams", "max_weight_grams"),
            ("value_currency", "min_order_value", "max_order_value"))}),
        (_("Then"), {"fields": ("action", "radius_km", "allow_split")}),
    )

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:  # type: ignore[no-untyped-def]
        super().save_related(request, form, formsets, change)
        invalidate_routing_table()


# ---------------------------------------------------------------------------------
# store fulfilments (read-only: clerks work in the console)
# ---------------------------------------------------------------------------------


@admin.register(StoreFulfilment)
class StoreFulfilmentAdmin(admin.ModelAdmin):
    list_display = ("order", "store", "kind", "status", "sla_due_at", "ready_at", "hold_until",
                    "collected_at", "shipped_at")
    list_filter = ("status", "kind", "store")
    list_select_related = ("order", "store__warehouse")
    search_fields = ("order__number", "tracking_number")
    exclude = ("pickup_code_hash",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
