"""Policy pages, the market (country) selector, robots.txt."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from ..cache import anonymous_page_cache
from ..market import COOKIE_MAX_AGE, COOKIE_NAME, normalize_country
from ..seo import PageMeta, absolute, alternates, reverse_in
from .common import storefront_view

POLICY_PAGES = {
    "shipping": gettext_lazy("Shipping"),
    "returns": gettext_lazy("Returns and refunds"),
    "privacy": gettext_lazy("Privacy policy"),
    "terms": gettext_lazy("Terms and conditions"),
}


@require_safe
@anonymous_page_cache
def policy(request: HttpRequest, slug: str) -> HttpResponse:
    if slug not in POLICY_PAGES:
        raise Http404(_("There is no such page."))
    path = reverse("storefront:policy", kwargs={"slug": slug})
    items, x_default = alternates(
        request, lambda lang: reverse_in(lang, "storefront:policy", {"slug": slug})
    )
    meta = PageMeta(title=str(POLICY_PAGES[slug]), canonical=absolute(request, path),
                    alternates=items, x_default=x_default)
    return render(request, f"storefront/pages/{slug}.html", {
        "meta": meta, "policy_slug": slug, "policy_pages": POLICY_PAGES,
    })


@require_safe
@storefront_view
def choose_market(request: HttpRequest) -> HttpResponse:
    """Remember the country the shopper picked; its channel sets currency and tax display.

    A GET form so that catalogue pages need no CSRF token (they stay cacheable);
    it only sets a display preference. robots.txt keeps crawlers out.
    """
    market = request.market  # type: ignore[attr-defined]
    country = normalize_country(request.GET.get("country"))
    allowed = dict(market.countries())
    if country not in allowed:
        return render(request, "storefront/market_error.html", {
            "meta": PageMeta(title=_("Country not available"), robots="noindex"),
            "country": request.GET.get("country", "")[:8],
            "countries": market.countries(),
        }, status=400)
    target = request.GET.get("next") or reverse("storefront:home")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = reverse("storefront:home")
    response = HttpResponseRedirect(target)
    response.set_cookie(COOKIE_NAME, country, max_age=COOKIE_MAX_AGE, samesite="Lax",
                        secure=request.is_secure(), httponly=True)
    return response


@require_safe
@cache_control(public=True, max_age=3600)
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = ["User-agent: *"]
    for private in ("account/", "cart/", "checkout/", "order/", "market/", "search/"):
        lines.append(f"Disallow: /*/{private}")
    lines += ["Disallow: /admin/", "Disallow: /graphql/", "",
              f"Sitemap: {absolute(request, reverse('sitemap-index'))}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
