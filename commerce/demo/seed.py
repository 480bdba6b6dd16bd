"""Demo data: channels, warehouses, staff roles and logins, and a translated catalog with
prices in every channel currency and stock recorded through the ledger; then shipping
rates (shipping.py) and email flow settings for the storefront channels, and last the
demo seeds of the layers above commerce, named in ``settings.DEMO_SEED_EXTENSIONS``.

Deterministic: product number ``i`` is always the same product (its own seeded
random generator), whatever ``--products`` says. Idempotent: fixed records are
fetched or created by slug/email and never overwritten; products are created
in batches, each batch one transaction, skipping products whose slug exists.
Running twice changes nothing; running with a larger N adds the missing ones.

Products are written with bulk inserts. Stock is written as Stock rows plus
one "receipt" StockMovement per row with the same quantity, so the ledger
balances (sum of movements == counters), and stock listeners are told.
"""

from __future__ import annotations

import math
import os
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.text import slugify

from commerce.account.models import Address, Customer, User
from commerce.account.roles import (
    CATALOG_MANAGER,
    ORDER_MANAGER,
    STORE_CLERK,
    WAREHOUSE_STAFF,
    ensure_roles,
)
from commerce.catalog.barcodes import ean13
from commerce.catalog.models import (
    Attribute,
    AttributeTranslation,
    AttributeValue,
    AttributeValueTranslation,
    Category,
    CategoryTranslation,
    Product,
    ProductChannelListing,
    ProductTranslation,
    ProductType,
    ProductVariant,
    ProductVariantChannelListing,
    ProductVariantTranslation,
)
from commerce.channel.models import AllocationStrategy, Channel, ChannelKind, ChannelWarehouse
from commerce.core.money import quantize
from commerce.inventory import hooks
from commerce.inventory.models import MovementReason, Stock, StockMovement, Warehouse, WarehouseKind
from commerce.notifications.models import FlowSetting
from commerce.notifications.services.flows import ensure_flow_settings
from commerce.pricing.models import FxRate, PriceRounding

from . import vocabulary as vocab
from .bulk import copy_rows, reserve_ids
from .shipping import ensure_shipping

SEED = "omniport-demo-v1"
PUBLISHED_AT = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
REFERENCE = "seed_demo"
DEFAULT_ADMIN_PASSWORD = "admin"  # noqa: S105 - demo only, refused in production
DEFAULT_USER_PASSWORD = "demo"  # noqa: S105 - demo only, refused in production
BATCH_PRODUCTS = 500

# ---------------------------------------------------------------------------------
# fixed records
# ---------------------------------------------------------------------------------

WAREHOUSES = (
    {"slug": "cn-shenzhen", "name": "Shenzhen central warehouse", "kind": WarehouseKind.CENTRAL,
         "company_name": "Omniport Logistics (Shenzhen)",
         "street_address_1": "8 Pinghu South Logistics Road", "city": "Shenzhen",
         "country_area": "Guangdong", "postal_code": "518111", "country": "CN",
         "latitude": Decimal("22.680600"), "longitude": Decimal("114.131900"),
         "email": "shenzhen@example.com", "phone": "+86 755 0000 0000"},
    {"slug": "us-ontario", "name": "Ontario CA 3PL", "kind": WarehouseKind.OVERSEAS,
         "company_name": "Inland Empire Fulfilment", "street_address_1": "1350 S Milliken Ave",
         "city": "Ontario", "country_area": "CA", "postal_code": "91761", "country": "US",
         "latitude": Decimal("34.047800"), "longitude": Decimal("-117.555300"),
         "email": "ontario@example.com", "phone": "+1 909 000 0000"},
    {"slug": "store-paris", "name": "Paris store (Marais)", "kind": WarehouseKind.STORE,
         "street_address_1": "52 Rue de Rivoli", "city": "Paris", "postal_code": "75004", "country": "FR",
         "latitude": Decimal("48.857500"), "longitude": Decimal("2.353800"), "pickup_enabled": True,
         "email": "paris@example.com", "phone": "+33 1 00 00 00 00"},
    {"slug": "store-berlin", "name": "Berlin store (Mitte)", "kind": WarehouseKind.STORE,
         "street_address_1": "Rosenthaler Straße 40", "city": "Berlin", "postal_code": "10178",
         "country": "DE", "latitude": Decimal("52.524400"), "longitude": Decimal("13.402400"),
         "pickup_enabled": True, "email": "berlin@example.com", "phone": "+49 30 0000000"},
    {"slug": "store-london", "name": "London store (Carnaby)", "kind": WarehouseKind.STORE,
         "street_address_1": "30 Carnaby Street", "city": "London", "postal_code": "W1F 7DW",
         "country": "GB", "latitude": Decimal("51.513300"), "longitude": Decimal("-0.138700"),
         "pickup_enabled": True, "email": "london@example.com", "phone": "+44 20 0000 0000"},
)

