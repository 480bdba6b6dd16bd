"""Periodic store work (Celery beat): uncollected pickups get a reminder, then are canceled;
backorders waiting for stock are allocated (a safety net: stock arrival triggers it too)."""

from __future__ import annotations

from celery import shared_task

from . import backorders, services

# Merge into settings.CELERY_BEAT_SCHEDULE (the lead owns settings):
BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "stores-pickup-hold-sweep": {
        "task": "hub.stores.tasks.pickup_hold_sweep",
        "schedule": 900.0,  # every 15 minutes
    },
    "stores-backorders-allocate": {
        "task": "hub.stores.tasks.backorders_allocate",
        "schedule": 900.0,
    },
}


@shared_task(name="hub.stores.tasks.pickup_hold_sweep")
def pickup_hold_sweep() -> dict[str, int]:
    """Remind customers before their pickup hold ends; cancel and release once it has ended.

    Idempotent: a reminder is claimed by a conditional update, an expiry re-checks the
    row under lock, and failed payment releases are retried on the next run.
    """
    result = services.pickup_hold_sweep()
    return {"reminded": result.reminded, "canceled": result.canceled, "released": result.released}


@shared_task(name="hub.stores.tasks.backorders_allocate")
def backorders_allocate() -> int:
    """Allocate every backorder line whose stock is there now, in its routed warehouses.

    Idempotent: each order is locked and its waiting units recounted before allocating.
    """
    return backorders.backorders_allocate()
