from __future__ import annotations

from celery import shared_task

from .services import search_index_update


@shared_task(name="storefront.tasks.update_search_index")
def update_search_index() -> int:
    """Re-index products whose catalog data changed (idempotent; beat runs it every minute)."""
    return search_index_update()
