"""The checkout operations a headless client sends are valid against our schema AND
Saleor's SDL (read from <repo>/../shared; never copied into the repo)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest
from graphql import build_schema, parse, validate

from tests.contract.documents import OPERATIONS as OPERATIONS_DIR
from tests.contract.documents import load
from tests.shared import require_shared

OPERATIONS = sorted((OPERATIONS_DIR / "checkout").glob("*.graphql"))


@lru_cache(maxsize=1)
def saleor_schema():  # noqa: ANN201
    sdl = require_shared("reference", "saleor", "schema.graphql")
    return build_schema(sdl.read_text(), assume_valid_sdl=True)


def test_every_checkout_mutation_of_the_issue_has_a_document():
    names = {p.stem for p in OPERATIONS}
    assert {"checkoutCreate", "checkoutLinesAdd", "checkoutLinesUpdate",
            "checkoutShippingAddressUpdate", "checkoutDeliveryMethodUpdate",
            "checkoutComplete"} <= names


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.stem)
def test_operation_is_valid_against_our_schema(path: Path):
    from commerce.api.schema import schema

    errors = validate(schema.graphql_schema, parse(load(path)))
    assert not errors, [e.message for e in errors]


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.stem)
def test_operation_is_valid_against_saleor(path: Path):
    errors = validate(saleor_schema(), parse(load(path)))
    assert not errors, [e.message for e in errors]


def test_a_field_saleor_does_not_have_is_caught():
    bad = parse("query { checkout(id: \"x\") { id notASaleorField } }")
    assert validate(saleor_schema(), bad)
