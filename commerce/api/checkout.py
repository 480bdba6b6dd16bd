"""GraphQL checkout for headless clients, shaped like Saleor's checkout mutations.

Thin: each mutation parses ids, calls one commerce service and maps
DomainErrors to ``errors { field message code }`` with Saleor's
CheckoutErrorCode values. Composed into the schema by ``CheckoutQueries`` and
``CheckoutMutations`` (see schema.py).

Payment (Saleor's legacy Stripe flow): ``checkoutComplete(paymentData: "{\"token\": \"tok_…\"}")``
charges the card token from Stripe.js; when the bank asks for 3-D Secure the
answer is ``confirmationNeeded: true`` with ``confirmationData.client_secret``
for ``stripe.confirmCardPayment``; calling ``checkoutComplete`` again returns the order.
"""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

import graphene
from django.utils.translation import gettext as _
from graphql_relay import from_global_id, to_global_id

from commerce.catalog.pricing import TaxedMoney as TaxedMoneyValue
from commerce.channel.models import Channel, ChannelKind
from commerce.checkout.calculations import CheckoutTotals, checkout_totals
from commerce.checkout.delivery import (
    DeliveryOption,
    checkout_delivery_option,
    delivery_options,
)
from commerce.checkout.errors import CheckoutError as DomainCheckoutError
from commerce.checkout.errors import CheckoutErrorCode as DomainCode
from commerce.checkout.models import Checkout as CheckoutModel
from commerce.checkout.services import (
    LineInput,
    checkout_complete,
    checkout_create,
    checkout_delivery_method_update,
    checkout_email_update,
    checkout_lines_add,
    checkout_lines_update,
    checkout_reservation_expires,
    checkout_shipping_address_update,
)
from commerce.core.errors import DomainError, ValidationFailed
from commerce.core.money import Money as MoneyValue
from commerce.core.money import quantize
from commerce.inventory.models import Warehouse as WarehouseModel
from commerce.orders.models import Order as OrderModel
from commerce.payment.models import PaymentStatus
from commerce.payment.services import PaymentResult, payment_start, payment_sync

from .catalog import ProductVariant
from .core import (
    Address,
    AddressInput,
    LanguageCodeEnum,
    Money,
    NodeView,
    PositiveDecimal,
    TaxedMoney,
    attach,
    country_from_enum,
    language_from_enum,
)
from .inventory import Warehouse
from .orders import Order

# Saleor's CheckoutErrorCode enum, value for value.
SALEOR_CODES = [
    "BILLING_ADDRESS_NOT_SET", "CHECKOUT_NOT_FULLY_PAID", "GRAPHQL_ERROR",
    "PRODUCT_NOT_PUBLISHED", "PRODUCT_UNAVAILABLE_FOR_PURCHASE", "INSUFFICIENT_STOCK", "INVALID",
    "INVALID_SHIPPING_METHOD", "NOT_FOUND", "PAYMENT_ERROR",
    "PRICE_OVERRIDE_REASON_WITHOUT_OVERRIDE", "QUANTITY_GREATER_THAN_LIMIT", "REQUIRED",
    "SHIPPING_ADDRESS_NOT_SET", "SHIPPING_METHOD_NOT_APPLICABLE",
    "DELIVERY_METHOD_NOT_APPLICABLE", "SHIPPING_METHOD_NOT_SET", "SHIPPING_NOT_REQUIRED",
    "TAX_ERROR", "UNIQUE", "VOUCHER_NOT_APPLICABLE", "GIFT_CARD_NOT_APPLICABLE", "ZERO_QUANTITY",
    "MISSING_CHANNEL_SLUG", "CHANNEL_INACTIVE", "UNAVAILABLE_VARIANT_IN_CHANNEL",
    "EMAIL_NOT_SET", "NO_LINES", "INACTIVE_PAYMENT", "NON_EDITABLE_GIFT_LINE",
    "NON_REMOVABLE_GIFT_LINE", "SHIPPING_CHANGE_FORBIDDEN", "MISSING_ADDRESS_DATA",
]
CheckoutErrorCode = graphene.Enum("CheckoutErrorCode", [(c, c) for c in SALEOR_CODES])

