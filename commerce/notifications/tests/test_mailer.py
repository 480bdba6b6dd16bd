from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from commerce.notifications.models import MessageLog, MessageStatus, Suppression
from commerce.notifications.services import (
    deliver_due,
    idempotency_key,
    send_email,
    suppression_add,
)
from commerce.notifications.tasks import deliver_message

from .backends import FlakyBackend

pytestmark = pytest.mark.django_db

CTX = {"confirm_url": "https://shop.example.com/en/account/confirm/abc/", "recipient_name": "Ada"}


def _send(to: str = "ada@example.com", key: str = "k1", **kw: Any) -> MessageLog:
    return send_email("account_confirmation", to=to, language="en", context=CTX,
                      idempotency_key=idempotency_key("transactional", "account", to, key), **kw)


def test_same_key_twice_sends_one_email(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = _send()
    with django_capture_on_commit_callbacks(execute=True):
        second = _send()
    assert first.pk == second.pk
    assert MessageLog.objects.count() == 1
    assert len(mail.outbox) == 1
    first.refresh_from_db()
    assert first.status == MessageStatus.SENT and first.sent_at is not None
    assert mail.outbox[0].extra_headers["Message-ID"] == first.message_id


def test_nothing_is_sent_if_the_callers_transaction_rolls_back(
        django_capture_on_commit_callbacks: Any) -> None:
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                _send()
                raise RuntimeError("checkout failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not MessageLog.objects.exists() and mail.outbox == []


def test_suppressed_and_invalid_addresses_are_not_sent(
        django_capture_on_commit_callbacks: Any) -> None:
    suppression_add("bounced@example.com", "bounced", detail="550 user unknown")
    with django_capture_on_commit_callbacks(execute=True):
        bounced = _send(to="Bounced@Example.com")
        invalid = _send(to="not-an-address", key="k2")
    bounced.refresh_from_db()
    invalid.refresh_from_db()
    assert bounced.status == MessageStatus.SUPPRESSED and "suppression list" in bounced.error
    assert invalid.status == MessageStatus.SUPPRESSED and invalid.error == "invalid email address"
    assert mail.outbox == []


def test_transient_errors_retry_with_backoff(settings: Any,
                                             django_capture_on_commit_callbacks: Any) -> None:
    settings.EMAIL_BACKEND = "commerce.notifications.tests.backends.FlakyBackend"
    FlakyBackend.calls, FlakyBackend.failures = 0, 2
    with django_capture_on_commit_callbacks(execute=True):
        log = _send()
    log.refresh_from_db()
    assert log.status == MessageStatus.QUEUED and log.attempts == 1
    assert "SMTPServerDisconnected" in log.error
    first_retry = log.next_attempt_at
    assert first_retry > timezone.now() + dt.timedelta(seconds=25)

    assert deliver_due().sent == 0  # not due yet: nothing happens
    later = first_retry + dt.timedelta(seconds=1)
    deliver_due(now=later)  # fails again, waits longer
    log.refresh_from_db()
    assert log.attempts == 2 and log.next_attempt_at - later > dt.timedelta(seconds=55)

    assert deliver_due(now=log.next_attempt_at + dt.timedelta(seconds=1)).sent == 1
    log.refresh_from_db()
    assert log.status == MessageStatus.SENT and log.attempts == 3 and log.error == ""
    assert len(mail.outbox) == 1


def test_gives_up_after_max_attempts(settings: Any,
                                     django_capture_on_commit_callbacks: Any) -> None:
    settings.EMAIL_BACKEND = "commerce.notifications.tests.backends.FlakyBackend"
    FlakyBackend.calls, FlakyBackend.failures = 0, 100
    with django_capture_on_commit_callbacks(execute=True):
        log = _send()
    for _ in range(20):
        log.refresh_from_db()
        if log.status != MessageStatus.QUEUED:
            break
        deliver_due(now=log.next_attempt_at + dt.timedelta(seconds=1))
    assert log.status == MessageStatus.FAILED and "gave up after 10 attempts" in log.error


def test_hard_refusal_fails_and_suppresses(settings: Any,
                                           django_capture_on_commit_callbacks: Any) -> None:
    settings.EMAIL_BACKEND = "commerce.notifications.tests.backends.RefusingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        log = _send(to="ghost@example.com")
    log.refresh_from_db()
    assert log.status == MessageStatus.FAILED and "User unknown" in log.error
    assert Suppression.objects.filter(email="ghost@example.com", reason="bounced").exists()


def test_backend_down_keeps_messages_queued(settings: Any,
                                            django_capture_on_commit_callbacks: Any) -> None:
    settings.EMAIL_BACKEND = "commerce.notifications.tests.backends.DownBackend"
    with django_capture_on_commit_callbacks(execute=True):
        log = _send()
    log.refresh_from_db()
    assert log.status == MessageStatus.QUEUED and "Connection refused" in log.error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert deliver_due(now=log.next_attempt_at + dt.timedelta(seconds=1)).sent == 1


def test_celery_task_delivers_and_is_idempotent(settings: Any) -> None:
    settings.NOTIFICATIONS_DELIVERY = "celery"
    log = _send()  # on_commit never fires inside the test transaction: the task runs below
    assert deliver_message.apply(args=[str(log.pk)]).get() == "sent"
    assert deliver_message.apply(args=[str(log.pk)]).get() == "done"  # redelivered task
    assert len(mail.outbox) == 1


def test_transactional_mail_has_no_unsubscribe_headers(
        django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _send()
    (msg,) = mail.outbox
    assert "List-Unsubscribe" not in msg.extra_headers
    assert msg.extra_headers["Auto-Submitted"] == "auto-generated"
    assert msg.alternatives[0][1] == "text/html"
