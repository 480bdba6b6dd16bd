"""Fixtures for admin tests: one of every kind of record the admin shows, and staff users."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from commerce.account.models import Address, Customer
from commerce.account.roles import CATALOG_MANAGER, ORDER_MANAGER, WAREHOUSE_STAFF, ensure_roles
from commerce.catalog.models import (
    Attribute,
    AttributeTranslation,
    AttributeValue,
    AttributeValueTranslation,
    ProductMedia,
    ProductVariantTranslation,
)
from commerce.catalog.services import category_translate, product_translate
from commerce.checkout.models import (
    Checkout,
    CheckoutLine,
    ShippingMethod,
    ShippingMethodChannelListing,
    ShippingZone,
)
from commerce.inventory import services as inventory
from commerce.inventory.services import StockRequest
from commerce.orders.services import OrderInput, OrderLineInput, order_create
from commerce.tests.factories import UserFactory


@pytest.fixture
def shop(channel, warehouses, variant):
    """A variant with stock, translations, attributes, an order, a cart and a reservation."""
    product = variant.product
    colour = Attribute.objects.create(name="Colour", slug="colour", input_type="swatch")
    AttributeTranslation.objects.create(attribute=colour, language_code="de", name="Farbe")
    black = AttributeValue.objects.create(attribute=colour, name="Black", slug="black",
                                          value="#000000")
    AttributeValueTranslation.objects.create(attribute_value=black, language_code="de",
                                             name="Schwarz")
    variant.attribute_values.add(black)
    product.product_type.variant_attributes.add(colour)
    ProductVariantTranslation.objects.create(product_variant=variant, language_code="de",
                                             name="Schwarz / M")
    product_translate(product, "de", name="Bio-T-Shirt", description="Weich.")
    category_translate(product.category, "de", name="T-Shirts")
    ProductMedia.objects.create(product=product, external_url="https://example.com/tee.jpg",
                                alt="Tee")
    for wh in warehouses:
        inventory.stock_adjust(variant, wh, delta=5, reason="receipt")
    order = order_create(OrderInput(
        channel=channel, currency="USD", email="ada@example.com",
        lines=[OrderLineInput(sku=variant.sku, quantity=2)],
        shipping_address={"first_name": "Ada", "city": "London", "country": "GB"},
    ))
    customer = Customer.objects.get(email="ada@example.com")
    address = Address.objects.create(first_name="Ada", last_name="Lovelace", city="London",
                                      country="GB", street_address_1="12 St James's Square")
    customer.addresses.add(address)
    checkout = Checkout.objects.create(channel=channel, currency="USD", email="bob@example.com")
    CheckoutLine.objects.create(checkout=checkout, variant=variant, quantity=1)
    inventory.stock_reserve(checkout.reservation_reference,
                            [StockRequest(variant.pk, 1)], channel, ttl=timedelta(minutes=20))
    zone = ShippingZone.objects.create(name="United States", countries=["US"])
    zone.channels.add(channel)
    method = ShippingMethod.objects.create(zone=zone, name="Standard")
    ShippingMethodChannelListing.objects.create(shipping_method=method, channel=channel,
                                                currency="USD", price_amount="4.99")
    return SimpleNamespace(channel=channel, warehouses=warehouses, variant=variant,
                           product=product, order=order, customer=customer, checkout=checkout,
                           colour=colour, black=black)


@pytest.fixture
def roles(db):
    return ensure_roles()


def _staff(email: str, group) -> object:  # noqa: ANN001
    user = UserFactory(email=email, is_staff=True)
    user.groups.add(group)
    return user


@pytest.fixture
def catalog_manager(roles):
    return _staff("catalog@example.com", roles[CATALOG_MANAGER])


@pytest.fixture
def warehouse_staff(roles):
    return _staff("warehouse@example.com", roles[WAREHOUSE_STAFF])


@pytest.fixture
def order_manager(roles):
    return _staff("orders@example.com", roles[ORDER_MANAGER])
