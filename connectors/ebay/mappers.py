"""eBay Sell API wire JSON <-> base dataclasses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from connectors.base import (
    CancelReason,
    ItemResult,
    ListingPayload,
    LocationQuantity,
    OfferUpdate,
    RemoteAddress,
    RemoteOffer,
    RemoteOrder,
    RemoteOrderLine,
    RemoteOrderStatus,
    Shipment,
)
from connectors.carriers import Carrier, canonical
from connectors.mapping import MappingError, check_locations, instant, money, quantity

__all__ = ["MappingError"]

_CONDITIONS = {
    "new": "NEW",
    "used": "USED_EXCELLENT",
    "refurbished": "SELLER_REFURBISHED",
    "used_like_new": "LIKE_NEW",
    "new_other": "NEW_OTHER",
}


def iso_ms(dt: datetime) -> str:
    """eBay's timestamp form: 2016-03-21T08:25:43.511Z."""
    dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def amount(value: Decimal, currency: str) -> dict[str, str]:
    return {"value": f"{value:f}", "currency": currency}


def ship_to_location_availability(
    total: int, locations: Sequence[LocationQuantity] = ()
) -> dict[str, Any]:
    """ShipToLocationAvailability: the total, split per merchant location when given."""
    body: dict[str, Any] = {"quantity": int(total)}
    if locations:
        body["availabilityDistributions"] = [
            {"merchantLocationKey": loc.location_id, "quantity": int(loc.quantity)}
            for loc in locations
        ]
    return body


def inventory_item_body(listing: ListingPayload) -> dict[str, Any]:
    product: dict[str, Any] = {"title": listing.title, "description": listing.description}
    aspects = {
        name: [str(v) for v in (value if isinstance(value, list | tuple) else [value])]
        for name, value in listing.attributes.items()
    }
    if aspects:
        product["aspects"] = aspects
    if listing.brand:
        product["brand"] = listing.brand
    if listing.ean:
        product["ean"] = [listing.ean]
    if listing.image_urls:
        product["imageUrls"] = list(listing.image_urls)
    body: dict[str, Any] = {
        "availability": {
            "shipToLocationAvailability": ship_to_location_availability(
                listing.quantity, listing.locations
            )
        },
        "condition": _CONDITIONS.get(listing.condition, listing.condition.upper()),
        "product": product,
    }
    if listing.weight_grams:
        body["packageWeightAndSize"] = {"weight": {"value": listing.weight_grams, "unit": "GRAM"}}
    return body


def offer_body(
    listing: ListingPayload, marketplace_id: str, extra: Mapping[str, str], *, with_keys: bool
) -> dict[str, Any]:
    """EbayOfferDetailsWithKeys (create) or EbayOfferDetailsWithId (update) for a listing."""
    body: dict[str, Any] = {
        "availableQuantity": int(listing.quantity),
        "categoryId": listing.category_id,
        "listingDescription": listing.description,
        "pricingSummary": {"price": amount(listing.price, listing.currency)},
        "listingPolicies": {
            "fulfillmentPolicyId": extra.get("fulfillment_policy_id", ""),
            "paymentPolicyId": extra.get("payment_policy_id", ""),
            "returnPolicyId": extra.get("return_policy_id", ""),
        },
        "merchantLocationKey": extra.get("merchant_location_key", ""),
    }
    if with_keys:
        body.update({"sku": listing.sku, "marketplaceId": marketplace_id, "format": "FIXED_PRICE"})
    return body


def price_quantity_request(update: OfferUpdate, offer_id: str) -> dict[str, Any]:
    check_locations(update.sku, update.quantity, update.locations)
    total = update.total_quantity
    request: dict[str, Any] = {"sku": update.sku}
    if total is not None:
        request["shipToLocationAvailability"] = ship_to_location_availability(
            total, update.locations
        )
    if offer_id and (update.price is not None or total is not None):
        offer: dict[str, Any] = {"offerId": offer_id}
        if total is not None:
            offer["availableQuantity"] = int(total)
        if update.price is not None:
            offer["price"] = amount(update.price, update.currency)
        request["offers"] = [offer]
    return request


