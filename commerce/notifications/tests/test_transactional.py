from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from commerce.channel.models import ChannelKind
from commerce.notifications.models import MessageLog
from commerce.notifications.rendering import qr_png
from commerce.notifications.services import (
    send_account_confirmation,
    send_order_cancelled,
    send_order_confirmation,
    send_order_refunded,
    send_order_shipped,
    send_password_reset,
    send_payment_failed,
    send_picked_up,
    send_pickup_reminder,
    send_ready_for_pickup,
    send_safely,
    tracking_url_for,
)
from commerce.tests.factories import ChannelFactory, UserFactory, WarehouseFactory

from .conftest import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def store(db: Any) -> Any:
    return WarehouseFactory(
        slug="berlin-mitte", name="Berlin Mitte", kind="store", country="DE", city="Berlin",
        postal_code="10178", street_address_1="Rosenthaler Str. 40", pickup_enabled=True,
        metadata={"timezone": "Europe/Berlin",
                  "opening_hours": [{"days": [0, 1, 2, 3, 4], "opens": "10:00",
                                     "closes": "20:00"}]},
    )


def _html(msg: Any) -> str:
    return msg.alternatives[0][0]


def test_order_confirmation_in_the_order_language(eu_channel: Any, shirt: Any,
                                                  django_capture_on_commit_callbacks: Any) -> None:
    order = make_order(eu_channel, shirt, email_address="grete@example.de", language="de",
                       quantity=2, unit_price=Decimal("617.25"))
    with django_capture_on_commit_callbacks(execute=True):
        log = send_order_confirmation(order)
    (msg,) = mail.outbox
    assert log is not None and log.language == "de"
    assert msg.subject == f"Bestellung {order.number} bestätigt"
    assert "1.234,50\xa0€" in msg.body and "1.234,50\xa0€" in _html(msg)
    assert "Vielen Dank für Ihre Bestellung!" in msg.body
    assert 'style="' in _html(msg)  # CSS inlined


def test_pickup_orders_get_the_pickup_variant(eu_channel: Any, shirt: Any, store: Any,
                                              django_capture_on_commit_callbacks: Any) -> None:
    order = make_order(eu_channel, shirt, email_address="ada@example.com",
                       collection_point=store)
    with django_capture_on_commit_callbacks(execute=True):
        log = send_order_confirmation(order)
    assert log.kind == "order_confirmation_pickup"
    assert "ready for pickup at Berlin Mitte" in mail.outbox[0].body
    assert "Mon–Fri" in mail.outbox[0].body


def test_ready_for_pickup_has_code_qr_address_hours_and_deadline(
        eu_channel: Any, shirt: Any, store: Any, django_capture_on_commit_callbacks: Any) -> None:
    order = make_order(eu_channel, shirt, email_address="grete@example.de", language="de",
                       collection_point=store)
    hold = dt.datetime(2026, 12, 4, 17, 0, tzinfo=dt.UTC)
    with django_capture_on_commit_callbacks(execute=True):
        send_ready_for_pickup(order, "7Q4-K9M", store, hold)
        send_ready_for_pickup(order, "7Q4-K9M", store, hold)  # the same event again
    (msg,) = mail.outbox
    message = msg.message()
    assert message.get_content_type() == "multipart/related"
    image = [p for p in message.walk() if p.get_content_maintype() == "image"][0]
    assert image["Content-ID"] == "<pickup-qr>"
    assert image.get_payload(decode=True).startswith(b"\x89PNG")
    assert 'src="cid:pickup-qr"' in _html(msg)
    assert "7Q4-K9M" in msg.body and "Rosenthaler Str. 40" in msg.body
    assert "Mo.–Fr. 10:00–20:00" in msg.body
    # 17:00 UTC is 18:00 in Berlin (the store's time zone), in German format.
    assert "Freitag, 4. Dezember 2026 18:00 (Berlin)" in msg.body


def test_reminder_shipped_picked_up_cancelled_refunded_failed(
        eu_channel: Any, shirt: Any, store: Any, django_capture_on_commit_callbacks: Any) -> None:
    order = make_order(eu_channel, shirt, email_address="ada@example.com", collection_point=store)
    hold = timezone.now() + dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        send_pickup_reminder(order, "7Q4-K9M", store, hold)
        send_order_shipped(order, carrier="DHL", tracking_number="JD0146 0000")
        send_picked_up(order)
        send_order_cancelled(order, reason="Out of stock")
        send_order_refunded(order, Decimal("49.90"), refund_id="re_1")
        send_order_refunded(order, Decimal("10.00"), refund_id="re_2")  # a second refund
        send_payment_failed(order, attempt_id="pi_1", reason="Card declined",
                            retry_url="https://shop.example.com/en/checkout/")
    subjects = [m.subject for m in mail.outbox]
    n = order.number
    assert subjects == [
        f"Reminder: your order {n} is waiting for you", f"Your order {n} is on its way",
        f"Order {n} picked up", f"Order {n} cancelled", f"Refund for order {n}",
        f"Refund for order {n}", f"Payment for order {n} failed",
    ]
    shipped = mail.outbox[1]
    assert tracking_url_for("DHL", "JD0146 0000") in shipped.body
    assert "tracking-id=JD0146%200000" in shipped.body
    assert "We have refunded €49.90" in mail.outbox[4].body
    assert "Card declined" in mail.outbox[6].body


def test_account_emails_each_link_once(db: Any, django_capture_on_commit_callbacks: Any) -> None:
    user = UserFactory(email="new@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        send_account_confirmation(user, "https://shop.example.com/en/account/confirm/t1/",
                                  language="fr")
        send_password_reset(user, "https://shop.example.com/en/account/reset/r1/")
        send_password_reset(user, "https://shop.example.com/en/account/reset/r1/")
        send_password_reset(user, "https://shop.example.com/en/account/reset/r2/")
    assert [m.subject for m in mail.outbox] == [
        "Confirmez votre compte chez Omniport Shop", "Reset your password",
        "Reset your password",
    ]
    assert "/account/reset/r2/" in mail.outbox[2].body


