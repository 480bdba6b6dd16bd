"""The one mailer: claim a message by its idempotency key, then deliver it.

Claiming is an ``INSERT … ON CONFLICT (idempotency_key) DO NOTHING``: whoever
inserts the row owns the email; a second caller (the same task run twice, two
workers racing) gets nothing back and sends nothing. Delivery moves a row
``queued → sending`` with one conditional UPDATE, so two deliverers of the same
row can't both send it; a crash after that leaves the row in ``sending`` (never
re-sent automatically: at most once, visible in the admin log).
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import smtplib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.mime.image import MIMEImage
from typing import Any

from anymail.exceptions import AnymailAPIError, AnymailError, AnymailRecipientsRefused
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone

from .. import conf
from ..formatting import from_json, to_json
from ..kinds import spec_for
from ..models import MessageLog, MessageStatus, Suppression, SuppressionReason
from ..rendering import RenderedEmail, render_email

logger = logging.getLogger(__name__)

BATCH_SIZE = 100


def idempotency_key(flow: str, step: str | int, recipient: str, object_ref: str) -> str:
    """The identity of one email: (flow, step, recipient, object)."""
    return f"{flow}:{step}:{recipient.strip().lower()}:{object_ref}"


@dataclass
class Claim:
    """One email to claim; ``context`` must be JSON-able after ``to_json``."""

    kind: str
    to: str
    language: str
    context: dict[str, Any]
    idempotency_key: str
    flow: str = ""
    step: int = 0
    marketing: bool | None = None
    customer_id: int | None = None
    order_id: Any = None
    channel_id: int | None = None
    object_ref: str = ""


_COLUMNS = (
    "id", "idempotency_key", "kind", "flow", "step", "marketing", "to_email", "language",
    "channel_id", "customer_id", "order_id", "object_ref", "context", "subject", "status",
    "error", "attempts", "message_id", "provider_message_id", "last_event", "created_at",
    "updated_at",
)


def claim_messages(claims: Sequence[Claim], *, now: datetime | None = None) -> list[uuid.UUID]:
    """Insert log rows for ``claims``; return the ids of the rows THIS call created.

    Keys that already exist (sent, queued or being inserted by a concurrent
    transaction, which PostgreSQL makes us wait for) are skipped.
    """
    if not claims:
        return []
    now = now or timezone.now()
    domain = conf.sender_domain()
    table = MessageLog._meta.db_table
    rows: list[Any] = []
    for c in claims:
        spec = spec_for(c.kind)
        msg_uuid = uuid.uuid4()
        rows.extend([
            msg_uuid, c.idempotency_key, c.kind, c.flow or spec.flow, c.step,
            spec.marketing if c.marketing is None else c.marketing, c.to.strip(), c.language,
            c.channel_id, c.customer_id, c.order_id, c.object_ref,
            json.dumps(to_json(c.context)), "", MessageStatus.QUEUED, "", 0,
            f"<{msg_uuid.hex}@{domain}>", "", "", now, now,
        ])
    one = "(" + ", ".join("%s::jsonb" if col == "context" else "%s" for col in _COLUMNS) + ")"
    # Table and column names are constants; every value is a query parameter.
    sql = (
        f"INSERT INTO {table} ({', '.join(_COLUMNS)}) VALUES "  # noqa: S608
        + ", ".join([one] * len(claims))
        + " ON CONFLICT (idempotency_key) DO NOTHING RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, rows)
        return [row[0] for row in cursor.fetchall()]


def send_email(kind: str, *, to: str, language: str, context: dict[str, Any],
               idempotency_key: str, customer: Any = None, order: Any = None,
               channel: Any = None, marketing: bool | None = None, flow: str = "",
               step: int = 0, object_ref: str = "") -> MessageLog:
    """Claim one email and deliver it after the caller's transaction commits.

    Returns the log row: a fresh ``queued`` one, or the existing row if this key was
    already claimed (then nothing is sent again). Safe to call inside ``atomic()``:
    if the caller rolls back, the claim rolls back with it and nothing is sent.
    """
    if channel is None and order is not None:
        channel = order.channel
    claim = Claim(
        kind=kind, to=to, language=language, context=context,
        idempotency_key=idempotency_key, flow=flow, step=step, marketing=marketing,
        customer_id=getattr(customer, "pk", None), order_id=getattr(order, "pk", None),
        channel_id=getattr(channel, "pk", None), object_ref=object_ref,
    )
    created = claim_messages([claim])
    if created:
        schedule_delivery(created[0])
        return MessageLog.objects.get(pk=created[0])
    return MessageLog.objects.get(idempotency_key=idempotency_key)


def schedule_delivery(log_id: uuid.UUID) -> None:
    """Deliver once the current transaction commits (at once outside a transaction).

    If the broker is down the row stays queued and the ``deliver_due_messages``
    sweeper sends it later.
    """

    def _go() -> None:
        if conf.delivery_mode() == "inline":
            deliver_messages([log_id])
        else:
            from ..tasks import deliver_message

            deliver_message.delay(str(log_id))

    transaction.on_commit(_go, robust=True)


# --- Delivery ------------------------------------------------------------------------
@dataclass
class DeliveryResult:
    sent: int = 0
    failed: int = 0
    suppressed: int = 0
    retry: list[uuid.UUID] = field(default_factory=list)
    retry_at: datetime | None = None

    def __iadd__(self, other: DeliveryResult) -> DeliveryResult:
        self.sent += other.sent
        self.failed += other.failed
        self.suppressed += other.suppressed
        self.retry += other.retry
        if other.retry_at and (not self.retry_at or other.retry_at < self.retry_at):
            self.retry_at = other.retry_at
        return self


class _Transient(Exception):
    pass


class _Permanent(Exception):
    def __init__(self, text: str, *, bounce: bool = False) -> None:
        super().__init__(text)
        self.bounce = bounce


def _classify(exc: BaseException) -> Exception:
    """Map a backend error to retry-later (_Transient) or give-up (_Permanent)."""
    text = f"{type(exc).__name__}: {exc}"[:2000]
    if isinstance(exc, AnymailRecipientsRefused):
        return _Permanent(text, bounce=True)
    if isinstance(exc, AnymailAPIError):
        status = getattr(exc, "status_code", None)
        if status is None or status == 429 or status >= 500:
            return _Transient(text)
        return _Permanent(text)
    if isinstance(exc, AnymailError):
        return _Permanent(text)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        if codes and all(code >= 500 for code in codes):
            return _Permanent(text, bounce=True)
        return _Transient(text)
    if isinstance(exc, smtplib.SMTPResponseException):
        return _Permanent(text) if exc.smtp_code >= 500 else _Transient(text)
    if isinstance(exc, (smtplib.SMTPException, OSError)):
        return _Transient(text)
    return _Permanent(text)


def backoff_seconds(attempts: int) -> int:
    """30 s, 60 s, 2 min, 4 min … capped at an hour, with jitter."""
    base = min(30 * 2 ** max(attempts - 1, 0), 3600)
    return base + random.randint(0, max(base // 5, 1))


def _claim_for_sending(ids: Sequence[uuid.UUID | str], now: datetime) -> list[uuid.UUID]:
    if not ids:
        return []
    table = MessageLog._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, updated_at = %s "  # noqa: S608 - constant table
            "WHERE id = ANY(%s) AND status = %s "
            "AND (next_attempt_at IS NULL OR next_attempt_at <= %s) RETURNING id",
            [MessageStatus.SENDING, now, list(ids), MessageStatus.QUEUED, now],
        )
        return [row[0] for row in cursor.fetchall()]


def unsubscribe_url_for(email: str, language: str, now: datetime | None = None) -> str:
    from ..tokens import TokenPurpose, make_token

    token = make_token(TokenPurpose.UNSUBSCRIBE, {"e": email.strip().lower()}, now=now)
    return f"{conf.public_url()}/{language}/email/unsubscribe/{token}/"


def build_message(log: MessageLog, rendered: RenderedEmail, *, unsubscribe_url: str = "",
                  connection: Any = None) -> EmailMultiAlternatives:
    headers = {
        "Message-ID": log.message_id,
        "Content-Language": log.language,
        "X-Omniport-Kind": log.kind,
    }
    if log.marketing:
        # RFC 8058 one-click unsubscribe: mail clients POST "List-Unsubscribe=One-Click".
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    else:
        headers["Auto-Submitted"] = "auto-generated"
    msg = EmailMultiAlternatives(
        subject=rendered.subject, body=rendered.text, from_email=settings.DEFAULT_FROM_EMAIL,
        to=[log.to_email], headers=headers, connection=connection,
    )
    msg.attach_alternative(rendered.html, "text/html")
    for cid, data, filename in rendered.images:
        image = MIMEImage(data, "png")
        image.add_header("Content-ID", f"<{cid}>")
        image.add_header("Content-Disposition", "inline", filename=filename)
        msg.attach(image)
    if rendered.images:
        msg.mixed_subtype = "related"  # type: ignore[attr-defined]  # inline images
    return msg


def _preflight(logs: list[MessageLog]) -> dict[uuid.UUID, str]:
    """Reasons not to send, per row: suppressed or invalid address, no marketing consent.

    Checked at delivery time so an unsubscribe or a bounce takes effect on mail
    that is already queued.
    """
    from .consent import marketing_allowed

    emails = {log.to_email.strip().lower() for log in logs}
    suppressed = dict(Suppression.objects.filter(email__in=emails).values_list("email", "reason"))
    allowed = marketing_allowed(emails) if any(lg.marketing for lg in logs) else set()
    reasons: dict[uuid.UUID, str] = {}
    for log in logs:
        email = log.to_email.strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            reasons[log.pk] = "invalid email address"
            continue
        if email in suppressed:
            reasons[log.pk] = f"address on suppression list ({suppressed[email]})"
        elif log.marketing and email not in allowed:
            reasons[log.pk] = "no confirmed marketing consent (double opt-in) or unsubscribed"
    return reasons


def deliver_messages(ids: Iterable[uuid.UUID | str], *, now: datetime | None = None,
                     batch_size: int = BATCH_SIZE) -> DeliveryResult:
    """Send queued rows over one backend connection per batch.

    Template errors and permanent refusals fail that row and the batch goes on;
    a transient error (server down, 4xx, provider 5xx/429) puts the row back to
    ``queued`` with a backoff, and the rest of the batch waits for the next try.
    """
    ids = list(ids)
    result = DeliveryResult()
    for start in range(0, len(ids), batch_size):
        result += _deliver_batch(ids[start:start + batch_size], now or timezone.now())
    return result


def _deliver_batch(ids: Sequence[uuid.UUID | str], now: datetime) -> DeliveryResult:
    result = DeliveryResult()
    claimed = _claim_for_sending(ids, now)
    if not claimed:
        return result
    logs = list(MessageLog.objects.filter(pk__in=claimed).order_by("created_at", "pk"))
    conn: Any = None
    done: list[MessageLog] = []
    outage: str | None = None  # a transient backend error: the rest of the batch waits
    try:
        reasons = _preflight(logs)
        for log in logs:
            if log.pk in reasons:
                log.status, log.error = MessageStatus.SUPPRESSED, reasons[log.pk]
                result.suppressed += 1
                done.append(log)
                continue
            unsubscribe = unsubscribe_url_for(log.to_email, log.language) if log.marketing else ""
            try:
                rendered = render_email(log.kind, log.language, from_json(log.context),
                                        to_email=log.to_email, marketing=log.marketing,
                                        unsubscribe_url=unsubscribe)
                msg = build_message(log, rendered, unsubscribe_url=unsubscribe)
            except Exception as exc:  # template errors must not stop the flow for others
                logger.exception("rendering %s for %s failed", log.kind, log.pk)
                log.status = MessageStatus.FAILED
                log.error = f"Template error: {type(exc).__name__}: {exc}"[:4000]
                result.failed += 1
                done.append(log)
                continue
            log.subject = rendered.subject[:998]
            if conn is None:
                try:
                    conn = get_connection(fail_silently=False)
                    conn.open()
                except Exception as exc:
                    conn = None
                    outage = str(_classify(exc))
                    break
            msg.connection = conn
            log.attempts += 1
            try:
                conn.send_messages([msg])
            except Exception as exc:
                verdict = _classify(exc)
                log.error = str(verdict)
                if isinstance(verdict, _Transient):
                    _requeue(log, now, result)
                    done.append(log)
                    outage = log.error
                    break
                log.status = MessageStatus.FAILED
                result.failed += 1
                if isinstance(verdict, _Permanent) and verdict.bounce:
                    from .suppression import suppression_add

                    suppression_add(log.to_email, SuppressionReason.BOUNCED, detail=str(verdict))
                done.append(log)
                _close(conn)  # a refused message may leave the session unusable
                conn = None
                continue
            log.status, log.sent_at, log.error = MessageStatus.SENT, timezone.now(), ""
            status = getattr(msg, "anymail_status", None)
            if status is not None and status.message_id:
                log.provider_message_id = str(status.message_id)[:255]
            result.sent += 1
            done.append(log)
    finally:
        if conn is not None:
            _close(conn)
        if outage is not None:
            logger.warning("email backend unavailable, %d messages wait: %s",
                           len(logs) - len(done), outage)
            for log in logs[len(done):]:
                if log.status == MessageStatus.SENDING:
                    log.attempts += 1
                    log.error = outage
                    _requeue(log, now, result)
                    done.append(log)
        for log in logs[len(done):]:  # an unexpected crash: leave nothing in "sending"
            if log.status == MessageStatus.SENDING:
                log.status = MessageStatus.QUEUED
                log.next_attempt_at = now + timedelta(seconds=60)
                done.append(log)
        _save_outcomes(done)
    return result


def _save_outcomes(logs: list[MessageLog]) -> None:
    """Write each row's outcome; one pipelined statement per row (psycopg executemany),
    much cheaper than bulk_update's CASE expressions for a batch of 100."""
    if not logs:
        return
    table = MessageLog._meta.db_table
    stamp = timezone.now()
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET status = %s, error = %s, subject = %s, "  # noqa: S608
            "attempts = %s, next_attempt_at = %s, sent_at = %s, provider_message_id = %s, "
            "updated_at = %s WHERE id = %s",
            [(log.status, log.error, log.subject, log.attempts, log.next_attempt_at,
              log.sent_at, log.provider_message_id, stamp, log.pk) for log in logs],
        )


