"""Must-show O2O scenario in real Chromium, phone viewport: a shopper orders two items for
pickup at the Berlin store through the storefront checkout and pays by card (Stripe.js and
the API are localstripe's; the card is only authorized); the Berlin clerk logs in, scans a
wrong item (refused) then the right ones, marks the order ready; the email with the code
arrives; the clerk enters the code; the order is fulfilled, the card captured in
localstripe, and only the Berlin store's stock fell.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import stripe
from django.core import mail
from playwright.sync_api import Page, expect

from commerce.inventory.models import Stock
from commerce.orders.models import Order, OrderStatus, PaymentStatus
from commerce.payment.models import PaymentStatus as CardStatus
from commerce.payment.testing import localstripe, stripe_sandbox  # noqa: F401
from commerce.tests.factories import VariantFactory
from hub.stores.models import StoreFulfilment
from hub.stores.routing import invalidate_routing_table
from hub.stores.tests.utils import add_shipping, build_market

CHROMIUM = "/usr/lib/chromium/chromium" if Path("/usr/lib/chromium/chromium").exists() \
    else "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):  # noqa: ANN001, ANN201
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):  # noqa: ANN001, ANN201
    return {**browser_context_args, "viewport": PHONE, "is_mobile": True, "has_touch": True,
            "locale": "en-US"}


ARTIFACTS = Path(os.environ.get("OMNIPORT_TEST_ARTIFACTS",
                                Path(__file__).resolve().parents[2] / "var" / "test-artifacts"))


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"o2o-{name}.png"), full_page=True)


def _add_to_cart(page: Page, base: str, variant_id: int) -> None:
    """Post the add-to-cart form as a product page does (the product page belongs to the
    storefront branch; after its merge this can click its button instead)."""
    page.goto(f"{base}/en/cart/")
    with page.expect_navigation():
        page.evaluate(
            """([action, variant]) => {
                const token = document.cookie.split('; ').find(c => c.startsWith('csrftoken='))
                    .split('=')[1];
                const form = document.createElement('form');
                form.method = 'post'; form.action = action;
                for (const [k, v] of Object.entries({csrfmiddlewaretoken: token,
                                                     variant_id: variant, quantity: 1})) {
                    const input = document.createElement('input');
                    input.type = 'hidden'; input.name = k; input.value = v; form.appendChild(input);
                }
                document.body.appendChild(form); form.submit();
            }""",
            ["/en/cart/add/", str(variant_id)],
        )


def _shopper_orders_for_pickup(page: Page, base: str, market) -> Order:  # noqa: ANN001
    """Cart → address → "Pick up at Berlin store" → card authorized → confirmation."""
    _add_to_cart(page, base, market.tee.pk)
    _add_to_cart(page, base, market.mug.pk)
    expect(page.locator(".cart-line")).to_have_count(2)
    page.click(".checkout-button")
    for name, value in (("email", "shopper@example.com"), ("first_name", "Grace"),
                        ("last_name", "Hopper"), ("street_address_1", "Unter den Linden 1"),
                        ("postal_code", "10117"), ("city", "Berlin")):
        page.fill(f"[name={name}]", value)
    page.click("button.primary")

    expect(page.locator("label.delivery-shipping")).to_contain_text("Standard")
    berlin = page.locator("label.delivery-option", has_text="Pick up at Berlin store")
    expect(berlin).to_contain_text("ready in about 15 minutes")
    expect(page.locator("label.delivery-option", has_text="Pick up at Munich store")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    berlin.locator("input").check()
    _shot(page, "delivery")
    page.click("button.primary")

    expect(page.locator(".delivery-choice")).to_contain_text("Pick up at Berlin store")
    page.wait_for_selector("#card-element input[placeholder=number]")
    page.fill("#card-element input[placeholder=number]", "4242424242424242")
    page.fill("#card-element input[placeholder=exp_month]", "12")
    page.fill("#card-element input[placeholder=exp_year]", "34")
    page.fill("#card-element input[placeholder=cvc]", "123")
    page.fill("#card-element input[placeholder=postal_code]", "10117")
    page.click("#pay-button")
    page.wait_for_url("**/en/order/**", timeout=20_000)
    expect(page.locator("body")).to_contain_text("Pick up at Berlin store.")
    _shot(page, "confirmation")
    order = Order.objects.get()
    assert order.payment_status == PaymentStatus.AUTHORIZED  # manual capture: not charged yet
    return order


def _intent(sandbox, order: Order) -> dict:  # noqa: ANN001
    client = stripe.StripeClient("sk_test_localstripe", base_addresses={"api": sandbox.url})
    return client.v1.payment_intents.retrieve(order.payments.get().psp_reference).to_dict()


def _stock(variant, warehouse) -> int:  # noqa: ANN001
    return Stock.objects.get(variant=variant, warehouse=warehouse).quantity


def test_shopper_orders_for_pickup_and_the_clerk_hands_it_over(
        live_server, page: Page, browser, settings, stripe_sandbox):  # noqa: ANN001, F811
    settings.DEFAULT_CHANNEL_SLUG = "de"  # until the storefront's MarketMiddleware decides
    settings.CHECKOUT_ORDER_CREATOR = "hub.stores.routing.create_routed_order"
    settings.STORES_PAYMENT_BACKEND = "commerce.payment.services"
    settings.STORES_ROUTING_REFRESH_SECONDS = 0
    invalidate_routing_table()
    mail.outbox = []
    market = build_market()
    add_shipping(market)
    VariantFactory(sku="CAP-RED", barcode="4006381333955", product__name="Red cap")
    before = {
        "berlin_tee": _stock(market.tee, market.berlin.warehouse),
        "berlin_mug": _stock(market.mug, market.berlin.warehouse),
        "central_tee": _stock(market.tee, market.central),
        "central_mug": _stock(market.mug, market.central),
        "munich_tee": _stock(market.tee, market.munich.warehouse),
    }

    # the shopper, on their phone
    order = _shopper_orders_for_pickup(page, live_server.url, market)
    assert _intent(stripe_sandbox, order)["status"] == "requires_capture"
    assert StoreFulfilment.objects.get(order=order).store == market.berlin

    # the clerk, on another phone
    clerk = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="en-US")
    page = clerk.new_page()
    page.goto(f"{live_server.url}/store/login/")
    page.get_by_label("Email").fill("clerk.berlin@example.com")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Log in").click()
    card = page.locator(f"[data-order='{order.number}']")
    expect(card).to_contain_text("due in")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    card.click()
    expect(page.get_by_role("heading", name=f"Order #{order.number}")).to_be_visible()

    # a wrong item is refused
    page.get_by_label("Scan or type the barcode or SKU").fill("4006381333955")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Wrong item")
    expect(page.get_by_role("alert")).to_contain_text("CAP-RED")

    # then the right ones: the tee by its barcode, the mug by typing its SKU
    page.get_by_label("Scan or type the barcode or SKU").fill("4006381333931")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Verified TEE-BLK-M (1 of 1)")
    page.get_by_label("Scan or type the barcode or SKU").fill("MUG-WHT")
    page.keyboard.press("Enter")
    expect(page.locator("tr[data-sku='MUG-WHT'] .qty")).to_have_text("1 / 1")

    page.get_by_role("button", name="Ready for pickup").click()
    expect(page.get_by_role("status")).to_contain_text("the customer has been sent the pickup code")
    _shot(page, "clerk-ready")

    # the email with the code arrives
    (email,) = [m for m in mail.outbox
                if m.subject == f"Order {order.number} is ready for pickup"]
    assert email.to == ["shopper@example.com"]
    code = re.search(r"Your pickup code: (\d{6,})", email.body).group(1)
    assert "Berlin store" in email.body and "We hold your order until" in email.body
    assert any(getattr(a, "get_content_type", lambda: "")() == "image/png"
               for a in email.attachments)

    # handover with the code
    page.get_by_label("Enter or scan the customer's pickup code").fill(code)
    page.get_by_role("button", name="Hand over").click()
    expect(page.get_by_role("status")).to_contain_text(f"Order #{order.number} is complete")
    expect(page.locator("#done")).to_contain_text("Picked up")

    clerk.close()

    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED
    assert order.payment_status == PaymentStatus.FULLY_CHARGED
    assert order.payments.get().status == CardStatus.CHARGED
    assert _intent(stripe_sandbox, order)["status"] == "succeeded"  # captured in localstripe
    assert _stock(market.tee, market.berlin.warehouse) == before["berlin_tee"] - 1
    assert _stock(market.mug, market.berlin.warehouse) == before["berlin_mug"] - 1
    assert _stock(market.tee, market.central) == before["central_tee"]
    assert _stock(market.mug, market.central) == before["central_mug"]
    assert _stock(market.tee, market.munich.warehouse) == before["munich_tee"]
