"""Locale-aware money, date and opening-hours formatting with Babel, plus a JSON
round trip that keeps Decimal and datetimes intact in the message log."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time, get_day_names, get_timezone_location
from babel.numbers import format_currency, format_decimal, format_percent
from django.conf import settings
from django.utils import translation

from commerce.core.money import quantize

SUPPORTED_LANGUAGES = [code for code, _name in settings.LANGUAGES]


def normalize_language(code: str | None) -> str | None:
    """Return a supported language code for ``code`` (``de-AT`` → ``de``), or None."""
    if not code:
        return None
    code = code.strip().lower().replace("_", "-")
    if code in SUPPORTED_LANGUAGES:
        return code
    if code.startswith("zh") and "zh-hans" in SUPPORTED_LANGUAGES:
        return "zh-hans"
    base = code.split("-", 1)[0]
    return base if base in SUPPORTED_LANGUAGES else None


def pick_language(*candidates: str | None) -> str:
    for code in candidates:
        lang = normalize_language(code)
        if lang:
            return lang
    return normalize_language(settings.LANGUAGE_CODE) or "en"


def babel_locale(language: str | None = None) -> Locale:
    """The Babel locale of ``language``, or of the language active in this render."""
    return _locale(language or translation.get_language() or settings.LANGUAGE_CODE)


@lru_cache(maxsize=64)
def _locale(language: str) -> Locale:
    return Locale.parse(translation.to_locale(language))


def money(amount: Decimal | int | str | None, currency: str, language: str | None = None) -> str:
    """``1234.5 EUR`` in German → ``1.234,50 €``; JPY shows no decimals."""
    if amount is None or amount == "":
        return ""
    value = quantize(Decimal(str(amount)), currency)
    return format_currency(value, currency.upper(), locale=babel_locale(language))


def percent(value: Decimal | int | str | None, language: str | None = None) -> str:
    """A percentage given in points (``10`` → ``10%`` in English, ``10 %`` in German)."""
    if value is None or value == "":
        return ""
    return format_percent(Decimal(str(value)) / Decimal(100), locale=babel_locale(language))


def number(value: Decimal | int | float, language: str | None = None) -> str:
    return format_decimal(value, locale=babel_locale(language))


def _aware(value: dt.datetime, tz: str | None) -> dt.datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(ZoneInfo(tz)) if tz else value


def date(value: dt.date | dt.datetime | None, language: str | None = None,
         fmt: str = "long", tz: str | None = None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        value = _aware(value, tz).date()
    return format_date(value, format=fmt, locale=babel_locale(language))


def datetime(value: dt.datetime | None, language: str | None = None, fmt: str = "full",
             tz: str | None = None) -> str:
    """Date and time (no seconds) in the given time zone, e.g. the store's, naming it."""
    if value is None or value == "":
        return ""
    zone = tz or "UTC"
    local = _aware(value, zone)
    loc = babel_locale(language)
    text = f"{format_date(local.date(), format=fmt, locale=loc)} {format_time(local, 'short', locale=loc)}"
    if zone == "UTC":
        return f"{text} UTC"
    place = get_timezone_location(ZoneInfo(zone), locale=loc, return_city=True)
    return f"{text} ({place})"


def opening_hours(spec: Any, language: str | None = None) -> list[str]:
    """Localize opening hours.

    Accepts a list of strings (used as given) or of dicts
    ``{"days": [0, 1, 2, 3, 4], "opens": "10:00", "closes": "20:00"}`` (0 = Monday).
    """
    if not spec:
        return []
    if isinstance(spec, str):
        return [spec]
    loc = babel_locale(language)
    names = get_day_names("abbreviated", locale=loc)
    lines = []
    for item in spec:
        if isinstance(item, str):
            lines.append(item)
            continue
        days = list(item.get("days") or [])
        if not days:
            continue
        if len(days) > 1 and days == list(range(days[0], days[-1] + 1)):
            label = f"{names[days[0]]}–{names[days[-1]]}"
        else:
            label = ", ".join(names[d] for d in days)
        opens = format_time(dt.time.fromisoformat(item["opens"]), "short", locale=loc)
        closes = format_time(dt.time.fromisoformat(item["closes"]), "short", locale=loc)
        lines.append(f"{label} {opens}–{closes}")
    return lines


# --- JSON that keeps types ----------------------------------------------------------
def to_json(value: Any) -> Any:
    """Tag Decimal/datetime/date so the context stored in the log renders the same later."""
    if isinstance(value, Decimal):
        return {"$dec": str(value)}
    if isinstance(value, dt.datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def from_json(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1:
            ((tag, raw),) = value.items()
            if tag == "$dec":
                return Decimal(raw)
            if tag == "$dt":
                return dt.datetime.fromisoformat(raw)
            if tag == "$date":
                return dt.date.fromisoformat(raw)
        return {k: from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_json(v) for v in value]
    return value
