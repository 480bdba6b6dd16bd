"""Suppression list (bounces, complaints) and the anymail tracking-event handler."""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction

from ..models import MessageLog, Suppression, SuppressionReason

logger = logging.getLogger(__name__)

# anymail's normalized reject reasons that mean "this address will not work"
_BAD_ADDRESS_REJECTS = {"bounced", "invalid", "spam"}


def suppression_add(email: str, reason: str, *, detail: str = "", esp_name: str = "") -> bool:
    """Stop sending to ``email``; True if it was newly added."""
    email = (email or "").strip().lower()
    if not email:
        return False
    try:
        with transaction.atomic():
            _obj, created = Suppression.objects.get_or_create(
                email=email, defaults={"reason": reason, "detail": detail[:2000],
                                       "esp_name": esp_name[:64]},
            )
    except IntegrityError:  # a concurrent webhook added it first
        return False
    return created


def suppression_remove(email: str) -> bool:
    return Suppression.objects.filter(email=(email or "").strip().lower()).delete()[0] > 0


def tracking_event_record(event: Any, esp_name: str = "") -> None:
    """Handle one normalized anymail tracking event (from any provider's webhook).

    Hard bounces, complaints and bad-address rejections add the recipient to the
    suppression list; an ESP-side unsubscribe withdraws marketing consent. The
    event is also noted on the message's log row when we know its provider id.
    """
    from .consent import consent_withdraw

    kind = getattr(event, "event_type", "") or ""
    recipient = (getattr(event, "recipient", "") or "").strip().lower()
    detail = str(getattr(event, "description", "") or getattr(event, "mta_response", "") or "")
    if kind == "bounced":
        suppression_add(recipient, SuppressionReason.BOUNCED, detail=detail, esp_name=esp_name)
    elif kind == "complained":
        suppression_add(recipient, SuppressionReason.COMPLAINED, detail=detail, esp_name=esp_name)
    elif kind == "rejected" and getattr(event, "reject_reason", None) in _BAD_ADDRESS_REJECTS:
        suppression_add(recipient, SuppressionReason.REJECTED, detail=detail, esp_name=esp_name)
    elif kind == "unsubscribed" and recipient:
        consent_withdraw(recipient, source=f"esp:{esp_name}"[:64])
    message_id = getattr(event, "message_id", None)
    if message_id and kind:
        MessageLog.objects.filter(provider_message_id=str(message_id)).update(last_event=kind[:32])
    logger.info("email event %s for %s via %s", kind, recipient, esp_name)
