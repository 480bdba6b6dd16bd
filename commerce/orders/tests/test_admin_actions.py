"""Order admin: read-only lines and history; cancel and fulfil go through the services."""

from __future__ import annotations

import pytest
from django.urls import reverse

from commerce.inventory.models import Allocation, Stock
from commerce.inventory.services import ledger_totals
from commerce.orders.models import Order, OrderStatus

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:orders_order_changelist"


def _action(client, action: str, *orders: Order):  # noqa: ANN001
    return client.post(reverse(CHANGELIST), {
        "action": action, "_selected_action": [str(o.pk) for o in orders]}, follow=True)


def _balanced(variant) -> bool:  # noqa: ANN001
    for stock in Stock.objects.filter(variant=variant):
        totals = ledger_totals(stock)
        if totals != {"quantity": stock.quantity, "allocated": stock.quantity_allocated,
                      "reserved": stock.quantity_reserved}:
            return False
    return True


def test_cancel_action_gives_stock_back(order_manager, client, shop):
    client.force_login(order_manager)
    assert Allocation.objects.filter(order_line__order=shop.order).exists()

    response = _action(client, "cancel_orders", shop.order)

    assert "Canceled 1 orders." in response.content.decode()
    shop.order.refresh_from_db()
    assert shop.order.status == OrderStatus.CANCELED
    assert not Allocation.objects.filter(order_line__order=shop.order).exists()
    assert shop.order.events.filter(type="canceled").exists()
    assert _balanced(shop.variant)


def test_fulfil_action_ships_allocated_units_then_cancel_is_refused(client, warehouse_staff,
                                                                    order_manager, shop):
    on_hand = sum(Stock.objects.filter(variant=shop.variant).values_list("quantity", flat=True))
    client.force_login(warehouse_staff)

    response = _action(client, "fulfil_orders", shop.order)

    assert "Fulfilled 1 orders." in response.content.decode()
    shop.order.refresh_from_db()
    assert shop.order.status == OrderStatus.FULFILLED
    assert sum(Stock.objects.filter(variant=shop.variant).values_list("quantity", flat=True)) \
        == on_hand - 2
    assert _balanced(shop.variant)

    client.force_login(order_manager)
    response = _action(client, "cancel_orders", shop.order)
    assert "Only orders that have not shipped can be canceled." in response.content.decode()
    shop.order.refresh_from_db()
    assert shop.order.status == OrderStatus.FULFILLED


def test_warehouse_staff_cannot_cancel_and_catalog_manager_cannot_fulfil(
        client, warehouse_staff, catalog_manager, shop):
    client.force_login(warehouse_staff)
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert 'value="fulfil_orders"' in page
    assert 'value="cancel_orders"' not in page
    _action(client, "cancel_orders", shop.order)
    shop.order.refresh_from_db()
    assert shop.order.status == OrderStatus.UNFULFILLED

    client.force_login(catalog_manager)
    assert client.get(reverse(CHANGELIST)).status_code == 403


def test_order_page_shows_lines_allocations_and_events_read_only(admin_client, shop):
    page = admin_client.get(reverse("admin:orders_order_change", args=[shop.order.pk]))
    html = page.content.decode()
    assert shop.variant.sku in html
    assert f"{shop.warehouses[0].name}: 2" in html  # allocated in
    assert "placed" in html
    assert 'name="lines-0-quantity"' not in html
    assert 'name="status"' not in html
    assert admin_client.get(reverse("admin:orders_order_add")).status_code == 403
