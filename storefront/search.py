"""Full-text product search per language on PostgreSQL.

Each ProductTranslation keeps a ``search_vector`` in its own language, the
Product keeps one for the base (default-language) fields. European languages use
PostgreSQL's built-in text search configs (stemming, stop words). Japanese and
Chinese have no word spaces and this PostgreSQL has no pg_trgm, so their text is
indexed as overlapping character bigrams (plus each run's last character) in a
``simple`` tsvector, written as a tsvector literal so no parser or locale is
involved; a query matches when its bigrams appear next to each other.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchQueryField
from django.db.models import Expression, F, FloatField, Func, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Greatest

from commerce.catalog.models import Product, ProductTranslation

TEXT_SEARCH_CONFIG = {
    "en": "english",
    "de": "german",
    "fr": "french",
    "es": "spanish",
}
CJK_LANGUAGES = frozenset({"ja", "zh-hans", "zh-hant", "ko"})
MAX_QUERY_LENGTH = 100

_CJK = (
    "\u3005\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\uac00-\ud7af\U00020000-\U0002ffff"
)
_TOKEN_RE = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>[^\W_]+)")


def config_for(language: str) -> str:
    return TEXT_SEARCH_CONFIG.get(language, "simple")


def is_cjk(language: str) -> bool:
    return language in CJK_LANGUAGES


def _normalize(text: str) -> str:
    # NFKC folds full-width Latin and half-width katakana to their usual forms
    return unicodedata.normalize("NFKC", text or "").lower()


def _quote(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def cjk_tokens(text: str) -> list[str]:
    """Tokens in order: bigrams of each CJK run then the run's last character; words whole."""
    tokens: list[str] = []
    for match in _TOKEN_RE.finditer(_normalize(text)):
        run = match.group("cjk")
        if run:
            tokens.extend(run[i:i + 2] for i in range(len(run) - 1))
            tokens.append(run[-1])
        else:
            tokens.append(match.group("word"))
    return tokens


def cjk_vector_literal(weighted_texts: Iterable[tuple[str, str]]) -> str:
    """A tsvector literal (``'東京':1A '京タ':2A …``) for texts with weights A–D."""
    positions: dict[str, list[str]] = defaultdict(list)
    position = 0
    for text, weight in weighted_texts:
        for token in cjk_tokens(text):
            position = min(position + 1, 16383)
            positions[token].append(f"{position}{weight}")
        position = min(position + 1, 16383)  # no phrase match across fields
    return " ".join(f"{_quote(tok)}:{','.join(pos)}" for tok, pos in positions.items())


def cjk_query_literal(query: str) -> str:
    """A tsquery literal: each CJK run's bigrams must be adjacent; words match as prefixes."""
    parts: list[str] = []
    for match in _TOKEN_RE.finditer(_normalize(query)[:MAX_QUERY_LENGTH]):
        run = match.group("cjk")
        if run and len(run) == 1:
            parts.append(f"{_quote(run)}:*")
        elif run:
            bigrams = [run[i:i + 2] for i in range(len(run) - 1)]
            parts.append("(" + " <-> ".join(_quote(b) for b in bigrams) + ")")
        else:
            parts.append(f"{_quote(match.group('word'))}:*")
    return " & ".join(parts)


# --- building the vectors ------------------------------------------------------------
def translation_fields(tr: ProductTranslation, brand: str = "",
                       category: str = "") -> list[tuple[str, str]]:
    """The weighted texts of one translation (name A, brand and category B, description C)."""
    return [(tr.name, "A"), (brand, "B"), (category, "B"), (tr.description, "C")]


def base_fields(product: Product, category: str = "") -> list[tuple[str, str]]:
    return [(product.name, "A"), (product.brand, "B"), (category, "B"),
            (product.description, "C")]


# --- querying ----------------------------------------------------------------------
class _Matches(Func):
    """``vector @@ query`` as a boolean expression usable in filter()."""

    arg_joiner = " @@ "
    template = "(%(expressions)s)"

    def __init__(self, vector: Any, query: Any) -> None:
        from django.db.models import BooleanField

        super().__init__(vector, query, output_field=BooleanField())


class _Rank(Func):
    function = "ts_rank"
    output_field = FloatField()


def tsquery(query: str, language: str) -> Expression | None:
    """The tsquery for a shopper's query in ``language`` (None if it has no searchable words)."""
    query = (query or "").strip()[:MAX_QUERY_LENGTH]
    if not query:
        return None
    if is_cjk(language):
        literal = cjk_query_literal(query)
        return Cast(Value(literal), SearchQueryField()) if literal else None
    if not _TOKEN_RE.search(_normalize(query)):
        return None
    return SearchQuery(query, config=config_for(language), search_type="websearch")


def search_products(products: QuerySet[Product], query: str,
                    language: str) -> QuerySet[Product] | None:
    """``products`` matching ``query``, annotated with ``search_rank`` (None: nothing to search).

    A product matches through its translation in ``language`` or its base fields
    (shoppers also type the original product name); each side uses its GIN index.
    """
    translated_query = tsquery(query, language)
    base_language = settings.LANGUAGE_CODE
    base_query = tsquery(query, base_language)
    if translated_query is None and base_query is None:
        return None
    branches: list[QuerySet[Any, Any]] = []
    rank_parts: list[Expression] = []
    if translated_query is not None:
        branches.append(
            ProductTranslation.objects.filter(language_code=language)
            .alias(hit=_Matches(F("search_vector"), translated_query))
            .filter(hit=True)
            .values("product_id")
        )
        rank_parts.append(Coalesce(Subquery(
            ProductTranslation.objects.filter(product_id=OuterRef("pk"), language_code=language)
            .annotate(r=_Rank(F("search_vector"), translated_query))
            .values("r")[:1], output_field=FloatField()), Value(0.0)))
    if base_query is not None:
        branches.append(
            Product.objects.alias(hit=_Matches(F("search_vector"), base_query))
            .filter(hit=True)
            .values("pk")
        )
        # the base text is a fallback: a translated hit ranks first
        rank_parts.append(Coalesce(_Rank(F("search_vector"), base_query), Value(0.0))
                          * Value(0.5))
    matched = branches[0] if len(branches) == 1 else branches[0].union(branches[1])
    rank = rank_parts[0] if len(rank_parts) == 1 else Greatest(*rank_parts)
    return products.filter(Q(pk__in=matched)).annotate(search_rank=rank)
