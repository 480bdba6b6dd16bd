"""Storefront template helpers: ``{{ price|money }}``, tax labels, JSON-LD, query strings."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.numbers import format_currency
from django import template
from django.conf import settings
from django.http import QueryDict
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, get_language_info, gettext, to_locale

from commerce.core.money import Money, quantize

register = template.Library()


@lru_cache(maxsize=32)
def babel_locale(language: str) -> Locale:
    try:
        return Locale.parse(to_locale(language))
    except (ValueError, LookupError):
        return Locale.parse(to_locale(settings.LANGUAGE_CODE))


def format_money(amount: Decimal, currency: str, language: str | None = None) -> str:
    """Money as a shopper of ``language`` reads it: ``1.234,50 €`` (de), ``￥1,235`` (ja)."""
    return _formatted(str(quantize(amount, currency)), currency,
                      language or get_language() or settings.LANGUAGE_CODE)


@lru_cache(maxsize=8192)
def _formatted(amount: str, currency: str, language: str) -> str:
    # A listing formats dozens of prices; Babel's pattern work is the same for each
    # (amount, currency, language), so the text is kept (keyed by the exact quantized text).
    return format_currency(Decimal(amount), currency, locale=babel_locale(language))


@register.filter
def money(value: Any, currency: str | None = None) -> str:
    """``{{ price|money }}`` for a Money; ``{{ amount|money:"EUR" }}`` for a bare amount."""
    if value is None or value == "":
        return ""
    if isinstance(value, Money):
        return format_money(value.amount, value.currency)
    if not currency:
        return str(value)
    try:
        return format_money(Decimal(str(value)), currency.upper())
    except (InvalidOperation, ValueError, LookupError):
        return str(value)


@register.simple_tag(takes_context=True)
def tax_label(context: template.Context) -> str:
    """"incl. tax" or "excl. tax", as the shopper's channel displays prices."""
    request = context.get("request")
    market = getattr(request, "market", None)
    if market is None:
        return ""
    return gettext("incl. tax") if market.display_gross_prices else gettext("excl. tax")


@register.filter
def jsonld(data: Any) -> SafeString:
    """A ``<script type="application/ld+json">`` block, safe inside HTML."""
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    raw = raw.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(raw))  # noqa: S308


@register.simple_tag(takes_context=True)
def query_with(context: template.Context, **changes: Any) -> str:
    """The current query string with some parameters replaced (``None`` removes one)."""
    request = context["request"]
    params: QueryDict = request.GET.copy()
    for key, value in changes.items():
        params.pop(key, None)
        if value not in (None, ""):
            params[key] = str(value)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def language_links(context: template.Context) -> list[dict[str, Any]]:
    """Links to this page in every language: the page's hreflang alternates (translated
    slugs) when it has them, else the same path under another language prefix."""
    from django.urls import translate_url

    from storefront.seo import hreflang

    request = context.get("request")
    current = get_language()
    meta = context.get("meta")
    by_language = {a.language: a.url for a in getattr(meta, "alternates", None) or []}
    links = []
    for code, _name in settings.LANGUAGES:
        name = get_language_info(code)["name_local"]
        url = by_language.get(code)
        if url is None:
            url = translate_url(request.path, code) if request is not None else "/"
        links.append({"code": code, "hreflang": hreflang(code), "name": name, "url": url,
                      "current": code == current})
    return links
