from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="commerce.inventory.tasks.release_expired_reservations")
def release_expired_reservations() -> int:
    """Periodic sweeper: free stock held by checkouts whose reservation expired."""
    return services.release_expired_reservations()
