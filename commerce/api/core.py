"""Shared pieces of the public GraphQL API: errors, IDs, enums, money, pagination.

Every other module of ``commerce.api`` (channel, catalog, inventory, and later
checkout) builds on these, so names follow Saleor 3's schema wherever the concept
matches: ``Money``, ``TaxedMoney``, ``CountryDisplay``, ``LanguageCodeEnum``,
``*CountableConnection`` with ``totalCount``, ``Node`` global IDs.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Any

import graphene
from babel.localedata import locale_identifiers
from django.conf import settings
from django.db.models import QuerySet
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries
from graphene import relay
from graphql import (
    FieldNode,
    FloatValueNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    SelectionSetNode,
    StringValueNode,
    Undefined,
)
from graphql_relay import from_global_id, to_global_id
from graphql_relay.utils import base64, unbase64

from commerce.core.errors import DomainError
from commerce.core.money import Money as MoneyValue
from commerce.core.money import currency_exponent, quantize, to_minor_units

# ---------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------


class ApiErrorCode(StrEnum):
    """``extensions.code`` of top-level GraphQL errors (mutation payloads carry their own)."""

    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"
    INVALID_ID = "INVALID_ID"
    REQUIRED = "REQUIRED"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    BAD_REQUEST = "BAD_REQUEST"
    INTERNAL_ERROR = "INTERNAL_ERROR"


def api_error(message: str, code: ApiErrorCode | str, field: str | None = None) -> GraphQLError:
    """A GraphQL error a client can act on: a readable message plus ``extensions.code``."""
    extensions: dict[str, Any] = {"code": code.value if isinstance(code, Enum) else code}
    if field:
        extensions["field"] = field
    return GraphQLError(message, extensions=extensions)


def permission_denied(permission: str) -> GraphQLError:
    return api_error(
        _("You need the “%(perm)s” permission to do this.") % {"perm": permission},
        ApiErrorCode.PERMISSION_DENIED,
    )


def error_code_value(code: str, enum: type[graphene.Enum], fallback: str = "INVALID") -> Any:
    """Map a domain error code (``not_found``) onto a payload error enum (``NOT_FOUND``)."""
    name = (code or "").upper()
    members = enum._meta.enum.__members__
    return members[name] if name in members else members[fallback]


def domain_errors(exc: DomainError, enum: type[graphene.Enum], **extra: Any) -> list[dict[str, Any]]:
    """``errors`` entries for a mutation payload from a DomainError (or ValidationFailed)."""
    items = getattr(exc, "errors", None) or [exc]
    return [
        {"field": e.field, "message": e.message, "code": error_code_value(e.code, enum), **extra}
        for e in items
    ]


# ---------------------------------------------------------------------------------
# Per-request state: cache and who is asking
# ---------------------------------------------------------------------------------


def request_cache(info: graphene.ResolveInfo) -> dict[Any, Any]:
    """A dict living as long as the HTTP request, for batch loads shared by resolvers."""
    ctx = info.context
    cache = getattr(ctx, "_omniport_api_cache", None)
    if cache is None:
        cache = {}
        ctx._omniport_api_cache = cache
    return cache


def cached(info: graphene.ResolveInfo, key: Any, load: Callable[[], Any]) -> Any:
    cache = request_cache(info)
    if key not in cache:
        cache[key] = load()
    return cache[key]


def get_user(info: graphene.ResolveInfo) -> Any:
    return getattr(info.context, "user", None)


def staff_has_perm(info: graphene.ResolveInfo, perm: str) -> bool:
    """True for active staff holding ``perm`` (superusers hold every permission)."""
    user = get_user(info)
    if user is None or not user.is_authenticated or not user.is_active or not user.is_staff:
        return False
    return bool(cached(info, ("perm", perm), lambda: user.has_perm(perm)))


def require_staff_perm(info: graphene.ResolveInfo, perm: str) -> None:
    if not staff_has_perm(info, perm):
        raise permission_denied(perm)


# Permissions the API checks (Django's model permissions, grouped into staff roles in admin)
PERM_VIEW_UNPUBLISHED = "catalog.view_product"
PERM_CHANGE_PRODUCT = "catalog.change_product"
PERM_CHANGE_CATEGORY = "catalog.change_category"
PERM_VIEW_STOCK = "inventory.view_stock"
PERM_CHANGE_STOCK = "inventory.change_stock"
PERM_VIEW_WAREHOUSE = "inventory.view_warehouse"
PERM_VIEW_CHANNEL = "channel.view_channel"


def selected_names(info: graphene.ResolveInfo) -> frozenset[str]:
    """Every field name requested below the current field (fragments included).

    Used to prefetch only what the client asked for; a name that belongs to another
    type only costs one unneeded prefetch, never a wrong answer.
    """
    names: set[str] = set()
    seen: set[str] = set()

    def walk(selection_set: SelectionSetNode | None) -> None:
        if selection_set is None:
            return
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                names.add(sel.name.value)
                walk(sel.selection_set)
            elif isinstance(sel, InlineFragmentNode):
                walk(sel.selection_set)
            elif isinstance(sel, FragmentSpreadNode) and sel.name.value not in seen:
                seen.add(sel.name.value)
                fragment = info.fragments.get(sel.name.value)
                walk(fragment.selection_set if fragment else None)

    for node in info.field_nodes:
        walk(node.selection_set)
    return frozenset(names)


# ---------------------------------------------------------------------------------
# Global IDs ("Product:12" in base64, as Saleor and Relay do)
# ---------------------------------------------------------------------------------


def global_id(type_name: str, pk: Any) -> str:
    return to_global_id(type_name, str(pk))


def decode_id(value: str, expected: str | Sequence[str], field: str) -> int:
    """Primary key from a global ID of the expected type, or a clear GraphQL error."""
    expected_names = (expected,) if isinstance(expected, str) else tuple(expected)
    type_name, raw = from_global_id(value or "") if isinstance(value, str) else ("", "")
    if not type_name or not raw.isdigit():
        raise api_error(
            _("Couldn't resolve id: %(id)s.") % {"id": value}, ApiErrorCode.INVALID_ID, field
        )
    if type_name not in expected_names:
        raise api_error(
            _("Must receive a %(expected)s id (got a %(got)s id).")
            % {"expected": " or ".join(expected_names), "got": type_name},
            ApiErrorCode.INVALID_ID,
            field,
        )
    return int(raw)


def decode_ids(values: Sequence[str] | None, expected: str, field: str) -> list[int]:
    return [decode_id(v, expected, field) for v in values or []]


# ---------------------------------------------------------------------------------
# Languages and countries
# ---------------------------------------------------------------------------------

LANGUAGE_CODES: list[str] = [code for code, _name in settings.LANGUAGES]
# Locales in Saleor's enum that newer CLDR data (Babel) renamed; kept for compatibility.
_SALEOR_ONLY_LOCALES = {"KOK_IN"}
_LANGUAGE_ALIASES = {"zh": "zh-hans", "zh-cn": "zh-hans", "zh-sg": "zh-hans"}


def language_enum_name(code: str) -> str:
    """``zh-hans`` → ``ZH_HANS`` (the LanguageCodeEnum member for one of our languages)."""
    return code.upper().replace("-", "_")


def _language_enum_members() -> list[tuple[str, str]]:
    # Saleor's LanguageCodeEnum is the CLDR locale list; Babel ships the same list, so
    # every language code a Saleor client may send is accepted here too.
    names = {language_enum_name(code) for code in LANGUAGE_CODES}
    names.update(ident.upper() for ident in locale_identifiers() if ident != "root")
    names.update(_SALEOR_ONLY_LOCALES)
    names = {n for n in names if re.fullmatch(r"[A-Z][A-Z0-9_]*", n)}
    return [(n, n.lower().replace("_", "-")) for n in sorted(names)]


LanguageCodeEnum = graphene.Enum(
    "LanguageCodeEnum",
    _language_enum_members(),
    description="Language codes (CLDR locales, as in Saleor). The shop's own languages are "
    + ", ".join(language_enum_name(c) for c in LANGUAGE_CODES)
    + "; regional variants fall back to them (DE_AT → DE).",
)


def language_from_enum(value: Any) -> str | None:
    """Our language code for a LanguageCodeEnum value, or None if the shop lacks it."""
    if value is None:
        return None
    raw = str(getattr(value, "value", value)).lower().replace("_", "-")
    if raw in _LANGUAGE_ALIASES:
        return _LANGUAGE_ALIASES[raw]
    parts = raw.split("-")
    while parts:
        candidate = "-".join(parts)
        if candidate in LANGUAGE_CODES:
            return candidate
        parts.pop()
    return None


# Saleor's CountryCode also carries EU (European Union) and XK (Kosovo, user-assigned).
_EXTRA_COUNTRY_CODES = {"EU": gettext_lazy("European Union"), "XK": gettext_lazy("Kosovo")}
CountryCode = graphene.Enum(
    "CountryCode",
    [(code, code) for code in sorted({c for c, _n in countries} | set(_EXTRA_COUNTRY_CODES))],
    description="ISO 3166-1 alpha-2 (plus EU and XK, as in Saleor).",
)


def country_from_enum(value: Any) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "value", value)).upper()


class OrderDirection(graphene.Enum):
    ASC = "asc"
    DESC = "desc"


def enum_name(value: Any) -> str | None:
    """Member name of an enum argument (graphene 3 passes members, tests may pass names)."""
    if value is None:
        return None
    return str(getattr(value, "name", value))


class PositiveDecimal(graphene.Decimal):
    """Saleor's PositiveDecimal: a decimal number, 0 or greater."""

    @classmethod
    def parse_literal(cls, node: Any, _variables: Any = None) -> Any:
        if isinstance(node, (StringValueNode, IntValueNode, FloatValueNode)):
            return cls.parse_value(node.value)
        return Undefined

    @staticmethod
    def parse_value(value: Any) -> Any:
        parsed = graphene.Decimal.parse_value(value)
        if parsed is Undefined or not parsed.is_finite() or parsed < 0:
            return Undefined
        return parsed


