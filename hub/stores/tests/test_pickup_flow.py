from __future__ import annotations

from datetime import timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from commerce.inventory.models import Stock
from commerce.notifications.rendering import qr_png
from commerce.orders.models import OrderEvent, OrderStatus, PaymentStatus
from hub.stores import services
from hub.stores.errors import StoresError, StoresErrorCode
from hub.stores.models import FulfilmentKind, FulfilmentStatus, PickupCodeAttempt, StoreFulfilment
from hub.stores.notify import qr_payload
from hub.stores.tests.utils import pickup_order

pytestmark = pytest.mark.django_db(transaction=False)


def _stock(variant, warehouse) -> Stock:  # noqa: ANN001
    return Stock.objects.get(variant=variant, warehouse=warehouse)


def _ready(m, django_capture_on_commit_callbacks, lines=(("TEE-BLK-M", 2), ("MUG-WHT", 1))):  # noqa: ANN001
    order = pickup_order(m, m.berlin, list(lines))
    f = StoreFulfilment.objects.get(order=order)
    for sku, qty in lines:
        for _ in range(qty):
            services.fulfilment_scan(f, sku, clerk=m.clerk_berlin)
    with django_capture_on_commit_callbacks(execute=True):
        code = services.fulfilment_mark_ready(f, clerk=m.clerk_berlin)
    f.refresh_from_db()
    return order, f, code


def test_pickup_order_is_allocated_in_the_store_and_queued(market):
    order = pickup_order(market, market.berlin, [("TEE-BLK-M", 2), ("MUG-WHT", 1)])
    f = StoreFulfilment.objects.get(order=order)
    assert f.kind == FulfilmentKind.PICKUP and f.status == FulfilmentStatus.QUEUED
    assert f.sla_due_at - f.sla_started_at == timedelta(minutes=15)
    assert order.collection_point_id == market.berlin.warehouse_id
    assert _stock(market.tee, market.berlin.warehouse).quantity_allocated == 2
    assert _stock(market.tee, market.central).quantity_allocated == 0
    routed = OrderEvent.objects.get(order=order, type="routed")
    assert "pickup at Berlin store" in routed.message


def test_wrong_item_scan_is_refused_and_right_items_verify(market):
    order = pickup_order(market, market.berlin, [("TEE-BLK-M", 1)])
    f = StoreFulfilment.objects.get(order=order)
    with pytest.raises(StoresError) as wrong:
        services.fulfilment_scan(f, "4006381333948")  # the mug's barcode
    assert wrong.value.code == StoresErrorCode.WRONG_ITEM
    assert "Wrong item" in wrong.value.message and "MUG-WHT" in wrong.value.message
    with pytest.raises(StoresError) as unknown:
        services.fulfilment_scan(f, "0000000000000")
    assert "Unknown barcode" in unknown.value.message
    line = services.fulfilment_scan(f, "4006381333931")  # by barcode
    assert line.quantity_verified == 1
    with pytest.raises(StoresError) as again:
        services.fulfilment_scan(f, "tee-blk-m")  # by SKU, any case
    assert again.value.code == StoresErrorCode.ALREADY_VERIFIED


def test_ready_needs_every_item_verified(market):
    order = pickup_order(market, market.berlin, [("TEE-BLK-M", 2)])
    f = StoreFulfilment.objects.get(order=order)
    services.fulfilment_scan(f, "TEE-BLK-M")
    with pytest.raises(StoresError) as exc:
        services.fulfilment_mark_ready(f)
    assert exc.value.code == StoresErrorCode.NOT_VERIFIED
    assert "TEE-BLK-M 1/2" in exc.value.message


def test_ready_sends_code_qr_address_hours_and_deadline(market, django_capture_on_commit_callbacks):
    order, f, code = _ready(market, django_capture_on_commit_callbacks)
    assert len(code) >= 6 and code.isdigit()
    assert f.status == FulfilmentStatus.READY
    assert code not in f.pickup_code_hash and len(f.pickup_code_hash) == 64  # stored hashed
    assert f.hold_until - f.ready_at == timedelta(days=3)
    (email,) = mail.outbox
    assert email.to == ["shopper@example.com"]
    assert email.subject == f"Order {order.number} is ready for pickup"
    body = email.body.replace("\u202f", " ")  # CLDR puts a narrow space before AM/PM
    assert code in body
    assert "Hauptstraße 1" in body and "10178 Berlin" in body
    assert "Mon–Sat 9:00 AM–8:00 PM" in body  # the store's hours, Sunday closed
    local_deadline = f.hold_until.astimezone(ZoneInfo("Europe/Berlin"))  # the store's time
    assert f"We hold your order until {local_deadline:%A}" in body
    assert f"{local_deadline:%-I:%M %p} (Berlin)" in body
    html, mime = email.alternatives[0]
    assert mime == "text/html" and code in html and "cid:pickup-qr" in html
    images = [a for a in email.attachments if getattr(a, "get_content_type", lambda: "")() == "image/png"]
    assert len(images) == 1 and images[0]["Content-ID"] == "<pickup-qr>"
    # the QR is the one the clerk console scans
    assert images[0].get_payload(decode=True) == qr_png(qr_payload(order.number, code))


