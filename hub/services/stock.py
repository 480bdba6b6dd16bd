"""Low stock: a variant's available units at or below its threshold opens an alert.

Checked inside the stock change's transaction (one query when no variant has a
threshold), so the alert and the change commit together; it closes when stock
comes back above the threshold. Automatic delisting per marketplace account is
decided by the sync engine when it computes a listing's quantity.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Sum
from django.db.models.functions import Greatest
from django.utils.translation import gettext as _

from commerce.catalog.models import ProductVariant
from commerce.inventory.models import AVAILABLE, Stock

from ..models import AlertKind, AlertSeverity
from .alerts import alert_raise, alert_resolve


def low_stock_key(variant_id: int) -> str:
    return f"low_stock:{variant_id}"


def low_stock_check(
    variant_ids: Iterable[int], *, watched: list[tuple[int, str, int | None]] | None = None
) -> None:
    """``watched``: the (pk, sku, threshold) of those variants that have a threshold, when the
    caller has read them already."""
    if watched is None:
        watched = list(
            ProductVariant.objects.filter(pk__in=set(variant_ids), low_stock_threshold__isnull=False)
            .values_list("pk", "sku", "low_stock_threshold")
        )
    if not watched:
        return
    available = dict(
        Stock.objects.filter(variant_id__in=[pk for pk, _s, _t in watched],
                             warehouse__is_active=True)
        .values("variant_id").annotate(units=Sum(Greatest(AVAILABLE, 0)))
        .values_list("variant_id", "units")
    )
    for pk, sku, threshold in watched:
        units = int(available.get(pk) or 0)
        if threshold is not None and units <= threshold:
            alert_raise(
                AlertKind.LOW_STOCK, low_stock_key(pk),
                _("Low stock: %(sku)s has %(units)d available (threshold %(threshold)d).")
                % {"sku": sku, "units": units, "threshold": threshold},
                severity=AlertSeverity.CRITICAL if units == 0 else AlertSeverity.WARNING,
                variant_id=pk,
            )
        else:
            alert_resolve(low_stock_key(pk))
