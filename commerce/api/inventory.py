"""Warehouses and stock: where goods sit, how many, and staff stock corrections."""

from __future__ import annotations

from typing import Any

import graphene
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _
from graphene import relay
from graphql import GraphQLError

from commerce.catalog.models import ProductVariant as ProductVariantModel
from commerce.channel.models import ChannelWarehouse
from commerce.core.errors import DomainError
from commerce.inventory import services as stock_services
from commerce.inventory.models import MovementReason, WarehouseKind
from commerce.inventory.models import Stock as StockModel
from commerce.inventory.models import Warehouse as WarehouseModel

from .catalog import ProductErrorCode
from .core import (
    PERM_CHANGE_STOCK,
    PERM_VIEW_STOCK,
    PERM_VIEW_WAREHOUSE,
    Address,
    ApiErrorCode,
    CountableConnection,
    ObjectWithMetadata,
    OrderDirection,
    api_error,
    connection_args,
    decode_id,
    decode_ids,
    domain_errors,
    enum_name,
    error_code_value,
    paginate,
    require_staff_perm,
    staff_has_perm,
)

# ---------------------------------------------------------------------------------
# Types
# ---------------------------------------------------------------------------------


class WarehouseClickAndCollectOptionEnum(graphene.Enum):
    DISABLED = "disabled"
    LOCAL = "local"
    ALL = "all"


class WarehouseKindEnum(graphene.Enum):
    CENTRAL = WarehouseKind.CENTRAL.value
    OVERSEAS = WarehouseKind.OVERSEAS.value
    STORE = WarehouseKind.STORE.value
    MARKETPLACE_FULFILLED = WarehouseKind.MARKETPLACE_FULFILLED.value


class Warehouse(graphene.ObjectType):
    """Anywhere stock sits. Offline stores with pickup enabled are public pickup points."""

    name = graphene.String(required=True)
    slug = graphene.String(required=True)
    email = graphene.String(required=True)
    is_private = graphene.Boolean(
        required=True, description="True unless shoppers can pick up orders here."
    )
    address = graphene.Field(Address, required=True)
    company_name = graphene.String(required=True)
    click_and_collect_option = graphene.Field(WarehouseClickAndCollectOptionEnum, required=True)
    stocks = graphene.Field(
        lambda: StockCountableConnection, **connection_args(),
        description="Stock kept here (staff with inventory.view_stock).",
    )
    # Omniport extensions
    kind = graphene.Field(WarehouseKindEnum, required=True)
    latitude = graphene.Float()
    longitude = graphene.Float()
    is_active = graphene.Boolean(required=True)

    class Meta:
        interfaces = (relay.Node, ObjectWithMetadata)

    @staticmethod
    def resolve_email(root: WarehouseModel, info: graphene.ResolveInfo) -> str:
        return root.email or ""

    @staticmethod
    def resolve_is_private(root: WarehouseModel, info: graphene.ResolveInfo) -> bool:
        return not root.pickup_enabled

    @staticmethod
    def resolve_address(root: WarehouseModel, info: graphene.ResolveInfo) -> WarehouseModel:
        return root

    @staticmethod
    def resolve_company_name(root: WarehouseModel, info: graphene.ResolveInfo) -> str:
        return root.company_name or ""

    @staticmethod
    def resolve_click_and_collect_option(root: WarehouseModel, info: graphene.ResolveInfo) -> str:
        # Pickup points hand over their own stock (Saleor's LOCAL option).
        return "local" if root.pickup_enabled else "disabled"

    @staticmethod
    def resolve_latitude(root: WarehouseModel, info: graphene.ResolveInfo) -> float | None:
        return None if root.latitude is None else float(root.latitude)

    @staticmethod
    def resolve_longitude(root: WarehouseModel, info: graphene.ResolveInfo) -> float | None:
        return None if root.longitude is None else float(root.longitude)

    @staticmethod
    def resolve_stocks(root: WarehouseModel, info: graphene.ResolveInfo, **page: Any) -> Any:
        require_staff_perm(info, PERM_VIEW_STOCK)
        qs = StockModel.objects.filter(warehouse=root).select_related(
            "variant", "warehouse"
        ).order_by("variant__sku", "pk")
        return paginate(qs, StockCountableConnection, **page)


