"""The hub's data: marketplace accounts, listings and their rules, the sync outbox,
order-import records, alerts and the sync log.

A marketplace Channel (commerce) is one seller account on one site; the hub's
MarketplaceAccount holds what the connector needs to act for it. A Listing is one
variant published on that channel. Every change a channel must see becomes an
OutboxEntry in the same transaction as the change; workers drain it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from commerce.catalog.models import Product
from commerce.core.fields import EncryptedTextField
from commerce.core.models import TimestampedModel

MONEY = {"max_digits": 20, "decimal_places": 3}


def connector_choices() -> list[tuple[str, str]]:
    from hub.connectors import connector_names

    return [(name, name) for name in connector_names()]


# --------------------------------------------------------------------------- rules


class PriceRuleKind(models.TextChoices):
    CHANNEL = "channel", _("This channel's own price, plus markup and rounding")
    DERIVED = "derived", _("Another channel's price converted by FX, plus markup and rounding")


class PriceRule(models.Model):
    """How a listing's price is worked out (a listing's fixed price overrides any rule)."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=PriceRuleKind.choices,
                            default=PriceRuleKind.DERIVED)
    source_channel = models.ForeignKey(
        "channel.Channel", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("source channel"),
        help_text=_("Derived rules start from this channel's price of the variant."),
    )
    markup_percent = models.DecimalField(_("markup %"), max_digits=7, decimal_places=2, default=0)
    rounding_ending = models.DecimalField(
        _("price ending"), max_digits=10, decimal_places=3, null=True, blank=True,
        help_text=_("Round up to a price ending in this, e.g. 0.99 (12.99) or 9 for yen (1,299)."),
    )

    class Meta:
        ordering = ("name",)
        verbose_name = _("price rule")
        verbose_name_plural = _("price rules")
        constraints = [
            models.CheckConstraint(condition=Q(markup_percent__gt=-100),
                                   name="hub_price_rule_markup_gt_minus_100"),
            models.CheckConstraint(condition=Q(rounding_ending__isnull=True)
                                   | Q(rounding_ending__gte=0), name="hub_price_rule_ending_gte_0"),
        ]

    def __str__(self) -> str:
        return self.name


class QuantityRuleKind(models.TextChoices):
    SHARE = "share", _("Share of available: percent, minus buffer, capped")
    MIRROR = "mirror", _("Everything available")


