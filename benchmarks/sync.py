"""Hub sync benchmark: ``python -m benchmarks.sync [--target memory|sandbox]``.

Builds a throw-away database with N listings on each of two marketplaces (rate
limits on) and starts real Celery workers on their own queue, then measures the
hub's production path (outbox row in the committing transaction → on-commit drain
task → worker → connector → marketplace):

- bulk: a full price/quantity push of every SKU to both marketplaces;
- propagation: from a storefront order's commit to the new quantity being held by
  both marketplaces (100 samples, p95);
- import: orders/s imported and allocated from a marketplace backlog of 2,000;
- lost / duplicated: listings whose marketplace quantity is not what it should be
  after everything settled, and orders of the backlog missing or imported twice.

Targets: ``sandbox`` (default) runs the real connectors against the loopback HTTP
sandboxes of ``connectors/amazon`` and ``connectors/ebay`` (real wire format, OAuth,
rate limits answering 429, at ``--rate-scale`` times the documented rates).
``memory`` is ``benchmarks.emulator``: marketplaces kept in Redis behind the
Connector interface, with latency and per-operation rate limits (no HTTP).

The last line is ``propagation_p95_s=… bulk_10k_s=… import_orders_per_s=… lost=… duplicated=…``.
``--only import`` (or ``bulk``, ``propagation``; repeatable) runs just those parts while
iterating: the figures of the parts left out print as ``nan``, and listings are only
checked against the marketplaces when the bulk push ran. Each part also prints the CPU
seconds it cost the benchmark process (sandboxes, poller), the Celery workers and the
PostgreSQL server, which say more than wall time on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

BENCH_DB = "omniport_bench_sync"


# --------------------------------------------------------------------------- database


BASE_DIR = Path(__file__).resolve().parent.parent


def _admin_connection():  # noqa: ANN202
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    params = {"host": db["HOST"] or None, "port": db["PORT"] or None, "user": db["USER"] or None,
              "password": db["PASSWORD"] or None, "dbname": "postgres", "autocommit": True}
    return psycopg.connect(**{k: v for k, v in params.items() if v is not None})


def _prepare_database() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings"
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _drop_database() -> None:
    from django.db import connections

    connections.close_all()
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


# --------------------------------------------------------------------------- CPU


def _proc_cpu(pid: int, children: bool = True) -> float:
    """CPU seconds of a process (Linux /proc), with its reaped children's; 0 when unknown."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def _tree_cpu(pid: int) -> float:
    """CPU seconds of a process tree: live descendants plus what reaped ones left."""
    total = _proc_cpu(pid)
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            kids = [int(k) for k in fh.read().split()]
    except OSError:
        kids = []
    return total + sum(_tree_cpu(k) for k in kids)


def _postmaster_pid() -> int | None:
    """The embedded PostgreSQL's postmaster (None with an external DATABASE_URL)."""
    if os.environ.get("DATABASE_URL"):
        return None
    from config import embedded

    try:
        return int((embedded.postgres_datadir() / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


class CpuMeter:
    """CPU seconds spent by this process, the worker pool and the database server."""

    def __init__(self, workers: Workers) -> None:
        self.workers = workers
        self.postmaster = _postmaster_pid()

    def sample(self) -> dict[str, float]:
        out = {"bench": _proc_cpu(os.getpid(), children=False),
               "workers": _tree_cpu(self.workers.proc.pid)}
        if self.postmaster:
            out["postgres"] = _tree_cpu(self.postmaster)
        return out

    @staticmethod
    def text(before: dict[str, float], after: dict[str, float]) -> str:
        parts = [f"{k} {after[k] - before.get(k, 0.0):.1f}" for k in after]
        return "cpu_s " + " ".join(parts)


# --------------------------------------------------------------------------- workers


class Workers:
    """Real Celery workers (prefork) on the benchmark's queue, and a beat-like ticker."""

    def __init__(self, concurrency: int) -> None:
        from django.conf import settings

        from config.celery import app

        self.queue = settings.CELERY_TASK_DEFAULT_QUEUE
        with app.connection_for_write() as conn:
            conn.default_channel.queue_purge(self.queue)
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
               "PYTHONPATH": str(BASE_DIR)}
        self.node = f"bench-sync-{os.getpid()}@{socket.gethostname()}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "prefork",
             "-c", str(concurrency), "-Q", self.queue, "-l", "WARNING", "--without-gossip",
             "--without-mingle", "--without-heartbeat", "-n", self.node],
            cwd=BASE_DIR, env=env)
        deadline = time.monotonic() + 120
        while not app.control.ping(destination=[self.node], timeout=1.0):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise SystemExit("the benchmark's Celery worker did not start")
        self.stop = threading.Event()
        self.ticker = threading.Thread(target=self._tick, daemon=True)
        self.ticker.start()

    def _tick(self) -> None:
        from hub.tasks import orders_process, sync_drain

        while not self.stop.wait(2.0):  # the beat schedule's safety net, sped up
            sync_drain.delay()
            orders_process.delay()

    def close(self) -> None:
        self.stop.set()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# --------------------------------------------------------------------------- targets


