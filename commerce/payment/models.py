"""Payments through a payment service provider (Stripe): one row per PaymentIntent,
and a ledger of the provider's webhook events, each processed once."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")  # recorded locally, provider not answered yet
    REQUIRES_ACTION = "requires-action", _("Waiting for the shopper (3-D Secure)")
    PROCESSING = "processing", _("Processing")
    AUTHORIZED = "authorized", _("Authorized (to capture)")
    CHARGED = "charged", _("Charged")
    PARTIALLY_REFUNDED = "partially-refunded", _("Partially refunded")
    REFUNDED = "refunded", _("Refunded")
    FAILED = "failed", _("Failed")
    CANCELED = "canceled", _("Canceled")


class CaptureMethod(models.TextChoices):
    AUTOMATIC = "automatic", _("Automatic (charge at once)")
    MANUAL = "manual", _("Manual (authorize, capture at handover)")


class Payment(models.Model):
    """A PaymentIntent for one checkout; it belongs to the order that checkout became."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    gateway = models.CharField(max_length=32, default="stripe")
    checkout = models.ForeignKey("checkout.Checkout", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="payments")
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="payments")
    psp_reference = models.CharField(_("PaymentIntent id"), max_length=255, null=True,
                                     blank=True, unique=True)
    status = models.CharField(max_length=32, choices=PaymentStatus.choices,
                              default=PaymentStatus.PENDING, db_index=True)
    capture_method = models.CharField(max_length=16, choices=CaptureMethod.choices,
                                      default=CaptureMethod.AUTOMATIC)
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(max_digits=20, decimal_places=3)
    captured_amount = models.DecimalField(max_digits=20, decimal_places=3, default=0)
    refunded_amount = models.DecimalField(max_digits=20, decimal_places=3, default=0)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at", "pk")
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_amount_non_negative"),
            models.CheckConstraint(condition=Q(refunded_amount__lte=models.F("captured_amount")),
                                   name="payment_refund_le_captured"),
        ]

    def __str__(self) -> str:
        return f"{self.psp_reference or self.pk} {self.amount} {self.currency} ({self.status})"


class PaymentEvent(models.Model):
    """A provider webhook event; the unique id makes every event count once."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=64, db_index=True)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="events")
    payload = models.JSONField(default=dict)
    result = models.CharField(max_length=255, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("-received_at", "pk")
        verbose_name = _("payment event")
        verbose_name_plural = _("payment events")

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"
