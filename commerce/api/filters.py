"""Query shaping for catalog lists: search, Saleor's product filters and sort orders.

Each function takes a QuerySet and returns a narrower or ordered one; nothing is
evaluated here. Bad combinations (price sort without a channel, RANK without a
search) raise GraphQL errors with a code.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import graphene
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import (
    Count,
    Exists,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Lower
from django.utils.translation import gettext as _

from commerce.catalog.models import (
    Category,
    CategoryTranslation,
    Product,
    ProductChannelListing,
    ProductTranslation,
    ProductVariant,
    ProductVariantChannelListing,
)
from commerce.channel.models import Channel
from commerce.inventory.models import AVAILABLE, Stock

from .core import ApiErrorCode, api_error, cached, decode_ids, enum_name

MAX_SEARCH_LENGTH = 200

# ---------------------------------------------------------------------------------
# Category tree (one query per request, shared by level/ancestors/descendant filters)
# ---------------------------------------------------------------------------------


@dataclass
class CategoryTree:
    parent: dict[int, int | None]
    children: dict[int | None, list[int]] = field(default_factory=lambda: defaultdict(list))

    def __post_init__(self) -> None:
        for pk, parent_id in self.parent.items():
            self.children[parent_id].append(pk)

    def level(self, pk: int) -> int:
        depth, node, seen = 0, self.parent.get(pk), {pk}
        while node is not None and node not in seen:
            seen.add(node)
            depth += 1
            node = self.parent.get(node)
        return depth

    def ancestors(self, pk: int) -> list[int]:
        """Root first, the category itself excluded."""
        chain: list[int] = []
        node = self.parent.get(pk)
        while node is not None and node not in chain:
            chain.insert(0, node)
            node = self.parent.get(node)
        return chain

    def with_descendants(self, pks: Iterable[int]) -> set[int]:
        out: set[int] = set()
        stack = list(pks)
        while stack:
            pk = stack.pop()
            if pk in out:
                continue
            out.add(pk)
            stack.extend(self.children.get(pk, []))
        return out

    def at_level(self, level: int) -> list[int]:
        return [pk for pk in self.parent if self.level(pk) == level]


def category_tree(info: graphene.ResolveInfo) -> CategoryTree:
    return cached(info, "category_tree", lambda: CategoryTree(
        dict(Category.objects.values_list("id", "parent_id"))))


# ---------------------------------------------------------------------------------
# Search
# ---------------------------------------------------------------------------------


def _search_text(text: str | None) -> str:
    return (text or "").strip()[:MAX_SEARCH_LENGTH]


def search_query(text: str) -> SearchQuery:
    return SearchQuery(text, config="simple", search_type="websearch")


def search_products(qs: QuerySet[Product], text: str | None) -> QuerySet[Product]:
    """Match names and slugs in every language, full-text vectors where built, exact SKU/EAN."""
    text = _search_text(text)
    if not text:
        return qs
    query = search_query(text)
    translated = ProductTranslation.objects.filter(
        Q(name__icontains=text) | Q(slug__icontains=text) | Q(search_vector=query)
    ).filter(product_id=OuterRef("pk"))
    by_code = ProductVariant.objects.filter(
        Q(sku__iexact=text) | Q(barcode=text)
    ).filter(product_id=OuterRef("pk"))
    return qs.filter(
        Q(name__icontains=text) | Q(slug__icontains=text) | Q(search_vector=query)
        | Exists(translated) | Exists(by_code)
    )


def search_categories(qs: QuerySet[Category], text: str | None) -> QuerySet[Category]:
    text = _search_text(text)
    if not text:
        return qs
    translated = CategoryTranslation.objects.filter(
        Q(name__icontains=text) | Q(slug__icontains=text), category_id=OuterRef("pk")
    )
    return qs.filter(Q(name__icontains=text) | Q(slug__icontains=text) | Exists(translated))


# ---------------------------------------------------------------------------------
# Product filters (ProductFilterInput)
# ---------------------------------------------------------------------------------


def _channel_needed(channel: Channel | None, what: str, field_name: str) -> Channel:
    if channel is None:
        raise api_error(_("%(what)s needs a channel.") % {"what": what},
                        ApiErrorCode.REQUIRED, field_name)
    return channel


def _decimal(value: Any, field_name: str) -> Decimal | None:
    if value is None:
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite():
        raise api_error(_("Not a valid amount: %(v)s") % {"v": value}, ApiErrorCode.INVALID,
                        field_name)
    return amount


def _range_q(prefix: str, data: Any, field_name: str) -> Q:
    q = Q()
    gte = _decimal(data.get("gte"), f"{field_name}.gte")
    lte = _decimal(data.get("lte"), f"{field_name}.lte")
    if gte is not None:
        q &= Q(**{f"{prefix}__gte": gte})
    if lte is not None:
        q &= Q(**{f"{prefix}__lte": lte})
    return q


def min_price_subquery(channel: Channel) -> Subquery:
    return Subquery(
        ProductVariantChannelListing.objects.filter(
            variant__product_id=OuterRef("pk"), channel=channel, price_amount__isnull=False
        ).order_by().values("variant__product_id").annotate(m=Min("price_amount")).values("m")[:1]
    )


def channel_stock(channel: Channel) -> QuerySet[Stock]:
    """Stock rows in the active warehouses serving ``channel``."""
    return Stock.objects.filter(warehouse__channel_warehouses__channel=channel,
                                warehouse__is_active=True)


def filter_products(info: graphene.ResolveInfo, qs: QuerySet[Product], data: Any, *,
                    channel: Channel | None, staff: bool) -> QuerySet[Product]:
    if not data:
        return qs
    if data.get("ids") is not None:
        qs = qs.filter(pk__in=decode_ids(data["ids"], "Product", "filter.ids"))
    if data.get("slugs") is not None:
        qs = qs.filter(slug__in=data["slugs"])
    if data.get("categories") is not None:
        pks = decode_ids(data["categories"], "Category", "filter.categories")
        qs = qs.filter(category_id__in=category_tree(info).with_descendants(pks))
    if data.get("product_types") is not None:
        qs = qs.filter(product_type_id__in=decode_ids(data["product_types"], "ProductType",
                                                      "filter.productTypes"))
    if data.get("has_category") is not None:
        qs = qs.filter(category__isnull=not data["has_category"])
    if data.get("search"):
        qs = search_products(qs, data["search"])
    listing = ProductChannelListing.objects.filter(product_id=OuterRef("pk"))
    if channel is not None:
        listing = listing.filter(channel=channel)
    if data.get("is_published") is not None:
        published = Exists(listing.filter(is_published=True))
        qs = qs.filter(published if data["is_published"] else ~published)
    if data.get("is_visible_in_listing") is not None:
        visible = Exists(listing.filter(visible_in_listings=True))
        qs = qs.filter(visible if data["is_visible_in_listing"] else ~visible)
    availability = enum_name(data.get("stock_availability"))
    if availability is not None:
        stocks = (channel_stock(channel) if channel is not None else Stock.objects.all())
        in_stock = Exists(stocks.annotate(avail=AVAILABLE).filter(
            variant__product_id=OuterRef("pk"), avail__gt=0))
        qs = qs.filter(in_stock if availability == "IN_STOCK" else ~in_stock)
    if data.get("price") is not None:
        ch = _channel_needed(channel, _("Filtering by price"), "filter.price")
        priced = ProductVariantChannelListing.objects.filter(
            _range_q("price_amount", data["price"], "filter.price"),
            channel=ch, variant__product_id=OuterRef("pk"), price_amount__isnull=False,
        )
        qs = qs.filter(Exists(priced))
    if data.get("minimal_price") is not None:
        ch = _channel_needed(channel, _("Filtering by minimal price"), "filter.minimalPrice")
        qs = qs.annotate(_min_price=min_price_subquery(ch)).filter(
            _range_q("_min_price", data["minimal_price"], "filter.minimalPrice"))
    return qs


# ---------------------------------------------------------------------------------
# Product sorting (ProductOrder)
# ---------------------------------------------------------------------------------


def _ordered(qs: QuerySet[Any], expressions: list[Any], descending: bool,
             tiebreak: tuple[str, ...] = ("slug", "pk")) -> QuerySet[Any]:
    order = []
    for expr in expressions:
        expr = F(expr) if isinstance(expr, str) else expr
        order.append(expr.desc(nulls_last=True) if descending else expr.asc(nulls_last=True))
    order.extend(F(t).desc() if descending else F(t).asc() for t in tiebreak)
    return qs.order_by(*order)


def sort_products(qs: QuerySet[Product], sort_by: Any, *, channel: Channel | None,
                  search: str | None, language: str | None) -> QuerySet[Product]:
    if not sort_by:
        return qs.order_by("slug", "pk")
    if sort_by.get("attribute_id") is not None:
        raise api_error(_("Sorting by attribute is not supported."), ApiErrorCode.INVALID,
                        "sortBy.attributeId")
    field_name = enum_name(sort_by.get("field")) or "NAME"
    descending = enum_name(sort_by.get("direction")) == "DESC"
    listing = ProductChannelListing.objects.filter(product_id=OuterRef("pk"))

    if field_name == "NAME":
        if language:
            translated = ProductTranslation.objects.filter(
                product_id=OuterRef("pk"), language_code=language).values("name")[:1]
            qs = qs.annotate(_sort_name=Lower(Coalesce(Subquery(translated), F("name"))))
        else:
            qs = qs.annotate(_sort_name=Lower("name"))
        return _ordered(qs, ["_sort_name"], descending)
    if field_name in ("PRICE", "MINIMAL_PRICE"):
        ch = _channel_needed(channel, _("Sorting by price"), "sortBy.channel")
        return _ordered(qs.annotate(_sort_price=min_price_subquery(ch)), ["_sort_price"], descending)
    if field_name in ("CREATED_AT", "DATE"):
        return _ordered(qs, ["created_at"], descending)
    if field_name in ("LAST_MODIFIED", "LAST_MODIFIED_AT"):
        return _ordered(qs, ["updated_at"], descending)
    if field_name == "TYPE":
        return _ordered(qs, ["product_type__name"], descending)
    if field_name == "RATING":
        return _ordered(qs, ["rating"], descending)
    if field_name == "PUBLISHED":
        ch = _channel_needed(channel, _("Sorting by publication"), "sortBy.channel")
        flag = Subquery(listing.filter(channel=ch).values("is_published")[:1])
        return _ordered(qs.annotate(_sort_pub=flag), ["_sort_pub"], descending)
    if field_name in ("PUBLICATION_DATE", "PUBLISHED_AT"):
        ch = _channel_needed(channel, _("Sorting by publication date"), "sortBy.channel")
        date = Subquery(listing.filter(channel=ch).values("published_at")[:1])
        return _ordered(qs.annotate(_sort_pub=date), ["_sort_pub"], descending)
    if field_name == "RANK":
        text = _search_text(search)
        if not text:
            raise api_error(_("Sorting by RANK is available only together with a search."),
                            ApiErrorCode.INVALID, "sortBy.field")
        rank = Coalesce(SearchRank(F("search_vector"), search_query(text)), Value(0.0))
        # Highest rank first when descending (Saleor's RANK convention)
        return _ordered(qs.annotate(_rank=rank, _sort_name=Lower("name")),
                        ["_rank", "_sort_name"], descending)
    raise api_error(
        _("Sorting products by %(field)s is not supported.") % {"field": field_name},
        ApiErrorCode.INVALID, "sortBy.field",
    )


# ---------------------------------------------------------------------------------
# Categories
# ---------------------------------------------------------------------------------


def filter_categories(info: graphene.ResolveInfo, qs: QuerySet[Category], data: Any,
                      level: int | None) -> QuerySet[Category]:
    if level is not None:
        if level < 0:
            raise api_error(_("“level” cannot be negative."), ApiErrorCode.INVALID, "level")
        qs = qs.filter(pk__in=category_tree(info).at_level(level))
    if not data:
        return qs
    if data.get("search"):
        qs = search_categories(qs, data["search"])
    if data.get("ids") is not None:
        qs = qs.filter(pk__in=decode_ids(data["ids"], "Category", "filter.ids"))
    if data.get("slugs") is not None:
        qs = qs.filter(slug__in=data["slugs"])
    return qs


def sort_categories(qs: QuerySet[Category], sort_by: Any) -> QuerySet[Category]:
    if not sort_by:
        return qs.order_by("sort_order", "name", "pk")
    field_name = enum_name(sort_by.get("field"))
    descending = enum_name(sort_by.get("direction")) == "DESC"
    if field_name == "PRODUCT_COUNT":
        qs = qs.annotate(_n=Count("products", distinct=True))
        return _ordered(qs, ["_n", "name"], descending, ("pk",))
    if field_name == "SUBCATEGORY_COUNT":
        qs = qs.annotate(_n=Count("children", distinct=True))
        return _ordered(qs, ["_n", "name"], descending, ("pk",))
    return _ordered(qs.annotate(_sort_name=Lower("name")), ["_sort_name"], descending, ("pk",))
