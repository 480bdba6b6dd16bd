"""Customer emails of the store flows, all through :func:`notify_customer`, which hands
them to the shop's one mailer (``commerce.notifications.services``): localized in the
order's language, with the theme's branding, sent once per idempotency key.

Called inside the store action's transaction: the email is claimed there and delivered
(a Celery task queued with ``transaction.on_commit``) only once that work has committed.
A problem with an email is logged and never undoes the clerk's action.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

from commerce.notifications.services import (
    send_order_cancelled,
    send_order_shipped,
    send_picked_up,
    send_pickup_reminder,
    send_ready_for_pickup,
    send_safely,
)
from commerce.orders.models import PaymentStatus

from .models import Store, StoreFulfilment

logger = logging.getLogger(__name__)

QR_PREFIX = "OMNIPORT-PICKUP"


class NotifyEvent:
    PICKUP_READY = "pickup_ready"
    PICKUP_REMINDER = "pickup_reminder"
    PICKUP_CANCELED = "pickup_canceled"
    PICKED_UP = "picked_up"
    SHIPPED = "shipped"


def qr_payload(order_number: int, code: str) -> str:
    """What the QR in the email encodes; the clerk console accepts it or the bare code."""
    return f"{QR_PREFIX}:{order_number}:{code}"


def opening_hours_spec(store: Store) -> list[dict[str, Any]]:
    """The store's opening hours as the email formatter takes them: weekdays with the same
    periods grouped (``{"days": [0, 1, 2, 3, 4], "opens": "09:00", "closes": "20:00"}``)."""
    periods: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for p in store.opening_hours.all():
        periods[p.weekday].append((f"{p.opens:%H:%M}", f"{p.closes:%H:%M}"))
    days_by_periods: dict[tuple[tuple[str, str], ...], list[int]] = {}
    for day in range(7):
        if periods.get(day):
            days_by_periods.setdefault(tuple(sorted(periods[day])), []).append(day)
    return [{"days": days, "opens": opens, "closes": closes}
            for key, days in sorted(days_by_periods.items(), key=lambda item: item[1][0])
            for opens, closes in key]


def store_details(warehouse: Any) -> dict[str, Any]:
    """Hours and time zone of the store behind a warehouse, for the email templates
    (``settings.NOTIFICATIONS_STORE_DETAILS``)."""
    warehouse_id = getattr(warehouse, "pk", None)
    store = Store.objects.filter(warehouse_id=warehouse_id).prefetch_related(
        "opening_hours").first() if warehouse_id is not None else None
    if store is None:
        return {}
    return {"hours": opening_hours_spec(store), "timezone": store.time_zone}


def notify_customer(event: str, fulfilment: StoreFulfilment, *, code: str | None = None) -> bool:
    """Email the customer about their store order; False when nothing was queued: nobody
    to tell (no address, or a marketplace order: the marketplace tells its buyers) or the
    email could not be prepared (logged; the store action goes on)."""
    order = fulfilment.order
    warehouse = fulfilment.store.warehouse
    if event == NotifyEvent.PICKUP_READY:
        log = send_safely(send_ready_for_pickup, order, code or "", warehouse,
                          fulfilment.hold_until, qr_payload=qr_payload(order.number, code or ""))
    elif event == NotifyEvent.PICKUP_REMINDER:
        log = send_safely(send_pickup_reminder, order, "", warehouse, fulfilment.hold_until)
    elif event == NotifyEvent.PICKUP_CANCELED:
        log = send_safely(send_order_cancelled, order, store=warehouse,
                          hold_until=fulfilment.hold_until,
                          payment_released=order.payment_status in (PaymentStatus.AUTHORIZED,
                                                                    PaymentStatus.NOT_CHARGED))
    elif event == NotifyEvent.PICKED_UP:
        log = send_safely(send_picked_up, order, warehouse)
    elif event == NotifyEvent.SHIPPED:
        log = send_safely(send_order_shipped, order, carrier=fulfilment.carrier,
                          tracking_number=fulfilment.tracking_number,
                          shipment_id=f"store-fulfilment:{fulfilment.pk}")
    else:
        raise ValueError(f"unknown store notification {event!r}")
    if log is None:
        logger.info("Order %s: no %s email queued", order.number, event)
    return log is not None
