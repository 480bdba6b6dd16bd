"""Checkout services: validation of what clients send, stock holds, completion."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from commerce.catalog.models import ProductChannelListing
from commerce.checkout.calculations import checkout_totals
from commerce.checkout.delivery import delivery_options
from commerce.checkout.errors import CheckoutError
from commerce.checkout.models import Checkout, CheckoutLine, ShippingMethod
from commerce.checkout.models import ShippingMethodChannelListing as Rate
from commerce.checkout.services import (
    LineInput,
    checkout_complete,
    checkout_create,
    checkout_delete_abandoned,
    checkout_delivery_method_update,
    checkout_lines_add,
    checkout_lines_update,
    checkout_shipping_address_update,
)
from commerce.checkout.testing import GERMAN_ADDRESS, build_shop
from commerce.core.errors import ValidationFailed
from commerce.core.money import Money
from commerce.inventory.models import Reservation, Stock
from commerce.inventory.services import release_expired_reservations
from commerce.orders.models import Order

pytestmark = pytest.mark.django_db


def add(checkout, variant, quantity, **kw):  # noqa: ANN001, ANN201
    return checkout_lines_add(checkout, [LineInput(variant_id=variant.pk, quantity=quantity, **kw)])


def error_of(fn, *args, **kwargs) -> CheckoutError:  # noqa: ANN001
    with pytest.raises(CheckoutError) as exc:
        fn(*args, **kwargs)
    return exc.value


def test_adding_reserves_stock_and_merges_lines(shop_eur):
    checkout = checkout_create(shop_eur.channel)
    variant = shop_eur.variants[0]

    add(checkout, variant, 2)
    add(checkout, variant, 3)

    assert list(checkout.lines.values_list("quantity", flat=True)) == [5]
    assert shop_eur.stock(variant).quantity_reserved == 5
    hold = Reservation.objects.get(reference=checkout.reservation_reference)
    assert hold.reserved_until > timezone.now() + timedelta(minutes=15)


@pytest.mark.parametrize("quantity,code", [
    (0, "zero_quantity"), (-1, "invalid"), ("2.5", "invalid"), ("abc", "invalid"),
    ("", "invalid"), (None, "invalid"), (True, "invalid"), (10**30, "quantity_greater_than_limit"),
    (51, "quantity_greater_than_limit"),
])
def test_bad_quantities_are_refused_and_nothing_is_written(shop_eur, quantity, code):
    checkout = checkout_create(shop_eur.channel)

    error = error_of(add, checkout, shop_eur.variants[0], quantity)

    assert error.code == code and error.field == "quantity"
    assert not CheckoutLine.objects.exists()
    assert shop_eur.stock(shop_eur.variants[0]).quantity_reserved == 0


def test_the_limit_applies_to_the_merged_line(shop_eur, settings):
    settings.CHECKOUT_MAX_LINE_QUANTITY = 5
    checkout = checkout_create(shop_eur.channel)
    add(checkout, shop_eur.variants[0], 4)

    error = error_of(add, checkout, shop_eur.variants[0], 2)

    assert error.code == "quantity_greater_than_limit"
    assert checkout.lines.get().quantity == 4


@pytest.mark.parametrize("variant_id", ["999999", "abc", "", "1; DROP TABLE", -3, None, "9" * 40])
def test_unknown_variants_are_refused(shop_eur, variant_id):
    checkout = checkout_create(shop_eur.channel)
    error = error_of(checkout_lines_add, checkout, [LineInput(variant_id=variant_id, quantity=1)])
    assert error.code == "not_found" and error.field == "variantId"


def test_a_bad_line_among_good_ones_adds_nothing(shop_eur):
    checkout = checkout_create(shop_eur.channel)

    error_of(checkout_lines_add, checkout, [LineInput(shop_eur.variants[0].pk, 1),
                                            LineInput(999999, 1)])

    assert not checkout.lines.exists()
    assert shop_eur.stock(shop_eur.variants[0]).quantity_reserved == 0


def test_unpublished_products_and_products_of_other_markets_cannot_be_bought(shop_eur, shop_jpy):
    checkout = checkout_create(shop_eur.channel)
    ProductChannelListing.objects.filter(product=shop_eur.variants[1].product).update(
        is_published=False)

    assert error_of(add, checkout, shop_eur.variants[1], 1).code == "product_not_published"
    assert error_of(add, checkout, shop_jpy.variants[0], 1).code == "product_not_published"


def test_tampered_prices_and_currencies_are_refused_with_the_real_price(shop_eur):
    checkout = checkout_create(shop_eur.channel)
    variant = shop_eur.variants[0]

    cheap = error_of(add, checkout, variant, 1, price="0.01")
    junk = error_of(add, checkout, variant, 1, price="NaN")
    dollars = error_of(add, checkout, variant, 1, currency="USD")
    add(checkout, variant, 1, price="12.34", currency="eur")  # what the page showed: fine

    assert cheap.code == junk.code == "price_mismatch"
    assert "12.34" in cheap.message and "Nothing was added" in cheap.message
    assert dollars.code == "currency_mismatch"
    assert checkout.lines.get().quantity == 1


def test_overselling_is_refused_with_what_is_left(shop_eur):
    checkout = checkout_create(shop_eur.channel)

    error = error_of(add, checkout, shop_eur.variants[0], 11)

    assert error.code == "insufficient_stock"
    assert "only 10 of EU shirt 1 left" in error.message
    assert not checkout.lines.exists()


def test_another_shoppers_hold_counts_and_an_expired_one_does_not(shop_eur):
    variant = shop_eur.variants[0]
    Stock.objects.filter(variant=variant).update(quantity=1)
    first = checkout_create(shop_eur.channel)
    second = checkout_create(shop_eur.channel)
    add(first, variant, 1)

    assert error_of(add, second, variant, 1).code == "insufficient_stock"

    Reservation.objects.filter(reference=first.reservation_reference).update(
        reserved_until=timezone.now() - timedelta(seconds=1))
    add(second, variant, 1)
    assert Reservation.objects.get(stock__variant=variant).reference == second.reservation_reference


def test_updating_lines_re_reserves_and_zero_removes(shop_eur):
    checkout = checkout_create(shop_eur.channel)
    add(checkout, shop_eur.variants[0], 3)
    line = checkout.lines.get()

    checkout_lines_update(checkout, [(line.pk, 1)])
    assert shop_eur.stock(shop_eur.variants[0]).quantity_reserved == 1
    assert error_of(checkout_lines_update, checkout, [(line.pk, 11)]).code == "insufficient_stock"
    assert error_of(checkout_lines_update, checkout, [("nope", 1)]).code == "not_found"
    checkout_lines_update(checkout, [(line.pk, 0)])

    assert not checkout.lines.exists()
    assert shop_eur.stock(shop_eur.variants[0]).quantity_reserved == 0


def test_the_sweeper_releases_an_expired_hold(shop_eur):
    checkout = checkout_create(shop_eur.channel)
    add(checkout, shop_eur.variants[0], 2)
    Reservation.objects.update(reserved_until=timezone.now() - timedelta(minutes=1))

    assert release_expired_reservations() == 2
    assert shop_eur.stock(shop_eur.variants[0]).quantity_reserved == 0


def test_abandoned_carts_are_deleted_and_their_hold_released(shop_eur):
    old = checkout_create(shop_eur.channel)
    add(old, shop_eur.variants[0], 2)
    fresh = checkout_create(shop_eur.channel)
    add(fresh, shop_eur.variants[0], 1)
    Checkout.objects.filter(pk=old.pk).update(last_change=timezone.now() - timedelta(days=40))

    assert checkout_delete_abandoned(older_than_days=30) == 1

    assert list(Checkout.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert shop_eur.stock(shop_eur.variants[0]).quantity_reserved == 1


def test_address_is_checked_per_country_with_errors_per_field(shop_eur):
    checkout = checkout_create(shop_eur.channel)

    with pytest.raises(ValidationFailed) as exc:
        checkout_shipping_address_update(checkout, {**GERMAN_ADDRESS, "postal_code": "1234",
                                                    "city": ""})
    fields = {e.field: e.code for e in exc.value.errors}
    assert fields == {"postal_code": "invalid", "city": "required"}

    with pytest.raises(ValidationFailed) as exc:
        checkout_shipping_address_update(checkout, {**GERMAN_ADDRESS, "country": "US"})
    assert exc.value.errors[0].field == "country"
    with pytest.raises(ValidationFailed):
        checkout_shipping_address_update(checkout, {**GERMAN_ADDRESS, "country": "XX"})
    checkout.refresh_from_db()
    assert checkout.shipping_address is None


def test_shipping_methods_follow_zone_and_weight_in_the_channel_currency(shop_eur):
    heavy = ShippingMethod.objects.create(zone=shop_eur.shipping.zone, name="Freight",
                                          minimum_order_weight_grams=20_001)
    Rate.objects.create(shipping_method=heavy, channel=shop_eur.channel, currency="EUR",
                        price_amount=Decimal("49.00"))
    checkout = checkout_create(shop_eur.channel)
    add(checkout, shop_eur.variants[0], 2)  # 500 g
    assert delivery_options(checkout) == []  # no address, no options
    checkout_shipping_address_update(checkout, GERMAN_ADDRESS)

    light = delivery_options(checkout)
    assert [(o.name, o.price) for o in light] == [("Standard", Money(Decimal("4.90"), "EUR"))]
    assert error_of(checkout_delivery_method_update, checkout,
                    f"shipping:{heavy.pk}").code == "delivery_method_not_applicable"
    for bad in ("", "shipping:abc", "pickup:1", "teleport:1", None):
        assert error_of(checkout_delivery_method_update, checkout, bad).code == \
            "delivery_method_not_applicable"

    from commerce.catalog.models import ProductVariant
    ProductVariant.objects.filter(pk=shop_eur.variants[0].pk).update(weight_grams=15_000)
    assert [o.name for o in delivery_options(checkout)] == ["Freight"]


def test_complete_creates_the_order_from_the_hold_and_is_idempotent(shop_eur):
    checkout = checkout_create(shop_eur.channel, email="a@example.com")
    add(checkout, shop_eur.variants[0], 2)
    checkout_shipping_address_update(checkout, GERMAN_ADDRESS)
    checkout_delivery_method_update(checkout, f"shipping:{shop_eur.shipping.pk}")
    total = checkout_totals(checkout).total
    assert total == Money(Decimal("29.58"), "EUR")

    assert error_of(checkout_complete, checkout).code == "checkout_not_fully_paid"
    assert error_of(checkout_complete, checkout,
                    paid=Money(Decimal("29.57"), "EUR")).code == "checkout_not_fully_paid"
    assert error_of(checkout_complete, checkout,
                    paid=Money(Decimal("29.58"), "USD")).code == "checkout_not_fully_paid"
    order = checkout_complete(checkout, paid=total)
    again = checkout_complete(checkout, paid=total)

    assert again == order and Order.objects.count() == 1
    assert order.total_gross_amount == Decimal("29.58")
    assert order.shipping_method_name == "Standard"
    assert order.shipping_address.postal_code == "10117"
    stock = shop_eur.stock(shop_eur.variants[0])
    assert (stock.quantity_reserved, stock.quantity_allocated) == (0, 2)
    assert error_of(add, checkout, shop_eur.variants[0], 1).code == "invalid"  # cart is closed


def test_net_prices_are_charged_with_tax_exactly_as_the_order_records_them(db):
    shop = build_shop(slug="us", currency="USD", country="US", countries=["US"],
                      prices=["9.99"], shipping_price="5.00", prices_entered_with_tax=False,
                      tax_rate="8.25")
    checkout = checkout_create(shop.channel, email="a@example.com")
    add(checkout, shop.variants[0], 3)
    checkout_shipping_address_update(checkout, {
        "first_name": "A", "last_name": "B", "street_address_1": "1 Main St", "city": "Austin",
        "country_area": "TX", "postal_code": "73301", "country": "US"})
    checkout_delivery_method_update(checkout, f"shipping:{shop.shipping.pk}")
    total = checkout_totals(checkout).total

    order = checkout_complete(checkout, paid=total)

    assert total.amount == Decimal("10.81") * 3 + Decimal("5.00")
    assert order.total_gross_amount == total.amount


def test_complete_refuses_what_is_missing(shop_eur):
    checkout = checkout_create(shop_eur.channel)
    assert error_of(checkout_complete, checkout).code == "no_lines"
    add(checkout, shop_eur.variants[0], 1)
    assert error_of(checkout_complete, checkout).code == "email_not_set"
    checkout.email = "a@example.com"
    checkout.save()
    assert error_of(checkout_complete, checkout).code == "shipping_address_not_set"
    checkout_shipping_address_update(checkout, GERMAN_ADDRESS)
    assert error_of(checkout_complete, checkout).code == "shipping_method_not_set"


@pytest.mark.django_db(transaction=True)
def test_two_shoppers_racing_for_the_last_unit_get_one_order(transactional_db):
    shop = build_shop(slug="race", currency="EUR", country="DE", countries=["DE"],
                      prices=["10.00"], shipping_price="0", stock=1)
    carts = []
    for n in range(2):
        checkout = checkout_create(shop.channel, email=f"s{n}@example.com")
        Stock.objects.filter(variant=shop.variants[0]).update(quantity=1)
        add(checkout, shop.variants[0], 1)
        checkout_shipping_address_update(checkout, GERMAN_ADDRESS)
        checkout_delivery_method_update(checkout, f"shipping:{shop.shipping.pk}")
        # Let this hold lapse so the next shopper can hold the same unit too: both
        # carts now hold the last unit on paper and race at completion.
        Reservation.objects.update(reserved_until=timezone.now() - timedelta(seconds=1))
        carts.append(checkout)
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def complete(checkout: Checkout) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.append(checkout_complete(checkout, paid=Money(Decimal("10.00"), "EUR")))
        except CheckoutError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=complete, args=(c,)) for c in carts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(map(type, outcomes), key=str) == sorted([Order, str], key=str)
    assert "insufficient_stock" in outcomes
    assert Order.objects.count() == 1
    stock = Stock.objects.get(variant=shop.variants[0])
    assert (stock.quantity, stock.quantity_allocated) == (1, 1)
