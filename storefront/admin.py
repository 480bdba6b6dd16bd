from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from .models import FxRate, PriceRounding
from .rounding import rounding_choices


@admin.register(FxRate)
class FxRateAdmin(admin.ModelAdmin):
    list_display = ("base_currency", "quote_currency", "rate", "date", "source")
    list_filter = ("base_currency", "quote_currency")
    search_fields = ("base_currency", "quote_currency", "source")
    date_hierarchy = "date"
    ordering = ("base_currency", "quote_currency", "-date")


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
