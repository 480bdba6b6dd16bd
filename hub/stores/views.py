"""Clerk console at /store/: phone-sized pages and a small JSON API.

Clerks log in with their email; they see only the stores they are assigned to
(403 for anything else) and of the customer only a name and masked contacts
(plus the shipping address on ship-from-store orders, which they must label).
Views parse input, call one service, and render the result or the error.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from commerce.core.errors import DomainError
from commerce.orders.models import OrderStatus

from . import selectors, services
from .models import FulfilmentKind, FulfilmentStatus, Store, StoreFulfilment

LOGIN_URL = reverse_lazy("stores:login")


# ---------------------------------------------------------------------------------
# access
# ---------------------------------------------------------------------------------


def clerk_required(api: bool = False) -> Callable:
    """Logged in (else login page / 401) and allowed to use the console (else 403)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                if api:
                    return JsonResponse({"error": {"code": "unauthenticated",
                                                   "message": _("Log in first.")}}, status=401)
                return HttpResponseRedirect(f"{LOGIN_URL}?next={request.path}")
            try:
                if not selectors.can_use_console(request.user):
                    raise PermissionDenied(_("This account is not a store clerk."))
                return view(request, *args, **kwargs)
            except PermissionDenied as exc:
                if not api:
                    raise
                return JsonResponse({"error": {"code": "forbidden", "field": None,
                                               "message": str(exc) or _("Forbidden.")}},
                                    status=403)

        return wrapped

    return decorator


def _store_for(request: HttpRequest, store_id: int) -> Store:
    store = get_object_or_404(Store.objects.select_related("warehouse"), pk=store_id)
    if not selectors.clerk_can_access(request.user, store):
        raise PermissionDenied(_("You do not work at this store."))
    return store


def _fulfilment_for(request: HttpRequest, pk: Any) -> StoreFulfilment:
    f = get_object_or_404(
        StoreFulfilment.objects.select_related("order__shipping_address",
                                               "order__billing_address", "order__customer",
                                               "store__warehouse"), pk=pk)
    if not selectors.clerk_can_access(request.user, f.store):
        raise PermissionDenied(_("This order belongs to another store."))
    return f


# ---------------------------------------------------------------------------------
# login
# ---------------------------------------------------------------------------------


class ClerkLoginForm(AuthenticationForm):
    username = forms.EmailField(label=gettext_lazy("Email"),
                                widget=forms.EmailInput(attrs={"autofocus": True,
                                                               "autocomplete": "email"}))


class ClerkLoginView(auth_views.LoginView):
    template_name = "stores/console/login.html"
    authentication_form = ClerkLoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return reverse("stores:home")


class ClerkLogoutView(auth_views.LogoutView):
    next_page = "stores:login"


# ---------------------------------------------------------------------------------
# pages
# ---------------------------------------------------------------------------------


@require_GET
@clerk_required()
def home(request: HttpRequest) -> HttpResponse:
    stores = list(selectors.clerk_stores(request.user))
    if len(stores) == 1:
        return redirect("stores:queue", store_id=stores[0].pk)
    return render(request, "stores/console/home.html", {"stores": stores})


@require_GET
@clerk_required()
def queue(request: HttpRequest, store_id: int) -> HttpResponse:
    store = _store_for(request, store_id)
    items = selectors.store_queue(store)
    return render(request, "stores/console/queue.html", {
        "store": store, "items": items, "now": timezone.now(),
        "many_stores": selectors.clerk_stores(request.user).count() > 1,
    })


