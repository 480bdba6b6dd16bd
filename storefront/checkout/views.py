"""Cart, checkout steps, payment and order confirmation pages (thin: parse, call a
commerce service, render). Bad input gets the page back with a message and a 4xx."""

from __future__ import annotations

import json
import logging
import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from commerce.catalog.selectors import variant_labels
from commerce.checkout.calculations import LineInfo, checkout_line_infos, checkout_totals
from commerce.checkout.delivery import (
    DeliveryOption,
    checkout_delivery_option,
    delivery_options,
)
from commerce.checkout.errors import CheckoutError
from commerce.checkout.models import Checkout
from commerce.checkout.services import (
    LineInput,
    checkout_delivery_method_update,
    checkout_email_update,
    checkout_lines_add,
    checkout_lines_update,
    checkout_reservation_expires,
    checkout_shipping_address_update,
)
from commerce.core.errors import DomainError, ValidationFailed
from commerce.orders.models import Order
from commerce.payment import gateway
from commerce.payment.models import Payment
from commerce.payment.services import PaymentResult, payment_start, payment_sync, webhook_process

from .formatting import money
from .forms import AddressForm, AddToCartForm, DeliveryForm, UpdateLineForm
from .market import SESSION_KEY, current_checkout

logger = logging.getLogger(__name__)
STEPS = ("address", "delivery", "payment")


# ---------------------------------------------------------------------------------
# cart
# ---------------------------------------------------------------------------------


def _cart_context(checkout: Checkout | None, infos: list[LineInfo] | None = None,
                  option: DeliveryOption | None = None) -> dict[str, object]:
    if checkout is None:
        return {"checkout": None, "lines": [], "totals": None}
    infos = infos if infos is not None else checkout_line_infos(checkout)
    totals = checkout_totals(checkout, infos, shipping=option.price if option else None)
    labels = variant_labels([i.variant.pk for i in infos], get_language())
    lines = [{
        "id": str(i.line.id),
        "product_name": labels[i.variant.pk].product_name,
        "variant_name": labels[i.variant.pk].variant_name,
        "sku": i.variant.sku,
        "quantity": i.quantity,
        "unit_price": money(i.unit_gross),
        "total_price": money(i.total_gross),
        "available": i.unit_gross is not None,
    } for i in infos]
    return {
        "checkout": checkout,
        "lines": lines,
        "totals": {"subtotal": money(totals.subtotal), "shipping": money(totals.shipping),
                   "total": money(totals.total), "quantity": totals.quantity,
                   "currency": totals.currency},
        "reserved_until": checkout_reservation_expires(checkout),
        "prices_include_tax": checkout.channel.prices_entered_with_tax
        or checkout.channel.default_tax_rate == 0,
    }


@require_GET
@ensure_csrf_cookie
def cart(request: HttpRequest) -> HttpResponse:
    checkout = current_checkout(request)
    return render(request, "storefront/checkout/cart.html", _cart_context(checkout))


def _error_response(request: HttpRequest, error: DomainError | str, status: int = 400
                    ) -> HttpResponse:
    message = error.message if isinstance(error, DomainError) else error
    context = _cart_context(current_checkout(request))
    context["error"] = message
    return render(request, "storefront/checkout/cart.html", context, status=status)


@require_POST
def add(request: HttpRequest) -> HttpResponse:
    form = AddToCartForm(request.POST)
    if not form.is_valid():
        return _error_response(request, _("Choose a product and a quantity."))
    data = form.cleaned_data
    had_cart = bool(request.session.get(SESSION_KEY))
    try:
        # A cart created for a refused first item is rolled back with it: nothing half-written.
        with transaction.atomic():
            checkout = current_checkout(request, create=True)
            assert checkout is not None
            checkout_lines_add(checkout, [LineInput(variant_id=data["variant_id"],
                                                    quantity=data["quantity"],
                                                    price=data["price"] or None,
                                                    currency=data["currency"] or None)])
    except CheckoutError as exc:
        if not had_cart:
            request.session.pop(SESSION_KEY, None)
        return _error_response(request, exc)
    messages.success(request, _("Added to your cart."))
    target = data.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect("checkout:cart")


@require_POST
def update(request: HttpRequest) -> HttpResponse:
    form = UpdateLineForm(request.POST)
    if not form.is_valid():
        return _error_response(request, _("Choose an item and a quantity."))
    checkout = current_checkout(request)
    if checkout is None:
        return _error_response(request, _("Your cart is empty."), status=404)
    try:
        checkout_lines_update(checkout, [(form.cleaned_data["line_id"],
                                          form.cleaned_data["quantity"])])
    except CheckoutError as exc:
        return _error_response(request, exc)
    messages.success(request, _("Your cart was updated."))
    return redirect("checkout:cart")


# ---------------------------------------------------------------------------------
# checkout steps
# ---------------------------------------------------------------------------------


def _address_initial(checkout: Checkout) -> dict[str, str]:
    initial: dict[str, str] = {"email": checkout.email}
    if checkout.shipping_address:
        initial.update(checkout.shipping_address.as_dict())
    return initial


