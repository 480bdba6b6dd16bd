"""Read-side queries for stock: availability per channel, per warehouse."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Sum
from django.db.models.functions import Greatest

from commerce.channel.models import Channel

from .models import AVAILABLE, Stock


def channel_warehouse_ids(channel: Channel) -> list[int]:
    return list(
        channel.channel_warehouses.filter(warehouse__is_active=True)
        .order_by("sort_order", "pk")
        .values_list("warehouse_id", flat=True)
    )


def variant_availability(variant_ids: Iterable[int], channel: Channel) -> dict[int, int]:
    """Units a shopper of ``channel`` can buy now, per variant (never negative)."""
    ids = list(variant_ids)
    result = dict.fromkeys(ids, 0)
    rows = (
        Stock.objects.filter(variant_id__in=ids, warehouse_id__in=channel_warehouse_ids(channel))
        .values("variant_id")
        .annotate(units=Sum(Greatest(AVAILABLE, 0)))
    )
    for row in rows:
        result[row["variant_id"]] = int(row["units"] or 0)
    return result


def variant_stock_by_warehouse(
    variant_ids: Iterable[int], warehouse_ids: Iterable[int] | None = None
) -> dict[int, list[Stock]]:
    qs = Stock.objects.filter(variant_id__in=list(variant_ids)).select_related("warehouse")
    if warehouse_ids is not None:
        qs = qs.filter(warehouse_id__in=list(warehouse_ids))
    out: dict[int, list[Stock]] = defaultdict(list)
    for stock in qs.order_by("warehouse__slug"):
        out[stock.variant_id].append(stock)
    return out
