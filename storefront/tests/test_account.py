from __future__ import annotations

from decimal import Decimal

import pytest

from commerce.account.models import Address, Customer, User
from commerce.orders.models import Order, OrderLine
from commerce.tests.factories import CustomerFactory, UserFactory

from .conftest import parse, text

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-Secret-42"


def _order(channel, number, *, user=None, customer=None, total="59.90", currency="EUR"):
    order = Order.objects.create(number=number, channel=channel, currency=currency, user=user,
                                 customer=customer, user_email="x@example.com",
                                 total_gross_amount=Decimal(total),
                                 subtotal_gross_amount=Decimal(total))
    OrderLine.objects.create(order=order, product_name="Classic T-shirt",
                             translated_product_name="Klassisches T-Shirt", variant_name="M",
                             product_sku="TEE-M", quantity=2, currency=currency,
                             unit_price_net_amount=Decimal("25.17"),
                             unit_price_gross_amount=Decimal("29.95"),
                             total_price_net_amount=Decimal("50.34"),
                             total_price_gross_amount=Decimal(total))
    return order


def test_sign_up_logs_in_and_links_the_customer(client, markets):
    response = client.post("/de/account/signup/", {
        "email": "Ada@Example.com", "first_name": "Ada", "last_name": "Lovelace",
        "password1": PASSWORD, "password2": PASSWORD, "marketing_consent": "on",
    })
    assert response.status_code == 302 and response["Location"] == "/de/account/"
    user = User.objects.get(email="ada@example.com")
    customer = Customer.objects.get(user=user)
    assert customer.preferred_language == "de"
    # the newsletter box starts double opt-in: consent counts once its emailed link is opened
    assert not customer.marketing_consent
    assert customer.consent_events.get().action == "requested"
    page = parse(client.get("/de/account/"))
    assert "ada@example.com" in text(page.cssselect(".account-main")[0])


def test_sign_up_claims_guest_order_history(client, markets):
    guest = CustomerFactory(email="grace@example.com")
    _order(markets.eu, 1001, customer=guest)
    client.post("/en/account/signup/", {"email": "grace@example.com", "password1": PASSWORD,
                                        "password2": PASSWORD})
    rows = parse(client.get("/en/account/")).cssselect("table.orders tbody tr")
    assert len(rows) == 1 and "#1001" in text(rows[0])


def test_sign_up_errors_are_clear_and_write_nothing(client, markets):
    UserFactory(email="taken@example.com")
    response = client.post("/en/account/signup/", {
        "email": "taken@example.com", "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    response = client.post("/en/account/signup/", {
        "email": "new@example.com", "password1": PASSWORD, "password2": "different-42-X"})
    assert response.status_code == 400 and "do not match" in response.content.decode()
    response = client.post("/en/account/signup/", {
        "email": "not-an-email", "password1": "123", "password2": "123"})
    assert response.status_code == 400
    assert not User.objects.filter(email__in=["new@example.com", "not-an-email"]).exists()
    assert not Customer.objects.exists()


