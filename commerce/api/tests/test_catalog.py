"""Products, variants and categories as shoppers and staff read them through /graphql/."""

from __future__ import annotations

import pytest
from graphql_relay import to_global_id

from .data import error_codes, gql, ok

PRODUCTS = """
query($channel: String, $first: Int = 20, $after: String, $filter: ProductFilterInput,
      $sortBy: ProductOrder, $search: String, $lang: LanguageCodeEnum) {
  products(channel: $channel, first: $first, after: $after, filter: $filter, sortBy: $sortBy,
           search: $search, languageCode: $lang) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { node {
      slug name
      pricing { priceRange { start { gross { amount currency } net { amount } }
                             stop { gross { amount currency } } } }
    } }
  }
}
"""


def slugs(data: dict) -> list[str]:
    return [e["node"]["slug"] for e in data["products"]["edges"]]


@pytest.mark.django_db
class TestProductList:
    def test_shopper_sees_published_listed_products_with_prices_in_channel_currency(
        self, client, catalog
    ):
        data = ok(client, PRODUCTS, {"channel": "us"})
        # Secret (unpublished), gift wrap (hidden from listings), future drop (scheduled)
        # and the towel (not sold in the US) stay out of the list.
        assert slugs(data) == ["classic-tee", "organic-hoodie", "preview-socks"]
        assert data["products"]["totalCount"] == 3
        tee = data["products"]["edges"][0]["node"]
        assert tee["pricing"]["priceRange"]["start"]["gross"] == {"amount": 19.99, "currency": "USD"}
        assert tee["pricing"]["priceRange"]["stop"]["gross"] == {"amount": 21.99, "currency": "USD"}

    def test_yen_prices_have_no_decimals_and_tax_included(self, client, catalog):
        data = ok(client, PRODUCTS, {"channel": "jp", "filter": {"slugs": ["classic-tee"]}})
        start = data["products"]["edges"][0]["node"]["pricing"]["priceRange"]["start"]
        assert start["gross"] == {"amount": 2480.0, "currency": "JPY"}
        assert start["net"]["amount"] == 2255.0  # 2480 / 1.10, rounded to whole yen

    def test_variant_without_price_in_channel_is_hidden(self, client, catalog):
        query = """query { product(slug: "classic-tee", channel: "us") {
            variants { sku } } }"""
        assert [v["sku"] for v in ok(client, query)["product"]["variants"]] == ["TEE-S", "TEE-M"]
        query_eu = query.replace('"us"', '"eu"')
        assert [v["sku"] for v in ok(client, query_eu)["product"]["variants"]] == [
            "TEE-S", "TEE-M", "TEE-XL"]

    def test_staff_sees_unpublished_products_of_the_channel(self, staff_client, catalog):
        data = ok(staff_client, PRODUCTS, {"channel": "us"})
        assert slugs(data) == ["classic-tee", "future-drop", "gift-wrap", "organic-hoodie",
                               "preview-socks", "secret-prototype"]
        unpublished = ok(staff_client, PRODUCTS, {"channel": "us",
                                                  "filter": {"isPublished": False}})
        assert slugs(unpublished) == ["secret-prototype"]

    def test_staff_without_catalog_permission_sees_what_shoppers_see(self, client, catalog):
        from .data import make_staff

        client.force_login(make_staff(perms=[], email="clerk@example.com"))
        assert "secret-prototype" not in slugs(ok(client, PRODUCTS, {"channel": "us"}))

    def test_staff_can_list_across_channels_without_prices(self, staff_client, catalog):
        data = ok(staff_client, PRODUCTS, {"first": 50})
        assert data["products"]["totalCount"] == 7
        assert all(e["node"]["pricing"] is None for e in data["products"]["edges"])

    def test_pagination_walks_every_product_once(self, client, catalog):
        seen: list[str] = []
        after = None
        pages = 0
        while True:
            data = ok(client, PRODUCTS, {"channel": "us", "first": 2, "after": after})
            seen += slugs(data)
            pages += 1
            info = data["products"]["pageInfo"]
            assert info["hasPreviousPage"] == (after is not None)
            if not info["hasNextPage"]:
                break
            after = info["endCursor"]
        assert pages == 2
        assert seen == ["classic-tee", "organic-hoodie", "preview-socks"]

    def test_last_returns_the_final_items(self, client, catalog):
        data = ok(client, "query { products(channel: \"us\", last: 1) { edges { node { slug } } } }")
        assert slugs(data) == ["preview-socks"]

    def test_filter_by_category_includes_subcategories(self, client, catalog):
        apparel = to_global_id("Category", catalog.categories["apparel"].pk)
        data = ok(client, PRODUCTS, {"channel": "us", "filter": {"categories": [apparel]}})
        assert slugs(data) == ["classic-tee", "organic-hoodie", "preview-socks"]
        organic = to_global_id("Category", catalog.categories["organic"].pk)
        data = ok(client, PRODUCTS, {"channel": "us", "filter": {"categories": [organic]}})
        assert slugs(data) == ["organic-hoodie"]

    @pytest.mark.parametrize("text", ["classic", "klassisches", "TEE-M", "经典"])
    def test_search_matches_names_in_any_language_and_skus(self, client, catalog, text):
        assert slugs(ok(client, PRODUCTS, {"channel": "eu", "search": text})) == ["classic-tee"]
        assert slugs(ok(client, PRODUCTS, {"channel": "eu", "filter": {"search": text}})) == [
            "classic-tee"]

    def test_sort_by_price_both_ways(self, client, catalog):
        asc = ok(client, PRODUCTS, {"channel": "us",
                                    "sortBy": {"field": "PRICE", "direction": "ASC"}})
        assert slugs(asc) == ["preview-socks", "classic-tee", "organic-hoodie"]
        desc = ok(client, PRODUCTS, {"channel": "us",
                                     "sortBy": {"field": "PRICE", "direction": "DESC"}})
        assert slugs(desc) == ["organic-hoodie", "classic-tee", "preview-socks"]

    def test_sort_by_name_uses_display_language(self, client, catalog):
        by_name = {"field": "NAME", "direction": "ASC"}
        assert slugs(ok(client, PRODUCTS, {"channel": "eu", "sortBy": by_name})) == [
            "classic-tee", "linen-towel", "organic-hoodie"]
        # "Klassisches T-Shirt" sorts after "Linen Towel" for a German shopper
        german = ok(client, PRODUCTS, {"channel": "eu", "sortBy": by_name, "lang": "DE"})
        assert slugs(german) == ["klassisches-t-shirt", "linen-towel", "organic-hoodie"]

    def test_filter_by_price_and_stock(self, client, catalog):
        cheap = ok(client, PRODUCTS, {"channel": "us", "filter": {"price": {"lte": 20}}})
        assert slugs(cheap) == ["classic-tee", "preview-socks"]
        minimal = ok(client, PRODUCTS, {"channel": "us",
                                        "filter": {"minimalPrice": {"gte": 10, "lte": 60}}})
        assert slugs(minimal) == ["classic-tee", "organic-hoodie"]
        sold_out = ok(client, PRODUCTS, {"channel": "eu",
                                         "filter": {"stockAvailability": "OUT_OF_STOCK"}})
        assert slugs(sold_out) == ["organic-hoodie"]

    def test_language_code_shows_translated_fields_with_fallback(self, client, catalog):
        data = ok(client, PRODUCTS, {"channel": "eu", "lang": "DE"})
        names = [e["node"]["name"] for e in data["products"]["edges"]]
        assert names == ["Klassisches T-Shirt", "Linen Towel", "Organic Hoodie"]
        regional = ok(client, PRODUCTS, {"channel": "eu", "lang": "DE_AT"})
        assert regional["products"]["edges"][0]["node"]["name"] == "Klassisches T-Shirt"


