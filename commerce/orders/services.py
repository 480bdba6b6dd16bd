"""Order services: create an order for any channel, allocate it, cancel it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from commerce.account.models import Address, Customer
from commerce.catalog.models import ProductVariant, ProductVariantChannelListing
from commerce.catalog.selectors import variant_labels
from commerce.channel.models import Channel
from commerce.core.money import quantize
from commerce.inventory import services as inventory
from commerce.notifications.services import send_order_cancelled, send_safely

from .errors import OrderError, OrderErrorCode
from .models import Order, OrderEvent, OrderLine, OrderOrigin, OrderStatus


@dataclass
class OrderLineInput:
    sku: str
    quantity: int
    unit_price: Decimal | None = None  # None: the channel's listed price
    external_line_id: str = ""


@dataclass
class OrderInput:
    channel: Channel
    lines: Sequence[OrderLineInput]
    currency: str
    email: str = ""
    language_code: str = ""
    external_id: str | None = None
    origin: str = OrderOrigin.CHECKOUT
    shipping_address: dict[str, str] | None = None
    billing_address: dict[str, str] | None = None
    shipping_price: Decimal = Decimal(0)
    shipping_method_name: str = ""
    customer_note: str = ""
    external_updated_at: datetime | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    # Variants by SKU the caller already read (with product and product type), e.g. for a
    # page of imported orders at once; order_create looks up only the SKUs missing here.
    variants: Mapping[str, ProductVariant] = field(default_factory=dict, repr=False)


def next_order_number() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('orders_order_number_seq')")
        return int(cursor.fetchone()[0])


def _validate(data: OrderInput) -> dict[str, ProductVariant]:
    if not data.lines:
        raise OrderError(
            _("An order needs at least one line."), code=OrderErrorCode.NO_LINES, field="lines"
        )
    if (data.currency or "").upper() != data.channel.currency_code:
        raise OrderError(
            _("Currency %(cur)s does not match channel %(ch)s, which sells in %(exp)s.")
            % {"cur": data.currency, "ch": data.channel.slug, "exp": data.channel.currency_code},
            code=OrderErrorCode.CURRENCY_MISMATCH,
            field="currency",
        )
    for line in data.lines:
        if (
            not isinstance(line.quantity, int)
            or isinstance(line.quantity, bool)
            or line.quantity <= 0
        ):
            raise OrderError(
                _("Quantity of %(sku)s must be a whole number above zero.") % {"sku": line.sku},
                code=OrderErrorCode.INVALID_QUANTITY,
                field="quantity",
            )
        if line.unit_price is not None:
            try:
                price = Decimal(line.unit_price)
            except (InvalidOperation, TypeError, ValueError):
                price = Decimal(-1)
            if not price.is_finite() or price < 0:
                raise OrderError(
                    _("Price of %(sku)s is not valid.") % {"sku": line.sku},
                    code=OrderErrorCode.INVALID_PRICE,
                    field="unitPrice",
                )
    skus = {line.sku for line in data.lines}
    variants = {sku: v for sku, v in data.variants.items() if sku in skus and v.sku == sku}
    if len(variants) < len(skus):
        variants.update(
            (v.sku, v)
            for v in ProductVariant.objects.filter(sku__in=skus - variants.keys()).select_related(
                "product__product_type"
            )
        )
    unknown = sorted(skus - variants.keys())
    if unknown:
        raise OrderError(
            _("Unknown SKU: %(skus)s") % {"skus": ", ".join(unknown)},
            code=OrderErrorCode.UNKNOWN_SKU,
            field="sku",
        )
    # A second order with the same external id is refused by the unique constraint when
    # the order is inserted (order_create turns that into DUPLICATE_EXTERNAL_ID).
    return variants


_ADDRESS_FIELDS = frozenset(f.name for f in Address._meta.fields) - {"id"}


def _addresses(
    shipping: dict[str, str] | None, billing: dict[str, str] | None
) -> tuple[Address | None, Address | None]:
    """The order's own copies of its addresses, inserted in one statement."""
    rows = [
        Address(**{k: v for k, v in data.items() if k in _ADDRESS_FIELDS}) if data else None
        for data in (shipping, billing)
    ]
    Address.objects.bulk_create([a for a in rows if a is not None])
    return rows[0], rows[1]


