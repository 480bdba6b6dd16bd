"""Every type Omniport shares by name with Saleor 3 has Saleor's shape.

A Saleor storefront client must be able to send any document it sends to Saleor,
restricted to the fields we implement. So for each shared type: same kind; each
shared field has the same named type, list shape and nullability; each argument
we accept has Saleor's type; enums offer every Saleor value. Our additions are
listed below on purpose, so a new one is a decision, not an accident.
"""

from __future__ import annotations

from typing import Any

import graphql
import pytest

from commerce.api.schema import schema
from tests.shared import require_shared

# Omniport additions to Saleor types (documented in the schema descriptions)
EXTENSION_FIELDS = {
    ("Channel", "kind"), ("Channel", "defaultLanguage"), ("Channel", "languages"),
    ("Warehouse", "kind"), ("Warehouse", "latitude"), ("Warehouse", "longitude"),
    ("Warehouse", "isActive"), ("Stock", "quantityAvailable"),
    ("VariantPricingInfo", "displayGrossPrices"), ("Mutation", "stockAdjust"),
}
EXTENSION_ARGS = {
    ("Query", "products", "languageCode"), ("Query", "product", "languageCode"),
    ("Category", "products", "languageCode"),
}
EXTENSION_ENUM_VALUES = {
    "ProductErrorCode": {"CURRENCY_MISMATCH", "INSUFFICIENT_STOCK", "INVALID_QUANTITY",
                         "NEGATIVE_STOCK"},
    "StockErrorCode": {"INVALID_QUANTITY", "NEGATIVE_STOCK"},
    "TranslationErrorCode": {"INVALID_LANGUAGE"},
}
KINDS = ("is_object_type", "is_input_object_type", "is_enum_type", "is_scalar_type",
         "is_interface_type", "is_union_type")


def kind(t: Any) -> str:
    return next(k for k in KINDS if getattr(graphql, k)(t))


def shape(t: Any) -> tuple[str, str]:
    wrappers = ""
    while True:
        if graphql.is_non_null_type(t):
            wrappers += "!"
        elif graphql.is_list_type(t):
            wrappers += "[]"
        else:
            return wrappers, t.name
        t = t.of_type


@pytest.fixture(scope="module")
def saleor() -> graphql.GraphQLSchema:
    return graphql.build_schema(require_shared("reference", "saleor", "schema.graphql").read_text())


def shared_types(saleor: graphql.GraphQLSchema) -> list[tuple[str, Any, Any]]:
    ours = schema.graphql_schema
    return [(name, t, saleor.type_map[name]) for name, t in sorted(ours.type_map.items())
            if not name.startswith("__") and name in saleor.type_map]


def test_most_of_our_types_are_saleor_types(saleor):
    ours = {n for n in schema.graphql_schema.type_map if not n.startswith("__")}
    own = ours - set(saleor.type_map)
    assert own == {"ChannelKindEnum", "WarehouseKindEnum", "StockAdjust", "StockAdjustInput",
                   "StockAdjustReasonEnum"}


def test_shared_types_have_saleor_shapes(saleor):
    problems: list[str] = []
    for name, ours, theirs in shared_types(saleor):
        if kind(ours) != kind(theirs):
            problems.append(f"{name}: {kind(ours)} vs {kind(theirs)}")
            continue
        for field_name, field in getattr(ours, "fields", {}).items():
            other = theirs.fields.get(field_name)
            if other is None:
                if (name, field_name) not in EXTENSION_FIELDS:
                    problems.append(f"{name}.{field_name}: not in Saleor")
                continue
            if shape(field.type) != shape(other.type):
                problems.append(f"{name}.{field_name}: {shape(field.type)} vs "
                                f"{shape(other.type)}")
            for arg_name, arg in getattr(field, "args", {}).items():
                other_arg = other.args.get(arg_name)
                if other_arg is None:
                    if (name, field_name, arg_name) not in EXTENSION_ARGS:
                        problems.append(f"{name}.{field_name}({arg_name}): not in Saleor")
                elif shape(arg.type) != shape(other_arg.type):
                    problems.append(f"{name}.{field_name}({arg_name}): {shape(arg.type)} vs "
                                    f"{shape(other_arg.type)}")
        if graphql.is_object_type(ours):
            extra = {i.name for i in ours.interfaces} - {i.name for i in theirs.interfaces}
            if extra:
                problems.append(f"{name}: extra interfaces {sorted(extra)}")
    assert problems == []


def test_enums_accept_every_saleor_value(saleor):
    problems = []
    for name, ours, theirs in shared_types(saleor):
        if not graphql.is_enum_type(ours):
            continue
        missing = set(theirs.values) - set(ours.values)
        if missing:
            problems.append(f"{name} lacks {sorted(missing)[:5]}")
        if name != "LanguageCodeEnum":
            extra = set(ours.values) - set(theirs.values) - EXTENSION_ENUM_VALUES.get(name, set())
            if extra:
                problems.append(f"{name} adds {sorted(extra)}")
    assert problems == []
