"""Catalog reads for the storefront pages: a constant number of queries per page.

Every page-level selector here runs a fixed number of SQL queries whatever the
size of the catalog (translations, prices and stock come in as annotations or
one batched query), so pages stay fast with 10,000 products.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.contrib.postgres.aggregates import ArrayAgg
from django.core.files.storage import default_storage
from django.db.models import (
    Count,
    F,
    FilteredRelation,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, JSONObject
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import RFC3986_SUBDELIMS

from commerce.catalog.models import (
    AttributeValue,
    Category,
    CategoryTranslation,
    Product,
    ProductChannelListing,
    ProductMedia,
    ProductTranslation,
    ProductVariant,
    ProductVariantChannelListing,
)
from commerce.channel.models import Channel
from commerce.core.money import Money
from commerce.inventory.models import AVAILABLE, Stock

from .cache import remembered
from .market import Market
from .pricing import PriceBook, display_money, price_annotations

PAGE_SIZE = 24


# --- categories --------------------------------------------------------------------
@dataclass
class CategoryNode:
    id: int
    name: str
    slug: str  # in the page's language (translated slug, else the base slug)
    base_slug: str
    translated: bool
    parent_id: int | None
    description: str
    seo_title: str
    seo_description: str
    background_image: str
    children: list[CategoryNode] = field(default_factory=list)
    url: str = ""

    def get_absolute_url(self) -> str:
        return self.url or reverse("storefront:category", kwargs={"slug": self.slug})


class CategoryTree:
    """All categories with their names in one language (one query)."""

    def __init__(self, nodes: list[CategoryNode]) -> None:
        self.nodes = {n.id: n for n in nodes}
        self.roots: list[CategoryNode] = []
        for node in nodes:
            parent = self.nodes.get(node.parent_id) if node.parent_id else None
            (parent.children if parent else self.roots).append(node)

    def find(self, slug: str) -> tuple[CategoryNode | None, bool]:
        """(node, canonical): canonical is False when ``slug`` is the base slug of a
        category that has a translated slug in this language (the page redirects)."""
        base_match = None
        for node in self.nodes.values():
            if node.slug == slug:
                return node, True
            if node.base_slug == slug:
                base_match = node
        return base_match, False

    def ancestors(self, node: CategoryNode) -> list[CategoryNode]:
        chain: list[CategoryNode] = []
        current = self.nodes.get(node.parent_id) if node.parent_id else None
        while current is not None and len(chain) < 32:
            chain.insert(0, current)
            current = self.nodes.get(current.parent_id) if current.parent_id else None
        return chain

    def descendant_ids(self, node: CategoryNode) -> list[int]:
        ids, stack = [], [node]
        while stack:
            current = stack.pop()
            ids.append(current.id)
            stack.extend(current.children)
        return ids


def category_tree(language: str) -> CategoryTree:
    """The tree with names, slugs and URLs in ``language`` (one query)."""
    rows = (
        Category.objects.annotate(
            tr=FilteredRelation("translations", condition=Q(translations__language_code=language))
        )
        .values("id", "name", "slug", "parent_id", "description", "seo_title",
                "seo_description", "background_image", "tr__name", "tr__slug",
                "tr__description", "tr__seo_title", "tr__seo_description")
        .order_by("sort_order", "name", "pk")
    )
    nodes = [
        CategoryNode(
            id=r["id"], name=r["tr__name"] or r["name"], slug=r["tr__slug"] or r["slug"],
            base_slug=r["slug"], translated=bool(r["tr__slug"]), parent_id=r["parent_id"],
            description=r["tr__description"] or r["description"],
            seo_title=r["tr__seo_title"] or r["seo_title"],
            seo_description=r["tr__seo_description"] or r["seo_description"],
            background_image=r["background_image"] or "",
        )
        for r in rows
    ]
    with translation.override(language):
        for node in nodes:
            node.url = reverse("storefront:category", kwargs={"slug": node.slug})
    return CategoryTree(nodes)


def cached_category_tree(request: HttpRequest | None, language: str) -> CategoryTree:
    """``category_tree`` kept in memory while the catalogue is unchanged (read-only!)."""
    return remembered(request, ("category-tree", language), lambda: category_tree(language))


def cached_category_slugs(request: HttpRequest | None, category_id: int,
                          base_slug: str) -> dict[str, str]:
    slugs = remembered(request, ("category-slugs", category_id, base_slug),
                       lambda: category_slugs(category_id, base_slug))
    return dict(slugs)


def category_slugs(category_id: int, base_slug: str) -> dict[str, str]:
    """The category's slug per language (base slug where untranslated)."""
    from .market import LANGUAGE_CODES

    slugs = dict.fromkeys(LANGUAGE_CODES, base_slug)
    slugs.update(CategoryTranslation.objects.filter(category_id=category_id)
                 .values_list("language_code", "slug"))
    return slugs