def test_log_in_with_email_and_log_out(client, markets):
    UserFactory(email="linus@example.com", password=PASSWORD)
    bad = client.post("/fr/account/login/", {"username": "linus@example.com",
                                             "password": "wrong"})
    assert bad.status_code == 200 and parse(bad).cssselect(".form-errors")
    response = client.post("/fr/account/login/", {"username": "linus@example.com",
                                                  "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/fr/account/"
    assert client.get("/fr/account/").status_code == 200
    assert client.get("/fr/account/logout/").status_code == 405  # logging out needs a POST
    response = client.post("/fr/account/logout/")
    assert response.status_code == 302 and response["Location"] == "/fr/"
    login = client.get("/fr/account/")
    assert login.status_code == 302 and login["Location"].startswith("/fr/account/login/")


def test_order_history_shows_only_my_orders(client, markets):
    me = UserFactory(email="me@example.com", password=PASSWORD)
    other = UserFactory(email="other@example.com")
    _order(markets.eu, 2001, user=me, total="1234.50")
    _order(markets.jp, 2002, customer=CustomerFactory(email="me@example.com", user=me),
           total="4040", currency="JPY")
    _order(markets.eu, 2003, user=other)
    client.force_login(me)
    page = parse(client.get("/de/account/"))
    rows = [text(r) for r in page.cssselect("table.orders tbody tr")]
    assert len(rows) == 2
    assert any("#2001" in r and "1.234,50\xa0€" in r for r in rows)
    assert any("#2002" in r and "4.040\xa0¥" in r for r in rows)
    detail = parse(client.get("/de/account/orders/2001/"))
    assert "Klassisches T-Shirt" in text(detail.cssselect("table.order-lines")[0])
    assert client.get("/de/account/orders/2003/").status_code == 404
    assert client.get("/de/account/orders/999999/").status_code == 404


def test_address_book_validates_per_country(client, markets):
    me = UserFactory(email="addr@example.com", password=PASSWORD)
    client.force_login(me)
    form = parse(client.get("/de/account/addresses/new/"))
    assert form.cssselect("select[name=country] option[selected]")[0].get("value") == "US"
    address = {"first_name": "Ada", "last_name": "L", "street_address_1": "Unter den Linden 1",
               "city": "Berlin", "postal_code": "1234", "country": "DE"}
    bad = client.post("/de/account/addresses/new/", address)
    assert bad.status_code == 400
    errors = parse(bad).cssselect(".field-error")
    assert [e.cssselect("input, select")[0].get("name") for e in errors] == ["postal_code"]
    assert not Address.objects.exists()
    us = {**address, "country": "US", "postal_code": "94043", "city": "Mountain View"}
    bad = client.post("/en/account/addresses/new/", us)
    assert bad.status_code == 400 and "required for addresses in this country" in bad.content.decode()
    ok = client.post("/de/account/addresses/new/", {**address, "postal_code": "10117"})
    assert ok.status_code == 302
    customer = Customer.objects.get(user=me)
    saved = customer.addresses.get()
    assert customer.default_shipping_address == saved
    assert (saved.city, saved.postal_code, str(saved.country)) == ("Berlin", "10117", "DE")
    jp = {"first_name": "Taro", "last_name": "Yamada", "street_address_1": "1-1 Chiyoda",
          "city": "Chiyoda-ku", "postal_code": "1000001", "country_area": "Tokyo",
          "country": "JP"}
    assert client.post("/ja/account/addresses/new/", jp).status_code == 302
    japanese = customer.addresses.get(country="JP")
    assert japanese.country_area == "東京都"


def test_address_edit_default_and_delete(client, markets):
    me = UserFactory(email="book@example.com", password=PASSWORD)
    client.force_login(me)
    base = {"first_name": "A", "last_name": "B", "street_address_1": "1 Main St",
            "city": "Berlin", "postal_code": "10117", "country": "DE"}
    client.post("/en/account/addresses/new/", base)
    client.post("/en/account/addresses/new/", {**base, "street_address_1": "2 Side St"})
    customer = Customer.objects.get(user=me)
    first, second = customer.addresses.order_by("pk")
    assert customer.default_shipping_address == first
    client.post(f"/en/account/addresses/{second.pk}/default/")
    customer.refresh_from_db()
    assert customer.default_shipping_address == second
    client.post(f"/en/account/addresses/{first.pk}/", {**base, "city": "Hamburg",
                                                       "postal_code": "20095"})
    first.refresh_from_db()
    assert first.city == "Hamburg"
    assert client.get(f"/en/account/addresses/{first.pk}/delete/").status_code == 405
    client.post(f"/en/account/addresses/{second.pk}/delete/")
    customer.refresh_from_db()
    assert customer.default_shipping_address is None
    assert list(customer.addresses.all()) == [first]
    assert not Address.objects.filter(pk=second.pk).exists()


def test_someone_elses_address_is_a_404(client, markets):
    owner = UserFactory(email="owner@example.com")
    client.force_login(owner)
    client.post("/en/account/addresses/new/", {
        "first_name": "A", "last_name": "B", "street_address_1": "1 Main St", "city": "Berlin",
        "postal_code": "10117", "country": "DE"})
    address = Address.objects.get()
    intruder = UserFactory(email="intruder@example.com")
    client.force_login(intruder)
    assert client.get(f"/en/account/addresses/{address.pk}/").status_code == 404
    assert client.post(f"/en/account/addresses/{address.pk}/delete/").status_code == 404
    assert client.post(f"/en/account/addresses/{address.pk}/default/").status_code == 404
    assert Address.objects.filter(pk=address.pk).exists()


def test_password_change(client, markets):
    me = UserFactory(email="pw@example.com", password=PASSWORD)
    client.force_login(me)
    response = client.post("/en/account/password/", {
        "old_password": PASSWORD, "new_password1": "another-Secret-77",
        "new_password2": "another-Secret-77"})
    assert response.status_code == 302
    me.refresh_from_db()
    assert me.check_password("another-Secret-77")
