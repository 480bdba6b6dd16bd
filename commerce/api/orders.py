"""Orders as Saleor 3 shows them (``Order``, ``OrderLine``), resolved from the models.

Returned by ``checkoutComplete``; any later order query (``me.orders``, staff
``orders``) reuses these types. Amounts are stored per order in its currency;
``total``/``subtotal``/``shippingPrice`` carry the net and gross the order was
created with, never recomputed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import graphene
from graphene import relay

from commerce.catalog.pricing import TaxedMoney as TaxedMoneyValue
from commerce.core.money import Money as MoneyValue
from commerce.orders.models import Order as OrderModel
from commerce.orders.models import OrderLine as OrderLineModel
from commerce.orders.models import OrderStatus as OrderStatusChoice
from commerce.orders.models import PaymentStatus

from .core import (
    Address,
    LanguageCodeEnum,
    Money,
    NodeView,
    ObjectWithMetadata,
    TaxedMoney,
    attach,
    global_id,
    language_enum_name,
)


class OrderStatus(graphene.Enum):
    DRAFT = OrderStatusChoice.DRAFT.value
    UNCONFIRMED = OrderStatusChoice.UNCONFIRMED.value
    UNFULFILLED = OrderStatusChoice.UNFULFILLED.value
    PARTIALLY_FULFILLED = OrderStatusChoice.PARTIALLY_FULFILLED.value
    PARTIALLY_RETURNED = OrderStatusChoice.PARTIALLY_RETURNED.value
    RETURNED = OrderStatusChoice.RETURNED.value
    FULFILLED = OrderStatusChoice.FULFILLED.value
    CANCELED = OrderStatusChoice.CANCELED.value
    EXPIRED = OrderStatusChoice.EXPIRED.value


class PaymentChargeStatusEnum(graphene.Enum):
    NOT_CHARGED = "not-charged"
    PENDING = "pending"
    PARTIALLY_CHARGED = "partially-charged"
    FULLY_CHARGED = "fully-charged"
    PARTIALLY_REFUNDED = "partially-refunded"
    FULLY_REFUNDED = "fully-refunded"
    REFUSED = "refused"
    CANCELLED = "cancelled"


# Our payment states in Saleor's words. An authorized card is not charged yet (as in
# Saleor's legacy payments); ``paymentStatusDisplay`` still says "Authorized".
_CHARGE_STATUS = {
    PaymentStatus.NOT_CHARGED: "NOT_CHARGED",
    PaymentStatus.AUTHORIZED: "NOT_CHARGED",
    PaymentStatus.PARTIALLY_CHARGED: "PARTIALLY_CHARGED",
    PaymentStatus.FULLY_CHARGED: "FULLY_CHARGED",
    PaymentStatus.PARTIALLY_REFUNDED: "PARTIALLY_REFUNDED",
    PaymentStatus.FULLY_REFUNDED: "FULLY_REFUNDED",
    PaymentStatus.FAILED: "REFUSED",
}
_PAID = {PaymentStatus.FULLY_CHARGED, PaymentStatus.PARTIALLY_REFUNDED,
         PaymentStatus.FULLY_REFUNDED}


def taxed(net: Decimal, gross: Decimal, currency: str) -> TaxedMoneyValue:
    return TaxedMoneyValue(net=MoneyValue(net, currency), gross=MoneyValue(gross, currency))


class OrderLine(graphene.ObjectType):
    """One product of an order, as it was sold (names and prices are copies)."""

    product_name = graphene.String(required=True)
    variant_name = graphene.String(required=True)
    translated_product_name = graphene.String(required=True)
    translated_variant_name = graphene.String(required=True)
    product_sku = graphene.String()
    product_variant_id = graphene.String()
    variant = graphene.Field("commerce.api.catalog.ProductVariant",
                             description="The variant sold, unless it was deleted since.")
    is_shipping_required = graphene.Boolean(required=True)
    quantity = graphene.Int(required=True)
    quantity_fulfilled = graphene.Int(required=True)
    tax_rate = graphene.Float(required=True)
    unit_price = graphene.Field(TaxedMoney, required=True)
    undiscounted_unit_price = graphene.Field(TaxedMoney, required=True)
    total_price = graphene.Field(TaxedMoney, required=True)
    undiscounted_total_price = graphene.Field(TaxedMoney, required=True)

    class Meta:
        interfaces = (relay.Node,)

    @staticmethod
    def resolve_translated_product_name(root: OrderLineModel, info: graphene.ResolveInfo) -> str:
        return root.translated_product_name or root.product_name

    @staticmethod
    def resolve_translated_variant_name(root: OrderLineModel, info: graphene.ResolveInfo) -> str:
        return root.variant_name

    @staticmethod
    def resolve_product_sku(root: OrderLineModel, info: graphene.ResolveInfo) -> str | None:
        return root.product_sku or None

    @staticmethod
    def resolve_product_variant_id(root: OrderLineModel,
                                   info: graphene.ResolveInfo) -> str | None:
        return None if root.variant_id is None else global_id("ProductVariant", root.variant_id)

    @staticmethod
    def resolve_variant(root: OrderLineModel, info: graphene.ResolveInfo) -> Any:
        if root.variant_id is None:
            return None
        return attach(root.variant, NodeView(channel=root.order.channel))

    @staticmethod
    def resolve_tax_rate(root: OrderLineModel, info: graphene.ResolveInfo) -> float:
        return float(root.tax_rate)

    @staticmethod
    def resolve_unit_price(root: OrderLineModel, info: graphene.ResolveInfo) -> TaxedMoneyValue:
        return taxed(root.unit_price_net_amount, root.unit_price_gross_amount, root.currency)

    resolve_undiscounted_unit_price = resolve_unit_price

    @staticmethod
    def resolve_total_price(root: OrderLineModel, info: graphene.ResolveInfo) -> TaxedMoneyValue:
        return taxed(root.total_price_net_amount, root.total_price_gross_amount, root.currency)

    resolve_undiscounted_total_price = resolve_total_price


class Order(graphene.ObjectType):
    """An order of any channel (storefront checkout, marketplace import, store sale)."""

    created = graphene.DateTime(required=True)
    updated_at = graphene.DateTime(required=True)
    number = graphene.String(required=True)
    status = graphene.Field(OrderStatus, required=True)
    status_display = graphene.String(required=True)
    channel = graphene.Field("commerce.api.channel.Channel", required=True)
    user_email = graphene.String()
    language_code_enum = graphene.Field(LanguageCodeEnum, required=True)
    billing_address = graphene.Field(Address)
    shipping_address = graphene.Field(Address)
    shipping_method_name = graphene.String()
    collection_point_name = graphene.String()
    is_shipping_required = graphene.Boolean(required=True)
    lines = graphene.List(graphene.NonNull(OrderLine), required=True)
    is_paid = graphene.Boolean(required=True)
    payment_status = graphene.Field(PaymentChargeStatusEnum, required=True)
    payment_status_display = graphene.String(required=True)
    subtotal = graphene.Field(TaxedMoney, required=True)
    shipping_price = graphene.Field(TaxedMoney, required=True)
    total = graphene.Field(TaxedMoney, required=True)
    undiscounted_total = graphene.Field(TaxedMoney, required=True)
    total_charged = graphene.Field(Money, required=True)
    total_balance = graphene.Field(Money, required=True,
                                   description="Charged minus total (negative: still owed).")
    customer_note = graphene.String(required=True)
    display_gross_prices = graphene.Boolean(required=True)

    class Meta:
        interfaces = (relay.Node, ObjectWithMetadata)

    @staticmethod
    def resolve_created(root: OrderModel, info: graphene.ResolveInfo) -> Any:
        return root.created_at

    @staticmethod
    def resolve_number(root: OrderModel, info: graphene.ResolveInfo) -> str:
        return str(root.number)

    @staticmethod
    def resolve_status(root: OrderModel, info: graphene.ResolveInfo) -> str:
        # A freshly created order holds the Django choice member, not its plain value.
        return OrderStatusChoice(root.status).value

    @staticmethod
    def resolve_status_display(root: OrderModel, info: graphene.ResolveInfo) -> str:
        return str(root.get_status_display())

    @staticmethod
    def resolve_user_email(root: OrderModel, info: graphene.ResolveInfo) -> str | None:
        return root.user_email or None

    @staticmethod
    def resolve_language_code_enum(root: OrderModel, info: graphene.ResolveInfo) -> str:
        return language_enum_name(root.language_code)

    @staticmethod
    def resolve_shipping_method_name(root: OrderModel, info: graphene.ResolveInfo) -> str | None:
        return root.shipping_method_name or None

    @staticmethod
    def resolve_collection_point_name(root: OrderModel,
                                      info: graphene.ResolveInfo) -> str | None:
        point = root.collection_point if root.collection_point_id else None
        return point.name if point is not None else None

    @staticmethod
    def resolve_is_shipping_required(root: OrderModel, info: graphene.ResolveInfo) -> bool:
        return any(line.is_shipping_required for line in _lines(root))

    @staticmethod
    def resolve_lines(root: OrderModel, info: graphene.ResolveInfo) -> list[OrderLineModel]:
        return _lines(root)

    @staticmethod
    def resolve_is_paid(root: OrderModel, info: graphene.ResolveInfo) -> bool:
        return root.payment_status in _PAID

    @staticmethod
    def resolve_payment_status(root: OrderModel, info: graphene.ResolveInfo) -> str:
        return _CHARGE_STATUS[PaymentStatus(root.payment_status)]

    @staticmethod
    def resolve_payment_status_display(root: OrderModel, info: graphene.ResolveInfo) -> str:
        return str(root.get_payment_status_display())

    @staticmethod
    def resolve_subtotal(root: OrderModel, info: graphene.ResolveInfo) -> TaxedMoneyValue:
        return taxed(root.subtotal_net_amount, root.subtotal_gross_amount, root.currency)

    @staticmethod
    def resolve_shipping_price(root: OrderModel, info: graphene.ResolveInfo) -> TaxedMoneyValue:
        return taxed(root.shipping_price_net_amount, root.shipping_price_gross_amount,
                     root.currency)

    @staticmethod
    def resolve_total(root: OrderModel, info: graphene.ResolveInfo) -> TaxedMoneyValue:
        return taxed(root.total_net_amount, root.total_gross_amount, root.currency)

    resolve_undiscounted_total = resolve_total

    @staticmethod
    def resolve_total_charged(root: OrderModel, info: graphene.ResolveInfo) -> MoneyValue:
        return MoneyValue(root.total_charged_amount, root.currency)

    @staticmethod
    def resolve_total_balance(root: OrderModel, info: graphene.ResolveInfo) -> MoneyValue:
        return MoneyValue(root.total_charged_amount - root.total_gross_amount, root.currency)

    @staticmethod
    def resolve_display_gross_prices(root: OrderModel, info: graphene.ResolveInfo) -> bool:
        return root.channel.display_gross_prices


def _lines(order: OrderModel) -> list[OrderLineModel]:
    """The order's lines, loaded once per order object (with their variants)."""
    lines = getattr(order, "_api_lines", None)
    if lines is None:
        lines = list(order.lines.select_related("variant").order_by("pk"))
        for line in lines:
            line.order = order  # shares the already loaded order (and its channel)
        order._api_lines = lines  # type: ignore[attr-defined]
    return lines