def category_by_foreign_slug(slug: str) -> int | None:
    """A category id whose slug in *another* language is ``slug`` (for redirects)."""
    return CategoryTranslation.objects.filter(slug=slug).values_list("category_id",
                                                                    flat=True).first()


# --- product visibility ------------------------------------------------------------
def published_listings(channel: Channel, now: datetime | None = None,
                       in_listings: bool = True) -> QuerySet[ProductChannelListing]:
    now = now or timezone.now()
    qs = ProductChannelListing.objects.filter(channel_id=channel.pk, is_published=True).filter(
        Q(published_at__isnull=True) | Q(published_at__lte=now)
    )
    if in_listings:
        qs = qs.filter(visible_in_listings=True)
    return qs


def visible_products(channel: Channel, now: datetime | None = None) -> QuerySet[Product]:
    """Products a shopper of ``channel`` can find in listings and search."""
    return Product.objects.filter(
        pk__in=published_listings(channel, now).values("product_id")
    )


def with_translation(qs: QuerySet[Product], language: str) -> QuerySet[Product]:
    return qs.annotate(
        tr=FilteredRelation("translations", condition=Q(translations__language_code=language)),
    ).annotate(tr_name=F("tr__name"), tr_slug=F("tr__slug"))


def product_url(slug: str, language: str | None = None) -> str:
    if language:
        with translation.override(language):
            return reverse("storefront:product", kwargs={"slug": slug})
    return reverse("storefront:product", kwargs={"slug": slug})


def product_url_builder() -> Callable[[str], str]:
    """``product_url`` for many slugs: one ``reverse()``, then the same quoting per slug."""
    marker = "product-slug"
    head, found, tail = product_url(marker).partition(marker)
    if not found:
        return product_url

    def url(slug: str) -> str:
        if not slug or "/" in slug:
            return product_url(slug)  # reverse() decides (and refuses) as it always did
        return head + quote(slug, safe=RFC3986_SUBDELIMS + "/~:@") + tail

    return url


def media_url(image: str, external_url: str) -> str:
    if image:
        return default_storage.url(image)
    return external_url or ""


# --- listing pages -----------------------------------------------------------------
@dataclass
class ProductCard:
    id: int
    name: str
    slug: str
    url: str
    image_url: str
    image_alt: str
    price: Money | None  # the lowest buyable price, in display mode
    price_varies: bool
    in_stock: bool


def stock_available_subquery(channel: Channel, variant_ref: str = "pk") -> Subquery:
    return Subquery(
        Stock.objects.filter(
            variant_id=OuterRef(variant_ref),
            warehouse__is_active=True,
            warehouse__channel_warehouses__channel_id=channel.pk,
        )
        .values("variant_id")
        .annotate(total=Sum(Greatest(AVAILABLE, 0)))
        .values("total"),
        output_field=IntegerField(),
    )


def card_annotations(qs: QuerySet[Product], language: str) -> QuerySet[Product]:
    """Only what a card shows: names and slugs (base and translated), the first image."""
    first_media = ProductMedia.objects.filter(product_id=OuterRef("pk")).order_by(
        "sort_order", "pk"
    )
    return with_translation(qs.only("pk", "name", "slug"), language).annotate(
        first_media=Subquery(first_media.values(
            data=JSONObject(image="image", external_url="external_url", alt="alt"))[:1]),
    )


