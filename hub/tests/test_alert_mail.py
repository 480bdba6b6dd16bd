"""Hub staff hear about each newly opened alert by email, once, in their language."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core import mail

from commerce.account.models import Customer
from commerce.orders.services import OrderInput, OrderLineInput, order_create
from commerce.tests.factories import UserFactory
from hub.alert_mail import mail_alert
from hub.models import Alert, AlertKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(settings):  # noqa: ANN001, ANN201
    settings.NOTIFICATIONS_DELIVERY = "inline"
    settings.PUBLIC_URL = "https://shop.example.com"
    settings.HUB_ALERT_EMAILS = ["ops@example.com"]
    view_alert = Permission.objects.get(content_type__app_label="hub", codename="view_alert")
    owner = UserFactory(email="owner@example.com", is_staff=True, is_superuser=True)
    german = UserFactory(email="lager@example.com", is_staff=True)
    german.user_permissions.add(view_alert)
    Customer.objects.create(user=german, email=german.email, preferred_language="de")
    UserFactory(email="catalog@example.com", is_staff=True)  # may not see alerts
    gone = UserFactory(email="former@example.com", is_staff=True, is_active=False)
    gone.user_permissions.add(view_alert)
    return owner, german


def sell(channel, variant, quantity: int) -> None:  # noqa: ANN001
    order_create(OrderInput(channel=channel, currency="USD", lines=[
        OrderLineInput(sku=variant.sku, quantity=quantity, unit_price=Decimal(20))]))


def test_low_stock_mails_each_alert_viewer_once_in_their_language(
        staff, listing, channel, django_capture_on_commit_callbacks):  # noqa: ANN001
    variant = listing.variant
    variant.low_stock_threshold = 3
    variant.save()
    with django_capture_on_commit_callbacks(execute=True):
        sell(channel, variant, 7)
    alert = Alert.objects.get(kind=AlertKind.LOW_STOCK, is_open=True)

    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert set(by_recipient) == {"owner@example.com", "lager@example.com", "ops@example.com"}
    english, german = by_recipient["owner@example.com"], by_recipient["lager@example.com"]
    assert english.subject == "Action needed: Low stock"
    assert german.subject == "Handlungsbedarf: Niedriger Bestand"
    link = f"https://shop.example.com/admin/hub/alert/{alert.pk}/change/"
    assert link in english.body and "3 available" in english.body
    assert link in german.body

    # a repeated sighting only counts up; a re-run listener sends nothing again
    with django_capture_on_commit_callbacks(execute=True):
        sell(channel, variant, 1)
    mail_alert(alert)
    assert len(mail.outbox) == 3
