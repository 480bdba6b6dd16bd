"""Browse pages: home, category, product, search. Thin: selectors do the reading."""

from __future__ import annotations

from array import array
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from ..cache import anonymous_page_cache, remembered
from ..context_processors import get_category_tree
from ..hooks import pickup_summary
from ..pricing import PriceBook
from ..search import MAX_QUERY_LENGTH, search_products
from ..selectors import (
    SORT_CHOICES,
    CategoryNode,
    CategoryTree,
    apply_filters,
    cached_category_slugs,
    cached_facets,
    card_annotations,
    cards_in_order,
    category_by_foreign_slug,
    find_product,
    product_cards,
    product_page,
    product_url,
    selected_filters,
    sort_products,
    visible_products,
)
from ..seo import (
    SCHEMA_IN_STOCK,
    SCHEMA_OUT_OF_STOCK,
    SCHEMA_PREORDER,
    PageMeta,
    absolute,
    alternates,
    breadcrumb_jsonld,
    describe,
    reverse_in,
)
from .common import paginate, positive_int, require_clean_slug, safe_text, storefront_view

HOME_PRODUCTS = 8


def _book(request: HttpRequest) -> PriceBook:
    market = request.market  # type: ignore[attr-defined]
    return PriceBook(market.channel, market.base_channel)


def _crumbs(request: HttpRequest, tree: CategoryTree,
            node: CategoryNode | None) -> list[tuple[str, str]]:
    crumbs = [(_("Home"), absolute(request, reverse("storefront:home")))]
    if node is not None:
        for ancestor in [*tree.ancestors(node), node]:
            crumbs.append((ancestor.name, absolute(request, ancestor.get_absolute_url())))
    return crumbs


@require_safe
@anonymous_page_cache
@storefront_view
def home(request: HttpRequest) -> HttpResponse:
    market = request.market  # type: ignore[attr-defined]
    book = _book(request)
    tree = get_category_tree(request)
    qs = card_annotations(visible_products(market.channel), market.language)
    products = list(qs.order_by("-created_at", "-pk")[:HOME_PRODUCTS])
    items, x_default = alternates(request, lambda lang: reverse_in(lang, "storefront:home"))
    search_url = absolute(request, reverse("storefront:search"))
    meta = PageMeta(
        title=settings.STOREFRONT_NAME,
        description=_("%(shop)s ships worldwide: prices in your currency, pages in your "
                      "language.") % {"shop": settings.STOREFRONT_NAME},
        canonical=absolute(request, reverse("storefront:home")),
        alternates=items, x_default=x_default,
        jsonld=[{
            "@context": "https://schema.org",
            "@type": "WebSite",
            "name": settings.STOREFRONT_NAME,
            "url": absolute(request, reverse("storefront:home")),
            "potentialAction": {
                "@type": "SearchAction",
                "target": f"{search_url}?q={{search_term_string}}",
                "query-input": "required name=search_term_string",
            },
        }],
    )
    return render(request, "storefront/home.html", {
        "meta": meta,
        "categories": tree.roots,
        "products": product_cards(products, market, book),
    })


def _listing_context(request: HttpRequest, base: Any, listing: tuple[Any, ...],
                     default_sort: str, sorts: tuple[str, ...]) -> dict[str, Any]:
    """Facets, filters, sort and the page of cards shared by category and search pages.

    ``listing`` names the unfiltered ``base`` (its facet counts are cached under it).
    """
    market = request.market  # type: ignore[attr-defined]
    book = _book(request)
    facets = cached_facets(request, (market.channel.pk, *listing), base, market.language)
    selected = selected_filters(request.GET, facets)
    sort = request.GET.get("sort", default_sort)
    if sort not in sorts:
        sort = default_sort
    filtered = apply_filters(base, selected)
    # Like the facets, the count (and the ranking of search matches) changes only with
    # the catalogue or a scheduled publication time: kept with them, keyed by the filters.
    key = (market.channel.pk, market.language, *listing,
           tuple(sorted((name, tuple(sorted(values))) for name, values in selected.items())))
    if sort == "relevance":
        # Ranking every match (ts_rank over hundreds of documents) is the search page's
        # dearest work: the ranked ids are kept, and the page reads its 24 cards by id.
        by_rank = filtered.order_by("-search_rank", "pk")  # type: ignore[misc]
        ranked = remembered(request, ("ranked", *key),
                            lambda: array("q", by_rank.values_list("pk", flat=True)))
        page = paginate(request, ranked, count=len(ranked))
        products: Any = cards_in_order(page.object_list, market.language)
    else:
        qs = sort_products(card_annotations(filtered, market.language), sort, market, book)
        page = paginate(request, qs, count=remembered(request, ("count", *key), filtered.count))
        products = page.object_list
    return {
        "facets": facets,
        "selected": selected,
        "sort": sort,
        "sorts": [(s, SORT_LABELS[s]) for s in sorts],
        "page": page,
        "products": product_cards(products, market, book),
        "filtered": bool(selected) or "sort" in request.GET,
    }


SORT_LABELS = {
    "relevance": gettext_lazy("Best match"),
    "newest": gettext_lazy("Newest"),
    "price": gettext_lazy("Price: low to high"),
    "-price": gettext_lazy("Price: high to low"),
    "name": gettext_lazy("Name"),
}