def price_quantity_results(body: Any, skus: Sequence[str]) -> dict[str, ItemResult]:
    """One ItemResult per SKU from bulkUpdatePriceQuantity's per-offer/per-item answers."""
    from connectors.ebay.client import first_error

    responses = body.get("responses") if isinstance(body, dict) else None
    if not isinstance(responses, list):
        raise MappingError("bulkUpdatePriceQuantity answered without responses")
    merged: dict[str, tuple[bool, list[str], str, str]] = {}
    for entry in responses:
        if not isinstance(entry, dict):
            continue
        sku = str(entry.get("sku", ""))
        ok = entry.get("statusCode") == 200
        code, messages, _ = first_error(entry.get("errors") or [])
        _, warnings, _ = first_error(entry.get("warnings") or [])
        previous = merged.get(sku, (True, [], "", ""))
        merged[sku] = (
            previous[0] and ok,
            previous[1] + messages + [f"WARNING: {w}" for w in warnings],
            previous[2] or (code if not ok else ""),
            previous[3] or str(entry.get("offerId", "")),
        )
    results = {}
    for sku in skus:
        if sku not in merged:
            results[sku] = ItemResult(
                sku, ok=False, messages=("no answer for this SKU",), code="missing_response"
            )
            continue
        ok, messages, code, offer_id = merged[sku]
        results[sku] = ItemResult(
            sku, ok=ok, external_id=offer_id, messages=tuple(messages), code=code
        )
    return results


def remote_offer(
    sku: str, offer: Mapping[str, Any] | None, item: Mapping[str, Any] | None
) -> RemoteOffer:
    price: Decimal | None = None
    currency = ""
    qty: int | None = None
    status, offer_id = "", ""
    if offer is not None:
        raw_price = (offer.get("pricingSummary") or {}).get("price") or {}
        if raw_price.get("value") is not None:
            price = money(raw_price["value"], f"{sku} price")
            currency = str(raw_price.get("currency", ""))
        if offer.get("availableQuantity") is not None:
            qty = quantity(offer["availableQuantity"], f"{sku} availableQuantity")
        status = str(offer.get("status", ""))
        offer_id = str(offer.get("offerId", ""))
    locations: list[LocationQuantity] = []
    if item is not None:
        ship_to = (item.get("availability") or {}).get("shipToLocationAvailability") or {}
        if qty is None and ship_to.get("quantity") is not None:
            qty = quantity(ship_to["quantity"], f"{sku} shipToLocationAvailability")
        for entry in ship_to.get("availabilityDistributions") or []:
            key = str((entry or {}).get("merchantLocationKey", ""))
            amount = quantity((entry or {}).get("quantity"), f"{sku} {key} quantity")
            locations.append(LocationQuantity(key, amount))
    return RemoteOffer(
        sku=sku,
        price=price,
        currency=currency,
        quantity=qty,
        status=status,
        external_id=offer_id,
        locations=tuple(locations),
    )


# --------------------------------------------------------------------------- orders


def order_status(order: Mapping[str, Any]) -> tuple[RemoteOrderStatus, str]:
    fulfillment = str(order.get("orderFulfillmentStatus", ""))
    payment = str(order.get("orderPaymentStatus", ""))
    cancel_state = str((order.get("cancelStatus") or {}).get("cancelState", "NONE_REQUESTED"))
    raw = f"{fulfillment}/{payment}/{cancel_state}"
    if cancel_state == "CANCELED" or payment == "FULLY_REFUNDED" and fulfillment != "FULFILLED":
        return RemoteOrderStatus.CANCELED, raw
    if payment in {"PENDING", "FAILED"}:
        return RemoteOrderStatus.PENDING, raw
    statuses = {
        "NOT_STARTED": RemoteOrderStatus.UNSHIPPED,
        "IN_PROGRESS": RemoteOrderStatus.PARTIALLY_SHIPPED,
        "FULFILLED": RemoteOrderStatus.SHIPPED,
    }
    if fulfillment not in statuses:
        raise MappingError(f"unknown orderFulfillmentStatus {fulfillment!r}")
    return statuses[fulfillment], raw


