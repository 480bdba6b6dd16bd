"""Email flow benchmark: render and send 2,000 lifecycle emails in six languages.

    python -m benchmarks.emails [--emails 2000] [--workers 2]

Creates its own throwaway database (``omniport_bench_emails``) on the configured
PostgreSQL server (the embedded one unless DATABASE_URL is set), fills it with
opted-in customers due for every lifecycle flow (welcome, abandoned checkout,
review/NPS, birthday coupon, win-back), starts a loopback SMTP server (aiosmtpd)
in its own process, and runs the real flow engine in ``--workers`` processes
racing over the same work, each sending its batches over one SMTP connection.
Then runs every flow again (must send nothing), counts what the SMTP server
received, and drops the database.

Last line: ``emails_per_s=<f> duplicates=<int> failures=<int>`` where
duplicates = messages received beyond the first for the same (recipient, email
kind) and failures = expected emails that never arrived plus unexpected ones.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import socket
import sys
import time
from collections import Counter
from decimal import Decimal
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

BENCH_DB = "omniport_bench_emails"
LANGUAGES = ["en", "de", "fr", "es", "ja", "zh-hans"]
FLOWS = ["welcome", "abandoned_checkout", "review", "birthday", "winback"]
FIRST_NAMES = {"en": "Ada", "de": "Grete", "fr": "Camille", "es": "Lucía", "ja": "さくら",
               "zh-hans": "小明"}


# --- The SMTP server, in its own process ---------------------------------------------------
def _smtp_server(port: int, ready: Any, conn: Any) -> None:
    import logging
    from email.parser import BytesHeaderParser

    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    received: list[tuple[str, str, str]] = []
    headers = BytesHeaderParser()  # the headers are all we count; bodies are checked by tests

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            msg = headers.parsebytes(envelope.original_content or envelope.content)
            received.append((str(msg["Message-ID"]), ",".join(envelope.rcpt_tos),
                             str(msg["X-Omniport-Kind"])))
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    conn.recv()  # "stop"
    controller.stop()
    conn.send((received, time.process_time()))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- Data ------------------------------------------------------------------------------
def _create_data(total: int, now: dt.datetime) -> set[tuple[str, str]]:
    """Customers due for exactly one lifecycle email each; returns (email, kind) expected."""
    from django.db import connection

    from commerce.account.models import Customer
    from commerce.catalog.models import (
        Product,
        ProductTranslation,
        ProductType,
        ProductVariant,
        ProductVariantChannelListing,
    )
    from commerce.channel.models import Channel, ChannelKind
    from commerce.checkout.models import Checkout, CheckoutLine
    from commerce.notifications.models import ConsentAction, ConsentEvent
    from commerce.orders.models import Order, OrderEvent, OrderLine, OrderStatus

    channels = {
        "us": Channel.objects.create(name="US", slug="us", kind=ChannelKind.STOREFRONT,
                                     currency_code="USD", default_country="US",
                                     default_language="en", languages=["en"]),
        "eu": Channel.objects.create(name="EU", slug="eu", kind=ChannelKind.STOREFRONT,
                                     currency_code="EUR", default_country="DE",
                                     default_language="de", languages=["de", "fr", "es", "en"]),
        "jp": Channel.objects.create(name="Japan", slug="jp", kind=ChannelKind.STOREFRONT,
                                     currency_code="JPY", default_country="JP",
                                     default_language="ja", languages=["ja", "en"]),
        "cn": Channel.objects.create(name="China", slug="cn", kind=ChannelKind.STOREFRONT,
                                     currency_code="CNY", default_country="CN",
                                     default_language="zh-hans", languages=["zh-hans", "en"]),
    }
    channel_of = {"en": "us", "de": "eu", "fr": "eu", "es": "eu", "ja": "jp", "zh-hans": "cn"}
    price_factor = {"USD": Decimal(1), "EUR": Decimal("0.92"), "JPY": Decimal(150),
                    "CNY": Decimal(7)}

    ptype = ProductType.objects.create(name="Apparel", slug="apparel")
    variants: list[ProductVariant] = []
    prices: dict[tuple[int, int], Decimal] = {}
    for i, (name, base_price) in enumerate([("Linen shirt", "49.90"), ("Canvas tote", "24.50"),
                                            ("Wool scarf", "1234.50")]):
        product = Product.objects.create(product_type=ptype, name=name, slug=f"bench-{i}")
        for lang in LANGUAGES[1:]:
            ProductTranslation.objects.create(product=product, language_code=lang,
                                              name=f"{name} [{lang}]", slug=f"bench-{i}-{lang}")
        variant = ProductVariant.objects.create(product=product, sku=f"BENCH-{i}", name="M")
        for ch in channels.values():
            listing = ProductVariantChannelListing.objects.create(
                variant=variant, channel=ch, currency=ch.currency_code,
                price_amount=(Decimal(base_price) * price_factor[ch.currency_code]).quantize(
                    Decimal("0.01")))
            prices[variant.pk, ch.pk] = Decimal(listing.price_amount or 0)
        variants.append(variant)

    per_flow = total // len(FLOWS)
    plan = [flow for flow in FLOWS for _ in range(per_flow)]
    plan += FLOWS[: total - len(plan)]
    old = now - dt.timedelta(days=100)
    today = now.date()
    birthday = dt.date(2000, today.month, today.day)  # a leap year: 29 February works too
    customers = []
    for i, flow in enumerate(plan):
        lang = LANGUAGES[i % len(LANGUAGES)]
        customers.append(Customer(
            email=f"bench{i:05d}@example.com", first_name=FIRST_NAMES[lang],
            preferred_language=lang, marketing_consent=True,
            marketing_consent_at=now - dt.timedelta(hours=1) if flow == "welcome" else old,
            marketing_consent_source="benchmark",
            birthday=birthday if flow == "birthday" else None,
        ))
    customers = Customer.objects.bulk_create(customers, batch_size=500)
    ConsentEvent.objects.bulk_create([
        ConsentEvent(customer=c, email=c.email, action=ConsentAction.CONFIRMED, source="benchmark",
                     channel=channels[channel_of[c.preferred_language]],
                     at=c.marketing_consent_at or now)
        for c in customers
    ], batch_size=500)

    expected: set[tuple[str, str]] = set()
    kind_of = {"welcome": "welcome_1", "abandoned_checkout": "abandoned_checkout_1",
               "review": "review_request", "birthday": "birthday", "winback": "winback"}
    checkouts, orders = [], []
    for c, flow in zip(customers, plan, strict=True):
        expected.add((c.email, kind_of[flow]))
        ch = channels[channel_of[c.preferred_language]]
        if flow == "abandoned_checkout":
            checkouts.append(Checkout(channel=ch, customer=c, email=c.email,
                                      language_code=c.preferred_language,
                                      currency=ch.currency_code))
        elif flow in ("review", "winback"):
            orders.append((c, ch, flow))
    Checkout.objects.bulk_create(checkouts, batch_size=500)
    CheckoutLine.objects.bulk_create([
        CheckoutLine(checkout=co, variant=variants[(n + k) % len(variants)], quantity=k + 1)
        for n, co in enumerate(checkouts) for k in range(2)
    ], batch_size=1000)
    Checkout.objects.update(last_change=now - dt.timedelta(hours=5),
                            created_at=now - dt.timedelta(hours=5))

    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('orders_order_number_seq') FROM generate_series(1, %s)",
                       [len(orders)])
        numbers = [row[0] for row in cursor.fetchall()]
    order_rows, line_rows, events, created = [], [], [], {}
    for (c, ch, flow), number in zip(orders, numbers, strict=True):
        variant = variants[number % len(variants)]
        price = prices[variant.pk, ch.pk]
        order = Order(number=number, channel=ch, currency=ch.currency_code,
                      language_code=c.preferred_language, customer=c, user_email=c.email,
                      status=OrderStatus.FULFILLED if flow == "review" else OrderStatus.UNFULFILLED,
                      subtotal_gross_amount=price, subtotal_net_amount=price,
                      total_gross_amount=price, total_net_amount=price)
        order_rows.append(order)
        line_rows.append(OrderLine(order=order, variant=variant, product_name=variant.product.name,
                                   variant_name=variant.name, product_sku=variant.sku, quantity=1,
                                   currency=ch.currency_code, unit_price_net_amount=price,
                                   unit_price_gross_amount=price, total_price_net_amount=price,
                                   total_price_gross_amount=price))
        if flow == "review":
            events.append(OrderEvent(order=order, type="fulfilled"))
        created[order.pk] = now - dt.timedelta(days=9 if flow == "review" else 61)
    Order.objects.bulk_create(order_rows, batch_size=500)
    OrderLine.objects.bulk_create(line_rows, batch_size=500)
    OrderEvent.objects.bulk_create(events, batch_size=500)
    for days in (9, 61):
        ids = [pk for pk, at in created.items() if at == now - dt.timedelta(days=days)]
        Order.objects.filter(pk__in=ids).update(created_at=now - dt.timedelta(days=days),
                                                updated_at=now - dt.timedelta(days=days))
    OrderEvent.objects.update(date=now - dt.timedelta(days=7, hours=2))
    return expected


# --- Workers -----------------------------------------------------------------------------
def _worker(now: dt.datetime, start: Any, results: Any) -> None:
    from django.db import connections

    from commerce.notifications import rendering
    from commerce.notifications.services import flows_run_all

    rendering.warm_up()  # what a worker does once at start-up: compile templates, parse CSS
    start.wait(timeout=120)
    t0, cpu0 = time.perf_counter(), time.process_time()
    runs = flows_run_all(now=now)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    connections.close_all()
    results.put({"elapsed": elapsed, "cpu": cpu, "claimed": sum(r.claimed for r in runs),
                 "sent": sum(r.delivery.sent for r in runs),
                 "failed": sum(r.delivery.failed + r.delivery.suppressed for r in runs)})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Email flow benchmark")
    parser.add_argument("--emails", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2,
                        help="worker processes racing over the same flows (default 2)")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, connections

    settings.DEBUG = False  # no query log
    connection.settings_dict["TEST"]["NAME"] = BENCH_DB
    ctx = multiprocessing.get_context("fork")
    port = _free_port()
    ready, (parent_conn, child_conn) = ctx.Event(), ctx.Pipe()
    smtp = ctx.Process(target=_smtp_server, args=(port, ready, child_conn), daemon=True)
    smtp.start()
    ready.wait(timeout=30)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = False, "", ""
    settings.NOTIFICATIONS_DELIVERY = "inline"

    print(f"creating throwaway database {BENCH_DB} …", file=sys.stderr, flush=True)
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        from commerce.notifications.models import MessageLog, MessageStatus
        from commerce.notifications.services import flows_run_all

        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        t = time.perf_counter()
        expected = _create_data(args.emails, now)
        print(f"data for {len(expected)} emails created in {time.perf_counter() - t:.1f}s",
              file=sys.stderr, flush=True)

        connections.close_all()  # every worker opens its own connection
        start, results = ctx.Event(), ctx.Queue()
        workers = [ctx.Process(target=_worker, args=(now, start, results))
                   for _ in range(args.workers)]
        for proc in workers:
            proc.start()
        time.sleep(0.5)
        t0 = time.perf_counter()
        start.set()
        stats = [results.get(timeout=1800) for _ in workers]
        wall = time.perf_counter() - t0
        for proc in workers:
            proc.join(timeout=60)

        again = flows_run_all(now=now)  # a second run (beat fires again) must send nothing
        resent = sum(r.delivery.sent for r in again)
        parent_conn.send("stop")
        received, smtp_cpu = parent_conn.recv()
        smtp.join(timeout=30)

        pairs = Counter((to, kind) for _mid, to, kind in received)
        duplicates = sum(n - 1 for n in pairs.values())
        missing = len(expected - set(pairs))
        unexpected = len(set(pairs) - expected)
        failures = missing + unexpected
        by_status = Counter(MessageLog.objects.values_list("status", flat=True))
        sent = by_status.get(MessageStatus.SENT, 0)
        print(f"workers={args.workers} claimed={[s['claimed'] for s in stats]} "
              f"worker_seconds={[round(s['elapsed'], 2) for s in stats]} wall={wall:.2f}s "
              f"worker_cpu_ms_per_email={1000 * sum(s['cpu'] for s in stats) / max(len(expected), 1):.1f}",
              file=sys.stderr)
        print(f"received={len(received)} unique_message_ids={len({m for m, _t, _k in received})} "
              f"log={dict(by_status)} second_run_sent={resent} missing={missing} "
              f"unexpected={unexpected} smtp_server_cpu_s={smtp_cpu:.1f}", file=sys.stderr)
        print(f"languages={sorted(Counter(MessageLog.objects.values_list('language', flat=True)).items())}",
              file=sys.stderr)
        rate = sent / wall if wall else 0.0
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        if smtp.is_alive():
            smtp.terminate()
    print(f"emails_per_s={rate:.1f} duplicates={duplicates} failures={failures}")


if __name__ == "__main__":
    main()