class Stock(graphene.ObjectType):
    warehouse = graphene.Field(Warehouse, required=True)
    product_variant = graphene.Field("commerce.api.catalog.ProductVariant", required=True)
    quantity = graphene.Int(required=True, description="Units on hand.")
    quantity_allocated = graphene.Int(required=True, description="Units promised to orders.")
    quantity_reserved = graphene.Int(required=True, description="Units held by checkouts.")
    quantity_available = graphene.Int(
        required=True, description="On hand minus allocated minus reserved (never negative)."
    )

    class Meta:
        interfaces = (relay.Node,)

    @staticmethod
    def resolve_product_variant(root: StockModel, info: graphene.ResolveInfo) -> Any:
        return root.variant

    @staticmethod
    def resolve_quantity_available(root: StockModel, info: graphene.ResolveInfo) -> int:
        return root.available


class StockCountableConnection(CountableConnection):
    class Meta:
        node = Stock
        strict_types = True


class WarehouseCountableConnection(CountableConnection):
    class Meta:
        node = Warehouse
        strict_types = True


class WarehouseFilterInput(graphene.InputObjectType):
    click_and_collect_option = graphene.Field(WarehouseClickAndCollectOptionEnum)
    search = graphene.String()
    ids = graphene.List(graphene.NonNull(graphene.ID))
    is_private = graphene.Boolean()
    channels = graphene.List(graphene.NonNull(graphene.ID))
    slugs = graphene.List(graphene.NonNull(graphene.String))


class WarehouseSortField(graphene.Enum):
    NAME = "name"


class WarehouseSortingInput(graphene.InputObjectType):
    direction = graphene.Field(OrderDirection, required=True)
    field = graphene.Field(WarehouseSortField, required=True)


# ---------------------------------------------------------------------------------
# Visibility
# ---------------------------------------------------------------------------------


def can_see_all_warehouses(info: graphene.ResolveInfo) -> bool:
    return staff_has_perm(info, PERM_VIEW_WAREHOUSE) or staff_has_perm(info, PERM_VIEW_STOCK)


def warehouse_is_visible(info: graphene.ResolveInfo, warehouse: WarehouseModel) -> bool:
    """Staff see every warehouse; shoppers see active pickup points (stores) only."""
    return can_see_all_warehouses(info) or (warehouse.is_active and warehouse.pickup_enabled)


def visible_warehouses(info: graphene.ResolveInfo) -> QuerySet[WarehouseModel]:
    qs = WarehouseModel.objects.all()
    if not can_see_all_warehouses(info):
        qs = qs.filter(is_active=True, pickup_enabled=True)
    return qs


def filter_warehouses(qs: QuerySet[WarehouseModel], data: Any) -> QuerySet[WarehouseModel]:
    if not data:
        return qs
    option = enum_name(data.get("click_and_collect_option"))
    if option == "DISABLED":
        qs = qs.filter(pickup_enabled=False)
    elif option == "LOCAL":
        qs = qs.filter(pickup_enabled=True)
    elif option == "ALL":
        qs = qs.none()  # no warehouse hands over other warehouses' stock yet
    if data.get("is_private") is not None:
        qs = qs.filter(pickup_enabled=not data["is_private"])
    if data.get("search"):
        text = data["search"].strip()
        qs = qs.filter(Q(name__icontains=text) | Q(slug__icontains=text) | Q(city__icontains=text)
                       | Q(email__icontains=text) | Q(company_name__icontains=text))
    if data.get("ids") is not None:
        qs = qs.filter(pk__in=decode_ids(data["ids"], "Warehouse", "filter.ids"))
    if data.get("slugs") is not None:
        qs = qs.filter(slug__in=data["slugs"])
    if data.get("channels") is not None:
        channel_ids = decode_ids(data["channels"], "Channel", "filter.channels")
        qs = qs.filter(Exists(ChannelWarehouse.objects.filter(
            warehouse_id=OuterRef("pk"), channel_id__in=channel_ids)))
    return qs