def test_handover_captures_payment_and_takes_stock_only_from_that_store(
        market, payments, django_capture_on_commit_callbacks):
    order, f, code = _ready(market, django_capture_on_commit_callbacks)
    central_before = _stock(market.tee, market.central).quantity
    munich_before = _stock(market.tee, market.munich.warehouse).quantity
    services.fulfilment_handover(f, code, clerk=market.clerk_berlin)
    f.refresh_from_db()
    order.refresh_from_db()
    assert f.status == FulfilmentStatus.COLLECTED and f.pickup_code_hash == ""
    assert order.status == OrderStatus.FULFILLED
    assert order.payment_status == PaymentStatus.FULLY_CHARGED
    assert payments.calls == [("capture", order.pk)]
    tee_berlin = _stock(market.tee, market.berlin.warehouse)
    assert (tee_berlin.quantity, tee_berlin.quantity_allocated) == (3, 0)
    assert _stock(market.mug, market.berlin.warehouse).quantity == 2
    assert _stock(market.tee, market.central).quantity == central_before
    assert _stock(market.tee, market.munich.warehouse).quantity == munich_before
    # single use
    with pytest.raises(StoresError) as again:
        services.fulfilment_handover(f, code, clerk=market.clerk_berlin)
    assert "already picked up" in again.value.message
    assert payments.calls == [("capture", order.pk)]


def test_handover_accepts_the_scanned_qr_payload_of_that_order_only(
        market, django_capture_on_commit_callbacks):
    order, f, code = _ready(market, django_capture_on_commit_callbacks)
    with pytest.raises(StoresError):
        services.fulfilment_handover(f, qr_payload(order.number + 1, code))
    services.fulfilment_handover(f, qr_payload(order.number, code))
    f.refresh_from_db()
    assert f.status == FulfilmentStatus.COLLECTED


def test_refused_capture_rolls_the_handover_back(market, payments,
                                                 django_capture_on_commit_callbacks):
    order, f, code = _ready(market, django_capture_on_commit_callbacks)
    payments.fail_next_capture = True
    with pytest.raises(StoresError) as exc:
        services.fulfilment_handover(f, code)
    assert exc.value.code == StoresErrorCode.PAYMENT_FAILED
    f.refresh_from_db()
    assert f.status == FulfilmentStatus.READY
    assert _stock(market.tee, market.berlin.warehouse).quantity == 5
    services.fulfilment_handover(f, code)  # the code still works once the card does
    f.refresh_from_db()
    assert f.status == FulfilmentStatus.COLLECTED


def test_brute_forced_codes_lock_the_order_out(market, settings, django_capture_on_commit_callbacks):
    settings.STORES_CODE_MAX_FAILURES_PER_ORDER = 5
    order, f, code = _ready(market, django_capture_on_commit_callbacks)
    wrong = "000000" if code != "000000" else "111111"
    for i in range(4):
        with pytest.raises(StoresError) as exc:
            services.fulfilment_handover(f, wrong, clerk=market.clerk_berlin)
        assert exc.value.code == StoresErrorCode.INVALID_CODE
        assert f"{4 - i} tries left" in exc.value.message
    with pytest.raises(StoresError) as locked:
        services.fulfilment_handover(f, wrong, clerk=market.clerk_berlin)
    assert locked.value.code == StoresErrorCode.CODE_LOCKED
    # even the right code is refused while locked
    with pytest.raises(StoresError) as still:
        services.fulfilment_handover(f, code, clerk=market.clerk_berlin)
    assert still.value.code == StoresErrorCode.CODE_LOCKED
    assert PickupCodeAttempt.objects.filter(fulfilment=f, succeeded=False).count() == 5
    later = timezone.now() + timedelta(minutes=16)
    with mock.patch("django.utils.timezone.now", return_value=later):
        services.fulfilment_handover(f, code, clerk=market.clerk_berlin)
    f.refresh_from_db()
    assert f.status == FulfilmentStatus.COLLECTED


