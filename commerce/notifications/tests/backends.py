"""Email backends that fail on purpose, to test retries and refusals."""

from __future__ import annotations

import smtplib
from typing import Any

from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class FlakyBackend(LocmemBackend):
    """Drops the connection for the first ``failures`` sends, then works."""

    failures = 1
    calls = 0

    def send_messages(self, messages: Any) -> int:
        type(self).calls += 1
        if type(self).calls <= type(self).failures:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


class RefusingBackend(LocmemBackend):
    """The receiving server says the mailbox does not exist (a hard bounce)."""

    def send_messages(self, messages: Any) -> int:
        rcpt = messages[0].to[0]
        raise smtplib.SMTPRecipientsRefused({rcpt: (550, b"5.1.1 User unknown")})


class DownBackend(LocmemBackend):
    def open(self) -> bool:
        raise ConnectionRefusedError(111, "Connection refused")
