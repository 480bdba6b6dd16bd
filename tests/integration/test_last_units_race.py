"""24 shoppers, each in their own process and connection, race for the last 10 units."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from commerce.core.processes import run_in_processes
from commerce.inventory import services
from commerce.inventory.models import Stock
from commerce.orders.models import Order, OrderLine

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_exactly_ten_of_24_concurrent_buyers_get_the_last_ten_units(channel, warehouses, variant):
    # given 10 units spread over 3 warehouses (4 + 3 + 3)
    for warehouse, qty in zip(warehouses, (4, 3, 3), strict=True):
        services.stock_adjust(variant, warehouse, delta=qty, reason="receipt")

    # when 24 processes try to buy one unit each at the same moment
    results = run_in_processes(
        "commerce.tests.buyers:buy_one",
        [(channel.slug, variant.sku, i) for i in range(24)],
    )

    # then exactly 10 succeed, 14 are told it is sold out, and nothing else happened
    outcomes = [value for status, value in results]
    assert [s for s, _v in results].count("ok") == 24, results
    assert outcomes.count("bought") == 10
    assert outcomes.count("sold-out") == 14
    assert Order.objects.count() == 10
    assert OrderLine.objects.aggregate(q=Sum("quantity"))["q"] == 10

    stocks = list(Stock.objects.filter(variant=variant))
    assert all(s.quantity >= 0 and s.quantity_allocated <= s.quantity for s in stocks)
    assert sum(s.quantity_allocated for s in stocks) == 10
    for stock in stocks:  # the ledger balances for every stock row
        totals = services.ledger_totals(stock)
        assert totals == {
            "quantity": stock.quantity,
            "allocated": stock.quantity_allocated,
            "reserved": stock.quantity_reserved,
        }
