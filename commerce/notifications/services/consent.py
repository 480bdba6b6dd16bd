"""Marketing consent: double opt-in (request → emailed link → confirm), withdrawal
(unsubscribe, effective at once), and the gate the mailer checks before every
marketing email. Every step is recorded as a ConsentEvent (time, source, IP)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from commerce.account.models import Customer
from commerce.core.errors import DomainError

from .. import conf
from ..formatting import pick_language
from ..models import ConsentAction, ConsentEvent, MessageLog
from ..tokens import TokenPurpose, make_token, read_token
from .mailer import idempotency_key, send_email


class ConsentError(DomainError):
    default_code = "invalid_email"


def _clean_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ConsentError(_("Please enter a valid email address."), code="invalid_email",
                           field="email") from exc
    return email


def marketing_allowed(emails: Iterable[str]) -> set[str]:
    """Addresses that may receive marketing now: consent confirmed by double opt-in
    and not withdrawn since (the latest consent event is a confirmation)."""
    emails = {e.strip().lower() for e in emails}
    if not emails:
        return set()
    latest = (ConsentEvent.objects.filter(customer=OuterRef("pk"))
              .exclude(action=ConsentAction.REQUESTED).order_by("-at", "-pk").values("action")[:1])
    return set(
        Customer.objects.filter(email__in=emails, marketing_consent=True)
        .annotate(last_action=Subquery(latest))
        .filter(last_action=ConsentAction.CONFIRMED)
        .values_list("email", flat=True)
    )


def consent_request(email: str, *, source: str, ip: str | None = None, user_agent: str = "",
                    channel: Any = None, language: str | None = None,
                    now: datetime | None = None) -> MessageLog | None:
    """Start double opt-in: record the request and email a confirmation link.

    Returns the confirmation email's log row, or None if the address is already
    subscribed. One confirmation email per address per day (no mail-bombing).
    """
    now = now or timezone.now()
    email = _clean_email(email)
    with transaction.atomic():
        customer, created = Customer.objects.get_or_create(
            email=email,
            defaults={"preferred_language": pick_language(
                language, getattr(channel, "default_language", None))},
        )
        if email in marketing_allowed([email]):
            return None
        ConsentEvent.objects.create(customer=customer, email=email,
                                    action=ConsentAction.REQUESTED, source=source[:64], ip=ip,
                                    user_agent=user_agent[:512], channel=channel, at=now)
        lang = pick_language(language, customer.preferred_language,
                             getattr(channel, "default_language", None))
        token = make_token(TokenPurpose.CONSENT, {
            "e": email, "s": source[:64], "c": getattr(channel, "pk", None),
        })
        return send_email(
            "marketing_confirmation", to=email, language=lang,
            context={"confirm_url": f"{conf.public_url()}/{lang}/email/confirm/{token}/"},
            idempotency_key=idempotency_key("consent", "confirm", email,
                                            f"day:{now.date().isoformat()}"),
            customer=customer, channel=channel, object_ref=f"customer:{customer.pk}",
        )


def consent_confirm(token: str, *, ip: str | None = None, user_agent: str = "",
                    now: datetime | None = None) -> Customer:
    """Second step of double opt-in. Raises TokenInvalid / TokenExpired (nothing
    changes); confirming twice keeps the first confirmation time."""
    now = now or timezone.now()
    data = read_token(TokenPurpose.CONSENT, token, max_age_days=conf.CONSENT_CONFIRM_MAX_AGE_DAYS,
                      now=now)
    email = _clean_email(str(data.get("e", "")))
    with transaction.atomic():
        customer, _created = Customer.objects.select_for_update().get_or_create(email=email)
        if email in marketing_allowed([email]):
            return customer
        source = str(data.get("s") or "")
        customer.marketing_consent = True
        customer.marketing_consent_at = now
        customer.marketing_consent_source = source
        customer.marketing_consent_ip = ip
        customer.save(update_fields=["marketing_consent", "marketing_consent_at",
                                     "marketing_consent_source", "marketing_consent_ip",
                                     "updated_at"])
        channel_id = data.get("c")
        ConsentEvent.objects.create(customer=customer, email=email,
                                    action=ConsentAction.CONFIRMED, source=source, ip=ip,
                                    user_agent=user_agent[:512],
                                    channel_id=channel_id if isinstance(channel_id, int) else None,
                                    at=now)
        return customer


def consent_withdraw(email: str, *, source: str, ip: str | None = None, user_agent: str = "",
                     now: datetime | None = None) -> bool:
    """Unsubscribe from marketing, at once. Returns False if there was nothing to withdraw."""
    now = now or timezone.now()
    email = (email or "").strip().lower()
    with transaction.atomic():
        customer = Customer.objects.select_for_update().filter(email=email).first()
        if customer is None:
            return False
        was_allowed = email in marketing_allowed([email]) or customer.marketing_consent
        customer.marketing_consent = False
        customer.save(update_fields=["marketing_consent", "updated_at"])
        ConsentEvent.objects.create(customer=customer, email=email,
                                    action=ConsentAction.WITHDRAWN, source=source[:64], ip=ip,
                                    user_agent=user_agent[:512], at=now)
        return bool(was_allowed)


def unsubscribe_with_token(token: str, *, source: str, ip: str | None = None,
                           user_agent: str = "", now: datetime | None = None) -> str:
    """Verify an unsubscribe token and withdraw consent; returns the address.
    Raises TokenInvalid / TokenExpired with nothing changed."""
    data = read_token(TokenPurpose.UNSUBSCRIBE, token, max_age_days=conf.UNSUBSCRIBE_MAX_AGE_DAYS,
                      now=now)
    email = str(data.get("e", ""))
    consent_withdraw(email, source=source, ip=ip, user_agent=user_agent, now=now)
    return email


def unsubscribe_token_email(token: str, *, now: datetime | None = None) -> str:
    """The address an unsubscribe token is for (for the confirmation page)."""
    data = read_token(TokenPurpose.UNSUBSCRIBE, token, max_age_days=conf.UNSUBSCRIBE_MAX_AGE_DAYS,
                      now=now)
    return str(data.get("e", ""))
