from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="commerce.checkout.tasks.delete_abandoned_checkouts")
def delete_abandoned_checkouts() -> int:
    """Periodic: delete carts nobody touched for CHECKOUT_ABANDONED_DAYS, releasing stock."""
    return services.checkout_delete_abandoned()
