"""Email flows: the message log (one row per idempotency key), per-channel flow
settings, consent audit, suppression list, coupons, NPS answers, missing
translations and the development inbox."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SUPPRESSED = "suppressed", _("Suppressed")


class Flow(models.TextChoices):
    TRANSACTIONAL = "transactional", _("Transactional")
    WELCOME = "welcome", _("Welcome series")
    ABANDONED_CHECKOUT = "abandoned_checkout", _("Abandoned checkout")
    REVIEW = "review", _("Review / NPS request")
    BIRTHDAY = "birthday", _("Birthday")
    WINBACK = "winback", _("Win-back")


LIFECYCLE_FLOWS = [f for f in Flow if f != Flow.TRANSACTIONAL]


class MessageLog(models.Model):
    """One email the shop decided to send, claimed by its idempotency key before
    sending: a second claim of the same key (a task run twice, two workers)
    finds the row and sends nothing."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    idempotency_key = models.CharField(_("idempotency key"), max_length=600, unique=True)
    kind = models.CharField(_("kind"), max_length=48, db_index=True)
    flow = models.CharField(_("flow"), max_length=32, choices=Flow.choices,
                            default=Flow.TRANSACTIONAL)
    step = models.PositiveSmallIntegerField(_("step"), default=0)
    marketing = models.BooleanField(_("marketing"), default=False)
    to_email = models.CharField(_("recipient"), max_length=320, db_index=True)
    language = models.CharField(_("language"), max_length=10)
    channel = models.ForeignKey("channel.Channel", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    customer = models.ForeignKey("account.Customer", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="email_messages")
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="email_messages")
    object_ref = models.CharField(_("object"), max_length=128, blank=True)
    context = models.JSONField(_("context"), default=dict, blank=True)
    subject = models.CharField(_("subject"), max_length=998, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=MessageStatus.choices,
                              default=MessageStatus.QUEUED)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=255,
                                           blank=True, db_index=True)
    last_event = models.CharField(_("last delivery event"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = _("email message")
        verbose_name_plural = _("email log")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="msglog_status_next")]

    def __str__(self) -> str:
        return f"{self.kind} → {self.to_email} ({self.status})"


def default_delays() -> list[int]:
    return []


