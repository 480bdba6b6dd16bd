"""Page cache for anonymous shoppers.

Catalogue pages look the same for every anonymous shopper of one language and
market, so their HTML is kept in the cache (Redis) for
``STOREFRONT_PAGE_CACHE_SECONDS`` (production default 60 s; 0 turns it off, as in
development and tests). Prices and stock on a cached page can lag that long;
the cart and checkout always re-read them.

Never cached: logged-in shoppers or anyone with a session (cart) or pending
messages, non-GET requests, and any response other than a plain 200. The CSRF
token inside a cached page is swapped for a fresh one on every hit.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

from .market import COOKIE_NAME, normalize_country

_CSRF_FIELD = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')
_PLACEHOLDER = "__storefront_csrf_token__"
_KEPT_HEADERS = ("Content-Type", "Content-Language", "Vary", "Cache-Control")


def page_cache_seconds() -> int:
    return int(getattr(settings, "STOREFRONT_PAGE_CACHE_SECONDS", 0) or 0)


def _cacheable(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def _key(request: HttpRequest) -> str:
    country = normalize_country(request.COOKIES.get(COOKIE_NAME))
    raw = "|".join([
        settings.STOREFRONT_THEME, request.scheme or "", request.get_host(),
        get_language() or "", country, request.get_full_path(),
    ])
    return "storefront:page:" + hashlib.sha256(raw.encode()).hexdigest()


def anonymous_page_cache(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        seconds = page_cache_seconds()
        if not seconds or not _cacheable(request):
            return view(request, *args, **kwargs)
        key = _key(request)
        hit = cache.get(key)
        if hit is not None:
            body, headers = hit
            if _PLACEHOLDER in body:
                body = body.replace(_PLACEHOLDER, get_token(request))
            response = HttpResponse(body)
            for name, value in headers.items():
                response[name] = value
            response["X-Storefront-Cache"] = "hit"
            patch_vary_headers(response, ("Cookie",))  # the market cookie picks the page
            return response
        response = view(request, *args, **kwargs)
        if (response.status_code == 200 and not response.streaming
                and not response.cookies and not response.has_header("Location")):
            body = response.content.decode(response.charset)
            body = _CSRF_FIELD.sub(rf"\g<1>{_PLACEHOLDER}\g<2>", body)
            headers = {h: response[h] for h in _KEPT_HEADERS if response.has_header(h)}
            cache.set(key, (body, headers), seconds)
            response["X-Storefront-Cache"] = "miss"
            patch_vary_headers(response, ("Cookie",))
        return response

    return wrapper