@pytest.mark.django_db
class TestProductPage:
    QUERY = """
    query($slug: String, $id: ID, $channel: String, $lang: LanguageCodeEnum!) {
      product(slug: $slug, id: $id, channel: $channel) {
        id name channel isAvailable isAvailableForPurchase
        translation(languageCode: $lang) { name slug language { code language } }
        variants { sku name quantityAvailable translation(languageCode: $lang) { name }
                   pricing { price { gross { amount currency } } } }
      }
    }"""

    def test_product_by_slug_with_translation_and_stock(self, client, catalog):
        data = ok(client, self.QUERY, {"slug": "classic-tee", "channel": "eu", "lang": "DE"})
        product = data["product"]
        assert product["id"] == to_global_id("Product", catalog.products["tee"].pk)
        assert product["channel"] == "eu"
        assert product["translation"]["name"] == "Klassisches T-Shirt"
        assert product["translation"]["language"] == {"code": "DE", "language": "German"}
        # S: Berlin 2 + Shenzhen 5 (the closed Lyon store does not count)
        # M: Shenzhen 10 - 4 allocated - 1 reserved, + Paris 1
        assert [(v["sku"], v["quantityAvailable"]) for v in product["variants"]] == [
            ("TEE-S", 7), ("TEE-M", 6), ("TEE-XL", 0)]
        assert product["variants"][1]["translation"] == {"name": "Mittel"}
        assert product["isAvailable"] is True

    def test_chinese_translation_via_saleor_language_code(self, client, catalog):
        data = ok(client, self.QUERY, {"slug": "classic-tee", "channel": "jp", "lang": "ZH_HANS"})
        assert data["product"]["translation"]["name"] == "经典T恤"
        assert data["product"]["translation"]["language"]["code"] == "ZH_HANS"

    def test_language_the_shop_lacks_gives_no_translation(self, client, catalog):
        data = ok(client, self.QUERY, {"slug": "classic-tee", "channel": "us", "lang": "PL"})
        assert data["product"]["translation"] is None

    def test_hidden_from_listings_still_opens_by_slug(self, client, catalog):
        data = ok(client, self.QUERY, {"slug": "gift-wrap", "channel": "us", "lang": "EN"})
        assert data["product"]["name"] == "Gift Wrap"

    @pytest.mark.parametrize("slug", ["secret-prototype", "future-drop", "linen-towel"])
    def test_unpublished_scheduled_or_unlisted_products_are_not_found(self, client, catalog,
                                                                      slug):
        assert ok(client, self.QUERY, {"slug": slug, "channel": "us", "lang": "EN"}) == {
            "product": None}

    def test_staff_opens_unpublished_product(self, staff_client, catalog):
        data = ok(staff_client, self.QUERY, {"slug": "secret-prototype", "channel": "us",
                                             "lang": "EN"})
        assert data["product"]["name"] == "Secret Prototype"

    def test_sold_out_and_not_yet_purchasable(self, client, catalog):
        hoodie = ok(client, self.QUERY, {"slug": "organic-hoodie", "channel": "us", "lang": "EN"})
        assert hoodie["product"]["isAvailable"] is False
        assert hoodie["product"]["isAvailableForPurchase"] is True
        socks = ok(client, self.QUERY, {"slug": "preview-socks", "channel": "us", "lang": "EN"})
        assert socks["product"]["isAvailableForPurchase"] is False
        assert socks["product"]["isAvailable"] is False
        assert socks["product"]["variants"][0]["quantityAvailable"] == 20

    def test_product_by_global_id(self, client, catalog):
        pid = to_global_id("Product", catalog.products["hoodie"].pk)
        data = ok(client, self.QUERY, {"id": pid, "channel": "eu", "lang": "EN"})
        assert data["product"]["name"] == "Organic Hoodie"
        assert data["product"]["variants"][0]["pricing"]["price"]["gross"] == {
            "amount": 55.0, "currency": "EUR"}

    def test_product_by_translated_slug(self, client, catalog):
        query = """query { product(slug: "klassisches-t-shirt", slugLanguageCode: DE,
                                   channel: "eu", languageCode: DE) { slug name } }"""
        assert ok(client, query)["product"] == {"slug": "klassisches-t-shirt",
                                                "name": "Klassisches T-Shirt"}

    def test_description_is_an_editorjs_document(self, client, catalog):
        import json

        data = ok(client, 'query { product(slug: "classic-tee", channel: "us") { description } }')
        doc = json.loads(data["product"]["description"])
        assert [b["data"]["text"] for b in doc["blocks"]] == ["Soft cotton.", "Made to last."]