_CAMEL = {
    "street_address_1": "streetAddress1", "street_address_2": "streetAddress2",
    "first_name": "firstName", "last_name": "lastName", "company_name": "companyName",
    "postal_code": "postalCode", "country_area": "countryArea", "city_area": "cityArea",
}


def _taxed(gross: MoneyValue, channel: Channel) -> TaxedMoneyValue:
    """A tax-inclusive checkout amount split with the channel's default tax rate."""
    rate = Decimal(channel.default_tax_rate) / Decimal(100)
    net = MoneyValue(quantize(gross.amount / (1 + rate), gross.currency), gross.currency)
    return TaxedMoneyValue(net=net, gross=gross)


# ---------------------------------------------------------------------------------
# Checkout types
# ---------------------------------------------------------------------------------


class CheckoutError(graphene.ObjectType):
    field = graphene.String()
    message = graphene.String()
    code = graphene.Field(CheckoutErrorCode, required=True)
    variants = graphene.List(graphene.NonNull(graphene.ID))
    lines = graphene.List(graphene.NonNull(graphene.ID))


class ShippingMethod(graphene.ObjectType):
    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    price = graphene.Field(Money, required=True)
    minimum_delivery_days = graphene.Int()
    maximum_delivery_days = graphene.Int()
    active = graphene.Boolean(required=True)
    message = graphene.String()

    @staticmethod
    def of(option: DeliveryOption) -> dict[str, Any]:
        key = option.id.split(":", 1)[1]
        return {"id": to_global_id("ShippingMethod", key), "name": option.name,
                "price": option.price,
                "minimum_delivery_days": option.minimum_delivery_days,
                "maximum_delivery_days": option.maximum_delivery_days, "active": True,
                "message": option.description}


class CheckoutLine(graphene.ObjectType):
    id = graphene.ID(required=True)
    variant = graphene.Field(ProductVariant, required=True)
    quantity = graphene.Int(required=True)
    unit_price = graphene.Field(TaxedMoney, required=True)
    total_price = graphene.Field(TaxedMoney, required=True)
    requires_shipping = graphene.Boolean(required=True)


def _totals(checkout: CheckoutModel) -> CheckoutTotals:
    cached = getattr(checkout, "_graphql_totals", None)
    if cached is None:
        cached = checkout_totals(checkout)
        checkout._graphql_totals = cached  # type: ignore[attr-defined]
    return cached