def _allowed_countries(checkout: Checkout) -> list[str]:
    return [c.upper() for c in (checkout.channel.countries or [])] or \
        [str(checkout.channel.default_country)]


def _delivery_days(option: DeliveryOption) -> str:
    low, high = option.minimum_delivery_days, option.maximum_delivery_days
    if low and high and low != high:
        return _("%(low)d–%(high)d business days") % {"low": low, "high": high}
    if high or low:
        n = high or low or 0
        return ngettext("%(n)d business day", "%(n)d business days", n) % {"n": n}
    return ""


def _first_open_step(checkout: Checkout, option: DeliveryOption | None) -> str:
    if not checkout.email or not checkout.shipping_address_id:
        return "address"
    if option is None:
        return "delivery"
    return "payment"


def _address_form(request: HttpRequest, checkout: Checkout, data=None, *,  # noqa: ANN001
                  bound: bool = True) -> AddressForm:
    """The address form for the posted (or saved) country; unbound to just switch country."""
    allowed = _allowed_countries(checkout)
    source = data if data is not None else _address_initial(checkout)
    country = str(source.get("country") or checkout.country or allowed[0]).upper()[:2]
    if country not in allowed:
        country = allowed[0]
    ask_email = not request.user.is_authenticated
    if data is None or not bound:
        initial = {**(data.dict() if data is not None else _address_initial(checkout)),
                   "country": country}
        return AddressForm(initial=initial, country=country, allowed_countries=allowed,
                           ask_email=ask_email)
    return AddressForm(data, country=country, allowed_countries=allowed, ask_email=ask_email)


@require_http_methods(["GET", "POST"])
def checkout_view(request: HttpRequest) -> HttpResponse:
    checkout = current_checkout(request)
    infos = checkout_line_infos(checkout) if checkout is not None else []
    if checkout is None or not infos:
        messages.info(request, _("Your cart is empty."))
        return redirect("checkout:cart")
    option = checkout_delivery_option(checkout, infos)
    open_step = _first_open_step(checkout, option)
    step = request.POST.get("step") or request.GET.get("step") or open_step
    if step not in STEPS:
        step = "address"
    # Never skip ahead of what is missing.
    if STEPS.index(step) > STEPS.index(open_step):
        step = open_step
    status = 200
    address_form = delivery_form = None
    option_rows: list[dict[str, str]] = []
    error = ""
    if step == "address":
        if request.method == "POST":
            switching = request.POST.get("action") == "change-country"
            address_form = _address_form(request, checkout, request.POST, bound=not switching)
            if switching:
                pass  # show the chosen country's fields, keep what was typed
            elif address_form.is_valid():
                try:
                    if "email" in address_form.cleaned_data:
                        checkout_email_update(checkout, address_form.cleaned_data["email"])
                    checkout_shipping_address_update(checkout, address_form.address_data())
                except ValidationFailed as exc:
                    for err in exc.errors:
                        field = err.field if err.field in address_form.fields else None
                        address_form.add_error(field, ValidationError(err.message))
                    status = 400
                except CheckoutError as exc:
                    field = exc.field if exc.field in address_form.fields else None
                    address_form.add_error(field, ValidationError(exc.message))
                    status = 400
                else:
                    return redirect(reverse("checkout:checkout") + "?step=delivery")
            else:
                status = 400
        else:
            address_form = _address_form(request, checkout)
    elif step == "delivery":
        options = delivery_options(checkout, infos)
        choices = [(o.id, f"{o.name} — {money(o.price)}") for o in options]
        # shipping methods and "Pick up at <store>" choices, with what the shopper should
        # know (delivery days; store address, distance, ready time, transferred lines)
        option_rows = [{"id": o.id, "kind": o.kind, "name": o.name, "price": money(o.price),
                        "description": o.description,
                        "days": _delivery_days(o) if o.kind == "shipping" else ""}
                       for o in options]
        if request.method == "POST":
            delivery_form = DeliveryForm(request.POST, options=choices)
            if delivery_form.is_valid():
                try:
                    checkout_delivery_method_update(checkout,
                                                    delivery_form.cleaned_data["delivery_method"])
                except CheckoutError as exc:
                    delivery_form.add_error(None, ValidationError(exc.message))
                    status = 400
                else:
                    return redirect(reverse("checkout:checkout") + "?step=payment")
            else:
                status = 400
        else:
            current = checkout.shipping_method_id if option else ""
            delivery_form = DeliveryForm(initial={"delivery_method": current}, options=choices)
        if not options:
            error = _("We cannot deliver this cart to your address from this market. Check the "
                      "country or remove heavy items.")
    elif request.method == "POST":
        return redirect(reverse("checkout:checkout") + "?step=payment")
    context = _cart_context(checkout, infos, option)
    if delivery_form is not None:
        context["delivery_options"] = option_rows
        context["delivery_selected"] = str(delivery_form["delivery_method"].value() or "")
    context.update({
        "step": step,
        "steps": STEPS,
        "address_form": address_form,
        "delivery_form": delivery_form,
        "error": error,
        "delivery_option": option,
        "stripe_js_url": gateway.js_url(),
        "stripe_publishable_key": gateway.publishable_key(),
        "pay_url": reverse("checkout:pay"),
        "return_url": reverse("checkout:payment-return"),
    })
    return render(request, "storefront/checkout/checkout.html", context, status=status)


