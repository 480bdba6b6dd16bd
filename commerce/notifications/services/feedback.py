"""One-click NPS answers from the review email, recorded against the order."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commerce.core.errors import DomainError
from commerce.orders.models import Order

from .. import conf
from ..models import NpsResponse
from ..tokens import TokenPurpose, read_token


class FeedbackError(DomainError):
    default_code = "invalid_score"


def nps_record(token: str, score: int, *, language: str = "",
               now: datetime | None = None) -> NpsResponse:
    """Record (or change) the order's 0–10 score. Clicking the same link again
    changes nothing; clicking another score replaces it. Raises TokenInvalid /
    TokenExpired / FeedbackError with nothing written."""
    if not isinstance(score, int) or isinstance(score, bool) or not 0 <= score <= 10:
        raise FeedbackError(_("The score must be a whole number from 0 to 10."), field="score")
    now = now or timezone.now()
    data = read_token(TokenPurpose.FEEDBACK, token, max_age_days=conf.FEEDBACK_MAX_AGE_DAYS,
                      now=now)
    order = Order.objects.filter(pk=str(data.get("o", ""))).first()
    if order is None:
        raise FeedbackError(_("This order no longer exists."), code="order_not_found")
    with transaction.atomic():
        response, created = NpsResponse.objects.select_for_update().get_or_create(
            order=order, defaults={"score": score, "language": language[:10], "responded_at": now},
        )
        if not created and response.score != score:
            response.score = score
            response.save(update_fields=["score", "updated_at"])
    return response


def nps_comment(token: str, comment: str, *, now: datetime | None = None) -> NpsResponse:
    """Attach the optional comment from the thank-you page."""
    data = read_token(TokenPurpose.FEEDBACK, token, max_age_days=conf.FEEDBACK_MAX_AGE_DAYS,
                      now=now)
    response = NpsResponse.objects.filter(order_id=str(data.get("o", ""))).first()
    if response is None:
        raise FeedbackError(_("Choose a score first."), code="no_score")
    response.comment = (comment or "").strip()[:4000]
    response.save(update_fields=["comment", "updated_at"])
    return response
