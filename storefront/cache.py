"""Caches of the storefront's read path, and how they learn that the catalogue changed.

**Catalogue generation.** A random token in the shared cache (Redis) stands for
the current state of everything the storefront shows but stock: products,
variants, their translations, media, attributes, channel listings (publication,
visibility), variant prices, categories, channels and FX rates. Every save or
delete of such a row (admin, GraphQL, services: anything going through the
ORM's ``save()``/``delete()`` or m2m changes) replaces the token, once at once
and once more when the transaction commits, so a page rendered from the old
rows in between is never kept. Bulk writes that bypass ``save()`` (the demo
seed, the search indexer) call ``bump_catalog_generation()`` themselves. This
is cache invalidation, not business flow: no business rule hangs on it.

**Per-process data cache** (``remembered``): the small, hot reference reads of
every page (storefront channels, the category tree in a language, a category's
slugs, facet counts of a listing) are kept in each worker's memory, tagged with
the generation; a new generation or ``DATA_SECONDS`` (time-based publication:
a product scheduled for 10:00 shows in facet counts by 10:01 at the latest)
makes them be read again.

**Anonymous page cache** (``anonymous_page_cache``): catalogue pages look the
same for every anonymous shopper of one language and market, so their HTML is
kept in the shared cache for ``STOREFRONT_PAGE_CACHE_SECONDS`` (production
default 60 s; 0 turns it off, as in development and tests). The key covers the
theme, scheme, host, language, the market cookie (which picks the channel,
hence currency and tax display) and the full path; an entry made under an
older catalogue generation is never served, so a price change, an unpublished
product or a new translation shows at once. Stock counters change without
``save()`` (relative updates under row locks), so availability shown on a
cached page ("in stock", "only 3 left") can lag up to the page cache's
lifetime; the cart and checkout always re-read stock and prices.

Never cached: logged-in shoppers or anyone with a session (cart) or pending
messages, non-GET requests, and any response other than a plain 200. The CSRF
token inside a cached page is swapped for a fresh one on every hit.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

from .market import COOKIE_NAME, normalize_country

log = logging.getLogger(__name__)

_CSRF_FIELD = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')
_PLACEHOLDER = "__storefront_csrf_token__"
_KEPT_HEADERS = ("Content-Type", "Content-Language", "Vary", "Cache-Control")

GENERATION_KEY = "storefront:catalog-generation"
DATA_SECONDS = 60
_REQUEST_ATTR = "_storefront_generation"
# Models whose rows the storefront shows (by app label, and by model name for the FX
# tables, which may live in another app). Stock is deliberately not among them.
WATCHED_APPS = frozenset({"catalog", "channel"})
WATCHED_MODELS = frozenset({"fxrate", "pricerounding"})

T = TypeVar("T")


# --- catalogue generation ----------------------------------------------------------
def _new_generation() -> None:
    try:
        cache.set(GENERATION_KEY, uuid.uuid4().hex, None)
    except Exception:  # noqa: BLE001 - a cache outage must not fail the write
        log.warning("could not renew the storefront catalogue generation", exc_info=True)


def bump_catalog_generation() -> None:
    """The catalogue changed: forget cached pages and reference data (now and on commit)."""
    _new_generation()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_new_generation)


def watched(model: type) -> bool:
    meta = model._meta  # type: ignore[attr-defined]
    return meta.app_label in WATCHED_APPS or meta.model_name in WATCHED_MODELS


def on_catalog_write(sender: type, **kwargs: Any) -> None:
    """post_save / post_delete / m2m_changed receiver (connected in StorefrontConfig.ready)."""
    action = kwargs.get("action")
    if action is not None and not action.startswith("post_"):
        return  # m2m_changed fires pre_* and post_*; one bump is enough
    if watched(sender):
        bump_catalog_generation()


def catalog_generation(request: HttpRequest | None = None) -> str | None:
    """The current generation token (read once per request); None if the cache is down."""
    if request is not None and hasattr(request, _REQUEST_ATTR):
        return getattr(request, _REQUEST_ATTR)
    try:
        token = cache.get(GENERATION_KEY)
        if token is None:
            cache.add(GENERATION_KEY, uuid.uuid4().hex, None)
            token = cache.get(GENERATION_KEY)
    except Exception:  # noqa: BLE001 - serve uncached rather than fail
        log.warning("storefront cache unavailable; reading without it", exc_info=True)
        token = None
    if request is not None:
        setattr(request, _REQUEST_ATTR, token)
    return token


# --- per-process data cache --------------------------------------------------------
class _Memo:
    """A small LRU of values tagged with the generation they were read under."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[Hashable, tuple[str, float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, generation: str, compute: Callable[[], T]) -> T:
        now = time.monotonic()
        with self._lock:
            hit = self._data.get(key)
            if hit is not None and hit[0] == generation and hit[1] > now:
                self._data.move_to_end(key)
                return hit[2]  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            self._data[key] = (generation, now + DATA_SECONDS, value)
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


_memo = _Memo(size=1024)


def remembered(request: HttpRequest | None, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or its value from this process's memory if the catalogue is unchanged.

    Callers must treat the value as read-only: it is shared by later requests.
    """
    generation = catalog_generation(request)
    if generation is None:
        return compute()
    return _memo.get(key, generation, compute)


def forget_local() -> None:
    """Drop this process's cached reference data (tests: the database was rolled back)."""
    _memo.clear()


# --- anonymous page cache ----------------------------------------------------------
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


def _lookup(request: HttpRequest, key: str) -> tuple[str | None, Any]:
    """(generation, cached entry) in one round trip; the generation is kept on the request."""
    try:
        found = cache.get_many([GENERATION_KEY, key])
    except Exception:  # noqa: BLE001
        log.warning("storefront page cache unavailable", exc_info=True)
        setattr(request, _REQUEST_ATTR, None)
        return None, None
    generation = found.get(GENERATION_KEY)
    if generation is None:
        generation = catalog_generation()
    setattr(request, _REQUEST_ATTR, generation)
    return generation, found.get(key)


def anonymous_page_cache(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        seconds = page_cache_seconds()
        if not seconds or not _cacheable(request):
            return view(request, *args, **kwargs)
        key = _key(request)
        generation, hit = _lookup(request, key)
        if generation is not None and hit is not None and hit[0] == generation:
            _generation, body, headers = hit
            if _PLACEHOLDER in body:
                body = body.replace(_PLACEHOLDER, get_token(request))
            response = HttpResponse(body)
            for name, value in headers.items():
                response[name] = value
            response["X-Storefront-Cache"] = "hit"
            patch_vary_headers(response, ("Cookie",))  # the market cookie picks the page
            return response
        response = view(request, *args, **kwargs)
        if (generation is not None and response.status_code == 200 and not response.streaming
                and not response.cookies and not response.has_header("Location")):
            body = response.content.decode(response.charset)
            body = _CSRF_FIELD.sub(rf"\g<1>{_PLACEHOLDER}\g<2>", body)
            headers = {h: response[h] for h in _KEPT_HEADERS if response.has_header(h)}
            try:
                cache.set(key, (generation, body, headers), seconds)
            except Exception:  # noqa: BLE001
                log.warning("storefront page cache unavailable", exc_info=True)
            response["X-Storefront-Cache"] = "miss"
            patch_vary_headers(response, ("Cookie",))
        return response

    return wrapper
