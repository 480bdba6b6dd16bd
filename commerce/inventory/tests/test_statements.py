"""The stock services' hot paths run a few fixed SQL statements, prepared once per connection.

These tests pin what that must not cost: the statement count, the ledger's content, the
query log, and what happens to the prepared statements after a rollback.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from commerce.inventory import services
from commerce.inventory.errors import InsufficientStock
from commerce.inventory.models import Allocation, MovementReason, Stock, StockMovement
from commerce.orders.models import Order, OrderLine
from commerce.tests.factories import UserFactory, VariantFactory, VariantListingFactory

pytestmark = pytest.mark.django_db


def _balanced(stock: Stock) -> bool:
    stock.refresh_from_db()
    return services.ledger_totals(stock) == {
        "quantity": stock.quantity,
        "allocated": stock.quantity_allocated,
        "reserved": stock.quantity_reserved,
    }


def _order_lines(channel, *variant_quantities) -> list[OrderLine]:
    order = Order.objects.create(channel=channel, currency="USD", number=Order.objects.count() + 1)
    return [
        OrderLine.objects.create(
            order=order,
            variant=v,
            product_name="Tee",
            product_sku=v.sku,
            quantity=qty,
            currency="USD",
            unit_price_net_amount=Decimal(1),
            unit_price_gross_amount=Decimal(1),
            total_price_net_amount=Decimal(qty),
            total_price_gross_amount=Decimal(qty),
        )
        for v, qty in variant_quantities
    ]


@pytest.fixture
def two_variants(channel, warehouses, variant):
    other = VariantFactory(sku="TEE-WHT-M")
    VariantListingFactory(variant=other, channel=channel, price_amount=Decimal("19.99"))
    for v in (variant, other):
        for wh in warehouses[:2]:
            services.stock_adjust(v, wh, delta=3, reason=MovementReason.RECEIPT)
    return variant, other


def test_allocate_and_deallocate_take_a_fixed_number_of_statements(channel, two_variants):
    lines = _order_lines(channel, (two_variants[0], 4), (two_variants[1], 1))
    with CaptureQueriesContext(connection) as allocating:
        services.stock_allocate(lines, channel)
    # savepoint, lock, counters + ledger + allocations, the hub's listener, release
    assert len(allocating.captured_queries) <= 5, allocating.captured_queries
    with CaptureQueriesContext(connection) as releasing:
        assert services.stock_deallocate(lines) == 5
    # savepoint, lock, delete allocations, counters + ledger, the hub's listener, release
    assert len(releasing.captured_queries) <= 6, releasing.captured_queries
    for stock in Stock.objects.all():
        assert stock.quantity_allocated == 0 and _balanced(stock)


def test_one_flush_sums_several_movements_of_one_stock_row(channel, two_variants):
    variant = two_variants[0]
    lines = _order_lines(channel, (variant, 2), (variant, 3))  # the same variant twice
    services.stock_allocate(lines, channel)
    first, second = Stock.objects.filter(variant=variant).order_by("pk")
    assert (first.quantity_allocated, second.quantity_allocated) == (3, 2)
    assert sorted(Allocation.objects.values_list("quantity_allocated", flat=True)) == [1, 2, 2]
    assert _balanced(first) and _balanced(second)
    moves = StockMovement.objects.filter(reason=MovementReason.ALLOCATION).order_by("pk")
    assert [m.allocated_delta for m in moves] == [2, 1, 2]
    assert all(m.reference == f"order:{lines[0].order_id}" for m in moves)


def test_allocating_a_line_again_adds_to_what_it_holds(channel, two_variants):
    (line,) = _order_lines(channel, (two_variants[0], 1))
    services.stock_allocate([line], channel)
    services.stock_allocate([line], channel)
    assert Allocation.objects.get(order_line=line).quantity_allocated == 2


def test_the_ledger_keeps_any_text_and_the_user(warehouses, variant):
    clerk = UserFactory(email="clerk@example.com")
    note = "Wareneingang «PO-7» \\ 'quoted' \"twice\" 入荷 ✓"
    stock = services.stock_adjust(
        variant, warehouses[0], delta=4, reason=MovementReason.RECEIPT,
        reference="po:7'; DROP TABLE x; --", note=note, user=clerk,
    )  # fmt: skip
    move = StockMovement.objects.get(stock=stock)
    assert (move.note, move.reference, move.user_id) == (note, "po:7'; DROP TABLE x; --", clerk.pk)
    assert (move.quantity_delta, move.quantity_after) == (4, 4)
    assert move.created_at is not None and move.created_at.utcoffset().total_seconds() == 0
    assert _balanced(stock)


def test_hot_statements_are_prepared_and_still_logged(channel, two_variants):
    (line,) = _order_lines(channel, (two_variants[0], 1))
    with CaptureQueriesContext(connection) as ctx:
        services.stock_allocate([line], channel)
    logged = [q["sql"] for q in ctx.captured_queries]
    assert all(isinstance(sql, str) and sql for sql in logged)
    assert any("json_to_recordset" in sql for sql in logged)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any("FOR UPDATE OF s" in sql for sql in prepared)
    assert any("json_to_recordset" in sql for sql in prepared)


def test_a_rollback_does_not_break_the_prepared_statements(channel, two_variants):
    variant = two_variants[0]
    (line,) = _order_lines(channel, (variant, 1))
    services.stock_allocate([line], channel)
    (too_many,) = _order_lines(channel, (variant, 50))
    with pytest.raises(InsufficientStock):
        services.stock_allocate([too_many], channel)  # rolls back to its savepoint
    services.stock_deallocate([line])
    services.stock_allocate([line], channel)
    assert (
        sum(Stock.objects.filter(variant=variant).values_list("quantity_allocated", flat=True)) == 1
    )
    for stock in Stock.objects.filter(variant=variant):
        assert _balanced(stock)


def test_the_database_still_refuses_a_negative_counter(warehouses, variant):
    stock = services.stock_adjust(variant, warehouses[0], delta=1, reason=MovementReason.RECEIPT)
    movements: list = []
    services._record(movements, stock, MovementReason.DEALLOCATION, allocated=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        services._flush(movements)
    assert _balanced(stock)
