from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from commerce.core.models import ModelWithMetadata


class ChannelKind(models.TextChoices):
    STOREFRONT = "storefront", _("Storefront")
    MARKETPLACE = "marketplace", _("Marketplace")
    STORE = "store", _("Offline store")


class AllocationStrategy(models.TextChoices):
    # Saleor's AllocationStrategyEnum values
    PRIORITIZE_SORTING_ORDER = "prioritize-sorting-order", _("Warehouse order")
    PRIORITIZE_HIGH_STOCK = "prioritize-high-stock", _("Most stock first")


class Channel(ModelWithMetadata):
    """Anywhere that sells: a storefront market, a marketplace account or a store."""

    name = models.CharField(_("name"), max_length=250)
    slug = models.SlugField(_("slug"), max_length=255, unique=True)
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=ChannelKind.choices,
        default=ChannelKind.STOREFRONT,
        db_index=True,
    )
    is_active = models.BooleanField(_("active"), default=True)
    currency_code = models.CharField(_("currency"), max_length=3)
    default_country = CountryField(_("default country"))
    countries = ArrayField(
        models.CharField(max_length=2),
        blank=True,
        default=list,
        help_text=_("ISO codes of the countries this channel serves."),
    )
    default_language = models.CharField(
        _("default language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )
    languages = ArrayField(models.CharField(max_length=10), blank=True, default=list)
    prices_entered_with_tax = models.BooleanField(_("prices entered with tax"), default=True)
    display_gross_prices = models.BooleanField(_("display prices with tax"), default=True)
    default_tax_rate = models.DecimalField(
        _("default tax rate %"), max_digits=5, decimal_places=2, default=0
    )
    allocation_strategy = models.CharField(
        _("allocation strategy"),
        max_length=30,
        choices=AllocationStrategy.choices,
        default=AllocationStrategy.PRIORITIZE_SORTING_ORDER,
    )
    warehouses = models.ManyToManyField(
        "inventory.Warehouse", through="ChannelWarehouse", related_name="channels", blank=True
    )

    class Meta:
        ordering = ("slug",)
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(currency_code__regex=r"^[A-Z]{3}$"),
                name="channel_currency_iso",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.currency_code = (self.currency_code or "").upper()
        super().save(*args, **kwargs)


class ChannelWarehouse(models.Model):
    """The ordered list of warehouses that serve a channel."""

    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, related_name="channel_warehouses"
    )
    warehouse = models.ForeignKey(
        "inventory.Warehouse", on_delete=models.CASCADE, related_name="channel_warehouses"
    )
    sort_order = models.PositiveIntegerField(default=0, db_index=True)

    class Meta:
        ordering = ("sort_order", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "warehouse"], name="channel_warehouse_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} → {self.warehouse}"
