"""Typed helpers for every transactional email. Each picks the recipient, the
language (order language, then the customer's, then the channel's) and the
idempotency key, snapshots the data the template needs, and calls send_email.

Transactional mail ignores marketing consent but never goes to suppressed or
invalid addresses. Marketplace orders are left to the marketplace (their buyer
addresses are relays and the marketplaces forbid shop mail)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import quote

from django.db import transaction
from django.utils import translation

from commerce.account.models import Customer
from commerce.channel.models import ChannelKind

from .. import conf
from ..formatting import pick_language
from ..models import MessageLog
from ..tokens import TokenPurpose, make_token
from .flows import checkout_email, checkout_lines
from .mailer import idempotency_key, send_email

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Public tracking pages by carrier; anything else goes to 17TRACK's universal search.
CARRIER_TRACKING_URLS = {
    "dhl": "https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id={n}",
    "dhl express": "https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id={n}",
    "dhl paket": "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode={n}",
    "ups": "https://www.ups.com/track?tracknum={n}",
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={n}",
    "usps": "https://tools.usps.com/go/TrackConfirmAction?tLabels={n}",
    "royal mail": "https://www.royalmail.com/track-your-item#/tracking-results/{n}",
    "dpd": "https://tracking.dpd.de/status/en_US/parcel/{n}",
    "gls": "https://gls-group.com/track/{n}",
    "la poste": "https://www.laposte.fr/outils/suivre-vos-envois?code={n}",
    "colissimo": "https://www.laposte.fr/outils/suivre-vos-envois?code={n}",
    "correos": "https://www.correos.es/es/es/herramientas/localizador/envios/detalle?tracking-number={n}",
    "japan post": "https://trackings.post.japanpost.jp/services/srv/search/?requestNo1={n}&locale=en",
    "yamato": "https://toi.kuronekoyamato.co.jp/cgi-bin/tneko?number01={n}",
    "sf express": "https://www.sf-express.com/chn/en/waybill/waybill-detail/{n}",
    "china post": "https://t.17track.net/en#nums={n}",
}


def tracking_url_for(carrier: str, tracking_number: str) -> str:
    template = CARRIER_TRACKING_URLS.get((carrier or "").strip().lower(),
                                         "https://t.17track.net/en#nums={n}")
    return template.format(n=quote(tracking_number.strip(), safe=""))


def _recipient(order: Any) -> str:
    email = order.user_email or ""
    if not email and order.customer_id:
        email = order.customer.email
    if not email and order.user_id:
        email = order.user.email
    return email.strip().lower()


def order_language(order: Any) -> str:
    customer = order.customer if order.customer_id else None
    return pick_language(order.language_code, getattr(customer, "preferred_language", None),
                         order.channel.default_language)


def _line_name(line: Any, language: str) -> str:
    if line.translated_product_name:
        return line.translated_product_name
    if line.variant_id and language:
        tr = line.variant.product.translations.filter(language_code=language).first()
        if tr:
            return tr.name
    return line.product_name


def _address_lines(address: Any) -> list[str]:
    if address is None:
        return []
    name = address.full_name
    city = " ".join(p for p in (address.postal_code, address.city) if p)
    return [p for p in (name, address.company_name, address.street_address_1,
                        address.street_address_2, city, address.country_area,
                        address.country.name if address.country else "") if p]


def store_snapshot(store: Any, language: str, opening_hours: Any = None) -> dict[str, Any]:
    """Name, address, hours and time zone of a pickup store (a store-kind Warehouse).

    Hours and time zone come from ``NOTIFICATIONS_STORE_DETAILS`` (the O2O store
    profile) when it knows the store, else from the warehouse's metadata."""
    if store is None:
        return {}
    metadata = getattr(store, "metadata", None) or {}
    details = conf.store_details(store)
    hours = opening_hours if opening_hours is not None else details.get(
        "hours", metadata.get("opening_hours", []))
    with translation.override(language):  # country names in the email's language
        address = [str(line) for line in getattr(store, "address_lines", []) or []]
    return {
        "name": store.name,
        "address": address,
        "phone": details.get("phone") or getattr(store, "phone", "") or "",
        "hours": hours,
        "timezone": details.get("timezone") or metadata.get("timezone") or "",
    }


def order_snapshot(order: Any, language: str) -> dict[str, Any]:
    """What order emails show, frozen at send time."""
    with translation.override(language):  # country names in the email's language
        return _order_snapshot(order, language)


def _order_snapshot(order: Any, language: str) -> dict[str, Any]:
    lines = list(order.lines.select_related("variant__product").all())
    customer = order.customer if order.customer_id else None
    shipping_address = order.shipping_address if order.shipping_address_id else None
    return {
        "number": order.number,
        "currency": order.currency,
        "created_at": order.created_at,
        "customer_name": (customer.first_name if customer else "")
        or (shipping_address.first_name if shipping_address else ""),
        "lines": [
            {
                "name": _line_name(line, language),
                "variant": line.variant_name,
                "sku": line.product_sku,
                "quantity": line.quantity,
                "unit_price": line.unit_price_gross_amount,
                "total": line.total_price_gross_amount,
            }
            for line in lines
        ],
        "subtotal": order.subtotal_gross_amount,
        "shipping": order.shipping_price_gross_amount,
        "total": order.total_gross_amount,
        "shipping_method": order.shipping_method_name,
        "shipping_address": _address_lines(shipping_address),
        "is_pickup": bool(order.collection_point_id),
    }


