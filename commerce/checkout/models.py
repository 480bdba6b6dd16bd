from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from commerce.core.models import ModelWithMetadata


class DeliveryMethodKind(models.TextChoices):
    SHIPPING = "shipping", _("Shipping")
    PICKUP = "pickup", _("Pickup at a store")


class Checkout(ModelWithMetadata):
    """A shopper's cart on its way to becoming an order (Saleor's Checkout)."""

    token = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    channel = models.ForeignKey(
        "channel.Channel", on_delete=models.CASCADE, related_name="checkouts"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_change = models.DateTimeField(auto_now=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="checkouts",
    )
    customer = models.ForeignKey(
        "account.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="checkouts",
    )
    email = models.EmailField(blank=True)
    language_code = models.CharField(max_length=10, choices=settings.LANGUAGES, default="en")
    currency = models.CharField(max_length=3)
    country = models.CharField(max_length=2, blank=True)
    shipping_address = models.ForeignKey(
        "account.Address", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    billing_address = models.ForeignKey(
        "account.Address", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    delivery_method = models.CharField(
        max_length=16, choices=DeliveryMethodKind.choices, blank=True
    )
    shipping_method_id = models.CharField(max_length=64, blank=True)
    collection_point = models.ForeignKey(
        "inventory.Warehouse", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)
    voucher_code = models.CharField(max_length=64, blank=True)
    completed_order = models.OneToOneField(
        "orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="checkout"
    )
    completed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ("-last_change", "pk")
        verbose_name = _("checkout")
        verbose_name_plural = _("checkouts")

    def __str__(self) -> str:
        return str(self.token)

    @property
    def reservation_reference(self) -> str:
        return f"checkout:{self.token}"


class CheckoutLine(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    checkout = models.ForeignKey(Checkout, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        "catalog.ProductVariant", on_delete=models.CASCADE, related_name="+"
    )
    quantity = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "id")
        constraints = [
            models.UniqueConstraint(fields=["checkout", "variant"], name="checkout_line_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="checkout_line_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.variant_id}"


class ShippingZone(models.Model):
    """Countries shipped to at the same rates (Saleor's ShippingZone)."""

    name = models.CharField(_("name"), max_length=100)
    countries = ArrayField(models.CharField(max_length=2), default=list,
                           help_text=_("ISO codes of the countries in this zone, e.g. DE, FR."))
    channels = models.ManyToManyField("channel.Channel", blank=True,
                                      related_name="shipping_zones")

    class Meta:
        ordering = ("name", "pk")
        verbose_name = _("shipping zone")
        verbose_name_plural = _("shipping zones")

    def __str__(self) -> str:
        return self.name


class ShippingMethod(models.Model):
    """A way to ship to a zone, for orders within a weight band."""

    zone = models.ForeignKey(ShippingZone, on_delete=models.CASCADE,
                             related_name="shipping_methods")
    name = models.CharField(_("name"), max_length=100)
    minimum_order_weight_grams = models.PositiveIntegerField(_("minimum weight (g)"), default=0)
    maximum_order_weight_grams = models.PositiveIntegerField(
        _("maximum weight (g)"), null=True, blank=True, help_text=_("Empty: no upper limit.")
    )
    minimum_delivery_days = models.PositiveIntegerField(null=True, blank=True)
    maximum_delivery_days = models.PositiveIntegerField(null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ("zone", "minimum_order_weight_grams", "pk")
        verbose_name = _("shipping method")
        verbose_name_plural = _("shipping methods")
        constraints = [
            models.CheckConstraint(
                condition=Q(maximum_order_weight_grams__isnull=True)
                | Q(maximum_order_weight_grams__gte=models.F("minimum_order_weight_grams")),
                name="shipping_method_weight_band",
            )
        ]

    def __str__(self) -> str:
        return f"{self.zone}: {self.name}"


class ShippingMethodChannelListing(models.Model):
    """The rate of a shipping method in one channel, in that channel's currency."""

    shipping_method = models.ForeignKey(ShippingMethod, on_delete=models.CASCADE,
                                        related_name="channel_listings")
    channel = models.ForeignKey("channel.Channel", on_delete=models.CASCADE,
                                related_name="shipping_method_listings")
    currency = models.CharField(max_length=3)
    price_amount = models.DecimalField(_("price"), max_digits=20, decimal_places=3)

    class Meta:
        ordering = ("pk",)
        verbose_name = _("shipping rate")
        verbose_name_plural = _("shipping rates")
        constraints = [
            models.UniqueConstraint(fields=["shipping_method", "channel"],
                                    name="shipping_listing_unique"),
            models.CheckConstraint(condition=Q(price_amount__gte=0),
                                   name="shipping_listing_price_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.shipping_method} @ {self.channel}: {self.price_amount} {self.currency}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.channel_id and self.currency and self.currency.upper() != self.channel.currency_code:
            raise ValidationError({"currency": _("Channel %(ch)s sells in %(cur)s.") % {
                "ch": self.channel, "cur": self.channel.currency_code}})
