"""Checkout services: cart lines, address, delivery, stock hold and completion.

Every service is one transaction that locks the checkout row first, so two
requests on the same cart never interleave. Quantities and variant ids are
validated here (views and mutations only parse); prices are never taken from
the client. Every change to the lines re-reserves the whole cart's stock
(``stock_reserve`` replaces the previous hold), so the hold always matches
the cart and its expiry restarts.

Completion hands the order to one *order creator* (``settings.CHECKOUT_ORDER_CREATOR``,
a dotted path): by default ``order_create_unrouted`` below; with the O2O hub installed
it is ``hub.stores.routing.create_routed_order``, which routes the order (merchant
rules, the pickup store) before allocating and queues the store's work. Commerce
never imports the hub; the setting is the seam.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from commerce.account.models import Address
from commerce.catalog.models import ProductVariant
from commerce.channel.models import Channel
from commerce.core.errors import DomainError, ValidationFailed
from commerce.core.money import Money, quantize
from commerce.inventory import services as inventory
from commerce.inventory.errors import InsufficientStock, InventoryError
from commerce.inventory.models import Reservation
from commerce.orders.errors import OrderError
from commerce.orders.models import Order, OrderEvent
from commerce.orders.services import OrderInput, OrderLineInput, order_create

from . import notify
from .addresses import address_validate
from .calculations import (
    CheckoutTotals,
    checkout_line_infos,
    checkout_totals,
    gross_price,
    variant_unit_prices,
)
from .delivery import checkout_delivery_option, checkout_delivery_provider, delivery_provider
from .errors import CheckoutError, CheckoutErrorCode
from .models import Checkout, CheckoutLine

logger = logging.getLogger(__name__)
LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}


@dataclass(frozen=True)
class LineInput:
    """A line as a client sent it: ids and quantities still raw, price only as a check."""

    variant_id: object
    quantity: object
    price: object = None  # what the client believes the unit price is (refused if wrong)
    currency: object = None


# ---------------------------------------------------------------------------------
# parsing and validation
# ---------------------------------------------------------------------------------


def parse_quantity(raw: object, *, allow_zero: bool, field: str = "quantity") -> int:
    """A whole number within the cart limit, or a CheckoutError."""
    if isinstance(raw, bool):
        raw = None
    try:
        if isinstance(raw, str):
            raw = raw.strip()
            if not raw.lstrip("-").isdigit():
                raise ValueError(raw)
        if isinstance(raw, float) and not raw.is_integer():
            raise ValueError(raw)
        quantity = int(raw)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError) as exc:
        raise CheckoutError(_("Quantity must be a whole number."), code=CheckoutErrorCode.INVALID,
                            field=field) from exc
    if quantity < 0:
        raise CheckoutError(_("Quantity cannot be negative."), code=CheckoutErrorCode.INVALID,
                            field=field)
    if quantity == 0 and not allow_zero:
        raise CheckoutError(_("Quantity must be at least 1."),
                            code=CheckoutErrorCode.ZERO_QUANTITY, field=field)
    limit = settings.CHECKOUT_MAX_LINE_QUANTITY
    if quantity > limit:
        raise CheckoutError(
            _("You can buy at most %(limit)d of one item per order.") % {"limit": limit},
            code=CheckoutErrorCode.QUANTITY_GREATER_THAN_LIMIT, field=field,
        )
    return quantity


def parse_variant_id(raw: object, field: str = "variantId") -> int:
    if isinstance(raw, bool):
        raw = None
    try:
        text = str(raw).strip()
        if not text.isdigit() or len(text) > 18:
            raise ValueError(text)
        return int(text)
    except (TypeError, ValueError) as exc:
        raise CheckoutError(_("This product does not exist."), code=CheckoutErrorCode.NOT_FOUND,
                            field=field) from exc


@dataclass(frozen=True)
class ForSale:
    variant: ProductVariant
    unit_price: Money  # as entered in the channel (the resolver's price)


def _sale_check(channel: Channel, variant_ids: set[int]
                ) -> tuple[dict[int, ForSale], dict[int, CheckoutError]]:
    """Which variants are for sale in ``channel`` (with their price) and why the others are
    not, in a constant number of queries."""
    variants = {
        v.pk: v
        for v in ProductVariant.objects.filter(pk__in=variant_ids)
        .select_related("product__product_type")
        .prefetch_related("channel_listings", "product__channel_listings")
    }
    prices = variant_unit_prices(list(variants.values()), channel)
    now = timezone.now()
    for_sale: dict[int, ForSale] = {}
    refused: dict[int, CheckoutError] = {}
    for variant_id in sorted(variant_ids):
        variant = variants.get(variant_id)
        params = {"variants": [variant_id]}
        if variant is None:
            refused[variant_id] = CheckoutError(
                _("This product does not exist."), code=CheckoutErrorCode.NOT_FOUND,
                field="variantId", params=params)
            continue
        name = variant.product.name
        listing = next((pl for pl in variant.product.channel_listings.all()
                        if pl.channel_id == channel.pk), None)
        price = prices.get(variant_id)
        if listing is None or not listing.is_published or (
            listing.published_at is not None and listing.published_at > now
        ):
            refused[variant_id] = CheckoutError(
                _("%(name)s is not on sale.") % {"name": name},
                code=CheckoutErrorCode.PRODUCT_NOT_PUBLISHED, field="variantId", params=params)
        elif listing.available_for_purchase_at is not None and \
                listing.available_for_purchase_at > now:
            refused[variant_id] = CheckoutError(
                _("%(name)s cannot be bought yet.") % {"name": name},
                code=CheckoutErrorCode.PRODUCT_UNAVAILABLE_FOR_PURCHASE, field="variantId",
                params=params)
        elif price is None:
            refused[variant_id] = CheckoutError(
                _("%(name)s is not sold in this market.") % {"name": name},
                code=CheckoutErrorCode.UNAVAILABLE_VARIANT_IN_CHANNEL, field="variantId",
                params=params)
        else:
            for_sale[variant_id] = ForSale(variant, price)
    return for_sale, refused


def _variants_for_sale(channel: Channel, variant_ids: set[int]) -> dict[int, ForSale]:
    """Variants that exist, are published in ``channel`` and have a price there, with it;
    else the first refusal (by variant id) as a CheckoutError."""
    for_sale, refused = _sale_check(channel, variant_ids)
    if refused:
        raise refused[min(refused)]
    return for_sale


def _check_client_price(item: ForSale, channel: Channel, price: object,
                        currency: object) -> None:
    """Refuse a line whose client-side price or currency differs from ours (tampering or
    a stale page): nothing is added and the shopper is told the real price."""
    if currency not in (None, "") and str(currency).strip().upper() != channel.currency_code:
        raise CheckoutError(
            _("This shop charges in %(cur)s here; prices in %(sent)s are not accepted.")
            % {"cur": channel.currency_code, "sent": str(currency)[:8]},
            code=CheckoutErrorCode.CURRENCY_MISMATCH, field="currency",
        )
    if price in (None, ""):
        return
    expected = gross_price(item.unit_price.amount, channel)
    try:
        sent = Decimal(str(price).strip())
        matches = sent.is_finite() and quantize(sent, channel.currency_code) == expected
    except (InvalidOperation, ValueError):
        matches = False
    if not matches:
        raise CheckoutError(
            _("The price of %(name)s is %(price)s %(cur)s; prices cannot be changed in the "
              "cart. Nothing was added.")
            % {"name": item.variant.product.name, "price": expected,
               "cur": channel.currency_code},
            code=CheckoutErrorCode.PRICE_MISMATCH, field="price",
        )


def _lock(checkout: Checkout) -> Checkout:
    locked = Checkout.objects.select_for_update(of=("self",)).select_related(
        "channel", "shipping_address").get(pk=checkout.pk)
    if locked.completed_at is not None:
        raise CheckoutError(_("This cart has already been ordered."),
                            code=CheckoutErrorCode.INVALID, field="id")
    return locked


def _sync(target: Checkout, source: Checkout) -> Checkout:
    """Copy the saved state onto the caller's instance."""
    for f in Checkout._meta.concrete_fields:
        setattr(target, f.attname, getattr(source, f.attname))
    target._state.fields_cache = {}
    return target


