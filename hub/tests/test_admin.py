"""What a merchant sees and does in the hub's admin."""

from __future__ import annotations

import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from commerce.tests.factories import CategoryFactory, ProductFactory, VariantFactory
from connectors.base import Transient
from hub.models import (
    AccountStatus,
    Alert,
    ImportStatus,
    Listing,
    ListingStatus,
    MarketplaceAccount,
    OrderImport,
    OutboxEntry,
    OutboxStatus,
)
from hub.services import order_import_remote, sync_drain
from hub.tests.conftest import receive, remote_order

pytestmark = pytest.mark.django_db


def action(admin_client, model: str, name: str, pks) -> None:  # noqa: ANN001
    url = reverse(f"admin:hub_{model}_changelist")
    response = admin_client.post(url, {"action": name,
                                       helpers.ACTION_CHECKBOX_NAME: [str(pk) for pk in pks]})
    assert response.status_code == 302, response.content[:500]


@pytest.mark.parametrize("model", ["marketplaceaccount", "listing", "outboxentry", "synclog",
                                   "orderimport", "alert", "pricerule", "quantityrule",
                                   "marketplaceproduct"])
def test_every_hub_page_renders(admin_client, listing, model):
    order_import_remote(listing.account, remote_order("ADM-1", [("UNKNOWN", 1)]))
    response = admin_client.get(reverse(f"admin:hub_{model}_changelist"))
    assert response.status_code == 200


def test_listing_page_shows_status_and_marketplace_messages(admin_client, listing, market,
                                                            warehouses):
    market.reject_skus["TEE-RED-M"] = "Brand name is not approved for this category"
    receive(listing.variant, warehouses[0], 1)
    sync_drain(listing.account_id)
    page = admin_client.get(reverse("admin:hub_listing_change", args=[listing.pk])).content.decode()
    assert "Brand name is not approved for this category" in page
    changelist = admin_client.get(reverse("admin:hub_listing_changelist") + "?status=error")
    assert "TEE-RED-M" in changelist.content.decode()


def test_account_health_and_pause_resume(admin_client, listing, warehouses):
    account = listing.account
    receive(listing.variant, warehouses[0], 1)
    page = admin_client.get(reverse("admin:hub_marketplaceaccount_changelist")).content.decode()
    assert "FakeMarket US" in page
    action(admin_client, "marketplaceaccount", "pause_accounts", [account.pk])
    account.refresh_from_db()
    assert account.status == AccountStatus.PAUSED
    action(admin_client, "marketplaceaccount", "resume_accounts", [account.pk])
    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE


def test_account_secrets_are_write_only_and_kept_when_left_empty(admin_client, account):
    url = reverse("admin:hub_marketplaceaccount_change", args=[account.pk])
    page = admin_client.get(url).content.decode()
    assert 'value="secret"' not in page and 'value="rt"' not in page
    form = {
        "channel": account.channel_id, "connector": "fake", "site": account.site,
        "site_language": "en-US", "seller_id": "", "status": "active", "paused_reason": "",
        "endpoint": "", "auth_endpoint": "", "client_id": "", "client_secret": "",
        "refresh_token": "new-token", "extra_credentials": "", "rate_limits": "{}",
        "oversell_policy": "cancel", "orders_overlap_seconds": 600,
        "category_mappings-TOTAL_FORMS": 0, "category_mappings-INITIAL_FORMS": 0,
    }
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    account = MarketplaceAccount.objects.get(pk=account.pk)
    assert (account.client_secret, account.refresh_token) == ("secret", "new-token")


def test_dead_letters_are_retried_from_admin(admin_client, listing, market, warehouses,
                                             moving_clock, settings):
    settings.HUB_SYNC_MAX_ATTEMPTS = 1
    market.queued_faults.append(Transient("500", status=500))
    receive(listing.variant, warehouses[0], 2)
    sync_drain(listing.account_id)
    dead = OutboxEntry.objects.get(status=OutboxStatus.DEAD)
    page = admin_client.get(reverse("admin:hub_outboxentry_changelist") + "?status=dead")
    assert "Transient: 500" in page.content.decode()
    action(admin_client, "outboxentry", "retry", [dead.pk])
    sync_drain(listing.account_id)
    dead.refresh_from_db()
    assert dead.status == OutboxStatus.DONE and market.offers["TEE-RED-M"].quantity == 12


