"""Admin for the FX rate table (date-effective) and per-currency rounding rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import services
from .models import FxRate, PriceRounding
from .rounding import rounding_choices


@admin.register(FxRate)
class FxRateAdmin(admin.ModelAdmin):
    list_display = ("base_currency", "quote_currency", "rate", "effective_date", "in_force",
                    "source")
    list_filter = ("base_currency", "quote_currency")
    search_fields = ("base_currency", "quote_currency", "source")
    date_hierarchy = "effective_date"
    ordering = ("base_currency", "quote_currency", "-effective_date")
    fields = ("base_currency", "quote_currency", "rate", "effective_date", "source")

    def get_queryset(self, request: HttpRequest) -> QuerySet[FxRate]:
        today = timezone.localdate()
        newer = FxRate.objects.filter(
            base_currency=OuterRef("base_currency"), quote_currency=OuterRef("quote_currency"),
            effective_date__gt=OuterRef("effective_date"), effective_date__lte=today,
        )
        return super().get_queryset(request).annotate(_superseded=Exists(newer))

    @admin.display(description=_("in force today"), boolean=True)
    def in_force(self, obj: FxRate) -> bool:
        superseded = getattr(obj, "_superseded", True)
        return obj.effective_date <= timezone.localdate() and not superseded

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        services.fx_rate_save(obj)

    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        services.fx_rates_delete([obj])

    def delete_queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        services.fx_rates_delete(list(queryset))


class PriceRoundingForm(forms.ModelForm):
    strategy = forms.ChoiceField(choices=())

    class Meta:
        model = PriceRounding
        fields = ("currency", "strategy")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["strategy"].choices = rounding_choices()  # type: ignore[attr-defined]
        self.fields["strategy"].label = PriceRounding._meta.get_field("strategy").verbose_name


@admin.register(PriceRounding)
class PriceRoundingAdmin(admin.ModelAdmin):
    form = PriceRoundingForm
    list_display = ("currency", "strategy")