def _send_order_email(kind: str, order: Any, *, step: str, extra: dict[str, Any] | None = None,
                      object_suffix: str = "") -> MessageLog | None:
    if order.channel.kind == ChannelKind.MARKETPLACE:
        return None
    to = _recipient(order)
    if not to:
        return None
    language = order_language(order)
    context = {"order": order_snapshot(order, language), **(extra or {})}
    customer = order.customer if order.customer_id else None
    context["recipient_name"] = context["order"]["customer_name"]
    object_ref = f"order:{order.pk}" + (f":{object_suffix}" if object_suffix else "")
    return send_email(kind, to=to, language=language, context=context,
                      idempotency_key=idempotency_key("transactional", step, to, object_ref),
                      customer=customer, order=order, channel=order.channel,
                      object_ref=object_ref)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


# --- Account ------------------------------------------------------------------------
def _account_recipient(user: Any, language: str | None) -> tuple[str, str, Any, str]:
    email = (user.email or "").strip().lower()
    if isinstance(user, Customer):
        customer: Any = user
    else:
        customer = getattr(user, "customer", None) if hasattr(user, "customer") else None
        customer = customer or Customer.objects.filter(email=email).first()
    lang = pick_language(language, getattr(customer, "preferred_language", None))
    name = getattr(customer, "first_name", "") or getattr(user, "first_name", "")
    return email, lang, customer, name


def _account_object(url: str, once_per: str) -> str:
    return f"once:{once_per}" if once_per else f"link:{_digest(url)}"


def send_account_confirmation(user: Any, confirm_url: str, *, language: str | None = None,
                              once_per: str = "") -> MessageLog:
    """"Confirm your email" after sign-up; ``confirm_url`` comes from the account views.

    Each new link is a new email, the same link never twice; with ``once_per`` (e.g. a
    ten-minute window) at most one email per address and ``once_per``, whatever the link.
    """
    email, lang, customer, name = _account_recipient(user, language)
    return send_email("account_confirmation", to=email, language=lang,
                      context={"confirm_url": confirm_url, "recipient_name": name},
                      idempotency_key=idempotency_key("transactional", "account_confirmation",
                                                      email, _account_object(confirm_url,
                                                                             once_per)),
                      customer=customer, object_ref=f"user:{user.pk}")


def send_password_reset(user: Any, reset_url: str, *, language: str | None = None,
                        valid_hours: int = 24, once_per: str = "") -> MessageLog:
    """Password reset link; each new link is a new email, the same link never twice.
    ``once_per`` as for :func:`send_account_confirmation` (no mail-bombing)."""
    email, lang, customer, name = _account_recipient(user, language)
    return send_email("password_reset", to=email, language=lang,
                      context={"reset_url": reset_url, "valid_hours": valid_hours,
                               "recipient_name": name},
                      idempotency_key=idempotency_key("transactional", "password_reset", email,
                                                      _account_object(reset_url, once_per)),
                      customer=customer, object_ref=f"user:{user.pk}")


# --- Orders -------------------------------------------------------------------------
def send_order_confirmation(order: Any) -> MessageLog | None:
    """Order placed: the shipping or the pickup variant, by the order's delivery method."""
    if order.collection_point_id:
        language = order_language(order)
        return _send_order_email(
            "order_confirmation_pickup", order, step="order_confirmation",
            extra={"store": store_snapshot(order.collection_point, language)},
        )
    return _send_order_email("order_confirmation", order, step="order_confirmation")


def send_payment_failed(order: Any, *, attempt_id: str = "", reason: str = "",
                        retry_url: str = "") -> MessageLog | None:
    """Payment declined; ``attempt_id`` (e.g. the PaymentIntent or event id) makes each
    failed attempt its own email."""
    return _send_order_email("payment_failed", order, step="payment_failed",
                             extra={"reason": reason, "retry_url": retry_url},
                             object_suffix=attempt_id)


def checkout_language(checkout: Any) -> str:
    customer = checkout.customer if checkout.customer_id else None
    return pick_language(checkout.language_code, getattr(customer, "preferred_language", None),
                         checkout.channel.default_language)


