from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from commerce.channel.models import AllocationStrategy
from commerce.inventory import services
from commerce.inventory.errors import InsufficientStock, InventoryError
from commerce.inventory.models import Reservation, Stock
from commerce.inventory.selectors import variant_availability
from commerce.inventory.services import StockRequest
from commerce.orders.services import OrderInput, OrderLineInput, order_cancel, order_create
from commerce.tests.factories import StockFactory

pytestmark = pytest.mark.django_db


def _balanced(stock: Stock) -> bool:
    stock.refresh_from_db()
    totals = services.ledger_totals(stock)
    return totals == {
        "quantity": stock.quantity,
        "allocated": stock.quantity_allocated,
        "reserved": stock.quantity_reserved,
    }


def _receive(variant, warehouse, qty):
    return services.stock_adjust(variant, warehouse, delta=qty, reason="receipt")


def _order(channel, sku, qty, **kw):
    return order_create(
        OrderInput(
            channel=channel,
            currency="USD",
            email="a@example.com",
            lines=[OrderLineInput(sku=sku, quantity=qty)],
        ),
        **kw,
    )


def test_runs_on_postgresql():
    assert connection.vendor == "postgresql"


def test_allocation_takes_warehouses_in_channel_order(channel, warehouses, variant):
    for wh in warehouses:
        _receive(variant, wh, 3)
    order = _order(channel, variant.sku, 5)
    line = order.lines.get()
    by_wh = {a.stock.warehouse.slug: a.quantity_allocated for a in line.allocations.all()}
    assert by_wh == {"cn-central": 3, "us-3pl": 2}
    assert variant_availability([variant.pk], channel)[variant.pk] == 4


def test_most_stock_first_strategy(channel, warehouses, variant):
    channel.allocation_strategy = AllocationStrategy.PRIORITIZE_HIGH_STOCK
    channel.save()
    _receive(variant, warehouses[0], 1)
    _receive(variant, warehouses[2], 8)
    order = _order(channel, variant.sku, 2)
    (alloc,) = order.lines.get().allocations.all()
    assert alloc.stock.warehouse.slug == "store-berlin"


def test_short_stock_raises_with_the_short_lines_and_writes_nothing(channel, warehouses, variant):
    _receive(variant, warehouses[0], 2)
    with pytest.raises(InsufficientStock) as exc:
        _order(channel, variant.sku, 3)
    assert exc.value.code == "insufficient_stock"
    (short,) = exc.value.items
    assert (short.sku, short.requested, short.available) == (variant.sku, 3, 2)
    from commerce.orders.models import Order

    assert not Order.objects.exists()
    stock = Stock.objects.get(variant=variant, warehouse=warehouses[0])
    assert stock.quantity_allocated == 0 and _balanced(stock)


def test_reservation_holds_stock_then_becomes_the_allocation(channel, warehouses, variant):
    _receive(variant, warehouses[0], 3)
    services.stock_reserve("checkout:abc", [StockRequest(variant.pk, 3, "l1")], channel)
    assert variant_availability([variant.pk], channel)[variant.pk] == 0
    with pytest.raises(InsufficientStock):
        services.stock_reserve("checkout:other", [StockRequest(variant.pk, 1)], channel)
    order = _order(channel, variant.sku, 3, reservation_reference="checkout:abc")
    stock = Stock.objects.get(variant=variant, warehouse=warehouses[0])
    assert (stock.quantity, stock.quantity_allocated, stock.quantity_reserved) == (3, 3, 0)
    assert not Reservation.objects.exists()
    assert order.lines.get().allocations.get().quantity_allocated == 3
    assert _balanced(stock)


def test_expired_reservations_do_not_block_buyers(channel, warehouses, variant):
    _receive(variant, warehouses[0], 1)
    services.stock_reserve("checkout:old", [StockRequest(variant.pk, 1)], channel)
    Reservation.objects.update(reserved_until=timezone.now() - timedelta(seconds=1))
    _order(channel, variant.sku, 1)
    stock = Stock.objects.get(variant=variant, warehouse=warehouses[0])
    assert (stock.quantity_allocated, stock.quantity_reserved) == (1, 0)
    assert _balanced(stock)


def test_sweeper_releases_expired_reservations(channel, warehouses, variant):
    _receive(variant, warehouses[1], 4)
    services.stock_reserve("checkout:x", [StockRequest(variant.pk, 4)], channel)
    Reservation.objects.update(reserved_until=timezone.now() - timedelta(minutes=1))
    assert services.release_expired_reservations() == 4
    assert variant_availability([variant.pk], channel)[variant.pk] == 4


def test_release_gives_everything_back(channel, warehouses, variant):
    _receive(variant, warehouses[0], 5)
    services.stock_reserve("checkout:r", [StockRequest(variant.pk, 2)], channel)
    services.stock_reserve("checkout:r", [StockRequest(variant.pk, 4)], channel)  # replaces
    assert Stock.objects.get(variant=variant, warehouse=warehouses[0]).quantity_reserved == 4
    assert services.stock_release("checkout:r") == 4
    assert variant_availability([variant.pk], channel)[variant.pk] == 5


def test_fulfil_decreases_on_hand_and_allocated(channel, warehouses, variant):
    _receive(variant, warehouses[0], 5)
    order = _order(channel, variant.sku, 2)
    line = order.lines.get()
    services.stock_fulfil(line, 2)
    stock = Stock.objects.get(variant=variant, warehouse=warehouses[0])
    assert (stock.quantity, stock.quantity_allocated) == (3, 0)
    line.refresh_from_db()
    assert line.quantity_fulfilled == 2
    with pytest.raises(InventoryError) as exc:
        services.stock_fulfil(line, 1)
    assert exc.value.code == "invalid_quantity"
    assert _balanced(stock)


def test_cancel_returns_allocated_stock(channel, warehouses, variant):
    _receive(variant, warehouses[0], 2)
    order = _order(channel, variant.sku, 2)
    order_cancel(order)
    assert variant_availability([variant.pk], channel)[variant.pk] == 2


@pytest.mark.parametrize("qty", [0, -1, 1.5, True])
def test_bad_quantities_are_refused(channel, warehouses, variant, qty):
    with pytest.raises(InventoryError) as exc:
        services.stock_reserve("checkout:q", [StockRequest(variant.pk, qty)], channel)
    assert exc.value.code == "invalid_quantity"


def test_adjust_never_goes_negative(warehouses, variant):
    _receive(variant, warehouses[0], 2)
    with pytest.raises(InventoryError) as exc:
        services.stock_adjust(variant, warehouses[0], delta=-3)
    assert exc.value.code == "negative_stock"
    stock = services.stock_adjust(variant, warehouses[0], set_to=7, reason="stocktake")
    assert stock.quantity == 7 and _balanced(stock)


def test_database_refuses_negative_stock_even_if_code_is_bypassed(warehouses, variant):
    StockFactory(variant=variant, warehouse=warehouses[0], quantity=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Stock.objects.filter(variant=variant).update(quantity=-1)


def test_no_split_picks_one_warehouse_that_has_everything(channel, warehouses, variant):
    _receive(variant, warehouses[0], 1)
    _receive(variant, warehouses[1], 1)
    _receive(variant, warehouses[2], 2)
    order = _order(channel, variant.sku, 2, split=False)
    (alloc,) = order.lines.get().allocations.all()
    assert alloc.stock.warehouse.slug == "store-berlin"