def test_a_clerk_guessing_across_orders_is_locked_out(market, settings,
                                                       django_capture_on_commit_callbacks):
    settings.STORES_CODE_MAX_FAILURES_PER_ORDER = 100
    settings.STORES_CODE_MAX_FAILURES_PER_CLERK = 3
    _o1, f1, code1 = _ready(market, django_capture_on_commit_callbacks, [("TEE-BLK-M", 1)])
    _o2, f2, _code2 = _ready(market, django_capture_on_commit_callbacks, [("TEE-BLK-M", 1)])
    for f in (f1, f2, f1):
        with pytest.raises(StoresError):
            services.fulfilment_handover(f, "999999" if code1 != "999999" else "888888",
                                         clerk=market.clerk_berlin)
    with pytest.raises(StoresError) as exc:
        services.fulfilment_handover(f1, code1, clerk=market.clerk_berlin)
    assert exc.value.code == StoresErrorCode.CLERK_LOCKED
    # another clerk is not affected
    services.fulfilment_handover(f1, code1, clerk=market.clerk_munich)


def test_uncollected_pickup_gets_a_reminder_then_is_canceled_and_stock_returned(
        market, payments, django_capture_on_commit_callbacks):
    order, f, code = _ready(market, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    assert _stock(market.tee, market.berlin.warehouse).quantity_allocated == 2
    # a day before the hold ends: reminder, once
    before = f.hold_until - timedelta(hours=12)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.pickup_hold_sweep(now=before)
        second = services.pickup_hold_sweep(now=before)
    assert (first.reminded, second.reminded, first.canceled) == (1, 0, 0)
    assert len(mail.outbox) == 1 and "Reminder" in mail.outbox[0].subject
    assert code in mail.outbox[0].body  # the code from the "ready" email, again
    # the hold is over: canceled, allocation back, authorization released, customer told
    after = f.hold_until + timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.pickup_hold_sweep(now=after)
    assert result.canceled == 1 and result.reminded == 0
    f.refresh_from_db()
    order.refresh_from_db()
    assert f.status == FulfilmentStatus.CANCELED and not f.payment_release_pending
    assert order.status == OrderStatus.CANCELED
    assert order.payment_status == PaymentStatus.NOT_CHARGED
    assert ("void", order.pk) in payments.calls
    tee = _stock(market.tee, market.berlin.warehouse)
    assert (tee.quantity, tee.quantity_allocated) == (5, 0)
    assert _stock(market.mug, market.berlin.warehouse).quantity_allocated == 0
    assert len(mail.outbox) == 2 and mail.outbox[-1].subject == f"Order {order.number} cancelled"
    assert "but it was not picked up" in mail.outbox[-1].body
    assert "you were not charged" in mail.outbox[-1].body
    # running again changes nothing
    assert services.pickup_hold_sweep(now=after).canceled == 0


def test_lines_transferred_from_central_arrive_then_verify(market):
    market.berlin.allow_transfers = True
    market.berlin.save()
    order = pickup_order(market, market.berlin, [("MUG-WHT", 5)])  # Berlin holds 3
    f = StoreFulfilment.objects.get(order=order)
    routed = OrderEvent.objects.get(order=order, type="routed")
    assert "transfers from Leipzig central" in routed.message
    for _ in range(3):
        services.fulfilment_scan(f, "MUG-WHT")
    with pytest.raises(StoresError) as exc:
        services.fulfilment_scan(f, "MUG-WHT")
    assert exc.value.code == StoresErrorCode.TRANSFER_PENDING
    central_before = _stock(market.mug, market.central).quantity
    line = order.lines.get()
    assert services.fulfilment_receive_transfer(f, line.pk) == 2
    assert _stock(market.mug, market.central).quantity == central_before - 2
    berlin = _stock(market.mug, market.berlin.warehouse)
    assert (berlin.quantity, berlin.quantity_allocated) == (5, 5)
    services.fulfilment_scan(f, "MUG-WHT", quantity=2)
    services.fulfilment_mark_ready(f)


def test_ship_from_store_records_tracking_and_fulfils_from_the_store(
        market, payments, django_capture_on_commit_callbacks):
    from commerce.orders.services import OrderInput, OrderLineInput
    from hub.stores.models import RoutingAction, RoutingRule
    from hub.stores.routing import create_routed_order

    RoutingRule.objects.create(name="DE near store", priority=1, countries=["DE"],
                               action=RoutingAction.NEAREST_STORE, radius_km=50, allow_split=False)
    order = create_routed_order(
        OrderInput(channel=market.channel, currency="EUR", email="s@example.com",
                   lines=[OrderLineInput(sku="TEE-BLK-M", quantity=1)],
                   shipping_address={"first_name": "Ada", "city": "Berlin", "country": "DE",
                                     "street_address_1": "Unter den Linden 1",
                                     "postal_code": "10117"}),
        destination=None)
    f = StoreFulfilment.objects.get(order=order)
    assert (f.kind, f.store_id) == (FulfilmentKind.SHIP_FROM_STORE, market.berlin.pk)
    services.fulfilment_scan(f, "TEE-BLK-M")
    with pytest.raises(StoresError) as exc:
        services.fulfilment_ship(f, carrier="DHL", tracking_number="")
    assert exc.value.field == "tracking_number"
    with django_capture_on_commit_callbacks(execute=True):
        services.fulfilment_ship(f, carrier="DHL", tracking_number="00340434161094000001")
    f.refresh_from_db()
    order.refresh_from_db()
    assert f.status == FulfilmentStatus.SHIPPED and f.tracking_number == "00340434161094000001"
    assert order.status == OrderStatus.FULFILLED
    assert _stock(market.tee, market.berlin.warehouse).quantity == 4
    assert "00340434161094000001" in mail.outbox[-1].body


def test_the_beat_task_reminds_then_cancels_as_the_clock_moves_on(
        market, payments, django_capture_on_commit_callbacks):
    from hub.stores import tasks

    order, f, _code = _ready(market, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    # hold 3 days, reminder 1 day before: nothing on day 1, the reminder on day 2.5
    for days, expected in ((1, {"reminded": 0, "canceled": 0, "released": 0}),
                           (2.5, {"reminded": 1, "canceled": 0, "released": 0}),
                           (2.6, {"reminded": 0, "canceled": 0, "released": 0})):
        with mock.patch("django.utils.timezone.now",
                        return_value=f.ready_at + timedelta(days=days)), \
                django_capture_on_commit_callbacks(execute=True):
            assert tasks.pickup_hold_sweep() == expected
    assert [m.subject for m in mail.outbox] == [
        f"Reminder: your order {order.number} is waiting for you"]
    with mock.patch("django.utils.timezone.now", return_value=f.ready_at + timedelta(days=3.01)), \
            django_capture_on_commit_callbacks(execute=True):
        assert tasks.pickup_hold_sweep()["canceled"] == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELED and order.payment_status == PaymentStatus.NOT_CHARGED
    assert ("void", order.pk) in payments.calls
    assert _stock(market.tee, market.berlin.warehouse).quantity_allocated == 0
    assert mail.outbox[-1].subject == f"Order {order.number} cancelled"
    assert market.berlin.warehouse.name in mail.outbox[-1].body  # which store held it


def test_an_expired_pickup_code_is_refused_and_the_order_canceled(
        market, payments, django_capture_on_commit_callbacks):
    order, f, code = _ready(market, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    late = f.hold_until + timedelta(minutes=5)  # the sweep has not come round yet
    with mock.patch("django.utils.timezone.now", return_value=late), \
            django_capture_on_commit_callbacks(execute=True), \
            pytest.raises(StoresError) as exc:
        services.fulfilment_handover(f, code, clerk=market.clerk_berlin)
    assert exc.value.code == StoresErrorCode.CODE_EXPIRED
    assert f"order #{order.number} expired on" in exc.value.message
    f.refresh_from_db()
    order.refresh_from_db()
    assert f.status == FulfilmentStatus.CANCELED
    assert order.status == OrderStatus.CANCELED
    assert payments.calls == [("void", order.pk)]  # never captured, authorization released
    assert _stock(market.tee, market.berlin.warehouse).quantity_allocated == 0
    assert mail.outbox[-1].subject == f"Order {order.number} cancelled"
    # the same code later: the order is gone, not handed over
    with pytest.raises(StoresError) as again:
        services.fulfilment_handover(f, code, clerk=market.clerk_berlin)
    assert "was canceled" in again.value.message
    assert not PickupCodeAttempt.objects.filter(fulfilment=f, succeeded=True).exists()


def test_a_code_of_another_order_does_not_hand_this_one_over(
        market, django_capture_on_commit_callbacks):
    _o1, f1, code1 = _ready(market, django_capture_on_commit_callbacks, [("TEE-BLK-M", 1)])
    _o2, f2, code2 = _ready(market, django_capture_on_commit_callbacks, [("MUG-WHT", 1)])
    if code1 != code2:
        with pytest.raises(StoresError) as exc:
            services.fulfilment_handover(f2, code1, clerk=market.clerk_berlin)
        assert exc.value.code == StoresErrorCode.INVALID_CODE
    for bad in ("12345", "1234567", "abcdef", ""):  # fewer or more than 6 digits, not digits
        with pytest.raises(StoresError):
            services.fulfilment_handover(f2, bad, clerk=market.clerk_berlin)
    f2.refresh_from_db()
    assert f2.status == FulfilmentStatus.READY
