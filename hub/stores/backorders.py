"""Backorders: oversold marketplace orders kept waiting for stock, routed like every order.

The hub's oversold policy "keep the order and backorder" creates the order through
:func:`create_imported_backorder` (installed with ``hub.hooks.set_backorder_hook``): the
routing rules decide the warehouses, every line they can serve is allocated there, the
others wait, and the order's ``routed`` trace says which and where.

When stock of a waiting line's variant comes free (goods received, a count, a return, a
transfer in, an order or a checkout giving units back), :func:`backorders_allocate` runs
after that transaction commits and allocates the waiting lines, oldest order first, in the
warehouses each order was routed to; a store among them gets the units in its
ship-from-store queue. The ``stores-backorders-allocate`` beat task repeats it as a safety
net (a worker that died between commit and allocation).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F, IntegerField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from commerce.core.db import prepared_cursor
from commerce.inventory.errors import InventoryError
from commerce.inventory.models import Allocation, MovementReason, Stock, Warehouse
from commerce.inventory.selectors import channel_warehouse_ids
from commerce.inventory.services import stock_allocate
from commerce.orders.models import Order, OrderEvent, OrderLine, OrderStatus

from .models import DeliveryMethod, FulfilmentStatus, StoreFulfilment

if TYPE_CHECKING:
    from commerce.orders.services import OrderInput
    from hub.models import MarketplaceAccount

logger = logging.getLogger(__name__)

# Stock changes after which a waiting line may be served (free units went up).
FREEING_REASONS = frozenset({
    MovementReason.RECEIPT, MovementReason.ADJUSTMENT, MovementReason.STOCKTAKE,
    MovementReason.RETURN, MovementReason.TRANSFER_IN, MovementReason.DEALLOCATION,
    MovementReason.RESERVATION_RELEASE, MovementReason.RESERVATION_EXPIRY,
})
OPEN_ORDER_STATUSES = (OrderStatus.UNFULFILLED, OrderStatus.PARTIALLY_FULFILLED)


def create_imported_backorder(account: MarketplaceAccount, data: OrderInput) -> Order:
    """The hub's backorder hook: route the oversold order (shipped to its address), allocate
    what the routed warehouses can serve, keep the trace; nothing raises for short stock."""
    from .routing import create_routed_order

    return create_routed_order(data, delivery_method=DeliveryMethod.SHIPPING, backorder=True)


def waiting_lines(variant_ids: Iterable[int] | None = None) -> QuerySet[OrderLine]:
    """Lines of open backorders with units neither allocated nor fulfilled (``missing``)."""
    qs = OrderLine.objects.filter(order__is_oversold=True, order__status__in=OPEN_ORDER_STATUSES,
                                  variant__isnull=False)
    if variant_ids is not None:
        qs = qs.filter(variant_id__in=list(variant_ids))
    return qs.annotate(
        missing=F("quantity") - F("quantity_fulfilled") - Coalesce(
            Sum("allocations__quantity_allocated"), Value(0), output_field=IntegerField()),
    ).filter(missing__gt=0)


def backorders_allocate(variant_ids: Iterable[int] | None = None, *, user=None) -> int:  # noqa: ANN001
    """Allocate waiting backorder lines (of these variants, or all) where their orders were
    routed, oldest order first; each order in its own transaction. Returns lines allocated."""
    ids = None if variant_ids is None else set(variant_ids)
    if ids is not None and not _any_open_backorder(ids):
        return 0  # the common case on every freed unit: nothing waits for these variants
    rows = waiting_lines(ids).values_list("order_id", "order__number")
    done = 0
    for order_id, _number in sorted(set(rows), key=lambda r: r[1]):
        try:
            done += _allocate_order(order_id, ids, user)
        except Exception:  # one broken order must not keep the others waiting
            logger.exception("backorder allocation of order %s failed", order_id)
    return done


_OPEN_BACKORDER_SQL = (
    "SELECT EXISTS (SELECT 1 FROM orders_order o JOIN orders_orderline l ON l.order_id = o.id"
    " WHERE o.is_oversold AND o.status = ANY(%s) AND l.variant_id = ANY(%s))"
)


def _any_open_backorder(variant_ids: set[int]) -> bool:
    """One prepared statement: does an open oversold order have a line of these variants?
    (Oversold orders are few and ``is_oversold`` is indexed, so this stays cheap however
    many orders a variant has.)"""
    with prepared_cursor() as cursor:
        cursor.execute(_OPEN_BACKORDER_SQL,
                       [[str(s) for s in OPEN_ORDER_STATUSES], sorted(variant_ids)])
        return bool(cursor.fetchone()[0])


def routed_warehouses(order: Order) -> tuple[list[int], bool]:
    """Where the order's routing sent it (the last ``routed`` event; the channel's warehouse
    order when it has none), less inactive warehouses and stores that already finished their
    part of this order; and whether a line may be split across them."""
    params: dict[str, Any] = (
        OrderEvent.objects.filter(order=order, type="routed").order_by("-date", "-pk")
        .values_list("parameters", flat=True).first() or {})
    ids = params.get("warehouse_ids")
    if not ids:
        ids = channel_warehouse_ids(order.channel)
    done_stores = set(StoreFulfilment.objects.filter(order=order).exclude(
        status=FulfilmentStatus.QUEUED).values_list("store__warehouse_id", flat=True))
    active = set(Warehouse.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))
    return [w for w in ids if w in active and w not in done_stores], bool(params.get("split", True))


def _allocate_order(order_id: Any, variant_ids: set[int] | None, user) -> int:  # noqa: ANN001
    from .services import fulfilments_extend

    with transaction.atomic():
        order = (Order.objects.select_for_update(of=("self",)).select_related("channel")
                 .filter(pk=order_id, status__in=OPEN_ORDER_STATUSES).first())
        if order is None:
            return 0
        lines = list(waiting_lines(variant_ids).filter(order=order).order_by("pk"))
        if not lines:
            return 0
        warehouse_ids, split = routed_warehouses(order)
        if not warehouse_ids:
            return 0
        made: list[Allocation] = []
        served: list[dict[str, Any]] = []
        for line in lines:
            request = copy.copy(line)
            request.quantity = line.missing  # type: ignore[attr-defined]
            try:
                with transaction.atomic():
                    allocations = stock_allocate([request], order.channel,
                                                 warehouse_ids=warehouse_ids, split=split,
                                                 user=user)
            except InventoryError:
                continue
            made.extend(allocations)
            served.append({"sku": line.product_sku, "quantity": request.quantity,
                           "allocated": _where(allocations)})
        if not made:
            return 0
        waiting = [f"{ln.product_sku} ×{ln.missing}"  # type: ignore[attr-defined]
                   for ln in waiting_lines().filter(order=order).order_by("pk")]
        message = "stock arrived for the backorder: " + "; ".join(
            f"{s['sku']} ×{s['quantity']} allocated at "
            + ", ".join(f"{w['quantity']} at {w['name']}" for w in s["allocated"])
            for s in served)
        message += f"; still waiting: {', '.join(waiting)}" if waiting else \
            "; every line is allocated now"
        OrderEvent.objects.create(order=order, type="backorder-allocated", message=message,
                                  parameters={"lines": served, "waiting": waiting,
                                              "warehouse_ids": warehouse_ids, "split": split},
                                  user=user if user is not None and getattr(user, "pk", None)
                                  else None)
        fulfilments_extend(order, made)
        if not waiting:
            transaction.on_commit(lambda: _resolve_oversold_alert(order), robust=True)
        return len(served)


def _where(allocations: list[Allocation]) -> list[dict[str, Any]]:
    where = {pk: (wid, name) for pk, wid, name in Stock.objects.filter(
        pk__in=[a.stock_id for a in allocations]).values_list("pk", "warehouse_id",
                                                              "warehouse__name")}
    return [{"id": where[a.stock_id][0], "name": where[a.stock_id][1],
             "quantity": a.quantity_allocated} for a in allocations]


def _resolve_oversold_alert(order: Order) -> None:
    """Every line of the backorder is allocated: the hub's oversold alert is settled."""
    from hub.services.alerts import alert_resolve

    alert_resolve(f"oversold:{order.pk}")


