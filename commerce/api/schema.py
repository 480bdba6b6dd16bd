"""The public GraphQL schema, served at /graphql/ (Saleor 3's names where concepts match).

Each area lives in its own module and contributes Query/Mutation mixins built on
``commerce.api.core`` (errors with codes, global IDs, Money/TaxedMoney, Address,
AddressInput, LanguageCodeEnum, CountryCode, paginate()). To add an area, e.g.
``commerce/api/checkout.py`` with ``CheckoutQueries``/``CheckoutMutations``, import
it here and add it to the bases below. Every storefront operation in
``commerce/api/operations/`` is checked against Saleor's SDL by tests/contract.
"""

import graphene

from .catalog import CatalogMutations, CatalogQueries
from .channel import ChannelQueries
from .checkout import CheckoutMutations, CheckoutQueries
from .inventory import InventoryMutations, WarehouseQueries


class Query(ChannelQueries, CatalogQueries, WarehouseQueries, CheckoutQueries, graphene.ObjectType):
    pass


class Mutation(CatalogMutations, InventoryMutations, CheckoutMutations, graphene.ObjectType):
    pass


schema = graphene.Schema(query=Query, mutation=Mutation)