def order_create(
    data: OrderInput,
    *,
    allocate: bool = True,
    warehouse_ids: Sequence[int] | None = None,
    split: bool = True,
    reservation_reference: str | None = None,
    user=None,
) -> Order:  # noqa: ANN001
    """Create an order with its lines and (by default) allocate its stock, in one transaction.

    Bad input raises OrderError; short stock raises InsufficientStock; either way
    nothing is written.
    """
    variants = _validate(data)
    channel = data.channel
    unpriced = [variants[line.sku].pk for line in data.lines if line.unit_price is None]
    listed = (
        dict(
            ProductVariantChannelListing.objects.filter(
                channel=channel, variant_id__in=unpriced
            ).values_list("variant_id", "price_amount")
        )
        if unpriced
        else {}
    )
    currency = channel.currency_code
    try:
        with transaction.atomic():
            customer = None
            if data.email:
                customer, _created = Customer.objects.get_or_create(
                    email=data.email.strip().lower(),
                    defaults={"preferred_language": data.language_code or channel.default_language},
                )
            shipping_address, billing_address = _addresses(
                data.shipping_address, data.billing_address or data.shipping_address
            )
            order = Order(
                number=next_order_number(),
                channel=channel,
                external_id=data.external_id or None,
                origin=data.origin,
                status=OrderStatus.UNFULFILLED,
                currency=currency,
                language_code=data.language_code or channel.default_language,
                customer=customer,
                user_email=(data.email or "").lower(),
                shipping_address=shipping_address,
                billing_address=billing_address,
                shipping_method_name=data.shipping_method_name,
                customer_note=data.customer_note,
                external_updated_at=data.external_updated_at,
                metadata=data.metadata,
            )
            lines: list[OrderLine] = []
            rate = channel.default_tax_rate / Decimal(100)
            # What the shopper read in the cart: names in the order's language, and the
            # option ("M / Blue") when the variant has no name of its own.
            labels = variant_labels([v.pk for v in variants.values()], order.language_code)
            for item in data.lines:
                variant = variants[item.sku]
                label = labels[variant.pk]
                price = item.unit_price if item.unit_price is not None else listed.get(variant.pk)
                if price is None:
                    raise OrderError(
                        _("%(sku)s is not sold in channel %(ch)s.")
                        % {"sku": item.sku, "ch": channel.slug},
                        code=OrderErrorCode.NOT_AVAILABLE_IN_CHANNEL,
                        field="sku",
                    )
                price = quantize(Decimal(price), currency)
                if channel.prices_entered_with_tax:
                    gross, net = price, quantize(price / (1 + rate), currency)
                else:
                    net, gross = price, quantize(price * (1 + rate), currency)
                lines.append(
                    OrderLine(
                        order=order,
                        variant=variant,
                        product_name=variant.product.name,
                        translated_product_name=label.product_name,
                        variant_name=label.variant_name,
                        product_sku=variant.sku,
                        external_line_id=item.external_line_id,
                        quantity=item.quantity,
                        currency=currency,
                        unit_price_net_amount=net,
                        unit_price_gross_amount=gross,
                        total_price_net_amount=net * item.quantity,
                        total_price_gross_amount=gross * item.quantity,
                        tax_rate=rate,
                        is_shipping_required=variant.product.product_type.is_shipping_required
                        if hasattr(variant.product, "product_type")
                        else True,
                    )
                )
            order.subtotal_net_amount = sum((ln.total_price_net_amount for ln in lines), Decimal(0))
            order.subtotal_gross_amount = sum(
                (ln.total_price_gross_amount for ln in lines), Decimal(0)
            )
            ship = quantize(Decimal(data.shipping_price or 0), currency)
            order.shipping_price_gross_amount = ship
            order.shipping_price_net_amount = (
                quantize(ship / (1 + rate), currency) if channel.prices_entered_with_tax else ship
            )
            order.total_net_amount = order.subtotal_net_amount + order.shipping_price_net_amount
            order.total_gross_amount = (
                order.subtotal_gross_amount + order.shipping_price_gross_amount
            )
            order.save()
            OrderLine.objects.bulk_create(lines)
            _keep_lines(order, lines)
            OrderEvent.objects.create(
                order=order,
                type="placed",
                user=user if user and user.pk else None,
                parameters={"origin": data.origin},
            )
            if allocate:
                inventory.stock_allocate(
                    lines,
                    channel,
                    warehouse_ids=warehouse_ids,
                    split=split,
                    reservation_reference=reservation_reference,
                    user=user,
                )
            return order
    except IntegrityError as exc:
        if "order_external_id_unique_per_channel" in str(exc):
            raise OrderError(
                _("Order %(ext)s already exists in channel %(ch)s.")
                % {"ext": data.external_id, "ch": channel.slug},
                code=OrderErrorCode.DUPLICATE_EXTERNAL_ID,
                field="externalId",
            ) from exc
        raise


