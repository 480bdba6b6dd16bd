"""Channels and warehouses: shoppers see markets and pickup points, staff see everything."""

from __future__ import annotations

import pytest
from graphql_relay import to_global_id

from .data import error_codes, gql, ok

CHANNELS = """query { channels { slug name currencyCode isActive kind
    defaultCountry { code country } countries { code }
    stockSettings { allocationStrategy } defaultLanguage { code }
    warehouses { slug } } }"""

WAREHOUSES = """query($filter: WarehouseFilterInput, $sort: WarehouseSortingInput) {
  warehouses(first: 20, filter: $filter, sortBy: $sort) {
    totalCount
    edges { node { slug name email isPrivate clickAndCollectOption kind latitude longitude
      address { streetAddress1 city postalCode country { code country } } } }
  }
}"""


@pytest.mark.django_db
class TestChannels:
    def test_shoppers_see_active_storefront_markets(self, client, catalog):
        channels = ok(client, CHANNELS)["channels"]
        assert [c["slug"] for c in channels] == ["eu", "jp", "us"]
        eu = channels[0]
        assert eu["currencyCode"] == "EUR"
        assert eu["defaultCountry"] == {"code": "DE", "country": "Germany"}
        assert [c["code"] for c in eu["countries"]] == ["DE", "FR", "ES"]
        assert eu["stockSettings"] == {"allocationStrategy": "PRIORITIZE_HIGH_STOCK"}
        assert eu["defaultLanguage"] == {"code": "DE"}
        # Shoppers see the pickup points that serve Europe, in allocation order
        assert [w["slug"] for w in eu["warehouses"]] == ["store-berlin", "store-paris"]

    def test_staff_see_every_channel_and_warehouse(self, staff_client, catalog):
        channels = ok(staff_client, CHANNELS)["channels"]
        assert [c["slug"] for c in channels] == ["amazon-us", "eu", "jp", "uk-old", "us"]
        eu = next(c for c in channels if c["slug"] == "eu")
        assert [w["slug"] for w in eu["warehouses"]] == [
            "store-berlin", "store-paris", "cn-central", "store-closed"]

    def test_channel_by_slug_or_id(self, client, catalog):
        query = "query($slug: String, $id: ID) { channel(slug: $slug, id: $id) { slug name } }"
        assert ok(client, query, {"slug": "jp"})["channel"] == {"slug": "jp", "name": "Japan"}
        by_id = ok(client, query, {"id": to_global_id("Channel", catalog.channels["us"].pk)})
        assert by_id["channel"]["slug"] == "us"
        assert ok(client, query, {"slug": "amazon-us"})["channel"] is None
        status, payload = gql(client, query, {})
        assert error_codes(payload) == ["REQUIRED"]


@pytest.mark.django_db
class TestWarehouses:
    def test_shoppers_see_active_pickup_points_with_addresses(self, client, catalog):
        data = ok(client, WAREHOUSES)["warehouses"]
        assert data["totalCount"] == 2
        berlin, paris = (e["node"] for e in data["edges"])
        assert berlin["name"] == "Berlin Mitte store"
        assert berlin["address"] == {"streetAddress1": "Rosenthaler Straße 40", "city": "Berlin",
                                     "postalCode": "10178",
                                     "country": {"code": "DE", "country": "Germany"}}
        assert berlin["clickAndCollectOption"] == "LOCAL" and berlin["isPrivate"] is False
        assert (berlin["latitude"], berlin["longitude"]) == (52.5264, 13.4025)
        assert paris["slug"] == "store-paris"

    def test_staff_filter_and_sort(self, staff_client, catalog):
        everything = ok(staff_client, WAREHOUSES)["warehouses"]
        assert everything["totalCount"] == 5
        private = ok(staff_client, WAREHOUSES, {"filter": {"isPrivate": True},
                                                "sort": {"field": "NAME", "direction": "DESC"}})
        assert [e["node"]["slug"] for e in private["warehouses"]["edges"]] == ["cn-central",
                                                                                "us-3pl"]
        in_japan = ok(staff_client, WAREHOUSES, {"filter": {
            "channels": [to_global_id("Channel", catalog.channels["jp"].pk)]}})
        assert [e["node"]["slug"] for e in in_japan["warehouses"]["edges"]] == ["cn-central"]
        search = ok(staff_client, WAREHOUSES, {"filter": {"search": "shenzhen"}})
        assert search["warehouses"]["totalCount"] == 1

    def test_private_warehouse_is_not_found_for_shoppers(self, client, staff_client, catalog):
        query = "query($id: ID!) { warehouse(id: $id) { slug } }"
        cn = to_global_id("Warehouse", catalog.warehouses["cn"].pk)
        assert ok(client, query, {"id": cn}) == {"warehouse": None}
        assert ok(staff_client, query, {"id": cn}) == {"warehouse": {"slug": "cn-central"}}

    def test_warehouse_stock_is_staff_only(self, client, staff_client, catalog):
        query = """query($id: ID!) { warehouse(id: $id) { stocks(first: 10) { totalCount
            edges { node { productVariant { sku } quantity quantityAvailable } } } } }"""
        paris = to_global_id("Warehouse", catalog.warehouses["paris"].pk)
        status, payload = gql(client, query, {"id": paris})
        assert error_codes(payload) == ["PERMISSION_DENIED"]
        stocks = ok(staff_client, query, {"id": paris})["warehouse"]["stocks"]
        assert [(e["node"]["productVariant"]["sku"], e["node"]["quantityAvailable"])
                for e in stocks["edges"]] == [("TEE-M", 1), ("TOWEL-1", 4)]
