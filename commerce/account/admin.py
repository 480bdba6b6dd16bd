"""Admin for people: staff and shopper logins (email, no username), customers, addresses."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import Address, Customer, User


def _clean_unique_email(form: forms.ModelForm) -> str:
    email = User.objects.normalize_email(form.cleaned_data.get("email") or "").strip().lower()
    clash = User.objects.filter(email__iexact=email)
    if form.instance.pk:
        clash = clash.exclude(pk=form.instance.pk)
    if clash.exists():
        raise forms.ValidationError(_("A user with this email address already exists."),
                                    code="unique")
    return email


class EmailUserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)

    def clean_email(self) -> str:
        return _clean_unique_email(self)


class EmailUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean_email(self) -> str:
        return _clean_unique_email(self)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's UserAdmin with email as the login: no username anywhere."""

    form = EmailUserChangeForm
    add_form = EmailUserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups",
                                       "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2")}),
    )
    list_display = ("email", "first_name", "last_name", "is_staff", "is_superuser", "is_active",
                    "role_names", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("email", "first_name", "last_name")
    ordering = ("email",)
    readonly_fields = ("last_login", "date_joined")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("roles"))
    def role_names(self, obj: User) -> str:
        return ", ".join(sorted(g.name for g in obj.groups.all()))


class AddressForCustomerInline(admin.TabularInline):
    model = Customer.addresses.through
    extra = 0
    raw_id_fields = ("address",)
    verbose_name = _("address")
    verbose_name_plural = _("address book")


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("email", "full_name", "preferred_language", "marketing_consent", "has_account",
                    "order_count", "created_at")
    list_filter = ("preferred_language", "marketing_consent", "created_at")
    search_fields = ("email", "first_name", "last_name", "user__email")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)
    raw_id_fields = ("default_shipping_address", "default_billing_address")
    # Consent is given by the shopper (storefront), never ticked on their behalf.
    readonly_fields = ("created_at", "updated_at", "marketing_consent", "marketing_consent_at",
                       "marketing_consent_source", "marketing_consent_ip", "email_confirmed_at")
    exclude = ("addresses",)
    inlines = (AddressForCustomerInline,)
    date_hierarchy = "created_at"
    fieldsets = (
        (None, {"fields": ("email", "email_confirmed_at", "user", "first_name", "last_name",
                           "preferred_language", "birthday", "note")}),
        (_("Marketing consent"), {"fields": ("marketing_consent", "marketing_consent_at",
                                             "marketing_consent_source", "marketing_consent_ip")}),
        (_("Addresses"), {"fields": ("default_shipping_address", "default_billing_address")}),
        (_("Metadata"), {"classes": ("collapse",), "fields": ("metadata", "private_metadata",
                                                              "created_at", "updated_at")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(_order_count=Count("orders", distinct=True))

    @admin.display(description=_("orders"), ordering="_order_count")
    def order_count(self, obj: Customer) -> int:
        return obj._order_count  # type: ignore[attr-defined]

    @admin.display(description=_("account"), boolean=True, ordering="user")
    def has_account(self, obj: Customer) -> bool:
        return obj.user_id is not None


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ("full_name", "company_name", "street_address_1", "postal_code", "city",
                    "country")
    list_filter = ("country",)
    search_fields = ("first_name", "last_name", "company_name", "street_address_1", "city",
                     "postal_code", "phone")
