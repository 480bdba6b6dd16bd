"""Tasks queued on commit really run in a separate Celery worker process."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from commerce.inventory import services, tasks
from commerce.inventory.models import Reservation, Stock
from commerce.inventory.services import StockRequest
from commerce.tests.worker import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_expired_reservation_is_released_by_a_real_worker(
    celery_worker_process, channel, warehouses, variant
):
    # given a checkout's hold that has expired
    services.stock_adjust(variant, warehouses[0], delta=2, reason="receipt")
    services.stock_reserve("checkout:gone", [StockRequest(variant.pk, 2)], channel)
    Reservation.objects.update(reserved_until=timezone.now() - timedelta(minutes=1))

    # when the sweeper is queued after the transaction commits
    with transaction.atomic():
        transaction.on_commit(lambda: tasks.release_expired_reservations.delay())

    # then the worker frees the units
    assert wait_until(
        lambda: Stock.objects.get(variant=variant, warehouse=warehouses[0]).quantity_reserved == 0
    ), "".join(celery_worker_process.log[-30:])
    assert not Reservation.objects.exists()
