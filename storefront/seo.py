"""What search engines read: titles, canonical URLs, hreflang alternates, Open Graph, JSON-LD."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.html import strip_tags
from django.utils.text import Truncator

from .market import LANGUAGE_CODES

# BCP 47 tags for hreflang and territories for og:locale
HREFLANG = {"zh-hans": "zh-Hans", "zh-hant": "zh-Hant"}
OG_LOCALE = {"en": "en_US", "de": "de_DE", "fr": "fr_FR", "es": "es_ES", "ja": "ja_JP",
             "zh-hans": "zh_CN"}


def hreflang(language: str) -> str:
    return HREFLANG.get(language, language)


@dataclass
class Alternate:
    language: str
    hreflang: str
    url: str
    name: str


@dataclass
class PageMeta:
    title: str
    description: str = ""
    canonical: str = ""
    alternates: list[Alternate] = field(default_factory=list)
    x_default: str = ""
    robots: str = "index,follow"
    og_type: str = "website"
    image: str = ""
    extra_og: list[tuple[str, str]] = field(default_factory=list)
    jsonld: list[dict[str, Any]] = field(default_factory=list)

    @property
    def og_locale(self) -> str:
        return OG_LOCALE.get(translation.get_language() or "", "en_US")

    @property
    def og_locale_alternates(self) -> list[str]:
        current = translation.get_language()
        return [OG_LOCALE[a.language] for a in self.alternates
                if a.language != current and a.language in OG_LOCALE]


def describe(text: str, words: int = 30) -> str:
    """A meta description from free text: tags stripped, whitespace folded, ~160 chars."""
    plain = " ".join(strip_tags(text or "").split())
    return Truncator(Truncator(plain).words(words)).chars(160)


def absolute(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


def reverse_in(language: str, viewname: str, kwargs: dict[str, Any] | None = None) -> str:
    with translation.override(language):
        return reverse(viewname, kwargs=kwargs)


def alternates(request: HttpRequest,
               path_for: Callable[[str], str]) -> tuple[list[Alternate], str]:
    """Alternate URLs of a page in every language, and the x-default (default language)."""
    names = dict(settings.LANGUAGES)
    items = []
    for language in LANGUAGE_CODES:
        items.append(Alternate(language=language, hreflang=hreflang(language),
                               url=absolute(request, path_for(language)),
                               name=str(names[language])))
    x_default = next(a.url for a in items if a.language == settings.LANGUAGE_CODE)
    return items, x_default


def breadcrumb_jsonld(crumbs: list[tuple[str, str]]) -> dict[str, Any]:
    """schema.org BreadcrumbList from (name, absolute url) pairs."""
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": i, "name": name, "item": url}
            for i, (name, url) in enumerate(crumbs, start=1)
        ],
    }


SCHEMA_IN_STOCK = "https://schema.org/InStock"
SCHEMA_OUT_OF_STOCK = "https://schema.org/OutOfStock"
SCHEMA_PREORDER = "https://schema.org/PreOrder"
