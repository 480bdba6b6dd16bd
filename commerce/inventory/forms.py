"""Staff forms for stock: the only way the admin changes on-hand quantities."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from commerce.catalog.models import ProductVariant

from .errors import InventoryError
from .models import MovementReason, Stock, Warehouse
from .services import stock_adjust

ADJUST_REASONS = (
    MovementReason.RECEIPT,
    MovementReason.ADJUSTMENT,
    MovementReason.RETURN,
    MovementReason.TRANSFER_IN,
    MovementReason.TRANSFER_OUT,
)


class StockAdjustForm(forms.Form):
    """Change on hand by a number of units, or record a count (stocktake)."""

    MODE_CHANGE = "change"
    MODE_COUNT = "count"

    warehouse = forms.ModelChoiceField(label=_("warehouse"),
                                       queryset=Warehouse.objects.filter(is_active=True))
    mode = forms.ChoiceField(
        label=_("what to do"),
        choices=((MODE_CHANGE, _("Add or remove units")),
                 (MODE_COUNT, _("Set the counted quantity (stocktake)"))),
        initial=MODE_CHANGE, widget=forms.RadioSelect,
    )
    quantity = forms.IntegerField(
        label=_("units"),
        help_text=_("For a change: +10 received, -2 damaged. For a count: the units on the shelf."),
    )
    reason = forms.ChoiceField(
        label=_("reason"), required=False,
        choices=[(r.value, r.label) for r in ADJUST_REASONS], initial=MovementReason.ADJUSTMENT,
        help_text=_("Ignored for a count, which is always recorded as a stocktake."),
    )
    reference = forms.CharField(label=_("reference"), max_length=128, required=False,
                                help_text=_("Delivery note, RMA or transfer number."))
    note = forms.CharField(label=_("note"), max_length=255, required=False)

    def __init__(self, *args, variant: ProductVariant, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.variant = variant

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("mode") == self.MODE_CHANGE and data.get("quantity") == 0:
            self.add_error("quantity", _("A change of zero units changes nothing."))
        return data

    def save(self, user) -> Stock | None:  # noqa: ANN001
        """Apply the adjustment through ``stock_adjust``; on a refused change the error is
        added to the form, nothing is written and None is returned."""
        data = self.cleaned_data
        counting = data["mode"] == self.MODE_COUNT
        try:
            return stock_adjust(
                self.variant, data["warehouse"],
                delta=None if counting else data["quantity"],
                set_to=data["quantity"] if counting else None,
                reason=MovementReason.STOCKTAKE if counting else (data.get("reason")
                                                                   or MovementReason.ADJUSTMENT),
                reference=data.get("reference", ""), note=data.get("note", ""), user=user,
            )
        except InventoryError as exc:
            self.add_error("quantity" if exc.field == "quantity" else None, exc.message)
            return None
