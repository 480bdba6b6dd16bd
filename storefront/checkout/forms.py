"""Cart and checkout forms: they parse, the commerce services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from commerce.checkout.addresses import address_rules


class AddToCartForm(forms.Form):
    variant_id = forms.CharField(max_length=40)
    quantity = forms.CharField(max_length=12, initial="1")
    # Optional checks a product page may send; a mismatch is refused, never used.
    price = forms.CharField(max_length=40, required=False)
    currency = forms.CharField(max_length=8, required=False)
    next = forms.CharField(max_length=500, required=False)


class UpdateLineForm(forms.Form):
    line_id = forms.CharField(max_length=64)
    quantity = forms.CharField(max_length=12)


LABELS = {
    "first_name": _("First name"),
    "last_name": _("Last name"),
    "company_name": _("Company (optional)"),
    "street_address_1": _("Street and house number"),
    "street_address_2": _("Apartment, suite, etc. (optional)"),
    "city": _("City"),
    "city_area": _("District"),
    "postal_code": _("Postal code"),
    "country": _("Country"),
    "country_area": _("State / province / prefecture"),
    "phone": _("Phone (optional)"),
}
ORDER = ("country", "first_name", "last_name", "company_name", "street_address_1",
         "street_address_2", "postal_code", "city", "city_area", "country_area", "phone")


class AddressForm(forms.Form):
    """The shipping address for one country: only its fields, its required ones, its areas."""

    email = forms.EmailField(label=_("Email"), max_length=254)

    def __init__(self, *args, country: str, allowed_countries: list[str],
                 ask_email: bool = True, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        if not ask_email:
            del self.fields["email"]
        rules = address_rules(country)
        choices = [(c, countries.name(c)) for c in allowed_countries if c in countries] or \
            [(c.code, c.name) for c in countries]
        self.fields["country"] = forms.ChoiceField(label=LABELS["country"], choices=choices)
        for name in ORDER[1:]:
            if name not in rules.allowed:
                continue
            required = name in rules.required
            if name == "country_area" and rules.country_area_choices:
                field: forms.Field = forms.ChoiceField(
                    label=LABELS[name], required=required,
                    choices=[("", "—"), *rules.country_area_choices])
            else:
                field = forms.CharField(label=LABELS[name], required=required, max_length=256)
            if name == "postal_code" and rules.postal_code_examples:
                field.help_text = _("For example %(ex)s") % {
                    "ex": ", ".join(rules.postal_code_examples)}
            self.fields[name] = field
        self.country = country

    def address_data(self) -> dict[str, str]:
        return {k: v for k, v in self.cleaned_data.items() if k != "email"}


class DeliveryForm(forms.Form):
    delivery_method = forms.ChoiceField(label=_("Delivery"), widget=forms.RadioSelect)

    def __init__(self, *args, options: list[tuple[str, str]], **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        field = self.fields["delivery_method"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = options


class PayForm(forms.Form):
    token = forms.CharField(max_length=255)