def test_held_import_is_reprocessed_from_admin(admin_client, account, listing):
    record, _ = order_import_remote(account, remote_order("ADM-2", [("AMZ-ALIAS", 1)]))
    assert record.status == ImportStatus.HELD
    page = admin_client.get(reverse("admin:hub_orderimport_changelist") + "?status=held")
    assert "AMZ-ALIAS" in page.content.decode()
    Listing.objects.filter(pk=listing.pk).update(sku="AMZ-ALIAS")  # the mapping is fixed
    action(admin_client, "orderimport", "reprocess", [record.pk])
    record.refresh_from_db()
    assert record.status == ImportStatus.IMPORTED and record.order is not None


def test_delist_everywhere_from_the_product_page(admin_client, listing, market):
    action(admin_client, "marketplaceproduct", "delist_everywhere", [listing.variant.product_id])
    sync_drain(listing.account_id)
    assert not market.offers["TEE-RED-M"].live
    action(admin_client, "marketplaceproduct", "relist_everywhere", [listing.variant.product_id])
    sync_drain(listing.account_id)
    assert market.offers["TEE-RED-M"].live


def test_alert_is_resolved_from_admin(admin_client, account, listing):
    order_import_remote(account, remote_order("ADM-3", [("NOPE", 1)]))
    alert = Alert.objects.get(is_open=True)
    action(admin_client, "alert", "resolve", [alert.pk])
    alert.refresh_from_db()
    assert not alert.is_open and alert.resolved_by is not None


def test_publish_a_category_in_bulk(admin_client, account, warehouses, market):
    shirts = CategoryFactory(slug="shirts")
    polos = CategoryFactory(slug="polos", parent=shirts)
    for i, cat in enumerate([shirts, polos, polos]):
        variant = VariantFactory(sku=f"CAT-{i}", product=ProductFactory(category=cat))
        receive(variant, warehouses[0], 3)
        from commerce.tests.factories import VariantListingFactory

        VariantListingFactory(variant=variant, channel=account.channel)
    url = reverse("admin:hub_marketplaceaccount_publish_category", args=[account.pk])
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"category": shirts.pk, "include_subcategories": "on"})
    assert response.status_code == 302
    assert Listing.objects.filter(account=account, status=ListingStatus.ACTIVE).count() == 3
    # the merchant lands on the batch's progress page, which refreshes itself until done
    progress = admin_client.get(response["Location"]).content.decode()
    assert "0 of 3 live, 0 failed, 3 queued" in progress and 'http-equiv="refresh"' in progress
    sync_drain(account.pk)
    assert set(market.offers) == {"CAT-0", "CAT-1", "CAT-2"}
    progress = admin_client.get(response["Location"]).content.decode()
    assert "3 of 3 live, 0 failed, 0 queued" in progress and 'http-equiv="refresh"' not in progress
    assert "3 of 3 live" in admin_client.get(
        reverse("admin:hub_publishbatch_changelist")).content.decode()


def test_listing_edit_in_admin_queues_a_push(admin_client, listing, market):
    url = reverse("admin:hub_listing_change", args=[listing.pk])
    form = {"title": "Admin title", "description": "", "category_id": "", "product_type": "",
            "attributes": "{}", "condition": "new", "price_rule": "", "quantity_rule": "",
            "fixed_price": "", "external_id": listing.external_id}
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    sync_drain(listing.account_id)
    assert market.offers["TEE-RED-M"].title == "Admin title"


def test_orders_held_page_lists_errors(admin_client, account, listing):
    order_import_remote(account, remote_order("ADM-4", currency="EUR"))
    assert OrderImport.objects.get(external_id="ADM-4").error_code == "currency_mismatch"