def _detail(request: HttpRequest, f: StoreFulfilment, *, error: DomainError | None = None,
            status: int = 200) -> HttpResponse:
    f.refresh_from_db()
    lines = selectors.pick_list(f)
    now = timezone.now()
    return render(request, "stores/console/detail.html", {
        "f": f, "order": f.order, "store": f.store, "lines": lines,
        "customer": selectors.customer_view(f), "error": error,
        "all_verified": all(ln.done for ln in lines),
        "is_pickup": f.kind == FulfilmentKind.PICKUP,
        "queued": f.status == FulfilmentStatus.QUEUED,
        "ready": f.status == FulfilmentStatus.READY,
        "now": now,
        "sla_minutes": int((f.sla_due_at - now).total_seconds() // 60),
        "form_values": request.POST if request.method == "POST" else {},
    }, status=status)


@require_GET
@clerk_required()
def detail(request: HttpRequest, pk: Any) -> HttpResponse:
    return _detail(request, _fulfilment_for(request, pk))


def _action(request: HttpRequest, pk: Any, run: Callable[[StoreFulfilment], str]) -> HttpResponse:
    f = _fulfilment_for(request, pk)
    try:
        message = run(f)
    except DomainError as exc:
        return _detail(request, f, error=exc, status=400)
    from django.contrib import messages

    messages.success(request, message)
    return redirect("stores:detail", pk=f.pk)


@require_POST
@clerk_required()
def scan(request: HttpRequest, pk: Any) -> HttpResponse:
    def run(f: StoreFulfilment) -> str:
        line = services.fulfilment_scan(f, request.POST.get("code", ""), clerk=request.user)
        return _("Verified %(sku)s (%(v)d of %(q)d).") % {
            "sku": line.order_line.product_sku, "v": line.quantity_verified, "q": line.quantity}

    return _action(request, pk, run)


@require_POST
@clerk_required()
def mark_ready(request: HttpRequest, pk: Any) -> HttpResponse:
    def run(f: StoreFulfilment) -> str:
        services.fulfilment_mark_ready(f, clerk=request.user)
        return _("Ready for pickup: the customer has been sent the pickup code.")

    return _action(request, pk, run)


@require_POST
@clerk_required()
def resend_code(request: HttpRequest, pk: Any) -> HttpResponse:
    def run(f: StoreFulfilment) -> str:
        services.fulfilment_resend_code(f, clerk=request.user)
        return _("A new pickup code was sent; the old one no longer works.")

    return _action(request, pk, run)


@require_POST
@clerk_required()
def handover(request: HttpRequest, pk: Any) -> HttpResponse:
    def run(f: StoreFulfilment) -> str:
        services.fulfilment_handover(f, request.POST.get("code", ""), clerk=request.user)
        return _("Handed over. Order #%(n)s is complete.") % {"n": f.order.number}

    return _action(request, pk, run)


@require_POST
@clerk_required()
def ship(request: HttpRequest, pk: Any) -> HttpResponse:
    def run(f: StoreFulfilment) -> str:
        shipped = services.fulfilment_ship(f, carrier=request.POST.get("carrier", ""),
                                           tracking_number=request.POST.get("tracking_number", ""),
                                           clerk=request.user)
        if shipped.order.status != OrderStatus.FULFILLED:
            return _("Shipped this store's part of order #%(n)s; other warehouses ship the "
                     "rest.") % {"n": f.order.number}
        return _("Shipped. Order #%(n)s is complete.") % {"n": f.order.number}

    return _action(request, pk, run)


@require_POST
@clerk_required()
def receive_transfer(request: HttpRequest, pk: Any, line_id: int) -> HttpResponse:
    def run(f: StoreFulfilment) -> str:
        moved = services.fulfilment_receive_transfer(f, line_id, clerk=request.user)
        return _("%(n)d units received into this store.") % {"n": moved}

    return _action(request, pk, run)


# ---------------------------------------------------------------------------------
# JSON API (same rules as the pages)
# ---------------------------------------------------------------------------------


def _fulfilment_json(f: StoreFulfilment) -> dict[str, Any]:
    customer = selectors.customer_view(f)
    return {
        "id": str(f.pk), "order_number": f.order.number, "kind": f.kind, "status": f.status,
        "store_id": f.store_id, "sla_due_at": f.sla_due_at.isoformat(),
        "hold_until": f.hold_until.isoformat() if f.hold_until else None,
        "customer": {"name": customer.name, "email": customer.email, "phone": customer.phone,
                     "shipping_address": customer.shipping_address},
        "lines": [{"order_line_id": ln.order_line_id, "sku": ln.sku, "barcode": ln.barcode,
                   "name": ln.name, "quantity": ln.quantity, "verified": ln.verified,
                   "shelf_location": ln.shelf_location, "at_store": ln.at_store}
                  for ln in selectors.pick_list(f)],
    }


@require_GET
@clerk_required(api=True)
def api_queue(request: HttpRequest, store_id: int) -> JsonResponse:
    store = _store_for(request, store_id)
    return JsonResponse({"store": {"id": store.pk, "name": store.name}, "queue": [
        {"id": str(i.fulfilment.pk), "order_number": i.order.number, "kind": i.fulfilment.kind,
         "status": i.fulfilment.status, "minutes_left": i.minutes_left, "overdue": i.overdue,
         "items": i.items} for i in selectors.store_queue(store)]})


@require_GET
@clerk_required(api=True)
def api_detail(request: HttpRequest, pk: Any) -> JsonResponse:
    return JsonResponse(_fulfilment_json(_fulfilment_for(request, pk)))


@require_POST
@clerk_required(api=True)
def api_scan(request: HttpRequest, pk: Any) -> JsonResponse:
    import json

    f = _fulfilment_for(request, pk)
    try:
        payload = json.loads(request.body or b"{}")
        code = str(payload.get("code", ""))
    except (ValueError, AttributeError):
        return JsonResponse({"error": {"field": None, "code": "invalid",
                                       "message": _("Send JSON like {\"code\": \"…\"}.")}},
                            status=400)
    try:
        services.fulfilment_scan(f, code, clerk=request.user)
    except DomainError as exc:
        return JsonResponse({"error": exc.as_dict()}, status=400)
    return JsonResponse(_fulfilment_json(f))

