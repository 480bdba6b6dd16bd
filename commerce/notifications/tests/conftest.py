"""Fixtures for the email flow tests: a real SMTP server on loopback, opted-in
customers, orders and checkouts, and time travel by passing ``now``."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
import threading
import time
from decimal import Decimal
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.utils import timezone

from commerce.account.models import Customer
from commerce.channel.models import ChannelKind
from commerce.checkout.models import Checkout, CheckoutLine
from commerce.notifications import rendering
from commerce.notifications.models import MessageLog
from commerce.notifications.services import consent
from commerce.notifications.services.mailer import deliver_messages
from commerce.orders.models import Order, OrderEvent, OrderLine, OrderStatus
from commerce.orders.services import next_order_number
from commerce.tests.factories import ChannelFactory, VariantFactory, VariantListingFactory

PUBLIC_URL = "https://shop.example.com"


@pytest.fixture(scope="session", autouse=True)
def _compiled_locales() -> None:
    call_command("compile_locales", verbosity=0)


@pytest.fixture(autouse=True)
def _email_settings(settings: Any) -> None:
    settings.PUBLIC_URL = PUBLIC_URL
    settings.NOTIFICATIONS_DELIVERY = "inline"
    settings.SHOP_NAME = "Omniport Shop"
    settings.SHOP_POSTAL_ADDRESS = "Omniport GmbH · Torstraße 1 · 10119 Berlin · Germany"
    settings.DEFAULT_FROM_EMAIL = "Omniport Shop <shop@omniport.example>"
    rendering.clear_caches()


# --- A real SMTP server on loopback -------------------------------------------------------
class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        msg = email.message_from_bytes(envelope.original_content or envelope.content,
                                       policy=email.policy.default)
        with self._lock:
            self.messages.append(msg)  # type: ignore[arg-type]
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.messages) < count:
            time.sleep(0.02)
        return list(self.messages)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server() -> Any:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port  # type: ignore[attr-defined]
    yield inbox
    controller.stop()


@pytest.fixture
def real_smtp(settings: Any, smtp_server: Inbox) -> Inbox:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_server.port  # type: ignore[attr-defined]
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    return smtp_server


# --- Shop data -------------------------------------------------------------------------
@pytest.fixture
def eu_channel(db: Any) -> Any:
    return ChannelFactory(slug="eu", name="EU", currency_code="EUR", default_country="DE",
                          countries=["DE", "FR", "ES"], default_language="en",
                          languages=["en", "de", "fr", "es"], kind=ChannelKind.STOREFRONT)


@pytest.fixture
def shirt(eu_channel: Any) -> Any:
    variant = VariantFactory(sku="SHIRT-M", name="M")
    VariantListingFactory(variant=variant, channel=eu_channel, price_amount=Decimal("49.90"))
    return variant


def opt_in(email_address: str, *, channel: Any = None, language: str = "en",
           at: dt.datetime | None = None, ip: str = "203.0.113.7", **customer: Any) -> Customer:
    """Double opt-in the way a shopper does it: request, then click the emailed link."""
    at = at or timezone.now()
    log = consent.consent_request(email_address, source="test", ip=ip, channel=channel,
                                  language=language, now=at)
    assert log is not None
    token = log.context["confirm_url"].rstrip("/").rsplit("/", 1)[1]
    cust = consent.consent_confirm(token, ip=ip, now=at)
    if customer:
        Customer.objects.filter(pk=cust.pk).update(**customer)
        cust.refresh_from_db()
    return cust


def make_order(channel: Any, variant: Any, *, email_address: str, language: str = "en",
               quantity: int = 1, unit_price: Decimal = Decimal("49.90"),
               status: str = OrderStatus.UNFULFILLED, customer: Any = None,
               created_at: dt.datetime | None = None, **extra: Any) -> Order:
    customer = customer or Customer.objects.get_or_create(email=email_address)[0]
    total = unit_price * quantity
    order = Order.objects.create(
        number=next_order_number(), channel=channel, currency=channel.currency_code,
        language_code=language, customer=customer, user_email=email_address, status=status,
        subtotal_gross_amount=total, subtotal_net_amount=total, total_gross_amount=total,
        total_net_amount=total, **extra,
    )
    OrderLine.objects.create(
        order=order, variant=variant, product_name=variant.product.name,
        variant_name=variant.name, product_sku=variant.sku, quantity=quantity,
        currency=channel.currency_code, unit_price_net_amount=unit_price,
        unit_price_gross_amount=unit_price, total_price_net_amount=total,
        total_price_gross_amount=total,
    )
    if created_at:
        Order.objects.filter(pk=order.pk).update(created_at=created_at)
        order.refresh_from_db()
    return order


def make_checkout(channel: Any, variant: Any, *, email_address: str, language: str = "en",
                  last_change: dt.datetime, quantity: int = 2) -> Checkout:
    checkout = Checkout.objects.create(channel=channel, email=email_address,
                                       language_code=language, currency=channel.currency_code)
    CheckoutLine.objects.create(checkout=checkout, variant=variant, quantity=quantity)
    Checkout.objects.filter(pk=checkout.pk).update(created_at=last_change, last_change=last_change)
    checkout.refresh_from_db()
    return checkout


def fulfil(order: Order, at: dt.datetime) -> None:
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.FULFILLED)
    event = OrderEvent.objects.create(order=order, type="fulfilled")
    OrderEvent.objects.filter(pk=event.pk).update(date=at)


def sent_logs(**filters: Any) -> list[MessageLog]:
    return list(MessageLog.objects.filter(status="sent", **filters).order_by("created_at"))


def deliver_queued() -> None:
    deliver_messages(MessageLog.objects.filter(status="queued").values_list("pk", flat=True))