# ---------------------------------------------------------------------------------
# stock arrival → allocation (commerce.inventory listener)
# ---------------------------------------------------------------------------------


class _Batch:
    """The variants whose stock came free in one transaction; allocated for once."""

    def __init__(self) -> None:
        self.variant_ids: set[int] = set()
        self.done = False

    def run(self) -> None:
        if not self.done:
            self.done = True
            backorders_allocate(self.variant_ids)


class _PendingBackorders:
    """The after-commit callback of one stock change; every change of a transaction points
    at the same batch, so the first callback allocates for all of them and the others
    cost nothing."""

    def __init__(self, batch: _Batch) -> None:
        self.batch = batch

    def __call__(self) -> None:
        self.batch.run()


def on_stock_changed(variant_ids: set[int], reason: str) -> None:
    """``commerce.inventory.hooks`` listener, called inside the stock change's transaction:
    allocate waiting backorders of these variants once it commits (never inside it).

    A rolled-back savepoint drops the callbacks registered in it; the batch survives in the
    callbacks registered outside it (extra variants only cost a lookup), and a batch none
    of whose callbacks is left is not found again, so no change is ever lost.
    """
    if reason not in FREEING_REASONS or not variant_ids:
        return
    connection = transaction.get_connection()
    batch: _Batch | None = None
    if connection.in_atomic_block:
        for _sids, func, *_robust in reversed(connection.run_on_commit):
            if isinstance(func, _PendingBackorders) and not func.batch.done:
                batch = func.batch
                break
    batch = batch or _Batch()
    batch.variant_ids |= set(variant_ids)
    transaction.on_commit(_PendingBackorders(batch), robust=True)
