"""The hub's and the storefront's FX tables were merged into commerce.pricing: the data
migrations copy every usable row (the newest entry wins a clash) and drop the old tables."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db

BEFORE = [("storefront", "0001_initial"), ("hub", "0001_initial")]


def rows(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return list(cursor.fetchall())


def tables() -> set[str]:
    return set(connection.introspection.table_names())


def migrate(targets) -> None:  # noqa: ANN001
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())


def test_old_fx_tables_are_merged_into_one_and_dropped():
    # The test's transaction is rolled back afterwards: schema changes included.
    migrate(BEFORE)
    assert {"storefront_fxrate", "hub_fxrate", "storefront_pricerounding"} <= tables()
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO storefront_fxrate (base_currency, quote_currency, rate, date, source,
                                           created_at) VALUES
            ('USD', 'EUR', 0.92, '2025-01-01', 'ECB', '2025-01-01T08:00Z'),
            ('USD', 'JPY', 150, '2025-01-01', 'shop', '2025-01-01T08:00Z'),
            ('USD', 'JPY', 151, '2025-02-01', 'shop', '2025-02-01T08:00Z')""")
        cursor.execute("INSERT INTO storefront_pricerounding (currency, strategy) "
                       "VALUES ('JPY', 'nearest-10')")
        cursor.execute("""
            INSERT INTO hub_fxrate (base_currency, quote_currency, rate, valid_from, created_at)
            VALUES ('USD', 'JPY', 155, '2025-01-01', '2025-01-02T08:00Z'),
                   ('USD', 'JPY', 140, '2025-02-01', '2025-01-20T08:00Z'),
                   ('EUR', 'USD', 1.10, '2025-03-01', '2025-03-01T08:00Z'),
                   ('GBP', 'GBP', 1, '2025-03-01', '2025-03-01T08:00Z')""")

    migrate(None)

    assert not {"storefront_fxrate", "hub_fxrate", "storefront_pricerounding"} & tables()
    assert rows("SELECT base_currency, quote_currency, rate, effective_date, source "
                "FROM pricing_fxrate ORDER BY 1, 2, 4") == [
        ("EUR", "USD", Decimal("1.10000000"), date(2025, 3, 1), ""),
        ("USD", "EUR", Decimal("0.92000000"), date(2025, 1, 1), "ECB"),
        ("USD", "JPY", Decimal("155.00000000"), date(2025, 1, 1), ""),  # the hub's was newer
        ("USD", "JPY", Decimal("151.00000000"), date(2025, 2, 1), "shop"),  # the shop's was
    ]
    assert rows("SELECT currency, strategy FROM pricing_pricerounding") == [
        ("JPY", "nearest-10")]

    migrate(BEFORE)  # reversible: every rate goes back into both old tables
    assert len(rows("SELECT * FROM storefront_fxrate")) == 4
    assert len(rows("SELECT * FROM hub_fxrate")) == 4
    assert rows("SELECT currency, strategy FROM storefront_pricerounding") == [
        ("JPY", "nearest-10")]
    migrate(None)