class QuantityRule(models.Model):
    """How many of the available units a marketplace is offered."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=QuantityRuleKind.choices,
                            default=QuantityRuleKind.SHARE)
    percent_of_available = models.DecimalField(_("percent of available"), max_digits=5,
                                               decimal_places=2, default=100)
    buffer_units = models.PositiveIntegerField(
        _("buffer units"), default=0, help_text=_("Units kept back from this marketplace."))
    max_units = models.PositiveIntegerField(_("max units"), null=True, blank=True)

    class Meta:
        ordering = ("name",)
        verbose_name = _("quantity rule")
        verbose_name_plural = _("quantity rules")
        constraints = [
            models.CheckConstraint(condition=Q(percent_of_available__gte=0)
                                   & Q(percent_of_available__lte=100),
                                   name="hub_quantity_rule_percent_range"),
        ]

    def __str__(self) -> str:
        return self.name


# --------------------------------------------------------------------------- accounts


class AccountStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")


class OversellPolicy(models.TextChoices):
    CANCEL = "cancel", _("Cancel on the marketplace with reason")
    BACKORDER = "backorder", _("Keep the order and backorder")


class MarketplaceAccount(TimestampedModel):
    """What the hub needs to act for one marketplace channel: connector, credentials, limits."""

    channel = models.OneToOneField(
        "channel.Channel", on_delete=models.PROTECT, related_name="marketplace_account",
        limit_choices_to={"kind": "marketplace"}, verbose_name=_("channel"),
    )
    connector = models.CharField(_("connector"), max_length=32, choices=connector_choices)
    site = models.CharField(
        _("site"), max_length=64,
        help_text=_("Marketplace site id, e.g. ATVPDKIKX0DER (Amazon US) or EBAY_DE."))
    site_language = models.CharField(
        _("site language"), max_length=16, default="en-US",
        help_text=_("BCP 47 language of listings on this site, e.g. de-DE."))
    seller_id = models.CharField(_("seller id"), max_length=128, blank=True)
    client_id = EncryptedTextField(_("client id"), blank=True)
    client_secret = EncryptedTextField(_("client secret"), blank=True)
    refresh_token = EncryptedTextField(_("refresh token"), blank=True)
    extra_credentials = EncryptedTextField(
        _("extra credentials"), blank=True,
        help_text=_("JSON object of further secrets the connector needs (kept encrypted)."))
    endpoint = models.URLField(_("API endpoint"), max_length=300, blank=True)
    auth_endpoint = models.URLField(_("token endpoint"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=AccountStatus.choices,
                              default=AccountStatus.ACTIVE, db_index=True)
    paused_reason = models.CharField(_("paused because"), max_length=500, blank=True)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    rate_limits = models.JSONField(
        _("rate limits"), default=dict, blank=True,
        help_text=_('Per operation token bucket, e.g. {"update_offers": {"rate": 5, "burst": 10}}. '
                    "Seeded from the connector's documented limits."))
    oversell_policy = models.CharField(_("oversold orders"), max_length=16,
                                       choices=OversellPolicy.choices,
                                       default=OversellPolicy.CANCEL)
    auto_delist_at = models.PositiveIntegerField(
        _("delist at available ≤"), null=True, blank=True,
        help_text=_("Withdraw a listing when this many units or fewer are available, and relist "
                    "it when stock comes back. Empty: never."))
    default_price_rule = models.ForeignKey(PriceRule, null=True, blank=True,
                                           on_delete=models.SET_NULL, related_name="+",
                                           verbose_name=_("default price rule"))
    default_quantity_rule = models.ForeignKey(QuantityRule, null=True, blank=True,
                                              on_delete=models.SET_NULL, related_name="+",
                                              verbose_name=_("default quantity rule"))
    orders_cursor = models.DateTimeField(
        _("orders imported up to"), null=True, blank=True,
        help_text=_("Last-updated cursor of order polling; each poll overlaps it."))
    orders_overlap_seconds = models.PositiveIntegerField(_("poll overlap (s)"), default=600)
    orders_polled_at = models.DateTimeField(null=True, blank=True)
    last_sync_at = models.DateTimeField(_("last sync"), null=True, blank=True)
    last_reconciled_at = models.DateTimeField(_("last reconciliation"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ("channel__slug",)
        verbose_name = _("marketplace account")
        verbose_name_plural = _("marketplace accounts")

    def __str__(self) -> str:
        return f"{self.channel} ({self.connector})"

    @property
    def is_active(self) -> bool:
        return self.status == AccountStatus.ACTIVE


class CategoryMapping(models.Model):
    """Our category → the marketplace's category, product type and attribute names."""

    account = models.ForeignKey(MarketplaceAccount, on_delete=models.CASCADE,
                                related_name="category_mappings")
    category = models.ForeignKey("catalog.Category", on_delete=models.CASCADE, related_name="+")
    marketplace_category_id = models.CharField(_("marketplace category id"), max_length=128)
    product_type = models.CharField(_("marketplace product type"), max_length=128, blank=True)
    attribute_map = models.JSONField(
        _("attribute map"), default=dict, blank=True,
        help_text=_('Marketplace attribute → our attribute slug, e.g. {"color": "colour"}.'))

    class Meta:
        verbose_name = _("category mapping")
        verbose_name_plural = _("category mappings")
        constraints = [
            models.UniqueConstraint(fields=["account", "category"], name="hub_category_map_unique")
        ]

    def __str__(self) -> str:
        return f"{self.category} → {self.marketplace_category_id}"


