"""Signed, expiring tokens for the links in emails (unsubscribe, consent
confirmation, cart restore, NPS, account confirmation). Django's signing (HMAC with SECRET_KEY) means a
forged or altered token never verifies; a salt per purpose keeps them apart."""

from __future__ import annotations

import datetime as dt
import time
from enum import StrEnum
from typing import Any

from django.core import signing
from django.utils import timezone


class TokenPurpose(StrEnum):
    UNSUBSCRIBE = "notifications.unsubscribe"
    CONSENT = "notifications.consent-confirm"
    CART = "notifications.cart-restore"
    FEEDBACK = "notifications.feedback"
    ACCOUNT = "notifications.account-confirm"


class TokenInvalid(Exception):
    """Signature does not verify (forged, truncated, wrong purpose)."""


class TokenExpired(Exception):
    """Signature verifies but the link is older than it may be."""


class _ClockSigner(signing.TimestampSigner):
    """TimestampSigner whose clock can be set, so links can be issued "in the past"
    by flows run with an explicit ``now`` (and tested with time travel)."""

    def __init__(self, *args: Any, now: dt.datetime | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._now = now

    def timestamp(self) -> str:
        seconds = self._now.timestamp() if self._now else time.time()
        return signing.b62_encode(int(seconds))


def make_token(purpose: TokenPurpose, payload: dict[str, Any], *,
               now: dt.datetime | None = None) -> str:
    return _ClockSigner(salt=purpose.value, now=now).sign_object(payload, compress=True)


def read_token(purpose: TokenPurpose, token: str, *, max_age_days: int,
               now: dt.datetime | None = None) -> dict[str, Any]:
    """Verify and decode; raises TokenInvalid or TokenExpired, never anything else."""
    signer = _ClockSigner(salt=purpose.value)
    try:
        payload = signer.unsign_object(token)  # signature only; age checked below
        value, _sig = token.rsplit(signer.sep, 1)
        _data, ts = value.rsplit(signer.sep, 1)
        issued = signing.b62_decode(ts)
    except (signing.BadSignature, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise TokenInvalid(str(exc)) from exc
    current = (now or timezone.now()).timestamp()
    if current - issued > max_age_days * 86400:
        raise TokenExpired()
    if not isinstance(payload, dict):
        raise TokenInvalid("payload is not an object")
    return payload
