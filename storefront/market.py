"""The shopper's market: which storefront channel (currency, tax display) serves them.

The country comes only from the shopper's explicit choice (the market selector,
remembered in the ``market_country`` cookie). Without a choice every visitor,
crawlers included, sees the default channel: nothing is inferred silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django_countries import countries

from commerce.channel.models import Channel, ChannelKind
from commerce.pricing.selectors import base_channel_slug

COOKIE_NAME = "market_country"
COOKIE_MAX_AGE = 365 * 24 * 3600
LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


class MarketUnavailable(Exception):
    """No active storefront channel exists: the shop is not open."""

    silent_variable_failure = True  # templates (404 page, header) render without a market


@dataclass(frozen=True)
class Market:
    channel: Channel
    country_code: str
    currency: str
    language: str
    tax_display: str  # "gross" (prices shown with tax) or "net"
    tax_rate: Decimal
    country_chosen: bool
    channels: tuple[Channel, ...] = field(default=(), repr=False, compare=False)

    @property
    def display_gross_prices(self) -> bool:
        return self.tax_display == "gross"

    @property
    def base_channel(self) -> Channel | None:
        """The channel whose prices derive this market's missing ones (see pricing)."""
        slug = base_channel_slug()
        return next((ch for ch in self.channels if ch.slug == slug), None)

    def countries(self) -> list[tuple[str, str]]:
        """Countries a shopper can pick, with names in the active language."""
        codes = frozenset(code for ch in self.channels for code in ch.countries)
        return list(_country_choices(codes, translation.get_language() or ""))


@lru_cache(maxsize=64)
def _country_choices(codes: frozenset[str], language: str) -> tuple[tuple[str, str], ...]:
    # every page's market selector: names translated and sorted once per language
    return tuple(sorted(((c, str(countries.name(c) or c)) for c in codes), key=lambda x: x[1]))


def storefront_channels() -> tuple[Channel, ...]:
    return tuple(Channel.objects.filter(kind=ChannelKind.STOREFRONT, is_active=True)
                 .order_by("slug"))


def default_channel(channels: tuple[Channel, ...]) -> Channel:
    if not channels:
        raise MarketUnavailable("no active storefront channel")
    for ch in channels:
        if ch.slug == settings.DEFAULT_CHANNEL_SLUG:
            return ch
    return channels[0]


def channel_for_country(channels: tuple[Channel, ...], country: str) -> Channel | None:
    """The channel serving ``country``; the default channel wins a tie."""
    serving = [ch for ch in channels if country in (ch.countries or [])]
    if not serving:
        return None
    return next((ch for ch in serving if ch.slug == settings.DEFAULT_CHANNEL_SLUG), serving[0])


def normalize_country(raw: str | None) -> str:
    code = (raw or "").strip().upper()
    return code if len(code) == 2 and code.isascii() and code.isalpha() else ""


def current_language() -> str:
    lang = translation.get_language() or settings.LANGUAGE_CODE
    return lang if lang in LANGUAGE_CODES else settings.LANGUAGE_CODE


def build_market(channel: Channel, country: str, chosen: bool, language: str,
                 channels: tuple[Channel, ...]) -> Market:
    return Market(
        channel=channel,
        country_code=country or str(channel.default_country),
        currency=channel.currency_code,
        language=language,
        tax_display="gross" if channel.display_gross_prices else "net",
        tax_rate=Decimal(channel.default_tax_rate or 0),
        country_chosen=chosen,
        channels=channels,
    )


def get_market(request: HttpRequest) -> Market:
    """Resolve the market of this request (the channel list: one query, or none while
    the catalogue is unchanged, see ``storefront.cache``)."""
    from .cache import remembered

    channels = getattr(request, "_storefront_channels", None)
    if channels is None:
        channels = remembered(request, "storefront-channels", storefront_channels)
        request._storefront_channels = channels  # type: ignore[attr-defined]
    country = normalize_country(request.COOKIES.get(COOKIE_NAME))
    channel = channel_for_country(channels, country) if country else None
    if channel is None:
        return build_market(default_channel(channels), "", False, current_language(), channels)
    return build_market(channel, country, True, current_language(), channels)
