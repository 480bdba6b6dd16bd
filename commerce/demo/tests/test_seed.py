"""The demo seed: deterministic, idempotent, translated, priced per currency, ledger balanced."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import connection

from commerce.account.models import Customer, User
from commerce.account.roles import CATALOG_MANAGER, STORE_CLERK, WAREHOUSE_STAFF
from commerce.catalog.barcodes import is_valid_gtin
from commerce.catalog.models import (
    Category,
    CategoryTranslation,
    Product,
    ProductChannelListing,
    ProductTranslation,
    ProductVariant,
    ProductVariantChannelListing,
    ProductVariantTranslation,
)
from commerce.channel.models import Channel
from commerce.core.money import Money
from commerce.demo import vocabulary as vocab
from commerce.demo.seed import CHANNELS, SeedRefused, demo_passwords, product_plan, seed_demo
from commerce.inventory import hooks
from commerce.inventory.models import Stock, StockMovement, Warehouse
from commerce.pricing.selectors import fx_rate, market_unit_prices

pytestmark = pytest.mark.django_db
N = 20
TRANSLATED = [lang for lang in vocab.LANGS if lang != "en"]


def _counts() -> dict[str, int]:
    models = (Product, ProductTranslation, ProductVariant, ProductVariantTranslation,
              ProductChannelListing, ProductVariantChannelListing, Stock, StockMovement,
              Channel, Warehouse, Category, CategoryTranslation, User, Customer)
    return {m.__name__: m.objects.count() for m in models}


def _unbalanced_stocks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT count(*) FROM inventory_stock s LEFT JOIN (
                SELECT stock_id, sum(quantity_delta) q, sum(allocated_delta) a,
                       sum(reserved_delta) r
                FROM inventory_stockmovement GROUP BY stock_id) m ON m.stock_id = s.id
            WHERE coalesce(m.q, 0) <> s.quantity OR coalesce(m.a, 0) <> s.quantity_allocated
               OR coalesce(m.r, 0) <> s.quantity_reserved""")
        return cursor.fetchone()[0]


def test_seed_creates_the_demo_shop_and_a_second_run_changes_nothing():
    first = seed_demo(N)
    after_first = _counts()
    second = seed_demo(N)

    assert second.created == {}
    assert second.already_seeded
    assert _counts() == after_first
    assert first.created["products"] == N
    variants = sum(len(product_plan(i).variants) for i in range(N))
    assert after_first["ProductVariant"] == first.created["variants"] == variants
    assert after_first["ProductTranslation"] == N * len(TRANSLATED)
    assert after_first["ProductVariantTranslation"] == variants * len(TRANSLATED)
    assert after_first["Channel"] == 6 and after_first["Warehouse"] == 5
    assert after_first["StockMovement"] == after_first["Stock"] > 0
    assert _unbalanced_stocks() == 0


def test_larger_n_adds_only_the_missing_products_and_is_deterministic():
    seed_demo(5)
    first_five = list(ProductVariant.objects.order_by("sku").values_list("sku", "barcode"))
    report = seed_demo(8)
    assert report.created["products"] == 3 and report.skipped_products == 5
    assert Product.objects.count() == 8
    skus = dict(ProductVariant.objects.values_list("sku", "barcode"))
    assert all(skus[sku] == barcode for sku, barcode in first_five)
    assert product_plan(3) == product_plan(3)


def test_channels_warehouses_and_their_order():
    seed_demo(2)
    channels = {c.slug: c for c in Channel.objects.all()}
    assert {s: (c.currency_code, c.kind) for s, c in channels.items()} == {
        "us": ("USD", "storefront"), "eu": ("EUR", "storefront"), "uk": ("GBP", "storefront"),
        "jp": ("JPY", "storefront"), "amazon-us": ("USD", "marketplace"),
        "ebay-de": ("EUR", "marketplace")}
    assert channels["eu"].languages[:3] == ["de", "fr", "es"]
    assert {"DE", "FR", "ES", "IT", "NL", "AT", "BE"} <= set(channels["eu"].countries)
    eu_order = list(channels["eu"].channel_warehouses.order_by("sort_order")
                    .values_list("warehouse__slug", flat=True))
    assert eu_order == ["store-berlin", "store-paris", "cn-shenzhen"]
    stores = Warehouse.objects.filter(kind="store")
    assert {w.city for w in stores} == {"Paris", "Berlin", "London"}
    assert all(w.pickup_enabled and w.latitude and w.longitude for w in stores)
    paris = stores.get(city="Paris")
    assert (round(paris.latitude), round(paris.longitude)) == (49, 2)
    assert Warehouse.objects.get(kind="central").country.code == "CN"
    assert Warehouse.objects.get(kind="overseas").country.code == "US"


def test_prices_are_in_each_channel_currency_with_sensible_price_points():
    seed_demo(N)
    listings = ProductVariantChannelListing.objects.select_related("channel")
    assert listings.exists()
    for listing in listings:
        assert listing.currency == listing.channel.currency_code
        assert listing.price_amount > 0
        if listing.currency == "JPY":
            assert listing.price_amount == listing.price_amount.to_integral_value()
            assert listing.price_amount % 10 == 0
        else:
            assert listing.price_amount % 1 == Decimal("0.99")
        if listing.compare_at_price_amount is not None:
            assert listing.compare_at_price_amount > listing.price_amount
    storefronts = {c.slug for c in CHANNELS if c.share >= 1}
    for variant in ProductVariant.objects.prefetch_related("channel_listings__channel")[:30]:
        assert storefronts <= {row.channel.slug for row in variant.channel_listings.all()}
    assert not ProductChannelListing.objects.filter(is_published=False).exists()


