"""Amazon SP-API wire JSON (and the order-acknowledgement XML) <-> base dataclasses."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET  # noqa: S405 - see parse_xml_processing_report
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

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

__all__ = ["MappingError", "instant", "money", "quantity"]

DEFAULT_PRODUCT_TYPE = "PRODUCT"
FULFILLMENT_CHANNEL = "DEFAULT"  # merchant-fulfilled quantity


# --------------------------------------------------------------------------- helpers


def number(value: Decimal) -> int | float:
    """A JSON number for a money amount (exact for the 0-3 decimals currencies use)."""
    return int(value) if value == value.to_integral_value() else float(value)


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def language_tag(language: str) -> str:
    """BCP 47 "de-DE" -> Amazon's "de_DE"."""
    return language.replace("-", "_") if language else "en_US"


_CONDITIONS = {
    "new": "new_new",
    "used": "used_good",
    "refurbished": "refurbished_refurbished",
    "used_like_new": "used_like_new",
    "collectible": "collectible_good",
}


# --------------------------------------------------------------------------- listings


def _attr(value: Any, marketplace_id: str, language: str = "") -> list[dict[str, Any]]:
    entry: dict[str, Any] = {"value": value, "marketplace_id": marketplace_id}
    if language:
        entry["language_tag"] = language
    return [entry]


def offer_attribute(price: Decimal, currency: str, marketplace_id: str) -> list[dict[str, Any]]:
    return [
        {
            "marketplace_id": marketplace_id,
            "currency": currency,
            "our_price": [{"schedule": [{"value_with_tax": number(price)}]}],
        }
    ]


def availability_attribute(
    qty: int, locations: Sequence[LocationQuantity] = ()
) -> list[dict[str, Any]]:
    """Merchant-fulfilled quantity: one DEFAULT entry, or one per supply source
    (Multi-Location Inventory: the location id is the fulfillment channel code)."""
    if not locations:
        return [{"fulfillment_channel_code": FULFILLMENT_CHANNEL, "quantity": int(qty)}]
    return [
        {"fulfillment_channel_code": loc.location_id, "quantity": int(loc.quantity)}
        for loc in locations
    ]


def listing_attributes(listing: ListingPayload, marketplace_id: str) -> dict[str, Any]:
    lang = language_tag(listing.language)
    attrs: dict[str, Any] = {
        "item_name": _attr(listing.title, marketplace_id, lang),
        "product_description": _attr(listing.description, marketplace_id, lang),
        "condition_type": _attr(
            _CONDITIONS.get(listing.condition, listing.condition), marketplace_id
        ),
        "purchasable_offer": offer_attribute(listing.price, listing.currency, marketplace_id),
        "fulfillment_availability": availability_attribute(listing.quantity, listing.locations),
    }
    if listing.brand:
        attrs["brand"] = _attr(listing.brand, marketplace_id, lang)
    if listing.ean:
        attrs["externally_assigned_product_identifier"] = [
            {"type": "ean", "value": listing.ean, "marketplace_id": marketplace_id}
        ]
    if listing.image_urls:
        attrs["main_product_image_locator"] = [
            {"media_location": listing.image_urls[0], "marketplace_id": marketplace_id}
        ]
        for index, url in enumerate(listing.image_urls[1:9], start=1):
            attrs[f"other_product_image_locator_{index}"] = [
                {"media_location": url, "marketplace_id": marketplace_id}
            ]
    if listing.weight_grams:
        attrs["item_package_weight"] = [
            {"value": listing.weight_grams, "unit": "grams", "marketplace_id": marketplace_id}
        ]
    for name, value in listing.attributes.items():
        # The hub's attribute mapping may give Amazon-shaped lists or plain values.
        attrs[name] = value if isinstance(value, list) else _attr(value, marketplace_id)
    return attrs


