"""Staff mutations: translations and stock corrections, with Saleor-style payload errors."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from graphql_relay import to_global_id

from commerce.catalog.models import ProductTranslation
from commerce.inventory.models import MovementReason, Stock, StockMovement

from .data import error_codes, gql, make_staff, ok

PRODUCT_TRANSLATE = """
mutation($id: ID!, $lang: LanguageCodeEnum!, $input: TranslationInput!) {
  productTranslate(id: $id, languageCode: $lang, input: $input) {
    errors { field message code }
    product { name translation(languageCode: $lang) { name slug description seoTitle } }
  }
}"""

STOCKS_UPDATE = """
mutation($variantId: ID, $sku: String, $stocks: [StockInput!]!) {
  productVariantStocksUpdate(variantId: $variantId, sku: $sku, stocks: $stocks) {
    errors { field message code index }
    productVariant { sku stocks { warehouse { slug } quantity } }
  }
}"""

STOCK_ADJUST = """
mutation($input: StockAdjustInput!) {
  stockAdjust(input: $input) {
    errors { field message code }
    stock { quantity quantityAvailable warehouse { slug } productVariant { sku } }
  }
}"""


def gid(type_name: str, obj) -> str:
    return to_global_id(type_name, obj.pk)


@pytest.mark.django_db
class TestProductTranslate:
    def test_staff_adds_a_french_translation(self, staff_client, catalog):
        editorjs = json.dumps({"blocks": [{"type": "paragraph",
                                           "data": {"text": "Coton <b>doux</b>."}}]})
        data = ok(staff_client, PRODUCT_TRANSLATE, {
            "id": gid("Product", catalog.products["tee"]), "lang": "FR",
            "input": {"name": "T-shirt classique", "description": editorjs},
        })["productTranslate"]
        assert data["errors"] == []
        tr = data["product"]["translation"]
        assert tr["name"] == "T-shirt classique"
        assert tr["slug"] == "t-shirt-classique"
        assert json.loads(tr["description"])["blocks"][0]["data"]["text"] == "Coton doux."
        assert ProductTranslation.objects.get(product=catalog.products["tee"],
                                              language_code="fr").description == "Coton doux."

    def test_partial_update_keeps_other_fields(self, staff_client, catalog):
        data = ok(staff_client, PRODUCT_TRANSLATE, {
            "id": gid("Product", catalog.products["tee"]), "lang": "DE",
            "input": {"seoTitle": "Neu"},
        })["productTranslate"]
        assert data["errors"] == []
        assert data["product"]["translation"]["name"] == "Klassisches T-Shirt"
        assert data["product"]["translation"]["seoTitle"] == "Neu"

    def test_slug_clash_in_the_same_language(self, staff_client, catalog):
        data = ok(staff_client, PRODUCT_TRANSLATE, {
            "id": gid("Product", catalog.products["hoodie"]), "lang": "DE",
            "input": {"name": "Kapuzenpulli", "slug": "klassisches-t-shirt"},
        })["productTranslate"]
        assert data["product"] is None
        assert data["errors"][0]["code"] == "UNIQUE"
        assert data["errors"][0]["field"] == "slug"
        assert "klassisches-t-shirt" in data["errors"][0]["message"]
        assert not ProductTranslation.objects.filter(product=catalog.products["hoodie"]).exists()

    def test_language_the_shop_does_not_offer(self, staff_client, catalog):
        data = ok(staff_client, PRODUCT_TRANSLATE, {
            "id": gid("Product", catalog.products["tee"]), "lang": "PL",
            "input": {"name": "Koszulka"},
        })["productTranslate"]
        assert [(e["field"], e["code"]) for e in data["errors"]] == [
            ("languageCode", "INVALID_LANGUAGE")]

    def test_missing_name_and_unknown_product(self, staff_client, catalog):
        data = ok(staff_client, PRODUCT_TRANSLATE, {
            "id": gid("Product", catalog.products["hoodie"]), "lang": "FR", "input": {},
        })["productTranslate"]
        assert [(e["field"], e["code"]) for e in data["errors"]] == [("name", "REQUIRED")]
        data = ok(staff_client, PRODUCT_TRANSLATE, {
            "id": to_global_id("Product", 999999), "lang": "FR", "input": {"name": "x"},
        })["productTranslate"]
        assert [(e["field"], e["code"]) for e in data["errors"]] == [("id", "NOT_FOUND")]
        data = ok(staff_client, PRODUCT_TRANSLATE, {
            "id": "garbage", "lang": "FR", "input": {"name": "x"}})["productTranslate"]
        assert [(e["field"], e["code"]) for e in data["errors"]] == [("id", "INVALID")]

    def test_shoppers_cannot_translate(self, client, catalog):
        status, payload = gql(client, PRODUCT_TRANSLATE, {
            "id": gid("Product", catalog.products["tee"]), "lang": "FR",
            "input": {"name": "Pirate"},
        })
        assert status == 200
        assert error_codes(payload) == ["PERMISSION_DENIED"]
        assert not ProductTranslation.objects.filter(language_code="fr").exists()

    def test_category_translate(self, staff_client, catalog):
        query = """mutation($id: ID!) { categoryTranslate(id: $id, languageCode: FR,
            input: {name: "Vêtements"}) { errors { code } category {
            translation(languageCode: FR) { name slug } } } }"""
        data = ok(staff_client, query, {"id": gid("Category", catalog.categories["apparel"])})
        assert data["categoryTranslate"]["category"]["translation"] == {
            "name": "Vêtements", "slug": "vêtements"}


@pytest.mark.django_db
class TestStocks:
    def test_stocktake_sets_quantities_and_writes_the_ledger(self, staff_client, catalog):
        variant = catalog.variants["tee-s"]
        data = ok(staff_client, STOCKS_UPDATE, {
            "variantId": gid("ProductVariant", variant),
            "stocks": [{"warehouse": gid("Warehouse", catalog.warehouses["berlin"]), "quantity": 9},
                       {"warehouse": gid("Warehouse", catalog.warehouses["paris"]), "quantity": 4}],
        })["productVariantStocksUpdate"]
        assert data["errors"] == []
        quantities = {s["warehouse"]["slug"]: s["quantity"]
                      for s in data["productVariant"]["stocks"]}
        assert quantities["store-berlin"] == 9 and quantities["store-paris"] == 4
        moves = StockMovement.objects.filter(stock__variant=variant,
                                             reason=MovementReason.STOCKTAKE)
        assert sorted(m.quantity_delta for m in moves) == [4, 7]
        assert {m.user.email for m in moves} == {"staff@example.com"}

    def test_one_bad_line_writes_nothing(self, staff_client, catalog):
        variant = catalog.variants["tee-s"]
        before = dict(Stock.objects.filter(variant=variant).values_list("warehouse__slug",
                                                                        "quantity"))
        data = ok(staff_client, STOCKS_UPDATE, {
            "sku": "TEE-S",
            "stocks": [{"warehouse": gid("Warehouse", catalog.warehouses["berlin"]), "quantity": 9},
                       {"warehouse": gid("Warehouse", catalog.warehouses["cn"]), "quantity": -3}],
        })["productVariantStocksUpdate"]
        assert data["productVariant"] is None
        assert [(e["field"], e["code"], e["index"]) for e in data["errors"]] == [
            ("quantity", "NEGATIVE_STOCK", 1)]
        after = dict(Stock.objects.filter(variant=variant).values_list("warehouse__slug",
                                                                       "quantity"))
        assert after == before

    def test_input_problems_are_reported_per_line(self, staff_client, catalog):
        berlin = gid("Warehouse", catalog.warehouses["berlin"])
        data = ok(staff_client, STOCKS_UPDATE, {
            "sku": "TEE-S",
            "stocks": [{"warehouse": berlin, "quantity": 1},
                       {"warehouse": berlin, "quantity": 2},
                       {"warehouse": to_global_id("Warehouse", 999999), "quantity": 1},
                       {"warehouse": gid("Product", catalog.products["tee"]), "quantity": 1}],
        })["productVariantStocksUpdate"]
        assert [(e["code"], e["index"]) for e in data["errors"]] == [
            ("DUPLICATED_INPUT_ITEM", 1), ("INVALID", 3), ("NOT_FOUND", 2)]
        unknown = ok(staff_client, STOCKS_UPDATE, {"sku": "NOPE", "stocks": []})
        assert unknown["productVariantStocksUpdate"]["errors"][0]["code"] == "NOT_FOUND"

    def test_stock_adjust_adds_received_goods(self, staff_client, catalog):
        data = ok(staff_client, STOCK_ADJUST, {"input": {
            "sku": "TEE-M", "warehouse": gid("Warehouse", catalog.warehouses["cn"]),
            "delta": 5, "reason": "RECEIPT", "note": "PO-1001"}})["stockAdjust"]
        assert data["errors"] == []
        assert data["stock"]["quantity"] == 15
        assert data["stock"]["quantityAvailable"] == 10  # 4 allocated and 1 reserved stay held
        move = StockMovement.objects.get(note="PO-1001")
        assert (move.reason, move.quantity_delta) == (MovementReason.RECEIPT, 5)

    def test_stock_adjust_refuses_negative_stock_and_zero(self, staff_client, catalog):
        cn = gid("Warehouse", catalog.warehouses["cn"])
        data = ok(staff_client, STOCK_ADJUST, {"input": {"sku": "TEE-S", "warehouse": cn,
                                                         "delta": -6}})["stockAdjust"]
        assert [(e["field"], e["code"]) for e in data["errors"]] == [("quantity",
                                                                      "NEGATIVE_STOCK")]
        assert Stock.objects.get(variant=catalog.variants["tee-s"],
                                 warehouse=catalog.warehouses["cn"]).quantity == 5
        zero = ok(staff_client, STOCK_ADJUST, {"input": {"sku": "TEE-S", "warehouse": cn,
                                                         "delta": 0}})["stockAdjust"]
        assert [e["code"] for e in zero["errors"]] == ["INVALID_QUANTITY"]

    def test_stock_changes_need_permission(self, client, catalog):
        client.force_login(make_staff(perms=["inventory.view_stock"], email="viewer@example.com"))
        status, payload = gql(client, STOCK_ADJUST, {"input": {
            "sku": "TEE-S", "warehouse": gid("Warehouse", catalog.warehouses["cn"]), "delta": 1}})
        assert status == 200
        assert error_codes(payload) == ["PERMISSION_DENIED"]
        assert payload["data"] == {"stockAdjust": None}

    def test_session_mutation_must_be_json_or_carry_csrf_token(self, catalog):
        client = Client(enforce_csrf_checks=True)
        client.force_login(make_staff())
        warehouse = gid("Warehouse", catalog.warehouses["cn"])
        query = ('mutation { stockAdjust(input: {sku: "TEE-S", warehouse: "' + warehouse
                 + '", delta: 1}) { errors { code } } }')
        response = client.post("/graphql/", {"query": query})  # a cross-site form would do this
        assert response.status_code == 403
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
        assert not StockMovement.objects.filter(reference="graphql:stockAdjust").exists()
        response = client.post("/graphql/", json.dumps({"query": query}),
                               content_type="application/json")
        assert response.status_code == 200
        assert response.json()["data"]["stockAdjust"]["errors"] == []
