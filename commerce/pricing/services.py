"""Writing the FX table: every change tells the listeners (the hub's price pushes) in the
same transaction."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from . import hooks
from .models import FxRate


def fx_rate_save(rate: FxRate) -> FxRate:
    """Create or edit a rate; the currencies it had and has are announced as changed."""
    with transaction.atomic():
        before: set[str] = set()
        if rate.pk is not None:
            before = {c for pair in FxRate.objects.filter(pk=rate.pk)
                      .values_list("base_currency", "quote_currency") for c in pair}
        rate.save()
        hooks.fx_rates_changed(before | {rate.base_currency, rate.quote_currency})
    return rate


def fx_rates_delete(rates: Iterable[FxRate]) -> int:
    """Delete rates (earlier ones come back in force); returns how many were deleted."""
    ids = [r.pk for r in rates if r.pk is not None]
    with transaction.atomic():
        currencies = {c for pair in FxRate.objects.filter(pk__in=ids)
                      .values_list("base_currency", "quote_currency") for c in pair}
        deleted, _by_model = FxRate.objects.filter(pk__in=ids).delete()
        hooks.fx_rates_changed(currencies)
    return deleted
