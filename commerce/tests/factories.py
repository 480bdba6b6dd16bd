"""factory_boy factories for the commerce core, shared by every app's tests."""

from __future__ import annotations

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from commerce.account.models import Customer, User
from commerce.catalog.models import (
    Category,
    Product,
    ProductChannelListing,
    ProductType,
    ProductVariant,
    ProductVariantChannelListing,
)
from commerce.channel.models import Channel, ChannelKind, ChannelWarehouse
from commerce.inventory.models import Stock, Warehouse, WarehouseKind


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = factory.django.Password("password")


class CustomerFactory(DjangoModelFactory):
    class Meta:
        model = Customer
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    first_name = "Ada"
    last_name = "Lovelace"


class WarehouseFactory(DjangoModelFactory):
    class Meta:
        model = Warehouse
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Warehouse {n}")
    slug = factory.Sequence(lambda n: f"warehouse-{n}")
    kind = WarehouseKind.CENTRAL
    country = "CN"
    city = "Shenzhen"


class ChannelFactory(DjangoModelFactory):
    class Meta:
        model = Channel
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Channel {n}")
    slug = factory.Sequence(lambda n: f"channel-{n}")
    kind = ChannelKind.STOREFRONT
    currency_code = "USD"
    default_country = "US"
    countries = factory.LazyFunction(lambda: ["US"])
    languages = factory.LazyFunction(lambda: ["en"])

    @factory.post_generation
    def warehouses(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create and extracted:
            for order, warehouse in enumerate(extracted):
                ChannelWarehouse.objects.get_or_create(
                    channel=self, warehouse=warehouse, defaults={"sort_order": order}
                )


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class ProductTypeFactory(DjangoModelFactory):
    class Meta:
        model = ProductType
        django_get_or_create = ("slug",)

    name = "Apparel"
    slug = "apparel"


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product

    product_type = factory.SubFactory(ProductTypeFactory)
    category = factory.SubFactory(CategoryFactory)
    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    description = "A fine product."


class VariantFactory(DjangoModelFactory):
    class Meta:
        model = ProductVariant

    product = factory.SubFactory(ProductFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = "M"
    weight_grams = 250


class VariantListingFactory(DjangoModelFactory):
    class Meta:
        model = ProductVariantChannelListing

    variant = factory.SubFactory(VariantFactory)
    channel = factory.SubFactory(ChannelFactory)
    currency = factory.LazyAttribute(lambda o: o.channel.currency_code)
    price_amount = Decimal("10.00")


class ProductListingFactory(DjangoModelFactory):
    class Meta:
        model = ProductChannelListing

    product = factory.SubFactory(ProductFactory)
    channel = factory.SubFactory(ChannelFactory)
    currency = factory.LazyAttribute(lambda o: o.channel.currency_code)
    is_published = True


class StockFactory(DjangoModelFactory):
    class Meta:
        model = Stock

    warehouse = factory.SubFactory(WarehouseFactory)
    variant = factory.SubFactory(VariantFactory)
    quantity = 10
