"""The hub side of "Must show": recovery from faults and a killed worker, and no
oversell across channels under concurrency.

These tests commit for real (transactional), because another process (the worker
that gets killed) and several threads must see the same rows.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection, connections

from commerce.channel.models import ChannelKind
from commerce.inventory.errors import InsufficientStock
from commerce.inventory.models import Stock
from commerce.orders.models import Order, OrderStatus
from commerce.orders.services import OrderInput, OrderLineInput, order_create
from commerce.tests.factories import ChannelFactory, VariantFactory, VariantListingFactory
from hub import clock
from hub.models import (
    ImportStatus,
    Listing,
    MarketplaceAccount,
    OrderImport,
    OutboxEntry,
    OutboxStatus,
)
from hub.selectors import listing_desired_offers, listings_for_sync
from hub.services import account_orders_poll, listing_create, order_import_remote, sync_drain
from hub.tests import fakes
from hub.tests.conftest import receive, remote_order

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

BASE_DIR = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent("""
    import os, signal, sys
    import django
    django.setup()
    from django.conf import settings
    settings.HUB_CONNECTORS = {"fake": "hub.tests.fakes.FakeConnector"}
    settings.HUB_SYNC_AUTODRAIN = False
    from datetime import timedelta
    from django.utils import timezone
    from hub import clock
    offset = timedelta(seconds=float(os.environ["HUB_TEST_CLOCK_OFFSET"]))
    clock.now = lambda: timezone.now() + offset  # the same moved clock as the test
    from hub.tests import fakes
    mode, site, journal, account_id, kill_at = sys.argv[1:6]
    market = fakes.install(fakes.FakeMarketplace(site=site, bulk_limit=int(sys.argv[6]),
                                                 journal_path=journal))
    if mode == "drain":
        market.kill_on_call = int(kill_at)
        from hub.services import sync_drain
        sync_drain(int(account_id))
    else:
        import pickle
        with open(sys.argv[7], "rb") as fh:
            market.orders = pickle.load(fh)
        market.page_size = 10
        from hub import hooks
        real, seen = hooks.order_routing_hook(), []
        def dying(account, remote, data):
            order = real(account, remote, data)
            seen.append(order)
            if len(seen) >= int(kill_at):
                os.kill(os.getpid(), signal.SIGKILL)  # inside the import's transaction
            return order
        hooks.set_order_routing_hook(dying)
        from hub.services import account_orders_poll
        from hub.models import MarketplaceAccount
        account_orders_poll(MarketplaceAccount.objects.get(pk=int(account_id)))
    sys.exit(3)  # never reached: the worker is killed first
