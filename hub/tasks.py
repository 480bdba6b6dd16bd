"""Celery tasks of the hub: thin wrappers over plain service functions.

Every task is idempotent and safe to run concurrently: the outbox claim uses
leases and SKIP LOCKED, order import is keyed by (account, external id).
"""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from .services import orders, outbox, reconcile, sync


@shared_task(name="hub.tasks.sync_drain", ignore_result=True)
def sync_drain(account_id: int | None = None) -> dict:
    """Push due outbox rows (queued on commit; every few seconds from beat as a safety net)."""
    return asdict(sync.sync_drain(account_id))


@shared_task(name="hub.tasks.sync_reconcile", ignore_result=True)
def sync_reconcile(account_id: int | None = None) -> dict:
    """Read marketplace quantities and prices back and queue repairs for drift."""
    return asdict(reconcile.sync_reconcile(account_id))


@shared_task(name="hub.tasks.orders_poll", ignore_result=True)
def orders_poll(account_id: int | None = None) -> dict:
    """Import new and changed marketplace orders (overlapping last-updated windows)."""
    return asdict(orders.orders_poll(account_id))


@shared_task(name="hub.tasks.outbox_purge", ignore_result=True)
def outbox_purge() -> int:
    """Delete pushed outbox rows and sync log entries past retention."""
    return outbox.outbox_purge()


@shared_task(name="hub.tasks.orders_process", ignore_result=True)
def orders_process(account_id: int | None = None) -> dict:
    """Turn received marketplace orders into orders (workers share a backlog)."""
    return asdict(orders.orders_process(account_id))