class WarehouseQueries(graphene.ObjectType):
    warehouses = graphene.Field(
        WarehouseCountableConnection,
        filter=WarehouseFilterInput(),
        sort_by=WarehouseSortingInput(),
        **connection_args(),
        description="Warehouses; shoppers see pickup points, staff see all.",
    )
    warehouse = graphene.Field(Warehouse, id=graphene.ID())

    @staticmethod
    def resolve_warehouses(root: Any, info: graphene.ResolveInfo, filter: Any = None,
                           sort_by: Any = None, **page: Any) -> Any:
        qs = filter_warehouses(visible_warehouses(info), filter)
        descending = sort_by is not None and enum_name(sort_by.get("direction")) == "DESC"
        qs = qs.order_by(*(("-name", "-slug", "-pk") if descending else ("name", "slug", "pk")))
        return paginate(qs, WarehouseCountableConnection, **page)

    @staticmethod
    def resolve_warehouse(root: Any, info: graphene.ResolveInfo, id: str | None = None) -> Any:
        if id is None:
            raise api_error(_("Pass the warehouse's “id”."), ApiErrorCode.REQUIRED, "id")
        return visible_warehouses(info).filter(pk=decode_id(id, "Warehouse", "id")).first()


# ---------------------------------------------------------------------------------
# Mutations (staff)
# ---------------------------------------------------------------------------------


class StockErrorCode(graphene.Enum):
    """Saleor's StockErrorCode plus Omniport's stock rule codes."""

    ALREADY_EXISTS = "already_exists"
    GRAPHQL_ERROR = "graphql_error"
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    REQUIRED = "required"
    UNIQUE = "unique"
    NEGATIVE_STOCK = "negative_stock"
    INVALID_QUANTITY = "invalid_quantity"


class StockError(graphene.ObjectType):
    field = graphene.String()
    message = graphene.String()
    code = graphene.Field(StockErrorCode, required=True)


class BulkStockError(graphene.ObjectType):
    field = graphene.String()
    message = graphene.String()
    code = graphene.Field(ProductErrorCode, required=True)
    index = graphene.Int(description="Position of the failing item in the input list.")


class StockInput(graphene.InputObjectType):
    warehouse = graphene.ID(required=True)
    quantity = graphene.Int(required=True, description="Units on hand after the update.")


def _error(field: str, message: str, code: str, enum: Any, **extra: Any) -> dict[str, Any]:
    return {"field": field, "message": message, "code": error_code_value(code, enum), **extra}


def _decode_for_payload(value: str, type_name: str, field: str) -> tuple[int | None, str | None]:
    try:
        return decode_id(value, type_name, field), None
    except GraphQLError as exc:
        return None, exc.message


def _find_variant(variant_id: str | None, sku: str | None, enum: Any,
                  errors: list[dict[str, Any]]) -> ProductVariantModel | None:
    if (variant_id is None) == (sku is None):
        errors.append(_error("variantId", _("Pass exactly one of “variantId” or “sku”."),
                             "required", enum))
        return None
    if variant_id is not None:
        pk, problem = _decode_for_payload(variant_id, "ProductVariant", "variantId")
        if problem or pk is None:
            errors.append(_error("variantId", problem or "", "invalid", enum))
            return None
        variant = ProductVariantModel.objects.filter(pk=pk).first()
        field = "variantId"
    else:
        variant = ProductVariantModel.objects.filter(sku=sku).first()
        field = "sku"
    if variant is None:
        errors.append(_error(field, _("No product variant with that %(f)s.") % {"f": field},
                             "not_found", enum))
    return variant


class _Abort(Exception):
    pass


