"""Staff roles decide what each person can do in the admin; users log in by email."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.urls import reverse

from commerce.account.models import User
from commerce.account.roles import (
    ADJUST_STOCK,
    CATALOG_MANAGER,
    ROLES,
    STORE_CLERK,
    WAREHOUSE_STAFF,
    ensure_roles,
)
from commerce.inventory.models import Stock, StockMovement

pytestmark = pytest.mark.django_db


def _adjust_url(variant) -> str:  # noqa: ANN001
    return reverse("admin:catalog_productvariant_adjust_stock", args=[variant.pk])


def test_ensure_roles_is_idempotent_and_repairs_edited_groups():
    first = {name: set(g.permissions.values_list("pk", flat=True))
             for name, g in ensure_roles().items()}
    group = Group.objects.get(name=CATALOG_MANAGER)
    group.permissions.add(Permission.objects.get(codename="delete_order"))
    group.permissions.remove(Permission.objects.get(codename="change_product"))

    again = {name: set(g.permissions.values_list("pk", flat=True))
             for name, g in ensure_roles().items()}

    assert again == first
    assert Group.objects.filter(name__in=[r.name for r in ROLES]).count() == len(ROLES)
    assert not Group.objects.get(name=STORE_CLERK).permissions.exists()


def test_ensure_roles_command_prints_each_role(capsys):
    call_command("ensure_roles")
    out = capsys.readouterr().out
    for role in ROLES:
        assert role.name in out


def test_catalog_manager_edits_products_but_cannot_adjust_stock(client, catalog_manager, shop):
    client.force_login(catalog_manager)
    assert client.get(reverse("admin:catalog_product_changelist")).status_code == 200
    assert client.get(reverse("admin:catalog_product_add")).status_code == 200
    page = client.get(reverse("admin:catalog_productvariant_change", args=[shop.variant.pk]))
    assert page.status_code == 200
    assert _adjust_url(shop.variant) not in page.content.decode()  # no adjust button
    # the stock inline is there, read-only
    assert shop.warehouses[0].name in page.content.decode()

    before = StockMovement.objects.count()
    assert client.get(_adjust_url(shop.variant)).status_code == 403
    response = client.post(_adjust_url(shop.variant), {
        "warehouse": shop.warehouses[0].pk, "mode": "change", "quantity": 5,
        "reason": "receipt"})
    assert response.status_code == 403
    assert StockMovement.objects.count() == before
    assert not catalog_manager.has_perm(ADJUST_STOCK)


def test_warehouse_staff_adjusts_stock_but_cannot_edit_products(client, warehouse_staff, shop):
    client.force_login(warehouse_staff)
    assert client.get(reverse("admin:catalog_product_changelist")).status_code == 200
    assert client.get(reverse("admin:catalog_product_add")).status_code == 403
    response = client.post(reverse("admin:catalog_product_change", args=[shop.product.pk]),
                           {"name": "Renamed"})
    assert response.status_code == 403
    page = client.get(reverse("admin:catalog_productvariant_change", args=[shop.variant.pk]))
    assert _adjust_url(shop.variant) in page.content.decode()

    wh = shop.warehouses[1]
    response = client.post(_adjust_url(shop.variant), {
        "warehouse": wh.pk, "mode": "change", "quantity": 7, "reason": "receipt",
        "reference": "DN-1001"})

    assert response.status_code == 302
    stock = Stock.objects.get(variant=shop.variant, warehouse=wh)
    assert stock.quantity == 5 + 7
    movement = stock.movements.order_by("-pk").first()
    assert (movement.reason, movement.quantity_delta, movement.reference, movement.user) == (
        "receipt", 7, "DN-1001", warehouse_staff)


def test_staff_without_roles_sees_nothing(client, shop):
    user = User.objects.create_user("nobody@example.com", "pw", is_staff=True)
    client.force_login(user)
    assert client.get(reverse("admin:catalog_product_changelist")).status_code == 403
    assert client.get(_adjust_url(shop.variant)).status_code == 403


def test_warehouse_role_has_the_custom_permission(warehouse_staff):
    assert warehouse_staff.has_perm(ADJUST_STOCK)
    assert warehouse_staff.groups.get().name == WAREHOUSE_STAFF


def test_admin_creates_user_by_email_without_username(admin_client):
    response = admin_client.post(reverse("admin:account_user_add"), {
        "email": "New.Staff@Example.com", "usable_password": "true",
        "password1": "a-long-Passphrase-42", "password2": "a-long-Passphrase-42"})
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(email="new.staff@example.com")
    assert user.check_password("a-long-Passphrase-42")

    again = admin_client.post(reverse("admin:account_user_add"), {
        "email": "new.staff@EXAMPLE.com", "usable_password": "true",
        "password1": "a-long-Passphrase-42", "password2": "a-long-Passphrase-42"})
    assert again.status_code == 200
    assert "already exists" in again.content.decode()
    assert User.objects.filter(email__iexact="new.staff@example.com").count() == 1


def test_user_change_page_has_no_username(admin_client, admin_user):
    page = admin_client.get(reverse("admin:account_user_change", args=[admin_user.pk]))
    assert page.status_code == 200
    assert 'name="username"' not in page.content.decode()
    assert 'name="email"' in page.content.decode()
