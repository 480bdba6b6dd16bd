"""Admin forms for the catalog: refusals are form errors and write nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from commerce.catalog.barcodes import ean13, is_valid_gtin
from commerce.catalog.models import (
    Product,
    ProductTranslation,
    ProductVariant,
    ProductVariantChannelListing,
)
from commerce.catalog.services import product_translate
from commerce.inventory.models import Stock, StockMovement
from commerce.tests.factories import ChannelFactory, ProductFactory

pytestmark = pytest.mark.django_db


def _management(prefix: str, total: int, initial: int) -> dict[str, object]:
    return {f"{prefix}-TOTAL_FORMS": total, f"{prefix}-INITIAL_FORMS": initial,
            f"{prefix}-MIN_NUM_FORMS": 0, f"{prefix}-MAX_NUM_FORMS": 1000}


def _variant_post(variant: ProductVariant, **listing: object) -> dict[str, object]:
    """The variant change form as the browser sends it, with one new channel price row."""
    data: dict[str, object] = {
        "product": variant.product_id, "sku": variant.sku, "name": variant.name,
        "barcode": variant.barcode, "sort_order": 0, "track_inventory": "on",
        "weight_grams": variant.weight_grams or "", "metadata": "{}", "private_metadata": "{}",
    }
    translations = list(variant.translations.all())
    data.update(_management("translations", len(translations), len(translations)))
    for n, tr in enumerate(translations):
        data.update({f"translations-{n}-id": tr.pk, f"translations-{n}-product_variant": variant.pk,
                     f"translations-{n}-language_code": tr.language_code,
                     f"translations-{n}-name": tr.name})
    existing = list(variant.channel_listings.all())
    data.update(_management("channel_listings", len(existing) + 1, len(existing)))
    for n, row in enumerate(existing):
        data.update({f"channel_listings-{n}-id": row.pk,
                     f"channel_listings-{n}-variant": variant.pk,
                     f"channel_listings-{n}-channel": row.channel_id,
                     f"channel_listings-{n}-currency": row.currency,
                     f"channel_listings-{n}-price_amount": row.price_amount})
    n = len(existing)
    data.update({f"channel_listings-{n}-{k}": v for k, v in listing.items()})
    data[f"channel_listings-{n}-variant"] = variant.pk
    stocks = variant.stocks.count()
    data.update(_management("stocks", stocks, stocks))
    for i, stock in enumerate(variant.stocks.order_by("warehouse__slug")):
        data[f"stocks-{i}-id"] = stock.pk
        data[f"stocks-{i}-variant"] = variant.pk
    return data


def _change_url(variant: ProductVariant) -> str:
    return reverse("admin:catalog_productvariant_change", args=[variant.pk])


def test_price_in_the_wrong_currency_is_refused_and_nothing_is_written(admin_client, shop):
    eu = ChannelFactory(slug="eu", name="EU", currency_code="EUR")
    before = ProductVariantChannelListing.objects.count()

    response = admin_client.post(_change_url(shop.variant), _variant_post(
        shop.variant, channel=eu.pk, currency="USD", price_amount="24.99"))

    assert response.status_code == 200
    assert "sells in EUR, not USD" in response.content.decode()
    assert ProductVariantChannelListing.objects.count() == before


def test_negative_price_is_refused(admin_client, shop):
    eu = ChannelFactory(slug="eu", name="EU", currency_code="EUR")
    response = admin_client.post(_change_url(shop.variant), _variant_post(
        shop.variant, channel=eu.pk, currency="EUR", price_amount="-1"))
    assert response.status_code == 200
    assert not ProductVariantChannelListing.objects.filter(channel=eu).exists()


def test_price_in_the_channel_currency_is_saved_rounded_to_the_currency(admin_client, shop):
    jp = ChannelFactory(slug="jp", name="Japan", currency_code="JPY")

    response = admin_client.post(_change_url(shop.variant), _variant_post(
        shop.variant, channel=jp.pk, currency="", price_amount="2980.4"))

    assert response.status_code == 302, response.content.decode()[:3000]
    listing = ProductVariantChannelListing.objects.get(variant=shop.variant, channel=jp)
    assert (listing.currency, listing.price_amount) == ("JPY", Decimal("2980"))


def test_barcode_with_a_wrong_check_digit_is_refused(admin_client, shop):
    data = _variant_post(shop.variant)
    data.update(_management("channel_listings", shop.variant.channel_listings.count(),
                            shop.variant.channel_listings.count()))
    good = ean13("400638133393")
    data["barcode"] = good[:-1] + str((int(good[-1]) + 1) % 10)
    response = admin_client.post(_change_url(shop.variant), data)
    assert response.status_code == 200
    assert "wrong check digit" in response.content.decode()
    shop.variant.refresh_from_db()
    assert shop.variant.barcode == ""
    assert is_valid_gtin(good)


def _adjust(client, variant, **data):  # noqa: ANN001, ANN003
    return client.post(reverse("admin:catalog_productvariant_adjust_stock", args=[variant.pk]),
                       data)


def test_adjusting_stock_below_zero_shows_an_error_and_writes_nothing(admin_client, shop):
    wh = shop.warehouses[0]
    stock = Stock.objects.get(variant=shop.variant, warehouse=wh)
    before = (stock.quantity, StockMovement.objects.count())

    response = _adjust(admin_client, shop.variant, warehouse=wh.pk, mode="change",
                       quantity=-(stock.quantity + 1), reason="adjustment")

    assert response.status_code == 200
    assert "cannot go below zero" in response.content.decode()
    stock.refresh_from_db()
    assert (stock.quantity, StockMovement.objects.count()) == before


def test_negative_count_and_zero_change_are_refused(admin_client, shop):
    wh = shop.warehouses[0]
    before = StockMovement.objects.count()
    r1 = _adjust(admin_client, shop.variant, warehouse=wh.pk, mode="count", quantity=-3)
    r2 = _adjust(admin_client, shop.variant, warehouse=wh.pk, mode="change", quantity=0)
    r3 = _adjust(admin_client, shop.variant, warehouse=wh.pk, mode="change", quantity="lots")
    assert [r.status_code for r in (r1, r2, r3)] == [200, 200, 200]
    assert "changes nothing" in r2.content.decode()
    assert StockMovement.objects.count() == before


def test_stocktake_count_is_recorded_in_the_ledger(admin_client, shop):
    wh = shop.warehouses[2]
    response = _adjust(admin_client, shop.variant, warehouse=wh.pk, mode="count", quantity=2,
                       note="cycle count")
    assert response.status_code == 302
    stock = Stock.objects.get(variant=shop.variant, warehouse=wh)
    last = stock.movements.order_by("-pk").first()
    assert (stock.quantity, last.reason, last.quantity_delta, last.note) == (
        2, "stocktake", -3, "cycle count")


def test_adjust_page_preselects_the_warehouse_and_lists_stock(admin_client, shop):
    wh = shop.warehouses[1]
    url = reverse("admin:catalog_productvariant_adjust_stock", args=[shop.variant.pk])
    page = admin_client.get(f"{url}?warehouse={wh.pk}").content.decode()
    assert f'<option value="{wh.pk}" selected>' in page
    assert shop.warehouses[2].name in page


def _product_post(product: Product, translations: list[dict[str, str]]) -> dict[str, object]:
    data: dict[str, object] = {
        "name": product.name, "slug": product.slug, "product_type": product.product_type_id,
        "category": product.category_id or "", "description": product.description,
        "metadata": "{}", "private_metadata": "{}",
    }
    existing = list(product.translations.order_by("pk"))
    data.update(_management("translations", len(existing) + len(translations), len(existing)))
    for n, tr in enumerate(existing):
        data.update({f"translations-{n}-id": tr.pk, f"translations-{n}-product": product.pk,
                     f"translations-{n}-language_code": tr.language_code,
                     f"translations-{n}-name": tr.name, f"translations-{n}-slug": tr.slug})
    for m, tr in enumerate(translations, start=len(existing)):
        data.update({f"translations-{m}-{k}": v for k, v in tr.items()})
        data[f"translations-{m}-product"] = product.pk
    variants = list(product.variants.all())
    data.update(_management("variants", len(variants), len(variants)))
    for n, v in enumerate(variants):
        data.update({f"variants-{n}-id": v.pk, f"variants-{n}-product": product.pk,
                     f"variants-{n}-sku": v.sku, f"variants-{n}-name": v.name,
                     f"variants-{n}-sort_order": v.sort_order,
                     f"variants-{n}-weight_grams": v.weight_grams or ""})
    listings = list(product.channel_listings.all())
    data.update(_management("channel_listings", len(listings), len(listings)))
    for n, row in enumerate(listings):
        data.update({f"channel_listings-{n}-id": row.pk,
                     f"channel_listings-{n}-product": product.pk,
                     f"channel_listings-{n}-channel": row.channel_id,
                     f"channel_listings-{n}-is_published": "on",
                     f"channel_listings-{n}-visible_in_listings": "on"})
    data.update(_management("media", product.media.count(), product.media.count()))
    for n, media in enumerate(product.media.all()):
        data.update({f"media-{n}-id": media.pk, f"media-{n}-product": product.pk,
                     f"media-{n}-external_url": media.external_url, f"media-{n}-alt": media.alt,
                     f"media-{n}-sort_order": 0})
    return data


def test_translation_added_inline_gets_a_slug_and_marks_the_search_index(admin_client, shop):
    Product.objects.filter(pk=shop.product.pk).update(search_index_dirty=False)
    response = admin_client.post(
        reverse("admin:catalog_product_change", args=[shop.product.pk]),
        _product_post(shop.product, [{"language_code": "ja", "name": "オーガニックTシャツ",
                                      "slug": "", "description": "やわらかい。"}]))
    assert response.status_code == 302, response.content.decode()[:3000]
    tr = ProductTranslation.objects.get(product=shop.product, language_code="ja")
    assert tr.slug == "オーガニックtシャツ"
    shop.product.refresh_from_db()
    assert shop.product.search_index_dirty


def test_translation_slug_clash_in_the_same_language_is_a_form_error(admin_client, shop):
    other = ProductFactory(slug="other-tee")
    product_translate(other, "fr", name="T-shirt bio")
    before = ProductTranslation.objects.count()

    response = admin_client.post(
        reverse("admin:catalog_product_change", args=[shop.product.pk]),
        _product_post(shop.product, [{"language_code": "fr", "name": "T-shirt bio",
                                      "slug": ""}]))

    assert response.status_code == 200
    assert "is already used by another product" in response.content.decode()
    assert ProductTranslation.objects.count() == before


def test_translation_language_choices_leave_out_the_default_language(admin_client, shop):
    page = admin_client.get(reverse("admin:catalog_product_change", args=[shop.product.pk]))
    html = page.content.decode()
    assert '<option value="ja">' in html
    assert '<option value="en">' not in html
