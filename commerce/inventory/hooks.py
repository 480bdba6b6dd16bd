"""Listeners told, inside the same transaction, which variants' stock changed.

commerce imports nothing from the layers around it; the hub registers a
listener here (in its AppConfig.ready) to write its sync outbox rows in the
same transaction as the stock change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

StockChangedListener = Callable[[set[int], str], None]
_listeners: list[StockChangedListener] = []


def register_stock_changed_listener(listener: StockChangedListener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def unregister_stock_changed_listener(listener: StockChangedListener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def stock_changed(variant_ids: Iterable[int], reason: str) -> None:
    ids = set(variant_ids)
    if not ids:
        return
    for listener in list(_listeners):
        listener(ids, reason)