# --------------------------------------------------------------------------- listings


class ListingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")
    ERROR = "error", _("Error")


class Listing(TimestampedModel):
    """One variant published on one marketplace channel, with its rules and sync state."""

    account = models.ForeignKey(MarketplaceAccount, on_delete=models.CASCADE,
                                related_name="listings", verbose_name=_("account"))
    variant = models.ForeignKey("catalog.ProductVariant", on_delete=models.CASCADE,
                                related_name="marketplace_listings", verbose_name=_("variant"))
    sku = models.CharField(_("marketplace SKU"), max_length=64,
                           help_text=_("Seller SKU on the marketplace; the variant's SKU by default."))
    external_id = models.CharField(_("external id"), max_length=128, blank=True,
                                   help_text=_("Offer id / item id / ASIN the marketplace gave."))
    status = models.CharField(_("status"), max_length=16, choices=ListingStatus.choices,
                              default=ListingStatus.DRAFT, db_index=True)
    title = models.CharField(_("title override"), max_length=500, blank=True,
                             help_text=_("Empty: the product name in the site's language."))
    description = models.TextField(_("description override"), blank=True)
    category_id = models.CharField(_("marketplace category id"), max_length=128, blank=True)
    product_type = models.CharField(_("marketplace product type"), max_length=128, blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True,
                                  help_text=_("Marketplace attribute values; override the mapping."))
    condition = models.CharField(_("condition"), max_length=32, default="new")
    price_rule = models.ForeignKey(PriceRule, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="listings", verbose_name=_("price rule"))
    quantity_rule = models.ForeignKey(QuantityRule, null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="listings",
                                      verbose_name=_("quantity rule"))
    fixed_price = models.DecimalField(_("fixed price"), **MONEY, null=True, blank=True,
                                      help_text=_("Overrides every price rule."))
    # Sync state
    is_live = models.BooleanField(_("live on marketplace"), default=False,
                                  help_text=_("The marketplace sells it now (as far as we know)."))
    auto_delisted = models.BooleanField(_("delisted for low stock"), default=False)
    pushed_quantity = models.IntegerField(_("pushed quantity"), null=True, blank=True)
    pushed_price = models.DecimalField(_("pushed price"), **MONEY, null=True, blank=True)
    pushed_at = models.DateTimeField(_("pushed at"), null=True, blank=True)
    remote_quantity = models.IntegerField(_("marketplace quantity"), null=True, blank=True)
    remote_price = models.DecimalField(_("marketplace price"), **MONEY, null=True, blank=True)
    reconciled_at = models.DateTimeField(_("read back at"), null=True, blank=True)
    last_sync_at = models.DateTimeField(_("last sync"), null=True, blank=True)
    last_sync_ok = models.BooleanField(_("last sync ok"), null=True, blank=True)
    last_sync_result = models.CharField(_("last sync result"), max_length=500, blank=True)
    error_code = models.CharField(_("marketplace error code"), max_length=128, blank=True)
    marketplace_messages = models.JSONField(_("marketplace messages"), default=list, blank=True)

    class Meta:
        ordering = ("account", "sku")
        verbose_name = _("listing")
        verbose_name_plural = _("listings")
        constraints = [
            models.UniqueConstraint(fields=["account", "variant"], name="hub_listing_variant_unique"),
            models.UniqueConstraint(fields=["account", "sku"], name="hub_listing_sku_unique"),
            models.CheckConstraint(condition=Q(fixed_price__isnull=True) | Q(fixed_price__gte=0),
                                   name="hub_listing_fixed_price_non_negative"),
        ]
        indexes = [models.Index(fields=["variant", "status"], name="hub_listing_variant_status")]

    def __str__(self) -> str:
        return f"{self.sku} @ {self.account.channel}"

    @property
    def wants_live(self) -> bool:
        """Should the marketplace sell it? Errors keep syncing stock while they are live."""
        return self.status == ListingStatus.ACTIVE or (
            self.status == ListingStatus.ERROR and self.is_live
        )