def send_checkout_payment_failed(checkout: Any, *, attempt_id: str,
                                 reason: str | Callable[[], str] = "") -> MessageLog | None:
    """A card payment for a cart failed (no order exists: the order is only placed once
    the card is accepted). One email per attempt, with the cart and a link that restores
    it. ``reason`` may be a callable, called in the email's language."""
    to = checkout_email(checkout)
    if not to:
        return None
    language = checkout_language(checkout)
    with translation.override(language):
        text = str(reason() if callable(reason) else reason)
    lines, subtotal = checkout_lines(checkout, language)
    customer = checkout.customer if checkout.customer_id else None
    token = make_token(TokenPurpose.CART, {"t": str(checkout.token)})
    object_ref = f"checkout:{checkout.token}:{attempt_id}"
    return send_email(
        "checkout_payment_failed", to=to, language=language,
        context={"recipient_name": getattr(customer, "first_name", ""), "reason": text,
                 "lines": lines, "subtotal": subtotal,
                 "currency": checkout.currency or checkout.channel.currency_code,
                 "restore_url": f"{conf.public_url()}/{language}/cart/restore/{token}/"},
        idempotency_key=idempotency_key("transactional", "checkout_payment_failed", to,
                                        object_ref),
        customer=customer, channel=checkout.channel, object_ref=object_ref[:128],
    )


def send_order_shipped(order: Any, *, carrier: str, tracking_number: str,
                       tracking_url: str = "", shipment_id: str = "") -> MessageLog | None:
    """One email per shipment (parcel) with the carrier's tracking link."""
    return _send_order_email(
        "order_shipped", order, step="order_shipped",
        extra={"carrier": carrier, "tracking_number": tracking_number,
               "tracking_url": tracking_url or tracking_url_for(carrier, tracking_number)},
        object_suffix=shipment_id or tracking_number,
    )


def send_ready_for_pickup(order: Any, code: str, store: Any, hold_until: datetime, *,
                          opening_hours: Sequence[Any] | None = None,
                          qr_payload: str = "") -> MessageLog | None:
    """Ready at the store: pickup code (+ QR image inline, encoding ``qr_payload`` or
    the code), address, hours, deadline. A new code (resent) is a new email."""
    language = order_language(order)
    return _send_order_email(
        "ready_for_pickup", order, step="ready_for_pickup",
        extra={"pickup_code": code, "qr_payload": qr_payload, "hold_until": hold_until,
               "store": store_snapshot(store, language, opening_hours)},
        object_suffix=code,
    )


def _last_pickup_code(order: Any) -> tuple[str, str]:
    """The code (and QR payload) of the latest "ready for pickup" email of the order:
    stores keep only a hash of the code, the customer's email is where it lives."""
    log = (MessageLog.objects.filter(order_id=order.pk, kind="ready_for_pickup")
           .order_by("-created_at").first())
    context = log.context if log is not None else {}
    return str(context.get("pickup_code") or ""), str(context.get("qr_payload") or "")


def send_pickup_reminder(order: Any, code: str, store: Any, hold_until: datetime, *,
                         opening_hours: Sequence[Any] | None = None,
                         qr_payload: str = "") -> MessageLog | None:
    """Reminder before the hold expires; one per hold deadline (an extended hold may
    remind again). Without ``code``, the one last emailed to the customer is repeated."""
    language = order_language(order)
    if not code:
        code, qr_payload = _last_pickup_code(order)
    return _send_order_email(
        "pickup_reminder", order, step="pickup_reminder",
        extra={"pickup_code": code, "qr_payload": qr_payload, "hold_until": hold_until,
               "store": store_snapshot(store, language, opening_hours)},
        object_suffix=f"{code}:{hold_until.isoformat()}",
    )


def send_picked_up(order: Any, store: Any = None) -> MessageLog | None:
    language = order_language(order)
    return _send_order_email("picked_up", order, step="picked_up",
                             extra={"store": store_snapshot(store or order.collection_point,
                                                            language)})


def send_order_cancelled(order: Any, *, reason: str = "", store: Any = None,
                         hold_until: datetime | None = None,
                         payment_released: bool = False) -> MessageLog | None:
    """Order cancelled; once per order. A pickup nobody collected passes its ``store``
    and ``hold_until``; ``payment_released`` when only a card authorization was held."""
    extra: dict[str, Any] = {"reason": reason, "payment_released": payment_released}
    if store is not None and hold_until is not None:
        extra |= {"store": store_snapshot(store, order_language(order)),
                  "hold_until": hold_until}
    return _send_order_email("order_cancelled", order, step="order_cancelled", extra=extra)


def send_order_refunded(order: Any, amount: Decimal, *, refund_id: str = "",
                        currency: str | None = None) -> MessageLog | None:
    """One email per refund (``refund_id``, e.g. Stripe's re_…)."""
    return _send_order_email(
        "order_refunded", order, step="order_refunded",
        extra={"refund_amount": Decimal(amount), "refund_currency": currency or order.currency},
        object_suffix=refund_id or str(amount),
    )


def send_safely(send: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """Claim an email inside the caller's business transaction without putting that
    transaction at risk: a failure here (a bug in a snapshot, say) is logged and the
    savepoint rolled back, and the order, payment or handover still goes through."""
    try:
        with transaction.atomic():
            return send(*args, **kwargs)
    except Exception:
        logger.exception("could not queue the %s email", getattr(send, "__name__", send))
        return None
