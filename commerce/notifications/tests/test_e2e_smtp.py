"""End to end over a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from commerce.account.models import Customer
from commerce.notifications.services import flow_run, send_order_confirmation

from .conftest import PUBLIC_URL, make_order, opt_in

pytestmark = pytest.mark.django_db


def _parts(msg: Any) -> dict[str, str]:
    return {part.get_content_type(): part.get_content() for part in msg.walk()
            if part.get_content_maintype() == "text"}


def test_german_order_confirmation_arrives_in_german_with_euro_formatting(
        real_smtp: Any, eu_channel: Any, shirt: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    customer = Customer.objects.create(email="grete@example.de", first_name="Grete",
                                       preferred_language="de")
    order = make_order(eu_channel, shirt, email_address=customer.email, language="de",
                       customer=customer, quantity=2, unit_price=Decimal("617.25"))
    with django_capture_on_commit_callbacks(execute=True):
        send_order_confirmation(order)

    (msg,) = real_smtp.wait_for(1)
    assert msg["To"] == "grete@example.de"
    assert msg["Subject"] == f"Bestellung {order.number} bestätigt"
    assert msg["Content-Language"] == "de"
    parts = _parts(msg)
    assert set(parts) == {"text/plain", "text/html"}
    for body in parts.values():
        assert "Hallo Grete," in body
        assert "1.234,50\xa0€" in body
    assert "List-Unsubscribe" not in msg


def test_marketing_mail_carries_rfc8058_headers_and_one_click_works(
        real_smtp: Any, eu_channel: Any) -> None:
    now = timezone.now()
    opt_in("fan@example.com", channel=eu_channel, language="de", at=now, first_name="Fritz")
    flow_run("welcome", now=now)

    (msg,) = real_smtp.wait_for(1)
    assert msg["Subject"] == "Willkommen bei Omniport Shop"
    unsubscribe = str(msg["List-Unsubscribe"]).strip()  # may be folded onto its own line
    assert unsubscribe.startswith(f"<{PUBLIC_URL}/de/email/unsubscribe/") and unsubscribe.endswith(">")
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = unsubscribe.strip("<>")
    parts = _parts(msg)
    assert url in parts["text/html"] and url in parts["text/plain"]  # visible link too
    assert "Torstraße 1" in parts["text/html"] and "Torstraße 1" in parts["text/plain"]

    # The mail client's one-click POST: no cookies, no login, no CSRF token.
    client = Client(enforce_csrf_checks=True)
    response = client.post(url.removeprefix(PUBLIC_URL), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert not Customer.objects.get(email="fan@example.com").marketing_consent