class Checkout(graphene.ObjectType):
    id = graphene.ID(required=True)
    token = graphene.UUID(required=True)
    email = graphene.String()
    created = graphene.DateTime(required=True)
    updated_at = graphene.DateTime(required=True)
    quantity = graphene.Int(required=True)
    lines = graphene.List(graphene.NonNull(CheckoutLine), required=True)
    shipping_address = graphene.Field(Address)
    shipping_methods = graphene.List(graphene.NonNull(ShippingMethod), required=True)
    available_collection_points = graphene.List(graphene.NonNull(Warehouse), required=True)
    shipping_method = graphene.Field(ShippingMethod)
    is_shipping_required = graphene.Boolean(required=True)
    subtotal_price = graphene.Field(TaxedMoney, required=True)
    shipping_price = graphene.Field(TaxedMoney, required=True)
    total_price = graphene.Field(TaxedMoney, required=True)
    stock_reservation_expires = graphene.DateTime()
    display_gross_prices = graphene.Boolean(required=True)

    @staticmethod
    def resolve_id(root: CheckoutModel, info) -> str:  # noqa: ANN001
        return to_global_id("Checkout", str(root.token))

    @staticmethod
    def resolve_token(root: CheckoutModel, info) -> uuid.UUID:  # noqa: ANN001
        return root.token

    @staticmethod
    def resolve_created(root: CheckoutModel, info):  # noqa: ANN001, ANN205
        return root.created_at

    @staticmethod
    def resolve_updated_at(root: CheckoutModel, info):  # noqa: ANN001, ANN205
        return root.last_change

    @staticmethod
    def resolve_quantity(root: CheckoutModel, info) -> int:  # noqa: ANN001
        return _totals(root).quantity

    @staticmethod
    def resolve_lines(root: CheckoutModel, info) -> list[dict[str, Any]]:  # noqa: ANN001
        out = []
        zero = MoneyValue(Decimal(0), root.channel.currency_code)
        view = NodeView(channel=root.channel)
        for i in _totals(root).lines:
            out.append({
                "id": to_global_id("CheckoutLine", str(i.line.id)),
                "variant": attach(i.variant, view),
                "quantity": i.quantity,
                "unit_price": _taxed(i.unit_gross or zero, root.channel),
                "total_price": _taxed(i.total_gross or zero, root.channel),
                "requires_shipping": i.variant.product.product_type.is_shipping_required,
            })
        return out

    @staticmethod
    def resolve_shipping_address(root: CheckoutModel, info):  # noqa: ANN001, ANN205
        return root.shipping_address if root.shipping_address_id else None

    @staticmethod
    def resolve_shipping_methods(root: CheckoutModel, info) -> list[dict[str, Any]]:  # noqa: ANN001
        return [ShippingMethod.of(o) for o in delivery_options(root, _totals(root).lines)
                if o.kind == "shipping"]

    @staticmethod
    def resolve_available_collection_points(root: CheckoutModel, info):  # noqa: ANN001, ANN205
        ids = [o.warehouse_id for o in delivery_options(root, _totals(root).lines)
               if o.kind == "pickup" and o.warehouse_id]
        found = WarehouseModel.objects.in_bulk(ids)
        return [found[pk] for pk in ids if pk in found]

    @staticmethod
    def resolve_shipping_method(root: CheckoutModel, info):  # noqa: ANN001, ANN205
        option = checkout_delivery_option(root, _totals(root).lines)
        return ShippingMethod.of(option) if option and option.kind == "shipping" else None

    @staticmethod
    def resolve_is_shipping_required(root: CheckoutModel, info) -> bool:  # noqa: ANN001
        return any(i.variant.product.product_type.is_shipping_required for i in _totals(root).lines)

    @staticmethod
    def resolve_subtotal_price(root: CheckoutModel, info):  # noqa: ANN001, ANN205
        return _taxed(_totals(root).subtotal, root.channel)

    @staticmethod
    def resolve_shipping_price(root: CheckoutModel, info):  # noqa: ANN001, ANN205
        return _taxed(_totals(root).shipping, root.channel)

    @staticmethod
    def resolve_total_price(root: CheckoutModel, info):  # noqa: ANN001, ANN205
        return _taxed(_totals(root).total, root.channel)

    @staticmethod
    def resolve_stock_reservation_expires(root: CheckoutModel, info):  # noqa: ANN001, ANN205
        return checkout_reservation_expires(root)

    @staticmethod
    def resolve_display_gross_prices(root: CheckoutModel, info) -> bool:  # noqa: ANN001
        return root.channel.display_gross_prices


# ---------------------------------------------------------------------------------
# Inputs (names as in Saleor, so clients' variable types validate against both)
# ---------------------------------------------------------------------------------


class CheckoutLineInput(graphene.InputObjectType):
    quantity = graphene.Int(required=True)
    variant_id = graphene.ID(required=True)
    price = graphene.Field(PositiveDecimal, description="Refused: prices come from the channel.")


class CheckoutLineUpdateInput(graphene.InputObjectType):
    variant_id = graphene.ID(deprecation_reason="Use `lineId` instead.")
    quantity = graphene.Int()
    price = graphene.Field(PositiveDecimal, description="Refused: prices come from the channel.")
    line_id = graphene.ID()


class CheckoutCreateInput(graphene.InputObjectType):
    channel = graphene.String(description="Slug of the storefront channel.")
    lines = graphene.List(graphene.NonNull(CheckoutLineInput))
    email = graphene.String()
    shipping_address = graphene.Field(AddressInput)
    language_code = graphene.Field(LanguageCodeEnum)


# ---------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------


class _Invalid(Exception):
    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error["message"])
        self.error = error


def _error(field: str | None, message: str, code: str, **extra: object) -> dict[str, Any]:
    return {"field": field, "message": message, "code": code, **extra}


def _errors_from(exc: DomainError) -> list[dict[str, Any]]:
    items = exc.errors if isinstance(exc, ValidationFailed) else [exc]
    out = []
    for item in items:
        try:
            name = DomainCode(item.code).name
        except ValueError:
            name = "INVALID"
        code = name if name in SALEOR_CODES else "INVALID"
        variants = [to_global_id("ProductVariant", v) for v in item.params.get("variants", [])]
        field = _CAMEL.get(item.field or "", item.field)
        out.append(_error(field, item.message, code, variants=variants or None))
    return out


