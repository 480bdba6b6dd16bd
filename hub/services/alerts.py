"""Alerts: one open alert per thing that needs a human, repeated sightings counted."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from .. import clock, hooks
from ..models import Alert, AlertSeverity


def alert_raise(kind: str, dedup_key: str, message: str, *,
                severity: str = AlertSeverity.WARNING, **links: Any) -> Alert:
    """Open an alert, or count one more sighting of the open alert with that key.

    Listeners (email) hear about newly opened alerts after the transaction commits.
    """
    now = clock.now()
    with transaction.atomic():
        existing = Alert.objects.select_for_update().filter(dedup_key=dedup_key, is_open=True).first()
        if existing is not None:
            Alert.objects.filter(pk=existing.pk).update(
                occurrences=F("occurrences") + 1, last_seen_at=now, message=message,
                severity=severity)
            existing.message = message
            return existing
        try:
            with transaction.atomic():
                alert = Alert.objects.create(kind=kind, dedup_key=dedup_key[:200], message=message,
                                             severity=severity, last_seen_at=now, **links)
        except IntegrityError:  # opened concurrently by another transaction
            alert = Alert.objects.get(dedup_key=dedup_key, is_open=True)
            Alert.objects.filter(pk=alert.pk).update(occurrences=F("occurrences") + 1,
                                                     last_seen_at=now)
            return alert
    transaction.on_commit(lambda: hooks.alert_raised(alert), robust=True)
    return alert


def alert_resolve(dedup_key: str, *, user=None) -> int:  # noqa: ANN001
    """Close the open alert with that key (the condition went away); returns alerts closed."""
    return Alert.objects.filter(dedup_key=dedup_key, is_open=True).update(
        is_open=False, resolved_at=clock.now(),
        resolved_by=user if user is not None and getattr(user, "pk", None) else None)


def alerts_resolve(alerts, *, user=None) -> int:  # noqa: ANN001
    """Close the given alerts (admin action)."""
    return alerts.filter(is_open=True).update(
        is_open=False, resolved_at=clock.now(),
        resolved_by=user if user is not None and getattr(user, "pk", None) else None)
