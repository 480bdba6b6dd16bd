"""Validation of routing rules: refuse a rule that can never match or has nowhere to send orders.

Pure functions over plain values, so the admin form, an import or an API give
the same answers. Each returns ``{field: [messages]}`` (empty when valid).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.utils.translation import gettext as _
from django_countries import countries as all_countries

from commerce.catalog.models import ProductVariant
from commerce.channel.models import Channel
from commerce.inventory.models import Warehouse

from .models import RoutingAction

Errors = dict[str, list[str]]


def validate_rule_conditions(
    *,
    is_default: bool,
    is_active: bool,
    channels: Iterable[Channel],
    countries: Sequence[str],
    regions: Sequence[str],
    postcode_prefixes: Sequence[str],
    skus: Sequence[str],
    has_categories: bool,
    min_weight: int | None,
    max_weight: int | None,
    value_currency: str,
    min_value: Decimal | None,
    max_value: Decimal | None,
    delivery_methods: Sequence[str],
    action: str,
    radius_km: int | None,
) -> Errors:
    errors: Errors = defaultdict(list)
    channels = list(channels)
    codes = [c.strip().upper() for c in countries if c.strip()]
    if is_default:
        if not is_active:
            errors["is_active"].append(_("The default rule must stay active: it catches every "
                                         "order no other rule matches."))
        conditions = [channels, codes, regions, postcode_prefixes, skus, has_categories,
                      min_weight is not None, max_weight is not None, min_value is not None,
                      max_value is not None, delivery_methods]
        if any(conditions):
            errors["is_default"].append(_("The default rule matches every order: remove its "
                                          "conditions, or make it a normal rule."))
    unknown = [c for c in codes if c not in dict(all_countries)]
    if unknown:
        errors["countries"].append(_("Unknown country codes: %(codes)s.")
                                   % {"codes": ", ".join(unknown)})
    if postcode_prefixes and not codes:
        errors["postcode_prefixes"].append(_(
            "Postcode prefixes mean different places in different countries: choose the "
            "destination country (or countries) they belong to."))
    if regions and not codes:
        errors["regions"].append(_("Regions need the destination country they belong to."))
    if codes and channels:
        served = [set(ch.countries) for ch in channels if ch.countries]
        if len(served) == len(channels) and not any(set(codes) & s for s in served):
            errors["countries"].append(_(
                "None of these countries is served by the chosen channels, so the rule could "
                "never match."))
    if min_weight is not None and max_weight is not None and min_weight > max_weight:
        errors["min_weight_grams"].append(_(
            "Minimum weight is above maximum weight: no order could ever match."))
    if (min_value is not None or max_value is not None):
        if not value_currency or len(value_currency.strip()) != 3 or \
                not value_currency.strip().isalpha():
            errors["value_currency"].append(_("Order value limits need a 3-letter currency."))
        for name, value in (("min_order_value", min_value), ("max_order_value", max_value)):
            if value is not None and value < 0:
                errors[name].append(_("Order value cannot be negative."))
    if min_value is not None and max_value is not None and min_value > max_value:
        errors["min_order_value"].append(_(
            "Minimum order value is above maximum: no order could ever match."))
    exact = [s.strip() for s in skus if s.strip() and "*" not in s and "?" not in s]
    if exact:
        known = set(ProductVariant.objects.filter(sku__in=exact).values_list("sku", flat=True))
        missing = [s for s in exact if s not in known]
        if missing:
            errors["skus"].append(_("Unknown SKUs (the rule could never match them): %(skus)s.")
                                  % {"skus": ", ".join(missing)})
    if action == RoutingAction.NEAREST_STORE and not radius_km:
        errors["radius_km"].append(_("Give the radius in km for the nearest-store action."))
    return {k: v for k, v in errors.items() if v}


def validate_rule_warehouses(action: str, warehouse_ids: Sequence[int], *,
                             is_default: bool = False) -> list[str]:
    """The rule's warehouses must exist and be active; the list action needs at least one,
    except on the default rule, where an empty list means "the channel's warehouse order"."""
    errors: list[str] = []
    if action == RoutingAction.WAREHOUSES and not warehouse_ids and not is_default:
        errors.append(_("Add at least one warehouse: this rule sends orders to its warehouse list."))
    if len(set(warehouse_ids)) != len(list(warehouse_ids)):
        errors.append(_("A warehouse is listed twice."))
    found = {w.pk: w for w in Warehouse.objects.filter(pk__in=list(warehouse_ids))}
    gone = [str(w) for w in warehouse_ids if w not in found]
    if gone:
        errors.append(_("These warehouses no longer exist: %(ids)s.") % {"ids": ", ".join(gone)})
    inactive = [w.name for w in found.values() if not w.is_active]
    if inactive:
        errors.append(_("These warehouses are inactive and cannot fulfil orders: %(names)s.")
                      % {"names": ", ".join(sorted(inactive))})
    return errors