@require_safe
@anonymous_page_cache
@storefront_view
def category(request: HttpRequest, slug: str) -> HttpResponse:
    require_clean_slug(slug)
    market = request.market  # type: ignore[attr-defined]
    tree = get_category_tree(request)
    node, canonical = tree.find(slug)
    if node is None:
        other = category_by_foreign_slug(slug)
        if other is not None and other in tree.nodes:
            return _redirect(request, tree.nodes[other].get_absolute_url())
        raise Http404(_("This category does not exist."))
    if not canonical:
        return _redirect(request, node.get_absolute_url())

    category_ids = tree.descendant_ids(node)
    base = visible_products(market.channel).filter(category_id__in=category_ids)
    context = _listing_context(request, base, ("category", *category_ids), "newest",
                               SORT_CHOICES)
    page = context["page"]
    slugs = cached_category_slugs(request, node.id, node.base_slug)

    def path_for(lang: str) -> str:
        path = reverse_in(lang, "storefront:category", {"slug": slugs[lang]})
        return f"{path}?page={page.number}" if page.number > 1 else path

    items, x_default = alternates(request, path_for)
    crumbs = _crumbs(request, tree, node)
    title = node.seo_title or node.name
    if page.number > 1:
        title = _("%(title)s – page %(page)s") % {"title": title, "page": page.number}
    meta = PageMeta(
        title=title,
        description=node.seo_description or describe(node.description) or _(
            "Shop %(category)s at %(shop)s.") % {"category": node.name,
                                                  "shop": settings.STOREFRONT_NAME},
        canonical=absolute(request, path_for(market.language)),
        alternates=items, x_default=x_default,
        robots="noindex,follow" if context["filtered"] else "index,follow",
        image=absolute(request, context["products"][0].image_url)
        if context["products"] and context["products"][0].image_url else "",
        jsonld=[breadcrumb_jsonld(crumbs)],
    )
    return render(request, "storefront/category.html", {
        **context, "meta": meta, "category": node, "breadcrumbs": crumbs,
        "subcategories": node.children,
    })


@require_safe
@anonymous_page_cache
@storefront_view
def product(request: HttpRequest, slug: str) -> HttpResponse:
    require_clean_slug(slug)
    market = request.market  # type: ignore[attr-defined]
    lookup = find_product(slug, market)
    if lookup.redirect_slug:
        return _redirect(request, product_url(lookup.redirect_slug))
    if lookup.product is None:
        raise Http404(_("This product is not available in your country."))
    tree = get_category_tree(request)
    page = product_page(lookup.product, market, _book(request), tree, request)

    selected = None
    wanted = positive_int(request.GET.get("variant"))
    if wanted is not None:
        selected = next((v for v in page.variants if v.id == wanted), None)
    if selected is None:
        selected = next((v for v in page.variants if v.buyable), None) or (
            page.variants[0] if page.variants else None)

    items, x_default = alternates(
        request, lambda lang: reverse_in(lang, "storefront:product", {"slug": page.slugs[lang]})
    )
    canonical = absolute(request, product_url(page.slug))
    crumbs = _crumbs(request, tree, page.category) + [(page.name, canonical)]
    images = [absolute(request, m.url) for m in page.media]
    description = page.seo_description or describe(page.description) or page.name
    offers = []
    for variant in page.variants:
        if variant.price is None:
            continue
        if not page.orderable:
            availability = SCHEMA_PREORDER
        else:
            availability = SCHEMA_IN_STOCK if variant.in_stock else SCHEMA_OUT_OF_STOCK
        offers.append({
            "@type": "Offer",
            "sku": variant.sku,
            "name": variant.name,
            "price": str(variant.price.amount),
            "priceCurrency": variant.price.currency,
            "availability": availability,
            "url": f"{canonical}?variant={variant.id}",
            "itemCondition": "https://schema.org/NewCondition",
        })
    product_ld: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": page.name,
        "description": description,
        "url": canonical,
        "sku": selected.sku if selected else None,
    }
    if images:
        product_ld["image"] = images
    if page.product.brand:
        product_ld["brand"] = {"@type": "Brand", "name": page.product.brand}
    if page.category:
        product_ld["category"] = page.category.name
    if offers:
        product_ld["offers"] = offers
    product_ld = {k: v for k, v in product_ld.items() if v is not None}
    extra_og = []
    if page.price is not None:
        extra_og = [("product:price:amount", str(page.price.amount)),
                    ("product:price:currency", page.price.currency)]
    meta = PageMeta(
        title=page.seo_title or page.name,
        description=description,
        canonical=canonical,
        alternates=items, x_default=x_default,
        og_type="product",
        image=images[0] if images else "",
        extra_og=extra_og,
        jsonld=[product_ld, breadcrumb_jsonld(crumbs)],
    )
    return render(request, "storefront/product.html", {
        "meta": meta,
        "page": page,
        "product": page.product,
        "selected_variant": selected,
        "breadcrumbs": crumbs,
        "pickup": pickup_summary(page.product, market),
    })


@require_safe
@anonymous_page_cache
@storefront_view
def search(request: HttpRequest) -> HttpResponse:
    market = request.market  # type: ignore[attr-defined]
    query = safe_text(request.GET.get("q", ""), MAX_QUERY_LENGTH)
    base = search_products(visible_products(market.channel), query, market.language) \
        if query else None
    context: dict[str, Any] = {"query": query, "products": [], "page": None, "facets": []}
    if base is not None:
        context.update(_listing_context(request, base, ("search", query), "relevance",
                                        ("relevance", *SORT_CHOICES)))
    items, x_default = alternates(request, lambda lang: reverse_in(lang, "storefront:search"))
    title = _("Search results for “%(query)s”") % {"query": query} if query else _("Search")
    meta = PageMeta(title=title, canonical=absolute(request, reverse("storefront:search")),
                    alternates=items, x_default=x_default, robots="noindex,follow")
    return render(request, "storefront/search.html", {**context, "meta": meta})


def _redirect(request: HttpRequest, path: str) -> HttpResponsePermanentRedirect:
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{path}?{query}" if query else path)
