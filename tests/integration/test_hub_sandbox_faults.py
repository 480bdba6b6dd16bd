"""The issue's "must show" against the real sandboxes: a real Celery worker pushing to
both marketplaces; 20 % 429/500 with a worker killed by SIGKILL mid-batch; and the last
units sold at once from the storefront, Amazon and eBay.

These tests commit for real: another process (the Celery worker, the killed worker)
and several threads must see the same rows.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection, connections
from django.utils import timezone

from commerce.inventory.errors import InsufficientStock
from commerce.inventory.models import Stock
from commerce.orders.models import Order, OrderStatus
from commerce.orders.services import OrderInput, OrderLineInput, order_create
from commerce.tests.factories import VariantFactory, VariantListingFactory
from hub.models import (
    ImportStatus,
    Listing,
    MarketplaceAccount,
    OrderImport,
    OutboxEntry,
    OutboxKind,
    OutboxStatus,
)
from hub.selectors import listing_desired_offers, listings_for_sync
from hub.services import account_orders_poll, listing_create, orders_process, sync_drain
from hub.tests.conftest import receive
from tests.integration.marketplaces import eventually, marketplace_channel, sandbox_account

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture
def accounts(sandboxes, warehouses):
    return {
        "amazon": sandbox_account(marketplace_channel("amazon-us", warehouses[:2]),
                                  sandboxes.amazon),
        "ebay": sandbox_account(marketplace_channel("ebay-us", warehouses[:2]), sandboxes.ebay),
    }


def publish(accounts, variant, price: Decimal) -> None:  # noqa: ANN001
    for account in accounts.values():
        VariantListingFactory(variant=variant, channel=account.channel, price_amount=price)
        listing_create(account, variant, publish=True, category_id="15687",
                       product_type="PRODUCT")


def expected_offers(account) -> dict[str, tuple[int, Decimal]]:  # noqa: ANN001
    listings = list(listings_for_sync(Listing.objects.filter(account=account)
                                      .values_list("pk", flat=True)))
    desired = listing_desired_offers(listings)
    return {lst.sku: (desired[lst.pk].quantity, desired[lst.pk].price) for lst in listings}


def busy() -> bool:
    return OutboxEntry.objects.filter(status__in=[OutboxStatus.PENDING,
                                                  OutboxStatus.IN_FLIGHT]).exists()


# --------------------------------------------------------------------------- a real worker


def test_a_real_celery_worker_pushes_a_storefront_sale_to_both_sandboxes(
        celery_worker_process, sandboxes, accounts, warehouses, channel, settings):
    settings.HUB_SYNC_AUTODRAIN = True  # the production path: drain tasks queued on commit
    variant = VariantFactory(sku="LAMP-1")
    receive(variant, warehouses[0], 9)
    VariantListingFactory(variant=variant, channel=channel, price_amount=Decimal("30.00"))
    publish(accounts, variant, Decimal("30.00"))
    log = celery_worker_process.log
    assert eventually(lambda: all(s.held("LAMP-1") == (9, Decimal("30.00"))
                                  for s in sandboxes), timeout=60), "".join(log[-40:])

    # a storefront order commits: the worker pushes the new quantity to both marketplaces
    order_create(OrderInput(channel=channel, currency="USD",
                            lines=[OrderLineInput(sku="LAMP-1", quantity=4)]))
    assert eventually(lambda: all(s.held("LAMP-1")[0] == 5 for s in sandboxes),
                      timeout=60), "".join(log[-40:])
    assert eventually(lambda: not busy(), timeout=30)


# --------------------------------------------------------------------------- faults + SIGKILL

CHILD = textwrap.dedent("""
    import os, signal, sys
    import django
    django.setup()
    from django.conf import settings
    settings.HUB_SYNC_AUTODRAIN = False
    settings.HUB_SYNC_LEASE_SECONDS = 1.0  # the test waits for the dead worker's lease
    mode, account_id, kill_at = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    if mode == "drain":
        from connectors.amazon.connector import AmazonConnector
        from connectors.ebay.connector import EbayConnector
        calls = []
        def dying(real):
            def update_offers(self, updates):
                result = real(self, updates)  # the marketplace has the batch ...
                calls.append(len(updates))
                if len(calls) >= kill_at:
                    os.kill(os.getpid(), signal.SIGKILL)  # ... the hub never records it
                return result
            return update_offers
        AmazonConnector.update_offers = dying(AmazonConnector.update_offers)
        EbayConnector.update_offers = dying(EbayConnector.update_offers)
        from hub.services import sync_drain
        sync_drain(account_id)
    else:
        from hub import hooks
        real, seen = hooks.order_routing_hook(), []
        def dying_import(account, remote, data):
            order = real(account, remote, data)
            seen.append(order)
            if len(seen) >= kill_at:
                os.kill(os.getpid(), signal.SIGKILL)  # inside the import's transaction
            return order
        hooks.set_order_routing_hook(dying_import)
        from hub.models import MarketplaceAccount
        from hub.services import account_orders_poll
        for _ in range(50):  # 20 % faults: poll until the window is stored and processed
            account_orders_poll(MarketplaceAccount.objects.get(pk=account_id))
    sys.exit(3)  # never reached: the worker is killed first
