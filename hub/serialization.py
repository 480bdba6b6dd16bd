"""RemoteOrder ↔ JSON, so an import record keeps the exact payload it can be re-run from."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils.dateparse import parse_datetime

from connectors.base import RemoteAddress, RemoteOrder, RemoteOrderLine, RemoteOrderStatus


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, Decimal | datetime):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def remote_order_to_json(order: RemoteOrder) -> dict[str, Any]:
    address = order.shipping_address
    return {
        "external_id": order.external_id,
        "status": order.status.value,
        "raw_status": order.raw_status,
        "created_at": order.created_at.isoformat(),
        "updated_at": order.updated_at.isoformat(),
        "currency": order.currency,
        "total": str(order.total),
        "lines": [
            {"external_line_id": ln.external_line_id, "sku": ln.sku, "quantity": ln.quantity,
             "unit_price": str(ln.unit_price), "currency": ln.currency, "title": ln.title,
             "ean": ln.ean, "shipped_quantity": ln.shipped_quantity,
             "canceled_quantity": ln.canceled_quantity, "location_id": ln.location_id}
            for ln in order.lines
        ],
        "buyer_email": order.buyer_email,
        "buyer_name": order.buyer_name,
        "shipping_address": None if address is None else {
            "name": address.name, "line1": address.line1, "line2": address.line2,
            "city": address.city, "state": address.state, "postal_code": address.postal_code,
            "country": address.country, "phone": address.phone,
        },
        "shipping_price": str(order.shipping_price),
        "site": order.site,
        "raw": _json_safe(order.raw or {}),
        "cancel_requested": order.cancel_requested,
        "fulfilled_by_marketplace": order.fulfilled_by_marketplace,
        "ship_by": order.ship_by.isoformat() if order.ship_by else None,
    }


def _time(value: Any) -> datetime:
    parsed = parse_datetime(str(value)) if value else None
    if parsed is None:
        raise ValueError(f"not a date-time: {value!r}")
    return parsed


def remote_order_from_json(data: dict[str, Any]) -> RemoteOrder:
    address = data.get("shipping_address")
    return RemoteOrder(
        external_id=str(data["external_id"]),
        status=RemoteOrderStatus(data["status"]),
        raw_status=str(data.get("raw_status", "")),
        created_at=_time(data["created_at"]),
        updated_at=_time(data["updated_at"]),
        currency=str(data.get("currency", "")),
        total=Decimal(str(data.get("total", "0"))),
        lines=tuple(
            RemoteOrderLine(
                external_line_id=str(ln.get("external_line_id", "")), sku=str(ln.get("sku", "")),
                quantity=ln.get("quantity"), unit_price=Decimal(str(ln.get("unit_price", "0"))),
                currency=str(ln.get("currency", "")), title=str(ln.get("title", "")),
                ean=str(ln.get("ean", "")), shipped_quantity=int(ln.get("shipped_quantity") or 0),
                canceled_quantity=int(ln.get("canceled_quantity") or 0),
                location_id=str(ln.get("location_id") or ""),
            )
            for ln in data.get("lines", [])
        ),
        buyer_email=str(data.get("buyer_email", "")),
        buyer_name=str(data.get("buyer_name", "")),
        shipping_address=RemoteAddress(**address) if address else None,
        shipping_price=Decimal(str(data.get("shipping_price", "0"))),
        site=str(data.get("site", "")),
        raw=data.get("raw") or {},
        cancel_requested=bool(data.get("cancel_requested", False)),
        fulfilled_by_marketplace=bool(data.get("fulfilled_by_marketplace", False)),
        ship_by=_time(data["ship_by"]) if data.get("ship_by") else None,
    )