def _stock_message(exc: InsufficientStock, names: dict[int, str]) -> str:
    parts = []
    for item in exc.items:
        name = names.get(item.variant_id, item.sku)
        if item.available <= 0:
            parts.append(_("%(name)s is sold out") % {"name": name})
        else:
            parts.append(_("only %(n)d of %(name)s left") % {"n": item.available, "name": name})
    return _("Not enough stock: %(items)s.") % {"items": "; ".join(parts)}


def _reserve(checkout: Checkout) -> None:
    """Hold stock for every line (replacing the previous hold), or raise INSUFFICIENT_STOCK."""
    lines = list(checkout.lines.select_related("variant__product").order_by("created_at", "id"))
    if not lines:
        inventory.stock_release(checkout.reservation_reference)
        return
    provider = checkout_delivery_provider(checkout)
    warehouse_ids = provider.warehouse_ids(checkout) if provider else None
    try:
        inventory.stock_reserve(
            checkout.reservation_reference,
            [inventory.StockRequest(line.variant_id, line.quantity, str(line.id)) for line in lines],
            checkout.channel,
            warehouse_ids=warehouse_ids,
        )
    except InsufficientStock as exc:
        names = {line.variant_id: line.variant.product.name for line in lines}
        raise CheckoutError(_stock_message(exc, names), code=CheckoutErrorCode.INSUFFICIENT_STOCK,
                            field="quantity",
                            params={"variants": [i.variant_id for i in exc.items]}) from exc
    except InventoryError as exc:
        raise CheckoutError(exc.message, code=CheckoutErrorCode.INSUFFICIENT_STOCK,
                            field="quantity") from exc


