"""Demo shipping: zones, methods by weight band and rates for every storefront channel.

Zones never overlap within a channel (a country sits in one zone per channel), so
the shopper sees each method once. Bands are inclusive on both ends and do not
touch (0–2000 g, 2001–10000 g, …); above the last band nothing ships, which the
checkout explains ("remove heavy items"). Rates are shelf prices in the channel
currency: cents for USD/EUR/GBP, whole yen for JPY.

Idempotent like the rest of the seed: a zone is looked up by name and, when it
exists, left exactly as the merchant may have edited it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction

from commerce.channel.models import Channel
from commerce.checkout.models import ShippingMethod, ShippingMethodChannelListing, ShippingZone
from commerce.core.money import quantize

if TYPE_CHECKING:
    from .seed import SeedReport


@dataclass(frozen=True)
class Band:
    max_grams: int | None  # inclusive; the band starts 1 g above the previous one
    price: str


@dataclass(frozen=True)
class MethodSpec:
    name: str
    days: tuple[int, int]
    bands: tuple[Band, ...]


@dataclass(frozen=True)
class ZoneSpec:
    name: str
    channel: str
    currency: str
    countries: tuple[str, ...]
    methods: tuple[MethodSpec, ...]


STANDARD, EXPRESS = "Standard", "Express"
PARCEL_LIMIT = 30_000  # grams: what one courier parcel may weigh

EU_OTHER = ("FR", "ES", "IT", "NL", "AT", "BE", "IE", "PT", "LU", "FI", "DK", "SE", "PL", "CZ")

ZONES: tuple[ZoneSpec, ...] = (
    ZoneSpec("United States", "us", "USD", ("US",), (
        MethodSpec(STANDARD, (3, 6), (Band(2_000, "5.99"), Band(10_000, "11.99"),
                                      Band(PARCEL_LIMIT, "24.99"))),
        MethodSpec(EXPRESS, (1, 2), (Band(2_000, "19.99"), Band(10_000, "34.99"))),
    )),
    ZoneSpec("Germany", "eu", "EUR", ("DE",), (
        MethodSpec(STANDARD, (2, 4), (Band(2_000, "4.90"), Band(10_000, "6.90"),
                                      Band(PARCEL_LIMIT, "12.90"))),
        MethodSpec(EXPRESS, (1, 2), (Band(2_000, "14.90"), Band(10_000, "19.90"))),
    )),
    ZoneSpec("European Union", "eu", "EUR", EU_OTHER, (
        MethodSpec(STANDARD, (3, 7), (Band(2_000, "8.90"), Band(10_000, "14.90"),
                                      Band(PARCEL_LIMIT, "24.90"))),
        MethodSpec(EXPRESS, (1, 3), (Band(2_000, "24.90"), Band(10_000, "39.90"))),
    )),
    ZoneSpec("United Kingdom", "uk", "GBP", ("GB",), (
        MethodSpec(STANDARD, (2, 3), (Band(2_000, "3.99"), Band(10_000, "6.99"),
                                      Band(PARCEL_LIMIT, "14.99"))),
        MethodSpec(EXPRESS, (1, 1), (Band(2_000, "8.99"), Band(10_000, "12.99"))),
    )),
    ZoneSpec("Japan", "jp", "JPY", ("JP",), (
        MethodSpec(STANDARD, (5, 10), (Band(2_000, "900"), Band(10_000, "1800"),
                                       Band(PARCEL_LIMIT, "3500"))),
        MethodSpec(EXPRESS, (3, 5), (Band(2_000, "2400"), Band(10_000, "4200"))),
    )),
)


def _create_zone(spec: ZoneSpec, channel: Channel, report: SeedReport) -> None:
    zone = ShippingZone(name=spec.name, countries=list(spec.countries))
    zone.full_clean()
    zone.save()
    zone.channels.add(channel)
    report.add("shipping zones")
    for method_spec in spec.methods:
        low = 0
        for band in method_spec.bands:
            method = ShippingMethod(
                zone=zone, name=method_spec.name, minimum_order_weight_grams=low,
                maximum_order_weight_grams=band.max_grams,
                minimum_delivery_days=method_spec.days[0],
                maximum_delivery_days=method_spec.days[1])
            method.full_clean()
            method.save()
            listing = ShippingMethodChannelListing(
                shipping_method=method, channel=channel, currency=channel.currency_code,
                price_amount=quantize(Decimal(band.price), channel.currency_code))
            listing.full_clean()  # the rate must be in the channel's currency
            listing.save()
            report.add("shipping methods")
            report.add("shipping rates")
            low = (band.max_grams or 0) + 1


def ensure_shipping(report: SeedReport, channels: dict[str, Channel]) -> None:
    """Zones, methods and rates for the demo storefront channels (existing zones untouched)."""
    existing = set(ShippingZone.objects.filter(name__in=[z.name for z in ZONES])
                   .values_list("name", flat=True))
    with transaction.atomic():
        for spec in ZONES:
            channel = channels.get(spec.channel)
            if spec.name in existing or channel is None:
                continue
            if channel.currency_code != spec.currency:
                continue  # the merchant re-created the channel in another currency
            _create_zone(spec, channel, report)