def put_body(listing: ListingPayload, marketplace_id: str) -> dict[str, Any]:
    return {
        "productType": listing.product_type or DEFAULT_PRODUCT_TYPE,
        "requirements": "LISTING",
        "attributes": listing_attributes(listing, marketplace_id),
    }


def offer_patches(update: OfferUpdate, marketplace_id: str) -> list[dict[str, Any]]:
    patches: list[dict[str, Any]] = []
    if update.price is not None:
        if not update.currency:
            raise MappingError(f"{update.sku}: a price needs its currency")
        patches.append(
            {
                "op": "replace",
                "path": "/attributes/purchasable_offer",
                "value": offer_attribute(update.price, update.currency, marketplace_id),
            }
        )
    check_locations(update.sku, update.quantity, update.locations)
    total = update.total_quantity
    if total is not None:
        patches.append(
            {
                "op": "replace",
                "path": "/attributes/fulfillment_availability",
                "value": availability_attribute(total, update.locations),
            }
        )
    return patches


def patch_body(
    patches: list[dict[str, Any]], product_type: str = DEFAULT_PRODUCT_TYPE
) -> dict[str, Any]:
    return {"productType": product_type, "patches": patches}


def issue_messages(issues: Iterable[Mapping[str, Any]]) -> tuple[str, tuple[str, ...], bool]:
    """(first error code, messages, any ERROR) of Listings/feeds issues."""
    code, messages, failed = "", [], False
    for issue in issues:
        severity = str(issue.get("severity", "ERROR"))
        text = str(issue.get("message", ""))
        attributes = issue.get("attributeNames") or (
            [issue["attributeName"]] if issue.get("attributeName") else []
        )
        if attributes:
            text = f"{text} [{', '.join(map(str, attributes))}]"
        messages.append(f"{severity}: {text}" if severity != "ERROR" else text)
        if severity == "ERROR":
            failed = True
            code = code or str(issue.get("code", ""))
    return code, tuple(messages), failed


def submission_result(sku: str, body: Any) -> ItemResult:
    """ItemResult of a putListingsItem/patchListingsItem answer."""
    if not isinstance(body, dict):
        return ItemResult(sku=sku, ok=False, messages=("unreadable answer",), code="bad_response")
    code, messages, failed = issue_messages(body.get("issues") or [])
    ok = body.get("status") in {"ACCEPTED", "VALID"} and not failed
    return ItemResult(
        sku=sku,
        ok=ok,
        external_id=str(body.get("submissionId", "")),
        messages=messages,
        code=code if not ok else "",
    )


def feed_document(
    seller_id: str, messages: Sequence[Mapping[str, Any]], issue_locale: str = "en_US"
) -> dict[str, Any]:
    return {
        "header": {"sellerId": seller_id, "version": "2.0", "issueLocale": issue_locale},
        "messages": list(messages),
    }


def feed_patch_message(
    message_id: int,
    sku: str,
    patches: list[dict[str, Any]],
    product_type: str = DEFAULT_PRODUCT_TYPE,
) -> dict[str, Any]:
    return {
        "messageId": message_id,
        "sku": sku,
        "operationType": "PATCH",
        "productType": product_type,
        "patches": patches,
    }


def processing_report_results(
    report: Any, skus_by_message: Mapping[int, str], feed_id: str
) -> list[ItemResult]:
    """Per-message ItemResults from a JSON_LISTINGS_FEED processing report.

    A message with an ERROR issue failed; one without issues (or with warnings only)
    was accepted. Issues without a messageId concern the whole feed and fail all.
    """
    if not isinstance(report, dict):
        raise MappingError("processing report is not a JSON object")
    by_message: dict[int, list[Mapping[str, Any]]] = {}
    feed_level: list[Mapping[str, Any]] = []
    for issue in report.get("issues") or []:
        if not isinstance(issue, dict):
            continue
        message_id = issue.get("messageId")
        if isinstance(message_id, int) and message_id in skus_by_message:
            by_message.setdefault(message_id, []).append(issue)
        else:
            feed_level.append(issue)
    _, feed_messages, feed_failed = issue_messages(feed_level)
    results = []
    for message_id, sku in skus_by_message.items():
        code, messages, failed = issue_messages(by_message.get(message_id, []))
        if feed_failed:
            failed, messages = True, messages + feed_messages
            code = code or "feed_error"
        results.append(
            ItemResult(
                sku=sku,
                ok=not failed,
                external_id=feed_id,
                messages=messages,
                code=code if failed else "",
            )
        )
    return results