# ---------------------------------------------------------------------------------
# services
# ---------------------------------------------------------------------------------


def checkout_create(channel: Channel, *, user=None, email: str = "",  # noqa: ANN001
                    language_code: str = "", lines: Sequence[LineInput] = (),
                    shipping_address: dict[str, object] | None = None) -> Checkout:
    """Start a cart in ``channel`` (optionally with lines and an address), in one transaction."""
    if not channel.is_active:
        raise CheckoutError(_("This market is closed."), code=CheckoutErrorCode.CHANNEL_INACTIVE,
                            field="channel")
    language = language_code if language_code in LANGUAGE_CODES else channel.default_language
    with transaction.atomic():
        checkout = Checkout.objects.create(
            channel=channel,
            currency=channel.currency_code,
            country=str(channel.default_country or ""),
            language_code=language,
            user=user if user is not None and getattr(user, "pk", None) else None,
            email=(user.email if user is not None and getattr(user, "pk", None) else ""),
        )
        if email:
            checkout_email_update(checkout, email)
        if lines:
            checkout_lines_add(checkout, lines)
        if shipping_address:
            checkout_shipping_address_update(checkout, shipping_address)
        return checkout


def checkout_lines_add(checkout: Checkout, lines: Sequence[LineInput]) -> Checkout:
    """Add quantities to the cart (merging with lines of the same variant) and re-reserve."""
    if not lines:
        raise CheckoutError(_("Choose at least one product."), code=CheckoutErrorCode.REQUIRED,
                            field="lines")
    with transaction.atomic():
        co = _lock(checkout)
        parsed: dict[int, int] = {}
        for item in lines:
            variant_id = parse_variant_id(item.variant_id)
            parsed[variant_id] = parsed.get(variant_id, 0) + parse_quantity(item.quantity,
                                                                            allow_zero=False)
        variants = _variants_for_sale(co.channel, set(parsed))
        for item in lines:
            _check_client_price(variants[parse_variant_id(item.variant_id)], co.channel,
                                item.price, item.currency)
        existing = {ln.variant_id: ln for ln in co.lines.select_for_update()}
        for variant_id, quantity in parsed.items():
            line = existing.get(variant_id)
            total = quantity + (line.quantity if line else 0)
            parse_quantity(total, allow_zero=False)  # the cart limit holds for the merged line
            if line:
                line.quantity = total
                line.save(update_fields=["quantity"])
            else:
                CheckoutLine.objects.create(checkout=co, variant=variants[variant_id].variant,
                                            quantity=quantity)
        _reserve(co)
        co.save(update_fields=["last_change"])
        return _sync(checkout, co)


