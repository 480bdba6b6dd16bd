"""Every request the eBay connector sends and every answer the sandbox gives,
checked against eBay's published OpenAPI contracts in ../shared."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from connectors.base import LocationQuantity, OfferUpdate, RateLimited, Rejected, Shipment
from connectors.ebay.connector import EbayConnector
from connectors.http import NO_RETRY
from connectors.tests.conftest import listing
from connectors.tests.specs import OpenApiSpec, assert_conforms

CONTRACTS = ["ebay/sell_inventory_v1_oas3.json", "ebay/sell_fulfillment_v1_oas3.json"]
# The OAuth token endpoint and the Post-Order API have no contract in ../shared.
OUTSIDE_CONTRACTS = {"oauthToken", "createCancellation"}


def test_connector_and_sandbox_speak_the_published_contracts(ebay_app):
    ebay_app.set_rate_scale(50)
    ebay = EbayConnector(ebay_app.credentials(rate_scale="50", orders_page_size="2"))
    # inventory: item (ok and refused), offer create/update/publish/withdraw, reads
    ebay.upsert_listing(listing("MUG-1"))
    ebay.upsert_listing(listing("MUG-1", price="21.00"))
    with pytest.raises(Rejected):
        ebay.upsert_listing(listing("MUG-2", title="x" * 90))
    item = ebay.client.get_inventory_item("MUG-1")
    assert item is not None and item["sku"] == "MUG-1"
    assert ebay.client.get_inventory_item("NOPE") is None
    ebay.client.get_offer(ebay._offer_id("MUG-1"))
    ebay.update_offers(
        [
            OfferUpdate("MUG-1", price=Decimal("17.5"), currency="USD", quantity=4),
            OfferUpdate("NOPE", quantity=1),
        ]
    )
    ebay.update_offers([OfferUpdate("MUG-1", locations=(LocationQuantity("omniport-central", 3),))])
    ebay.fetch_offers(["MUG-1", "NOPE"])
    ebay.delist("MUG-1")
    with pytest.raises(Rejected):
        ebay.client.withdraw_offer(ebay._offer_id("MUG-1"))
    # fulfillment: paging, single order, shipping fulfillment, cancellation
    for _ in range(3):
        ebay_app.create_order([{"sku": "MUG-1", "quantity": 1, "price": "5.00"}])
    after = datetime.now(UTC) - timedelta(hours=1)
    page = ebay.fetch_orders(after, datetime.now(UTC) + timedelta(minutes=1))
    ebay.fetch_orders(after, cursor=page.next_cursor)
    first, second = list(ebay_app.orders)[:2]
    ebay.confirm_shipment(Shipment(first, "USPS", "9400", datetime.now(UTC)))
    ebay.cancel_order(second, "out_of_stock")
    assert ebay.client.get_order("00-00000-00000") is None
    # errors: expired token (401) and throttling (429)
    ebay_app.expire_tokens()
    ebay.fetch_offers(["MUG-1"])
    impatient = EbayConnector(ebay_app.credentials(), retry=NO_RETRY)
    ebay_app.faults.fail_next(429, count=1, operations={"getOrders"})
    with pytest.raises(RateLimited):
        impatient.fetch_orders(after)

    exchanges = ebay_app.api_exchanges()
    checked = assert_conforms(exchanges, [OpenApiSpec(c) for c in CONTRACTS], OUTSIDE_CONTRACTS)

    operations = {e.operation for e in exchanges} - OUTSIDE_CONTRACTS
    assert operations >= {
        "createOrReplaceInventoryItem",
        "getInventoryItem",
        "bulkGetInventoryItem",
        "getOffers",
        "getOffer",
        "createOffer",
        "updateOffer",
        "publishOffer",
        "withdrawOffer",
        "bulkUpdatePriceQuantity",
        "getOrders",
        "getOrder",
        "createShippingFulfillment",
    }
    assert {e.status for e in exchanges} >= {200, 201, 204, 207, 400, 401, 404, 429}
    assert checked >= 25


def test_the_checker_refuses_a_broken_answer():
    spec = OpenApiSpec(CONTRACTS[1])
    found = spec.find("GET", "/sell/fulfillment/v1/order")
    assert found is not None
    op, _ = found
    schema = op["responses"]["200"]["content"]["application/json"]["schema"]

    assert spec.validate_body(schema, {"orders": [{"orderId": "1", "lineItems": []}]}, "ok") == []
    assert spec.validate_body(schema, {"orders": [{"orderId": 1, "lineItems": {}}]}, "bad")