def remote_offer(item: Mapping[str, Any], marketplace_id: str) -> RemoteOffer:
    sku = str(item.get("sku", ""))
    price: Decimal | None = None
    currency = ""
    for offer in item.get("offers") or []:
        if offer.get("marketplaceId") == marketplace_id and offer.get("offerType", "B2C") == "B2C":
            amount = offer.get("price") or {}
            price = money(amount.get("amount"), f"{sku} price")
            currency = str(amount.get("currencyCode", ""))
            break
    qty: int | None = None
    locations: list[LocationQuantity] = []
    for availability in item.get("fulfillmentAvailability") or []:
        code = str(availability.get("fulfillmentChannelCode", ""))
        if code.startswith("AMAZON_"):
            continue  # FBA stock is Amazon's, not a merchant location
        amount = quantity(availability.get("quantity", 0), f"{sku} quantity")
        if code == FULFILLMENT_CHANNEL:
            qty = amount
        else:
            locations.append(LocationQuantity(code, amount))
    if locations:
        qty = (qty or 0) + sum(loc.quantity for loc in locations)
    status, asin = "", ""
    for summary in item.get("summaries") or []:
        if summary.get("marketplaceId") == marketplace_id:
            status = ",".join(summary.get("status") or []) or "INACTIVE"
            asin = str(summary.get("asin", ""))
    return RemoteOffer(
        sku=sku,
        price=price,
        currency=currency,
        quantity=qty,
        status=status,
        external_id=asin,
        locations=tuple(locations),
    )


# --------------------------------------------------------------------------- orders

# Orders API 2026-01-01: the order's fulfillment.fulfillmentStatus.
FULFILLMENT_STATUSES = {
    "PENDING_AVAILABILITY": RemoteOrderStatus.PENDING,  # pre-order, not paid yet
    "PENDING": RemoteOrderStatus.PENDING,
    "UNSHIPPED": RemoteOrderStatus.UNSHIPPED,
    "PARTIALLY_SHIPPED": RemoteOrderStatus.PARTIALLY_SHIPPED,
    "SHIPPED": RemoteOrderStatus.SHIPPED,
    "CANCELLED": RemoteOrderStatus.CANCELED,
    "UNFULFILLABLE": RemoteOrderStatus.CANCELED,  # MCF order that cannot be fulfilled
}
# What searchOrders must include besides the orders and their items.
ORDER_DATASETS = ("BUYER", "RECIPIENT", "PROCEEDS", "FULFILLMENT")


def _address(raw: Any) -> RemoteAddress | None:
    if not isinstance(raw, dict):
        return None
    return RemoteAddress(
        name=str(raw.get("name", "")),
        line1=str(raw.get("addressLine1", "")),
        line2=" ".join(str(raw[k]) for k in ("addressLine2", "addressLine3") if raw.get(k)),
        city=str(raw.get("city", "")),
        state=str(raw.get("stateOrRegion", "")),
        postal_code=str(raw.get("postalCode", "")),
        country=str(raw.get("countryCode", "")).upper()[:2],
        phone=str(raw.get("phone", "")),
    )


def _obj(value: Any) -> Mapping[str, Any]:
    """A JSON object, or an empty one for anything else (unexpected payloads)."""
    return value if isinstance(value, dict) else {}