# ---------------------------------------------------------------------------------
# payment
# ---------------------------------------------------------------------------------


def _payment_json(request: HttpRequest, result: PaymentResult) -> JsonResponse:
    if result.order is not None:
        request.session.pop(SESSION_KEY, None)
        return JsonResponse({"status": "paid", "redirect": reverse(
            "checkout:confirmation", kwargs={"token": result.order.pk})})
    if result.error is not None:
        return JsonResponse({"status": "error", "message": result.error.message,
                             "code": result.error.code}, status=402)
    if result.requires_action:
        return JsonResponse({"status": "requires_action", "client_secret": result.client_secret,
                             "return_url": reverse("checkout:payment-return") + "?payment_intent="
                             + ((result.payment and result.payment.psp_reference) or "")})
    return JsonResponse({"status": "processing", "redirect": reverse("checkout:payment-return")
                         + "?payment_intent=" + ((result.payment and result.payment.psp_reference)
                                                 or "")})


@require_POST
def pay(request: HttpRequest) -> HttpResponse:
    """Called by the card form's script with a Stripe.js token; answers JSON."""
    checkout = current_checkout(request)
    if checkout is None:
        return JsonResponse({"status": "error", "message": _("Your cart is empty.")}, status=404)
    token = request.POST.get("token", "")
    if not token and request.content_type == "application/json":
        try:
            token = str(json.loads(request.body or b"{}").get("token", ""))
        except (ValueError, AttributeError):
            token = ""
    try:
        result = payment_start(checkout, token, user=request.user if
                               request.user.is_authenticated else None)
    except CheckoutError as exc:
        return JsonResponse({"status": "error", "message": exc.message, "code": exc.code},
                            status=400)
    return _payment_json(request, result)


@require_GET
def payment_return(request: HttpRequest) -> HttpResponse:
    """Where the shopper lands after 3-D Secure: ask Stripe, then show the order or the error."""
    intent_id = request.GET.get("payment_intent", "")
    checkout = current_checkout(request)
    payment = None
    if gateway.INTENT_RE.match(intent_id):
        payment = Payment.objects.filter(psp_reference=intent_id).select_related(
            "checkout", "order").first()
    session_token = request.session.get(SESSION_KEY)
    if payment is None or (payment.checkout_id and str(payment.checkout_id) != str(session_token)
                           and payment.order_id is None):
        messages.error(request, _("We could not find that payment."))
        return redirect("checkout:cart") if checkout is None else \
            redirect(reverse("checkout:checkout") + "?step=payment")
    result = payment_sync(payment, user=request.user if request.user.is_authenticated else None)
    if result.order is not None:
        request.session.pop(SESSION_KEY, None)
        return redirect("checkout:confirmation", token=result.order.pk)
    if result.error is not None:
        messages.error(request, result.error.message)
    else:
        messages.info(request, _("Your payment is being processed; this page will show your "
                                 "order once the bank confirms it."))
    return redirect(reverse("checkout:checkout") + "?step=payment")


@require_GET
def confirmation(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    order = (Order.objects.filter(pk=token).select_related("shipping_address", "channel")
             .prefetch_related("lines").first())
    if order is None:
        raise Http404(_("No such order."))
    currency = order.currency
    from commerce.core.money import Money

    lines = [{
        "product_name": ln.translated_product_name or ln.product_name,
        "variant_name": ln.variant_name, "sku": ln.product_sku,
        "quantity": ln.quantity, "unit_price": money(Money(ln.unit_price_gross_amount, currency)),
        "total_price": money(Money(ln.total_price_gross_amount, currency)),
    } for ln in order.lines.all()]
    context = {
        "order": order,
        "lines": lines,
        "subtotal": money(Money(order.subtotal_gross_amount, currency)),
        "shipping": money(Money(order.shipping_price_gross_amount, currency)),
        "total": money(Money(order.total_gross_amount, currency)),
        "paid": money(Money(order.total_charged_amount, currency)),
    }
    response = render(request, "storefront/checkout/confirmation.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response


# ---------------------------------------------------------------------------------
# Stripe webhook (outside the locale prefix: see webhook_urls.py)
# ---------------------------------------------------------------------------------


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    signature = request.headers.get("Stripe-Signature", "")
    try:
        result = webhook_process(request.body, signature)
    except gateway.SignatureVerificationError:
        return JsonResponse({"error": "invalid signature"}, status=400)
    except ValueError:
        return JsonResponse({"error": "invalid payload"}, status=400)
    return JsonResponse({"status": result})


__all__ = ["add", "cart", "checkout_view", "confirmation", "pay",
           "payment_return", "stripe_webhook", "update"]
