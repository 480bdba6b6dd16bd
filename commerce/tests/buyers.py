"""Targets for multi-process tests (importable by spawned children)."""

from __future__ import annotations

from commerce.channel.models import Channel
from commerce.inventory.errors import InsufficientStock
from commerce.orders.services import OrderInput, OrderLineInput, order_create


def buy_one(channel_slug: str, sku: str, buyer: int) -> str:
    channel = Channel.objects.get(slug=channel_slug)
    try:
        order_create(
            OrderInput(
                channel=channel,
                currency=channel.currency_code,
                email=f"buyer{buyer}@example.com",
                lines=[OrderLineInput(sku=sku, quantity=1)],
            )
        )
    except InsufficientStock:
        return "sold-out"
    return "bought"