class FlowSetting(models.Model):
    """On/off switch and delays of one lifecycle flow in one storefront channel."""

    channel = models.ForeignKey("channel.Channel", on_delete=models.CASCADE,
                                related_name="email_flow_settings")
    flow = models.CharField(_("flow"), max_length=32,
                            choices=[(f.value, f.label) for f in LIFECYCLE_FLOWS])
    enabled = models.BooleanField(_("enabled"), default=True)
    delays_hours = ArrayField(
        models.PositiveIntegerField(), verbose_name=_("delays (hours)"), default=default_delays,
        help_text=_("Hours after the trigger for each step, comma separated (e.g. 4,24)."),
    )
    coupon_percent_off = models.DecimalField(
        _("coupon discount (percent)"), max_digits=5, decimal_places=2, default=Decimal("10"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
        help_text=_("Birthday flow only."),
    )
    coupon_valid_days = models.PositiveIntegerField(_("coupon valid (days)"), default=14,
                                                    help_text=_("Birthday flow only."))

    class Meta:
        ordering = ("channel__slug", "flow")
        verbose_name = _("email flow setting")
        verbose_name_plural = _("email flow settings")
        constraints = [
            models.UniqueConstraint(fields=["channel", "flow"], name="flow_setting_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} · {self.get_flow_display()}"


class ConsentAction(models.TextChoices):
    REQUESTED = "requested", _("Requested (awaiting confirmation)")
    CONFIRMED = "confirmed", _("Confirmed (double opt-in)")
    WITHDRAWN = "withdrawn", _("Withdrawn (unsubscribed)")


class ConsentEvent(models.Model):
    """Append-only audit of marketing consent: when, where from, which IP."""

    customer = models.ForeignKey("account.Customer", on_delete=models.CASCADE,
                                 related_name="consent_events")
    email = models.EmailField(_("email"))
    action = models.CharField(_("action"), max_length=16, choices=ConsentAction.choices)
    source = models.CharField(_("source"), max_length=64, blank=True)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=512, blank=True)
    channel = models.ForeignKey("channel.Channel", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        ordering = ("-at", "-pk")
        verbose_name = _("consent event")
        verbose_name_plural = _("consent events")
        indexes = [models.Index(fields=["customer", "action", "-at"], name="consent_cust_action")]

    def __str__(self) -> str:
        return f"{self.email} {self.action} @ {self.at:%Y-%m-%d %H:%M}"


class SuppressionReason(models.TextChoices):
    BOUNCED = "bounced", _("Hard bounce")
    COMPLAINED = "complained", _("Spam complaint")
    REJECTED = "rejected", _("Rejected by provider")
    MANUAL = "manual", _("Added by staff")


class Suppression(models.Model):
    """Addresses we never send to again (bounces, complaints)."""

    email = models.CharField(_("email"), max_length=320, unique=True)
    reason = models.CharField(_("reason"), max_length=16, choices=SuppressionReason.choices)
    detail = models.TextField(_("detail"), blank=True)
    esp_name = models.CharField(_("provider"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppression list")

    def __str__(self) -> str:
        return f"{self.email} ({self.reason})"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)


class CouponKind(models.TextChoices):
    BIRTHDAY = "birthday", _("Birthday")
    MANUAL = "manual", _("Manual")


class Coupon(models.Model):
    """A single-use percentage coupon, optionally bound to one customer."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=CouponKind.choices,
                            default=CouponKind.MANUAL)
    customer = models.ForeignKey("account.Customer", null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="coupons")
    channel = models.ForeignKey("channel.Channel", null=True, blank=True,
                                on_delete=models.CASCADE, related_name="+")
    percent_off = models.DecimalField(_("discount (percent)"), max_digits=5, decimal_places=2)
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    redeemed_at = models.DateTimeField(_("redeemed at"), null=True, blank=True)
    redeemed_order = models.ForeignKey("orders.Order", null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")
    message = models.OneToOneField(MessageLog, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="coupon")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        constraints = [
            models.CheckConstraint(condition=Q(percent_off__gt=0) & Q(percent_off__lte=100),
                                   name="coupon_percent_range"),
            models.CheckConstraint(condition=Q(valid_until__gt=models.F("valid_from")),
                                   name="coupon_valid_window"),
        ]

    def __str__(self) -> str:
        return self.code


class NpsResponse(models.Model):
    """The 0–10 score a shopper gave an order by clicking a link in the review email."""

    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE,
                                 related_name="nps_response")
    score = models.PositiveSmallIntegerField(_("score"),
                                             validators=[MaxValueValidator(10)])
    comment = models.TextField(_("comment"), blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    responded_at = models.DateTimeField(_("answered at"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ("-responded_at",)
        verbose_name = _("NPS answer")
        verbose_name_plural = _("NPS answers")
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=10),
                                   name="nps_score_range"),
        ]

    def __str__(self) -> str:
        return f"{self.order} → {self.score}"


class MissingTranslation(models.Model):
    """A template string with no translation in a shipped language (seen at send
    or preview time); the email went out with the English fallback."""

    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    msgid = models.TextField(_("message"))
    template = models.CharField(_("template"), max_length=255)
    first_seen = models.DateTimeField(_("first seen"), auto_now_add=True)

    class Meta:
        ordering = ("language", "template", "msgid")
        verbose_name = _("missing translation")
        verbose_name_plural = _("missing translations")
        constraints = [
            models.UniqueConstraint(fields=["language", "template", "msgid"],
                                    name="missing_translation_unique"),
        ]

    def __str__(self) -> str:
        return f"[{self.language}] {self.msgid[:60]}"


class InboxMessage(models.Model):
    """A message captured by the development SMTP server (``devsmtp``)."""

    received_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)
    mail_from = models.CharField(_("from"), max_length=320, blank=True)
    recipients = ArrayField(models.CharField(max_length=320), verbose_name=_("to"),
                            default=list)
    subject = models.CharField(_("subject"), max_length=998, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    raw = models.BinaryField(_("raw message"))

    class Meta:
        ordering = ("-received_at", "-pk")
        verbose_name = _("inbox message (development)")
        verbose_name_plural = _("inbox (development)")

    def __str__(self) -> str:
        return self.subject or self.message_id
