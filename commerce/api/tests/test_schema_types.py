"""One graphene class per GraphQL type name.

graphene keeps the first class it meets for a name and silently drops the others,
so two modules each defining ``Address`` (or ``Money``…) give a valid-looking schema
whose resolvers get objects of the wrong shape. These tests walk every graphene
class the API defines and fail on any name defined twice, naming both places.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator

import graphene
from graphene.types.base import BaseType
from graphene.types.inputobjecttype import InputObjectTypeContainer

import commerce.api
from commerce.api import core
from commerce.api.schema import schema


def _import_api_modules() -> None:
    for module in pkgutil.walk_packages(commerce.api.__path__, "commerce.api."):
        if ".tests" not in module.name:
            importlib.import_module(module.name)


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _is_ours(cls: type) -> bool:
    """Defined by the API: in a commerce.api module, or built at run time for one of its
    types (a connection's Edge, an Enum("Name", [...]) call), which graphene files under
    its own module without binding it there."""
    if issubclass(cls, InputObjectTypeContainer) or getattr(cls, "_meta", None) is None:
        return False
    module = cls.__module__
    if module.startswith("commerce.api."):
        return ".tests" not in module
    if module.startswith("graphene"):
        return getattr(sys.modules.get(module), cls.__name__, None) is not cls
    return False


def api_types() -> list[type]:
    _import_api_modules()
    return list(dict.fromkeys(c for c in _subclasses(BaseType) if _is_ours(c)))


def duplicated_names(classes: Iterable[type]) -> dict[str, list[str]]:
    by_name: dict[str, list[type]] = defaultdict(list)
    for cls in classes:
        by_name[cls._meta.name].append(cls)
    return {name: sorted(f"{c.__module__}.{c.__qualname__}" for c in found)
            for name, found in by_name.items() if len(found) > 1}


def test_no_two_graphene_classes_share_a_graphql_type_name():
    types = api_types()
    assert len(types) > 50  # the walk found the API (catalog, checkout, orders…)
    assert duplicated_names(types) == {}


def test_the_schema_serves_the_class_each_name_is_defined_by():
    type_map = schema.graphql_schema.type_map
    served = {name: getattr(t, "graphene_type", None) for name, t in type_map.items()}
    wrong = {cls._meta.name: f"{cls.__module__}.{cls.__qualname__}" for cls in api_types()
             if cls._meta.name in served and served[cls._meta.name] is not cls}
    assert wrong == {}


def test_shared_types_come_from_the_read_api():
    from commerce.api.catalog import ProductVariant
    from commerce.api.inventory import Warehouse
    from commerce.api.orders import Order

    type_map = schema.graphql_schema.type_map
    for cls in (core.Money, core.TaxedMoney, core.CountryDisplay, core.Address,
                core.AddressInput, ProductVariant, Warehouse, Order):
        assert type_map[cls._meta.name].graphene_type is cls


def test_a_second_class_for_a_name_is_reported():
    class Money(graphene.ObjectType):  # what the checkout branch once did
        amount = graphene.Float()

    found = duplicated_names([core.Money, core.Address, Money])
    assert list(found) == ["Money"]
    assert "commerce.api.core.Money" in found["Money"]
