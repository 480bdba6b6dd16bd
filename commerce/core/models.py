from __future__ import annotations

from django.db import models


class ModelWithMetadata(models.Model):
    """Public and private key-value metadata, as Saleor's objects carry."""

    metadata = models.JSONField(blank=True, default=dict)
    private_metadata = models.JSONField(blank=True, default=dict)

    class Meta:
        abstract = True


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True


class MoneyAmountField(models.DecimalField):
    """A money amount (its currency lives in a sibling field): 20 digits, 3 decimals
    like Saleor, enough for three-decimal currencies such as KWD."""

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("max_digits", 20)
        kwargs.setdefault("decimal_places", 3)
        super().__init__(*args, **kwargs)

    def deconstruct(self):  # type: ignore[no-untyped-def]
        # Migrations see a plain DecimalField: the subclass only sets defaults.
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DecimalField", args, kwargs
