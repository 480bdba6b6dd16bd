"""Stock services: allocate, deallocate, fulfil, adjust, reserve, release.

Every service is one transaction. Stock rows are locked with
``SELECT … FOR UPDATE`` in primary-key order (so two transactions never wait
on each other in a cycle), the decision is taken on the locked values, and
counters change through ``F()`` updates. The database's CHECK constraints
are the last line: no counter can go negative. Every change writes a
StockMovement row so stock can be audited.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from commerce.catalog.models import ProductVariant
from commerce.channel.models import Channel, ChannelWarehouse
from commerce.core.db import prepared_cursor

from . import hooks
from .errors import InsufficientStock, InventoryError, InventoryErrorCode, ShortLine
from .models import Allocation, MovementReason, Reservation, Stock, StockMovement, Warehouse
from .strategies import strategy_for


@dataclass(frozen=True)
class StockRequest:
    """Ask for ``quantity`` units of a variant; ``line_reference`` ties the answer to a line."""

    variant_id: int
    quantity: int
    line_reference: str = ""


# ---------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------


def _validate_quantities(requests: Sequence[StockRequest]) -> None:
    for req in requests:
        if not isinstance(req.quantity, int) or isinstance(req.quantity, bool) or req.quantity <= 0:
            raise InventoryError(
                _("Quantity must be a whole number greater than zero."),
                code=InventoryErrorCode.INVALID_QUANTITY,
                field="quantity",
            )


def _channel_warehouse_rank(
    channel: Channel, warehouse_ids: Sequence[int] | None
) -> dict[int, int]:
    """Warehouses allowed to serve, with their priority (lower first)."""
    if warehouse_ids is not None:
        return {wid: rank for rank, wid in enumerate(warehouse_ids)}
    rows = (
        channel.channel_warehouses.filter(warehouse__is_active=True)
        .order_by("sort_order", "pk")
        .values_list("warehouse_id", flat=True)
    )
    return {wid: rank for rank, wid in enumerate(rows)}


# Hot paths (allocate, deallocate and the ledger writes) use a few fixed SQL statements
# instead of ORM querysets: building a queryset costs more CPU than PostgreSQL needs to
# run these statements. Lists travel as one array or JSON parameter, so each statement
# has one text and is prepared once per connection (commerce.core.db.prepared_cursor).
_STOCK = Stock._meta.db_table
_STOCK_FIELDS = [f.attname for f in Stock._meta.concrete_fields]
_STOCK_COLUMNS = ", ".join(f"s.{f.column}" for f in Stock._meta.concrete_fields)
_MOVEMENT = StockMovement._meta.db_table
_ALLOCATION = Allocation._meta.db_table

_LOCK_SQL = {
    "variants_in_warehouses": (
        f"SELECT {_STOCK_COLUMNS} FROM {_STOCK} s "  # noqa: S608 - table names from _meta
        "WHERE s.variant_id = ANY(%s::bigint[]) AND s.warehouse_id = ANY(%s::bigint[]) "
        "ORDER BY s.id FOR UPDATE OF s"
    ),
    "variants_in_channel": (
        f"SELECT {_STOCK_COLUMNS}, cw.sort_order, cw.id FROM {_STOCK} s "  # noqa: S608
        f"JOIN {Warehouse._meta.db_table} w ON w.id = s.warehouse_id "
        f"JOIN {ChannelWarehouse._meta.db_table} cw ON cw.warehouse_id = w.id "
        "WHERE s.variant_id = ANY(%s::bigint[]) AND cw.channel_id = %s AND w.is_active "
        "ORDER BY s.id FOR UPDATE OF s"
    ),
    "pks": (
        f"SELECT {_STOCK_COLUMNS} FROM {_STOCK} s "  # noqa: S608
        "WHERE s.id = ANY(%s::bigint[]) ORDER BY s.id FOR UPDATE OF s"
    ),
    "allocated_to_lines": (
        f"SELECT {_STOCK_COLUMNS} FROM {_STOCK} s "  # noqa: S608
        f"WHERE s.id IN (SELECT stock_id FROM {_ALLOCATION} WHERE order_line_id = ANY(%s::bigint[])) "
        "ORDER BY s.id FOR UPDATE OF s"
    ),
}


def _locked(statement: str, params: Sequence[Any], extra: int = 0) -> list[tuple[Stock, tuple]]:
    """Run a locking SELECT; return each stock row as a Stock with its extra columns."""
    with prepared_cursor() as cursor:
        cursor.execute(_LOCK_SQL[statement], params)
        rows = cursor.fetchall()
    width = len(_STOCK_FIELDS)
    return [
        (Stock.from_db(connection.alias, _STOCK_FIELDS, row[:width]), row[width : width + extra])
        for row in rows
    ]


def _lock_stocks(variant_ids: Iterable[int], warehouse_ids: Iterable[int]) -> list[Stock]:
    rows = _locked("variants_in_warehouses", [sorted(set(variant_ids)), sorted(set(warehouse_ids))])
    return [stock for stock, _extra in rows]


def _lock_channel_stocks(
    variant_ids: Iterable[int], channel: Channel
) -> tuple[list[Stock], dict[int, int]]:
    """Lock the variants' stock in the channel's active warehouses, with each warehouse's
    priority, in one query."""
    rows = _locked("variants_in_channel", [sorted(set(variant_ids)), channel.pk], extra=2)
    order = sorted({(sort_order, cw_id, s.warehouse_id) for s, (sort_order, cw_id) in rows})
    return [s for s, _extra in rows], {wid: index for index, (_o, _c, wid) in enumerate(order)}


def _lock_stocks_by_pk(stock_ids: Iterable[int]) -> dict[int, Stock]:
    ids = sorted(set(stock_ids))
    if not ids:
        return {}
    return {s.pk: s for s, _extra in _locked("pks", [ids])}


@dataclass(slots=True)
class _Movement:
    """One ledger row waiting to be written (see StockMovement)."""

    stock: Stock
    reason: str
    quantity_delta: int
    allocated_delta: int
    reserved_delta: int
    quantity_after: int
    reference: str
    note: str
    user_id: int | None


def _record(
    movements: list[_Movement],
    stock: Stock,
    reason: str,
    *,
    quantity: int = 0,
    allocated: int = 0,
    reserved: int = 0,
    reference: str = "",
    note: str = "",
    user=None,  # noqa: ANN001
) -> None:
    """Apply a delta to the locked in-memory row and queue its ledger entry."""
    stock.quantity += quantity
    stock.quantity_allocated += allocated
    stock.quantity_reserved += reserved
    movements.append(
        _Movement(
            stock,
            reason,
            quantity,
            allocated,
            reserved,
            stock.quantity,
            reference[:128],
            note[:255],
            getattr(user, "pk", None) if user is not None else None,
        )
    )


def _flush_sql(with_allocations: bool) -> str:
    """One statement that writes the counter deltas (relative, summed per stock row), the
    ledger rows and, when allocating, the order lines' allocations (added to what a line
    already holds on that stock). Rows travel as JSON so the text stays fixed."""
    allocations = (
        f", a AS (INSERT INTO {_ALLOCATION} (order_line_id, stock_id, quantity_allocated) "  # noqa: S608
        "SELECT * FROM json_to_recordset(%(allocations)s::json) "
        "AS a(order_line_id bigint, stock_id bigint, quantity_allocated int) "
        "ON CONFLICT (order_line_id, stock_id) DO UPDATE SET quantity_allocated = "
        f"{_ALLOCATION}.quantity_allocated + EXCLUDED.quantity_allocated)"
        if with_allocations
        else ""
    )
    columns = ", ".join(_MOVEMENT_COLUMNS)
    return (
        "WITH m AS (SELECT * FROM json_to_recordset(%(movements)s::json) AS m("  # noqa: S608
        "stock_id bigint, reason varchar, quantity_delta int, allocated_delta int, "
        "reserved_delta int, quantity_after int, reference varchar, note varchar, "
        "user_id bigint)), "
        "d AS (SELECT stock_id, sum(quantity_delta) AS q, sum(allocated_delta) AS a, "
        "sum(reserved_delta) AS r FROM m GROUP BY stock_id), "
        f"u AS (UPDATE {_STOCK} s SET quantity = s.quantity + d.q, "
        "quantity_allocated = s.quantity_allocated + d.a, "
        "quantity_reserved = s.quantity_reserved + d.r "
        f"FROM d WHERE s.id = d.stock_id AND (d.q <> 0 OR d.a <> 0 OR d.r <> 0)){allocations} "
        f"INSERT INTO {_MOVEMENT} ({columns}, created_at) "
        f"SELECT {columns}, %(now)s FROM m"
    )


_MOVEMENT_COLUMNS = (
    "stock_id", "reason", "quantity_delta", "allocated_delta", "reserved_delta",
    "quantity_after", "reference", "note", "user_id",
)  # fmt: skip
_FLUSH = _flush_sql(with_allocations=False)
_FLUSH_WITH_ALLOCATIONS = _flush_sql(with_allocations=True)


def _flush(movements: list[_Movement], allocations: Sequence[Allocation] = ()) -> None:
    """Write counter deltas (relative updates), the ledger rows and any allocations (added to
    what a line already holds on that stock) in one statement; then tell the listeners."""
    if not movements:
        return
    params: dict[str, Any] = {
        "movements": json.dumps(
            [
                {
                    "stock_id": m.stock.pk,
                    "reason": m.reason,
                    "quantity_delta": m.quantity_delta,
                    "allocated_delta": m.allocated_delta,
                    "reserved_delta": m.reserved_delta,
                    "quantity_after": m.quantity_after,
                    "reference": m.reference,
                    "note": m.note,
                    "user_id": m.user_id,
                }
                for m in movements
            ]
        ),
        "now": timezone.now(),
    }
    statement = _FLUSH
    if allocations:
        merged: dict[tuple[int, int], int] = defaultdict(int)
        for a in allocations:
            merged[(a.order_line_id, a.stock_id)] += a.quantity_allocated
        params["allocations"] = json.dumps(
            [
                {"order_line_id": line_id, "stock_id": stock_id, "quantity_allocated": qty}
                for (line_id, stock_id), qty in merged.items()
            ]
        )
        statement = _FLUSH_WITH_ALLOCATIONS
    with prepared_cursor() as cursor:
        cursor.execute(statement, params)
    hooks.stock_changed({m.stock.variant_id for m in movements}, movements[-1].reason)


def _purge_expired(stocks: Iterable[Stock], movements: list[_Movement], now: datetime) -> None:
    """Free reservations that expired on already-locked stock rows."""
    by_pk = {s.pk: s for s in stocks if s.quantity_reserved > 0}
    if not by_pk:
        return  # nothing held on these rows: no query needed
    expired = list(
        Reservation.objects.filter(stock_id__in=by_pk, reserved_until__lte=now).values_list(
            "pk", "stock_id", "quantity_reserved", "reference"
        )
    )
    if not expired:
        return
    Reservation.objects.filter(pk__in=[row[0] for row in expired]).delete()
    for _pk, stock_id, qty, reference in expired:
        _record(
            movements,
            by_pk[stock_id],
            MovementReason.RESERVATION_EXPIRY,
            reserved=-qty,
            reference=reference,
        )


def _plan(
    requests: Sequence[StockRequest],
    stocks: Sequence[Stock],
    rank: dict[int, int],
    strategy_name: str,
    *,
    split: bool,
) -> list[tuple[StockRequest, Stock, int]]:
    """Decide which stock serves how much of each request; raise if anything is short."""
    strategy = strategy_for(strategy_name)
    by_variant: dict[int, list[Stock]] = defaultdict(list)
    for row in stocks:
        by_variant[row.variant_id].append(row)
    # Units still free per stock while planning several lines of one variant.
    free = {s.pk: s.available for s in stocks}

    if not split:
        # One warehouse must serve every line in full: the first in priority order.
        for wid in sorted({s.warehouse_id for s in stocks}, key=lambda w: rank.get(w, 1 << 30)):
            plan = []
            left = dict(free)
            for req in requests:
                stock = next((s for s in by_variant[req.variant_id] if s.warehouse_id == wid), None)
                if stock is None or left[stock.pk] < req.quantity:
                    break
                left[stock.pk] -= req.quantity
                plan.append((req, stock, req.quantity))
            else:
                return plan

    plan = []
    short: list[ShortLine] = []
    for req in requests:
        need = req.quantity
        ordered = strategy.order(by_variant[req.variant_id], rank)
        for stock in ordered:
            if need == 0:
                break
            take = min(need, free[stock.pk])
            if take > 0:
                free[stock.pk] -= take
                plan.append((req, stock, take))
                need -= take
        if need > 0 or (not split and len({p[1].warehouse_id for p in plan}) > 1):
            have = req.quantity - need
            short.append(ShortLine(req.variant_id, "", req.quantity, have, req.line_reference))
    if short:
        skus = dict(
            ProductVariant.objects.filter(pk__in={s.variant_id for s in short}).values_list(
                "pk", "sku"
            )
        )
        raise InsufficientStock(
            [
                ShortLine(
                    s.variant_id,
                    skus.get(s.variant_id, str(s.variant_id)),
                    s.requested,
                    s.available,
                    s.line_reference,
                )
                for s in short
            ]
        )
    return plan


# ---------------------------------------------------------------------------------
# allocation (order lines)
# ---------------------------------------------------------------------------------


def stock_allocate(
    order_lines: Sequence,  # OrderLine instances with variant_id and quantity
    channel: Channel,
    *,
    warehouse_ids: Sequence[int] | None = None,
    split: bool = True,
    reservation_reference: str | None = None,
    user=None,  # noqa: ANN001
) -> list[Allocation]:
    """Promise stock to order lines, in the channel's warehouses (or the routed ones).

    A checkout's own reservation (``reservation_reference``) is turned into the
    allocation in the same transaction, so the shopper never loses units they held.
    Raises InsufficientStock, writing nothing, when any line cannot be served.
    """
    requests = [
        StockRequest(line.variant_id, line.quantity, str(line.pk))
        for line in order_lines
        if line.variant_id is not None
    ]
    _validate_quantities(requests)
    if not requests:
        return []
    with transaction.atomic():
        if warehouse_ids is not None:
            rank = _channel_warehouse_rank(channel, warehouse_ids)
            stocks = _lock_stocks([r.variant_id for r in requests], rank)
        else:
            stocks, rank = _lock_channel_stocks([r.variant_id for r in requests], channel)
        if not rank and not _channel_warehouse_rank(channel, warehouse_ids):
            raise InventoryError(
                _("No warehouse serves channel %(channel)s.") % {"channel": channel},
                code=InventoryErrorCode.NO_WAREHOUSE,
                field="channel",
            )
        movements: list[_Movement] = []
        now = timezone.now()
        _purge_expired(stocks, movements, now)
        if reservation_reference:
            _release_reference_on(
                stocks, reservation_reference, movements, MovementReason.RESERVATION_RELEASE
            )
        plan = _plan(requests, stocks, rank, channel.allocation_strategy, split=split)
        reference = f"order:{order_lines[0].order_id}"
        line_by_pk = {str(line.pk): line for line in order_lines}
        allocations = []
        for req, stock, qty in plan:
            _record(
                movements,
                stock,
                MovementReason.ALLOCATION,
                allocated=qty,
                reference=reference,
                user=user,
            )
            allocations.append(
                Allocation(
                    order_line=line_by_pk[req.line_reference], stock=stock, quantity_allocated=qty
                )
            )
        _flush(movements, allocations)
        return allocations


def stock_deallocate(
    order_lines: Sequence, *, reason: str = MovementReason.DEALLOCATION, user=None
) -> int:  # noqa: ANN001
    """Give back every unit allocated to these order lines; returns units released."""
    line_ids = [line.pk for line in order_lines]
    order_of = {line.pk: line.order_id for line in order_lines}
    with transaction.atomic():
        stocks = {s.pk: s for s, _extra in _locked("allocated_to_lines", [line_ids])}
        if not stocks:
            return 0
        with prepared_cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {_ALLOCATION} WHERE order_line_id = ANY(%s::bigint[]) "  # noqa: S608
                "AND stock_id = ANY(%s::bigint[]) "
                "RETURNING order_line_id, stock_id, quantity_allocated",
                [line_ids, list(stocks)],
            )
            removed = sorted(cursor.fetchall())
        movements: list[_Movement] = []
        for line_id, stock_id, qty in removed:
            if qty:
                _record(
                    movements,
                    stocks[stock_id],
                    reason,
                    allocated=-qty,
                    reference=f"order:{order_of[line_id]}",
                    user=user,
                )
        _flush(movements)
        return sum(row[2] for row in removed)


def stock_fulfil(
    order_line, quantity: int, *, warehouse_id: int | None = None, user=None
) -> list[tuple[int, int]]:  # noqa: ANN001
    """Ship or hand over ``quantity`` units of an allocated line: on-hand and allocated
    both go down in the warehouses that hold the allocation (or only ``warehouse_id``).

    Returns (stock id, units) pairs taken.
    """
    _validate_quantities([StockRequest(order_line.variant_id or 0, quantity)])
    from commerce.orders.models import OrderLine

    with transaction.atomic():
        line = OrderLine.objects.select_for_update().get(pk=order_line.pk)
        if quantity > line.quantity - line.quantity_fulfilled:
            raise InventoryError(
                _("Cannot fulfil %(q)d: only %(left)d left to fulfil on this line.")
                % {"q": quantity, "left": line.quantity - line.quantity_fulfilled},
                code=InventoryErrorCode.INVALID_QUANTITY,
                field="quantity",
            )
        alloc_qs = Allocation.objects.filter(order_line=line)
        if warehouse_id is not None:
            alloc_qs = alloc_qs.filter(stock__warehouse_id=warehouse_id)
        stock_ids = alloc_qs.values_list("stock_id", flat=True)
        stocks = _lock_stocks_by_pk(stock_ids)
        allocations = list(alloc_qs.select_for_update().order_by("pk"))
        movements: list[_Movement] = []
        taken: list[tuple[int, int]] = []
        need = quantity
        for alloc in allocations:
            if need == 0:
                break
            take = min(need, alloc.quantity_allocated)
            if take <= 0:
                continue
            _record(
                movements,
                stocks[alloc.stock_id],
                MovementReason.FULFILMENT,
                quantity=-take,
                allocated=-take,
                reference=f"order:{line.order_id}",
                user=user,
            )
            alloc.quantity_allocated -= take
            taken.append((alloc.stock_id, take))
            need -= take
        if need:
            raise InventoryError(
                _("%(q)d units of %(sku)s are not allocated in that warehouse.")
                % {"q": need, "sku": line.product_sku},
                code=InventoryErrorCode.NOT_ALLOCATED,
                field="quantity",
            )
        for alloc in allocations:
            if alloc.quantity_allocated == 0:
                alloc.delete()
            else:
                alloc.save(update_fields=["quantity_allocated"])
        OrderLine.objects.filter(pk=line.pk).update(
            quantity_fulfilled=F("quantity_fulfilled") + quantity
        )
        order_line.quantity_fulfilled = line.quantity_fulfilled + quantity
        _flush(movements)
        return taken


# ---------------------------------------------------------------------------------
# adjustments
# ---------------------------------------------------------------------------------


def _lock_or_create_stock(variant_id: int, warehouse_id: int) -> Stock:
    Stock.objects.bulk_create(
        [Stock(variant_id=variant_id, warehouse_id=warehouse_id)], ignore_conflicts=True
    )
    return Stock.objects.select_for_update(of=("self",)).get(
        variant_id=variant_id, warehouse_id=warehouse_id
    )


def stock_adjust(
    variant: ProductVariant,
    warehouse: Warehouse,
    *,
    delta: int | None = None,
    set_to: int | None = None,
    reason: str = MovementReason.ADJUSTMENT,
    reference: str = "",
    note: str = "",
    user=None,  # noqa: ANN001
) -> Stock:
    """Change on-hand units by ``delta`` or count them to ``set_to`` (stocktake)."""
    if (delta is None) == (set_to is None):
        raise InventoryError(
            _("Give either a change or a new count."),
            code=InventoryErrorCode.INVALID_QUANTITY,
            field="quantity",
        )
    for value in (delta, set_to):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise InventoryError(
                _("Quantity must be a whole number."),
                code=InventoryErrorCode.INVALID_QUANTITY,
                field="quantity",
            )
    with transaction.atomic():
        stock = _lock_or_create_stock(variant.pk, warehouse.pk)
        change = delta if delta is not None else (set_to or 0) - stock.quantity
        if stock.quantity + change < 0:
            raise InventoryError(
                _("Stock of %(sku)s in %(wh)s cannot go below zero (on hand %(q)d).")
                % {"sku": variant.sku, "wh": warehouse.name, "q": stock.quantity},
                code=InventoryErrorCode.NEGATIVE_STOCK,
                field="quantity",
            )
        if change:
            movements: list[_Movement] = []
            _record(
                movements, stock, reason, quantity=change, reference=reference, note=note, user=user
            )
            _flush(movements)
        return stock


# ---------------------------------------------------------------------------------
# reservations (checkouts)
# ---------------------------------------------------------------------------------


def _release_reference_on(
    stocks: Iterable[Stock], reference: str, movements: list[_Movement], reason: str
) -> int:
    by_pk = {s.pk: s for s in stocks if s.quantity_reserved > 0}
    if not by_pk:
        return 0
    rows = list(
        Reservation.objects.filter(reference=reference, stock_id__in=by_pk).values_list(
            "pk", "stock_id", "quantity_reserved"
        )
    )
    if not rows:
        return 0
    Reservation.objects.filter(pk__in=[r[0] for r in rows]).delete()
    for _pk, stock_id, qty in rows:
        _record(movements, by_pk[stock_id], reason, reserved=-qty, reference=reference)
    return sum(r[2] for r in rows)


def stock_reserve(
    reference: str,
    requests: Sequence[StockRequest],
    channel: Channel,
    *,
    ttl: timedelta | None = None,
    warehouse_ids: Sequence[int] | None = None,
) -> list[Reservation]:
    """Hold stock for a checkout until it expires, replacing what that checkout held.

    Raises InsufficientStock (and keeps the old hold) when the new lines cannot be held.
    """
    _validate_quantities(requests)
    ttl = ttl or timedelta(minutes=settings.CHECKOUT_RESERVATION_MINUTES)
    rank = _channel_warehouse_rank(channel, warehouse_ids)
    with transaction.atomic():
        old_stock_ids = Reservation.objects.filter(reference=reference).values_list(
            "stock_id", flat=True
        )
        variant_ids = [r.variant_id for r in requests]
        candidate_ids = Stock.objects.filter(
            variant_id__in=variant_ids, warehouse_id__in=rank
        ).values_list("pk", flat=True)
        stocks_by_pk = _lock_stocks_by_pk([*old_stock_ids, *candidate_ids])
        stocks = list(stocks_by_pk.values())
        movements: list[_Movement] = []
        now = timezone.now()
        _purge_expired(stocks, movements, now)
        _release_reference_on(stocks, reference, movements, MovementReason.RESERVATION_RELEASE)
        candidates = [
            s for s in stocks if s.variant_id in set(variant_ids) and s.warehouse_id in rank
        ]
        plan = _plan(requests, candidates, rank, channel.allocation_strategy, split=True)
        until = now + ttl
        reservations = []
        for req, stock, qty in plan:
            _record(movements, stock, MovementReason.RESERVATION, reserved=qty, reference=reference)
            reservations.append(
                Reservation(
                    reference=reference,
                    line_reference=req.line_reference,
                    stock=stock,
                    quantity_reserved=qty,
                    reserved_until=until,
                )
            )
        _flush(movements)
        _merge_reservations(reservations)
        return reservations


def _merge_reservations(reservations: list[Reservation]) -> None:
    merged: dict[tuple[str, str, int], Reservation] = {}
    for r in reservations:
        key = (r.reference, r.line_reference, r.stock_id)
        if key in merged:
            merged[key].quantity_reserved += r.quantity_reserved
        else:
            merged[key] = r
    Reservation.objects.bulk_create(list(merged.values()))


def stock_release(reference: str, *, reason: str = MovementReason.RESERVATION_RELEASE) -> int:
    """Let go of everything a checkout holds (abandoned, failed payment); returns units."""
    with transaction.atomic():
        stock_ids = Reservation.objects.filter(reference=reference).values_list(
            "stock_id", flat=True
        )
        stocks = _lock_stocks_by_pk(stock_ids)
        movements: list[_Movement] = []
        released = _release_reference_on(stocks.values(), reference, movements, reason)
        _flush(movements)
        return released


def stock_extend_reservation(reference: str, ttl: timedelta | None = None) -> int:
    ttl = ttl or timedelta(minutes=settings.CHECKOUT_RESERVATION_MINUTES)
    return Reservation.objects.filter(
        reference=reference, reserved_until__gt=timezone.now()
    ).update(reserved_until=timezone.now() + ttl)


def release_expired_reservations(batch_size: int = 500) -> int:
    """Free every expired reservation (the periodic sweeper); returns units freed."""
    freed = 0
    while True:
        now = timezone.now()
        stock_ids = list(
            Reservation.objects.filter(reserved_until__lte=now)
            .order_by("stock_id")
            .values_list("stock_id", flat=True)
            .distinct()[:batch_size]
        )
        if not stock_ids:
            return freed
        with transaction.atomic():
            stocks = _lock_stocks_by_pk(stock_ids)
            movements: list[_Movement] = []
            _purge_expired(stocks.values(), movements, now)
            freed += -sum(m.reserved_delta for m in movements)
            _flush(movements)


def ledger_totals(stock: Stock) -> dict[str, int]:
    """Sum of the ledger for one stock row; equals its counters when the books balance."""
    agg = stock.movements.aggregate(
        q=Sum("quantity_delta"), a=Sum("allocated_delta"), r=Sum("reserved_delta")
    )
    return {"quantity": agg["q"] or 0, "allocated": agg["a"] or 0, "reserved": agg["r"] or 0}
