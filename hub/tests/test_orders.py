"""Order import: idempotent, overlapping windows, SKU mapping, holds, oversold orders,
cancellations and ship confirmation."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from commerce.inventory.models import Stock
from commerce.orders.models import Order, OrderOrigin, OrderStatus
from commerce.orders.services import OrderInput, OrderLineInput, order_create
from commerce.tests.factories import VariantFactory
from connectors.base import AuthFailed, RemoteOrderLine, RemoteOrderStatus, Transient
from hub.errors import HubError
from hub.models import (
    AccountStatus,
    Alert,
    AlertKind,
    ImportStatus,
    OrderImport,
    OutboxEntry,
    OutboxKind,
    OutboxStatus,
    OversellPolicy,
)
from hub.services import (
    account_orders_poll,
    order_import_remote,
    order_import_reprocess,
    order_ship_confirm,
    sync_drain,
)
from hub.tests.conftest import make_listed_variant, receive, remote_order

pytestmark = pytest.mark.django_db


def stock_of(variant, warehouse):
    return Stock.objects.get(variant=variant, warehouse=warehouse)


def test_imported_order_is_allocated_and_acknowledged(account, listing, market, warehouses):
    market.add_order(remote_order("111-1", [("TEE-RED-M", 2)]))
    report = account_orders_poll(account)
    assert report.imported == 1
    order = Order.objects.get(channel=account.channel, external_id="111-1")
    assert order.origin == OrderOrigin.IMPORT and order.status == OrderStatus.UNFULFILLED
    line = order.lines.get()
    assert (line.product_sku, line.quantity, line.unit_price_gross_amount) == (
        "TEE-RED-M", 2, Decimal("20.000"))
    assert order.shipping_address.city == "Arlington"
    assert stock_of(listing.variant, warehouses[0]).quantity_allocated == 2
    assert OrderImport.objects.get(external_id="111-1").status == ImportStatus.IMPORTED
    sync_drain(account.pk)
    assert market.acknowledged == ["111-1"]
    assert market.offers["TEE-RED-M"].quantity == 8  # the allocation reached the marketplace
    assert OrderImport.objects.get(external_id="111-1").acknowledged_at is not None


def test_importing_the_same_order_twice_yields_one_order(account, listing, market):
    market.add_order(remote_order("111-2"))
    account_orders_poll(account)
    account_orders_poll(account)
    order_import_remote(account, market.orders["111-2"])
    assert Order.objects.filter(external_id="111-2").count() == 1
    assert OrderImport.objects.filter(external_id="111-2").count() == 1
    assert stock_of(listing.variant, listing.account.channel.warehouses.first()).quantity_allocated == 1


def test_polling_windows_overlap_and_the_cursor_moves(account, listing, market, moving_clock):
    account_orders_poll(account)
    account.refresh_from_db()
    first_cursor = account.orders_cursor
    assert first_cursor is not None
    # An order the marketplace indexed late: updated just before our cursor.
    late = remote_order("111-3", updated_at=first_cursor - timedelta(seconds=30))
    market.add_order(late)
    moving_clock.advance(60)
    account_orders_poll(account)
    (_after, _before, _cursor) = market.calls_of("fetch_orders")[-1]
    assert _after == first_cursor - timedelta(seconds=account.orders_overlap_seconds)
    assert Order.objects.filter(external_id="111-3").exists()
    account.refresh_from_db()
    assert account.orders_cursor > first_cursor


def test_all_pages_are_read(account, warehouses, market):
    market.page_size = 3
    make_listed_variant(account, warehouses, "TEE-RED-M", qty=50)
    for i in range(8):
        market.add_order(remote_order(f"P-{i}"))
    report = account_orders_poll(account)
    assert report.imported == 8 and len(market.calls_of("fetch_orders")) == 3


def test_failed_page_keeps_the_cursor_so_nothing_is_skipped(account, listing, market):
    market.add_order(remote_order("111-4"))
    market.queued_faults.append(Transient("502 Bad Gateway", status=502))
    report = account_orders_poll(account)
    account.refresh_from_db()
    assert report.errors == 1 and account.orders_cursor is None
    account_orders_poll(account)
    assert Order.objects.filter(external_id="111-4").exists()


def test_revoked_token_pauses_the_account(account, listing, market):
    market.queued_faults.append(AuthFailed("token revoked", status=401))
    account_orders_poll(account)
    account.refresh_from_db()
    assert account.status == AccountStatus.PAUSED
    assert Alert.objects.filter(kind=AlertKind.AUTH_FAILED, account=account, is_open=True).exists()


def test_stale_notification_arriving_late_is_ignored(account, listing):
    now = timezone.now()
    order_import_remote(account, remote_order("111-5", updated_at=now))
    canceled_earlier = remote_order("111-5", status=RemoteOrderStatus.CANCELED,
                                    updated_at=now - timedelta(minutes=10))
    _record, outcome = order_import_remote(account, canceled_earlier)
    assert outcome == "stale"
    assert Order.objects.get(external_id="111-5").status == OrderStatus.UNFULFILLED


def test_pending_order_waits_then_imports_when_paid(account, listing):
    now = timezone.now()
    record, outcome = order_import_remote(
        account, remote_order("111-6", status=RemoteOrderStatus.PENDING,
                              updated_at=now - timedelta(minutes=3)))
    assert outcome == "waiting" and record.order is None
    record, outcome = order_import_remote(account, remote_order("111-6", updated_at=now))
    assert outcome == "imported" and record.order.external_id == "111-6"


def test_unknown_sku_holds_the_order_until_mapped_then_reprocesses(account, listing, warehouses):
    remote = remote_order("111-7", [("TEE-RED-M", 1), ("AMZ-MYSTERY", 1)])
    record, outcome = order_import_remote(account, remote)
    assert outcome == "held" and record.status == ImportStatus.HELD
    assert record.error_code == "unknown_sku" and "AMZ-MYSTERY" in record.error_message
    assert not Order.objects.filter(external_id="111-7").exists()
    alert = Alert.objects.get(kind=AlertKind.ORDER_HELD, is_open=True)
    assert "AMZ-MYSTERY" in alert.message
    # The merchant maps the marketplace SKU to a variant by its barcode.
    variant = VariantFactory(sku="MUG-BLUE", barcode="AMZ-MYSTERY")
    receive(variant, warehouses[0], 3)
    record, outcome = order_import_reprocess(record)
    assert outcome == "imported" and record.status == ImportStatus.IMPORTED
    assert sorted(record.order.lines.values_list("product_sku", flat=True)) == ["MUG-BLUE",
                                                                                 "TEE-RED-M"]
    assert not Alert.objects.filter(kind=AlertKind.ORDER_HELD, is_open=True).exists()


def test_lines_map_by_listing_sku_then_ean(account, warehouses, market):
    listing = make_listed_variant(account, warehouses, "SHOE-42", qty=5, sku="AMZ-SHOE-42")
    other = VariantFactory(sku="CAP-1", barcode="4006381333931")
    receive(other, warehouses[0], 2)
    remote = remote_order("111-8", [("AMZ-SHOE-42", 1)])
    remote = remote.__class__(**{**remote.__dict__, "lines": remote.lines + (
        RemoteOrderLine(external_line_id="x", sku="", quantity=1, unit_price=Decimal(5),
                        currency="USD", ean="4006381333931"),)})
    record, outcome = order_import_remote(account, remote)
    assert outcome == "imported"
    assert sorted(record.order.lines.values_list("product_sku", flat=True)) == ["CAP-1", "SHOE-42"]
    assert listing.variant.sku == "SHOE-42"


@pytest.mark.parametrize(("changes", "code"), [
    ({"currency": "EUR"}, "currency_mismatch"),
    ({"lines": ()}, "invalid_payload"),
    ({"lines": (RemoteOrderLine("l", "TEE-RED-M", 0, Decimal(1), "USD"),)}, "invalid_payload"),
    ({"lines": (RemoteOrderLine("l", "TEE-RED-M", 1, Decimal("1e30"), "USD"),)}, "invalid_payload"),
    ({"lines": (RemoteOrderLine("l", "TEE-RED-M", 1, Decimal("NaN"), "USD"),)}, "invalid_payload"),
    ({"shipping_price": Decimal("-1")}, "invalid_payload"),
])
def test_malformed_orders_are_held_with_a_clear_error(account, listing, changes, code):
    remote = remote_order("BAD-1")
    remote = remote.__class__(**{**remote.__dict__, **changes})
    record, outcome = order_import_remote(account, remote)
    assert outcome == "held" and record.error_code == code and record.error_message
    assert not Order.objects.filter(external_id="BAD-1").exists()


def test_unicode_buyer_and_address_are_kept(account, listing):
    remote = remote_order("111-9")
    address = remote.shipping_address.__class__(name="山田 太郎", line1="東京都千代田区1-1",
                                                city="東京", country="jp", postal_code="100-0001")
    remote = remote.__class__(**{**remote.__dict__, "shipping_address": address,
                                 "buyer_email": "not-an-email"})
    record, _outcome = order_import_remote(account, remote)
    order = record.order
    assert order.shipping_address.first_name == "山田" and order.shipping_address.country == "JP"
    assert order.user_email == ""


def test_a_crashing_order_is_recorded_and_the_others_still_import(account, listing, market,
                                                                  monkeypatch):
    from hub import hooks

    real = hooks.order_routing_hook()

    def flaky(account, remote, data):  # noqa: ANN001, ANN202
        if data.external_id == "CRASH-1":
            raise RuntimeError("database hiccup")
        return real(account, remote, data)

    monkeypatch.setattr(hooks, "_routing_hook", flaky)
    market.add_order(remote_order("CRASH-1"))
    market.add_order(remote_order("OK-1"))
    report = account_orders_poll(account)
    assert report.errors == 1 and report.imported == 1
    record = OrderImport.objects.get(external_id="CRASH-1")
    assert record.status == ImportStatus.HELD and "database hiccup" in record.error_message
    monkeypatch.setattr(hooks, "_routing_hook", real)
    _record, outcome = order_import_reprocess(record)
    assert outcome == "imported"


def test_oversold_order_is_flagged_and_canceled_on_the_marketplace(account, listing, market,
                                                                   warehouses, channel):
    # The storefront sold 9 of the 10 units first.
    order_create(OrderInput(channel=channel, currency="USD", lines=[
        OrderLineInput(sku="TEE-RED-M", quantity=9, unit_price=Decimal(20))]))
    record, outcome = order_import_remote(account, remote_order("OS-1", [("TEE-RED-M", 2)]))
    assert outcome == "oversold"
    order = record.order
    assert order.is_oversold and order.status == OrderStatus.CANCELED
    stock = stock_of(listing.variant, warehouses[0])
    assert stock.quantity_allocated == 9 and stock.quantity == 10  # never negative
    assert Alert.objects.filter(kind=AlertKind.OVERSOLD, order=order).exists()
    cancel = OutboxEntry.objects.get(order=order, kind=OutboxKind.ORDER_CANCEL)
    assert cancel.payload["reason"] == "out_of_stock"
    sync_drain(account.pk)
    assert market.cancellations == [("OS-1", "out_of_stock")]
    assert market.acknowledged == ["OS-1"]


def test_oversold_order_kept_as_backorder_allocates_what_it_can(account, listing, warehouses):
    account.oversell_policy = OversellPolicy.BACKORDER
    account.save()
    mug = VariantFactory(sku="MUG-9")
    receive(mug, warehouses[0], 5)
    record, outcome = order_import_remote(
        account, remote_order("OS-2", [("TEE-RED-M", 11), ("MUG-9", 2)]))
    assert outcome == "oversold"
    order = record.order
    assert order.is_oversold and order.status == OrderStatus.UNFULFILLED
    assert stock_of(mug, warehouses[0]).quantity_allocated == 2
    assert stock_of(listing.variant, warehouses[0]).quantity_allocated == 0
    assert order.events.filter(type="backordered").exists()


def test_cancellation_on_the_marketplace_releases_stock(account, listing, market, warehouses):
    now = timezone.now()
    market.add_order(remote_order("C-1", [("TEE-RED-M", 3)], updated_at=now - timedelta(minutes=2)))
    account_orders_poll(account)
    sync_drain(account.pk)
    assert market.offers["TEE-RED-M"].quantity == 7
    market.change_order("C-1", status=RemoteOrderStatus.CANCELED, raw_status="Canceled",
                        updated_at=now - timedelta(minutes=1))
    account_orders_poll(account)
    order = Order.objects.get(external_id="C-1")
    assert order.status == OrderStatus.CANCELED
    assert stock_of(listing.variant, warehouses[0]).quantity_allocated == 0
    sync_drain(account.pk)
    assert market.offers["TEE-RED-M"].quantity == 10


def test_cancellation_in_the_same_second_as_the_order_is_applied(account, listing, market,
                                                                  warehouses):
    # Amazon's LastUpdateDate has whole seconds: the cancellation may carry the same time
    when = timezone.now().replace(microsecond=0) - timedelta(minutes=2)
    market.add_order(remote_order("C-2", [("TEE-RED-M", 2)], updated_at=when))
    account_orders_poll(account)
    market.change_order("C-2", status=RemoteOrderStatus.CANCELED, raw_status="Canceled",
                        updated_at=when)
    account_orders_poll(account)
    assert Order.objects.get(external_id="C-2").status == OrderStatus.CANCELED
    assert stock_of(listing.variant, warehouses[0]).quantity_allocated == 0
    # an older status arriving late with that same time changes nothing
    market.change_order("C-2", status=RemoteOrderStatus.UNSHIPPED, raw_status="Unshipped",
                        updated_at=when)
    account_orders_poll(account)
    assert Order.objects.get(external_id="C-2").status == OrderStatus.CANCELED


def test_ship_confirmation_is_queued_and_pushed_once(account, listing, market):
    record, _ = order_import_remote(account, remote_order("S-1", [("TEE-RED-M", 1)]))
    order = record.order
    entry = order_ship_confirm(order, "UPS", "1Z999AA10123456784")
    assert entry.kind == OutboxKind.ORDER_SHIP and entry.status == OutboxStatus.PENDING
    assert order_ship_confirm(order, "UPS", "1Z999AA10123456784").pk == entry.pk
    assert order.events.filter(type="ship_confirmation_queued").count() == 1
    sync_drain(account.pk)
    (shipment,) = market.shipments
    assert (shipment.external_order_id, shipment.carrier, shipment.tracking_number) == (
        "S-1", "UPS", "1Z999AA10123456784")
    entry.refresh_from_db()
    assert entry.status == OutboxStatus.DONE
    assert order.events.filter(type="marketplace_shipment_confirmed").exists()


def test_ship_confirmation_waits_for_the_acknowledgement_to_go_first(account, listing, market,
                                                                     moving_clock):
    record, _ = order_import_remote(account, remote_order("S-2"))
    order_ship_confirm(record.order, "DHL", "JD0146000000")
    market.fail_next("acknowledge_order", Transient("503", status=503))
    sync_drain(account.pk)
    assert market.shipments == []
    moving_clock.advance(3600)
    sync_drain(account.pk)
    assert market.acknowledged == ["S-2"] and len(market.shipments) == 1


def test_ship_confirmation_input_is_checked(account, listing, channel):
    record, _ = order_import_remote(account, remote_order("S-3"))
    with pytest.raises(HubError) as exc:
        order_ship_confirm(record.order, "UPS", "")
    assert exc.value.field == "tracking_number"
    storefront_order = order_create(OrderInput(channel=channel, currency="USD", lines=[
        OrderLineInput(sku="TEE-RED-M", quantity=1, unit_price=Decimal(20))]))
    with pytest.raises(HubError) as exc:
        order_ship_confirm(storefront_order, "UPS", "1Z")
    assert exc.value.code == "not_imported"


def test_rejected_ship_confirmation_raises_an_alert(account, listing, market):
    from connectors.base import Rejected

    record, _ = order_import_remote(account, remote_order("S-4"))
    sync_drain(account.pk)  # ack
    order_ship_confirm(record.order, "UPS", "BAD")
    market.fail_next("confirm_shipment", Rejected("Invalid tracking number",
                                                  code="INVALID_TRACKING"))
    sync_drain(account.pk)
    assert OutboxEntry.objects.get(order=record.order, kind=OutboxKind.ORDER_SHIP).status == \
        OutboxStatus.FAILED
    alert = Alert.objects.get(kind=AlertKind.ORDER_PROBLEM, order=record.order)
    assert "Invalid tracking number" in alert.message


def test_polling_stores_the_window_before_processing_and_workers_share_it(account, listing,
                                                                          market):
    from hub.services import orders_process

    for i in range(5):
        market.add_order(remote_order(f"INBOX-{i}"))
    report = account_orders_poll(account, process=False)
    account.refresh_from_db()
    assert report.received == 5 and account.orders_cursor is not None  # all stored: cursor moves
    todo = OrderImport.objects.filter(needs_processing=True)
    assert todo.count() == 5 and not Order.objects.filter(external_id__startswith="INBOX").exists()
    assert orders_process(account.pk, limit=2).imported == 2  # one worker takes two
    assert orders_process(account.pk).imported == 3  # another takes the rest
    assert not todo.exists()
    assert account_orders_poll(account).received == 0  # the overlap brings nothing new


def test_a_newer_version_replaces_an_unprocessed_one(account, listing):
    from hub.services import orders_process, orders_receive

    now = timezone.now()
    orders_receive(account, [remote_order("V-1", updated_at=now - timedelta(minutes=2))])
    orders_receive(account, [remote_order("V-1", status=RemoteOrderStatus.CANCELED,
                                          updated_at=now - timedelta(minutes=1))])
    orders_receive(account, [remote_order("V-1", updated_at=now - timedelta(minutes=3))])  # late
    report = orders_process(account.pk)
    record = OrderImport.objects.get(external_id="V-1")
    assert report.canceled == 1 and record.status == ImportStatus.CANCELED
    assert not Order.objects.filter(external_id="V-1").exists()  # never allocated stock


# Queries one imported order costs once a backlog is being processed (claim, route, create,
# allocate, keep the trace, outbox rows, save the record): a constant, whatever the size of
# the backlog and the number of lines. In a test every order's transaction is a savepoint
# inside the test's own transaction, two statements more than in production.
QUERIES_PER_ORDER = 30
QUERIES_PER_RUN = 16  # the account, SKU look-ups for the records coming up


def _backlog(market, skus: list[str], start: int, count: int) -> None:  # noqa: ANN001
    for i in range(start, start + count):
        lines = [(skus[(i + k) % len(skus)], 1) for k in range(1 + i % 3)]  # 1 to 3 lines
        market.add_order(remote_order(f"BULK-{i:03d}", lines))


def test_importing_a_backlog_costs_a_fixed_number_of_queries_per_order(account, warehouses,
                                                                       market):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from hub.services import orders_process

    skus = [make_listed_variant(account, warehouses, f"BULK-SKU-{i}", qty=100).sku
            for i in range(12)]

    def process(start: int, count: int) -> int:
        _backlog(market, skus, start, count)
        account_orders_poll(account, process=False)
        with CaptureQueriesContext(connection) as queries:
            assert orders_process(account.pk).imported == count
        return len(queries)

    few, many = process(0, 4), process(4, 16)

    assert many <= 16 * QUERIES_PER_ORDER + QUERIES_PER_RUN
    assert many - few <= 12 * QUERIES_PER_ORDER  # each further order: the same cost
    assert Order.objects.filter(external_id__startswith="BULK-").count() == 20
    assert not Stock.objects.filter(quantity_allocated__lt=0).exists()
