"""Bad input to /graphql/ gets a clear error with ``extensions.code``, never a 500."""

from __future__ import annotations

import base64

import pytest
from graphql_relay import to_global_id

from .data import error_codes, gql


def single_error(payload: dict) -> dict:
    assert len(payload["errors"]) == 1, payload
    return payload["errors"][0]


@pytest.mark.django_db
class TestQueryErrors:
    def test_unknown_channel(self, client, catalog):
        status, payload = gql(client, 'query { products(channel: "mars", first: 5) { totalCount } }')
        assert status == 200
        error = single_error(payload)
        assert error["message"] == "Channel with slug “mars” does not exist."
        assert error["extensions"] == {"code": "NOT_FOUND", "field": "channel"}
        assert payload["data"] == {"products": None}

    @pytest.mark.parametrize("slug", ["amazon-us", "uk-old"])
    def test_marketplace_and_inactive_channels_are_not_for_shoppers(self, client, catalog, slug):
        status, payload = gql(client, "query($c: String) { products(channel: $c, first: 5) "
                                      "{ totalCount } }", {"c": slug})
        assert status == 200
        assert error_codes(payload) == ["NOT_FOUND"]

    def test_channel_required_when_several_exist(self, client, catalog):
        status, payload = gql(client, "query { products(first: 5) { totalCount } }")
        assert status == 200
        assert single_error(payload)["extensions"] == {"code": "REQUIRED", "field": "channel"}

    def test_bad_sort_field_literal(self, client, catalog):
        status, payload = gql(client, 'query { products(channel: "us", first: 5, '
                                      'sortBy: {field: CHEAPEST, direction: ASC}) { totalCount } }')
        assert status == 400
        error = single_error(payload)
        assert "CHEAPEST" in error["message"] and "ProductOrderField" in error["message"]
        assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"

    def test_bad_sort_field_variable(self, client, catalog):
        status, payload = gql(
            client,
            "query($s: ProductOrder) { products(channel: \"us\", first: 5, sortBy: $s) "
            "{ totalCount } }",
            {"s": {"field": "CHEAPEST", "direction": "ASC"}},
        )
        assert status == 400
        error = single_error(payload)
        assert "CHEAPEST" in error["message"]
        assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"

    @pytest.mark.parametrize(
        "sort, code, field",
        [
            ({"field": "RANK", "direction": "DESC"}, "INVALID", "sortBy.field"),
            ({"field": "COLLECTION", "direction": "ASC"}, "INVALID", "sortBy.field"),
            ({"field": "NAME", "direction": "ASC", "attributeId": "QXR0cmlidXRlOjE="},
             "INVALID", "sortBy.attributeId"),
        ],
    )
    def test_unsupported_sort_combinations(self, client, catalog, sort, code, field):
        status, payload = gql(client, "query($s: ProductOrder) { products(channel: \"us\", "
                                      "first: 5, sortBy: $s) { totalCount } }", {"s": sort})
        assert status == 200
        assert single_error(payload)["extensions"] == {"code": code, "field": field}

    def test_price_sort_needs_a_channel(self, staff_client, catalog):
        status, payload = gql(staff_client, "query { products(first: 5, sortBy: "
                                            "{field: PRICE, direction: ASC}) { totalCount } }")
        assert status == 200
        assert single_error(payload)["extensions"] == {"code": "REQUIRED",
                                                        "field": "sortBy.channel"}

    @pytest.mark.parametrize(
        "product_id, message",
        [
            ("not-an-id", "Couldn't resolve id: not-an-id."),
            (base64.b64encode(b"Product:abc").decode(), None),
            (to_global_id("Category", 1), "Must receive a Product id (got a Category id)."),
        ],
    )
    def test_bad_ids(self, client, catalog, product_id, message):
        status, payload = gql(client, 'query($id: ID) { product(id: $id, channel: "us") '
                                      "{ name } }", {"id": product_id})
        assert status == 200
        error = single_error(payload)
        assert error["extensions"] == {"code": "INVALID_ID", "field": "id"}
        if message:
            assert error["message"] == message

    def test_bad_id_in_filter(self, client, catalog):
        status, payload = gql(client, 'query { products(channel: "us", first: 5, '
                                      'filter: {categories: ["nope"]}) { totalCount } }')
        assert status == 200
        assert single_error(payload)["extensions"] == {"code": "INVALID_ID",
                                                        "field": "filter.categories"}

    @pytest.mark.parametrize(
        "args, code, field",
        [
            ("", "REQUIRED", "first"),
            ("first: 101", "INVALID", "first"),
            ("first: -1", "INVALID", "first"),
            ('first: 5, after: "garbage"', "INVALID", "after"),
        ],
    )
    def test_bad_pagination(self, client, catalog, args, code, field):
        query = 'query { products(channel: "us"' + (", " + args if args else "") + \
            ") { totalCount } }"
        status, payload = gql(client, query)
        assert status == 200
        assert single_error(payload)["extensions"] == {"code": code, "field": field}

    def test_wrong_variable_type(self, client, catalog):
        status, payload = gql(client, "query($n: Int) { products(channel: \"us\", first: $n) "
                                      "{ totalCount } }", {"n": "twenty"})
        assert status == 400
        assert error_codes(payload) == ["GRAPHQL_VALIDATION_FAILED"]

    def test_unknown_field(self, client, catalog):
        status, payload = gql(client, "query { products(channel: \"us\", first: 1) "
                                      "{ edges { node { price } } } }")
        assert status == 400
        assert error_codes(payload) == ["GRAPHQL_VALIDATION_FAILED"]

    def test_syntax_error(self, client, catalog):
        status, payload = gql(client, "query { products(")
        assert status == 400
        assert error_codes(payload) == ["GRAPHQL_PARSE_FAILED"]

    def test_invalid_json_body(self, client, catalog):
        response = client.post("/graphql/", data="{not json", content_type="application/json")
        assert response.status_code == 400
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"

    def test_language_the_shop_does_not_offer(self, client, catalog):
        status, payload = gql(client, 'query { products(channel: "us", first: 5, '
                                      "languageCode: PL) { totalCount } }")
        assert status == 200
        error = single_error(payload)
        assert error["extensions"] == {"code": "INVALID", "field": "languageCode"}
        assert "PL" in error["message"]

    def test_too_deep_query_is_refused(self, client, catalog):
        nested = "parent { " * 16 + "id" + " }" * 16
        status, payload = gql(client, 'query { category(slug: "organic") { ' + nested + " } }")
        assert status == 400
        assert error_codes(payload) == ["GRAPHQL_VALIDATION_FAILED"]

    def test_get_cannot_mutate(self, client, catalog):
        response = client.get("/graphql/", {"query": "mutation { stockAdjust(input: "
                              '{sku: "TEE-S", warehouse: "x", delta: 1}) { errors { code } } }'},
                              HTTP_ACCEPT="application/json")
        assert response.status_code == 405
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_an_unexpected_failure_is_an_internal_error_without_details(client, catalog,
                                                                    monkeypatch):
    from commerce.api.catalog import queries as api_catalog

    def boom(*args, **kwargs):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(api_catalog, "products_connection", boom)
    monkeypatch.setattr("django.conf.settings.DEBUG", False)
    status, payload = gql(client, 'query { products(channel: "us", first: 1) { totalCount } }')
    assert status == 200
    error = single_error(payload)
    assert error["message"] == "Internal server error."
    assert error["extensions"]["code"] == "INTERNAL_ERROR"
    assert "hunter2" not in str(payload)