class MemoryTarget:
    """benchmarks.emulator: both marketplaces in Redis, shared with the workers."""

    name = "memory"
    connectors = {"amazon": "emu-amazon", "ebay": "emu-ebay"}
    sites = {"amazon": "EMU-AMAZON-US", "ebay": "EMU-EBAY-US"}

    def __init__(self) -> None:
        from benchmarks import emulator

        self.emu = emulator
        for site in self.sites.values():
            emulator.reset(site)

    def seed_listings(self, market: str, skus: list[str]) -> None:
        self.emu.seed_offers(self.sites[market], skus)

    def held_quantity(self, market: str, sku: str) -> int | None:
        return self.emu.held_quantity(self.sites[market], sku)

    def held_quantities(self, market: str) -> dict[str, int | None]:
        return self.emu.held_quantities(self.sites[market])

    def seed_orders(self, market: str, orders) -> None:  # noqa: ANN001
        self.emu.seed_orders(self.sites[market], orders)

    def throttled(self) -> int:
        return sum(self.emu.throttled(site) for site in self.sites.values())

    def close(self) -> None:
        for site in self.sites.values():
            self.emu.reset(site)


class SandboxTarget:
    """The loopback HTTP sandboxes of connectors/amazon and connectors/ebay, in threads of
    this process (the Celery workers reach them over HTTP like real marketplaces).

    Rate limits are on, at ``rate_scale`` times the documented rates (the hub's buckets
    and the connectors' pacing read the same factor from the account credentials).
    Order import reads Amazon's searchOrders (Orders 2026-01-01: 100 orders with their
    items per call, burst 20 calls, then 0.0056/s), so even at the real rates the
    2,000-order backlog is 20 calls of the burst; the Orders v0 way (getOrderItems per
    order, 0.5/s) would cap it at 0.5 orders/s, or 50/s at the default rate scale.
    """

    name = "sandbox"
    connectors = {"amazon": "amazon", "ebay": "ebay"}
    sites = {"amazon": "ATVPDKIKX0DER", "ebay": "EBAY_US"}

    def __init__(self, rate_scale: float = 100.0) -> None:
        from collections import deque

        from connectors.registry import start_sandboxes

        self.rate_scale = rate_scale
        self.running = start_sandboxes(ports={"amazon": 0, "ebay": 0}, rate_scale=rate_scale,
                                       token_ttl=3600.0)
        self.apps = {market: server.app for market, (server, _url) in self.running.items()}
        for app in self.apps.values():
            app.exchanges = deque()  # keep every exchange: 429s are counted at the end

    def account_fields(self, market: str) -> dict[str, Any]:
        import json

        creds = self.apps[market].credentials(rate_scale=str(self.rate_scale))
        return {"seller_id": creds.seller_id, "client_id": creds.client_id,
                "client_secret": creds.client_secret, "refresh_token": creds.refresh_token,
                "endpoint": creds.endpoint, "auth_endpoint": creds.auth_endpoint,
                "extra_credentials": json.dumps(creds.extra),
                "rate_limits": {}}  # the documented limits, scaled like the sandbox's

    def seed_listings(self, market: str, skus: list[str]) -> dict[str, str]:
        """Listings the seller already has; returns the marketplace ids (eBay offer ids)."""
        app = self.apps[market]
        ids = {sku: app.seed_listing(sku, price="1.00", quantity=0) for sku in skus}
        return {sku: str(offer_id) for sku, offer_id in ids.items() if offer_id}

    def held_quantity(self, market: str, sku: str) -> int | None:
        state = self.apps[market].listing_state(sku)
        quantity = state.get("quantity") if state else None
        return int(quantity) if quantity is not None else None

    def held_quantities(self, market: str) -> dict[str, int | None]:
        app = self.apps[market]
        if market == "amazon":
            with app.lock:
                skus = [sku for (_seller, sku) in app.listings]
        else:
            with app.lock:
                skus = [sku for (_user, sku) in app.items]
        return {sku: self.held_quantity(market, sku) for sku in skus}

    def seed_orders(self, market: str, orders) -> None:  # noqa: ANN001
        app = self.apps[market]
        for order in orders:
            items = [{"sku": ln.sku, "quantity": ln.quantity, "price": str(ln.unit_price)}
                     for ln in order.lines]
            app.create_order(items, order_id=order.external_id)

    def throttled(self) -> int:
        return sum(1 for app in self.apps.values() for e in list(app.exchanges)
                   if e.status == 429)

    def close(self) -> None:
        for server, _url in self.running.values():
            server.close()