def _ship_to(order: Mapping[str, Any]) -> Mapping[str, Any]:
    for instruction in order.get("fulfillmentStartInstructions") or []:
        ship_to = ((instruction or {}).get("shippingStep") or {}).get("shipTo")
        if isinstance(ship_to, dict):
            return ship_to
    return {}


def remote_order(order: Mapping[str, Any], site: str) -> RemoteOrder:
    order_id = order.get("orderId")
    if not isinstance(order_id, str) or not order_id:
        raise MappingError("order without orderId")
    try:
        status, raw_status = order_status(order)
    except MappingError as exc:
        raise MappingError(f"{order_id}: {exc}") from exc
    lines = []
    currency = ""
    ship_by: datetime | None = None
    for item in order.get("lineItems") or []:
        line_id = item.get("lineItemId")
        if not line_id:
            raise MappingError(f"{order_id}: line item without lineItemId")
        qty = quantity(item.get("quantity"), f"{order_id}/{line_id} quantity")
        cost = item.get("lineItemCost") or {}
        # lineItemCost is the unit price multiplied by the quantity.
        line_total = money(cost.get("value", "0"), f"{order_id}/{line_id} lineItemCost")
        currency = currency or str(cost.get("currency", ""))
        unit = (line_total / qty).quantize(line_total) if qty else line_total
        deadline = (item.get("lineItemFulfillmentInstructions") or {}).get("shipByDate")
        if deadline:
            line_ship_by = instant(deadline, f"{order_id}/{line_id} shipByDate")
            ship_by = min(ship_by, line_ship_by) if ship_by else line_ship_by
        lines.append(
            RemoteOrderLine(
                external_line_id=str(line_id),
                sku=str(item.get("sku", "")),
                quantity=qty,
                unit_price=unit,
                currency=str(cost.get("currency", currency)),
                title=str(item.get("title", "")),
                shipped_quantity=qty if item.get("lineItemFulfillmentStatus") == "FULFILLED" else 0,
            )
        )
    summary = order.get("pricingSummary") or {}
    total_raw = summary.get("total") or {}
    total = money(total_raw.get("value", "0"), f"{order_id} total")
    currency = str(total_raw.get("currency") or currency)
    if not currency:
        raise MappingError(f"{order_id}: no currency")
    delivery = (summary.get("deliveryCost") or {}).get("value")
    ship_to = _ship_to(order)
    contact = ship_to.get("contactAddress") or {}
    address = (
        RemoteAddress(
            name=str(ship_to.get("fullName", "")),
            line1=str(contact.get("addressLine1", "")),
            line2=str(contact.get("addressLine2", "")),
            city=str(contact.get("city", "")),
            state=str(contact.get("stateOrProvince", "")),
            postal_code=str(contact.get("postalCode", "")),
            country=str(contact.get("countryCode", "")).upper()[:2],
            phone=str((ship_to.get("primaryPhone") or {}).get("phoneNumber", "")),
        )
        if ship_to
        else None
    )
    buyer = order.get("buyer") or {}
    email = str(
        ship_to.get("email") or (buyer.get("buyerRegistrationAddress") or {}).get("email", "")
    )
    return RemoteOrder(
        external_id=order_id,
        status=status,
        raw_status=raw_status,
        created_at=instant(order.get("creationDate"), f"{order_id} creationDate"),
        updated_at=instant(order.get("lastModifiedDate"), f"{order_id} lastModifiedDate"),
        currency=currency,
        total=total,
        lines=tuple(lines),
        buyer_email=email,
        buyer_name=str(ship_to.get("fullName") or buyer.get("username", "")),
        shipping_address=address,
        shipping_price=money(delivery, f"{order_id} deliveryCost")
        if delivery is not None
        else Decimal(0),
        site=str(((order.get("lineItems") or [{}])[0] or {}).get("listingMarketplaceId", site)),
        raw=dict(order),
        # CancelStateEnum: NONE_REQUESTED, IN_PROGRESS (a buyer's request awaits an
        # answer), CANCELED.
        cancel_requested=(order.get("cancelStatus") or {}).get("cancelState") == "IN_PROGRESS",
        fulfilled_by_marketplace=any(
            (instruction or {}).get("ebaySupportedFulfillment") is True
            for instruction in order.get("fulfillmentStartInstructions") or []
        ),
        ship_by=ship_by,
    )