class WeightUnitsEnum(graphene.Enum):
    G = "g"
    LB = "lb"
    OZ = "oz"
    KG = "kg"
    TONNE = "tonne"


class ThumbnailFormatEnum(graphene.Enum):
    ORIGINAL = "original"
    AVIF = "avif"
    WEBP = "webp"


# ---------------------------------------------------------------------------------
# Shared object types
# ---------------------------------------------------------------------------------


class MetadataItem(graphene.ObjectType):
    key = graphene.String(required=True)
    value = graphene.String(required=True)


class ObjectWithMetadata(graphene.Interface):
    """Public metadata (``metadata`` JSON of the model); private metadata is not exposed."""

    metadata = graphene.List(graphene.NonNull(MetadataItem), required=True)
    metafield = graphene.String(key=graphene.String(required=True))

    @staticmethod
    def resolve_metadata(root: Any, info: graphene.ResolveInfo) -> list[dict[str, str]]:
        data = getattr(root, "metadata", None) or {}
        return [{"key": str(k), "value": str(v)} for k, v in sorted(data.items())]

    @staticmethod
    def resolve_metafield(root: Any, info: graphene.ResolveInfo, key: str) -> str | None:
        data = getattr(root, "metadata", None) or {}
        return None if key not in data else str(data[key])