TARGETS: dict[str, Any] = {"memory": MemoryTarget, "sandbox": SandboxTarget}


# --------------------------------------------------------------------------- scenario


def _setup(target, n: int):  # noqa: ANN001, ANN202
    from django.db import transaction

    from commerce.catalog.models import (
        Category,
        Product,
        ProductType,
        ProductVariant,
        ProductVariantChannelListing,
    )
    from commerce.channel.models import Channel, ChannelKind, ChannelWarehouse
    from commerce.inventory.models import MovementReason, Stock, StockMovement, Warehouse
    from hub.connectors import documented_rate_limits
    from hub.models import Listing, ListingStatus, MarketplaceAccount

    with transaction.atomic():
        warehouse = Warehouse.objects.create(name="Bench central", slug="bench-central",
                                             country="CN")
        channels = {}
        for slug, kind in (("web", ChannelKind.STOREFRONT), ("amazon", ChannelKind.MARKETPLACE),
                           ("ebay", ChannelKind.MARKETPLACE)):
            channels[slug] = Channel.objects.create(name=f"Bench {slug}", slug=f"bench-{slug}",
                                                    kind=kind, currency_code="USD",
                                                    default_country="US")
            ChannelWarehouse.objects.create(channel=channels[slug], warehouse=warehouse)
        ptype = ProductType.objects.create(name="Bench", slug="bench")
        category = Category.objects.create(name="Bench", slug="bench")
        products = Product.objects.bulk_create(
            [Product(product_type=ptype, category=category, name=f"Bench product {i}",
                     slug=f"bench-{i}") for i in range(n)], batch_size=2000)
        variants = ProductVariant.objects.bulk_create(
            [ProductVariant(product=p, sku=f"BENCH-{i:05d}", name="One size")
             for i, p in enumerate(products)], batch_size=2000)
        stocks = Stock.objects.bulk_create(
            [Stock(warehouse=warehouse, variant=v, quantity=1000) for v in variants],
            batch_size=2000)
        StockMovement.objects.bulk_create(
            [StockMovement(stock=s, reason=MovementReason.RECEIPT, quantity_delta=1000,
                           quantity_after=1000) for s in stocks], batch_size=2000)
        ProductVariantChannelListing.objects.bulk_create(
            [ProductVariantChannelListing(variant=v, channel=c, currency="USD",
                                          price_amount=Decimal(10 + i % 90))
             for c in channels.values() for i, v in enumerate(variants)], batch_size=5000)
        accounts = {}
        for market in ("amazon", "ebay"):
            connector = target.connectors[market]
            fields = {"rate_limits": documented_rate_limits(connector)}
            if hasattr(target, "account_fields"):
                fields.update(target.account_fields(market))
            accounts[market] = MarketplaceAccount.objects.create(
                channel=channels[market], connector=connector, site=target.sites[market],
                **fields)
            # Already published (the initial publish is not what is measured).
            Listing.objects.bulk_create(
                [Listing(account=accounts[market], variant=v, sku=v.sku,
                         status=ListingStatus.ACTIVE, is_live=True) for v in variants],
                batch_size=2000)
    for market, account in accounts.items():
        external = target.seed_listings(market, [v.sku for v in variants]) or {}
        if external:
            # What a hub-published listing knows: the marketplace's offer id (eBay's
            # bulk price/quantity call needs it; without it every SKU costs a lookup).
            rows = list(Listing.objects.filter(account=account, sku__in=list(external)))
            for row in rows:
                row.external_id = external[row.sku]
            Listing.objects.bulk_update(rows, ["external_id"], batch_size=2000)
    return channels, accounts, variants