def cards_in_order(ids: Iterable[int], language: str) -> list[Product]:
    """Products for cards (``card_annotations``) by id, in the order of ``ids`` (one query)."""
    ids = list(ids)
    found = {p.pk: p for p in card_annotations(Product.objects.filter(pk__in=ids), language)}
    return [found[pk] for pk in ids if pk in found]


def product_cards(products: Iterable[Product], market: Market, book: PriceBook) -> list[ProductCard]:
    """Cards for a page of products annotated by ``card_annotations`` (one more query)."""
    products = list(products)
    ids = [p.pk for p in products]
    variants = (
        ProductVariant.objects.filter(product_id__in=ids)
        .annotate(
            **price_annotations(market.channel, book.base_channel),
            available=Coalesce(stock_available_subquery(market.channel), 0),
        )
        .values("id", "product_id", "track_inventory", "available", *price_fields(book))
    )
    by_product: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in variants:
        by_product[row["product_id"]].append(row)
    cards = []
    url_for = product_url_builder()
    for product in products:
        media = getattr(product, "first_media", None) or {}
        prices: list[Money] = []
        in_stock = False
        for row in by_product.get(product.pk, []):
            price = book.price(row["channel_price_amount"], row.get("base_price_amount"))
            if price is None:
                continue
            prices.append(price)
            if not row["track_inventory"] or row["available"] > 0:
                in_stock = True
        lowest = min(prices, key=lambda m: m.amount) if prices else None
        slug = getattr(product, "tr_slug", None) or product.slug
        cards.append(ProductCard(
            id=product.pk,
            name=getattr(product, "tr_name", None) or product.name,
            slug=slug,
            url=url_for(slug),
            image_url=media_url(media.get("image") or "", media.get("external_url") or ""),
            image_alt=media.get("alt") or "",
            price=display_money(lowest, market.channel),
            price_varies=len({p.amount for p in prices}) > 1,
            in_stock=in_stock,
        ))
    return cards


def price_fields(book: PriceBook) -> list[str]:
    return ["channel_price_amount"] + (["base_price_amount"] if book.base_channel else [])


# --- attribute filters -------------------------------------------------------------
@dataclass
class FacetValue:
    slug: str
    name: str
    count: int
    selected: bool = False


@dataclass
class Facet:
    slug: str
    name: str
    values: list[FacetValue]

    @property
    def selected_count(self) -> int:
        return sum(1 for v in self.values if v.selected)


RESERVED_PARAMS = frozenset({"q", "page", "sort"})


def facets_for(products: QuerySet[Product], language: str) -> list[Facet]:
    """Filterable attribute values among ``products`` with product counts (two queries).

    Counts are aggregated from ``products`` joined to the attribute through tables
    (product-level and variant-level values in one UNION ALL), then the few values
    found get their names.
    """
    products = products.order_by()
    product_counts = (
        products.filter(attribute_values__isnull=False)
        .values(value_id=F("attribute_values"))
        .annotate(n=Count("pk"))  # (product, value) is unique
        .values_list("value_id", "n")
    )
    variant_counts = (
        products.filter(variants__attribute_values__isnull=False)
        .values(value_id=F("variants__attribute_values"))
        .annotate(n=Count("pk", distinct=True))
        .values_list("value_id", "n")
    )
    counts: dict[int, int] = defaultdict(int)
    for value_id, n in product_counts.union(variant_counts, all=True):
        counts[value_id] += n
    if not counts:
        return []
    rows = (
        AttributeValue.objects.filter(pk__in=list(counts), attribute__filterable_in_storefront=True)
        .annotate(
            vtr=FilteredRelation("translations",
                                 condition=Q(translations__language_code=language)),
            atr=FilteredRelation("attribute__translations",
                                 condition=Q(attribute__translations__language_code=language)),
        )
        .values("id", "slug", "name", "vtr__name", "attribute__slug", "attribute__name",
                "atr__name")
        .order_by("attribute__slug", "sort_order", "pk")
    )
    facets: dict[str, Facet] = {}
    for row in rows:
        facet = facets.get(row["attribute__slug"])
        if facet is None:
            facet = facets[row["attribute__slug"]] = Facet(
                slug=row["attribute__slug"], name=row["atr__name"] or row["attribute__name"],
                values=[],
            )
        facet.values.append(FacetValue(slug=row["slug"], name=row["vtr__name"] or row["name"],
                                       count=counts[row["id"]]))
    return [f for f in facets.values() if f.slug not in RESERVED_PARAMS]


