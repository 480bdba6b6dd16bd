"""Token buckets in Redis and how drains are queued."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import transaction

from connectors.base import RateLimit
from hub.connectors import FALLBACK_RATE_LIMIT, rate_limit_for
from hub.models import OutboxEntry, OutboxStatus
from hub.ratelimit import TokenBucket
from hub.services import sync_drain
from hub.tests.conftest import make_listed_variant, receive

pytestmark = pytest.mark.django_db


def test_bucket_allows_the_burst_then_spaces_callers(account):
    bucket = TokenBucket(account.pk, "probe", RateLimit(rate=1.0, burst=3))
    assert [bucket.reserve() for _ in range(3)] == [0.0, 0.0, 0.0]
    fourth = bucket.reserve()
    fifth = bucket.reserve()
    assert 0.5 < fourth <= 1.0 and 1.5 < fifth <= 2.0  # each reserved its own slot


def test_a_wait_longer_than_acceptable_reserves_nothing(account):
    bucket = TokenBucket(account.pk, "probe2", RateLimit(rate=0.1, burst=1))
    assert bucket.reserve() == 0.0
    first = bucket.reserve(max_wait=1)
    second = bucket.reserve(max_wait=1)
    assert first > 1 and second > 1 and second - first < 1  # nothing was taken


def test_a_429_empties_the_bucket_for_every_worker(account):
    bucket = TokenBucket(account.pk, "probe3", RateLimit(rate=100.0, burst=100))
    bucket.hold_empty(5)
    assert TokenBucket(account.pk, "probe3", RateLimit(rate=100.0, burst=100)).reserve() >= 4.9


def test_limits_come_from_the_account_then_the_connector(account):
    from hub.connectors import connector_for

    connector = connector_for(account)
    assert rate_limit_for(account, "update_offers", connector) == RateLimit(10_000.0, 10_000)
    account.rate_limits = {"update_offers": {"rate": 0.5, "burst": 2}}
    assert rate_limit_for(account, "update_offers", connector) == RateLimit(0.5, 2)
    assert rate_limit_for(account, "fetch_orders", None) == FALLBACK_RATE_LIMIT


def test_drain_gives_work_back_instead_of_waiting_past_its_budget(account, warehouses, market,
                                                                  settings):
    listings = [make_listed_variant(account, warehouses, f"SKU-T{i}", qty=1) for i in range(7)]
    account.rate_limits = {"update_offers": {"rate": 0.001, "burst": 1}}
    account.save()
    market.calls.clear()
    for lst in listings:
        receive(lst.variant, warehouses[0], 1)
    report = sync_drain(account.pk, time_budget=5)
    assert len(market.calls_of("update_offers")) == 1  # one token, then a 1000 s wait
    left = OutboxEntry.objects.filter(status=OutboxStatus.PENDING)
    assert left.count() == 2 and all(r.attempts == 0 for r in left)
    assert report.pushed == 5


def test_one_drain_is_queued_per_account_when_the_transaction_commits(
        listing, warehouses, settings, monkeypatch, django_capture_on_commit_callbacks):
    from hub import tasks

    settings.HUB_SYNC_AUTODRAIN = True
    queued: list[int] = []
    monkeypatch.setattr(tasks.sync_drain, "delay", queued.append)
    cache.delete(f"hub:drain-queued:{listing.account_id}")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for _ in range(3):
            receive(listing.variant, warehouses[0], 1)
        assert queued == []  # nothing before the commit
    assert queued == [listing.account_id]
    sync_drain(listing.account_id)  # a started drain lets the next commit queue again
    with django_capture_on_commit_callbacks(execute=True):
        receive(listing.variant, warehouses[0], 1)
    assert queued == [listing.account_id, listing.account_id]


def test_a_rolled_back_change_queues_nothing(listing, warehouses, settings, monkeypatch,
                                             django_capture_on_commit_callbacks):
    from hub import tasks

    settings.HUB_SYNC_AUTODRAIN = True
    queued: list[int] = []
    monkeypatch.setattr(tasks.sync_drain, "delay", queued.append)
    with (django_capture_on_commit_callbacks(execute=True), pytest.raises(ValueError),
          transaction.atomic()):
        receive(listing.variant, warehouses[0], 1)
        raise ValueError
    assert queued == []
