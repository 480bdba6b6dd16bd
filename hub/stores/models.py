"""O2O: offline stores as virtual warehouses, routing rules, store fulfilments.

A Store is the profile of a Warehouse of kind ``store`` (pickup_enabled stays on
the Warehouse: one source of truth). Order-state that only stores need (pick
verification, pickup code, SLA start, carrier) lives here, beside the order.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Store(models.Model):
    warehouse = models.OneToOneField(
        "inventory.Warehouse", on_delete=models.CASCADE, related_name="store",
        limit_choices_to={"kind": "store"}, verbose_name=_("warehouse"),
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC",
                                 help_text=_("IANA name, e.g. Europe/Berlin."))
    ship_from_store_enabled = models.BooleanField(_("ship from store"), default=False)
    pickup_hold_days = models.PositiveSmallIntegerField(
        _("pickup hold (days)"), default=7,
        help_text=_("Days a ready order waits for the customer before it is canceled."))
    reminder_days_before = models.PositiveSmallIntegerField(
        _("reminder (days before deadline)"), default=1)
    preparation_minutes = models.PositiveIntegerField(
        _("preparation target (minutes)"), default=15,
        help_text=_("SLA: minutes from order to ready for pickup or packed."))
    allow_transfers = models.BooleanField(
        _("allow transfers for pickup"), default=False,
        help_text=_("Offer pickup here even when a line must first come from another warehouse."))
    transfer_days = models.PositiveSmallIntegerField(_("transfer lead time (days)"), default=2)
    fee_percent = models.DecimalField(_("fee %"), max_digits=5, decimal_places=2, default=0,
                                      help_text=_("Share of each fulfilled order's total."))
    clerks = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="stores",
                                    verbose_name=_("clerks"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ("warehouse__name",)
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        constraints = [
            models.CheckConstraint(condition=Q(fee_percent__gte=0, fee_percent__lte=100),
                                   name="store_fee_percent_range"),
        ]

    def __str__(self) -> str:
        return self.warehouse.name

    @property
    def name(self) -> str:
        return self.warehouse.name

    @property
    def pickup_enabled(self) -> bool:
        return bool(self.warehouse.pickup_enabled)


class OpeningHours(models.Model):
    """One opening period of a weekday in the store's local time (several per day allowed)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ("weekday", "opens")
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.CheckConstraint(condition=Q(opens__lt=models.F("closes")),
                                   name="opening_hours_opens_before_closes"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="opening_hours_weekday"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class StoreFeeRule(models.Model):
    """What the store earns per fulfilled online order in one currency."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="fee_rules")
    currency = models.CharField(_("currency"), max_length=3)
    fixed_per_order = models.DecimalField(_("fixed fee per order"), max_digits=20,
                                          decimal_places=3, default=0)

    class Meta:
        ordering = ("currency",)
        verbose_name = _("per-order fee")
        verbose_name_plural = _("per-order fees")
        constraints = [
            models.UniqueConstraint(fields=["store", "currency"], name="store_fee_currency_unique"),
            models.CheckConstraint(condition=Q(fixed_per_order__gte=0),
                                   name="store_fee_fixed_non_negative"),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"),
                                   name="store_fee_currency_iso"),
        ]

    def __str__(self) -> str:
        return f"{self.fixed_per_order} {self.currency}"


# ---------------------------------------------------------------------------------
# routing rules
# ---------------------------------------------------------------------------------


class RoutingAction(models.TextChoices):
    WAREHOUSES = "warehouses", _("Ordered warehouse list")
    NEAREST_STORE = "nearest-store", _("Nearest store with stock")


class LineMatch(models.TextChoices):
    ALL = "all", _("Every line must match")
    ANY = "any", _("At least one line must match")


class DeliveryMethod(models.TextChoices):
    SHIPPING = "shipping", _("Shipping")
    PICKUP = "pickup", _("Pickup at a store")


class RoutingRule(models.Model):
    """Merchant rule: if an order matches every set condition, route it this way.

    Rules are tried by ascending priority; the first match wins. The default
    rule (exactly one) is tried last and matches everything.
    """

    name = models.CharField(_("name"), max_length=120)
    priority = models.PositiveIntegerField(_("priority"), default=100, db_index=True,
                                           help_text=_("Lower runs first."))
    is_active = models.BooleanField(_("active"), default=True)
    is_default = models.BooleanField(_("default rule"), default=False,
                                     help_text=_("Covers every order no other rule matches."))
    # conditions: empty means "any"
    channels = models.ManyToManyField("channel.Channel", blank=True, related_name="+",
                                      verbose_name=_("channels"))
    countries = ArrayField(models.CharField(max_length=2), blank=True, default=list,
                           verbose_name=_("destination countries"),
                           help_text=_("ISO codes, comma separated."))
    regions = ArrayField(models.CharField(max_length=128), blank=True, default=list,
                         verbose_name=_("destination regions"),
                         help_text=_("State / province as written in addresses, comma separated."))
    postcode_prefixes = ArrayField(models.CharField(max_length=20), blank=True, default=list,
                                   verbose_name=_("postcode prefixes"))
    skus = ArrayField(models.CharField(max_length=64), blank=True, default=list,
                      verbose_name=_("SKUs"),
                      help_text=_("Exact SKUs, or a prefix ending in * (e.g. TEE-*)."))
    categories = models.ManyToManyField("catalog.Category", blank=True, related_name="+",
                                        verbose_name=_("categories"),
                                        help_text=_("Includes their subcategories."))
    line_match = models.CharField(_("lines"), max_length=3, choices=LineMatch.choices,
                                  default=LineMatch.ALL)
    min_weight_grams = models.PositiveIntegerField(_("min order weight (g)"), null=True, blank=True)
    max_weight_grams = models.PositiveIntegerField(_("max order weight (g)"), null=True, blank=True)
    value_currency = models.CharField(_("value currency"), max_length=3, blank=True)
    min_order_value = models.DecimalField(_("min order value"), max_digits=20, decimal_places=3,
                                          null=True, blank=True)
    max_order_value = models.DecimalField(_("max order value"), max_digits=20, decimal_places=3,
                                          null=True, blank=True)
    delivery_methods = ArrayField(
        models.CharField(max_length=16, choices=DeliveryMethod.choices), blank=True,
        default=list, verbose_name=_("delivery methods"))
    # action
    action = models.CharField(_("action"), max_length=16, choices=RoutingAction.choices,
                              default=RoutingAction.WAREHOUSES)
    radius_km = models.PositiveIntegerField(_("radius (km)"), null=True, blank=True,
                                            help_text=_("For the nearest-store action."))
    allow_split = models.BooleanField(_("may split across warehouses"), default=True)
    warehouses = models.ManyToManyField(
        "inventory.Warehouse", through="RoutingRuleWarehouse", blank=True, related_name="+",
        verbose_name=_("warehouses"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ("is_default", "priority", "pk")
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True),
                                    name="routing_rule_single_default"),
        ]

    def __str__(self) -> str:
        return self.name


class RoutingRuleWarehouse(models.Model):
    rule = models.ForeignKey(RoutingRule, on_delete=models.CASCADE, related_name="rule_warehouses")
    warehouse = models.ForeignKey("inventory.Warehouse", on_delete=models.CASCADE, related_name="+")
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("sort_order", "pk")
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses, in order")
        constraints = [
            models.UniqueConstraint(fields=["rule", "warehouse"], name="routing_rule_wh_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.sort_order}: {self.warehouse_id}"


# ---------------------------------------------------------------------------------
# store fulfilment (the clerk's side of an order)
# ---------------------------------------------------------------------------------


class FulfilmentKind(models.TextChoices):
    PICKUP = "pickup", _("Pickup")
    SHIP_FROM_STORE = "ship", _("Ship from store")


class FulfilmentStatus(models.TextChoices):
    QUEUED = "queued", _("To prepare")
    READY = "ready", _("Ready for pickup")
    COLLECTED = "collected", _("Picked up")
    SHIPPED = "shipped", _("Shipped")
    CANCELED = "canceled", _("Canceled")


OPEN_STATUSES = (FulfilmentStatus.QUEUED, FulfilmentStatus.READY)


class StoreFulfilment(models.Model):
    """The part of an order a store prepares: picked, verified, then collected or shipped."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE,
                              related_name="store_fulfilments")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="fulfilments")
    kind = models.CharField(_("kind"), max_length=8, choices=FulfilmentKind.choices)
    status = models.CharField(_("status"), max_length=12, choices=FulfilmentStatus.choices,
                              default=FulfilmentStatus.QUEUED, db_index=True)
    sla_started_at = models.DateTimeField(_("SLA start"), db_index=True)
    sla_due_at = models.DateTimeField(_("SLA due"))
    ready_at = models.DateTimeField(null=True, blank=True)
    hold_until = models.DateTimeField(null=True, blank=True, db_index=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    collected_at = models.DateTimeField(null=True, blank=True, db_index=True)
    shipped_at = models.DateTimeField(null=True, blank=True, db_index=True)
    canceled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=255, blank=True)
    payment_release_pending = models.BooleanField(default=False, db_index=True)
    pickup_code_hash = models.CharField(max_length=64, blank=True)
    code_failures = models.PositiveIntegerField(default=0)
    code_locked_until = models.DateTimeField(null=True, blank=True)
    carrier = models.CharField(_("carrier"), max_length=64, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=64, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ("sla_due_at", "pk")
        verbose_name = _("store fulfilment")
        verbose_name_plural = _("store fulfilments")
        permissions = [("use_clerk_console", _("Can use the store clerk console"))]
        constraints = [
            models.UniqueConstraint(fields=["order", "store"], name="store_fulfilment_unique"),
        ]
        indexes = [models.Index(fields=["store", "status", "sla_due_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.order.number} @ {self.store}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class FulfilmentLine(models.Model):
    """One order line as the store handles it: units to hand out and units verified by scan."""

    fulfilment = models.ForeignKey(StoreFulfilment, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()
    quantity_verified = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("pk",)
        constraints = [
            models.UniqueConstraint(fields=["fulfilment", "order_line"],
                                    name="fulfilment_line_unique"),
            models.CheckConstraint(condition=Q(quantity_verified__lte=models.F("quantity")),
                                   name="fulfilment_line_verified_le_quantity"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity_verified}/{self.quantity} of line {self.order_line_id}"


class PickupCodeAttempt(models.Model):
    """Every handover code entry, kept for per-clerk rate limits and audit."""

    fulfilment = models.ForeignKey(StoreFulfilment, on_delete=models.CASCADE,
                                   related_name="code_attempts")
    clerk = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                              related_name="+")
    succeeded = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("-created_at",)
        indexes = [models.Index(fields=["clerk", "succeeded", "created_at"])]

    def __str__(self) -> str:
        return f"{'ok' if self.succeeded else 'fail'} @ {self.created_at:%H:%M:%S}"
