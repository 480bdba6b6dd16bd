"""Fixtures for the commerce core: a channel served by three warehouses, a variant."""

from __future__ import annotations

from decimal import Decimal

import pytest

from commerce.channel.models import AllocationStrategy
from commerce.tests.factories import (
    ChannelFactory,
    ProductListingFactory,
    VariantFactory,
    VariantListingFactory,
    WarehouseFactory,
)


@pytest.fixture
def warehouses(db):
    return [
        WarehouseFactory(slug="cn-central", name="Shenzhen central", country="CN"),
        WarehouseFactory(slug="us-3pl", name="US 3PL", country="US", kind="overseas"),
        WarehouseFactory(slug="store-berlin", name="Berlin store", country="DE", kind="store"),
    ]


@pytest.fixture
def channel(warehouses):
    return ChannelFactory(
        slug="us",
        name="US",
        currency_code="USD",
        warehouses=warehouses,
        allocation_strategy=AllocationStrategy.PRIORITIZE_SORTING_ORDER,
    )


@pytest.fixture
def variant(channel):
    v = VariantFactory(sku="TEE-BLK-M")
    VariantListingFactory(variant=v, channel=channel, price_amount=Decimal("19.99"))
    ProductListingFactory(product=v.product, channel=channel)
    return v


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real Celery worker in another process, on the test database and queue."""
    from commerce.tests.worker import celery_worker

    with django_db_blocker.unblock(), celery_worker() as proc:
        yield proc