def checkout_lines_update(checkout: Checkout, updates: Sequence[tuple[object, object]]
                          ) -> Checkout:
    """Set line quantities by line id (0 removes the line) and re-reserve."""
    if not updates:
        raise CheckoutError(_("Nothing to update."), code=CheckoutErrorCode.REQUIRED,
                            field="lines")
    with transaction.atomic():
        co = _lock(checkout)
        lines = {str(ln.id): ln for ln in co.lines.select_for_update(of=("self",)).select_related("variant")}
        wanted: dict[str, int] = {}
        for line_id, raw_quantity in updates:
            key = str(line_id).strip()
            if key not in lines:
                raise CheckoutError(_("This item is no longer in your cart."),
                                    code=CheckoutErrorCode.NOT_FOUND, field="lineId")
            wanted[key] = parse_quantity(raw_quantity, allow_zero=True)
        increased = {lines[k].variant_id for k, q in wanted.items() if q > lines[k].quantity}
        if increased:
            _variants_for_sale(co.channel, increased)
        for key, quantity in wanted.items():
            if quantity == 0:
                lines[key].delete()
            else:
                lines[key].quantity = quantity
                lines[key].save(update_fields=["quantity"])
        _reserve(co)
        co.save(update_fields=["last_change"])
        return _sync(checkout, co)


def checkout_email_update(checkout: Checkout, email: str) -> Checkout:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    email = (email or "").strip().lower()
    if not email:
        raise CheckoutError(_("Enter your email address."), code=CheckoutErrorCode.REQUIRED,
                            field="email")
    try:
        if len(email) > 254:
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError as exc:
        raise CheckoutError(_("Enter a valid email address."), code=CheckoutErrorCode.INVALID,
                            field="email") from exc
    with transaction.atomic():
        co = _lock(checkout)
        co.email = email
        co.save(update_fields=["email", "last_change"])
        return _sync(checkout, co)


def checkout_shipping_address_update(checkout: Checkout, data: Mapping[str, object]) -> Checkout:
    """Validate the address for its country (must be one this market ships to) and save it.

    Raises ValidationFailed with one error per bad field; nothing is saved then.
    """
    allowed = [c.upper() for c in (checkout.channel.countries or [])]
    country = str(data.get("country") or "").strip().upper()
    if allowed and country and country not in allowed:
        raise ValidationFailed([DomainError(
            _("We do not deliver to this country from this market."), field="country",
            code=CheckoutErrorCode.INVALID)])
    clean = address_validate(data)
    with transaction.atomic():
        co = _lock(checkout)
        if co.shipping_address_id:
            address = co.shipping_address
            assert address is not None
            for key, value in clean.items():
                setattr(address, key, value)
            address.save()
        else:
            address = Address.objects.create(**clean)
            co.shipping_address = address
        co.country = clean["country"]
        co.save(update_fields=["shipping_address", "country", "last_change"])
        if co.delivery_method and co.shipping_method_id and checkout_delivery_option(co) is None:
            # The chosen method does not serve the new address: the shopper must choose again.
            co.shipping_method_id = ""
            co.delivery_method = ""
            co.collection_point = None
            co.save(update_fields=["shipping_method_id", "delivery_method", "collection_point"])
        if co.lines.exists():
            _reserve(co)
        return _sync(checkout, co)