EU_COUNTRIES = ["DE", "FR", "ES", "IT", "NL", "AT", "BE", "IE", "PT", "LU", "FI", "DK", "SE",
                "PL", "CZ"]


@dataclass(frozen=True)
class ChannelSpec:
    slug: str
    name: str
    kind: str
    currency: str
    default_country: str
    countries: list[str]
    languages: list[str]
    tax_included: bool
    tax_rate: Decimal
    warehouses: tuple[str, ...]  # in the order they are used
    markup: Decimal = Decimal(1)
    share: float = 1.0  # part of the catalog listed there
    strategy: str = AllocationStrategy.PRIORITIZE_SORTING_ORDER


CHANNELS = (
    ChannelSpec("us", "US store", ChannelKind.STOREFRONT, "USD", "US", ["US"], ["en"], False,
                Decimal(0), ("us-ontario", "cn-shenzhen")),
    ChannelSpec("eu", "EU store", ChannelKind.STOREFRONT, "EUR", "DE", EU_COUNTRIES,
                ["de", "fr", "es", "en"], True, Decimal(19),
                ("store-berlin", "store-paris", "cn-shenzhen")),
    ChannelSpec("uk", "UK store", ChannelKind.STOREFRONT, "GBP", "GB", ["GB"], ["en"], True,
                Decimal(20), ("store-london", "cn-shenzhen")),
    ChannelSpec("jp", "Japan store", ChannelKind.STOREFRONT, "JPY", "JP", ["JP"], ["ja"], True,
                Decimal(10), ("cn-shenzhen",)),
    ChannelSpec("amazon-us", "Amazon US", ChannelKind.MARKETPLACE, "USD", "US", ["US"], ["en"],
                False, Decimal(0), ("us-ontario", "cn-shenzhen"), markup=Decimal("1.12"),
                share=0.7),
    ChannelSpec("ebay-de", "eBay DE", ChannelKind.MARKETPLACE, "EUR", "DE", ["DE", "AT"], ["de"],
                True, Decimal(19), ("store-berlin", "cn-shenzhen"), markup=Decimal("1.08"),
                share=0.5, strategy=AllocationStrategy.PRIORITIZE_HIGH_STOCK),
)

# Rough exchange rates from the USD list price, for sensible local price points; also the
# demo's FX table (in force from PUBLISHED_AT), with the rounding rules below, so a market
# price the merchant removes is derived from the US price the way the storefront shows it.
FX = {"USD": Decimal(1), "EUR": Decimal("0.93"), "GBP": Decimal("0.80"), "JPY": Decimal(152)}
ROUNDING = {"EUR": "ending-99", "GBP": "ending-99", "JPY": "nearest-10"}


def price_point(amount: Decimal, currency: str) -> Decimal:
    """A shelf price: x.99 for cent currencies, whole yen ending in 80 for JPY."""
    if currency == "JPY":
        return Decimal(max(100, math.ceil(amount / 100) * 100 - 20))
    return Decimal(max(1, math.ceil(amount))) - Decimal("0.01")


def channel_price(usd: Decimal, spec: ChannelSpec, currency: str) -> Decimal:
    gross = usd * FX[currency] * spec.markup
    if spec.tax_included:
        gross *= 1 + spec.tax_rate / 100
    return price_point(gross, currency)


# ---------------------------------------------------------------------------------
# the catalog, computed (no database)
# ---------------------------------------------------------------------------------

