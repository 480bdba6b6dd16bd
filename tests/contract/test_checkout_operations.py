"""The checkout operations a headless client sends are valid against our schema AND
Saleor's SDL (read from <repo>/../shared; never copied into the repo)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import pytest
from graphql import build_schema, parse, validate

REPO = Path(__file__).resolve().parents[2]
OPERATIONS = sorted((Path(__file__).parent / "operations" / "checkout").glob("*.graphql"))


def shared_dir() -> Path:
    return Path(os.environ.get("OMNIPORT_SHARED_DIR", REPO.parent / "shared"))


@lru_cache(maxsize=1)
def saleor_schema():  # noqa: ANN201
    sdl = shared_dir() / "reference" / "saleor" / "schema.graphql"
    if not sdl.exists():
        if os.environ.get("CI"):
            pytest.fail(f"Saleor SDL missing at {sdl} (CI must have shared/ beside the repo)")
        pytest.skip(f"Saleor SDL not found at {sdl}")
    return build_schema(sdl.read_text(), assume_valid_sdl=True)


def test_every_checkout_mutation_of_the_issue_has_a_document():
    names = {p.stem for p in OPERATIONS}
    assert {"checkoutCreate", "checkoutLinesAdd", "checkoutLinesUpdate",
            "checkoutShippingAddressUpdate", "checkoutDeliveryMethodUpdate",
            "checkoutComplete"} <= names


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.stem)
def test_operation_is_valid_against_our_schema(path: Path):
    from commerce.api.schema import schema

    errors = validate(schema.graphql_schema, parse(path.read_text()))
    assert not errors, [e.message for e in errors]


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.stem)
def test_operation_is_valid_against_saleor(path: Path):
    errors = validate(saleor_schema(), parse(path.read_text()))
    assert not errors, [e.message for e in errors]


def test_a_field_saleor_does_not_have_is_caught():
    bad = parse("query { checkout(id: \"x\") { id notASaleorField } }")
    assert validate(saleor_schema(), bad)
