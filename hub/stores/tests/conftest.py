from __future__ import annotations

import pytest

from hub.stores.routing import invalidate_routing_table
from hub.stores.tests import fake_payments
from hub.stores.tests.utils import build_market


@pytest.fixture(autouse=True)
def _payments(settings):
    settings.STORES_PAYMENT_BACKEND = "hub.stores.tests.fake_payments"
    settings.STORES_ROUTING_REFRESH_SECONDS = 0  # tests change rules and warehouses between calls
    fake_payments.reset()
    invalidate_routing_table()
    yield fake_payments
    invalidate_routing_table()


@pytest.fixture
def payments():
    return fake_payments


@pytest.fixture
def market(db):
    return build_market()