def test_translations_are_real_and_unique_per_language():
    seed_demo(N)
    tee = ProductTranslation.objects.filter(product__slug="ala-organic-cotton-t-shirt")
    assert dict(tee.values_list("language_code", "name")) == {
        "de": "Ala Bio-Baumwoll-T-Shirt", "fr": "Ala T-shirt en coton bio",
        "es": "Ala Camiseta de algodón orgánico", "ja": "Ala オーガニックコットンTシャツ",
        "zh-hans": "Ala 有机棉T恤"}
    for lang in TRANSLATED:
        slugs = list(ProductTranslation.objects.filter(language_code=lang)
                     .values_list("slug", flat=True))
        assert len(slugs) == N == len(set(slugs))
        names = CategoryTranslation.objects.filter(language_code=lang).count()
        assert names == len(vocab.CATEGORIES)
    planned = {v.sku: v.names for i in range(N) for v in product_plan(i).variants}
    rows = ProductVariantTranslation.objects.values_list("product_variant__sku", "language_code",
                                                         "name")
    assert rows and all(planned[sku][lang] == name for sku, lang, name in rows)


def test_the_full_vocabulary_gives_unique_names_for_ten_thousand_products():
    plans = [product_plan(i) for i in range(10_000)]
    for lang in vocab.LANGS:
        slugs = [p.slugs[lang] for p in plans]
        assert len(set(slugs)) == len(slugs), lang
    skus = [v.sku for p in plans for v in p.variants]
    barcodes = [v.barcode for p in plans for v in p.variants]
    assert len(set(skus)) == len(skus)
    assert len(set(barcodes)) == len(barcodes)
    assert all(is_valid_gtin(code) and len(code) == 13 for code in barcodes)


def test_variants_carry_logistics_data():
    seed_demo(N)
    for v in ProductVariant.objects.all():
        assert is_valid_gtin(v.barcode)
        assert v.weight_grams and v.length_mm and v.width_mm and v.height_mm
        assert len(v.hs_code) == 7 and v.hs_code[4] == "."
        assert v.customs_name_en and v.customs_name_zh and v.origin_country
        assert v.attribute_values.exists()


def test_stock_listeners_hear_about_seeded_stock():
    heard: set[int] = set()

    def listener(variant_ids: set[int], reason: str) -> None:
        heard.update(variant_ids)

    hooks.register_stock_changed_listener(listener)
    try:
        seed_demo(3)
    finally:
        hooks.unregister_stock_changed_listener(listener)
    assert heard == set(Stock.objects.values_list("variant_id", flat=True))


def test_demo_logins_and_roles():
    seed_demo(1)
    admin = authenticate(username="admin@example.com", password="admin")
    assert admin is not None and admin.is_superuser
    catalog = authenticate(username="catalog@example.com", password="demo")
    assert catalog.is_staff and catalog.groups.filter(name=CATALOG_MANAGER).exists()
    assert User.objects.get(email="warehouse@example.com").groups.filter(
        name=WAREHOUSE_STAFF).exists()
    clerks = User.objects.filter(groups__name=STORE_CLERK)
    assert clerks.count() == 3 and not clerks.filter(is_staff=True).exists()
    shopper = Customer.objects.get(email="shopper@example.com")
    assert shopper.user is not None and shopper.default_shipping_address.city == "New York"


def test_command_prints_what_it_created_and_the_logins():
    out = StringIO()
    call_command("seed_demo", products=2, no_progress=True, stdout=out)
    text = out.getvalue()
    assert "products: 2" in text and "admin@example.com / admin" in text
    out = StringIO()
    call_command("seed_demo", products=2, no_progress=True, stdout=out)
    assert "already present" in out.getvalue()


def test_production_refuses_default_demo_passwords(settings, monkeypatch):
    settings.PRODUCTION = True
    monkeypatch.delenv("DEMO_ADMIN_PASSWORD", raising=False)
    monkeypatch.delenv("DEMO_USER_PASSWORD", raising=False)
    with pytest.raises(SeedRefused):
        demo_passwords()
    with pytest.raises(CommandError, match="default passwords"):
        call_command("seed_demo", products=1, no_progress=True, stdout=StringIO())
    assert not User.objects.exists()

    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "admin")
    monkeypatch.setenv("DEMO_USER_PASSWORD", "x7-Harbour-Lantern-91")
    with pytest.raises(SeedRefused):
        demo_passwords()
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "correct-Horse-Battery-88")
    assert demo_passwords() == ("correct-Horse-Battery-88", "x7-Harbour-Lantern-91")


def test_the_demo_fx_table_derives_a_market_price_the_merchant_removes():
    seed_demo(3)
    assert fx_rate("USD", "JPY") == Decimal(152) and fx_rate("USD", "EUR") == Decimal("0.93")
    variant = ProductVariant.objects.order_by("pk").first()
    jp = Channel.objects.get(slug="jp")
    ProductVariantChannelListing.objects.filter(variant=variant, channel=jp).update(
        price_amount=None)
    usd = variant.channel_listings.get(channel__slug="us").price_amount
    # US prices are net; Japan's include 10 % tax and round to the nearest 10 yen
    expected = (usd * 152 * Decimal("1.1") / 10).quantize(Decimal(1), ROUND_HALF_UP) * 10
    assert market_unit_prices([variant], jp)[variant.pk] == Money(expected, "JPY")

