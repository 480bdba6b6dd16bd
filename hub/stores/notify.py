"""Customer messages of the store flows, all through :func:`notify_customer`.

Until the email work's mailer lands this sends a plain transactional email
with ``django.core.mail`` (text + HTML, the QR code inline); the lead re-points
this one function at the mailer after merge. Called from
``transaction.on_commit`` so nothing is sent for work that rolled back.
"""

from __future__ import annotations

import io
import logging
from email.mime.image import MIMEImage
from typing import Any

import qrcode
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from .models import StoreFulfilment

logger = logging.getLogger(__name__)

QR_PREFIX = "OMNIPORT-PICKUP"


class NotifyEvent:
    PICKUP_READY = "pickup_ready"
    PICKUP_REMINDER = "pickup_reminder"
    PICKUP_CANCELED = "pickup_canceled"
    SHIPPED = "shipped"


def qr_payload(order_number: int, code: str) -> str:
    """What the QR in the email encodes; the clerk console accepts it or the bare code."""
    return f"{QR_PREFIX}:{order_number}:{code}"


def qr_png(payload: str) -> bytes:
    buffer = io.BytesIO()
    qrcode.make(payload, box_size=8, border=2).save(buffer, format="PNG")
    return buffer.getvalue()


def _subject(event: str, number: int) -> str:
    return {
        NotifyEvent.PICKUP_READY: _("Order #%(n)s is ready for pickup"),
        NotifyEvent.PICKUP_REMINDER: _("Reminder: order #%(n)s is waiting for you"),
        NotifyEvent.PICKUP_CANCELED: _("Order #%(n)s was canceled: not picked up in time"),
        NotifyEvent.SHIPPED: _("Order #%(n)s is on its way"),
    }[event] % {"n": number}


def notify_customer(event: str, fulfilment: StoreFulfilment, *, code: str | None = None) -> bool:
    """Email the customer about their store order; returns False when there is nobody to tell."""
    from .selectors import store_hours_lines

    order = fulfilment.order
    recipient = order.user_email
    if not recipient:
        logger.info("Order %s has no email; %s not sent", order.number, event)
        return False
    store = fulfilment.store
    with translation.override(order.language_code or settings.LANGUAGE_CODE):
        context: dict[str, Any] = {
            "order": order,
            "fulfilment": fulfilment,
            "store": store,
            "address_lines": store.warehouse.address_lines,
            "hours": store_hours_lines(store),
            "hold_until": fulfilment.hold_until,
            "time_zone": store.time_zone,
            "code": code,
            "event": event,
        }
        subject = _subject(event, order.number)
        text = render_to_string("stores/email/customer.txt", context)
        html = render_to_string("stores/email/customer.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [recipient])
    message.attach_alternative(html, "text/html")
    if code:
        image = MIMEImage(qr_png(qr_payload(order.number, code)), _subtype="png")
        image.add_header("Content-ID", "<pickup-qr>")
        image.add_header("Content-Disposition", "inline", filename="pickup-code.png")
        message.mixed_subtype = "related"  # type: ignore[attr-defined]
        message.attach(image)
    message.send()
    return True
