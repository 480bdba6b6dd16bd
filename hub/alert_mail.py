"""Mail the merchant's hub staff about every newly opened alert (low stock, a paused
account, a held or oversold order, a dead letter).

Registered as a hub alert listener in ``HubConfig.ready``; the hub calls it after the
alert's transaction commits, once per newly opened alert (a repeated sighting only
counts up in the admin). Recipients: active staff who may view alerts (superusers
included) plus the addresses in ``HUB_ALERT_EMAILS``; each in their preferred
language when their account has a customer profile, else the site's default.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from commerce.notifications.services import send_merchant_alert

from .models import Alert, AlertKind, AlertSeverity

VIEW_ALERT = "hub.view_alert"


def alert_recipients() -> list[tuple[str, str]]:
    default = settings.LANGUAGE_CODE
    staff = (get_user_model().objects.with_perm(VIEW_ALERT, include_superusers=True)
             .filter(is_active=True, is_staff=True).exclude(email="")
             .select_related("customer").order_by("pk"))
    recipients = [(user.email, getattr(getattr(user, "customer", None), "preferred_language",
                                       None) or default) for user in staff]
    recipients += [(email, default) for email in getattr(settings, "HUB_ALERT_EMAILS", ())]
    return recipients


def mail_alert(alert: Alert) -> None:
    recipients = alert_recipients()
    if not recipients:
        return
    url = settings.PUBLIC_URL + reverse("admin:hub_alert_change", args=[alert.pk])
    send_merchant_alert(
        alert_ref=f"hub-alert:{alert.pk}", recipients=recipients,
        title=lambda: AlertKind(alert.kind).label, severity=lambda: AlertSeverity(alert.severity).label,
        message=alert.message, url=url, raised_at=alert.created_at)
