"""Helpers shared by the storefront views."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any

from django.core.paginator import InvalidPage, Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import translate_url
from django.utils.translation import gettext as _

from ..market import MarketUnavailable
from ..selectors import PAGE_SIZE
from ..seo import PageMeta, absolute, alternates


def storefront_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Render a clear 503 page instead of a 500 while no storefront channel is set up."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except MarketUnavailable:
            return render(request, "storefront/closed.html", {
                "meta": PageMeta(title=_("The shop is not open yet"), robots="noindex"),
            }, status=503)

    return wrapper


def positive_int(raw: str | None) -> int | None:
    """An ASCII decimal number from a query parameter, or None (never raises)."""
    if not raw or len(raw) > 18 or not (raw.isascii() and raw.isdigit()):
        return None
    return int(raw)


def safe_text(raw: str, limit: int) -> str:
    """Shopper-typed text without control characters (PostgreSQL refuses NUL bytes)."""
    cleaned = "".join(ch for ch in raw[: limit * 2] if ch.isprintable() or ch == " ")
    return " ".join(cleaned.split())[:limit]


def require_clean_slug(slug: str) -> None:
    if "\x00" in slug or not slug.isprintable():
        raise Http404(_("There is no such page."))


def paginate(request: HttpRequest, qs: QuerySet[Any] | Sequence[Any], per_page: int = PAGE_SIZE,
             count_qs: QuerySet[Any] | None = None, count: int | None = None) -> Page:
    """The requested page; a page that does not exist is a 404, not a 500.

    ``count_qs`` counts the same rows without the display annotations (a cheaper COUNT);
    ``count`` is that number when the caller already knows it.
    """
    paginator = Paginator(qs, per_page, allow_empty_first_page=True)
    if count is None and count_qs is not None:
        count = count_qs.count()
    if count is not None:
        paginator.__dict__["count"] = count  # fills the cached_property
    number = positive_int(request.GET.get("page", "1"))
    if number is None:
        raise Http404(_("There is no such page."))
    try:
        return paginator.page(number)
    except InvalidPage as exc:
        raise Http404(_("There is no such page.")) from exc


def generic_meta(request: HttpRequest, title: str, robots: str = "noindex,follow",
                 description: str = "") -> PageMeta:
    """Meta for pages without translated slugs: alternates swap the language prefix."""
    items, x_default = alternates(request, lambda lang: translate_url(request.path, lang))
    return PageMeta(title=title, description=description, canonical=absolute(request, request.path),
                    alternates=items, x_default=x_default, robots=robots)