@pytest.mark.django_db
class TestVariant:
    QUERY = """
    query($sku: String, $id: ID, $channel: String, $country: CountryCode) {
      productVariant(sku: $sku, id: $id, channel: $channel) {
        sku channel quantityAvailable inCountry: quantityAvailable(countryCode: $country)
        pricing { price { gross { amount currency } net { amount } tax { amount } } }
        product { slug name }
      }
    }"""

    def test_availability_per_channel(self, client, catalog):
        us = ok(client, self.QUERY, {"sku": "TEE-S", "channel": "us", "country": "US"})
        assert us["productVariant"]["quantityAvailable"] == 8  # US 3PL 3 + Shenzhen 5
        assert us["productVariant"]["inCountry"] == 8
        eu = ok(client, self.QUERY, {"sku": "TEE-S", "channel": "eu", "country": "JP"})
        assert eu["productVariant"]["quantityAvailable"] == 7
        assert eu["productVariant"]["inCountry"] == 0  # Europe does not sell to Japan

    def test_tax_split_in_a_tax_inclusive_channel(self, client, catalog):
        eu = ok(client, self.QUERY, {"sku": "TEE-M", "channel": "eu"})["productVariant"]
        assert eu["pricing"]["price"] == {"gross": {"amount": 19.99, "currency": "EUR"},
                                          "net": {"amount": 16.8}, "tax": {"amount": 3.19}}

    def test_variant_not_sold_in_channel_is_null(self, client, catalog):
        assert ok(client, self.QUERY, {"sku": "TEE-XL", "channel": "us"}) == {
            "productVariant": None}
        assert ok(client, self.QUERY, {"sku": "SECRET-1", "channel": "us"}) == {
            "productVariant": None}

    def test_stocks_need_permission(self, client, staff_client, catalog):
        query = """query { productVariant(sku: "TEE-S", channel: "eu") {
            sku stocks { warehouse { slug } quantity quantityAllocated quantityReserved } } }"""
        status, payload = gql(client, query)
        assert status == 200
        assert payload["data"]["productVariant"]["stocks"] is None
        assert error_codes(payload) == ["PERMISSION_DENIED"]
        stocks = ok(staff_client, query)["productVariant"]["stocks"]
        # the stock serving Europe: the closed Lyon store's 50 units are not in it
        assert sorted((s["warehouse"]["slug"], s["quantity"]) for s in stocks) == [
            ("cn-central", 5), ("store-berlin", 2)]

    def test_cart_refresh_by_ids(self, client, catalog):
        ids = [to_global_id("ProductVariant", catalog.variants[k].pk)
               for k in ("tee-s", "tee-xl", "hoodie")]
        query = """query($ids: [ID!]) { productVariants(ids: $ids, channel: "us", first: 10) {
            totalCount edges { node { sku quantityAvailable } } } }"""
        data = ok(client, query, {"ids": ids})["productVariants"]
        assert data["totalCount"] == 2  # XL is not sold in the US
        assert [(e["node"]["sku"], e["node"]["quantityAvailable"]) for e in data["edges"]] == [
            ("HOOD-M", 0), ("TEE-S", 8)]


