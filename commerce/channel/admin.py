"""Admin for channels and the ordered warehouses that serve each one."""

from __future__ import annotations

from babel.numbers import list_currencies
from django import forms
from django.conf import settings
from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from .models import Channel, ChannelWarehouse

KNOWN_CURRENCIES = frozenset(list_currencies())


class ChannelForm(forms.ModelForm):
    countries = forms.MultipleChoiceField(
        label=_("countries served"), choices=list(countries), required=False,
        widget=forms.SelectMultiple(attrs={"size": 12}),
    )
    languages = forms.MultipleChoiceField(
        label=_("languages"), choices=settings.LANGUAGES, required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Channel
        fields = ("name", "slug", "kind", "is_active", "currency_code", "default_country",
                  "countries", "default_language", "languages", "prices_entered_with_tax",
                  "display_gross_prices", "default_tax_rate", "allocation_strategy", "metadata",
                  "private_metadata")

    def clean_currency_code(self) -> str:
        code = (self.cleaned_data.get("currency_code") or "").strip().upper()
        if code not in KNOWN_CURRENCIES:
            raise forms.ValidationError(_("%(code)s is not an ISO 4217 currency code."),
                                        params={"code": code}, code="invalid_currency")
        return code

    def clean(self) -> dict:
        data = super().clean() or {}
        languages = data.get("languages") or []
        default_language = data.get("default_language")
        if languages and default_language and default_language not in languages:
            self.add_error("default_language",
                           _("The default language must be one of the channel's languages."))
        default_country = data.get("default_country")
        served = data.get("countries") or []
        if served and default_country and str(default_country) not in served:
            self.add_error("default_country",
                           _("The default country must be one of the countries served."))
        return data


class ChannelWarehouseInline(admin.TabularInline):
    model = ChannelWarehouse
    extra = 0
    fields = ("sort_order", "warehouse", "warehouse_kind")
    readonly_fields = ("warehouse_kind",)
    autocomplete_fields = ("warehouse",)
    ordering = ("sort_order", "pk")
    verbose_name = _("warehouse")
    verbose_name_plural = _("warehouses, in the order they are used")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("warehouse")

    @admin.display(description=_("kind"))
    def warehouse_kind(self, obj: ChannelWarehouse) -> str:
        return obj.warehouse.get_kind_display() if obj.warehouse_id else ""


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    form = ChannelForm
    list_display = ("name", "slug", "kind", "currency_code", "default_country", "language_list",
                    "warehouse_count", "is_active")
    list_filter = ("kind", "is_active", "currency_code")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (ChannelWarehouseInline,)
    fieldsets = (
        (None, {"fields": ("name", "slug", "kind", "is_active")}),
        (_("Market"), {"fields": ("currency_code", "default_country", "countries",
                                  "default_language", "languages")}),
        (_("Taxes"), {"fields": ("prices_entered_with_tax", "display_gross_prices",
                                 "default_tax_rate")}),
        (_("Stock"), {"fields": ("allocation_strategy",)}),
        (_("Metadata"), {"classes": ("collapse",), "fields": ("metadata", "private_metadata")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(_warehouses=Count("channel_warehouses"))

    def get_readonly_fields(self, request: HttpRequest, obj: Channel | None = None) -> tuple:
        # Prices, orders and carts are stored in the channel's currency: changing it
        # later would make every one of them wrong. A new currency is a new channel.
        return ("currency_code",) if obj is not None else ()

    @admin.display(description=_("languages"))
    def language_list(self, obj: Channel) -> str:
        return ", ".join(obj.languages)

    @admin.display(description=_("warehouses"), ordering="_warehouses")
    def warehouse_count(self, obj: Channel) -> int:
        return obj._warehouses  # type: ignore[attr-defined]
