"""Bounces and complaints arrive through anymail's tracking webhooks."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.test import Client

from commerce.notifications.models import MessageLog, Suppression
from commerce.notifications.services import deliver_messages, idempotency_key, send_email

pytestmark = pytest.mark.django_db


@pytest.fixture
def webhook_client(settings: Any) -> Client:
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:s3cret"}
    auth = base64.b64encode(b"hook:s3cret").decode()
    return Client(HTTP_AUTHORIZATION=f"Basic {auth}")


def _post(client: Client, payload: dict[str, Any]) -> int:
    return client.post("/anymail/postmark/tracking/", data=json.dumps(payload),
                       content_type="application/json").status_code


def test_hard_bounce_and_complaint_suppress_the_address(webhook_client: Client) -> None:
    log = send_email("password_reset", to="gone@example.com", language="en",
                     context={"reset_url": "https://x/", "valid_hours": 24},
                     idempotency_key=idempotency_key("transactional", "reset", "gone@example.com", "1"))
    MessageLog.objects.filter(pk=log.pk).update(provider_message_id="pm-123", status="sent")

    assert _post(webhook_client, {
        "RecordType": "Bounce", "Type": "HardBounce", "TypeCode": 1, "MessageID": "pm-123",
        "Email": "Gone@Example.com", "Description": "The server was unable to deliver your message",
        "Details": "smtp;550 5.1.1 unknown user", "BouncedAt": "2026-11-21T10:00:00Z",
    }) == 200
    assert _post(webhook_client, {
        "RecordType": "SpamComplaint", "Type": "SpamComplaint", "TypeCode": 512,
        "MessageID": "pm-456", "Email": "angry@example.com", "BouncedAt": "2026-11-21T10:00:00Z",
    }) == 200
    assert dict(Suppression.objects.values_list("email", "reason")) == {
        "gone@example.com": "bounced", "angry@example.com": "complained"}
    log.refresh_from_db()
    assert log.last_event == "bounced"

    again = send_email("password_reset", to="gone@example.com", language="en",
                       context={"reset_url": "https://x/2", "valid_hours": 24},
                       idempotency_key=idempotency_key("transactional", "reset", "gone@example.com", "2"))
    deliver_messages([again.pk])
    again.refresh_from_db()
    assert again.status == "suppressed"


def test_webhook_without_the_secret_is_refused(webhook_client: Client) -> None:
    response = Client().post("/anymail/postmark/tracking/", data="{}",
                             content_type="application/json")
    assert response.status_code in (400, 401, 403)
    assert not Suppression.objects.exists()