""")


def run_killed_worker(*args: str) -> None:
    env = {**os.environ, "DJANGO_ENV": "test", "DJANGO_SETTINGS_MODULE": "config.settings",
           "OMNIPORT_DB_NAME": connection.settings_dict["NAME"], "PYTHONPATH": str(BASE_DIR)}
    proc = subprocess.run([sys.executable, "-c", CHILD, *args], cwd=BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == -9, proc.stderr[-3000:]  # died by SIGKILL, as intended


def test_faults_and_a_killed_worker_lose_and_duplicate_nothing_on_the_sandboxes(
        sandboxes, accounts, warehouses, settings):
    settings.HUB_SYNC_MAX_ATTEMPTS = 40  # 20 % faults: give up only on real trouble
    variants = []
    for i in range(12):
        variant = VariantFactory(sku=f"FT-{i:03d}")
        receive(variant, warehouses[i % 2], 30)
        publish(accounts, variant, Decimal(10 + i))
        variants.append(variant)
    for sandbox in sandboxes:
        sandbox.app.faults.set_error_rate(0.2, (429, 500), seed=7)

    def settle(after=None, rounds: int = 200) -> None:  # noqa: ANN001
        """Poll and drain until a complete poll window started after ``after`` and the
        outbox and the import backlog are empty (faults make single rounds fail)."""
        for _ in range(rounds):
            for account in accounts.values():
                account.refresh_from_db()
                account_orders_poll(account)
            sync_drain()
            polled = after is None or all(
                a.orders_cursor and a.orders_cursor > after
                for a in MarketplaceAccount.objects.all())
            if polled and not busy() \
                    and not OrderImport.objects.filter(needs_processing=True).exists():
                return
            time.sleep(0.1)
        raise AssertionError("the hub did not settle")

    settle()

    # Stock moves while orders arrive on both marketplaces.
    orders_placed = timezone.now()
    for n, variant in enumerate(variants):
        receive(variant, warehouses[0], 1 + n % 4)
    amazon_ids = [sandboxes.amazon.app.create_order(
        [{"sku": f"FT-{n % 12:03d}", "quantity": 1 + n % 2, "price": f"{10 + n % 12}.00"}]
    )["AmazonOrderId"] for n in range(10)]
    ebay_ids = [sandboxes.ebay.app.create_order(
        [{"sku": f"FT-{(n * 5) % 12:03d}", "quantity": 1, "price": f"{10 + (n * 5) % 12}.00"}]
    )["orderId"] for n in range(8)]

    # A worker importing Amazon orders is killed in the middle of its 4th import.
    run_killed_worker("poll", str(accounts["amazon"].pk), "4")
    assert Order.objects.filter(external_id__in=amazon_ids).count() == 3  # the 4th rolled back

    # Another worker draining eBay is killed right after its first batch reached eBay.
    run_killed_worker("drain", str(accounts["ebay"].pk), "1")
    assert OutboxEntry.objects.filter(status=OutboxStatus.IN_FLIGHT).exists()  # its lease

    time.sleep(1.1)  # the dead worker's lease runs out
    settle(after=orders_placed)

    for sandbox in sandboxes:
        sandbox.app.faults.clear()
    for name, account in accounts.items():
        sandbox = getattr(sandboxes, name)
        for sku, (quantity, price) in expected_offers(account).items():
            assert sandbox.held(sku) == (quantity, price), (name, sku)
    assert not OutboxEntry.objects.filter(status=OutboxStatus.DEAD).exists()
    for ids in (amazon_ids, ebay_ids):
        imported = list(Order.objects.filter(external_id__in=ids)
                        .values_list("external_id", flat=True))
        assert sorted(imported) == sorted(ids)  # none lost, none duplicated
    assert OrderImport.objects.filter(status=ImportStatus.IMPORTED).count() == 18
    for stock in Stock.objects.all():
        assert stock.quantity >= stock.quantity_allocated + stock.quantity_reserved >= 0


# --------------------------------------------------------------------------- last units


def test_last_units_sold_at_once_on_storefront_amazon_and_ebay_never_oversell(
        sandboxes, accounts, warehouses, channel):
    variant = VariantFactory(sku="LAST-1")
    VariantListingFactory(variant=variant, channel=channel, price_amount=Decimal(20))
    receive(variant, warehouses[0], 3)
    publish(accounts, variant, Decimal(20))
    sync_drain()
    # three buyers on each marketplace, all polled before anyone is processed
    for _n in range(3):
        sandboxes.amazon.app.create_order([{"sku": "LAST-1", "quantity": 1, "price": "20.00"}])
        sandboxes.ebay.app.create_order([{"sku": "LAST-1", "quantity": 1, "price": "20.00"}])
    for account in accounts.values():
        account_orders_poll(account, process=False)
    assert OrderImport.objects.filter(needs_processing=True).count() == 6

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

    def marketplace(name: str) -> None:
        try:
            barrier.wait()
            report = orders_process(accounts[name].pk, limit=1)
            result = "imported" if report.imported else "oversold" if report.oversold else "?"
        finally:
            connections.close_all()
        with lock:
            outcomes.append((name, result))

    threads = [threading.Thread(target=storefront, args=(n,)) for n in range(3)]
    threads += [threading.Thread(target=marketplace, args=(name,)) for name in accounts
                for _n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    stock = Stock.objects.get(variant=variant, warehouse=warehouses[0])
    assert stock.quantity == 3 and stock.quantity_allocated == 3  # exactly the available units
    assert len(outcomes) == 9
    assert len([o for o in outcomes if o[1] in ("allocated", "imported")]) == 3
    losers = [o for o in outcomes if o[0] != "web" and o[1] == "oversold"]
    oversold = Order.objects.filter(is_oversold=True)
    assert oversold.count() == len(losers)
    assert all(o.status == OrderStatus.CANCELED for o in oversold)
    # the oversold marketplace orders are canceled on the marketplace (out of stock)
    assert OutboxEntry.objects.filter(kind=OutboxKind.ORDER_CANCEL).count() == len(losers)
    for _ in range(30):
        sync_drain()
        if not busy():
            break
        time.sleep(0.1)
    for order in oversold:
        if order.channel_id == accounts["ebay"].channel_id:
            assert sandboxes.ebay.app.orders[order.external_id]["cancelStatus"]["cancelState"] \
                in ("CANCELED", "CANCEL_REQUESTED")
        else:
            assert sandboxes.amazon.app.orders[order.external_id]["order"]["OrderStatus"] \
                == "Canceled"
    assert not OutboxEntry.objects.filter(status__in=[OutboxStatus.DEAD,
                                                      OutboxStatus.FAILED]).exists()
