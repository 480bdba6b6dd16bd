"""Emails to the shop's own staff (not shoppers): one per alert and recipient.

The caller (the hub, for its alerts) decides who hears about what; this module
renders in each recipient's language through the one mailer, so a retried task or
two workers racing still send each staff member one email per alert.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.utils import translation

from ..models import MessageLog
from .mailer import idempotency_key, send_email


def send_merchant_alert(*, alert_ref: str, recipients: Iterable[tuple[str, str]],
                        title: Callable[[], Any], message: str, severity: Callable[[], Any],
                        url: str, raised_at: datetime) -> list[MessageLog]:
    """Mail ``(email, language)`` recipients about one alert.

    ``title`` and ``severity`` are called inside each recipient's language, so lazy
    translated labels come out in that language.
    """
    logs = []
    for email, language in dict.fromkeys(recipients):
        with translation.override(language):
            context = {"alert_title": str(title()), "alert_severity": str(severity()),
                       "alert_message": message, "alert_url": url, "raised_at": raised_at,
                       "recipient_name": ""}
        logs.append(send_email(
            "merchant_alert", to=email, language=language, context=context,
            idempotency_key=idempotency_key("merchant_alert", 0, email, alert_ref),
            marketing=False, object_ref=alert_ref))
    return logs