def _decode(global_id: object, expected: str, field: str) -> str:
    try:
        kind, key = from_global_id(str(global_id or ""))
    except Exception:  # noqa: BLE001 - graphql_relay raises several kinds on junk
        kind, key = "", ""
    if kind != expected or not key:
        raise _Invalid(_error(field, _("Couldn't resolve to a node: %(id)s")
                              % {"id": str(global_id)[:64]}, "GRAPHQL_ERROR"))
    return key


def _checkout(info, global_id: object) -> CheckoutModel:  # noqa: ANN001
    key = _decode(global_id, "Checkout", "id")
    try:
        token = uuid.UUID(key)
    except ValueError as exc:
        raise _Invalid(_error("id", _("Couldn't resolve to a node: %(id)s")
                              % {"id": str(global_id)[:64]}, "GRAPHQL_ERROR")) from exc
    checkout = (CheckoutModel.objects.select_related("channel", "shipping_address")
                .filter(pk=token).first())
    user = getattr(info.context, "user", None)
    if checkout is not None and checkout.user_id and (
            user is None or not user.is_authenticated or user.pk != checkout.user_id):
        checkout = None
    if checkout is None:
        raise _Invalid(_error("id", _("Checkout not found."), "NOT_FOUND"))
    return checkout


def _line_inputs(lines: list[dict[str, Any]] | None) -> list[LineInput]:
    out = []
    for item in lines or []:
        if item.get("price") is not None:
            raise _Invalid(_error("price", _("Prices are set by the shop and cannot be "
                                            "overridden."), "INVALID"))
        out.append(LineInput(variant_id=_decode(item.get("variant_id"), "ProductVariant",
                                                "variantId"),
                             quantity=item.get("quantity")))
    return out


def _address(data: dict[str, Any] | None) -> dict[str, object]:
    data = data or {}
    return {
        "first_name": data.get("first_name"), "last_name": data.get("last_name"),
        "company_name": data.get("company_name"),
        "street_address_1": data.get("street_address1"),
        "street_address_2": data.get("street_address2"), "city": data.get("city"),
        "city_area": data.get("city_area"), "postal_code": data.get("postal_code"),
        "country": country_from_enum(data.get("country")),
        "country_area": data.get("country_area"),
        "phone": data.get("phone"),
    }


def _run(payload_cls: type, fn, **extra: object):  # noqa: ANN001, ANN202
    """Call ``fn``; turn expected errors into the payload's ``errors`` list."""
    try:
        return payload_cls(errors=[], **fn(), **extra)
    except _Invalid as exc:
        return payload_cls(errors=[exc.error], **extra)
    except DomainError as exc:
        return payload_cls(errors=_errors_from(exc), **extra)


# ---------------------------------------------------------------------------------
# mutations
# ---------------------------------------------------------------------------------


class CheckoutCreate(graphene.Mutation):
    class Arguments:
        input = graphene.Argument(CheckoutCreateInput, required=True)

    created = graphene.Boolean(deprecation_reason="Always returns `true`.")
    errors = graphene.List(graphene.NonNull(CheckoutError), required=True)
    checkout = graphene.Field(Checkout)

    @staticmethod
    def mutate(root, info, input):  # noqa: ANN001, ANN205, A002
        def run() -> dict[str, Any]:
            slug = input.get("channel")
            if not slug:
                raise _Invalid(_error("channel", _("Give the channel's slug."),
                                      "MISSING_CHANNEL_SLUG"))
            channel = Channel.objects.filter(slug=str(slug),
                                             kind=ChannelKind.STOREFRONT).first()
            if channel is None:
                raise _Invalid(_error("channel", _("Channel %(slug)s does not exist.")
                                      % {"slug": str(slug)[:64]}, "NOT_FOUND"))
            user = getattr(info.context, "user", None)
            checkout = checkout_create(
                channel, user=user if user is not None and user.is_authenticated else None,
                email=input.get("email") or "",
                language_code=language_from_enum(input.get("language_code")) or "",
                lines=_line_inputs(input.get("lines")),
                shipping_address=_address(input["shipping_address"])
                if input.get("shipping_address") else None,
            )
            return {"checkout": checkout, "created": True}

        return _run(CheckoutCreate, run)


