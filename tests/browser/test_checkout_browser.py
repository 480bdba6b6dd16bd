"""A shopper in German pays by card with Stripe.js (localstripe's fake one) in Chromium."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from commerce.checkout.testing import shop_eur  # noqa: F401
from commerce.orders.models import Order
from commerce.payment.testing import localstripe, stripe_sandbox  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(os.environ.get("OMNIPORT_TEST_ARTIFACTS",
                                Path(__file__).resolve().parents[2] / "var" / "test-artifacts"))


def shot(page, name: str) -> None:  # noqa: ANN001
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"checkout-{name}.png"), full_page=True)


def add_to_cart(page, base: str, variant_id: int, quantity: int = 1) -> None:  # noqa: ANN001
    """Post the add-to-cart form as a product page does (the product page belongs to the
    storefront branch; after the merge this can click its button instead)."""
    page.goto(f"{base}/de/cart/")
    with page.expect_navigation():
        page.evaluate(
            """([action, variant, quantity]) => {
                const token = document.cookie.split('; ').find(c => c.startsWith('csrftoken='))
                    .split('=')[1];
                const form = document.createElement('form');
                form.method = 'post'; form.action = action;
                for (const [k, v] of Object.entries({csrfmiddlewaretoken: token,
                                                     variant_id: variant, quantity: quantity})) {
                    const input = document.createElement('input');
                    input.type = 'hidden'; input.name = k; input.value = v; form.appendChild(input);
                }
                document.body.appendChild(form); form.submit();
            }""",
            ["/de/cart/add/", str(variant_id), str(quantity)],
        )
    assert page.url.endswith("/de/cart/")


def test_guest_pays_by_card_and_sees_the_confirmation_in_euros(page, live_server, settings,
                                                               shop_eur, stripe_sandbox):  # noqa: F811
    settings.DEFAULT_CHANNEL_SLUG = "eu"
    base = live_server.url
    add_to_cart(page, base, shop_eur.variants[0].pk, 2)
    add_to_cart(page, base, shop_eur.variants[1].pk, 1)
    assert page.locator(".cart-line").count() == 2
    assert "49,68\xa0€" in page.locator(".totals .subtotal").inner_text()
    shot(page, "cart")

    page.click(".checkout-button")
    page.fill("[name=email]", "erika@example.de")
    page.fill("[name=first_name]", "Erika")
    page.fill("[name=last_name]", "Mustermann")
    page.fill("[name=street_address_1]", "Unter den Linden 1")
    page.fill("[name=postal_code]", "10117")
    page.fill("[name=city]", "Berlin")
    shot(page, "address")
    page.click("button.primary")

    page.check("input[name=delivery_method]")
    page.click("button.primary")

    page.wait_for_selector("#card-element input[placeholder=number]")
    assert "54,58\xa0€" in page.locator(".totals .total").inner_text()
    page.fill("#card-element input[placeholder=number]", "4242424242424242")
    page.fill("#card-element input[placeholder=exp_month]", "12")
    page.fill("#card-element input[placeholder=exp_year]", "34")
    page.fill("#card-element input[placeholder=cvc]", "123")
    page.fill("#card-element input[placeholder=postal_code]", "10117")
    shot(page, "payment")
    page.click("#pay-button")

    page.wait_for_url("**/de/order/**", timeout=20_000)
    shot(page, "confirmation")
    order = Order.objects.get()
    assert str(order.number) in page.locator("h1.confirmation").inner_text()
    assert "54,58\xa0€" in page.locator(".totals .total").inner_text()
    assert order.payments.get().psp_reference.startswith("pi_")


def test_a_declined_card_shows_a_clear_error(page, live_server, settings, shop_eur,  # noqa: F811
                                             stripe_sandbox):  # noqa: F811
    settings.DEFAULT_CHANNEL_SLUG = "eu"
    base = live_server.url
    add_to_cart(page, base, shop_eur.variants[0].pk, 1)
    page.goto(f"{base}/de/checkout/")
    for name, value in (("email", "e@example.de"), ("first_name", "E"), ("last_name", "M"),
                        ("street_address_1", "Weg 1"), ("postal_code", "10117"),
                        ("city", "Berlin")):
        page.fill(f"[name={name}]", value)
    page.click("button.primary")
    page.check("input[name=delivery_method]")
    page.click("button.primary")
    page.wait_for_selector("#card-element input[placeholder=number]")
    page.fill("#card-element input[placeholder=number]", "4000000000000341")
    page.fill("#card-element input[placeholder=exp_month]", "12")
    page.fill("#card-element input[placeholder=exp_year]", "34")
    page.fill("#card-element input[placeholder=cvc]", "123")
    page.click("#pay-button")

    error = page.locator("#payment-error")
    error.wait_for(state="visible", timeout=20_000)
    shot(page, "declined")
    assert "declined" in error.inner_text() or "abgelehnt" in error.inner_text()
    assert not Order.objects.exists()
    assert shop_eur.stock(shop_eur.variants[0]).quantity_reserved == 0
