"""Every registered admin page renders for a superuser, and changelists do not N+1."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commerce.inventory import services as inventory
from commerce.orders.services import OrderInput, OrderLineInput, order_create
from commerce.tests.factories import ProductListingFactory, VariantFactory, VariantListingFactory

pytestmark = pytest.mark.django_db


def _url(model, view: str, *args) -> str:  # noqa: ANN001
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


COMMERCE_APPS = {"account", "channel", "catalog", "inventory", "orders", "checkout"}


def test_every_registered_model_renders_changelist_add_and_change(admin_client, shop, roles):
    seen = []
    for model, model_admin in admin.site._registry.items():
        response = admin_client.get(_url(model, "changelist"))
        assert response.status_code == 200, (model, response.status_code)
        request = response.wsgi_request
        if model_admin.has_add_permission(request):
            response = admin_client.get(_url(model, "add"))
            assert response.status_code == 200, (model, "add")
        obj = model_admin.get_queryset(request).first()
        if obj is None:
            # Other apps' models (celery beat) may be empty; ours must all be covered.
            assert model._meta.app_label not in COMMERCE_APPS, f"no {model.__name__} in fixture"
            continue
        response = admin_client.get(_url(model, "change", obj.pk))
        assert response.status_code == 200, (model, "change")
        seen.append(model._meta.label)
    for label in ("catalog.Product", "catalog.ProductVariant", "inventory.StockMovement",
                  "orders.Order", "channel.Channel", "account.User", "checkout.Checkout"):
        assert label in seen


def test_changelist_search_and_filters_render(admin_client, shop):
    sku = shop.variant.sku
    for model_name, query in (
        ("catalog_product", f"?q={sku}"),
        ("catalog_productvariant", f"?q={sku}&track_inventory__exact=1"),
        ("inventory_stock", f"?q={sku}&availability=in"),
        ("inventory_stockmovement", f"?q={sku}&reason__exact=receipt"),
        ("orders_order", f"?q={shop.order.number}&is_oversold__exact=0"),
        ("orders_order", "?q=not-a-number"),
        ("catalog_product", f"?published_in={shop.channel.slug}"),
        ("checkout_checkout", "?completed=no"),
    ):
        response = admin_client.get(reverse(f"admin:{model_name}_changelist") + query)
        assert response.status_code == 200, model_name
    response = admin_client.get(reverse("admin:catalog_productvariant_changelist") + f"?q={sku}")
    assert sku in response.content.decode()


def _many_rows(shop, n: int) -> None:
    for i in range(n):
        v = VariantFactory(sku=f"MANY-{i:03d}")
        VariantListingFactory(variant=v, channel=shop.channel)
        ProductListingFactory(product=v.product, channel=shop.channel)
        inventory.stock_adjust(v, shop.warehouses[i % 3], delta=3, reason="receipt")
        order_create(OrderInput(channel=shop.channel, currency="USD",
                                email=f"buyer{i}@example.com",
                                lines=[OrderLineInput(sku=v.sku, quantity=1)]))


CHANGELISTS = ("catalog_product", "catalog_productvariant", "catalog_category",
               "catalog_attributevalue", "inventory_stock", "inventory_stockmovement",
               "inventory_allocation", "inventory_reservation", "orders_order",
               "account_customer", "account_user", "channel_channel", "checkout_checkout")


@pytest.mark.parametrize("changelist", CHANGELISTS)
def test_changelist_query_count_does_not_grow_with_rows(admin_client, shop, changelist,
                                                        django_assert_max_num_queries):
    url = reverse(f"admin:{changelist}_changelist")
    admin_client.get(url)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(url).status_code == 200
    _many_rows(shop, 40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = admin_client.get(url)
    assert response.status_code == 200


def test_variant_change_page_shows_stock_per_warehouse_and_prices(admin_client, shop):
    response = admin_client.get(_url(type(shop.variant), "change", shop.variant.pk))
    html = response.content.decode()
    for wh in shop.warehouses:
        assert wh.name in html
    assert "Adjust stock" in html
    assert "19.99" in html


def test_stock_ledger_is_read_only_even_for_a_superuser(admin_client, shop):
    from commerce.inventory.models import StockMovement

    movement = StockMovement.objects.first()
    before = StockMovement.objects.count()
    assert admin_client.get(_url(StockMovement, "add")).status_code == 403
    response = admin_client.post(_url(StockMovement, "change", movement.pk),
                                 {"quantity_delta": 999, "reason": "receipt"})
    assert response.status_code == 403
    assert admin_client.post(_url(StockMovement, "delete", movement.pk),
                             {"post": "yes"}).status_code == 403
    movement.refresh_from_db()
    assert movement.quantity_delta != 999
    assert StockMovement.objects.count() == before
    page = admin_client.get(_url(StockMovement, "changelist")).content.decode()
    assert 'value="delete_selected"' not in page


def test_stock_counters_cannot_be_edited_on_the_stock_page(admin_client, shop):
    from commerce.inventory.models import Stock

    stock = Stock.objects.filter(variant=shop.variant).first()
    response = admin_client.post(_url(Stock, "change", stock.pk),
                                 {"quantity": 999, "shelf_location": "A-01-3"})
    assert response.status_code == 302
    stock.refresh_from_db()
    assert (stock.quantity, stock.shelf_location) == (5, "A-01-3")


def test_channel_form_refuses_bad_currency_and_default_language(admin_client, warehouses):
    from commerce.channel.models import Channel

    data = {"name": "Mars", "slug": "mars", "kind": "storefront", "is_active": "on",
            "currency_code": "XYZ", "default_country": "US", "countries": ["US"],
            "default_language": "ja", "languages": ["en"], "default_tax_rate": "0",
            "allocation_strategy": "prioritize-sorting-order", "metadata": "{}",
            "private_metadata": "{}", "channel_warehouses-TOTAL_FORMS": 1,
            "channel_warehouses-INITIAL_FORMS": 0, "channel_warehouses-MIN_NUM_FORMS": 0,
            "channel_warehouses-MAX_NUM_FORMS": 1000,
            "channel_warehouses-0-warehouse": warehouses[0].pk,
            "channel_warehouses-0-sort_order": 0}
    response = admin_client.post(_url(Channel, "add"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "is not an ISO 4217 currency code" in html
    assert "must be one of the channel&#x27;s languages" in html
    assert not Channel.objects.filter(slug="mars").exists()

    data.update(currency_code="eur", default_language="en")
    assert admin_client.post(_url(Channel, "add"), data).status_code == 302
    mars = Channel.objects.get(slug="mars")
    assert mars.currency_code == "EUR"
    assert list(mars.channel_warehouses.values_list("warehouse__slug", flat=True)) == [
        warehouses[0].slug]