class CountryDisplay(graphene.ObjectType):
    code = graphene.String(required=True, description="ISO 3166-1 alpha-2 code.")
    country = graphene.String(required=True, description="Country name in the request language.")

    @staticmethod
    def from_code(code: Any) -> dict[str, str]:
        code = str(getattr(code, "code", code) or "")
        name = countries.name(code) or _EXTRA_COUNTRY_CODES.get(code, code)
        return {"code": code, "country": str(name)}


class LanguageDisplay(graphene.ObjectType):
    code = graphene.Field(LanguageCodeEnum, required=True)
    language = graphene.String(required=True)

    @staticmethod
    def from_code(code: str) -> dict[str, Any]:
        names = dict(settings.LANGUAGES)
        return {"code": language_enum_name(code), "language": str(names.get(code, code))}


class Money(graphene.ObjectType):
    """An amount in a currency; ``fractionalAmount`` is in minor units (cents, or yen for JPY)."""

    currency = graphene.String(required=True)
    amount = graphene.Float(required=True)
    fractional_amount = graphene.Int(required=True)
    fraction_digits = graphene.Int(required=True)

    @staticmethod
    def resolve_amount(root: MoneyValue, info: graphene.ResolveInfo) -> float:
        return float(quantize(root.amount, root.currency))

    @staticmethod
    def resolve_fractional_amount(root: MoneyValue, info: graphene.ResolveInfo) -> int:
        return to_minor_units(root.amount, root.currency)

    @staticmethod
    def resolve_fraction_digits(root: MoneyValue, info: graphene.ResolveInfo) -> int:
        return currency_exponent(root.currency)