class ProductVariantStocksUpdate(graphene.Mutation):
    """Set counted on-hand quantities of a variant per warehouse (a stocktake); all or nothing."""

    product_variant = graphene.Field("commerce.api.catalog.ProductVariant")
    errors = graphene.List(graphene.NonNull(BulkStockError), required=True)

    class Arguments:
        variant_id = graphene.ID()
        sku = graphene.String()
        stocks = graphene.List(graphene.NonNull(StockInput), required=True)

    @staticmethod
    def mutate(root: Any, info: graphene.ResolveInfo, stocks: list[Any],
               variant_id: str | None = None, sku: str | None = None) -> ProductVariantStocksUpdate:
        require_staff_perm(info, PERM_CHANGE_STOCK)
        errors: list[dict[str, Any]] = []
        variant = _find_variant(variant_id, sku, ProductErrorCode, errors)
        warehouse_ids: list[int | None] = []
        for index, item in enumerate(stocks):
            pk, problem = _decode_for_payload(item.warehouse, "Warehouse", "warehouse")
            if problem:
                errors.append(_error("warehouse", problem, "invalid", ProductErrorCode, index=index))
            elif pk in warehouse_ids:
                errors.append(_error("warehouse", _("The same warehouse is listed twice."),
                                     "duplicated_input_item", ProductErrorCode, index=index))
            warehouse_ids.append(pk)
        found = WarehouseModel.objects.in_bulk([pk for pk in warehouse_ids if pk is not None])
        for index, pk in enumerate(warehouse_ids):
            if pk is not None and pk not in found:
                errors.append(_error("warehouse", _("No warehouse with that ID."), "not_found",
                                     ProductErrorCode, index=index))
        if errors or variant is None:
            return ProductVariantStocksUpdate(errors=errors, product_variant=None)
        user = info.context.user
        try:
            with transaction.atomic():
                for index, (item, pk) in enumerate(zip(stocks, warehouse_ids, strict=True)):
                    try:
                        stock_services.stock_adjust(
                            variant, found[pk], set_to=item.quantity,
                            reason=MovementReason.STOCKTAKE,
                            reference="graphql:productVariantStocksUpdate", user=user,
                        )
                    except DomainError as exc:
                        errors = domain_errors(exc, ProductErrorCode, index=index)
                        raise _Abort from exc
        except _Abort:
            return ProductVariantStocksUpdate(errors=errors, product_variant=None)
        return ProductVariantStocksUpdate(errors=[], product_variant=variant)


class StockAdjustReasonEnum(graphene.Enum):
    RECEIPT = MovementReason.RECEIPT.value
    ADJUSTMENT = MovementReason.ADJUSTMENT.value
    RETURN = MovementReason.RETURN.value


class StockAdjustInput(graphene.InputObjectType):
    variant_id = graphene.ID()
    sku = graphene.String()
    warehouse = graphene.ID(required=True)
    delta = graphene.Int(required=True, description="Units to add (positive) or remove.")
    reason = graphene.Field(StockAdjustReasonEnum, description="Defaults to ADJUSTMENT.")
    note = graphene.String()


class StockAdjust(graphene.Mutation):
    """Add or remove on-hand units of one variant in one warehouse (goods in, damage, returns).

    Omniport extension: Saleor only sets absolute quantities.
    """

    stock = graphene.Field(Stock)
    errors = graphene.List(graphene.NonNull(StockError), required=True)

    class Arguments:
        input = StockAdjustInput(required=True)

    @staticmethod
    def mutate(root: Any, info: graphene.ResolveInfo, input: Any) -> StockAdjust:
        require_staff_perm(info, PERM_CHANGE_STOCK)
        errors: list[dict[str, Any]] = []
        variant = _find_variant(input.get("variant_id"), input.get("sku"), StockErrorCode, errors)
        pk, problem = _decode_for_payload(input.warehouse, "Warehouse", "warehouse")
        warehouse = WarehouseModel.objects.filter(pk=pk).first() if pk is not None else None
        if problem:
            errors.append(_error("warehouse", problem, "invalid", StockErrorCode))
        elif warehouse is None:
            errors.append(_error("warehouse", _("No warehouse with that ID."), "not_found",
                                 StockErrorCode))
        if input.delta == 0:
            errors.append(_error("delta", _("A change of zero units does nothing."),
                                 "invalid_quantity", StockErrorCode))
        if errors or variant is None or warehouse is None:
            return StockAdjust(errors=errors, stock=None)
        reason = getattr(input.get("reason"), "value", input.get("reason"))
        try:
            stock = stock_services.stock_adjust(
                variant, warehouse, delta=input.delta, reason=reason or MovementReason.ADJUSTMENT,
                reference="graphql:stockAdjust", note=input.get("note") or "",
                user=info.context.user,
            )
        except DomainError as exc:
            return StockAdjust(errors=domain_errors(exc, StockErrorCode), stock=None)
        return StockAdjust(errors=[], stock=StockModel.objects.select_related(
            "warehouse", "variant").get(pk=stock.pk))


class InventoryMutations(graphene.ObjectType):
    product_variant_stocks_update = ProductVariantStocksUpdate.Field()
    stock_adjust = StockAdjust.Field()