def cached_facets(request: HttpRequest | None, key: Hashable, products: QuerySet[Product],
                  language: str) -> list[Facet]:
    """``facets_for`` kept in memory per listing ``key`` while the catalogue is unchanged
    (at most ``storefront.cache.DATA_SECONDS``); a fresh copy the caller may mark up."""
    facets = remembered(request, ("facets", key, language), lambda: facets_for(products, language))
    return copy.deepcopy(facets)


def selected_filters(params: Mapping[str, Any], facets: list[Facet]) -> dict[str, set[str]]:
    """Filters from the query string, keeping only attributes and values that exist."""
    getlist = getattr(params, "getlist", None)
    selected: dict[str, set[str]] = {}
    for facet in facets:
        raw = getlist(facet.slug) if getlist else params.get(facet.slug, [])
        wanted = {v for item in raw for v in str(item).split(",") if v}
        known = {v.slug for v in facet.values}
        chosen = wanted & known
        for value in facet.values:
            value.selected = value.slug in chosen
        if chosen:
            selected[facet.slug] = chosen
    return selected


def apply_filters(qs: QuerySet[Product], selected: dict[str, set[str]]) -> QuerySet[Product]:
    """Products having any chosen value of every filtered attribute (on product or variant)."""
    product_values = Product.attribute_values.through.objects
    variant_values = ProductVariant.attribute_values.through.objects
    for attribute, values in selected.items():
        qs = qs.filter(
            Q(pk__in=product_values.filter(attributevalue__attribute__slug=attribute,
                                           attributevalue__slug__in=values)
              .values("product_id"))
            | Q(pk__in=variant_values.filter(attributevalue__attribute__slug=attribute,
                                             attributevalue__slug__in=values)
                .values("productvariant__product_id"))
        )
    return qs


# --- sorting -----------------------------------------------------------------------
SORT_CHOICES = ("newest", "price", "-price", "name")


def sort_products(qs: QuerySet[Product], sort: str, market: Market,
                  book: PriceBook) -> QuerySet[Product]:
    if sort in ("price", "-price"):
        def lowest(channel: Channel) -> Subquery:
            return Subquery(
                ProductVariantChannelListing.objects.filter(
                    variant__product_id=OuterRef("pk"), channel_id=channel.pk,
                    price_amount__isnull=False,
                )
                .values("variant__product_id")
                .annotate(low=Min("price_amount"))
                .values("low")
            )

        expr: Any = lowest(market.channel)
        if book.base_channel is not None:
            factor = book.sort_factor()
            expr = Coalesce(expr, lowest(book.base_channel) * Value(factor))
        qs = qs.annotate(sort_price=expr)
        order = F("sort_price").asc(nulls_last=True) if sort == "price" else F(
            "sort_price").desc(nulls_last=True)
        return qs.order_by(order, "pk")
    if sort == "name":
        return qs.order_by(Coalesce("tr_name", "name"), "pk")
    return qs.order_by("-created_at", "-pk")


# --- product page ------------------------------------------------------------------
@dataclass
class VariantView:
    id: int
    sku: str
    name: str
    price: Money | None  # display mode
    compare_at: Money | None
    available: int
    track_inventory: bool
    attributes: list[tuple[str, str]]
    named: bool = True  # False: the name is made of the attribute values

    @property
    def in_stock(self) -> bool:
        return not self.track_inventory or self.available > 0

    @property
    def buyable(self) -> bool:
        return self.price is not None and self.in_stock

    @property
    def low_stock(self) -> bool:
        return self.track_inventory and 0 < self.available <= 5


@dataclass
class MediaView:
    url: str
    alt: str
    variant_ids: list[int]


