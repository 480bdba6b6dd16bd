from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from .market import MarketUnavailable


def _url_or_none(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def get_category_tree(request: HttpRequest) -> Any:
    """The category tree in the request's language, loaded at most once per request."""
    from .market import current_language
    from .selectors import cached_category_tree

    tree = getattr(request, "_storefront_tree", None)
    if tree is None:
        tree = cached_category_tree(request, current_language())
        request._storefront_tree = tree  # type: ignore[attr-defined]
    return tree


class _LazyNav:
    """Top-level categories for the header, queried only if a template shows them."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request

    def __iter__(self):  # type: ignore[no-untyped-def]
        try:
            return iter(get_category_tree(self.request).roots)
        except MarketUnavailable:
            return iter(())


def storefront(request: HttpRequest) -> dict[str, Any]:
    """Shared context of every storefront page (cart link guarded until checkout exists)."""
    return {
        "shop_name": settings.STOREFRONT_NAME,
        "theme": settings.STOREFRONT_THEME,
        "cart_url": _url_or_none("checkout:cart"),
        "add_to_cart_url": _url_or_none("checkout:add"),
        "nav_categories": _LazyNav(request),
    }
