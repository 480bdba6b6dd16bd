"""Marketplace accounts: create, seed rate limits, pause and resume."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from commerce.channel.models import Channel, ChannelKind

from .. import clock
from ..connectors import connector_class, documented_rate_limits
from ..errors import HubError, HubErrorCode
from ..models import AccountStatus, AlertKind, AlertSeverity, MarketplaceAccount
from .alerts import alert_raise, alert_resolve
from .outbox import request_drain_on_commit


def auth_alert_key(account_id: int) -> str:
    return f"auth_failed:{account_id}"


def account_create(channel: Channel, *, connector: str, site: str, **fields: object) -> MarketplaceAccount:
    """Link a marketplace channel to its connector; rate limits start at the documented ones."""
    if channel.kind != ChannelKind.MARKETPLACE:
        raise HubError(_("Channel %(ch)s is not a marketplace channel.") % {"ch": channel.slug},
                       code=HubErrorCode.NOT_MARKETPLACE, field="channel")
    if not site.strip():
        raise HubError(_("The marketplace site is required."), code=HubErrorCode.REQUIRED,
                       field="site")
    connector_class(connector)  # unknown names fail here, with a message
    account = MarketplaceAccount(channel=channel, connector=connector, site=site.strip(), **fields)
    if not account.rate_limits:
        account.rate_limits = documented_rate_limits(connector)
    account.save()
    return account


def account_seed_rate_limits(account: MarketplaceAccount, *, overwrite: bool = False) -> dict:
    """Fill the account's token buckets from the connector's documented limits."""
    documented = documented_rate_limits(account.connector)
    limits = dict(documented) if overwrite else {**documented, **(account.rate_limits or {})}
    MarketplaceAccount.objects.filter(pk=account.pk).update(rate_limits=limits)
    account.rate_limits = limits
    return limits


def account_pause(account: MarketplaceAccount, reason: str, *, alert: bool = False) -> None:
    """Stop syncing and importing for this account (changes keep piling up in the outbox)."""
    now = clock.now()
    with transaction.atomic():
        MarketplaceAccount.objects.filter(pk=account.pk).update(
            status=AccountStatus.PAUSED, paused_reason=reason[:500], paused_at=now,
            last_error=reason)
        account.status, account.paused_reason, account.paused_at = (
            AccountStatus.PAUSED, reason[:500], now)
        if alert:
            alert_raise(
                AlertKind.AUTH_FAILED, auth_alert_key(account.pk),
                _("%(channel)s is paused: the marketplace refused its credentials (%(reason)s). "
                  "Renew them, then resume the account.")
                % {"channel": account.channel, "reason": reason},
                severity=AlertSeverity.CRITICAL, account=account,
            )


def account_resume(account: MarketplaceAccount) -> None:
    """Sync again; everything queued while paused is pushed (coalesced)."""
    with transaction.atomic():
        MarketplaceAccount.objects.filter(pk=account.pk).update(
            status=AccountStatus.ACTIVE, paused_reason="", paused_at=None)
        account.status, account.paused_reason, account.paused_at = AccountStatus.ACTIVE, "", None
        alert_resolve(auth_alert_key(account.pk))
        request_drain_on_commit(account.pk)