class TaxedMoney(graphene.ObjectType):
    currency = graphene.String(required=True)
    gross = graphene.Field(Money, required=True)
    net = graphene.Field(Money, required=True)
    tax = graphene.Field(Money, required=True)


class TaxedMoneyRange(graphene.ObjectType):
    start = graphene.Field(TaxedMoney)
    stop = graphene.Field(TaxedMoney)


class Image(graphene.ObjectType):
    url = graphene.String(required=True)
    alt = graphene.String()


class Weight(graphene.ObjectType):
    unit = graphene.Field(WeightUnitsEnum, required=True)
    value = graphene.Float(required=True)


class Address(graphene.ObjectType):
    """A postal address (a customer's, or a warehouse's own address fields)."""

    id = graphene.ID(required=True)
    first_name = graphene.String(required=True)
    last_name = graphene.String(required=True)
    company_name = graphene.String(required=True)
    street_address1 = graphene.String(required=True)
    street_address2 = graphene.String(required=True)
    city = graphene.String(required=True)
    city_area = graphene.String(required=True)
    postal_code = graphene.String(required=True)
    country = graphene.Field(CountryDisplay, required=True)
    country_area = graphene.String(required=True)
    phone = graphene.String()

    @staticmethod
    def resolve_id(root: Any, info: graphene.ResolveInfo) -> str:
        # A warehouse keeps its address inline; its ID names the warehouse's address.
        type_name = "Address" if root.__class__.__name__ == "Address" else (
            f"{root.__class__.__name__}Address"
        )
        return global_id(type_name, root.pk)

    @staticmethod
    def _attr(name: str) -> Callable[[Any, graphene.ResolveInfo], str]:
        return lambda root, info: getattr(root, name, "") or ""

    resolve_first_name = _attr("first_name")
    resolve_last_name = _attr("last_name")
    resolve_company_name = _attr("company_name")
    resolve_street_address1 = _attr("street_address_1")
    resolve_street_address2 = _attr("street_address_2")
    resolve_city = _attr("city")
    resolve_city_area = _attr("city_area")
    resolve_postal_code = _attr("postal_code")
    resolve_country_area = _attr("country_area")
    resolve_phone = _attr("phone")

    @staticmethod
    def resolve_country(root: Any, info: graphene.ResolveInfo) -> dict[str, str]:
        return CountryDisplay.from_code(root.country)


class AddressInput(graphene.InputObjectType):
    first_name = graphene.String()
    last_name = graphene.String()
    company_name = graphene.String()
    street_address1 = graphene.String()
    street_address2 = graphene.String()
    city = graphene.String()
    city_area = graphene.String()
    postal_code = graphene.String()
    country = graphene.Field(CountryCode)
    country_area = graphene.String()
    phone = graphene.String()


# ---------------------------------------------------------------------------------
# EditorJS descriptions (Saleor's `description: JSONString`)
# ---------------------------------------------------------------------------------


def description_json(text: str | None) -> dict[str, Any] | None:
    """Our plain-text description as an EditorJS document, the shape Saleor clients render.

    Text that already is an EditorJS document (imported from Saleor) passes through.
    """
    if not text or not text.strip():
        return None
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            parsed = json.loads(stripped)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict) and isinstance(parsed.get("blocks"), list):
            return parsed
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", stripped) if p.strip()]
    return {
        "blocks": [
            {"type": "paragraph", "data": {"text": html.escape(p).replace("\n", "<br>")}}
            for p in paragraphs
        ]
    }


