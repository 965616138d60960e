"""Parsing the back-office shipping forms for `shipping.services`, and their errors back onto the page.

The forms only read what the browser sent (and refuse what is not text at
all, such as a NUL byte); every rule is the service's, so the page shows
the same messages as any other caller. Weight brackets are rows of two
inputs (`brackets-N-up_to_grams`, `brackets-N-price`); blank rows are
skipped, and the service's `weight_brackets.<i>.<field>` messages come back
to the row they were typed in, even with blank rows between.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import QueryDict

from shopwright.core.exceptions import ApplicationError
from shopwright.shipping.models import RateKind, ShippingMethod, ShippingZone
from shopwright.shipping.validation import MAX_BRACKETS

# Rows the page offers when it opens: enough for a typical table, more appear once they are used.
BRACKET_ROWS = 5
# Rows read from a post: more than the service accepts, so "too many" is its message, not a silent cut.
MAX_POSTED_ROWS = 100
AREAS_HELP = (
    "Country codes or names (DE or Germany), or a region as COUNTRY-REGION (US-CA, CA-QC), separated by commas. "
    "A country or region belongs to one zone only; a region's zone wins over its country's."
)


def _text(label: str, help_text: str = "", **attrs: str) -> forms.CharField:
    return forms.CharField(
        label=label, help_text=help_text, required=False, strip=True, widget=forms.TextInput(attrs=attrs or None)
    )


class ZoneForm(forms.Form):
    name = _text("Name", "What you call it, such as Domestic or Europe; buyers do not see it.", autocomplete="off")
    areas = forms.CharField(
        label="Countries and regions",
        help_text=AREAS_HELP,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
    )
    add_country = _text("Add a country", "Start typing a name and pick it from the list.", list="country-list")

    @classmethod
    def initial_for(cls, zone: ShippingZone) -> dict[str, Any]:
        return {"name": zone.name, "areas": ", ".join(zone.areas)}

    def areas_input(self) -> str:
        """The areas typed, plus the one picked in "Add a country" (the no-JavaScript way to use the list)."""
        typed = self.cleaned_data.get("areas", "")
        added = self.cleaned_data.get("add_country", "")
        return f"{typed}, {added}" if typed and added else typed or added


class MethodForm(forms.Form):
    zone = forms.TypedChoiceField(label="Zone", coerce=int, required=True, widget=forms.Select(attrs={"class": "auto"}))
    name = _text("Name", "Shown to buyers at checkout, such as Standard or Express.")
    kind = forms.ChoiceField(
        label="How the price is set",
        choices=RateKind.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    price = _text("Flat price", "For a flat rate: charged on every order.", inputmode="decimal")
    free_above = _text(
        "Free above", "Orders whose subtotal reaches this amount ship free. Leave blank for never.", inputmode="decimal"
    )
    delivery_estimate = _text("Delivery estimate", "Shown at checkout, such as 3–5 business days.")
    position = _text(
        "Position", "Checkout lists a zone's methods by position. Blank: after the others.", inputmode="numeric"
    )
    is_active = forms.BooleanField(label="Offered at checkout", required=False)

    def __init__(self, *args: Any, zones: list[ShippingZone], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["zone"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(zone.pk, zone.name) for zone in zones]

    @classmethod
    def initial_for(cls, method: ShippingMethod) -> dict[str, Any]:
        return {
            "zone": method.zone_id,
            "name": method.name,
            "kind": method.kind,
            "price": str(method.price),
            "free_above": "" if method.free_above is None else str(method.free_above),
            "delivery_estimate": method.delivery_estimate,
            "position": str(method.position),
            "is_active": method.is_active,
        }


@dataclass
class BracketRow:
    up_to_grams: str = ""
    price: str = ""
    errors: dict[str, list[str]] = dataclasses.field(default_factory=dict)

    @property
    def blank(self) -> bool:
        return not self.up_to_grams and not self.price


def brackets_from_post(data: QueryDict) -> list[BracketRow]:
    rows = []
    for i in range(MAX_POSTED_ROWS):
        grams, price = data.get(f"brackets-{i}-up_to_grams"), data.get(f"brackets-{i}-price")
        if grams is None and price is None:
            break
        rows.append(BracketRow(up_to_grams=(grams or "").strip(), price=(price or "").strip()))
    return rows


def brackets_from_method(method: ShippingMethod) -> list[BracketRow]:
    return [BracketRow(up_to_grams=str(b["up_to_grams"]), price=str(b["price"])) for b in method.weight_brackets]


def brackets_input(rows: list[BracketRow]) -> list[dict[str, str]]:
    """The filled rows, in order, as the service takes them."""
    return [{"up_to_grams": row.up_to_grams, "price": row.price} for row in rows if not row.blank]


def padded(rows: list[BracketRow]) -> list[BracketRow]:
    """The rows to show: what was typed, and blank ones up to BRACKET_ROWS (one spare at least, up to the limit)."""
    shown = max(len(rows), min(max(BRACKET_ROWS, len(rows) + 1), MAX_BRACKETS))
    return rows + [BracketRow() for _ in range(shown - len(rows))]


def attach_errors(exc: ApplicationError, form: forms.Form, rows: list[BracketRow]) -> list[str]:
    """Put the service's messages on the fields and bracket rows; return those about the brackets as a whole.

    Messages for keys no input shows go above the form.
    """
    filled = [row for row in rows if not row.blank]
    about_brackets: list[str] = []
    for key, messages in exc.fields.items():
        prefix, _, rest = key.partition(".")
        index, _, name = rest.partition(".")
        if prefix == "weight_brackets" and index.isdecimal() and int(index) < len(filled):
            filled[int(index)].errors.setdefault(name or "row", []).extend(messages)
        elif key == "weight_brackets":
            about_brackets.extend(messages)
        else:
            for message in messages:
                form.add_error(key if key in form.fields else None, message)
    if not exc.fields:
        form.add_error(None, exc.message)
    return about_brackets
