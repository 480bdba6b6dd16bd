"""Listeners told, inside the same transaction, that FX rates of some currencies changed.

commerce imports nothing from the layers around it; the hub registers a listener here
(in its AppConfig.ready) so listings priced by derived rules get a price push in the
same transaction as the rate change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

FxRatesChangedListener = Callable[[set[str]], None]
_listeners: list[FxRatesChangedListener] = []


def register_fx_rates_changed_listener(listener: FxRatesChangedListener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def unregister_fx_rates_changed_listener(listener: FxRatesChangedListener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def fx_rates_changed(currencies: Iterable[str]) -> None:
    codes = {c.upper() for c in currencies if c}
    if not codes:
        return
    for listener in list(_listeners):
        listener(codes)