def _outbox_busy() -> bool:
    from hub.models import OrderImport, OutboxEntry, OutboxStatus

    return (OutboxEntry.objects.filter(status__in=[OutboxStatus.PENDING,
                                                   OutboxStatus.IN_FLIGHT]).exists()
            or OrderImport.objects.filter(needs_processing=True).exists())


def _expected(accounts) -> dict[tuple[str, str], int]:  # noqa: ANN001
    from hub.models import Listing
    from hub.selectors import listing_desired_offers, listings_for_sync

    out = {}
    for market, account in accounts.items():
        ids = list(Listing.objects.filter(account=account).values_list("pk", flat=True))
        for start in range(0, len(ids), 2000):
            listings = list(listings_for_sync(ids[start:start + 2000]))
            desired = listing_desired_offers(listings)
            for lst in listings:
                out[(market, lst.sku)] = desired[lst.pk].quantity
    return out


def _mismatches(target, accounts) -> int:  # noqa: ANN001
    held = {market: target.held_quantities(market) for market in accounts}
    return sum(1 for (market, sku), qty in _expected(accounts).items()
               if held[market].get(sku) != qty)


def _wait(predicate, timeout: float, step: float = 0.005) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


PARTS = ("bulk", "propagation", "import")


def run(target_name: str, n_listings: int, n_orders: int, n_samples: int, workers: int,
        rate_scale: float = 100.0, parts: tuple[str, ...] = PARTS) -> str:
    target = (SandboxTarget(rate_scale) if target_name == "sandbox"
              else TARGETS[target_name]())
    rng = random.Random(42)
    from commerce.inventory.selectors import variant_availability
    from commerce.orders.models import Order
    from commerce.orders.services import OrderInput, OrderLineInput, order_create
    from hub import clock
    from hub.models import Listing
    from hub.services import account_orders_poll, listings_force_resync
    from hub.tests.conftest import remote_order

    t = time.monotonic()
    channels, accounts, variants = _setup(target, n_listings)
    print(f"target={target.name} listings={n_listings}×2 setup_s={time.monotonic() - t:.1f} "
          f"celery_workers={workers} rate_scale={getattr(target, 'rate_scale', 1)}", flush=True)
    pool = Workers(workers)
    meter = CpuMeter(pool)
    nan = float("nan")
    bulk_s = p95 = nan
    imported, import_s, lost_listings, lost_orders, duplicated = 0, 0.0, 0, 0, 0
    try:
        # 1. bulk: every SKU's price and quantity to both marketplaces
        if "bulk" in parts:
            cpu = meter.sample()
            t0 = time.monotonic()
            listings_force_resync(Listing.objects.all())
            _wait(lambda: not _outbox_busy(), timeout=1800, step=0.1)
            bulk_s = time.monotonic() - t0
            print(f"bulk: {bulk_s:.2f}s, {_mismatches(target, accounts)} SKUs not matching; "
                  f"{meter.text(cpu, meter.sample())}", flush=True)

        # 2. propagation: storefront order commit → both marketplaces hold the new quantity
        if "propagation" in parts:
            cpu = meter.sample()
            samples = []
            for _ in range(n_samples):
                variant = variants[rng.randrange(len(variants))]
                order_create(OrderInput(channel=channels["web"], currency="USD",
                                        lines=[OrderLineInput(sku=variant.sku, quantity=1)]))
                t0 = time.monotonic()
                want = variant_availability([variant.pk], channels["amazon"])[variant.pk]
                ok = _wait(lambda v=variant, q=want: all(
                    target.held_quantity(m, v.sku) == q for m in accounts), timeout=60)
                samples.append(time.monotonic() - t0 if ok else float("inf"))
                time.sleep(rng.uniform(0.05, 0.25))  # orders arrive apart, not in lockstep
            samples.sort()
            p95 = samples[max(0, int(round(0.95 * len(samples))) - 1)]
            print(f"propagation: median {statistics.median(samples):.3f}s p95 {p95:.3f}s; "
                  f"{meter.text(cpu, meter.sample())}", flush=True)

        # 3. import: a backlog of orders on the Amazon-like marketplace
        if "import" in parts:
            now = clock.now()
            backlog = [remote_order(f"BENCH-ORD-{i:05d}",
                                    [(variants[rng.randrange(len(variants))].sku, 1)],
                                    updated_at=now - timedelta(seconds=n_orders - i),
                                    site=target.sites["amazon"])
                       for i in range(n_orders)]
            target.seed_orders("amazon", backlog)
            amazon = accounts["amazon"]
            cpu = meter.sample()
            t0 = time.monotonic()
            account_orders_poll(amazon)  # stores the window, fans out, processes here too
            _wait(lambda: Order.objects.filter(channel=channels["amazon"]).count() >= n_orders,
                  timeout=1800, step=0.05)
            import_s = time.monotonic() - t0
            imported = Order.objects.filter(channel=channels["amazon"]).count()
            print(f"import: {imported} orders in {import_s:.2f}s; "
                  f"{meter.text(cpu, meter.sample())}", flush=True)
            amazon.refresh_from_db()
            account_orders_poll(amazon)  # an overlapping second window: nothing new

        # 4. settle, then count what is wrong
        _wait(lambda: not _outbox_busy(), timeout=1800, step=0.1)
        time.sleep(1)
        _wait(lambda: not _outbox_busy(), timeout=600, step=0.1)
        # without the bulk push the marketplaces never held every SKU's quantity
        lost_listings = _mismatches(target, accounts) if "bulk" in parts else 0
        if "import" in parts:
            external = list(Order.objects.filter(channel=channels["amazon"])
                            .values_list("external_id", flat=True))
            lost_orders = len({o.external_id for o in backlog} - set(external))
            duplicated = len(external) - len(set(external))
        print(f"settled: {lost_listings} SKUs off, {lost_orders} orders missing, "
              f"429s answered by the marketplaces: {target.throttled()}", flush=True)
    finally:
        pool.close()
        target.close()
    return (f"propagation_p95_s={p95:.3f} bulk_10k_s={bulk_s:.2f} "
            f"import_orders_per_s={imported / import_s if import_s else 0:.1f} "
            f"lost={lost_listings + lost_orders} duplicated={duplicated}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Hub sync benchmark")
    parser.add_argument("--target", choices=sorted(TARGETS), default="sandbox")
    parser.add_argument("--rate-scale", type=float, default=100.0,
                        help="sandbox target: documented marketplace rates × this")
    parser.add_argument("--listings", type=int, default=10_000)
    parser.add_argument("--orders", type=int, default=2_000)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--only", action="append", choices=PARTS,
                        help="run only this part (repeatable); default: all of them")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args(argv)
    _prepare_database()
    try:
        line = run(args.target, args.listings, args.orders, args.samples, args.workers,
                   args.rate_scale, tuple(args.only or PARTS))
    finally:
        if not args.keep_db:
            _drop_database()
    print(line, flush=True)


if __name__ == "__main__":
    main()