def _breakdown(proceeds: Any, kind: str, what: str) -> Decimal | None:
    """The subtotal of one proceeds category (ITEM, SHIPPING…), None when absent."""
    entries = _obj(proceeds).get("breakdowns")
    found = None
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and entry.get("type") == kind:
            subtotal = _obj(entry.get("subtotal"))
            amount = money(subtotal.get("amount", "0"), f"{what} {kind}")
            found = amount if found is None else found + amount
    return found


def remote_order(order: Mapping[str, Any], site: str) -> RemoteOrder:
    """RemoteOrder from a searchOrders order (its items included); MappingError if unreadable."""
    order_id = order.get("orderId")
    if not isinstance(order_id, str) or not order_id:
        raise MappingError("order without orderId")
    raw_status = str(_obj(order.get("fulfillment")).get("fulfillmentStatus", ""))
    status = FULFILLMENT_STATUSES.get(raw_status)
    if status is None:
        raise MappingError(f"{order_id}: unknown fulfillmentStatus {raw_status!r}")
    items = order.get("orderItems")
    if not isinstance(items, list):
        raise MappingError(f"{order_id}: orderItems missing")
    lines: list[RemoteOrderLine] = []
    currency = ""
    subtotal = shipping = Decimal(0)
    cancel_requested = False
    for item in items:
        if not isinstance(item, dict) or not item.get("orderItemId"):
            raise MappingError(f"{order_id}: order item without orderItemId")
        line_id = str(item["orderItemId"])
        what = f"{order_id}/{line_id}"
        qty = quantity(item.get("quantityOrdered"), f"{what} quantityOrdered")
        product = _obj(item.get("product"))
        price = _obj(_obj(product.get("price")).get("unitPrice"))
        if price.get("amount") is not None:
            unit = money(price["amount"], f"{what} unitPrice")
            currency = currency or str(price.get("currencyCode", ""))
        else:  # no list price (e.g. still pending): the item's proceeds, per unit
            line_total = _breakdown(item.get("proceeds"), "ITEM", what) or Decimal(0)
            unit = (line_total / qty).quantize(line_total) if qty else line_total
        item_total = _obj(_obj(item.get("proceeds")).get("proceedsTotal"))
        currency = currency or str(item_total.get("currencyCode", ""))
        shipping += _breakdown(item.get("proceeds"), "SHIPPING", what) or Decimal(0)
        subtotal += unit * qty
        request = _obj(_obj(item.get("cancellation")).get("cancellationRequest"))
        cancel_requested = cancel_requested or str(request.get("requester", "")).upper() == "BUYER"
        shipped = _obj(item.get("fulfillment")).get("quantityFulfilled")
        lines.append(
            RemoteOrderLine(
                external_line_id=line_id,
                sku=str(product.get("sellerSku", "")),
                quantity=qty,
                unit_price=unit,
                currency=currency,
                title=str(product.get("title", "")),
                shipped_quantity=quantity(shipped, f"{what} quantityFulfilled")
                if shipped is not None
                else 0,
            )
        )
    proceeds = order.get("proceeds")
    order_shipping = _breakdown(proceeds, "SHIPPING", order_id)
    if order_shipping is not None:
        shipping = order_shipping
    grand = _obj(_obj(proceeds).get("grandTotal"))
    if grand.get("amount") is not None:
        total = money(grand["amount"], f"{order_id} grandTotal")
        currency = str(grand.get("currencyCode") or currency)
    else:
        total = subtotal + shipping  # pending orders carry no proceeds yet
    if not currency:
        raise MappingError(f"{order_id}: no currency in the order or its items")
    buyer = _obj(order.get("buyer"))
    recipient = _obj(order.get("recipient"))
    channel = _obj(order.get("salesChannel"))
    fulfillment = _obj(order.get("fulfillment"))
    ship_by = _obj(fulfillment.get("shipByWindow")).get("latestDateTime")
    return RemoteOrder(
        external_id=order_id,
        status=status,
        raw_status=raw_status,
        created_at=instant(order.get("createdTime"), f"{order_id} createdTime"),
        updated_at=instant(order.get("lastUpdatedTime"), f"{order_id} lastUpdatedTime"),
        currency=currency,
        total=total,
        lines=tuple(lines),
        buyer_email=str(buyer.get("buyerEmail", "")),
        buyer_name=str(buyer.get("buyerName", "")),
        shipping_address=_address(recipient.get("deliveryAddress")),
        shipping_price=shipping,
        site=str(channel.get("marketplaceId") or site),
        raw={"order": dict(order)},
        cancel_requested=cancel_requested,
        fulfilled_by_marketplace=fulfillment.get("fulfilledBy") == "AMAZON",
        ship_by=instant(ship_by, f"{order_id} shipByWindow.latestDateTime") if ship_by else None,
    )