# --------------------------------------------------------------------------- outbox


class OutboxKind(models.TextChoices):
    OFFER = "offer", _("Price / quantity")
    PUBLISH = "publish", _("Publish listing")
    DELIST = "delist", _("Delist")
    ORDER_ACK = "order_ack", _("Acknowledge order")
    ORDER_SHIP = "order_ship", _("Confirm shipment")
    ORDER_CANCEL = "order_cancel", _("Cancel order")


LISTING_KINDS = (OutboxKind.OFFER, OutboxKind.PUBLISH, OutboxKind.DELIST)


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    IN_FLIGHT = "in_flight", _("In flight")
    DONE = "done", _("Done")
    FAILED = "failed", _("Rejected")
    DEAD = "dead", _("Dead letter")


class OutboxEntry(models.Model):
    """A change one marketplace account must see, written in the changing transaction.

    Workers claim rows (lease + SKIP LOCKED), coalesce them per subject (a listing
    or an order) to the current state, and push; a worker that dies leaves its
    rows in flight until the lease runs out, then they are claimable again.
    """

    account = models.ForeignKey(MarketplaceAccount, on_delete=models.CASCADE,
                                related_name="outbox", verbose_name=_("account"))
    listing = models.ForeignKey(Listing, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="outbox", verbose_name=_("listing"))
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.CASCADE,
                              related_name="+", verbose_name=_("order"))
    subject = models.CharField(_("subject"), max_length=64, db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=OutboxKind.choices)
    reason = models.CharField(_("reason"), max_length=64, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=OutboxStatus.choices,
                              default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField(_("tries"), default=0)
    available_at = models.DateTimeField(_("next try at"), db_index=True)
    leased_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.UUIDField(null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-pk",)
        verbose_name = _("outbox entry")
        verbose_name_plural = _("sync outbox")
        indexes = [
            models.Index(fields=["account", "available_at", "id"],
                         condition=Q(status="pending"), name="hub_outbox_pending"),
            models.Index(fields=["account", "leased_until"],
                         condition=Q(status="in_flight"), name="hub_outbox_in_flight"),
            models.Index(fields=["status", "updated_at"], name="hub_outbox_status"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject} [{self.status}]"


class SyncLog(models.Model):
    """One call to a marketplace: what, how many, how it went (the sync log in admin)."""

    account = models.ForeignKey(MarketplaceAccount, on_delete=models.CASCADE,
                                related_name="sync_logs")
    operation = models.CharField(max_length=32)
    items = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    ok = models.BooleanField(default=True)
    error_class = models.CharField(max_length=32, blank=True)
    message = models.TextField(blank=True)
    submission_id = models.CharField(max_length=128, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("-pk",)
        verbose_name = _("sync log entry")
        verbose_name_plural = _("sync log")

    def __str__(self) -> str:
        return f"{self.operation} × {self.items} ({'ok' if self.ok else self.error_class})"


class PublishBatch(models.Model):
    """One bulk publish (a category onto a marketplace) and the listings it queued,
    so the admin can follow its progress until the marketplace holds every one."""

    account = models.ForeignKey(MarketplaceAccount, on_delete=models.CASCADE,
                                related_name="publish_batches", verbose_name=_("account"))
    category = models.ForeignKey("catalog.Category", null=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("category"))
    listing_ids = ArrayField(models.BigIntegerField(), default=list)
    created_count = models.PositiveIntegerField(_("new listings"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("started by"))
    created_at = models.DateTimeField(_("started"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("-pk",)
        verbose_name = _("bulk publish")
        verbose_name_plural = _("bulk publishes")

    def __str__(self) -> str:
        return f"{self.category} → {self.account} ({len(self.listing_ids)})"


# --------------------------------------------------------------------------- orders


class ImportStatus(models.TextChoices):
    RECEIVED = "received", _("Received, being processed")
    WAITING = "waiting", _("Waiting for payment")
    IMPORTED = "imported", _("Imported")
    HELD = "held", _("Held: needs attention")
    CANCELED = "canceled", _("Canceled before import")
    SKIPPED = "skipped", _("Skipped")


class OrderImport(TimestampedModel):
    """One marketplace order as the hub saw it: the raw payload, the order made from it,
    or why it is held. Unique per account and external id."""

    account = models.ForeignKey(MarketplaceAccount, on_delete=models.CASCADE,
                                related_name="order_imports")
    external_id = models.CharField(_("external order id"), max_length=128)
    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices,
                              default=ImportStatus.RECEIVED, db_index=True)
    needs_processing = models.BooleanField(
        _("to process"), default=True,
        help_text=_("A new version arrived and is not applied yet."))
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="marketplace_imports")
    remote_status = models.CharField(_("marketplace status"), max_length=32, blank=True)
    remote_updated_at = models.DateTimeField(_("marketplace updated at"), null=True, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    error_code = models.CharField(_("error code"), max_length=64, blank=True)
    error_message = models.TextField(_("error"), blank=True)
    attempts = models.PositiveIntegerField(default=0)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-updated_at",)
        verbose_name = _("order import")
        verbose_name_plural = _("order imports")
        constraints = [
            models.UniqueConstraint(fields=["account", "external_id"],
                                    name="hub_order_import_unique")
        ]
        # The processing queue, in the order it is claimed (LIMIT 1 … SKIP LOCKED reads
        # the head of one of these instead of sorting every waiting record).
        indexes = [
            models.Index(fields=["account", "remote_updated_at", "id"],
                         condition=Q(needs_processing=True), name="hub_order_import_todo"),
            models.Index(fields=["remote_updated_at", "id"],
                         condition=Q(needs_processing=True), name="hub_order_import_todo_all"),
        ]

    def __str__(self) -> str:
        return f"{self.external_id} [{self.status}]"


# --------------------------------------------------------------------------- alerts


class AlertKind(models.TextChoices):
    AUTH_FAILED = "auth_failed", _("Marketplace refused credentials")
    LOW_STOCK = "low_stock", _("Low stock")
    DEAD_LETTER = "dead_letter", _("Sync gave up")
    REJECTED = "rejected", _("Marketplace rejected")
    OVERSOLD = "oversold", _("Oversold order")
    ORDER_HELD = "order_held", _("Order held")
    ORDER_PROBLEM = "order_problem", _("Order problem")


class AlertSeverity(models.TextChoices):
    INFO = "info", _("Info")
    WARNING = "warning", _("Warning")
    CRITICAL = "critical", _("Critical")


class Alert(models.Model):
    """Something a merchant must look at; one open alert per ``dedup_key``."""

    kind = models.CharField(_("kind"), max_length=32, choices=AlertKind.choices, db_index=True)
    severity = models.CharField(_("severity"), max_length=16, choices=AlertSeverity.choices,
                                default=AlertSeverity.WARNING)
    message = models.TextField(_("message"))
    dedup_key = models.CharField(max_length=200)
    account = models.ForeignKey(MarketplaceAccount, null=True, blank=True,
                                on_delete=models.CASCADE, related_name="alerts")
    listing = models.ForeignKey(Listing, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="alerts")
    variant = models.ForeignKey("catalog.ProductVariant", null=True, blank=True,
                                on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.CASCADE,
                              related_name="+")
    is_open = models.BooleanField(_("open"), default=True, db_index=True)
    occurrences = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    last_seen_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ("-last_seen_at",)
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(fields=["dedup_key"], condition=Q(is_open=True),
                                    name="hub_alert_open_unique")
        ]

    def __str__(self) -> str:
        return f"[{self.severity}] {self.message[:80]}"


class MarketplaceProduct(Product):
    """Admin handle on products for hub actions (delist / relist everywhere)."""

    class Meta:
        proxy = True
        verbose_name = _("product on marketplaces")
        verbose_name_plural = _("products on marketplaces")

