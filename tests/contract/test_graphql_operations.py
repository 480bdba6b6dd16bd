"""The storefront's GraphQL operations: valid for Omniport and for Saleor 3, and they work.

Every ``.graphql`` document under ``commerce/api/operations/`` is an operation the
project promises to serve. Each must validate against our schema (live and as
printed SDL) and against Saleor's published SDL, so a Saleor storefront client can
talk to Omniport unchanged. Each is then run against a seeded catalogue and the
answer is checked for what a shopper (or staff member) would notice.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import graphql
import pytest
from django.test import Client
from graphql_relay import to_global_id

from commerce.api.schema import schema
from commerce.api.tests.data import Catalog, error_codes, gql, make_staff
from commerce.inventory.models import Stock
from tests.shared import require_shared

OPERATIONS_DIR = Path(__file__).resolve().parents[2] / "commerce" / "api" / "operations"
OPERATIONS = sorted(OPERATIONS_DIR.rglob("*.graphql"))


def op_id(path: Path) -> str:
    return str(path.relative_to(OPERATIONS_DIR).with_suffix(""))


def document(name: str) -> str:
    return (OPERATIONS_DIR / f"{name}.graphql").read_text()


@pytest.fixture(scope="module")
def saleor_schema() -> graphql.GraphQLSchema:
    sdl = require_shared("reference", "saleor", "schema.graphql").read_text()
    built = graphql.build_schema(sdl)
    assert not graphql.validate_schema(built)
    return built


@pytest.fixture(scope="module")
def printed_schema() -> graphql.GraphQLSchema:
    return graphql.build_schema(str(schema))


def test_operations_exist():
    assert len(OPERATIONS) >= 10, OPERATIONS_DIR


def test_our_schema_is_valid():
    assert graphql.validate_schema(schema.graphql_schema) == []


@pytest.mark.parametrize("path", OPERATIONS, ids=op_id)
def test_operation_validates_against_our_schema(path, printed_schema):
    doc = graphql.parse(path.read_text())
    assert [e.message for e in graphql.validate(schema.graphql_schema, doc)] == []
    assert [e.message for e in graphql.validate(printed_schema, doc)] == []


@pytest.mark.parametrize("path", OPERATIONS, ids=op_id)
def test_operation_validates_against_saleor(path, saleor_schema):
    doc = graphql.parse(path.read_text())
    assert [e.message for e in graphql.validate(saleor_schema, doc)] == []


# ---------------------------------------------------------------------------------
# Running each operation against the API
# ---------------------------------------------------------------------------------

Scenario = Callable[[Client, Catalog], None]
SCENARIOS: dict[str, Scenario] = {}


def scenario(name: str) -> Callable[[Scenario], Scenario]:
    def register(fn: Scenario) -> Scenario:
        SCENARIOS[name] = fn
        return fn
    return register


def run(client: Client, name: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    status, payload = gql(client, document(name), variables)
    assert status == 200, payload
    assert "errors" not in payload, payload["errors"]
    return payload["data"]


def staff() -> Client:
    client = Client()
    client.force_login(make_staff(email="contract-staff@example.com"))
    return client


def gid(type_name: str, obj: Any) -> str:
    return to_global_id(type_name, obj.pk)


@scenario("Channels")
def _channels(client: Client, c: Catalog) -> None:
    channels = run(client, "Channels")["channels"]
    assert [(ch["slug"], ch["currencyCode"]) for ch in channels] == [
        ("eu", "EUR"), ("jp", "JPY"), ("us", "USD")]
    assert channels[1]["defaultCountry"] == {"code": "JP", "country": "Japan"}


@scenario("Channel")
def _channel(client: Client, c: Catalog) -> None:
    eu = run(client, "Channel", {"slug": "eu"})["channel"]
    assert eu["name"] == "Europe"
    assert eu["stockSettings"]["allocationStrategy"] == "PRIORITIZE_HIGH_STOCK"
    assert [(w["name"], w["clickAndCollectOption"]) for w in eu["warehouses"]] == [
        ("Berlin Mitte store", "LOCAL"), ("Paris Marais store", "LOCAL")]


@scenario("ProductList")
def _product_list(client: Client, c: Catalog) -> None:
    page = run(client, "ProductList", {"channel": "jp", "first": 1, "languageCode": "JA",
                                       "sortBy": {"field": "PRICE", "direction": "ASC"}})
    products = page["products"]
    assert products["totalCount"] == 2
    assert products["pageInfo"]["hasNextPage"] is True
    tee = products["edges"][0]["node"]
    assert tee["translation"]["name"] == "クラシックTシャツ"
    assert tee["name"] == "Classic Tee"
    assert tee["pricing"]["priceRange"]["start"]["gross"] == {"amount": 2480.0, "currency": "JPY"}
    assert tee["pricing"]["priceRange"]["stop"]["gross"] == {"amount": 2680.0, "currency": "JPY"}
    assert tee["thumbnail"]["url"] == "https://cdn.example.com/tee.jpg"
    assert (tee["isAvailable"], tee["isAvailableForPurchase"]) == (True, True)
    rest = run(client, "ProductList", {
        "channel": "jp", "first": 10, "languageCode": "JA",
        "after": products["pageInfo"]["endCursor"],
        "sortBy": {"field": "PRICE", "direction": "ASC"}})["products"]
    hoodie = rest["edges"][0]["node"]
    assert (hoodie["name"], hoodie["isAvailable"]) == ("Organic Hoodie", False)  # sold out
    assert rest["pageInfo"]["hasNextPage"] is False

    searched = run(client, "ProductList", {"channel": "us", "first": 10, "languageCode": "EN",
                                           "search": "tee"})["products"]
    assert [e["node"]["slug"] for e in searched["edges"]] == ["classic-tee"]
    in_tees = run(client, "ProductList", {
        "channel": "us", "first": 10, "languageCode": "EN",
        "filter": {"categories": [gid("Category", c.categories["tees"])]}})["products"]
    assert [e["node"]["name"] for e in in_tees["edges"]] == ["Classic Tee", "Organic Hoodie"]


@scenario("ProductDetails")
def _product_details(client: Client, c: Catalog) -> None:
    product = run(client, "ProductDetails", {"slug": "classic-tee", "channel": "eu",
                                             "languageCode": "DE", "countryCode": "FR"})["product"]
    assert product["translation"]["name"] == "Klassisches T-Shirt"
    assert product["translation"]["language"] == {"code": "DE", "language": "German"}
    assert json.loads(product["description"])["blocks"][0]["data"]["text"] == "Soft cotton."
    assert product["category"]["parent"]["slug"] == "apparel"
    assert product["metadata"] == [{"key": "fabric", "value": "cotton"}]
    assert product["pricing"]["priceRangePrior"]["start"]["gross"]["amount"] == 23.8
    variants = {v["sku"]: v for v in product["variants"]}
    assert [(sku, v["quantityAvailable"], v["quantityAvailableInCountry"])
            for sku, v in variants.items()] == [("TEE-S", 7, 7), ("TEE-M", 6, 6), ("TEE-XL", 0, 0)]
    price = variants["TEE-S"]["pricing"]["price"]
    assert price["gross"] == {"amount": 17.85, "currency": "EUR", "fractionDigits": 2}
    assert price["net"] == {"amount": 15.0, "currency": "EUR"}
    assert price["tax"] == {"amount": 2.85, "currency": "EUR"}
    assert variants["TEE-M"]["translation"] == {"name": "Mittel"}
    assert product["defaultVariant"]["id"] == gid("ProductVariant", c.variants["tee-s"])
    in_japan = run(client, "ProductDetails", {"slug": "classic-tee", "channel": "eu",
                                              "languageCode": "DE", "countryCode": "JP"})
    assert in_japan["product"]["variants"][0]["quantityAvailableInCountry"] == 0


@scenario("ProductByTranslatedSlug")
def _product_by_translated_slug(client: Client, c: Catalog) -> None:
    product = run(client, "ProductByTranslatedSlug", {
        "slug": "klassisches-t-shirt", "slugLanguageCode": "DE", "channel": "eu"})["product"]
    assert product["id"] == gid("Product", c.products["tee"])
    assert product["translation"]["seoTitle"] == "Klassisches T-Shirt | Omniport"
    missing = run(client, "ProductByTranslatedSlug", {
        "slug": "klassisches-t-shirt", "slugLanguageCode": "FR", "channel": "eu"})
    assert missing["product"] is None


@scenario("VariantAvailability")
def _variant_availability(client: Client, c: Catalog) -> None:
    variant = run(client, "VariantAvailability", {"sku": "TEE-S", "channel": "us"})[
        "productVariant"]
    assert variant["quantityAvailable"] == 8
    assert variant["pricing"]["price"]["gross"] == {"amount": 19.99, "currency": "USD"}
    assert variant["product"]["name"] == "Classic Tee"
    abroad = run(client, "VariantAvailability", {"sku": "TEE-S", "channel": "us",
                                                 "countryCode": "DE"})
    assert abroad["productVariant"]["quantityAvailable"] == 0
    assert run(client, "VariantAvailability", {"sku": "TEE-XL", "channel": "us"}) == {
        "productVariant": None}


@scenario("CartVariants")
def _cart_variants(client: Client, c: Catalog) -> None:
    ids = [gid("ProductVariant", c.variants[k]) for k in ("tee-m", "hoodie")]
    data = run(client, "CartVariants", {"ids": ids, "channel": "eu", "first": 10})[
        "productVariants"]
    assert data["totalCount"] == 2
    assert [(e["node"]["sku"], e["node"]["quantityAvailable"],
             e["node"]["pricing"]["price"]["gross"]["amount"]) for e in data["edges"]] == [
        ("HOOD-M", 0, 55.0), ("TEE-M", 6, 19.99)]


@scenario("Categories")
def _categories(client: Client, c: Catalog) -> None:
    data = run(client, "Categories", {"first": 10, "level": 0, "languageCode": "DE"})
    nodes = [e["node"] for e in data["categories"]["edges"]]
    assert [(n["name"], n["level"]) for n in nodes] == [("Apparel", 0), ("Home", 0)]
    assert nodes[0]["translation"] == {"name": "Bekleidung", "slug": "bekleidung"}
    child = nodes[0]["children"]["edges"][0]["node"]
    assert child["translation"] == {"name": "T-Shirts"}


@scenario("CategoryPage")
def _category_page(client: Client, c: Catalog) -> None:
    category = run(client, "CategoryPage", {
        "slug": "t-shirts", "channel": "us", "first": 10, "languageCode": "DE",
        "sortBy": {"field": "PRICE", "direction": "DESC"}})["category"]
    assert category["translation"]["name"] == "T-Shirts"
    assert [e["node"]["slug"] for e in category["ancestors"]["edges"]] == ["apparel"]
    assert [e["node"]["slug"] for e in category["children"]["edges"]] == ["organic"]
    products = category["products"]
    assert products["totalCount"] == 2
    assert [(e["node"]["name"], e["node"]["pricing"]["priceRange"]["start"]["gross"]["amount"])
            for e in products["edges"]] == [("Organic Hoodie", 59.0), ("Classic Tee", 19.99)]
    assert products["edges"][1]["node"]["translation"]["name"] == "Klassisches T-Shirt"


@scenario("PickupPoints")
def _pickup_points(client: Client, c: Catalog) -> None:
    data = run(client, "PickupPoints", {"first": 10})["warehouses"]
    assert data["totalCount"] == 2
    berlin = data["edges"][0]["node"]
    assert berlin["name"] == "Berlin Mitte store"
    assert berlin["email"] == "berlin@example.com"
    assert berlin["address"]["streetAddress1"] == "Rosenthaler Straße 40"
    assert berlin["address"]["country"] == {"code": "DE", "country": "Germany"}


@scenario("Warehouse")
def _warehouse(client: Client, c: Catalog) -> None:
    paris = run(client, "Warehouse", {"id": gid("Warehouse", c.warehouses["paris"])})["warehouse"]
    assert paris["address"] == {"streetAddress1": "12 Rue des Francs-Bourgeois",
                                "city": "Paris", "postalCode": "75003",
                                "country": {"code": "FR"}}
    assert run(client, "Warehouse", {"id": gid("Warehouse", c.warehouses["cn"])}) == {
        "warehouse": None}  # the central warehouse is private


@scenario("staff/VariantStocks")
def _variant_stocks(client: Client, c: Catalog) -> None:
    status, payload = gql(client, document("staff/VariantStocks"), {"sku": "TEE-M", "channel": "eu"})
    assert payload["data"]["productVariant"]["quantityAvailable"] == 6
    assert error_codes(payload) == ["PERMISSION_DENIED"]
    variant = run(staff(), "staff/VariantStocks", {"sku": "TEE-M", "channel": "eu"})[
        "productVariant"]
    assert variant["quantityAvailable"] == 6
    assert sorted((s["warehouse"]["slug"], s["quantity"], s["quantityAllocated"],
                   s["quantityReserved"]) for s in variant["stocks"]) == [
        ("cn-central", 10, 4, 1), ("store-paris", 1, 0, 0)]


@scenario("staff/ProductTranslate")
def _product_translate(client: Client, c: Catalog) -> None:
    data = run(staff(), "staff/ProductTranslate", {
        "id": gid("Product", c.products["hoodie"]), "languageCode": "FR",
        "input": {"name": "Sweat à capuche bio"}})["productTranslate"]
    assert data["errors"] == []
    assert data["product"]["translation"] == {"name": "Sweat à capuche bio",
                                              "slug": "sweat-à-capuche-bio"}
    clash = run(staff(), "staff/ProductTranslate", {
        "id": gid("Product", c.products["tee"]), "languageCode": "FR",
        "input": {"name": "T-shirt", "slug": "sweat-à-capuche-bio"}})["productTranslate"]
    assert [(e["field"], e["code"]) for e in clash["errors"]] == [("slug", "UNIQUE")]


@scenario("staff/CategoryTranslate")
def _category_translate(client: Client, c: Catalog) -> None:
    data = run(staff(), "staff/CategoryTranslate", {
        "id": gid("Category", c.categories["home"]), "languageCode": "JA",
        "input": {"name": "ホーム", "slug": "home-ja"}})["categoryTranslate"]
    assert data["errors"] == []
    assert data["category"]["translation"] == {"name": "ホーム", "slug": "home-ja"}


@scenario("staff/ProductVariantStocksUpdate")
def _stocks_update(client: Client, c: Catalog) -> None:
    variant = c.variants["towel"]
    paris = c.warehouses["paris"]
    data = run(staff(), "staff/ProductVariantStocksUpdate", {
        "variantId": gid("ProductVariant", variant),
        "stocks": [{"warehouse": gid("Warehouse", paris), "quantity": 11}]})[
        "productVariantStocksUpdate"]
    assert data["errors"] == []
    assert Stock.objects.get(variant=variant, warehouse=paris).quantity == 11
    bad = run(staff(), "staff/ProductVariantStocksUpdate", {
        "variantId": gid("ProductVariant", variant),
        "stocks": [{"warehouse": gid("Warehouse", paris), "quantity": -1}]})[
        "productVariantStocksUpdate"]
    assert [(e["code"], e["index"]) for e in bad["errors"]] == [("NEGATIVE_STOCK", 0)]
    assert Stock.objects.get(variant=variant, warehouse=paris).quantity == 11


def test_every_operation_has_a_scenario():
    assert sorted(SCENARIOS) == sorted(op_id(p) for p in OPERATIONS)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_operation_runs_against_the_api(name, client, catalog):
    SCENARIOS[name](client, catalog)
