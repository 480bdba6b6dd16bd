from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from commerce.core.models import ModelWithMetadata, MoneyAmountField, TimestampedModel


class OrderStatus(models.TextChoices):
    # Saleor's OrderStatus values
    DRAFT = "draft", _("Draft")
    UNCONFIRMED = "unconfirmed", _("Unconfirmed")
    UNFULFILLED = "unfulfilled", _("Unfulfilled")
    PARTIALLY_FULFILLED = "partially fulfilled", _("Partially fulfilled")
    FULFILLED = "fulfilled", _("Fulfilled")
    PARTIALLY_RETURNED = "partially_returned", _("Partially returned")
    RETURNED = "returned", _("Returned")
    CANCELED = "canceled", _("Canceled")
    EXPIRED = "expired", _("Expired")


class OrderOrigin(models.TextChoices):
    CHECKOUT = "checkout", _("Checkout")
    DRAFT = "draft", _("Draft")
    IMPORT = "import", _("Imported from marketplace")
    STORE = "store", _("Offline store")


class PaymentStatus(models.TextChoices):
    NOT_CHARGED = "not-charged", _("Not charged")
    AUTHORIZED = "authorized", _("Authorized")
    PARTIALLY_CHARGED = "partially-charged", _("Partially charged")
    FULLY_CHARGED = "fully-charged", _("Fully charged")
    PARTIALLY_REFUNDED = "partially-refunded", _("Partially refunded")
    FULLY_REFUNDED = "fully-refunded", _("Fully refunded")
    FAILED = "failed", _("Failed")


class Order(ModelWithMetadata, TimestampedModel):
    """An order of any channel; marketplace orders keep their external id."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.BigIntegerField(unique=True, editable=False)
    channel = models.ForeignKey("channel.Channel", on_delete=models.PROTECT, related_name="orders")
    external_id = models.CharField(_("external order id"), max_length=128, null=True, blank=True)
    origin = models.CharField(
        max_length=16, choices=OrderOrigin.choices, default=OrderOrigin.CHECKOUT
    )
    status = models.CharField(
        max_length=32, choices=OrderStatus.choices, default=OrderStatus.UNFULFILLED, db_index=True
    )
    payment_status = models.CharField(
        max_length=32, choices=PaymentStatus.choices, default=PaymentStatus.NOT_CHARGED
    )
    currency = models.CharField(max_length=3)
    language_code = models.CharField(max_length=10, choices=settings.LANGUAGES, default="en")
    customer = models.ForeignKey(
        "account.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    user_email = models.EmailField(blank=True)
    billing_address = models.ForeignKey(
        "account.Address", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    shipping_address = models.ForeignKey(
        "account.Address", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    shipping_method_name = models.CharField(max_length=255, blank=True)
    collection_point = models.ForeignKey(
        "inventory.Warehouse",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pickup_orders",
    )
    subtotal_net_amount = MoneyAmountField(default=0)
    subtotal_gross_amount = MoneyAmountField(default=0)
    shipping_price_net_amount = MoneyAmountField(default=0)
    shipping_price_gross_amount = MoneyAmountField(default=0)
    total_net_amount = MoneyAmountField(default=0)
    total_gross_amount = MoneyAmountField(default=0)
    total_charged_amount = MoneyAmountField(default=0)
    customer_note = models.TextField(blank=True)
    is_oversold = models.BooleanField(default=False, db_index=True)
    external_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-number",)
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=Q(external_id__isnull=False),
                name="order_external_id_unique_per_channel",
            ),
            models.CheckConstraint(
                condition=Q(total_gross_amount__gte=0), name="order_total_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number}"


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        "catalog.ProductVariant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="order_lines",
    )
    product_name = models.CharField(max_length=386)
    variant_name = models.CharField(max_length=255, blank=True)
    translated_product_name = models.CharField(max_length=386, blank=True)
    product_sku = models.CharField(max_length=255, blank=True)
    external_line_id = models.CharField(max_length=128, blank=True)
    quantity = models.PositiveIntegerField()
    quantity_fulfilled = models.PositiveIntegerField(default=0)
    currency = models.CharField(max_length=3)
    unit_price_net_amount = MoneyAmountField()
    unit_price_gross_amount = MoneyAmountField()
    total_price_net_amount = MoneyAmountField()
    total_price_gross_amount = MoneyAmountField()
    tax_rate = models.DecimalField(max_digits=5, decimal_places=4, default=0)
    is_shipping_required = models.BooleanField(default=True)

    class Meta:
        ordering = ("pk",)
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="order_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(quantity_fulfilled__lte=models.F("quantity")),
                name="order_line_fulfilled_le_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_sku}"

    @property
    def quantity_unfulfilled(self) -> int:
        return self.quantity - self.quantity_fulfilled


class OrderEvent(models.Model):
    """Timeline of what happened to an order (imported, allocated, routed, paid…)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=64)
    message = models.TextField(blank=True)
    parameters = models.JSONField(blank=True, default=dict)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    date = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("date", "pk")

    def __str__(self) -> str:
        return f"{self.type} @ {self.date:%Y-%m-%d %H:%M}"