# Amazon's carrierCode values for the canonical carriers (Amazon's CarrierCode list, which
# the ordersV0 model links to but does not enumerate); anything else goes as "Other"
# with carrierName, which the model requires then.
CARRIER_CODES: dict[Carrier, str] = {
    Carrier.UPS: "UPS",
    Carrier.USPS: "USPS",
    Carrier.FEDEX: "FedEx",
    Carrier.DHL: "DHL",
    Carrier.DHL_ECOMMERCE: "DHL eCommerce",
    Carrier.DEUTSCHE_POST: "Deutsche Post",
    Carrier.DPD: "DPD",
    Carrier.GLS: "GLS",
    Carrier.HERMES: "Hermes",
    Carrier.ROYAL_MAIL: "Royal Mail",
    Carrier.LA_POSTE: "La Poste",
    Carrier.CHRONOPOST: "Chronopost",
    Carrier.CANADA_POST: "Canada Post",
    Carrier.JAPAN_POST: "Japan Post",
    Carrier.YAMATO: "Yamato Transport",
    Carrier.SAGAWA: "Sagawa Express",
    Carrier.CHINA_POST: "China Post",
    Carrier.SF_EXPRESS: "SF Express",
    Carrier.YUNEXPRESS: "YunExpress",
    Carrier.FOUR_PX: "4PX",
    Carrier.YANWEN: "Yanwen",
    Carrier.ONTRAC: "OnTrac",
    Carrier.LASERSHIP: "Lasership",
}
OTHER_CARRIER = "Other"


def carrier_fields(shipment: Shipment) -> dict[str, str]:
    """carrierCode (and carrierName for carriers Amazon has no code for)."""
    if shipment.carrier in CARRIER_CODES.values():
        return {"carrierCode": shipment.carrier}
    carrier = canonical(shipment.carrier)
    code = CARRIER_CODES.get(carrier) if carrier is not None else None
    if code:
        return {"carrierCode": code}
    name = shipment.carrier_name or shipment.carrier
    if not name or carrier is Carrier.OTHER and not shipment.carrier_name:
        raise MappingError("a carrier Amazon has no code for needs its name (carrier_name)")
    return {"carrierCode": OTHER_CARRIER, "carrierName": name}


def package_reference(shipment: Shipment) -> str:
    """packageReferenceId: "a seller-supplied identifier that uniquely identifies a package
    within the scope of an order. Only positive numeric values are supported."

    A numeric package id is used as is; otherwise one is derived from the tracking
    number, so confirming the same package again names the same package.
    """
    if shipment.package_id.isdigit() and int(shipment.package_id) > 0:
        return shipment.package_id
    seed = shipment.package_id or shipment.tracking_number
    return str(int(hashlib.sha256(seed.encode()).hexdigest()[:12], 16) % 10**12 + 1)


