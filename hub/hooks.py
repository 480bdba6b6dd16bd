"""Extension points of the hub for the issues that come after it.

- Alert listeners: the email issue registers one to mail merchants about new
  alerts (low stock, paused accounts, held orders). Called after the alert's
  transaction commits, once per newly opened alert.
- Order routing: ``hub.stores`` installs its router (``set_order_routing_hook``) so
  every imported marketplace order is routed (warehouses or stores) before
  allocation and keeps the routing trace on its timeline; and its backorder creator
  (``set_backorder_hook``) so an oversold order kept as a backorder is routed too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from commerce.orders.models import Order
    from commerce.orders.services import OrderInput
    from connectors.base import RemoteOrder

    from .models import Alert, MarketplaceAccount

logger = logging.getLogger(__name__)

AlertListener = Callable[["Alert"], None]
_alert_listeners: list[AlertListener] = []


def register_alert_listener(listener: AlertListener) -> None:
    if listener not in _alert_listeners:
        _alert_listeners.append(listener)


def unregister_alert_listener(listener: AlertListener) -> None:
    if listener in _alert_listeners:
        _alert_listeners.remove(listener)


def alert_raised(alert: Alert) -> None:
    for listener in list(_alert_listeners):
        try:
            listener(alert)
        except Exception:  # a failing mailer must not break the sync
            logger.exception("alert listener %r failed for alert %s", listener, alert.pk)


# An imported order's creator: routes it (which warehouses or stores fulfil it), creates
# and allocates it in one transaction, and returns it. When it raises it must leave
# nothing written (a savepoint of its own, as order_create and hub.stores' router have):
# after InsufficientStock the hub applies the account's oversold policy in the same
# transaction, after OrderError or InventoryError it holds the import.
RoutingHook = Callable[["MarketplaceAccount", "RemoteOrder", "OrderInput"], "Order"]


def default_route_imported_order(account: MarketplaceAccount, remote: RemoteOrder,
                                 data: OrderInput) -> Order:
    """Allocate from the marketplace channel's own warehouses, in their order.

    ``hub.stores`` replaces this in its AppConfig.ready with its routing rules
    (country, SKU, weight, distance, store stock) and their trace on the order.
    """
    from commerce.orders.services import order_create

    return order_create(data, allocate=True)


_routing_hook: RoutingHook = default_route_imported_order


def set_order_routing_hook(hook: RoutingHook | None) -> None:
    """Install the creator of imported marketplace orders (None: the default)."""
    global _routing_hook
    _routing_hook = hook or default_route_imported_order


def order_routing_hook() -> RoutingHook:
    return _routing_hook


def route_imported_order(account: MarketplaceAccount, remote: RemoteOrder,
                         data: OrderInput) -> Order:
    """Route, create and allocate one imported marketplace order."""
    return _routing_hook(account, remote, data)


# An oversold imported order the account keeps as a backorder: create it, allocate every
# line that can be served in full, leave the others waiting, and return it (short stock
# never raises here). The hub marks it oversold and names the waiting lines.
BackorderHook = Callable[["MarketplaceAccount", "OrderInput"], "Order"]


def default_backorder_imported_order(account: MarketplaceAccount, data: OrderInput) -> Order:
    """Allocate line by line in the marketplace channel's own warehouses, in their order.

    ``hub.stores`` replaces this with its routing rules (and their trace on the order).
    """
    from django.db import transaction

    from commerce.inventory.errors import InsufficientStock
    from commerce.inventory.services import stock_allocate
    from commerce.orders.services import order_create

    order = order_create(data, allocate=False)
    for line in order.lines.order_by("pk"):
        try:
            with transaction.atomic():
                stock_allocate([line], account.channel)
        except InsufficientStock:
            continue
    return order


_backorder_hook: BackorderHook = default_backorder_imported_order


def set_backorder_hook(hook: BackorderHook | None) -> None:
    """Install the creator of oversold orders kept as backorders (None: the default)."""
    global _backorder_hook
    _backorder_hook = hook or default_backorder_imported_order


def backorder_imported_order(account: MarketplaceAccount, data: OrderInput) -> Order:
    """Create one oversold imported order as a backorder (partly allocated)."""
    return _backorder_hook(account, data)