def _requeue(log: MessageLog, now: datetime, result: DeliveryResult) -> None:
    if log.attempts >= conf.MAX_ATTEMPTS:
        log.status = MessageStatus.FAILED
        log.error = f"gave up after {log.attempts} attempts: {log.error}"
        result.failed += 1
        return
    log.status = MessageStatus.QUEUED
    log.next_attempt_at = now + timedelta(seconds=backoff_seconds(log.attempts))
    result.retry.append(log.pk)
    if not result.retry_at or log.next_attempt_at < result.retry_at:
        result.retry_at = log.next_attempt_at


def _close(conn: Any) -> None:
    with contextlib.suppress(Exception):  # closing a dead connection
        conn.close()


def deliver_due(*, now: datetime | None = None, limit: int = 1000) -> DeliveryResult:
    """Sweeper: send rows left queued (retry due, broker was down, batch remainder)."""
    now = now or timezone.now()
    stale = now - timedelta(minutes=1)
    ids = list(
        MessageLog.objects.filter(status=MessageStatus.QUEUED)
        .filter(next_attempt_at__lte=now)
        .values_list("pk", flat=True)[:limit]
    )
    ids += list(
        MessageLog.objects.filter(status=MessageStatus.QUEUED, next_attempt_at__isnull=True,
                                  created_at__lte=stale)
        .values_list("pk", flat=True)[:limit]
    )
    return deliver_messages(ids, now=now)


def message_requeue(log: MessageLog) -> bool:
    """Staff decision to try a failed or stuck ("sending") message again."""
    updated = MessageLog.objects.filter(
        pk=log.pk, status__in=[MessageStatus.FAILED, MessageStatus.SENDING]
    ).update(status=MessageStatus.QUEUED, next_attempt_at=None, error="",
             updated_at=timezone.now())
    if updated:
        schedule_delivery(log.pk)
    return bool(updated)