# shippingCarrierCode values (eBay's ShippingCarrierCodeType, from GeteBayDetails, which
# the fulfillment contract points to without listing them) for the canonical carriers
# whose eBay code we know; any other carrier text is sent as given and eBay judges it.
CARRIER_CODES: dict[Carrier, str] = {
    Carrier.UPS: "UPS",
    Carrier.USPS: "USPS",
    Carrier.FEDEX: "FedEx",
    Carrier.DHL: "DHL",
    Carrier.DEUTSCHE_POST: "DeutschePost",
    Carrier.DPD: "DPD",
    Carrier.GLS: "GLS",
    Carrier.HERMES: "Hermes",
    Carrier.ROYAL_MAIL: "RoyalMail",
    Carrier.CANADA_POST: "CanadaPost",
    Carrier.CHINA_POST: "ChinaPost",
    Carrier.CHRONOPOST: "Chronopost",
    Carrier.ONTRAC: "OnTrac",
}


def carrier_code(shipment: Shipment) -> str:
    if shipment.carrier in CARRIER_CODES.values():
        return shipment.carrier
    carrier = canonical(shipment.carrier)
    code = CARRIER_CODES.get(carrier) if carrier is not None else None
    if code:
        return code
    if carrier is Carrier.OTHER:
        return shipment.carrier_name or shipment.carrier
    return shipment.carrier


def shipping_fulfillment_body(
    shipment: Shipment, lines: Sequence[tuple[str, int]]
) -> dict[str, Any]:
    return {
        "lineItems": [{"lineItemId": line_id, "quantity": qty} for line_id, qty in lines],
        "shippedDate": iso_ms(shipment.shipped_at),
        "shippingCarrierCode": carrier_code(shipment),
        "trackingNumber": shipment.tracking_number,
    }


# Post-Order API seller cancellation reasons.
CANCEL_REASONS = {
    CancelReason.OUT_OF_STOCK: "OUT_OF_STOCK_OR_CANNOT_FULFILL",
    CancelReason.BUYER_REQUESTED: "BUYER_ASKED_CANCEL",
    CancelReason.ADDRESS_UNDELIVERABLE: "ADDRESS_ISSUES",
    CancelReason.PRICING_ERROR: "OUT_OF_STOCK_OR_CANNOT_FULFILL",
    CancelReason.FRAUD_SUSPECTED: "OUT_OF_STOCK_OR_CANNOT_FULFILL",
    CancelReason.PAYMENT_METHOD_UNSUPPORTED: "OUT_OF_STOCK_OR_CANNOT_FULFILL",
    CancelReason.OTHER: "OUT_OF_STOCK_OR_CANNOT_FULFILL",
}
EBAY_CANCEL_CODES = set(CANCEL_REASONS.values())


def cancel_reason_code(reason: str) -> str:
    if reason in EBAY_CANCEL_CODES:
        return reason
    try:
        return CANCEL_REASONS[CancelReason(reason)]
    except ValueError:
        raise MappingError(f"unknown cancel reason {reason!r}") from None
