"""Allocation throughput under contention.

8 worker processes, each with its own database connection, allocate stock to
orders and release older allocations for 20 seconds against a catalogue with
deliberately scarce stock spread over 3 warehouses, so workers fight over the
same rows. Afterwards the books are audited: no stock row may be allocated
beyond what is on hand, no counter negative, every allocated line fully
allocated, and the ledger must balance.

    python -m benchmarks.allocation [--workers 8] [--seconds 20]

Last line: ``allocation_rate=<float>/s oversold=<int> negative_stock=<int>``
"""

from __future__ import annotations

import argparse
import os
import random
import time
from typing import Any

DB_NAME = "omniport_bench_allocation"


def _setup(variants: int, orders_per_worker: int, workers: int) -> None:
    from decimal import Decimal

    from commerce.catalog.models import Product, ProductType, ProductVariant
    from commerce.channel.models import Channel, ChannelWarehouse
    from commerce.inventory.models import MovementReason, Stock, StockMovement, Warehouse
    from commerce.orders.models import Order, OrderLine

    ptype = ProductType.objects.create(name="Bench", slug="bench")
    warehouses = [
        Warehouse.objects.create(name=f"WH {i}", slug=f"wh-{i}", country="CN") for i in range(3)
    ]
    channel = Channel.objects.create(
        name="Bench", slug="bench", currency_code="USD", default_country="US", countries=["US"]
    )
    ChannelWarehouse.objects.bulk_create(
        ChannelWarehouse(channel=channel, warehouse=w, sort_order=i)
        for i, w in enumerate(warehouses)
    )
    products = Product.objects.bulk_create(
        Product(product_type=ptype, name=f"Bench {i}", slug=f"bench-{i}") for i in range(variants)
    )
    pvs = ProductVariant.objects.bulk_create(
        ProductVariant(product=p, sku=f"BENCH-{i:04d}") for i, p in enumerate(products)
    )
    stocks = Stock.objects.bulk_create(
        Stock(variant=v, warehouse=w, quantity=12) for v in pvs for w in warehouses
    )
    StockMovement.objects.bulk_create(
        StockMovement(
            stock=s,
            reason=MovementReason.RECEIPT,
            quantity_delta=s.quantity,
            quantity_after=s.quantity,
            reference="bench",
        )
        for s in stocks
    )
    rnd = random.Random(42)  # noqa: S311 - deterministic load, not security
    number = 1
    for _worker in range(workers):
        orders = Order.objects.bulk_create(
            Order(number=(number := number + 1), channel=channel, currency="USD")
            for _ in range(orders_per_worker)
        )
        lines = []
        for order in orders:
            for v in rnd.sample(pvs, rnd.randint(1, 3)):
                lines.append(
                    OrderLine(
                        order=order,
                        variant=v,
                        product_name="Bench",
                        product_sku=v.sku,
                        quantity=rnd.randint(1, 2),
                        currency="USD",
                        unit_price_net_amount=Decimal(1),
                        unit_price_gross_amount=Decimal(1),
                        total_price_net_amount=Decimal(1),
                        total_price_gross_amount=Decimal(1),
                    )
                )
        OrderLine.objects.bulk_create(lines)


def worker(worker_no: int, orders_per_worker: int, seconds: float) -> dict[str, Any]:
    """Allocate orders in turn; keep at most 8 allocated, releasing the oldest."""
    from commerce.channel.models import Channel
    from commerce.inventory import services
    from commerce.inventory.errors import InsufficientStock
    from commerce.orders.models import Order, OrderLine

    channel = Channel.objects.get(slug="bench")
    order_ids = list(
        Order.objects.order_by("number").values_list("pk", flat=True)[
            worker_no * orders_per_worker : (worker_no + 1) * orders_per_worker
        ]
    )
    # One query, so every worker starts its clock at about the same moment.
    lines_of: dict = {oid: [] for oid in order_ids}
    for line in OrderLine.objects.filter(order_id__in=order_ids).order_by("pk"):
        lines_of[line.order_id].append(line)
    backend = _backend_pid()
    allocated: list = []
    ok = short = released = 0
    i = 0
    cpu_started, server_started = time.process_time(), _process_cpu(backend)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        oid = order_ids[i % len(order_ids)]
        i += 1
        if oid in allocated:
            continue
        try:
            services.stock_allocate(lines_of[oid], channel)
            allocated.append(oid)
            ok += 1
        except InsufficientStock:
            short += 1
        if len(allocated) > 8 or (short and allocated and random.random() < 0.5):  # noqa: S311
            services.stock_deallocate(lines_of[allocated.pop(0)])
            released += 1
    server_cpu = _process_cpu(backend)
    return {
        "allocated": ok,
        "insufficient": short,
        "released": released,
        "client_cpu": time.process_time() - cpu_started,
        "server_cpu": (
            server_cpu - server_started
            if server_cpu is not None and server_started is not None
            else None
        ),
    }


