from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from commerce.core.models import ModelWithMetadata


class WarehouseKind(models.TextChoices):
    CENTRAL = "central", _("Central")
    OVERSEAS = "overseas", _("Overseas 3PL")
    STORE = "store", _("Offline store")
    MARKETPLACE_FULFILLED = "marketplace-fulfilled", _("Marketplace fulfilled")


class Warehouse(ModelWithMetadata):
    """Anywhere stock sits; an offline store is a virtual warehouse of kind store."""

    name = models.CharField(_("name"), max_length=250)
    slug = models.SlugField(_("slug"), max_length=255, unique=True)
    kind = models.CharField(
        _("kind"),
        max_length=32,
        choices=WarehouseKind.choices,
        default=WarehouseKind.CENTRAL,
        db_index=True,
    )
    is_active = models.BooleanField(_("active"), default=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    company_name = models.CharField(max_length=256, blank=True)
    street_address_1 = models.CharField(max_length=256, blank=True)
    street_address_2 = models.CharField(max_length=256, blank=True)
    city = models.CharField(max_length=256, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = CountryField()
    country_area = models.CharField(max_length=128, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    pickup_enabled = models.BooleanField(_("pickup enabled"), default=False)

    class Meta:
        ordering = ("slug",)
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="warehouse_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="warehouse_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def address_lines(self) -> list[str]:
        city = " ".join(p for p in (self.postal_code, self.city) if p)
        return [
            p
            for p in (
                self.street_address_1,
                self.street_address_2,
                city,
                self.country.name if self.country else "",  # type: ignore[attr-defined]
            )
            if p
        ]


class Stock(models.Model):
    """Units of one variant in one warehouse.

    Available = quantity - quantity_allocated - quantity_reserved; the database
    refuses any of the three going negative.
    """

    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="stocks")
    variant = models.ForeignKey(
        "catalog.ProductVariant", on_delete=models.CASCADE, related_name="stocks"
    )
    quantity = models.IntegerField(_("on hand"), default=0)
    quantity_allocated = models.IntegerField(_("allocated"), default=0)
    quantity_reserved = models.IntegerField(_("reserved"), default=0)
    shelf_location = models.CharField(_("shelf location"), max_length=32, blank=True)

    class Meta:
        ordering = ("pk",)
        verbose_name = _("stock")
        verbose_name_plural = _("stock")
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "variant"], name="stock_unique"),
            models.CheckConstraint(
                condition=Q(quantity__gte=0), name="stock_quantity_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(quantity_allocated__gte=0), name="stock_allocated_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(quantity_reserved__gte=0), name="stock_reserved_non_negative"
            ),
        ]
        indexes = [models.Index(fields=["variant", "warehouse"])]

    def __str__(self) -> str:
        return f"{self.variant_id}@{self.warehouse_id}: {self.quantity}"

    @property
    def available(self) -> int:
        return max(self.quantity - self.quantity_allocated - self.quantity_reserved, 0)


AVAILABLE = F("quantity") - F("quantity_allocated") - F("quantity_reserved")


class Allocation(models.Model):
    """Units of a stock promised to an order line."""

    order_line = models.ForeignKey(
        "orders.OrderLine", on_delete=models.CASCADE, related_name="allocations"
    )
    stock = models.ForeignKey(Stock, on_delete=models.CASCADE, related_name="allocations")
    quantity_allocated = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("pk",)
        constraints = [
            models.UniqueConstraint(fields=["order_line", "stock"], name="allocation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.quantity_allocated} of {self.stock}"


class Reservation(models.Model):
    """A short hold of stock for a checkout (or any reference), until ``reserved_until``."""

    reference = models.CharField(
        max_length=100, db_index=True, help_text=_("What holds the stock, e.g. checkout:<token>.")
    )
    line_reference = models.CharField(max_length=100, blank=True)
    stock = models.ForeignKey(Stock, on_delete=models.CASCADE, related_name="reservations")
    quantity_reserved = models.PositiveIntegerField()
    reserved_until = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("pk",)
        constraints = [
            models.UniqueConstraint(
                fields=["reference", "line_reference", "stock"], name="reservation_unique"
            ),
            models.CheckConstraint(
                condition=Q(quantity_reserved__gt=0), name="reservation_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.quantity_reserved} until {self.reserved_until:%H:%M}"


class MovementReason(models.TextChoices):
    RECEIPT = "receipt", _("Goods received")
    ADJUSTMENT = "adjustment", _("Manual adjustment")
    STOCKTAKE = "stocktake", _("Stocktake")
    ALLOCATION = "allocation", _("Allocated to order")
    DEALLOCATION = "deallocation", _("Allocation released")
    FULFILMENT = "fulfilment", _("Shipped or handed over")
    RESERVATION = "reservation", _("Reserved for checkout")
    RESERVATION_RELEASE = "reservation-release", _("Reservation released")
    RESERVATION_EXPIRY = "reservation-expiry", _("Reservation expired")
    RETURN = "return", _("Returned")
    TRANSFER_IN = "transfer-in", _("Transfer in")
    TRANSFER_OUT = "transfer-out", _("Transfer out")


class StockMovement(models.Model):
    """Append-only ledger: every change to a stock row, with why and for what.

    For each stock, the sums of the deltas equal the stock's current counters.
    """

    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="movements")
    reason = models.CharField(max_length=32, choices=MovementReason.choices, db_index=True)
    quantity_delta = models.IntegerField(default=0)
    allocated_delta = models.IntegerField(default=0)
    reserved_delta = models.IntegerField(default=0)
    quantity_after = models.IntegerField()
    reference = models.CharField(max_length=128, blank=True, db_index=True)
    note = models.CharField(max_length=255, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("-pk",)
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")

    def __str__(self) -> str:
        return f"{self.reason} {self.quantity_delta:+d}/{self.allocated_delta:+d}"
