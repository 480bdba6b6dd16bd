"""Staff roles as auth Groups with an exact set of permissions.

``ensure_roles()`` creates or repairs the groups: each group ends up with
exactly the permissions listed here (so running it again after someone edited
a group by hand restores the definition). It also creates the two custom
permissions that no model declares: adjusting stock and fulfilling orders.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

CATALOG_MANAGER = "Catalog manager"
WAREHOUSE_STAFF = "Warehouse staff"
ORDER_MANAGER = "Order manager"
STORE_CLERK = "Store clerk"

ADJUST_STOCK = "inventory.adjust_stock"
FULFIL_ORDER = "orders.fulfil_order"

# permission -> (model it hangs on, human name)
CUSTOM_PERMISSIONS: dict[str, tuple[str, str]] = {
    ADJUST_STOCK: ("stock", "Can adjust stock (receipts, stocktakes, corrections)"),
    FULFIL_ORDER: ("order", "Can fulfil orders (ship allocated lines)"),
}

CATALOG_MODELS = (
    "category", "categorytranslation", "attribute", "attributetranslation", "attributevalue",
    "attributevaluetranslation", "producttype", "product", "producttranslation",
    "productvariant", "productvarianttranslation", "productmedia", "productchannellisting",
    "productvariantchannellisting",
)
INVENTORY_MODELS = ("warehouse", "stock", "stockmovement", "allocation", "reservation")


def _perms(app_label: str, models: tuple[str, ...], *actions: str) -> list[str]:
    return [f"{app_label}.{action}_{model}" for model in models for action in actions]


@dataclass(frozen=True)
class Role:
    name: str
    permissions: tuple[str, ...] | None  # None: managed by the app that owns the role
    description: str


ROLES: tuple[Role, ...] = (
    Role(
        CATALOG_MANAGER,
        tuple(
            _perms("catalog", CATALOG_MODELS, "add", "change", "delete", "view")
            + _perms("channel", ("channel", "channelwarehouse"), "view")
            + _perms("inventory", ("warehouse", "stock", "stockmovement"), "view")
        ),
        "Products, variants, categories, attributes, translations and channel prices; "
        "sees stock but cannot change it.",
    ),
    Role(
        WAREHOUSE_STAFF,
        tuple(
            _perms("catalog", CATALOG_MODELS, "view")
            + _perms("channel", ("channel", "channelwarehouse"), "view")
            + _perms("inventory", INVENTORY_MODELS, "view")
            + ["inventory.change_stock", ADJUST_STOCK]
            + _perms("orders", ("order", "orderline", "orderevent"), "view")
            + [FULFIL_ORDER]
        ),
        "Sees the catalog, adjusts stock through the ledger, ships orders.",
    ),
    Role(
        ORDER_MANAGER,
        tuple(
            _perms("catalog", CATALOG_MODELS, "view")
            + _perms("channel", ("channel", "channelwarehouse"), "view")
            + _perms("inventory", INVENTORY_MODELS, "view")
            + _perms("orders", ("order",), "view", "change")
            + _perms("orders", ("orderline", "orderevent"), "view")
            + [FULFIL_ORDER]
            + _perms("account", ("customer",), "view", "change")
            + _perms("account", ("address",), "view", "add", "change")
            + _perms("checkout", ("checkout", "checkoutline"), "view")
        ),
        "Orders of every channel (cancel, fulfil), customers and carts.",
    ),
    # Clerks work in the store console, not in the admin; the O2O part gives
    # them their store. The group exists so that demo clerks can be recognised.
    # Its permissions (the console's) belong to the O2O app, so they are left as they are.
    Role(STORE_CLERK, None, "Store staff: uses the clerk console, no admin access."),
)


def _ensure_custom_permissions() -> None:
    for perm, (model_name, label) in CUSTOM_PERMISSIONS.items():
        app_label, codename = perm.split(".")
        ct = ContentType.objects.get_for_model(apps.get_model(app_label, model_name))
        Permission.objects.get_or_create(content_type=ct, codename=codename,
                                         defaults={"name": label})


def _resolve(perms: set[str]) -> dict[str, Permission]:
    found = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type").filter(
            codename__in={p.split(".")[1] for p in perms}
        )
    }
    return {key: found[key] for key in perms if key in found}


def ensure_roles() -> dict[str, Group]:
    """Create or repair the staff groups; idempotent. Returns the groups by name."""
    wanted = {perm for role in ROLES for perm in (role.permissions or ())}
    with transaction.atomic():
        _ensure_custom_permissions()
        resolved = _resolve(wanted)
        if len(resolved) < len(wanted):
            # Model permissions are made by post_migrate; make sure they exist.
            for app_config in apps.get_app_configs():
                create_permissions(app_config, verbosity=0)
            resolved = _resolve(wanted)
        missing = sorted(wanted - resolved.keys())
        if missing:
            raise LookupError(f"Unknown permissions in role definitions: {', '.join(missing)}")
        groups: dict[str, Group] = {}
        for role in ROLES:
            group, _created = Group.objects.get_or_create(name=role.name)
            groups[role.name] = group
            if role.permissions is None:
                continue
            target = {resolved[p].pk for p in role.permissions}
            current = set(group.permissions.values_list("pk", flat=True))
            if current != target:
                group.permissions.set(target)
            groups[role.name] = group
        return groups
