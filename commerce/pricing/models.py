"""The FX rate table and per-currency rounding rules, edited by merchants in the admin.

One table serves every reader: storefront markets derive missing prices from the base
channel with it (``commerce.pricing.selectors.PriceBook``) and the hub's derived price
rules convert listing prices with it; both read it through ``FxRates``.
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import list_currencies
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

_ISO_CURRENCIES = frozenset(list_currencies())


def validate_currency(value: str) -> None:
    if (value or "").upper() not in _ISO_CURRENCIES:
        raise ValidationError(_("%(value)s is not an ISO 4217 currency code."),
                              params={"value": value}, code="invalid_currency")


class FxRate(models.Model):
    """1 ``base_currency`` = ``rate`` ``quote_currency``, in force from ``effective_date`` on.

    The rate in force on a date is the one with the latest effective date on or before
    it; a rate entered for the other direction (quote → base) counts as its inverse.
    """

    base_currency = models.CharField(_("base currency"), max_length=3,
                                     validators=[validate_currency])
    quote_currency = models.CharField(_("quote currency"), max_length=3,
                                      validators=[validate_currency])
    rate = models.DecimalField(_("rate"), max_digits=20, decimal_places=8)
    effective_date = models.DateField(_("valid from"), default=timezone.localdate)
    source = models.CharField(_("source"), max_length=64, blank=True,
                              help_text=_("Where the rate came from, e.g. ECB reference rate."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("base_currency", "quote_currency", "-effective_date")
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [
            models.UniqueConstraint(fields=["base_currency", "quote_currency", "effective_date"],
                                    name="pricing_fxrate_unique_per_day"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="pricing_fxrate_positive"),
            models.CheckConstraint(condition=~Q(base_currency=F("quote_currency")),
                                   name="pricing_fxrate_distinct_currencies"),
            models.CheckConstraint(condition=Q(base_currency__regex=r"^[A-Z]{3}$")
                                   & Q(quote_currency__regex=r"^[A-Z]{3}$"),
                                   name="pricing_fxrate_currency_iso"),
        ]
        indexes = [models.Index(fields=["base_currency", "quote_currency", "-effective_date"],
                                name="pricing_fxrate_in_force")]

    def __str__(self) -> str:
        return (f"1 {self.base_currency} = {self.rate} {self.quote_currency} "
                f"({self.effective_date})")

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
    """Which rounding strategy derived prices in a currency use (see ``rounding``)."""

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
