"""Allocation strategies: which warehouse's stock to take first for a channel.

Strategies are small objects picked by the channel's ``allocation_strategy``
(a selector, not an if-ladder), so a merchant can add one without touching
the allocation service.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from commerce.channel.models import AllocationStrategy

from .models import Stock


class StockOrdering(Protocol):
    def order(self, stocks: Sequence[Stock], warehouse_rank: dict[int, int]) -> list[Stock]: ...


class WarehouseOrder:
    """Take stock in the channel's warehouse order (Saleor's PRIORITIZE_SORTING_ORDER)."""

    def order(self, stocks: Sequence[Stock], warehouse_rank: dict[int, int]) -> list[Stock]:
        return sorted(stocks, key=lambda s: (warehouse_rank.get(s.warehouse_id, 1 << 30), s.pk))


class MostStockFirst:
    """Take stock where most is available first (Saleor's PRIORITIZE_HIGH_STOCK)."""

    def order(self, stocks: Sequence[Stock], warehouse_rank: dict[int, int]) -> list[Stock]:
        return sorted(
            stocks,
            key=lambda s: (-s.available, warehouse_rank.get(s.warehouse_id, 1 << 30), s.pk),
        )


STRATEGIES: dict[str, StockOrdering] = {
    AllocationStrategy.PRIORITIZE_SORTING_ORDER: WarehouseOrder(),
    AllocationStrategy.PRIORITIZE_HIGH_STOCK: MostStockFirst(),
}


def strategy_for(name: str) -> StockOrdering:
    return STRATEGIES.get(name, STRATEGIES[AllocationStrategy.PRIORITIZE_SORTING_ORDER])