def checkout_delivery_method_update(checkout: Checkout, option_id: object) -> Checkout:
    """Choose a shipping method or pickup point by its option id (e.g. ``shipping:3``)."""
    raw = str(option_id or "").strip()
    kind = raw.split(":", 1)[0] if ":" in raw else ""
    provider = delivery_provider(kind)
    if provider is None:
        raise CheckoutError(_("Choose a delivery method."),
                            code=CheckoutErrorCode.DELIVERY_METHOD_NOT_APPLICABLE,
                            field="deliveryMethodId")
    with transaction.atomic():
        co = _lock(checkout)
        if provider.requires_shipping_address and not co.shipping_address_id:
            raise CheckoutError(_("Enter a shipping address first."),
                                code=CheckoutErrorCode.SHIPPING_ADDRESS_NOT_SET,
                                field="shippingAddress")
        provider.apply(co, raw)
        co.save(update_fields=["delivery_method", "shipping_method_id", "collection_point",
                               "last_change"])
        if co.lines.exists():
            _reserve(co)  # a pickup point holds stock in that store only
        return _sync(checkout, co)


def checkout_channel_update(checkout: Checkout, channel: Channel) -> list[str]:
    """Move a cart to another market (the shopper switched country): prices follow the new
    channel, lines not sold there are dropped and named; the stock hold is redone."""
    with transaction.atomic():
        co = _lock(checkout)
        if co.channel_id == channel.pk:
            return []
        co.channel = channel
        co.currency = channel.currency_code
        co.delivery_method = ""
        co.shipping_method_id = ""
        co.collection_point = None
        co.save()
        dropped = []
        lines = list(co.lines.select_related("variant__product"))
        _for_sale, refused = _sale_check(channel, {line.variant_id for line in lines})
        for line in lines:
            if line.variant_id in refused:
                dropped.append(line.variant.product.name)
                line.delete()
        try:
            _reserve(co)
        except CheckoutError:
            inventory.stock_release(co.reservation_reference)
        _sync(checkout, co)
        return dropped


def checkout_reserve(checkout: Checkout) -> None:
    """Renew the stock hold for the whole cart (before payment), or raise INSUFFICIENT_STOCK."""
    with transaction.atomic():
        co = _lock(checkout)
        _reserve(co)


def checkout_release(checkout: Checkout) -> int:
    """Let go of the cart's stock hold (failed payment, abandoned cart); returns units."""
    return inventory.stock_release(checkout.reservation_reference)


def checkout_reservation_expires(checkout: Checkout):  # noqa: ANN201
    """When the cart's stock hold ends (None: nothing held)."""
    return Reservation.objects.filter(reference=checkout.reservation_reference).aggregate(
        until=Min("reserved_until"))["until"]


def checkout_validate_ready(checkout: Checkout) -> CheckoutTotals:
    """Everything an order needs is there; returns the server-side totals."""
    infos = checkout_line_infos(checkout)
    if not infos:
        raise CheckoutError(_("Your cart is empty."), code=CheckoutErrorCode.NO_LINES,
                            field="lines")
    missing = [i for i in infos if i.unit_gross is None]
    if missing:
        raise CheckoutError(
            _("%(name)s is not sold in this market any more; remove it to continue.")
            % {"name": missing[0].product_name},
            code=CheckoutErrorCode.UNAVAILABLE_VARIANT_IN_CHANNEL, field="lines",
            params={"variants": [i.variant.pk for i in missing]},
        )
    _variants_for_sale(checkout.channel, {i.variant.pk for i in infos})
    if not checkout.email:
        raise CheckoutError(_("Enter your email address."), code=CheckoutErrorCode.EMAIL_NOT_SET,
                            field="email")
    provider = checkout_delivery_provider(checkout)
    needs_address = provider.requires_shipping_address if provider else True
    if needs_address and not checkout.shipping_address_id:
        raise CheckoutError(_("Enter a shipping address."),
                            code=CheckoutErrorCode.SHIPPING_ADDRESS_NOT_SET,
                            field="shippingAddress")
    option = checkout_delivery_option(checkout, infos)
    if option is None:
        raise CheckoutError(_("Choose a delivery method."),
                            code=CheckoutErrorCode.SHIPPING_METHOD_NOT_SET,
                            field="deliveryMethod")
    return checkout_totals(checkout, infos, shipping=option.price)


