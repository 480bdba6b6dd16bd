"""Celery tasks of the email flows (beat entries: see BEAT_SCHEDULE below)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils import timezone

from .services import flows, mailer

PREFIX = "commerce.notifications.tasks"

# The lead merges this into settings.CELERY_BEAT_SCHEDULE.
BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "email-deliver-due": {"task": f"{PREFIX}.deliver_due_messages", "schedule": 60.0},
    "email-flow-abandoned-checkout": {"task": f"{PREFIX}.run_flow", "schedule": 300.0,
                                      "args": ("abandoned_checkout",)},
    "email-flow-welcome": {"task": f"{PREFIX}.run_flow", "schedule": 300.0,
                           "args": ("welcome",)},
    "email-flow-review": {"task": f"{PREFIX}.run_flow", "schedule": 3600.0, "args": ("review",)},
    "email-flow-birthday": {"task": f"{PREFIX}.run_flow", "schedule": 3600.0,
                            "args": ("birthday",)},
    "email-flow-winback": {"task": f"{PREFIX}.run_flow", "schedule": 3600.0,
                           "args": ("winback",)},
}


@shared_task(bind=True, name=f"{PREFIX}.deliver_message", max_retries=12, acks_late=True)
def deliver_message(self: Any, log_id: str) -> str:
    """Deliver one queued email; on SMTP/provider errors retry with exponential backoff
    (the row keeps its attempts and error text; after MAX_ATTEMPTS it is failed)."""
    result = mailer.deliver_messages([log_id])
    if result.retry and result.retry_at:
        countdown = max(int((result.retry_at - timezone.now()).total_seconds()), 1)
        raise self.retry(countdown=countdown)
    return "sent" if result.sent else "done"


@shared_task(name=f"{PREFIX}.deliver_due_messages")
def deliver_due_messages() -> dict[str, int]:
    """Sweeper for rows whose retry is due or whose task never ran (broker down)."""
    result = mailer.deliver_due()
    return {"sent": result.sent, "failed": result.failed, "retry": len(result.retry)}


@shared_task(name=f"{PREFIX}.run_flow", acks_late=True)
def run_flow(flow: str) -> dict[str, Any]:
    """Run one lifecycle flow now (idempotent: safe to overlap or repeat)."""
    return flows.flow_run(flow).as_dict()
