"""Double opt-in, one-click unsubscribe (RFC 8058), forged and expired links."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from commerce.account.models import Customer
from commerce.notifications.models import ConsentEvent, MessageLog
from commerce.notifications.services import (
    consent_request,
    deliver_messages,
    flow_run,
    idempotency_key,
    marketing_allowed,
    send_email,
)
from commerce.notifications.services.mailer import unsubscribe_url_for
from commerce.notifications.tokens import TokenPurpose, make_token

from .conftest import PUBLIC_URL, opt_in

pytestmark = pytest.mark.django_db


def _path(url: str) -> str:
    return url.removeprefix(PUBLIC_URL)


def test_double_opt_in_records_time_source_and_ip(eu_channel: Any,
                                                  django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = Client(REMOTE_ADDR="198.51.100.4").post(
            "/fr/email/subscribe/", {"email": " New@Example.com ", "channel": "eu",
                                      "source": "footer-form"})
    assert response.status_code == 200 and "Consultez votre boîte de réception" in response.content.decode()
    (confirmation,) = mail.outbox
    assert confirmation.subject == "Veuillez confirmer votre abonnement"
    assert "List-Unsubscribe" not in confirmation.extra_headers
    assert marketing_allowed(["new@example.com"]) == set()  # not before the click

    # A marketing email queued now is held back, not sent.
    flow_run("welcome")
    assert len(mail.outbox) == 1

    link = next(w for w in confirmation.body.split() if "/email/confirm/" in w)
    response = Client(REMOTE_ADDR="198.51.100.9").get(_path(link))
    assert response.status_code == 200 and "Votre abonnement est confirmé" in response.content.decode()
    customer = Customer.objects.get(email="new@example.com")
    assert customer.marketing_consent and customer.marketing_consent_at
    assert customer.marketing_consent_source == "footer-form"
    assert str(customer.marketing_consent_ip) == "198.51.100.9"
    assert customer.preferred_language == "fr"
    events = list(ConsentEvent.objects.order_by("at", "pk").values_list("action", "ip", "channel__slug"))
    assert events == [("requested", "198.51.100.4", "eu"), ("confirmed", "198.51.100.9", "eu")]
    assert marketing_allowed(["new@example.com"]) == {"new@example.com"}

    Client().get(_path(link))  # clicked again: still one confirmation
    assert ConsentEvent.objects.filter(action="confirmed").count() == 1


def test_subscribe_form_rejects_a_bad_address(db: Any) -> None:
    response = Client().post("/de/email/subscribe/", {"email": "nope"})
    assert response.status_code == 400
    assert "Bitte geben Sie eine gültige E-Mail-Adresse ein." in response.content.decode()
    assert not Customer.objects.exists() and not MessageLog.objects.exists()


def test_marketing_mail_without_double_opt_in_is_suppressed(db: Any) -> None:
    # Someone set the flag without the opt-in link being clicked: not good enough.
    Customer.objects.create(email="flag@example.com", marketing_consent=True)
    log = send_email("winback", to="flag@example.com", language="en",
                     context={"last_order_at": timezone.now()},
                     idempotency_key=idempotency_key("winback", 1, "flag@example.com", "x"))
    deliver_messages([log.pk])
    log.refresh_from_db()
    assert log.status == "suppressed" and "double opt-in" in log.error and mail.outbox == []


def test_unsubscribe_page_then_one_click_takes_effect_at_once(eu_channel: Any) -> None:
    opt_in("fan@example.com", channel=eu_channel)
    queued = send_email("winback", to="fan@example.com", language="en",
                        context={"last_order_at": timezone.now()},
                        idempotency_key=idempotency_key("winback", 1, "fan@example.com", "o1"))
    url = unsubscribe_url_for("fan@example.com", "de")
    assert url.startswith("https://")

    page = Client().get(_path(url))  # link scanners GET: nothing changes
    assert page.status_code == 200 and "<form method=\"post\">" in page.content.decode()
    assert marketing_allowed(["fan@example.com"]) == {"fan@example.com"}

    client = Client(enforce_csrf_checks=True)  # no cookies, no session, no CSRF token
    response = client.post(_path(url), data="List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200 and "Sie sind abgemeldet" in response.content.decode()
    assert marketing_allowed(["fan@example.com"]) == set()
    assert ConsentEvent.objects.filter(action="withdrawn", source="one-click").count() == 1

    deliver_messages([queued.pk])  # already queued before the click: not sent
    queued.refresh_from_db()
    assert queued.status == "suppressed" and mail.outbox == []


def test_forged_and_expired_unsubscribe_links_change_nothing(eu_channel: Any) -> None:
    opt_in("fan@example.com", channel=eu_channel)
    good = _path(unsubscribe_url_for("fan@example.com", "en"))
    forged = good.replace("/unsubscribe/", "/unsubscribe/A")
    other = make_token(TokenPurpose.CART, {"e": "fan@example.com"})  # right data, wrong purpose
    expired = make_token(TokenPurpose.UNSUBSCRIBE, {"e": "fan@example.com"},
                         now=timezone.now() - dt.timedelta(days=400))
    for path, status, text in [
        (forged, 400, "This link is not valid"),
        (f"/en/email/unsubscribe/{other}/", 400, "This link is not valid"),
        (f"/en/email/unsubscribe/{expired}/", 410, "This link has expired"),
    ]:
        for method in ("get", "post"):
            response = getattr(Client(), method)(path)
            assert response.status_code == status, (path, method)
            assert text in response.content.decode() and "Nothing has been changed." in response.content.decode()
    assert marketing_allowed(["fan@example.com"]) == {"fan@example.com"}
    assert not ConsentEvent.objects.filter(action="withdrawn").exists()


def test_consent_request_is_not_a_mail_bomb(db: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            consent_request("victim@example.com", source="form", ip="192.0.2.1")
    assert len(mail.outbox) == 1
    assert ConsentEvent.objects.filter(action="requested").count() == 3