def checkout_capture_method(checkout: Checkout) -> str:
    provider = checkout_delivery_provider(checkout)
    return provider.capture_method if provider else "automatic"


class OrderCreator(Protocol):
    """What completes a checkout into an order: create it, allocate its stock (turning the
    checkout's hold ``reservation_reference`` into the allocation) in one transaction.
    Bad input raises a DomainError, short stock InsufficientStock; nothing is written then."""

    def __call__(self, data: OrderInput, *, delivery_method: str,
                 destination: dict[str, str] | None, collection_point_id: int | None,
                 reservation_reference: str | None, user=None) -> Order: ...  # noqa: ANN001


def order_create_unrouted(data: OrderInput, *, delivery_method: str,
                          destination: dict[str, str] | None = None,
                          collection_point_id: int | None = None,
                          reservation_reference: str | None = None,
                          user=None) -> Order:  # noqa: ANN001
    """The default order creator: no routing, the channel's warehouse order (a pickup order
    only from its collection point)."""
    return order_create(data, warehouse_ids=[collection_point_id] if collection_point_id else None,
                        reservation_reference=reservation_reference, user=user)


@lru_cache(maxsize=4)
def _load_order_creator(path: str) -> OrderCreator:
    return import_string(path)


def order_creator() -> OrderCreator:
    """The configured ``CHECKOUT_ORDER_CREATOR`` (default: ``order_create_unrouted``)."""
    path = getattr(settings, "CHECKOUT_ORDER_CREATOR", "") or \
        "commerce.checkout.services.order_create_unrouted"
    return _load_order_creator(path)