def _keep_lines(order: Order, lines: list[OrderLine]) -> None:
    """Seed ``order.lines.all()`` with the lines just inserted (as prefetch_related would),
    so routing, store work and the hub read them without another query."""
    queryset = order.lines.all()
    queryset._result_cache = lines  # type: ignore[attr-defined]
    queryset._prefetch_done = True  # type: ignore[attr-defined]
    order._prefetched_objects_cache = {"lines": queryset}  # type: ignore[attr-defined]


def order_cancel(order: Order, *, user=None, reason: str = "",  # noqa: ANN001
                 notify_customer: bool = True) -> Order:
    """Cancel an unfulfilled order and give its allocated stock back.

    The shopper gets the "order cancelled" email (once; marketplace orders are left to the
    marketplace). ``reason`` is for the order's history, not the email. A caller that tells
    the shopper more (an uncollected pickup) passes ``notify_customer=False`` and sends its
    own. ``order_cancel`` of an already cancelled order changes and sends nothing.
    """
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status == OrderStatus.CANCELED:
            return order
        if order.status not in (
            OrderStatus.UNFULFILLED,
            OrderStatus.UNCONFIRMED,
            OrderStatus.DRAFT,
        ):
            raise OrderError(
                _("Only orders that have not shipped can be canceled."),
                code=OrderErrorCode.INVALID_STATUS,
                field="status",
            )
        inventory.stock_deallocate(list(order.lines.all()), user=user)
        order.status = OrderStatus.CANCELED
        order.save(update_fields=["status", "updated_at"])
        OrderEvent.objects.create(
            order=order, type="canceled", message=reason, user=user if user and user.pk else None
        )
        if notify_customer:
            send_safely(send_order_cancelled, order)
        return order


def order_fulfil(order: Order, *, user=None) -> int:  # noqa: ANN001
    """Ship every allocated, not yet fulfilled unit of an order; returns units shipped.

    Stock leaves the warehouses that hold the allocations (``stock_fulfil``); the
    order becomes fulfilled, or partially fulfilled while units are still missing.
    Units allocated in offline stores (warehouses of kind store) are left to the store,
    which ships or hands them over itself; a pickup order is never shipped from here.
    """
    from commerce.inventory.models import Allocation, WarehouseKind

    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status not in (OrderStatus.UNFULFILLED, OrderStatus.PARTIALLY_FULFILLED):
            raise OrderError(_("Only unfulfilled orders can be fulfilled."),
                             code=OrderErrorCode.INVALID_STATUS, field="status")
        if order.collection_point_id:
            raise OrderError(_("Order %(order)s is picked up at a store: the store hands it "
                               "over, it is not shipped.") % {"order": order},
                             code=OrderErrorCode.INVALID_STATUS, field="status")
        lines = {line.pk: line for line in order.lines.order_by("pk")}
        held = (Allocation.objects.filter(order_line__order=order)
                .values_list("order_line_id", "stock__warehouse_id", "stock__warehouse__kind")
                .annotate(units=Sum("quantity_allocated")).order_by("order_line_id",
                                                                    "stock__warehouse_id"))
        shipped = in_stores = 0
        for line_id, warehouse_id, kind, units in held:
            if kind == WarehouseKind.STORE:
                in_stores += units or 0
                continue
            line = lines[line_id]
            quantity = min(units or 0, line.quantity_unfulfilled)
            if quantity > 0:
                inventory.stock_fulfil(line, quantity, warehouse_id=warehouse_id, user=user)
                shipped += quantity
        if not shipped:
            if in_stores:
                raise OrderError(_("The allocated units of order %(order)s are in offline "
                                   "stores, which ship them themselves.")
                                 % {"order": order}, code=OrderErrorCode.NOTHING_TO_FULFIL,
                                 field="lines")
            raise OrderError(_("Order %(order)s has no allocated units to ship.")
                             % {"order": order}, code=OrderErrorCode.NOTHING_TO_FULFIL,
                             field="lines")
        done = all(line.quantity_fulfilled >= line.quantity for line in lines.values())
        order.status = OrderStatus.FULFILLED if done else OrderStatus.PARTIALLY_FULFILLED
        order.save(update_fields=["status", "updated_at"])
        OrderEvent.objects.create(order=order, type="fulfilled", user=user if user and user.pk else None,
                                  parameters={"quantity": shipped})
        return shipped
