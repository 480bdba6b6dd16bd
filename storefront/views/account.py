"""Customer account: sign up and confirm the address, log in/out and reset a forgotten
password (Django auth views), order history, addresses."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from commerce.account.models import Address
from commerce.notifications.tokens import TokenExpired, TokenInvalid
from commerce.orders.models import Order

from ..forms import AddressForm, EmailAuthenticationForm, PasswordResetRequestForm, SignUpForm
from ..market import current_language
from ..services import (
    AccountError,
    SignUpInput,
    account_confirm,
    account_confirmation_send,
    account_email_confirmed,
    address_delete,
    address_save,
    address_set_default,
    customer_for_user,
    customer_sign_up,
    password_reset_request,
)
from .common import generic_meta, paginate


class LoginView(auth_views.LoginView):
    template_name = "storefront/account/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["meta"] = generic_meta(self.request, _("Log in"))
        return context


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("storefront:home")  # type: ignore[assignment]


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "storefront/account/password_change.html"
    success_url = reverse_lazy("storefront:account")

    def form_valid(self, form: Any) -> HttpResponse:
        messages.success(self.request, _("Your password has been changed."))
        return super().form_valid(form)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["meta"] = generic_meta(self.request, _("Change password"))
        return context


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    """"Forgot your password?": ask for the address, then always the same page."""
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        password_reset_request(form.cleaned_data["email"], language=current_language())
        return redirect("storefront:password_reset_sent")
    return render(request, "storefront/account/password_reset.html", {
        "form": form, "meta": generic_meta(request, _("Reset your password")),
    }, status=400 if form.errors else 200)


def password_reset_sent(request: HttpRequest) -> HttpResponse:
    """The same neutral answer whether or not an account has that address."""
    return render(request, "storefront/account/password_reset_sent.html", {
        "valid_hours": max(settings.PASSWORD_RESET_TIMEOUT // 3600, 1),
        "meta": generic_meta(request, _("Check your inbox")),
    })


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The link from the email: choose a new password (Django checks the token, which a
    password change invalidates, so a used link never works twice)."""

    template_name = "storefront/account/password_reset_confirm.html"
    success_url = reverse_lazy("storefront:login")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        account_email_confirmed(form.user)  # the reset proved they read this address
        messages.success(self.request, _("Your password has been changed. You can log in "
                                         "with your new password now."))
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        title = _("Choose a new password") if context.get("validlink") \
            else _("This link is not valid")
        context["meta"] = generic_meta(self.request, title)
        return context

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        if not context.get("validlink"):
            kwargs["status"] = 400  # forged, expired or already used: nothing changes
        return super().render_to_response(context, **kwargs)


@never_cache
@require_http_methods(["GET", "HEAD"])
def account_confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the sign-up email: the address is confirmed."""
    try:
        account_confirm(token)
    except (TokenInvalid, TokenExpired) as exc:
        expired = isinstance(exc, TokenExpired)
        return render(request, "storefront/account/link_problem.html", {
            "expired": expired,
            "meta": generic_meta(request, _("This link has expired") if expired
                                 else _("This link is not valid")),
        }, status=410 if expired else 400)
    messages.success(request, _("Thank you: your email address is confirmed."))
    return redirect("storefront:account" if request.user.is_authenticated else "storefront:login")


@login_required
@require_POST
def account_confirm_resend(request: HttpRequest) -> HttpResponse:
    if account_confirmation_send(request.user, language=current_language(),  # type: ignore[arg-type]
                                 resend=True):
        messages.success(request, _("We have sent you a new confirmation link."))
    else:
        messages.info(request, _("Your email address is already confirmed."))
    return redirect("storefront:account")


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("storefront:account")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = customer_sign_up(SignUpInput(
                email=data["email"], password=data["password1"],
                first_name=data["first_name"], last_name=data["last_name"],
                language=current_language(), marketing_consent=data["marketing_consent"],
                ip_address=request.META.get("REMOTE_ADDR"),
            ))
        except AccountError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! Your account is ready."))
            messages.info(request, _("We have sent you an email: please confirm your address "
                                     "with the link in it."))
            return redirect("storefront:account")
    return render(request, "storefront/account/signup.html", {
        "form": form, "meta": generic_meta(request, _("Create an account")),
    }, status=400 if form.errors else 200)


def _orders_of(request: HttpRequest) -> Any:
    user = request.user
    return Order.objects.filter(Q(user=user) | Q(customer__user=user)).distinct()


@login_required
def account(request: HttpRequest) -> HttpResponse:
    customer = customer_for_user(request.user)  # type: ignore[arg-type]
    orders = _orders_of(request).annotate(line_count=Count("lines")).order_by("-created_at")
    page = paginate(request, orders, per_page=10)
    return render(request, "storefront/account/dashboard.html", {
        "customer": customer,
        "page": page,
        "orders": page.object_list,
        "default_address": customer.default_shipping_address,
        "meta": generic_meta(request, _("Your account")),
    })


@login_required
def order_detail(request: HttpRequest, number: int) -> HttpResponse:
    order = (_orders_of(request).filter(number=number)
             .select_related("shipping_address", "billing_address").first())
    if order is None:
        raise Http404(_("We could not find this order in your account."))
    return render(request, "storefront/account/order_detail.html", {
        "order": order,
        "lines": order.lines.all(),
        "meta": generic_meta(request, _("Order %(number)s") % {"number": order.number}),
    })


@login_required
def addresses(request: HttpRequest) -> HttpResponse:
    customer = customer_for_user(request.user)  # type: ignore[arg-type]
    return render(request, "storefront/account/addresses.html", {
        "customer": customer,
        "addresses": customer.addresses.order_by("pk"),
        "meta": generic_meta(request, _("Your addresses")),
    })


@login_required
def address_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    customer = customer_for_user(request.user)  # type: ignore[arg-type]
    instance = None
    if pk is not None:
        instance = customer.addresses.filter(pk=pk).first()
        if instance is None:
            raise Http404(_("This address is not in your address book."))
    initial = {} if instance else {"country": request.market.country_code,  # type: ignore[attr-defined]
                                   "first_name": customer.first_name,
                                   "last_name": customer.last_name}
    form = AddressForm(request.POST or None, instance=instance or Address(), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            address_save(customer, form.save(commit=False),
                         make_default=request.POST.get("make_default") == "on")
        except AccountError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Address saved."))
            return redirect("storefront:addresses")
    title = _("Edit address") if instance else _("New address")
    return render(request, "storefront/account/address_form.html", {
        "form": form, "address": instance, "meta": generic_meta(request, title),
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def address_remove(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_for_user(request.user)  # type: ignore[arg-type]
    try:
        address_delete(customer, pk)
    except AccountError as exc:
        raise Http404(exc.message) from exc
    messages.success(request, _("Address removed."))
    return redirect("storefront:addresses")


@login_required
@require_POST
def address_default(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_for_user(request.user)  # type: ignore[arg-type]
    try:
        address_set_default(customer, pk)
    except AccountError as exc:
        raise Http404(exc.message) from exc
    messages.success(request, _("Default address updated."))
    return redirect("storefront:addresses")