def checkout_complete(checkout: Checkout, *, paid: Money | None = None,
                      user=None) -> Order:  # noqa: ANN001
    """Turn the checkout into an order in one transaction; idempotent.

    ``paid`` is the amount the payment provider confirmed (authorized or
    charged); it must equal the order total unless the total is zero. The
    checkout's stock hold becomes the order's allocation. Completing a completed
    checkout returns its order.
    """
    with transaction.atomic():
        co = Checkout.objects.select_for_update(of=("self",)).select_related(
            "channel", "shipping_address").get(pk=checkout.pk)
        if co.completed_order_id:
            _sync(checkout, co)
            return Order.objects.get(pk=co.completed_order_id)
        totals = checkout_validate_ready(co)
        if totals.total.amount > 0:
            if paid is None:
                raise CheckoutError(_("The order has not been paid."),
                                    code=CheckoutErrorCode.CHECKOUT_NOT_FULLY_PAID, field="id")
            if paid.currency != totals.currency or quantize(paid.amount, paid.currency) != \
                    totals.total.amount:
                raise CheckoutError(
                    _("The amount paid (%(paid)s %(pcur)s) does not match the order total "
                      "(%(total)s %(cur)s).")
                    % {"paid": paid.amount, "pcur": paid.currency, "total": totals.total.amount,
                       "cur": totals.currency},
                    code=CheckoutErrorCode.CHECKOUT_NOT_FULLY_PAID, field="id",
                )
        option = checkout_delivery_option(co, totals.lines)
        assert option is not None
        provider = checkout_delivery_provider(co)
        entered = co.shipping_address.as_dict() if co.shipping_address else None
        ships = provider.requires_shipping_address if provider else True
        billing = co.billing_address.as_dict() if co.billing_address else None
        data = OrderInput(
            channel=co.channel,
            currency=co.channel.currency_code,
            lines=[OrderLineInput(sku=i.variant.sku, quantity=i.quantity,
                                  unit_price=i.unit_price.amount if i.unit_price else None,
                                  external_line_id=str(i.line.id))
                   for i in totals.lines],
            email=co.email,
            language_code=co.language_code,
            # a pickup order ships nowhere: the address the shopper gave is their billing one
            shipping_address=entered if ships else None,
            billing_address=billing if billing or ships else entered,
            shipping_price=option.price.amount,
            shipping_method_name=option.name,
            customer_note=co.note,
            metadata={"checkout_token": str(co.token), "delivery_option": option.id},
        )
        try:
            order = order_creator()(
                data, delivery_method=option.kind, destination=entered,
                collection_point_id=co.collection_point_id if not ships else None,
                reservation_reference=co.reservation_reference, user=user)
        except InsufficientStock as exc:
            names = {i.variant.pk: i.product_name for i in totals.lines}
            raise CheckoutError(_stock_message(exc, names),
                                code=CheckoutErrorCode.INSUFFICIENT_STOCK, field="lines",
                                params={"variants": [i.variant_id for i in exc.items]}) from exc
        except (OrderError, InventoryError) as exc:
            raise CheckoutError(exc.message, code=CheckoutErrorCode.INVALID,
                                field=exc.field) from exc
        except DomainError as exc:  # e.g. the order creator's routing refused the order
            raise CheckoutError(exc.message, code=CheckoutErrorCode.INVALID,
                                field=exc.field) from exc
        # Routing may take the stock from other warehouses than the ones the cart held it
        # in: whatever is still held for this checkout goes back on sale now.
        inventory.stock_release(co.reservation_reference)
        if order.total_gross_amount != totals.total.amount:
            # Never charge one amount and record another: undo everything.
            logger.error("checkout %s: order total %s != checkout total %s", co.token,
                         order.total_gross_amount, totals.total.amount)
            raise CheckoutError(_("Prices changed while you were paying; please review your "
                                  "order."), code=CheckoutErrorCode.INVALID, field="lines")
        Order.objects.filter(pk=order.pk).update(
            user=co.user, collection_point=co.collection_point)
        order.user = co.user
        order.collection_point = co.collection_point
        co.completed_order = order
        co.completed_at = timezone.now()
        co.save(update_fields=["completed_order", "completed_at", "last_change"])
        OrderEvent.objects.create(order=order, type="checkout-completed",
                                  parameters={"checkout": str(co.token),
                                              "delivery": option.id})
        notify.order_placed(order)  # claimed now, sent once this commits
        _sync(checkout, co)
        return order


def checkout_delete_abandoned(*, older_than_days: int | None = None, batch_size: int = 500) -> int:
    """Delete carts untouched for ``older_than_days`` (never completed ones' orders) and
    release whatever stock they still hold; returns how many were deleted."""
    days = older_than_days if older_than_days is not None else settings.CHECKOUT_ABANDONED_DAYS
    cutoff = timezone.now() - timedelta(days=days)
    deleted = 0
    seen: set[uuid.UUID] = set()
    while True:
        tokens = list(Checkout.objects.filter(last_change__lt=cutoff, completed_at__isnull=True)
                      .exclude(token__in=seen).values_list("token", flat=True)[:batch_size])
        seen.update(tokens)
        if not tokens:
            return deleted
        for token in tokens:
            with transaction.atomic():
                co = Checkout.objects.select_for_update(skip_locked=True).filter(
                    pk=token, last_change__lt=cutoff, completed_at__isnull=True).first()
                if co is None:
                    continue
                inventory.stock_release(co.reservation_reference)
                co.delete()
                deleted += 1


def checkout_user_attach(checkout: Checkout, user) -> Checkout:  # noqa: ANN001
    """A shopper logged in with a guest cart: the cart becomes theirs."""
    with transaction.atomic():
        co = _lock(checkout)
        if co.user_id is None:
            co.user = user
            if not co.email:
                co.email = user.email
            co.save(update_fields=["user", "email", "last_change"])
        return _sync(checkout, co)
