"""Sitemaps: an index with one sitemap per language; every URL lists its alternates.

Crawlers see the default market (no cookie), so the sitemaps list what is
published in the default channel.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Prefetch, QuerySet

from commerce.catalog.models import Category, CategoryTranslation, Product, ProductTranslation

from .market import LANGUAGE_CODES, default_channel, storefront_channels
from .selectors import published_listings
from .seo import hreflang, reverse_in
from .views.pages import POLICY_PAGES


class _LanguageSitemap(Sitemap):
    """URLs of one language; ``_path(item, lang)`` gives the item's path in any language."""

    limit = 5000

    def __init__(self, language: str) -> None:
        self.language = language

    def _path(self, item: Any, language: str) -> str:
        raise NotImplementedError

    def location(self, item: Any) -> str:
        return self._path(item, self.language)

    def get_urls(self, page: int | str = 1, site: Any = None,
                 protocol: str | None = None) -> list[dict[str, Any]]:
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        origin = f"{protocol or self.get_protocol()}://{self.get_domain(site)}"
        for url in urls:
            item = url["item"]
            url["alternates"] = [
                {"lang_code": hreflang(lang), "location": origin + self._path(item, lang)}
                for lang in LANGUAGE_CODES
            ] + [{"lang_code": "x-default",
                  "location": origin + self._path(item, settings.LANGUAGE_CODE)}]
        return urls


def _slugs(obj: Any) -> dict[str, str]:
    slugs = dict.fromkeys(LANGUAGE_CODES, obj.slug)
    slugs.update({t.language_code: t.slug for t in obj.translations.all()})
    return slugs


def _products() -> QuerySet[Product]:
    channels = storefront_channels()
    if not channels:
        return Product.objects.none()
    channel = default_channel(channels)
    return Product.objects.filter(pk__in=published_listings(channel).values("product_id"))


class _Items:
    """The sitemap's items, counted and sliced in SQL (the index only needs the count)."""

    def __init__(self) -> None:
        self.pages: list[tuple[str, Any]] = [("page", slug) for slug in ["home", *POLICY_PAGES]]
        self.categories = Category.objects.order_by("sort_order", "pk")
        self.products = _products().order_by("pk")
        self._counts: tuple[int, int] | None = None

    def _sizes(self) -> tuple[int, int]:
        if self._counts is None:
            self._counts = (self.categories.count(), self.products.count())
        return self._counts

    def count(self) -> int:
        return len(self.pages) + sum(self._sizes())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[tuple[str, Any]]:
        start, stop = window.start or 0, window.stop if window.stop is not None else self.count()
        n_pages, (n_categories, _n_products) = len(self.pages), self._sizes()
        out = self.pages[start:stop]
        cat_start, cat_stop = max(start - n_pages, 0), max(stop - n_pages, 0)
        if cat_stop > cat_start:
            out += [("category", c) for c in self.categories.only("pk", "slug").prefetch_related(
                Prefetch("translations", CategoryTranslation.objects.only(
                    "category_id", "language_code", "slug")))[cat_start:min(cat_stop, n_categories)]]
        prod_start = max(start - n_pages - n_categories, 0)
        prod_stop = max(stop - n_pages - n_categories, 0)
        if prod_stop > prod_start:
            out += [("product", p) for p in self.products.only("pk", "slug", "updated_at")
                    .prefetch_related(Prefetch("translations", ProductTranslation.objects.only(
                        "product_id", "language_code", "slug")))[prod_start:prod_stop]]
        return out


class LanguageSitemap(_LanguageSitemap):
    """Home, policy pages, categories and products in one language."""

    changefreq = "daily"

    def items(self) -> _Items:  # type: ignore[override]
        return _Items()

    def lastmod(self, item: tuple[str, Any]) -> Any:
        kind, obj = item
        return obj.updated_at if kind == "product" else None

    def get_latest_lastmod(self) -> Any:
        return _products().aggregate(latest=Max("updated_at"))["latest"]

    def priority(self, item: tuple[str, Any]) -> float:
        return {"page": 0.5, "category": 0.6, "product": 0.8}[item[0]]

    def _path(self, item: tuple[str, Any], language: str) -> str:
        kind, obj = item
        if kind == "page":
            if obj == "home":
                return reverse_in(language, "storefront:home")
            return reverse_in(language, "storefront:policy", {"slug": obj})
        return reverse_in(language, f"storefront:{kind}", {"slug": _slugs(obj)[language]})


def sitemaps() -> dict[str, Sitemap]:
    """Section (language code) → that language's sitemap."""
    return {language: LanguageSitemap(language) for language in LANGUAGE_CODES}