@dataclass
class ProductPage:
    product: Product
    name: str
    slug: str
    description: str
    seo_title: str
    seo_description: str
    category: CategoryNode | None
    variants: list[VariantView]
    media: list[MediaView]
    specs: list[tuple[str, str]]
    slugs: dict[str, str]  # language -> slug, for alternates and the language switcher
    purchasable_from: datetime | None

    @property
    def orderable(self) -> bool:
        return self.purchasable_from is None or self.purchasable_from <= timezone.now()

    @property
    def buyable(self) -> bool:
        return self.orderable and any(v.buyable for v in self.variants)

    @property
    def in_stock(self) -> bool:
        return any(v.in_stock and v.price is not None for v in self.variants)

    @property
    def price(self) -> Money | None:
        prices = [v.price for v in self.variants if v.price is not None]
        return min(prices, key=lambda m: m.amount) if prices else None

    @property
    def price_varies(self) -> bool:
        return len({v.price.amount for v in self.variants if v.price is not None}) > 1


@dataclass
class ProductLookup:
    product: Product | None
    redirect_slug: str | None = None


def find_product(slug: str, market: Market) -> ProductLookup:
    """The product at ``/<lang>/product/<slug>/`` if it is published in the market's channel.

    A base or other-language slug of a product with a translated slug in this
    language gives ``redirect_slug`` (the page answers 301 to the canonical URL).
    """
    language = market.language
    qs = (
        Product.objects.annotate(
            tr=FilteredRelation("translations", condition=Q(translations__language_code=language)),
        )
        .filter(pk__in=published_listings(market.channel, in_listings=False)
                .values("product_id"))
        .annotate(
            tr_name=F("tr__name"), tr_slug=F("tr__slug"), tr_description=F("tr__description"),
            tr_seo_title=F("tr__seo_title"), tr_seo_description=F("tr__seo_description"),
            purchasable_from=Subquery(
                ProductChannelListing.objects.filter(product_id=OuterRef("pk"),
                                                     channel_id=market.channel.pk)
                .values("available_for_purchase_at")[:1]
            ),
        )
    )
    # two index lookups (translated slug, base slug) instead of an OR across a join
    by_slug = ProductTranslation.objects.filter(language_code=language, slug=slug).values(
        "product_id").union(Product.objects.filter(slug=slug).values("pk"))
    candidates = list(qs.filter(pk__in=by_slug)[:2])
    for product in candidates:
        if product.tr_slug == slug:
            return ProductLookup(product)
    for product in candidates:
        if product.tr_slug and product.tr_slug != slug:
            return ProductLookup(None, redirect_slug=product.tr_slug)
        return ProductLookup(product)
    # a slug from another language: send the shopper to this language's URL
    other = ProductTranslation.objects.filter(slug=slug).values_list("product_id", flat=True)
    elsewhere = qs.filter(pk__in=other).first()
    if elsewhere is not None:
        return ProductLookup(None, redirect_slug=elsewhere.tr_slug or elsewhere.slug)
    return ProductLookup(None)


def product_page(product: Product, market: Market, book: PriceBook,
                 tree: CategoryTree, request: HttpRequest | None = None) -> ProductPage:
    """Everything the product page shows, in a fixed number of queries.

    Prices and stock are read on every call; the catalogue details (slugs, attributes,
    specs, media) are kept in memory while the catalogue is unchanged (see
    ``storefront.cache``).
    """
    language = market.language
    channel = market.channel

    compare_at = Subquery(
        ProductVariantChannelListing.objects.filter(variant_id=OuterRef("pk"),
                                                    channel_id=channel.pk)
        .values("compare_at_price_amount")[:1]
    )
    variant_rows = list(
        ProductVariant.objects.filter(product_id=product.pk)
        .annotate(
            vtr=FilteredRelation("translations", condition=Q(translations__language_code=language)),
            **price_annotations(channel, book.base_channel),
            compare_at_amount=compare_at,
            available=Coalesce(stock_available_subquery(channel), 0),
        )
        .values("id", "sku", "name", "vtr__name", "track_inventory", "available",
                "compare_at_amount", *price_fields(book))
        .order_by("sort_order", "sku")
    )
    details = remembered(request, ("product-details", product.pk, product.slug, language),
                         lambda: _product_details(product.pk, product.slug, language))
    attributes = details.attributes

    variants = []
    for row in variant_rows:
        price = book.price(row["channel_price_amount"], row.get("base_price_amount"))
        compare = None
        if row["compare_at_amount"] and price is not None and row["channel_price_amount"] is not None:
            compare_money = Money(Decimal(row["compare_at_amount"]), channel.currency_code)
            if compare_money.amount > price.amount:
                compare = display_money(compare_money.quantized(), channel)
        variants.append(VariantView(
            id=row["id"], sku=row["sku"],
            name=row["vtr__name"] or row["name"]
            or " / ".join(value for _attr, value in attributes.get(row["id"], [])) or row["sku"],
            named=bool(row["vtr__name"] or row["name"]),
            price=display_money(price, channel), compare_at=compare,
            available=int(row["available"] or 0), track_inventory=row["track_inventory"],
            attributes=list(attributes.get(row["id"], [])),
        ))

    name = product.tr_name or product.name  # type: ignore[attr-defined]
    return ProductPage(
        product=product,
        name=name,
        slug=product.tr_slug or product.slug,  # type: ignore[attr-defined]
        description=product.tr_description or product.description,  # type: ignore[attr-defined]
        seo_title=product.tr_seo_title or (product.seo_title if not product.tr_name else ""),  # type: ignore[attr-defined]
        seo_description=product.tr_seo_description or (  # type: ignore[attr-defined]
            product.seo_description if not product.tr_name else ""),  # type: ignore[attr-defined]
        category=tree.nodes.get(product.category_id) if product.category_id else None,
        variants=variants,
        media=[m for m in details.media if m.url],
        specs=list(details.specs),
        slugs=dict(details.slugs),
        purchasable_from=product.purchasable_from,  # type: ignore[attr-defined]
    )