def test_transactional_mail_ignores_marketing_consent(eu_channel: Any, shirt: Any,
                                                      django_capture_on_commit_callbacks: Any) -> None:
    order = make_order(eu_channel, shirt, email_address="noconsent@example.com")
    assert not order.customer.marketing_consent
    with django_capture_on_commit_callbacks(execute=True):
        send_order_confirmation(order)
    assert MessageLog.objects.get().status == "sent"


def test_marketplace_orders_are_left_to_the_marketplace(shirt: Any) -> None:
    amazon = ChannelFactory(slug="amazon-us", kind=ChannelKind.MARKETPLACE, currency_code="EUR")
    order = make_order(amazon, shirt, email_address="relay@marketplace.amazon.com")
    assert send_order_confirmation(order) is None
    assert not MessageLog.objects.exists()


def test_an_uncollected_pickup_is_cancelled_with_store_deadline_and_released_payment(
        eu_channel: Any, shirt: Any, store: Any, django_capture_on_commit_callbacks: Any) -> None:
    order = make_order(eu_channel, shirt, email_address="grete@example.de", language="de",
                       collection_point=store)
    hold = dt.datetime(2026, 12, 4, 17, 0, tzinfo=dt.UTC)
    with django_capture_on_commit_callbacks(execute=True):
        send_order_cancelled(order, store=store, hold_until=hold, payment_released=True)
        send_order_cancelled(order)  # a second cancel path: still one email per order
    (msg,) = mail.outbox
    assert msg.subject == f"Bestellung {order.number} storniert"
    body = " ".join(msg.body.split())
    assert ("bis Freitag, 4. Dezember 2026 18:00 (Berlin) in Berlin Mitte für Sie "
            "bereitgehalten, aber sie wurde nicht abgeholt") in body
    assert "Der auf Ihrer Karte reservierte Betrag wurde freigegeben" in body
    assert "erstatten" not in body  # nothing was charged, so no refund promise


def test_a_reminder_repeats_the_code_and_qr_of_the_ready_email(
        eu_channel: Any, shirt: Any, store: Any, django_capture_on_commit_callbacks: Any) -> None:
    order = make_order(eu_channel, shirt, email_address="ada@example.com", collection_point=store)
    hold = timezone.now() + dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        send_ready_for_pickup(order, "482913", store, hold, qr_payload="SHOP:1:482913")
        send_pickup_reminder(order, "", store, hold)  # stores keep only the code's hash
    _ready, reminder = mail.outbox
    assert "482913" in reminder.body
    qr = [p for p in reminder.message().walk() if p.get_content_maintype() == "image"][0]
    assert qr.get_payload(decode=True) == qr_png("SHOP:1:482913")


def test_a_reminder_without_any_code_points_to_the_earlier_email(
        eu_channel: Any, shirt: Any, store: Any, django_capture_on_commit_callbacks: Any) -> None:
    order = make_order(eu_channel, shirt, email_address="ada@example.com", collection_point=store)
    with django_capture_on_commit_callbacks(execute=True):
        send_pickup_reminder(order, "", store, timezone.now() + dt.timedelta(days=1))
    (msg,) = mail.outbox
    assert "Bring the pickup code from our earlier email." in msg.body
    assert not [p for p in msg.message().walk() if p.get_content_maintype() == "image"]


def store_profile(warehouse: Any) -> dict[str, Any]:
    return {"timezone": "Asia/Tokyo",
            "hours": [{"days": [5, 6], "opens": "11:00", "closes": "19:00"}]}


def test_store_hours_and_time_zone_come_from_the_store_profile(
        eu_channel: Any, shirt: Any, store: Any, settings: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    settings.NOTIFICATIONS_STORE_DETAILS = f"{__name__}.store_profile"
    order = make_order(eu_channel, shirt, email_address="ada@example.com", collection_point=store)
    with django_capture_on_commit_callbacks(execute=True):
        send_ready_for_pickup(order, "111222", store,
                              dt.datetime(2026, 12, 4, 17, 0, tzinfo=dt.UTC))
    body = mail.outbox[0].body.replace("\u202f", " ")
    assert "Sat–Sun 11:00 AM–7:00 PM" in body and "Mon–Fri" not in body
    assert "Saturday, December 5, 2026 2:00 AM (Tokyo)" in body


def test_account_emails_once_per_window(db: Any, django_capture_on_commit_callbacks: Any) -> None:
    user = UserFactory(email="ada@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        send_password_reset(user, "https://shop.example.com/en/r/1/", once_per="w1")
        send_password_reset(user, "https://shop.example.com/en/r/2/", once_per="w1")
        send_password_reset(user, "https://shop.example.com/en/r/3/", once_per="w2")
    assert ["/r/1/" in m.body for m in mail.outbox] == [True, False]
    assert "/r/3/" in mail.outbox[1].body


def test_send_safely_keeps_the_business_transaction(eu_channel: Any, shirt: Any,
                                                   caplog: Any) -> None:
    from django.db import connection, transaction

    order = make_order(eu_channel, shirt, email_address="ada@example.com")

    def broken(_order: Any) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")  # poisons a plain transaction

    with transaction.atomic():
        assert send_safely(broken, order) is None
        assert send_safely(send_order_confirmation, order) is not None  # still usable
    assert "could not queue the broken email" in caplog.text
    assert MessageLog.objects.filter(kind="order_confirmation").count() == 1