def description_text(value: Any) -> str:
    """Plain text from a JSONString input: an EditorJS document or a bare string."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("blocks"), list):
        parts: list[str] = []
        for block in value["blocks"]:
            data = block.get("data") or {} if isinstance(block, dict) else {}
            if isinstance(data.get("items"), list):
                items = [html.unescape(strip_tags(str(i))) for i in data["items"]]
                parts.append("\n".join(f"- {i}" for i in items))
            elif data.get("text") is not None:
                txt = re.sub(r"<br\s*/?>", "\n", str(data["text"]))
                parts.append(html.unescape(strip_tags(txt)))
        return "\n\n".join(p for p in parts if p.strip())
    raise api_error(_("A description must be text or an EditorJS document."),
                    ApiErrorCode.INVALID, "description")


# ---------------------------------------------------------------------------------
# How a node is seen: in which channel, in which display language
# ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeView:
    """The channel (and optional display language) a node was fetched for.

    Saleor wraps nodes in a ChannelContext; we tag the model instances, which are
    private to the request, so default attribute resolvers keep working.
    """

    channel: Any = None
    language: str | None = None


_NO_VIEW = NodeView()


def attach(obj: Any, view: NodeView) -> Any:
    if obj is not None:
        obj._api_view = view
    return obj


def attach_all(objs: Sequence[Any], view: NodeView) -> list[Any]:
    return [attach(o, view) for o in objs]


def view_of(obj: Any) -> NodeView:
    return getattr(obj, "_api_view", _NO_VIEW)


# ---------------------------------------------------------------------------------
# Pagination: Relay connections with totalCount (Saleor's *CountableConnection)
# ---------------------------------------------------------------------------------

_CURSOR_PREFIX = "arrayconnection:"


class CountableConnection(relay.Connection):
    class Meta:
        abstract = True

    total_count = graphene.Int(description="Number of items matching the query.")

    @staticmethod
    def resolve_total_count(root: Any, info: graphene.ResolveInfo) -> int:
        return root.count()


def _max_limit() -> int:
    return int(getattr(settings, "GRAPHENE", {}).get("RELAY_CONNECTION_MAX_LIMIT", 100))


def _cursor_offset(cursor: str | None, field: str) -> int | None:
    if cursor is None:
        return None
    raw = unbase64(cursor) if isinstance(cursor, str) else ""
    if raw.startswith(_CURSOR_PREFIX) and raw[len(_CURSOR_PREFIX):].isdigit():
        return int(raw[len(_CURSOR_PREFIX):])
    raise api_error(_("Invalid cursor: %(c)s.") % {"c": cursor}, ApiErrorCode.INVALID, field)


def paginate(
    items: QuerySet[Any] | Sequence[Any],
    connection_type: type[CountableConnection],
    *,
    first: int | None = None,
    last: int | None = None,
    after: str | None = None,
    before: str | None = None,
    view: NodeView | None = None,
    require_limit: bool = True,
    count: Callable[[], int] | None = None,
) -> CountableConnection:
    """One page of ``items`` (a QuerySet is sliced in SQL) as a Relay connection.

    Like Saleor, ``first`` or ``last`` is required and capped (RELAY_CONNECTION_MAX_LIMIT);
    cursors are opaque offsets. ``totalCount`` runs its COUNT query only when asked for.
    """
    limit = _max_limit()
    for name, value in (("first", first), ("last", last)):
        if value is not None and value < 0:
            raise api_error(_("“%(arg)s” cannot be negative.") % {"arg": name},
                            ApiErrorCode.INVALID, name)
        if value is not None and value > limit:
            raise api_error(
                _("Requesting %(n)d records exceeds the limit of %(max)d records per page.")
                % {"n": value, "max": limit},
                ApiErrorCode.INVALID, name,
            )
    if require_limit and first is None and last is None:
        raise api_error(_("You must provide a “first” or “last” value to paginate."),
                        ApiErrorCode.REQUIRED, "first")
    if first is None and last is None:
        first = limit

    total: list[int] = []

    def total_count() -> int:
        if not total:
            if count is not None:
                total.append(count())
            elif isinstance(items, QuerySet):
                total.append(items.count())
            else:
                total.append(len(items))
        return total[0]

    after_offset = _cursor_offset(after, "after")
    before_offset = _cursor_offset(before, "before")
    start = after_offset + 1 if after_offset is not None else 0
    end: int | None = before_offset
    if first is not None:
        end = start + first if end is None else min(end, start + first)
    if last is not None:
        if end is None:
            end = total_count()
        start = max(start, end - last)
    end = max(end if end is not None else start, start)

    # Fetch one row more than the page to learn whether a next page exists.
    rows = list(items[start:end + 1])
    page = rows[: end - start]
    has_next = len(rows) > len(page)
    if view is not None:
        attach_all(page, view)

    edge_type = connection_type.Edge
    edges = [edge_type(node=node, cursor=base64(f"{_CURSOR_PREFIX}{start + i}"))
             for i, node in enumerate(page)]
    conn = connection_type(
        edges=edges,
        page_info=relay.PageInfo(
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
            has_previous_page=start > 0,
            has_next_page=has_next,
        ),
    )
    conn.count = total_count  # type: ignore[attr-defined]
    return conn


def connection_args() -> dict[str, Any]:
    return {
        "before": graphene.String(),
        "after": graphene.String(),
        "first": graphene.Int(),
        "last": graphene.Int(),
    }