@dataclass(frozen=True)
class _ProductDetails:
    """The parts of a product page that change only with the catalogue (four queries)."""

    slugs: dict[str, str]
    attributes: dict[int, list[tuple[str, str]]]  # variant id -> (attribute, value) names
    specs: list[tuple[str, str]]
    media: list[MediaView]


def _product_details(product_id: int, base_slug: str, language: str) -> _ProductDetails:
    slugs = dict.fromkeys(_languages(), base_slug)
    slugs.update(ProductTranslation.objects.filter(product_id=product_id)
                 .values_list("language_code", "slug"))

    attributes: dict[int, list[tuple[str, str]]] = defaultdict(list)
    through = ProductVariant.attribute_values.through.objects.filter(
        productvariant__product_id=product_id,
        attributevalue__attribute__visible_in_storefront=True,
    )
    for variant_id, attr_name, attr_tr, value_name, value_tr in _attribute_rows(
        through, "productvariant_id", language
    ):
        attributes[variant_id].append((attr_tr or attr_name, value_tr or value_name))

    specs = [
        (attr_tr or attr_name, value_tr or value_name)
        for _pid, attr_name, attr_tr, value_name, value_tr in _attribute_rows(
            Product.attribute_values.through.objects.filter(
                product_id=product_id, attributevalue__attribute__visible_in_storefront=True
            ),
            "product_id", language,
        )
    ]

    media = [
        MediaView(url=media_url(m["image"] or "", m["external_url"] or ""), alt=m["alt"],
                  variant_ids=[v for v in m["variant_ids"] if v is not None])
        for m in ProductMedia.objects.filter(product_id=product_id)
        .values("image", "external_url", "alt")
        .annotate(variant_ids=ArrayAgg("variants__id", default=Value([])))
        .order_by("sort_order", "pk")
    ]
    return _ProductDetails(slugs=slugs, attributes=dict(attributes), specs=specs, media=media)


def _attribute_rows(through: QuerySet[Any], owner: str, language: str) -> QuerySet[Any]:
    return (
        through.annotate(
            vtr=FilteredRelation(
                "attributevalue__translations",
                condition=Q(attributevalue__translations__language_code=language),
            ),
            atr=FilteredRelation(
                "attributevalue__attribute__translations",
                condition=Q(attributevalue__attribute__translations__language_code=language),
            ),
        )
        .order_by("attributevalue__attribute__slug", "attributevalue__sort_order")
        .values_list(owner, "attributevalue__attribute__name", "atr__name",
                     "attributevalue__name", "vtr__name")
    )


def _languages() -> list[str]:
    from .market import LANGUAGE_CODES

    return list(LANGUAGE_CODES)
