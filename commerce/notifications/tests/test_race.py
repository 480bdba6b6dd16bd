"""Two worker PROCESSES (their own database connections) race over the same work."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone

from commerce.core.processes import detach_inherited_connections  # noqa: E402
from commerce.notifications.models import Coupon, MessageLog
from commerce.notifications.services import (
    CouponError,
    coupon_redeem,
    flow_run,
    idempotency_key,
    send_email,
)

from .conftest import make_checkout, make_order, opt_in

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _race(target: Callable[[int], Any], workers: int = 2) -> list[Any]:
    """Run ``target(worker_index)`` in forked processes released at the same instant."""
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(workers)
    results = ctx.Queue()

    def run(index: int) -> None:
        detach_inherited_connections()
        try:
            barrier.wait(timeout=60)
            results.put(("ok", target(index)))
        except BaseException as exc:  # report, don't hang the parent
            results.put(("error", f"{type(exc).__name__}: {exc}"))
        finally:
            connections.close_all()

    connections.close_all()  # each child opens its own connection
    procs = [ctx.Process(target=run, args=(i,)) for i in range(workers)]
    for proc in procs:
        proc.start()
    outcomes = [results.get(timeout=180) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    return outcomes


def test_the_same_flow_step_in_two_workers_sends_each_email_once(real_smtp: Any,
                                                                  eu_channel: Any,
                                                                  shirt: Any) -> None:
    now = timezone.now()
    emails = [f"racer{i}@example.com" for i in range(15)]
    for address in emails:
        opt_in(address, channel=eu_channel, at=now - dt.timedelta(days=30))
        make_checkout(eu_channel, shirt, email_address=address,
                      last_change=now - dt.timedelta(hours=5))

    outcomes = _race(lambda _i: flow_run("abandoned_checkout", now=now).claimed)

    assert [status for status, _ in outcomes] == ["ok", "ok"], outcomes
    assert sum(claimed for _, claimed in outcomes) == len(emails)  # split, never doubled
    received = [m for m in real_smtp.wait_for(2 * len(emails))  # + the opt-in confirmations
                if m["X-Omniport-Kind"] == "abandoned_checkout_1"]
    assert Counter(m["To"] for m in received) == Counter(emails)
    assert len({m["Message-ID"] for m in received}) == len(emails)
    logs = MessageLog.objects.filter(flow="abandoned_checkout")
    assert logs.count() == len(emails) and set(logs.values_list("status", flat=True)) == {"sent"}


def test_the_same_transactional_email_from_two_workers_is_sent_once(real_smtp: Any) -> None:
    key = idempotency_key("transactional", "password_reset", "ada@example.com", "link:abc")

    def send(_index: int) -> str:
        return str(send_email("password_reset", to="ada@example.com", language="en",
                              context={"reset_url": "https://shop.example.com/r/abc/",
                                       "valid_hours": 24},
                              idempotency_key=key).pk)

    outcomes = _race(send)
    assert [status for status, _ in outcomes] == ["ok", "ok"], outcomes
    assert outcomes[0][1] == outcomes[1][1]  # both got the same log row
    assert len(real_smtp.wait_for(1)) == 1
    assert MessageLog.objects.get().status == "sent"


def test_a_coupon_redeemed_by_two_checkouts_at_once_works_once(eu_channel: Any,
                                                               shirt: Any) -> None:
    now = timezone.now()
    cust = opt_in("bday@example.com", channel=eu_channel, at=now - dt.timedelta(days=90),
                  birthday=now.date().replace(year=1990))
    flow_run("birthday", now=now)
    code = Coupon.objects.get().code
    orders = [make_order(eu_channel, shirt, email_address=cust.email, customer=cust)
              for _ in range(2)]

    def redeem(index: int) -> str:  # worker i pays checkout i with the same code
        try:
            coupon_redeem(code, cust, orders[index])
        except CouponError as exc:
            return exc.code
        return "redeemed"

    outcomes = _race(redeem)
    assert sorted(result for _, result in outcomes) == ["coupon_already_used", "redeemed"]
    coupon = Coupon.objects.get()
    assert coupon.redeemed_at is not None and coupon.redeemed_order_id in {o.pk for o in orders}
