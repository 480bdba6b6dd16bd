from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject, empty

from .market import get_market


class MarketMiddleware:
    """Put the shopper's market on ``request.market`` (lazily: no query unless used)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        market = SimpleLazyObject(lambda: get_market(request))
        request.market = market  # type: ignore[attr-defined]
        response = self.get_response(request)
        if market._wrapped is not empty:  # the page depends on the market cookie
            patch_vary_headers(response, ("Cookie",))
        return response
