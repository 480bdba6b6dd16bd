"""The hub against the real loopback marketplace sandboxes (HTTP, auth, rate limits).

Stock and price changes travel storefront → outbox → connector → sandbox; orders
travel sandbox → import → allocation; faults are the sandboxes' own (expired and
revoked tokens, 429 with Retry-After, 500).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from commerce.inventory.models import Stock
from commerce.orders.models import Order, OrderStatus
from commerce.orders.services import OrderInput, OrderLineInput, order_create
from commerce.tests.factories import VariantFactory, VariantListingFactory
from hub import tasks
from hub.models import (
    AccountStatus,
    Alert,
    AlertKind,
    ImportStatus,
    Listing,
    ListingStatus,
    OrderImport,
    OutboxEntry,
    OutboxStatus,
)
from hub.services import account_orders_poll, listing_create
from hub.tests.conftest import receive
from tests.integration.marketplaces import marketplace_channel, sandbox_account

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def accounts(sandboxes, warehouses):
    return {
        "amazon": sandbox_account(marketplace_channel("amazon-us", warehouses[:2]),
                                  sandboxes.amazon),
        "ebay": sandbox_account(marketplace_channel("ebay-us", warehouses[:2]), sandboxes.ebay),
    }


def listed(accounts, warehouses, sku: str, qty: int = 10,  # noqa: ANN001, ANN201
           price: Decimal = Decimal("20.00")):
    """A variant with stock and a price on every marketplace channel, published live."""
    variant = VariantFactory(sku=sku)
    if qty:
        receive(variant, warehouses[0], qty)
    for account in accounts.values():
        VariantListingFactory(variant=variant, channel=account.channel, price_amount=price)
        # eBay publishes an offer only with a leaf category (Amazon takes a product type)
        listing_create(account, variant, publish=True, category_id="15687",
                       product_type="PRODUCT")
    return variant


def drain_until_settled(rounds: int = 40) -> None:
    """Run the drain task like the workers do, until nothing is pending or in flight."""
    import time

    for _ in range(rounds):
        tasks.sync_drain()
        if not OutboxEntry.objects.filter(status__in=[OutboxStatus.PENDING,
                                                      OutboxStatus.IN_FLIGHT]).exists():
            return
        time.sleep(0.1)  # backoffs are short in these tests (hub_settings)
    raise AssertionError("the outbox did not drain: " + repr(list(
        OutboxEntry.objects.exclude(status=OutboxStatus.DONE).values("kind", "status",
                                                                     "last_error"))))


def test_storefront_stock_change_reaches_both_sandboxes(sandboxes, accounts, warehouses,
                                                        channel):
    # given a variant published on Amazon and eBay with 10 units
    variant = listed(accounts, warehouses, "MUG-BLUE", qty=10, price=Decimal("12.50"))
    drain_until_settled()
    assert sandboxes.amazon.held("MUG-BLUE") == (10, Decimal("12.50"))
    assert sandboxes.ebay.held("MUG-BLUE") == (10, Decimal("12.50"))

    # when the storefront sells 3 and the warehouse receives 1
    VariantListingFactory(variant=variant, channel=channel, price_amount=Decimal("12.50"))
    order_create(OrderInput(channel=channel, currency="USD",
                            lines=[OrderLineInput(sku="MUG-BLUE", quantity=3)]))
    receive(variant, warehouses[1], 1)
    drain_until_settled()

    # then both marketplaces show the 8 units left
    assert sandboxes.amazon.held("MUG-BLUE") == (8, Decimal("12.50"))
    assert sandboxes.ebay.held("MUG-BLUE") == (8, Decimal("12.50"))
    for listing in Listing.objects.filter(variant=variant):
        assert listing.status == ListingStatus.ACTIVE and listing.pushed_quantity == 8


def _import_both(accounts) -> None:  # noqa: ANN001
    for account in accounts.values():
        account.refresh_from_db()
        account_orders_poll(account)


def test_order_import_is_idempotent_and_cancellation_releases_stock(sandboxes, accounts,
                                                                     warehouses):
    variant = listed(accounts, warehouses, "TEE-RED-M", qty=10)
    drain_until_settled()
    amazon_order = sandboxes.amazon.app.create_order(
        [{"sku": "TEE-RED-M", "quantity": 2, "price": "20.00"}])
    ebay_order = sandboxes.ebay.app.create_order(
        [{"sku": "TEE-RED-M", "quantity": 1, "price": "20.00"}])
    amazon_id, ebay_id = amazon_order["AmazonOrderId"], ebay_order["orderId"]

    # imported twice (two polls over overlapping windows): one order each
    _import_both(accounts)
    _import_both(accounts)
    assert Order.objects.filter(external_id=amazon_id).count() == 1
    assert Order.objects.filter(external_id=ebay_id).count() == 1
    stock = Stock.objects.get(variant=variant, warehouse=warehouses[0])
    assert stock.quantity_allocated == 3
    drain_until_settled()  # the marketplaces learn the new quantity
    assert sandboxes.amazon.held("TEE-RED-M")[0] == 7
    assert sandboxes.ebay.held("TEE-RED-M")[0] == 7

    # the buyers cancel on the marketplaces: the orders cancel here, stock comes back
    sandboxes.amazon.app.cancel(amazon_id)
    sandboxes.ebay.app.cancel(ebay_id)
    _import_both(accounts)
    for external_id in (amazon_id, ebay_id):
        assert Order.objects.get(external_id=external_id).status == OrderStatus.CANCELED
    stock.refresh_from_db()
    assert stock.quantity_allocated == 0
    drain_until_settled()
    assert sandboxes.amazon.held("TEE-RED-M")[0] == 10
    assert sandboxes.ebay.held("TEE-RED-M")[0] == 10


def test_unknown_sku_holds_the_order_with_a_clear_error(sandboxes, accounts, warehouses):
    listed(accounts, warehouses, "TEE-RED-M", qty=5)
    drain_until_settled()
    sandboxes.ebay.app.create_order([{"sku": "NOT-OURS-9", "quantity": 1, "price": "5.00"}])
    sandboxes.amazon.app.create_order([{"sku": "NOT-OURS-9", "quantity": 1, "price": "5.00"}])
    _import_both(accounts)
    held = OrderImport.objects.filter(status=ImportStatus.HELD)
    assert held.count() == 2
    assert all("NOT-OURS-9" in r.error_message for r in held)
    assert not Order.objects.exists()
    assert Alert.objects.filter(kind=AlertKind.ORDER_HELD, is_open=True).count() == 2


def test_expired_tokens_are_refreshed_and_429_500_are_retried(sandboxes, accounts, warehouses,
                                                             channel):
    variant = listed(accounts, warehouses, "CAP-GRN", qty=6)
    drain_until_settled()
    issued = {s.name: s.app.tokens.issued for s in sandboxes}

    # every access token expires, and the next calls answer 429 and 500
    for sandbox in sandboxes:
        sandbox.app.expire_tokens()
    sandboxes.amazon.app.faults.fail_next(429, count=3)
    sandboxes.amazon.app.faults.fail_next(500, count=3)
    sandboxes.ebay.app.faults.fail_next(429, count=3)
    sandboxes.ebay.app.faults.fail_next(500, count=3)
    VariantListingFactory(variant=variant, channel=channel, price_amount=Decimal(20))
    order_create(OrderInput(channel=channel, currency="USD",
                            lines=[OrderLineInput(sku="CAP-GRN", quantity=2)]))
    drain_until_settled()

    for sandbox in sandboxes:
        assert sandbox.held("CAP-GRN")[0] == 4
        assert sandbox.app.tokens.issued > issued[sandbox.name]  # refreshed on the way
        statuses = {e.status for e in sandbox.app.api_exchanges()}
        assert {429, 500} <= statuses  # the faults were answered, and retried past
    for account in accounts.values():
        account.refresh_from_db()
        assert account.status == AccountStatus.ACTIVE
    assert not OutboxEntry.objects.filter(status=OutboxStatus.DEAD).exists()


def test_revoked_token_pauses_the_account_with_an_alert(sandboxes, accounts, warehouses,
                                                        channel):
    variant = listed(accounts, warehouses, "SOCK-5", qty=5)
    drain_until_settled()
    # the seller revokes the app on eBay
    app = sandboxes.ebay.app
    app.revoke(next(iter(app.accounts)))
    VariantListingFactory(variant=variant, channel=channel, price_amount=Decimal(20))
    order_create(OrderInput(channel=channel, currency="USD",
                            lines=[OrderLineInput(sku="SOCK-5", quantity=1)]))
    tasks.sync_drain()

    ebay, amazon = accounts["ebay"], accounts["amazon"]
    ebay.refresh_from_db()
    amazon.refresh_from_db()
    assert ebay.status == AccountStatus.PAUSED and ebay.paused_reason
    assert Alert.objects.filter(kind=AlertKind.AUTH_FAILED, account=ebay, is_open=True).exists()
    # nothing is lost: eBay's change waits in the outbox, Amazon got its change
    assert OutboxEntry.objects.filter(account=ebay, status=OutboxStatus.PENDING).exists()
    assert amazon.status == AccountStatus.ACTIVE
    assert sandboxes.amazon.held("SOCK-5")[0] == 4
    assert sandboxes.ebay.held("SOCK-5")[0] == 5