""")


def run_child(clock_offset: float, *args: str) -> int:
    env = {**os.environ, "DJANGO_ENV": "test", "DJANGO_SETTINGS_MODULE": "config.settings",
           "OMNIPORT_DB_NAME": connection.settings_dict["NAME"], "PYTHONPATH": str(BASE_DIR),
           "HUB_TEST_CLOCK_OFFSET": str(clock_offset)}
    proc = subprocess.run([sys.executable, "-c", CHILD, *args], cwd=BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == -9, proc.stderr[-3000:]  # died by SIGKILL, as intended
    return proc.returncode


def expected_offers(account: MarketplaceAccount) -> dict[str, tuple[int, Decimal]]:
    listings = list(listings_for_sync(Listing.objects.filter(account=account)
                                      .values_list("pk", flat=True)))
    desired = listing_desired_offers(listings)
    return {lst.sku: (desired[lst.pk].quantity, desired[lst.pk].price) for lst in listings}


def test_faults_and_a_killed_worker_lose_and_duplicate_nothing(warehouses, moving_clock,
                                                               tmp_path, settings):
    settings.HUB_SYNC_MAX_ATTEMPTS = 30  # 20 % faults: give up only on real trouble
    rng = random.Random(11)
    markets, accounts = {}, {}
    for site, bulk in (("FAKE-AMZ", 10), ("FAKE-EBAY", 4)):
        markets[site] = fakes.install(fakes.FakeMarketplace(site=site, bulk_limit=bulk,
                                                            page_size=10))
        channel = ChannelFactory(slug=site.lower(), kind=ChannelKind.MARKETPLACE,
                                 currency_code="USD", warehouses=warehouses[:2])
        accounts[site] = MarketplaceAccount.objects.create(channel=channel, connector="fake",
                                                           site=site)
    variants = []
    for i in range(24):
        variant = VariantFactory(sku=f"FT-{i:03d}")
        receive(variant, warehouses[i % 2], 40)
        for account in accounts.values():
            VariantListingFactory(variant=variant, channel=account.channel,
                                  price_amount=Decimal(10 + i))
            listing_create(account, variant, publish=True)
        variants.append(variant)

    def settle(rounds: int = 80) -> None:
        for _ in range(rounds):
            moving_clock.advance(700)  # past leases and backoffs
            for account in accounts.values():
                account_orders_poll(account)
            sync_drain()
            busy = OutboxEntry.objects.filter(status__in=[OutboxStatus.PENDING,
                                                          OutboxStatus.IN_FLIGHT]).exists()
            polled = all(a.orders_cursor for a in MarketplaceAccount.objects.all())
            if not busy and polled:
                return
        raise AssertionError("the hub did not settle")

    for market in markets.values():
        market.fault_rate = 0.2
    settle()

    # Stock moves while orders arrive on both marketplaces.
    for variant in variants:
        receive(variant, warehouses[0], rng.randint(1, 5))
    now = clock.now()  # the test's moved clock, which the polling cursor follows
    amazon_orders = {}
    for n in range(30):
        order = remote_order(f"AMZ-{n:03d}", [(f"FT-{rng.randrange(24):03d}", rng.randint(1, 2))],
                             site="FAKE-AMZ", updated_at=now)
        amazon_orders[order.external_id] = order
    for n in range(20):
        markets["FAKE-EBAY"].add_order(
            remote_order(f"EBAY-{n:03d}", [(f"FT-{rng.randrange(24):03d}", 1)], site="FAKE-EBAY",
                         updated_at=now))

    # A worker imports Amazon orders and is killed in the middle of the 7th import.
    import pickle

    orders_file = tmp_path / "orders.pickle"
    orders_file.write_bytes(pickle.dumps(amazon_orders))
    run_child(moving_clock.offset.total_seconds(), "poll", "FAKE-AMZ",
              str(tmp_path / "amz-poll.jsonl"), str(accounts["FAKE-AMZ"].pk), "7", "10",
              str(orders_file))
    stored = OrderImport.objects.filter(account=accounts["FAKE-AMZ"])
    assert stored.count() == 30  # the whole window was stored before processing began
    assert Order.objects.filter(external_id__startswith="AMZ-").count() == 6  # the 7th rolled back
    assert stored.filter(needs_processing=True).count() == 24
    markets["FAKE-AMZ"].orders.update(amazon_orders)

    # Another worker drains Amazon's outbox and is killed in the middle of its 2nd batch.
    journal = tmp_path / "amz-drain.jsonl"
    run_child(moving_clock.offset.total_seconds(), "drain", "FAKE-AMZ", str(journal),
              str(accounts["FAKE-AMZ"].pk), "2", "10")
    stuck = OutboxEntry.objects.filter(status=OutboxStatus.IN_FLIGHT).count()
    assert stuck > 0  # the killed worker's lease still holds its rows
    # What reached the marketplace before the kill (its first batch) stays there.
    assert markets["FAKE-AMZ"].replay(str(journal)) > 0

    settle()

    for site, account in accounts.items():
        market = markets[site]
        for sku, (quantity, price) in expected_offers(account).items():
            offer = market.offers[sku]
            assert (offer.quantity, offer.price) == (quantity, price), (site, sku)
    assert not OutboxEntry.objects.filter(status=OutboxStatus.DEAD).exists()
    for prefix, count in (("AMZ-", 30), ("EBAY-", 20)):
        ids = list(Order.objects.filter(external_id__startswith=prefix)
                   .values_list("external_id", flat=True))
        assert len(ids) == count and len(set(ids)) == count  # none lost, none duplicated
    assert OrderImport.objects.filter(status=ImportStatus.IMPORTED).count() == 50
    for stock in Stock.objects.all():
        assert stock.quantity >= stock.quantity_allocated + stock.quantity_reserved >= 0


def test_concurrent_last_units_from_storefront_amazon_and_ebay_never_oversell(
        warehouses, channel):
    variant = VariantFactory(sku="LAST-1")
    VariantListingFactory(variant=variant, channel=channel, price_amount=Decimal(20))
    receive(variant, warehouses[0], 3)
    accounts = []
    for site in ("FAKE-AMZ", "FAKE-EBAY"):
        fakes.install(fakes.FakeMarketplace(site=site))
        mp = ChannelFactory(slug=site.lower(), kind=ChannelKind.MARKETPLACE, currency_code="USD",
                            warehouses=warehouses[:1])
        accounts.append(MarketplaceAccount.objects.create(channel=mp, connector="fake", site=site))

    barrier = threading.Barrier(9)
    outcomes: list[tuple[str, str]] = []
    lock = threading.Lock()

    def storefront(n: int) -> None:
        try:
            barrier.wait()
            order_create(OrderInput(channel=channel, currency="USD", external_id=f"WEB-{n}",
                                    lines=[OrderLineInput(sku="LAST-1", quantity=1)]))
            result = "allocated"
        except InsufficientStock:
            result = "refused"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(("web", result))

    def marketplace(account: MarketplaceAccount, n: int) -> None:
        try:
            barrier.wait()
            _record, outcome = order_import_remote(account, remote_order(
                f"{account.site}-{n}", [("LAST-1", 1)]))
        finally:
            connections.close_all()
        with lock:
            outcomes.append((account.site, outcome))

    threads = [threading.Thread(target=storefront, args=(n,)) for n in range(3)]
    threads += [threading.Thread(target=marketplace, args=(a, n)) for a in accounts
                for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    stock = Stock.objects.get(variant=variant, warehouse=warehouses[0])
    assert stock.quantity == 3 and stock.quantity_allocated == 3  # exactly the available units
    won = [o for o in outcomes if o[1] in ("allocated", "imported")]
    assert len(won) == 3 and len(outcomes) == 9
    oversold = Order.objects.filter(is_oversold=True)
    marketplace_losers = [o for o in outcomes if o[0] != "web" and o[1] == "oversold"]
    assert oversold.count() == len(marketplace_losers)
    assert all(o.status == OrderStatus.CANCELED for o in oversold)
    assert not Order.objects.filter(is_oversold=False, status=OrderStatus.UNFULFILLED).exclude(
        lines__allocations__isnull=False).exists()
    assert django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
