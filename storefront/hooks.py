"""Extension points other parts of Omniport fill in.

``pickup_summary`` is the O2O hook: the product page shows "available for pickup
at N stores" from whatever the registered selector returns. Until the O2O app
registers one, nothing is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

PickupSelector = Callable[[Any, Any], "dict[str, Any] | None"]
_pickup_selector: PickupSelector | None = None


def register_pickup_selector(fn: PickupSelector | None) -> None:
    """O2O calls this (e.g. in its AppConfig.ready) with fn(product, market) -> dict|None."""
    global _pickup_selector
    _pickup_selector = fn


def pickup_summary(product: Any, market: Any) -> dict[str, Any] | None:
    """Pickup availability of ``product`` in ``market``: e.g. {"store_count": 3, "stores": [...]}.

    Returns None when pickup is not offered (no selector registered yet).
    """
    if _pickup_selector is None:
        return None
    return _pickup_selector(product, market)
