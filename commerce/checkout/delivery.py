"""Delivery methods as pluggable providers (shipping now, store pickup from O2O).

A provider lists the options a checkout can choose from and applies one. The
checkout stores the chosen option's id (``Checkout.shipping_method_id``, e.g.
``shipping:12`` or ``pickup:7``) and its kind (``Checkout.delivery_method``);
the option is looked up again from its provider every time prices are
computed, so an option that no longer applies (new address, heavier cart) is
never charged.

O2O plugs pickup in by subclassing :class:`PickupProvider`, implementing
``available_options`` and registering an instance::

    register_delivery_provider(StorePickupProvider())   # in its AppConfig.ready()
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from django.db.models import Q
from django.utils.translation import gettext as _

from commerce.core.money import Money

from .errors import CheckoutError, CheckoutErrorCode
from .models import Checkout, DeliveryMethodKind, ShippingMethodChannelListing

if TYPE_CHECKING:
    from .calculations import LineInfo


@dataclass(frozen=True)
class DeliveryOption:
    """One choice shown to the shopper: a shipping method or a pickup point."""

    id: str  # "<kind>:<key>", unique across providers
    kind: str  # a DeliveryMethodKind value
    name: str
    price: Money
    description: str = ""
    minimum_delivery_days: int | None = None
    maximum_delivery_days: int | None = None
    warehouse_id: int | None = None  # the pickup point (a store warehouse)


class DeliveryProvider(ABC):
    """Knows one kind of delivery. Subclasses set ``kind`` and list options."""

    kind: ClassVar[str]
    # "automatic": charge at once (shipped orders); "manual": authorize now and capture
    # later with commerce.payment.services.payment_capture (e.g. at pickup handover).
    capture_method: ClassVar[str] = "automatic"
    requires_shipping_address: ClassVar[bool] = True

    @abstractmethod
    def available_options(self, checkout: Checkout) -> list[DeliveryOption]:
        """Options this checkout may choose now, prices in the channel currency."""

    def apply(self, checkout: Checkout, option_id: str) -> DeliveryOption:
        """Validate ``option_id`` and set it on the checkout (the caller saves)."""
        option = next((o for o in self.available_options(checkout) if o.id == option_id), None)
        if option is None:
            raise CheckoutError(_("This delivery method is not available for your order."),
                                code=CheckoutErrorCode.DELIVERY_METHOD_NOT_APPLICABLE,
                                field="deliveryMethodId")
        checkout.delivery_method = self.kind
        checkout.shipping_method_id = option.id
        checkout.collection_point_id = option.warehouse_id
        return option

    def current_option(self, checkout: Checkout, infos: Sequence[LineInfo] | None = None
                       ) -> DeliveryOption | None:
        """The option the checkout chose, if it still applies."""
        return next((o for o in self.available_options(checkout)
                     if o.id == checkout.shipping_method_id), None)

    def warehouse_ids(self, checkout: Checkout) -> Sequence[int] | None:
        """Warehouses that may hold and ship this checkout's stock (None: the channel's)."""
        return None


class ShippingProvider(DeliveryProvider):
    """Shipping methods by zone (destination country) and cart weight, rates per channel."""

    kind = DeliveryMethodKind.SHIPPING.value

    def available_options(self, checkout: Checkout,
                          infos: Sequence[LineInfo] | None = None) -> list[DeliveryOption]:
        country = self._country(checkout)
        if not country:
            return []
        if infos is None:
            from .calculations import checkout_line_infos

            infos = checkout_line_infos(checkout)
        weight = sum((i.variant.weight_grams or 0) * i.quantity for i in infos)
        channel = checkout.channel
        rows = (
            ShippingMethodChannelListing.objects.filter(
                channel=channel,
                currency=channel.currency_code,
                shipping_method__is_active=True,
                shipping_method__zone__channels=channel,
                shipping_method__zone__countries__contains=[country],
                shipping_method__minimum_order_weight_grams__lte=weight,
            )
            .filter(Q(shipping_method__maximum_order_weight_grams__isnull=True)
                    | Q(shipping_method__maximum_order_weight_grams__gte=weight))
            .select_related("shipping_method")
            .order_by("price_amount", "shipping_method__name", "pk")
            .distinct()
        )
        return [
            DeliveryOption(
                id=f"{self.kind}:{row.shipping_method_id}",
                kind=self.kind,
                name=row.shipping_method.name,
                price=Money(Decimal(row.price_amount), row.currency),
                minimum_delivery_days=row.shipping_method.minimum_delivery_days,
                maximum_delivery_days=row.shipping_method.maximum_delivery_days,
            )
            for row in rows
        ]

    def current_option(self, checkout: Checkout, infos: Sequence[LineInfo] | None = None
                       ) -> DeliveryOption | None:
        return next((o for o in self.available_options(checkout, infos)
                     if o.id == checkout.shipping_method_id), None)

    @staticmethod
    def _country(checkout: Checkout) -> str:
        if checkout.shipping_address_id and checkout.shipping_address:
            return str(checkout.shipping_address.country)
        return ""


class PickupProvider(DeliveryProvider):
    """Interface for "order online, pick up in store" (implemented by the O2O hub).

    ``available_options`` returns one DeliveryOption per store that can serve the
    whole cart, with ``kind="pickup"``, ``id="pickup:<warehouse id>"`` and
    ``warehouse_id`` set. Stock is then reserved and allocated in that store only,
    and the card is authorized at checkout and captured at handover.
    """

    kind = DeliveryMethodKind.PICKUP.value
    capture_method = "manual"
    requires_shipping_address = False

    def warehouse_ids(self, checkout: Checkout) -> Sequence[int] | None:
        return [checkout.collection_point_id] if checkout.collection_point_id else None


_providers: dict[str, DeliveryProvider] = {}


def register_delivery_provider(provider: DeliveryProvider) -> None:
    """Add (or replace) the provider for ``provider.kind``."""
    _providers[provider.kind] = provider


def unregister_delivery_provider(kind: str) -> None:
    _providers.pop(kind, None)


def delivery_providers() -> list[DeliveryProvider]:
    return list(_providers.values())


def delivery_provider(kind: str) -> DeliveryProvider | None:
    return _providers.get(kind)


def delivery_options(checkout: Checkout, infos: Sequence[LineInfo] | None = None
                     ) -> list[DeliveryOption]:
    """Every option of every provider for this checkout, shipping first."""
    options: list[DeliveryOption] = []
    for provider in delivery_providers():
        if isinstance(provider, ShippingProvider):
            options.extend(provider.available_options(checkout, infos))
        else:
            options.extend(provider.available_options(checkout))
    return options


def checkout_delivery_option(checkout: Checkout, infos: Sequence[LineInfo] | None = None
                             ) -> DeliveryOption | None:
    """The checkout's chosen option if it still applies, else None."""
    provider = delivery_provider(checkout.delivery_method) if checkout.delivery_method else None
    if provider is None or not checkout.shipping_method_id:
        return None
    return provider.current_option(checkout, infos)


def checkout_delivery_provider(checkout: Checkout) -> DeliveryProvider | None:
    return delivery_provider(checkout.delivery_method) if checkout.delivery_method else None


register_delivery_provider(ShippingProvider())