def _backend_pid() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _process_cpu(pid: int) -> float | None:
    """User + system CPU seconds of a local process (the worker's PostgreSQL backend); None
    when the server is elsewhere."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def audit() -> dict[str, int]:
    from django.db.models import F, Q, Sum

    from commerce.inventory.models import Allocation, Stock, StockMovement
    from commerce.orders.models import OrderLine

    oversold = Stock.objects.filter(
        quantity_allocated__gt=F("quantity") - F("quantity_reserved")
    ).count()
    # a line allocated more than it asked for also counts as oversold
    oversold += (
        OrderLine.objects.annotate(a=Sum("allocations__quantity_allocated"))
        .filter(a__gt=F("quantity"))
        .count()
    )
    negative = Stock.objects.filter(
        Q(quantity__lt=0) | Q(quantity_allocated__lt=0) | Q(quantity_reserved__lt=0)
    ).count()
    unbalanced = 0
    ledger = {
        row["stock_id"]: row
        for row in StockMovement.objects.values("stock_id").annotate(
            q=Sum("quantity_delta"), a=Sum("allocated_delta"), r=Sum("reserved_delta")
        )
    }
    for stock in Stock.objects.all():
        row = ledger.get(stock.pk, {"q": 0, "a": 0, "r": 0})
        if (row["q"], row["a"], row["r"]) != (
            stock.quantity,
            stock.quantity_allocated,
            stock.quantity_reserved,
        ):
            unbalanced += 1
    counter = Allocation.objects.aggregate(s=Sum("quantity_allocated"))["s"] or 0
    total = Stock.objects.aggregate(s=Sum("quantity_allocated"))["s"] or 0
    return {
        "oversold": oversold,
        "negative": negative,
        "unbalanced": unbalanced,
        "allocation_mismatch": abs(counter - total),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--variants", type=int, default=60)
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()

    from benchmarks._db import drop_bench_database, setup_bench_database

    setup_bench_database(DB_NAME)
    from django.conf import settings

    settings.DEBUG = False  # as in production: no query log in the workers
    orders_per_worker = 400
    _setup(args.variants, orders_per_worker, args.workers)

    from commerce.core.processes import run_in_processes

    started = time.monotonic()
    results = run_in_processes(
        "benchmarks.allocation:worker",
        [(n, orders_per_worker, args.seconds) for n in range(args.workers)],
        timeout=args.seconds + 120,
    )
    elapsed = time.monotonic() - started
    errors = [value for status, value in results if status != "ok"]
    stats = [value for status, value in results if status == "ok"]
    allocated = sum(s["allocated"] for s in stats)
    insufficient = sum(s["insufficient"] for s in stats)
    released = sum(s["released"] for s in stats)
    books = audit()
    client_cpu = sum(s["client_cpu"] for s in stats)
    server_cpus = [s["server_cpu"] for s in stats]
    server_cpu = sum(server_cpus) if stats and None not in server_cpus else None
    per_pair = 1000 / max(allocated, 1)
    print(
        f"workers={args.workers} seconds={elapsed:.1f} allocations={allocated} "
        f"insufficient_stock={insufficient} releases={released} errors={len(errors)} "
        f"ledger_unbalanced={books['unbalanced']} "
        f"allocation_mismatch={books['allocation_mismatch']}"
    )
    # CPU per allocation (with the release that goes with it): load-independent, unlike the
    # rate; the server part is the workers' own PostgreSQL backends when they are local.
    print(
        f"cpu_ms_per_allocation: workers={client_cpu * per_pair:.2f} "
        + (f"postgres_backends={server_cpu * per_pair:.2f}" if server_cpu is not None else "")
    )
    for err in errors[:5]:
        print(f"worker error: {err}")
    if not args.keep_db:
        drop_bench_database(DB_NAME)
    print(
        f"allocation_rate={allocated / args.seconds:.1f}/s oversold={books['oversold']} "
        f"negative_stock={books['negative']}"
    )


if __name__ == "__main__":
    main()