def confirm_shipment_body(
    shipment: Shipment, lines: Sequence[tuple[str, int]], marketplace_id: str
) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "packageReferenceId": package_reference(shipment),
        **carrier_fields(shipment),
        "trackingNumber": shipment.tracking_number,
        "shipDate": iso(shipment.shipped_at),
        "orderItems": [{"orderItemId": line_id, "quantity": qty} for line_id, qty in lines],
    }
    if shipment.service:
        detail["shippingMethod"] = shipment.service
    if shipment.ship_from:
        detail["shipFromSupplySourceId"] = shipment.ship_from
    return {"marketplaceId": marketplace_id, "packageDetail": detail}


# --------------------------------------------------------------------------- cancellation

# CancelReason values of the OrderAcknowledgement feed (amzn-base.xsd).
CANCEL_REASONS = {
    CancelReason.OUT_OF_STOCK: "NoInventory",
    CancelReason.BUYER_REQUESTED: "BuyerCanceled",
    CancelReason.ADDRESS_UNDELIVERABLE: "ShippingAddressUndeliverable",
    CancelReason.PRICING_ERROR: "GeneralAdjustment",
    CancelReason.FRAUD_SUSPECTED: "RiskAssessmentInformationNotValid",
    CancelReason.PAYMENT_METHOD_UNSUPPORTED: "GeneralAdjustment",
    CancelReason.OTHER: "GeneralAdjustment",
}
AMAZON_CANCEL_CODES = {
    "NoInventory",
    "ShippingAddressUndeliverable",
    "CustomerExchange",
    "BuyerCanceled",
    "GeneralAdjustment",
    "CarrierCreditDecision",
    "RiskAssessmentInformationNotValid",
    "CarrierCoverageFailure",
    "CustomerReturn",
    "MerchandiseNotReceived",
}


def cancel_reason_code(reason: str) -> str:
    if reason in AMAZON_CANCEL_CODES:
        return reason
    try:
        return CANCEL_REASONS[CancelReason(reason)]
    except ValueError:
        raise MappingError(f"unknown cancel reason {reason!r}") from None


def order_acknowledgement_xml(
    seller_id: str, order_id: str, reason_code: str, item_ids: Sequence[str] = ()
) -> bytes:
    """A POST_ORDER_ACKNOWLEDGEMENT_DATA envelope that cancels the order (or some items)."""
    items = "".join(
        f"<Item><AmazonOrderItemCode>{escape(item_id)}</AmazonOrderItemCode>"
        f"<CancelReason>{escape(reason_code)}</CancelReason></Item>"
        for item_id in item_ids
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">'
        f"<Header><DocumentVersion>1.01</DocumentVersion>"
        f"<MerchantIdentifier>{escape(seller_id)}</MerchantIdentifier></Header>"
        "<MessageType>OrderAcknowledgement</MessageType>"
        "<Message><MessageID>1</MessageID><OrderAcknowledgement>"
        f"<AmazonOrderID>{escape(order_id)}</AmazonOrderID>"
        f"<StatusCode>Failure</StatusCode>{items}"
        "</OrderAcknowledgement></Message></AmazonEnvelope>"
    ).encode()


def parse_xml_processing_report(data: bytes) -> tuple[int, list[str]]:
    """(messages with error, error descriptions) of an XML feed processing report.

    ElementTree is safe enough here: CPython's expat refuses external entities
    and (expat >= 2.4) entity-expansion bombs, and the document comes from the
    marketplace's own pre-signed URL.
    """
    try:
        root = ET.fromstring(data)  # noqa: S314
    except ET.ParseError as exc:
        raise MappingError(f"processing report is not XML: {exc}") from exc
    errors = root.findtext(".//ProcessingSummary/MessagesWithError")
    descriptions = [
        f"{r.findtext('ResultMessageCode', '')}: {r.findtext('ResultDescription', '')}".strip(": ")
        for r in root.iter("Result")
        if r.findtext("ResultCode") == "Error"
    ]
    try:
        count = int(errors or 0)
    except ValueError:
        count = len(descriptions)
    return max(count, len(descriptions)), descriptions