class CheckoutLinesAdd(graphene.Mutation):
    class Arguments:
        id = graphene.ID()
        lines = graphene.List(graphene.NonNull(CheckoutLineInput), required=True)

    checkout = graphene.Field(Checkout)
    errors = graphene.List(graphene.NonNull(CheckoutError), required=True)

    @staticmethod
    def mutate(root, info, lines, id=None):  # noqa: ANN001, ANN205, A002
        def run() -> dict[str, Any]:
            checkout = _checkout(info, id)
            return {"checkout": checkout_lines_add(checkout, _line_inputs(lines))}

        return _run(CheckoutLinesAdd, run)


class CheckoutLinesUpdate(graphene.Mutation):
    class Arguments:
        id = graphene.ID()
        lines = graphene.List(graphene.NonNull(CheckoutLineUpdateInput), required=True)

    checkout = graphene.Field(Checkout)
    errors = graphene.List(graphene.NonNull(CheckoutError), required=True)

    @staticmethod
    def mutate(root, info, lines, id=None):  # noqa: ANN001, ANN205, A002
        def run() -> dict[str, Any]:
            checkout = _checkout(info, id)
            by_variant = {str(ln.variant_id): str(ln.id) for ln in checkout.lines.all()}
            updates: list[tuple[object, object]] = []
            for item in lines:
                if item.get("price") is not None:
                    raise _Invalid(_error("price", _("Prices are set by the shop and cannot be "
                                                    "overridden."), "INVALID"))
                if item.get("quantity") is None:
                    raise _Invalid(_error("quantity", _("Give a quantity."), "REQUIRED"))
                if item.get("line_id"):
                    line_id = _decode(item["line_id"], "CheckoutLine", "lineId")
                elif item.get("variant_id"):
                    key = _decode(item["variant_id"], "ProductVariant", "variantId")
                    line_id = by_variant.get(key, "")
                else:
                    raise _Invalid(_error("lineId", _("Give the line to update."), "REQUIRED"))
                updates.append((line_id, item["quantity"]))
            return {"checkout": checkout_lines_update(checkout, updates)}

        return _run(CheckoutLinesUpdate, run)


class CheckoutEmailUpdate(graphene.Mutation):
    class Arguments:
        id = graphene.ID()
        email = graphene.String(required=True)

    checkout = graphene.Field(Checkout)
    errors = graphene.List(graphene.NonNull(CheckoutError), required=True)

    @staticmethod
    def mutate(root, info, email, id=None):  # noqa: ANN001, ANN205, A002
        return _run(CheckoutEmailUpdate,
                    lambda: {"checkout": checkout_email_update(_checkout(info, id), email)})


class CheckoutShippingAddressUpdate(graphene.Mutation):
    class Arguments:
        id = graphene.ID()
        shipping_address = graphene.Argument(AddressInput, required=True)

    checkout = graphene.Field(Checkout)
    errors = graphene.List(graphene.NonNull(CheckoutError), required=True)

    @staticmethod
    def mutate(root, info, shipping_address, id=None):  # noqa: ANN001, ANN205, A002
        def run() -> dict[str, Any]:
            checkout = _checkout(info, id)
            return {"checkout": checkout_shipping_address_update(checkout,
                                                                 _address(shipping_address))}

        return _run(CheckoutShippingAddressUpdate, run)


class CheckoutDeliveryMethodUpdate(graphene.Mutation):
    class Arguments:
        id = graphene.ID()
        delivery_method_id = graphene.ID(
            description="ShippingMethod ID, or Warehouse ID for pickup at a store.")

    checkout = graphene.Field(Checkout)
    errors = graphene.List(graphene.NonNull(CheckoutError), required=True)

    @staticmethod
    def mutate(root, info, id=None, delivery_method_id=None):  # noqa: ANN001, ANN205, A002
        def run() -> dict[str, Any]:
            checkout = _checkout(info, id)
            try:
                kind, key = from_global_id(str(delivery_method_id or ""))
            except Exception:  # noqa: BLE001
                kind, key = "", ""
            option = {"ShippingMethod": "shipping", "Warehouse": "pickup"}.get(kind)
            if option is None or not key:
                raise _Invalid(_error("deliveryMethodId", _("Choose a shipping method or a "
                                                           "store."), "GRAPHQL_ERROR"))
            return {"checkout": checkout_delivery_method_update(checkout, f"{option}:{key}")}

        return _run(CheckoutDeliveryMethodUpdate, run)