STYLE_ORDER: tuple[tuple[vocab.TypeSpec, int, vocab.Style], ...] = tuple(
    (ts, k, ts.styles[k])
    for k in range(max(len(ts.styles) for ts in vocab.TYPES))
    for ts in vocab.TYPES if k < len(ts.styles)
)
VALUES = {(a.slug, val.code): val for a in vocab.ATTRIBUTES for val in a.values}


@dataclass
class VariantPlan:
    sku: str
    barcode: str
    values: list[tuple[str, vocab.Value]]  # (attribute slug, value)
    names: dict[str, str]
    weight_g: int
    usd: Decimal
    stock: dict[str, int]  # warehouse slug -> units


@dataclass
class ProductPlan:
    index: int
    type: vocab.TypeSpec
    style: vocab.Style
    names: dict[str, str]
    slugs: dict[str, str]
    descriptions: dict[str, str]
    material: vocab.Value
    origin: str
    usd: Decimal
    on_sale: bool
    channels: list[str]
    variants: list[VariantPlan] = field(default_factory=list)


def product_names(i: int) -> dict[str, str]:
    """The i-th product's name per language: "<collection> <style>[ edition]"."""
    _ts, _no, style = STYLE_ORDER[i % len(STYLE_ORDER)]
    collection = vocab.COLLECTIONS[(i // len(STYLE_ORDER)) % len(vocab.COLLECTIONS)]
    edition = i // (len(STYLE_ORDER) * len(vocab.COLLECTIONS))
    suffix = vocab.ROMAN[edition] if edition < len(vocab.ROMAN) else f" {edition + 1}"
    return {lang: f"{collection} {style.names[lang]}{suffix}" for lang in vocab.LANGS}


def product_plan(i: int) -> ProductPlan:
    """The i-th demo product, the same on every machine and every run."""
    rng = random.Random(f"{SEED}:{i}")
    ts, style_no, style = STYLE_ORDER[i % len(STYLE_ORDER)]
    names = product_names(i)
    material = VALUES[("material", style.material)]
    descriptions = {
        lang: ts.description[lang] + " "
        + vocab.MATERIAL_SENTENCE[lang].format(m=material.names[lang])
        for lang in vocab.LANGS
    }
    lo, hi = style.price_usd
    usd = Decimal(rng.randint(lo, hi))
    on_sale = rng.random() < 0.12
    channels = [c.slug for c in CHANNELS if c.share >= 1 or rng.random() < c.share]
    plan = ProductPlan(
        index=i, type=ts, style=style, names=names,
        slugs={lang: slugify(name, allow_unicode=True) for lang, name in names.items()},
        descriptions=descriptions, material=material, origin=rng.choice(ts.origins), usd=usd,
        on_sale=on_sale, channels=channels,
    )
    axes = []
    for attribute, count, choices in ts.axes:
        picked = rng.sample(choices, min(count, len(choices)))
        picked.sort(key=choices.index)
        if attribute.slug == "size" and len(picked) > 2:
            # Sizes come as a contiguous run (S–XL), not a random scatter.
            start = rng.randint(0, len(choices) - count)
            picked = list(choices[start:start + count])
        axes.append([(attribute.slug, VALUES[(attribute.slug, code)]) for code in picked])
    combos: list[list[tuple[str, vocab.Value]]] = [[]]
    for axis in axes:
        combos = [combo + [value] for combo in combos for value in axis]
    base_weight = style.weight_g or ts.weight_g
    for n, combo in enumerate(combos):
        codes = "-".join(val.code for _slug, val in combo)
        factor = math.prod(val.weight_factor for _slug, val in combo)
        stock = {"cn-shenzhen": 0 if rng.random() < 0.04 else rng.randint(20, 400)}
        if rng.random() < 0.7:
            stock["us-ontario"] = rng.randint(5, 120)
        for store in ("store-paris", "store-berlin", "store-london"):
            if rng.random() < 0.35:
                stock[store] = rng.randint(1, 12)
        plan.variants.append(VariantPlan(
            sku=f"{ts.code}{style_no + 1:02d}-{i:05d}-{codes}",
            barcode=ean13(f"20{i:07d}{n:03d}"),
            values=combo,
            names={lang: " / ".join(val.names[lang] for _slug, val in combo)
                   for lang in vocab.LANGS},
            weight_g=max(1, round(base_weight * factor)),
            usd=usd + Decimal(str(sum(val.price_usd for _slug, val in combo))),
            stock={slug: q for slug, q in stock.items() if q > 0},
        ))
    return plan


# ---------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------


class SeedRefused(Exception):
    """Seeding would be unsafe (default passwords in production)."""


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)
    skipped_products: int = 0
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # email, password, role

    def add(self, what: str, count: int = 1) -> None:
        if count:
            self.created[what] = self.created.get(what, 0) + count

    @property
    def already_seeded(self) -> bool:
        return not self.created.get("products") and self.skipped_products > 0


def demo_passwords() -> tuple[str, str]:
    """(admin password, other demo users' password); refuses defaults in production."""
    admin_pw = os.environ.get("DEMO_ADMIN_PASSWORD", DEFAULT_ADMIN_PASSWORD)
    user_pw = os.environ.get("DEMO_USER_PASSWORD", DEFAULT_USER_PASSWORD)
    if getattr(settings, "PRODUCTION", False):
        if admin_pw == DEFAULT_ADMIN_PASSWORD or user_pw == DEFAULT_USER_PASSWORD:
            raise SeedRefused("Refusing to seed demo logins with default passwords in production: "
                              "set DEMO_ADMIN_PASSWORD and DEMO_USER_PASSWORD.")
        try:
            validate_password(admin_pw)
            validate_password(user_pw)
        except ValidationError as exc:
            raise SeedRefused("Demo passwords are too weak for production: "
                              + " ".join(exc.messages)) from exc
    return admin_pw, user_pw


def _ensure_warehouses(report: SeedReport) -> dict[str, Warehouse]:
    out = {}
    for spec in WAREHOUSES:
        data = dict(spec)
        wh, created = Warehouse.objects.get_or_create(slug=data.pop("slug"), defaults=data)
        report.add("warehouses", created)
        out[wh.slug] = wh
    return out


def _ensure_channels(report: SeedReport, warehouses: dict[str, Warehouse]) -> dict[str, Channel]:
    out = {}
    for spec in CHANNELS:
        channel, created = Channel.objects.get_or_create(slug=spec.slug, defaults={
            "name": spec.name, "kind": spec.kind, "currency_code": spec.currency,
            "default_country": spec.default_country, "countries": spec.countries,
            "default_language": spec.languages[0], "languages": spec.languages,
            "prices_entered_with_tax": spec.tax_included, "display_gross_prices": spec.tax_included,
            "default_tax_rate": spec.tax_rate, "allocation_strategy": spec.strategy,
        })
        if created:
            report.add("channels")
            ChannelWarehouse.objects.bulk_create([
                ChannelWarehouse(channel=channel, warehouse=warehouses[slug], sort_order=n)
                for n, slug in enumerate(spec.warehouses)
            ])
        out[spec.slug] = channel
    return out


def _ensure_pricing(report: SeedReport) -> None:
    """The FX table and rounding rules derived market prices use (rows that exist, e.g. a
    merchant's newer rate, are left alone)."""
    for currency, rate in FX.items():
        if currency == "USD":
            continue
        _fx, created = FxRate.objects.get_or_create(
            base_currency="USD", quote_currency=currency, effective_date=PUBLISHED_AT.date(),
            defaults={"rate": rate, "source": "demo"})
        report.add("FX rates", created)
    for currency, strategy in ROUNDING.items():
        _rule, created = PriceRounding.objects.get_or_create(currency=currency,
                                                             defaults={"strategy": strategy})
        report.add("rounding rules", created)


def _ensure_attributes(report: SeedReport) -> dict[tuple[str, str], AttributeValue]:
    values: dict[tuple[str, str], AttributeValue] = {}
    for spec in vocab.ATTRIBUTES:
        attribute, created = Attribute.objects.get_or_create(slug=spec.slug, defaults={
            "name": spec.names["en"], "input_type": spec.input_type, "unit": spec.unit})
        report.add("attributes", created)
        if created:
            AttributeTranslation.objects.bulk_create([
                AttributeTranslation(attribute=attribute, language_code=lang, name=name)
                for lang, name in spec.names.items() if lang != "en"
            ])
        existing = {av.slug: av for av in attribute.values.all()}
        for n, val in enumerate(spec.values):
            av = existing.get(val.slug)
            if av is None:
                av = AttributeValue.objects.create(attribute=attribute, slug=val.slug,
                                                   name=val.names["en"], value=val.hex,
                                                   sort_order=n)
                AttributeValueTranslation.objects.bulk_create([
                    AttributeValueTranslation(attribute_value=av, language_code=lang, name=name)
                    for lang, name in val.names.items() if lang != "en" and name != val.names["en"]
                ])
                report.add("attribute values")
            values[(spec.slug, val.code)] = av
    return values


def _ensure_categories(report: SeedReport) -> dict[str, Category]:
    out: dict[str, Category] = {}
    for n, (slug, parent, names) in enumerate(vocab.CATEGORIES):
        category, created = Category.objects.get_or_create(slug=slug, defaults={
            "name": names["en"], "parent": out.get(parent), "sort_order": n,
            "seo_title": names["en"][:70]})
        out[slug] = category
        if created:
            report.add("categories")
            CategoryTranslation.objects.bulk_create([
                CategoryTranslation(category=category, language_code=lang, name=name,
                                    slug=slugify(name, allow_unicode=True), seo_title=name[:70])
                for lang, name in names.items() if lang != "en"
            ])
    return out


def _ensure_product_types(report: SeedReport,
                          values: dict[tuple[str, str], AttributeValue]) -> dict[str, ProductType]:
    attributes = {a.slug: a for a in Attribute.objects.all()}
    out = {}
    for ts in vocab.TYPES:
        pt, created = ProductType.objects.get_or_create(slug=ts.slug, defaults={
            "name": ts.name, "has_variants": True, "is_shipping_required": True})
        if created:
            report.add("product types")
            pt.product_attributes.add(attributes["material"])
            pt.variant_attributes.add(*[attributes[a.slug] for a, _n, _c in ts.axes])
        out[ts.slug] = pt
    return out


def _ensure_users(report: SeedReport, admin_pw: str, user_pw: str,
                  groups: dict) -> None:  # noqa: ANN001
    hashes: dict[str, str] = {}

    def hashed(password: str) -> str:
        # One (slow, on purpose) hash per distinct demo password, not per user.
        if password not in hashes:
            hashes[password] = make_password(password)
        return hashes[password]

    def user(email: str, password: str, role: str, *, first: str, last: str,
             staff: bool = False, superuser: bool = False, group: str = "") -> User:
        u = User.objects.filter(email=email).first()
        if u is None:
            u = User(email=email, first_name=first, last_name=last, is_staff=staff or superuser,
                     is_superuser=superuser)
            u.password = hashed(password)
            u.save()
            if group:
                u.groups.add(groups[group])
            report.add("users")
        report.logins.append((email, password, role))
        return u

    user("admin@example.com", admin_pw, "superuser", first="Alex", last="Admin", superuser=True)
    user("catalog@example.com", user_pw, CATALOG_MANAGER, first="Camille", last="Laurent",
         staff=True, group=CATALOG_MANAGER)
    user("warehouse@example.com", user_pw, WAREHOUSE_STAFF, first="Wei", last="Zhang",
         staff=True, group=WAREHOUSE_STAFF)
    user("orders@example.com", user_pw, ORDER_MANAGER, first="Olivia", last="Brown",
         staff=True, group=ORDER_MANAGER)
    for city, first, last in (("paris", "Léa", "Martin"), ("berlin", "Jonas", "Weber"),
                              ("london", "Priya", "Shah")):
        user(f"clerk.{city}@example.com", user_pw, f"{STORE_CLERK} ({city.title()})",
             first=first, last=last, group=STORE_CLERK)
    shopper = user("shopper@example.com", user_pw, "shopper", first="Sam", last="Rivera")
    if not Customer.objects.filter(email=shopper.email).exists():
        address = Address.objects.create(
            first_name="Sam", last_name="Rivera", street_address_1="350 Fifth Avenue",
            city="New York", country_area="NY", postal_code="10118", country="US",
            phone="+1 212 000 0000")
        customer = Customer.objects.create(
            email=shopper.email, user=shopper, first_name="Sam", last_name="Rivera",
            preferred_language="en", marketing_consent=True, marketing_consent_at=PUBLISHED_AT,
            marketing_consent_source="demo-seed", default_shipping_address=address,
            default_billing_address=address)
        customer.addresses.add(address)
        report.add("customers")


def _chunks(start: int, stop: int, size: int) -> Iterator[range]:
    for a in range(start, stop, size):
        yield range(a, min(a + size, stop))


def _write_products(plans: list[ProductPlan], *, channels: dict[str, Channel],
                    warehouses: dict[str, Warehouse], categories: dict[str, Category],
                    product_types: dict[str, ProductType],
                    values: dict[tuple[str, str], AttributeValue], report: SeedReport) -> None:
    """One batch, one transaction: products and everything that hangs off them.

    Rows are streamed with COPY (see bulk.py); the ledger gets one receipt per
    stock row with the same quantity, so movements and counters agree.
    """
    specs = {c.slug: c for c in CHANNELS}
    product_ids = reserve_ids(Product, len(plans))
    variant_ids = reserve_ids(ProductVariant, sum(len(p.variants) for p in plans))
    products, p_translations, p_values, p_listings = [], [], [], []
    variants, v_translations, v_values, v_listings, stocks = [], [], [], [], []
    next_variant = iter(variant_ids)
    for plan, pid in zip(plans, product_ids, strict=True):
        style, ts = plan.style, plan.type
        products.append((pid, product_types[ts.slug].pk, categories[ts.category].pk,
                         plan.names["en"], plan.slugs["en"], plan.descriptions["en"],
                         plan.names["en"][:70], plan.descriptions["en"][:300], "Omniport Goods"))
        for lang in vocab.LANGS[1:]:
            p_translations.append((pid, lang, plan.names[lang], plan.slugs[lang],
                                   plan.descriptions[lang], plan.names[lang][:70],
                                   plan.descriptions[lang][:300]))
        p_values.append((pid, values[("material", plan.material.code)].pk))
        dims = style.dims_mm if any(style.dims_mm) else ts.dims_mm
        customs = style.customs if style.customs[0] else ts.customs
        hs_code = style.hs_code or ts.hs_code
        cheapest: dict[str, Decimal] = {}
        for n, vp in enumerate(plan.variants):
            vid = next(next_variant)
            variants.append((vid, pid, vp.sku, vp.names["en"], vp.barcode, n, vp.weight_g,
                             dims[0], dims[1], dims[2], hs_code, customs[0], customs[1],
                             plan.origin, 5))
            for lang in vocab.LANGS[1:]:
                v_translations.append((vid, lang, vp.names[lang]))
            for attr_slug, val in vp.values:
                v_values.append((vid, values[(attr_slug, val.code)].pk))
            for slug in plan.channels:
                channel, spec = channels[slug], specs[slug]
                currency = channel.currency_code
                if currency not in FX:
                    continue  # a channel the merchant re-created in another currency
                if plan.on_sale:
                    price = channel_price(vp.usd * Decimal("0.8"), spec, currency)
                    compare: Decimal | None = channel_price(vp.usd * Decimal("1.3"), spec,
                                                            currency)
                else:
                    price, compare = channel_price(vp.usd, spec, currency), None
                cost = quantize(vp.usd * Decimal("0.38") * FX[currency], currency)
                v_listings.append((vid, channel.pk, currency, price, compare, cost))
                cheapest[slug] = min(price, cheapest.get(slug, price))
            for wh_slug, qty in vp.stock.items():
                stocks.append((vid, warehouses[wh_slug].pk, qty))
        for slug, price in cheapest.items():
            p_listings.append((pid, channels[slug].pk, channels[slug].currency_code, True,
                               PUBLISHED_AT, True, PUBLISHED_AT, price))

    copy_rows(Product, ("id", "product_type_id", "category_id", "name", "slug", "description",
                        "seo_title", "seo_description", "brand"), products)
    copy_rows(ProductTranslation, ("product_id", "language_code", "name", "slug", "description",
                                   "seo_title", "seo_description"), p_translations)
    copy_rows(Product.attribute_values.through, ("product_id", "attributevalue_id"), p_values)
    copy_rows(ProductVariant, ("id", "product_id", "sku", "name", "barcode", "sort_order",
                               "weight_grams", "length_mm", "width_mm", "height_mm", "hs_code",
                               "customs_name_en", "customs_name_zh", "origin_country",
                               "low_stock_threshold"), variants)
    copy_rows(ProductVariantTranslation, ("product_variant_id", "language_code", "name"),
              v_translations)
    copy_rows(ProductVariant.attribute_values.through, ("productvariant_id", "attributevalue_id"),
              v_values)
    copy_rows(ProductChannelListing, ("product_id", "channel_id", "currency", "is_published",
                                      "published_at", "visible_in_listings",
                                      "available_for_purchase_at", "discounted_price_amount"),
              p_listings)
    copy_rows(ProductVariantChannelListing, ("variant_id", "channel_id", "currency",
                                             "price_amount", "compare_at_price_amount",
                                             "cost_price_amount"), v_listings)
    stock_ids = reserve_ids(Stock, len(stocks))
    copy_rows(Stock, ("id", "variant_id", "warehouse_id", "quantity"),
              ((sid, *row) for sid, row in zip(stock_ids, stocks, strict=True)))
    copy_rows(StockMovement, ("stock_id", "reason", "quantity_delta", "quantity_after",
                              "reference", "note"),
              ((sid, MovementReason.RECEIPT.value, qty, qty, REFERENCE,
                "Opening stock (demo data)")
               for sid, (_vid, _wid, qty) in zip(stock_ids, stocks, strict=True)))
    hooks.stock_changed({vid for vid, _wid, _qty in stocks}, MovementReason.RECEIPT)

    report.add("products", len(products))
    report.add("product translations", len(p_translations))
    report.add("variants", len(variants))
    report.add("variant translations", len(v_translations))
    report.add("product channel listings", len(p_listings))
    report.add("variant prices", len(v_listings))
    report.add("stock rows", len(stocks))
    report.add("units in stock", sum(qty for _vid, _wid, qty in stocks))


def _ensure_email_flows(report: SeedReport) -> None:
    """Every lifecycle flow gets its per-channel setting row (on, default delays) in each
    storefront channel, so beat runs them; rows that exist (a merchant switched a flow
    off) are left alone."""
    before = FlowSetting.objects.count()
    ensure_flow_settings()
    report.add("email flow settings", FlowSetting.objects.count() - before)


def run_extensions(report: SeedReport) -> None:
    """Seeds of the layers above commerce (``settings.DEMO_SEED_EXTENSIONS``: dotted paths of
    idempotent ``fn(report)``), called in order; commerce never imports them itself."""
    for path in getattr(settings, "DEMO_SEED_EXTENSIONS", ()):
        import_string(path)(report)


def seed_demo(products: int = 200, *, progress: Callable[[int], None] | None = None) -> SeedReport:
    """Create the demo data (idempotent); ``progress(n)`` is told of each n products done.

    Then the shipping rates and email flows of the storefront channels, and last the
    extensions of the other layers (stores, routing rules…), each idempotent too.
    """
    admin_pw, user_pw = demo_passwords()
    report = SeedReport()
    with transaction.atomic():
        groups = ensure_roles()
        warehouses = _ensure_warehouses(report)
        channels = _ensure_channels(report, warehouses)
        _ensure_pricing(report)
        values = _ensure_attributes(report)
        categories = _ensure_categories(report)
        product_types = _ensure_product_types(report, values)
        _ensure_users(report, admin_pw, user_pw, groups)

    for chunk in _chunks(0, products, BATCH_PRODUCTS):
        slugs = {i: slugify(product_names(i)["en"], allow_unicode=True) for i in chunk}
        existing = set(Product.objects.filter(slug__in=slugs.values())
                       .values_list("slug", flat=True))
        todo = [product_plan(i) for i in chunk if slugs[i] not in existing]
        report.skipped_products += len(chunk) - len(todo)
        if todo:
            with transaction.atomic():
                _write_products(todo, channels=channels, warehouses=warehouses,
                                categories=categories, product_types=product_types,
                                values=values, report=report)
        if progress:
            progress(len(chunk))

    ensure_shipping(report, channels)
    with transaction.atomic():
        _ensure_email_flows(report)
    run_extensions(report)
    return report
