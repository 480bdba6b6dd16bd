"""Where the store flows hand over to the rest of the hub.

``create_imported_order`` is the hub's routing hook for imported marketplace
orders (installed in ``StoresConfig.ready``).

``push_tracking`` is the single call a ship-from-store shipment makes so the
order's channel (a marketplace) learns carrier and tracking number for the lines
in that parcel. The hub's ship-confirm service is wired through
``settings.STORES_SHIP_CONFIRM`` (dotted path to
``fn(order, carrier, tracking_number, *, source, lines)``, ``lines`` being
``(order line, units)`` pairs of this shipment only, by default
``hub.services.orders.order_ship_confirm_from_store``), called inside the
shipment's transaction so the hub writes its outbox row atomically. A split
order thus confirms each store's parcel on its own, and the marketplace marks
the order shipped only when every line is. When it is unset, the order gets a
visible "tracking-push-pending" event and nothing pretends it was pushed.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.module_loading import import_string

from commerce.channel.models import ChannelKind
from commerce.orders.models import OrderEvent

from .models import StoreFulfilment

if TYPE_CHECKING:
    from commerce.orders.models import Order
    from commerce.orders.services import OrderInput
    from connectors.base import RemoteOrder
    from hub.models import MarketplaceAccount

logger = logging.getLogger(__name__)


def push_tracking(fulfilment: StoreFulfilment) -> bool:
    """Tell the order's channel about this store's shipment (its lines only); False when no
    ship-confirm is wired yet."""
    order = fulfilment.order
    if order.channel.kind != ChannelKind.MARKETPLACE:
        return True  # the own storefront reads tracking from the order's events
    lines = [(fl.order_line, fl.quantity)
             for fl in fulfilment.lines.select_related("order_line").order_by("order_line_id")]
    path = getattr(settings, "STORES_SHIP_CONFIRM", "")
    if not path:
        OrderEvent.objects.create(
            order=order, type="tracking-push-pending",
            message="Marketplace ship-confirm is not wired (settings.STORES_SHIP_CONFIRM)",
            parameters={"carrier": fulfilment.carrier,
                        "tracking_number": fulfilment.tracking_number,
                        "lines": [[line.external_line_id or str(line.pk), qty]
                                  for line, qty in lines]})
        logger.warning("Tracking for order %s not pushed: STORES_SHIP_CONFIRM unset", order.number)
        return False
    import_string(path)(order, fulfilment.carrier, fulfilment.tracking_number,
                        source=f"store:{fulfilment.store_id}", lines=lines)
    return True


def create_imported_order(account: MarketplaceAccount, remote: RemoteOrder,
                          data: OrderInput) -> Order:
    """The hub's routing hook: an imported marketplace order goes through the routing
    rules (shipped to its address) like every other order, keeps the "routed" trace,
    and queues ship-from-store work when a store fulfils it.

    Installed by ``StoresConfig.ready`` with ``hub.hooks.set_order_routing_hook``.
    """
    from .models import DeliveryMethod
    from .routing import create_routed_order

    return create_routed_order(data, delivery_method=DeliveryMethod.SHIPPING)