def _placed(order_id: uuid.UUID) -> OrderModel:
    """The order as stored now: payment services update its status with UPDATE queries,
    so the instance they hand back may still say "not charged"."""
    return (OrderModel.objects.select_related("channel", "billing_address", "shipping_address",
                                              "collection_point").get(pk=order_id))


def _payment_outcome(result: PaymentResult) -> dict[str, Any]:
    if result.order is not None:
        return {"order": _placed(result.order.pk), "confirmation_needed": False}
    if result.error is not None:
        raise result.error
    payment = result.payment
    data = {"payment_intent_id": payment.psp_reference if payment else None,
            "status": "requires_action" if result.requires_action else "processing"}
    if result.client_secret:
        data["client_secret"] = result.client_secret
    return {"order": None, "confirmation_needed": True, "confirmation_data": data}


class CheckoutComplete(graphene.Mutation):
    class Arguments:
        id = graphene.ID()
        payment_data = graphene.JSONString(
            description='{"token": "tok_…"}: a card token from Stripe.js createToken().')
        redirect_url = graphene.String()

    order = graphene.Field(Order)
    confirmation_needed = graphene.Boolean(required=True)
    confirmation_data = graphene.JSONString()
    errors = graphene.List(graphene.NonNull(CheckoutError), required=True)

    @staticmethod
    def mutate(root, info, id=None, payment_data=None, redirect_url=None):  # noqa: ANN001, ANN205, A002
        def run() -> dict[str, Any]:
            checkout = _checkout(info, id)
            user = getattr(info.context, "user", None)
            user = user if user is not None and user.is_authenticated else None
            if checkout.completed_order_id:
                return {"order": _placed(checkout.completed_order_id),
                        "confirmation_needed": False}
            data = payment_data
            if isinstance(data, str):
                try:
                    data = json.loads(data)
                except ValueError:
                    data = None
            token = data.get("token") if isinstance(data, dict) else None
            if token:
                return _payment_outcome(payment_start(checkout, str(token), user=user))
            open_payment = (checkout.payments.filter(status__in=[
                PaymentStatus.REQUIRES_ACTION, PaymentStatus.PROCESSING,
                PaymentStatus.AUTHORIZED, PaymentStatus.CHARGED], order__isnull=True)
                .order_by("-created_at").first())
            if open_payment is not None:
                return _payment_outcome(payment_sync(open_payment, user=user))
            if _totals(checkout).total.amount == 0:
                return {"order": _placed(checkout_complete(checkout, user=user).pk),
                        "confirmation_needed": False}
            raise DomainCheckoutError(
                _("Pay first: pass paymentData {\"token\": \"tok_…\"} from Stripe.js."),
                code=DomainCode.CHECKOUT_NOT_FULLY_PAID, field="paymentData")

        return _complete_payload(run)


def _complete_payload(run) -> CheckoutComplete:  # noqa: ANN001
    try:
        return CheckoutComplete(errors=[], **run())
    except _Invalid as exc:
        return CheckoutComplete(errors=[exc.error], confirmation_needed=False)
    except DomainError as exc:
        return CheckoutComplete(errors=_errors_from(exc), confirmation_needed=False)


class CheckoutQueries(graphene.ObjectType):
    checkout = graphene.Field(Checkout, id=graphene.ID(), description="A checkout by its ID.")

    @staticmethod
    def resolve_checkout(root, info, id=None):  # noqa: ANN001, ANN205, A002
        try:
            return _checkout(info, id)
        except _Invalid:
            return None


class CheckoutMutations(graphene.ObjectType):
    checkout_create = CheckoutCreate.Field()
    checkout_lines_add = CheckoutLinesAdd.Field()
    checkout_lines_update = CheckoutLinesUpdate.Field()
    checkout_email_update = CheckoutEmailUpdate.Field()
    checkout_shipping_address_update = CheckoutShippingAddressUpdate.Field()
    checkout_delivery_method_update = CheckoutDeliveryMethodUpdate.Field()
    checkout_complete = CheckoutComplete.Field()


__all__ = ["CheckoutMutations", "CheckoutQueries"]
