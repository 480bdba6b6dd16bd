"""What a store order's customer receives: one email per event, in the order's language,
through the shop's mailer (ready with code and QR, picked up, shipped with tracking)."""

from __future__ import annotations

from datetime import time
from unittest import mock

import pytest
from django.core import mail

from commerce.notifications.models import MessageLog
from commerce.notifications.services import tracking_url_for
from commerce.orders.models import Order
from hub.stores import services
from hub.stores.errors import StoresError
from hub.stores.models import FulfilmentStatus, StoreFulfilment
from hub.stores.notify import NotifyEvent, notify_customer, opening_hours_spec, store_details
from hub.stores.tests.utils import pickup_order

pytestmark = pytest.mark.django_db(transaction=False)


def _verified_pickup(m, language: str = "de"):  # noqa: ANN001, ANN202
    order = pickup_order(m, m.berlin, [("TEE-BLK-M", 1)])
    Order.objects.filter(pk=order.pk).update(language_code=language)
    f = StoreFulfilment.objects.get(order=order)
    services.fulfilment_scan(f, "TEE-BLK-M", clerk=m.clerk_berlin)
    return order, f


def test_ready_resend_and_handover_each_send_one_german_email(
        market, payments, django_capture_on_commit_callbacks):
    order, f = _verified_pickup(market)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.fulfilment_mark_ready(f, clerk=market.clerk_berlin)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.fulfilment_resend_code(f, clerk=market.clerk_berlin)
    f.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        notify_customer(NotifyEvent.PICKUP_READY, f, code=second)  # the same event again
    with django_capture_on_commit_callbacks(execute=True):
        services.fulfilment_handover(f, second, clerk=market.clerk_berlin)

    n = order.number
    assert [m.subject for m in mail.outbox] == [
        f"Bestellung {n} ist abholbereit", f"Bestellung {n} ist abholbereit",
        f"Bestellung {n} abgeholt"]
    assert first in mail.outbox[0].body and second in mail.outbox[1].body
    assert "Mo.–Sa. 09:00–20:00" in mail.outbox[0].body  # the store's own hours, in German
    assert "Berlin store" in mail.outbox[2].body
    assert MessageLog.objects.filter(order=order).count() == 3


def test_a_failed_capture_sends_no_picked_up_email(market, payments,
                                                   django_capture_on_commit_callbacks):
    order, f = _verified_pickup(market)
    with django_capture_on_commit_callbacks(execute=True):
        code = services.fulfilment_mark_ready(f)
    payments.fail_next_capture = True
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(StoresError):
        services.fulfilment_handover(f, code, clerk=market.clerk_berlin)
    assert not MessageLog.objects.filter(order=order, kind="picked_up").exists()
    assert len(mail.outbox) == 1  # only "ready"


def test_an_email_problem_never_blocks_the_handover(market, payments, caplog,
                                                     django_capture_on_commit_callbacks):
    order, f = _verified_pickup(market)
    with django_capture_on_commit_callbacks(execute=True):
        code = services.fulfilment_mark_ready(f)
    with mock.patch("hub.stores.notify.send_picked_up", side_effect=RuntimeError("bug")), \
            django_capture_on_commit_callbacks(execute=True):
        services.fulfilment_handover(f, code, clerk=market.clerk_berlin)
    f.refresh_from_db()
    assert f.status == FulfilmentStatus.COLLECTED
    assert payments.calls == [("capture", order.pk)]
    assert "could not queue the" in caplog.text and "RuntimeError: bug" in caplog.text


def test_ship_from_store_sends_carrier_and_tracking_link_once(
        market, payments, django_capture_on_commit_callbacks):
    from commerce.orders.services import OrderInput, OrderLineInput
    from hub.stores.models import RoutingAction, RoutingRule
    from hub.stores.routing import create_routed_order

    RoutingRule.objects.create(name="DE near store", priority=1, countries=["DE"],
                               action=RoutingAction.NEAREST_STORE, radius_km=50, allow_split=False)
    order = create_routed_order(
        OrderInput(channel=market.channel, currency="EUR", email="s@example.com",
                   language_code="fr", lines=[OrderLineInput(sku="TEE-BLK-M", quantity=1)],
                   shipping_address={"first_name": "Ada", "city": "Berlin", "country": "DE",
                                     "street_address_1": "Unter den Linden 1",
                                     "postal_code": "10117"}),
        destination=None)
    f = StoreFulfilment.objects.get(order=order)
    services.fulfilment_scan(f, "TEE-BLK-M")
    with django_capture_on_commit_callbacks(execute=True):
        services.fulfilment_ship(f, carrier="DHL", tracking_number="00340434161094000001")
    f.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        notify_customer(NotifyEvent.SHIPPED, f)  # a retried task: nothing new
    (email,) = mail.outbox
    assert email.to == ["s@example.com"]
    assert email.subject == f"Votre commande {order.number} est en route"
    assert tracking_url_for("DHL", "00340434161094000001") in email.body
    assert "DHL" in email.body


def test_opening_hours_are_grouped_for_the_email(market):
    store = market.munich
    services.store_save(store, hours=[
        *[services.Period(d, time(9), time(12)) for d in range(5)],
        *[services.Period(d, time(14), time(18)) for d in range(5)],
        services.Period(5, time(10), time(14)),
    ])
    assert opening_hours_spec(store) == [
        {"days": [0, 1, 2, 3, 4], "opens": "09:00", "closes": "12:00"},
        {"days": [0, 1, 2, 3, 4], "opens": "14:00", "closes": "18:00"},
        {"days": [5], "opens": "10:00", "closes": "14:00"},
    ]
    assert store_details(store.warehouse)["timezone"] == "Europe/Berlin"
    assert store_details(market.central) == {}  # not a store
