"""Storefront pricing tables: FX rates and per-currency rounding rules.

Both are edited by merchants in the admin; ``storefront.pricing`` reads them to
derive a market's prices from the base channel when no fixed price is set.
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import list_currencies
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

_ISO_CURRENCIES = frozenset(list_currencies())


def validate_currency(value: str) -> None:
    if (value or "").upper() not in _ISO_CURRENCIES:
        raise ValidationError(_("%(value)s is not an ISO 4217 currency code."),
                              params={"value": value}, code="invalid_currency")


class FxRate(models.Model):
    """1 unit of ``base_currency`` = ``rate`` units of ``quote_currency``, from ``date`` on."""

    base_currency = models.CharField(_("base currency"), max_length=3,
                                     validators=[validate_currency])
    quote_currency = models.CharField(_("quote currency"), max_length=3,
                                      validators=[validate_currency])
    rate = models.DecimalField(_("rate"), max_digits=20, decimal_places=8)
    date = models.DateField(_("valid from"), default=timezone.localdate)
    source = models.CharField(_("source"), max_length=64, blank=True,
                              help_text=_("Where the rate came from, e.g. ECB reference rate."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("base_currency", "quote_currency", "-date")
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [
            models.UniqueConstraint(fields=["base_currency", "quote_currency", "date"],
                                    name="fxrate_unique_per_day"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="fxrate_positive"),
            models.CheckConstraint(condition=~Q(base_currency=models.F("quote_currency")),
                                   name="fxrate_distinct_currencies"),
        ]
        indexes = [models.Index(fields=["base_currency", "quote_currency", "-date"])]

    def __str__(self) -> str:
        return f"1 {self.base_currency} = {self.rate} {self.quote_currency} ({self.date})"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.base_currency = (self.base_currency or "").upper()
        self.quote_currency = (self.quote_currency or "").upper()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.base_currency = (self.base_currency or "").upper()
        self.quote_currency = (self.quote_currency or "").upper()
        if self.base_currency and self.base_currency == self.quote_currency:
            raise ValidationError({"quote_currency": _("Quote and base currency must differ.")})
        if self.rate is not None and self.rate <= Decimal(0):
            raise ValidationError({"rate": _("The rate must be greater than zero.")})


class PriceRounding(models.Model):
    """Which rounding strategy derived prices in a currency use (see storefront.rounding)."""

    currency = models.CharField(_("currency"), max_length=3, unique=True,
                                validators=[validate_currency])
    strategy = models.CharField(_("rounding rule"), max_length=32)

    class Meta:
        ordering = ("currency",)
        verbose_name = _("price rounding rule")
        verbose_name_plural = _("price rounding rules")

    def __str__(self) -> str:
        return f"{self.currency}: {self.strategy}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.currency = (self.currency or "").upper()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        from .rounding import ROUNDING_STRATEGIES

        self.currency = (self.currency or "").upper()
        if self.strategy not in ROUNDING_STRATEGIES:
            raise ValidationError({"strategy": _("Unknown rounding rule.")})
