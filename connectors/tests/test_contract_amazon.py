"""Every request the Amazon connector sends and every answer the sandbox gives,
checked against Amazon's published SP-API models in ../shared."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import jsonschema
import pytest

from connectors.amazon.client import USAGE_PLANS
from connectors.amazon.connector import AmazonConnector
from connectors.base import BatchResult, OfferUpdate, RateLimited, Rejected, Shipment
from connectors.http import NO_RETRY
from connectors.tests.conftest import listing
from connectors.tests.specs import SwaggerSpec, assert_conforms, load_json

MODELS = {
    "listings": "amazon/models/listingsItems_2021-08-01.json",
    "feeds": "amazon/models/feeds_2021-06-30.json",
    "orders": "amazon/models/ordersV0.json",
    "orders_2026": "amazon/models/orders_2026-01-01.json",
}
OUTSIDE_SP_API = {"lwaToken", "uploadFeedDocument", "downloadFeedDocument"}


def specs() -> list[SwaggerSpec]:
    return [SwaggerSpec(path) for path in MODELS.values()]


def test_declared_rate_limits_are_the_documented_usage_plans():
    documented = {}
    for path in MODELS.values():
        for item in load_json(path)["paths"].values():
            for op in item.values():
                if not isinstance(op, dict) or "operationId" not in op:
                    continue
                match = re.search(r"\|\s*([\d.]+)\s*\|\s*(\d+)\s*\|", op.get("description", ""))
                if match:
                    documented[op["operationId"]] = (float(match[1]), int(match[2]))

    ours = {name: (limit.rate, limit.burst) for name, limit in USAGE_PLANS.items()}

    assert ours == {name: documented[name] for name in ours}


def test_connector_and_sandbox_speak_the_published_models(amazon_app):
    amazon_app.set_rate_scale(50)
    amazon = AmazonConnector(
        amazon_app.credentials(rate_scale="50", orders_page_size="2", feed_poll_interval="0.02")
    )
    # listings: put (accepted and refused), patch, get, search, delete
    amazon.upsert_listing(listing("MUG-1"))
    with pytest.raises(Rejected):
        amazon.upsert_listing(listing("MUG-2", price="0"))
    amazon.update_offers([OfferUpdate("MUG-1", price=Decimal("18"), currency="USD", quantity=3)])
    amazon.client.get_listing(
        "MUG-1", ["summaries", "offers", "fulfillmentAvailability", "attributes", "issues"]
    )
    assert amazon.client.get_listing("NOPE", ["summaries"]) is None
    amazon.fetch_offers(["MUG-1", "NOPE"])
    amazon.client.request(
        "deleteListingsItem",
        "DELETE",
        f"/listings/2021-08-01/items/{amazon.credentials.seller_id}/GONE",
        params={"marketplaceIds": amazon.credentials.site},
    )
    # feeds: a JSON_LISTINGS_FEED with a failing message, and a cancellation feed
    for i in range(8):
        amazon.upsert_listing(listing(f"BULK-{i}"))
    amazon_app.faults.fail_skus = {"BULK-2": "blocked"}
    amazon.wait_for(amazon.update_offers([OfferUpdate(f"BULK-{i}", quantity=i) for i in range(8)]))
    # orders: paging, items, shipment (accepted and refused), cancellation
    for i in range(3):
        amazon_app.create_order([{"sku": f"BULK-{i}", "quantity": 1, "price": "5.00"}])
    after = datetime.now(UTC) - timedelta(hours=1)
    page = amazon.fetch_orders(after)
    page = amazon.fetch_orders(after, cursor=page.next_cursor)
    amazon.client.get_order_items(page.orders[0].external_id)
    amazon.client.request(  # Orders v0, which the sandbox also serves
        "getOrders",
        "GET",
        "/orders/v0/orders",
        params={
            "MarketplaceIds": amazon.credentials.site,
            "LastUpdatedAfter": after.strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
    )
    first, second, third = list(amazon_app.orders)[:3]
    amazon.confirm_shipment(Shipment(first, "UPS", "1Z1", datetime.now(UTC)))
    amazon.confirm_shipment(Shipment(third, "Acme", "AC1", datetime.now(UTC)))  # "Other"
    with pytest.raises(Rejected):
        amazon.client.confirm_shipment(
            first,
            {
                "marketplaceId": amazon.credentials.site,
                "packageDetail": {
                    "packageReferenceId": "2",
                    "carrierCode": "UPS",
                    "trackingNumber": "1Z2",
                    "shipDate": "2026-01-01T00:00:00Z",
                    "orderItems": [{"orderItemId": "nope", "quantity": 1}],
                },
            },
        )
    cancel = amazon.cancel_order(second, "out_of_stock")
    assert cancel is not None
    amazon.wait_for(BatchResult(results=(), pending=(cancel,)))
    # errors: an expired token (403) and a throttled call (429)
    amazon_app.expire_tokens()
    amazon.fetch_offers(["MUG-1"])
    impatient = AmazonConnector(amazon_app.credentials(), retry=NO_RETRY)
    amazon_app.faults.fail_next(429, count=1, operations={"searchOrders"})
    with pytest.raises(RateLimited):
        impatient.fetch_orders(after)

    exchanges = amazon_app.api_exchanges()
    checked = assert_conforms(exchanges, specs(), OUTSIDE_SP_API)

    operations = {e.operation for e in exchanges} - OUTSIDE_SP_API
    assert operations >= {
        "putListingsItem",
        "patchListingsItem",
        "getListingsItem",
        "searchListingsItems",
        "deleteListingsItem",
        "createFeedDocument",
        "createFeed",
        "getFeed",
        "getFeedDocument",
        "searchOrders",
        "getOrders",
        "getOrder",
        "getOrderItems",
        "confirmShipment",
    }
    assert {e.status for e in exchanges} >= {200, 201, 202, 204, 400, 403, 404, 429}
    assert checked >= 30


def test_feed_documents_follow_the_listings_feed_schemas(amazon, amazon_app):
    for i in range(8):
        amazon_app.seed_listing(f"SKU-{i}", seller_id=amazon.credentials.seller_id)
    amazon_app.faults.fail_skus = {"SKU-5": "The value is not allowed."}

    amazon.wait_for(
        amazon.update_offers(
            [
                OfferUpdate(f"SKU-{i}", price=Decimal("4.25"), currency="USD", quantity=i)
                for i in range(8)
            ]
        )
    )

    [feed] = amazon_app.feeds.values()
    uploaded = json.loads(amazon_app.documents[feed.input_document_id].data)
    report = json.loads(amazon_app.documents[feed.result_document_id].data)
    feed_schema = load_json("amazon/schemas/feeds/listings-feed-schema-v2.json")
    report_schema = load_json("amazon/schemas/feeds/listings-feed-processing-report-schema-v2.json")
    jsonschema.Draft7Validator(feed_schema).validate(uploaded)
    jsonschema.Draft7Validator(report_schema).validate(report)
    message_schema = load_json("amazon/schemas/feeds/listings-feed-message-schema-v2.json")
    for message in uploaded["messages"]:
        jsonschema.Draft7Validator(message_schema).validate(message)
    assert [i["messageId"] for i in report["issues"]] == [6]


def test_amazons_own_examples_validate_with_our_helpers():
    # The checker itself must accept Amazon's static sandbox example and refuse a broken one.
    spec = SwaggerSpec(MODELS["orders"])
    found = spec.find("GET", "/orders/v0/orders")
    assert found is not None
    op, _ = found
    example = op["responses"]["200"]["x-amzn-api-sandbox"]["static"][0]["response"]
    schema = op["responses"]["200"]["schema"]

    assert spec.validate_body(schema, example, "example") == []
    broken = json.loads(json.dumps(example))
    broken["payload"]["Orders"][0]["OrderTotal"] = "lots"
    assert spec.validate_body(schema, broken, "broken")