@pytest.mark.django_db
class TestCategories:
    def test_tree_levels_and_translations(self, client, catalog):
        query = """query { categories(first: 10, level: 0) { totalCount edges { node {
            slug level translation(languageCode: DE) { name slug }
            children(first: 10) { edges { node { slug level } } } } } } }"""
        edges = ok(client, query)["categories"]["edges"]
        assert [e["node"]["slug"] for e in edges] == ["apparel", "home"]
        apparel = edges[0]["node"]
        assert apparel["translation"] == {"name": "Bekleidung", "slug": "bekleidung"}
        assert apparel["children"]["edges"][0]["node"] == {"slug": "t-shirts", "level": 1}

    def test_category_page_lists_products_of_subcategories(self, client, catalog):
        query = """query { category(slug: "apparel") { name level
            ancestors(first: 5) { edges { node { slug } } }
            products(first: 10, channel: "us") { totalCount edges { node { slug } } } } }"""
        data = ok(client, query)["category"]
        assert data["products"]["totalCount"] == 3
        organic = ok(client, """query { category(slug: "organic") {
            level ancestors(first: 5) { edges { node { slug } } } } }""")["category"]
        assert organic["level"] == 2
        assert [e["node"]["slug"] for e in organic["ancestors"]["edges"]] == ["apparel",
                                                                               "t-shirts"]

    def test_category_by_translated_slug_and_search(self, client, catalog):
        query = 'query { category(slug: "bekleidung", slugLanguageCode: DE) { slug } }'
        assert ok(client, query)["category"] == {"slug": "apparel"}
        found = ok(client, """query { categories(first: 5, filter: {search: "bekleid"}) {
            edges { node { slug } } } }""")
        assert [e["node"]["slug"] for e in found["categories"]["edges"]] == ["apparel"]

    def test_sort_by_product_count(self, client, catalog):
        query = """query { categories(first: 10,
            sortBy: {field: PRODUCT_COUNT, direction: DESC}) { edges { node { slug } } } }"""
        assert [e["node"]["slug"] for e in ok(client, query)["categories"]["edges"]][:2] == [
            "t-shirts", "home"]
