"""Periodic store work (Celery beat): uncollected pickups get a reminder, then are canceled."""

from __future__ import annotations

from celery import shared_task

from . import services

# Merge into settings.CELERY_BEAT_SCHEDULE (the lead owns settings):
BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "stores-pickup-hold-sweep": {
        "task": "hub.stores.tasks.pickup_hold_sweep",
        "schedule": 900.0,  # every 15 minutes
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
