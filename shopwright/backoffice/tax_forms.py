"""Parsing the back-office tax forms for `taxes.services`.

Only what the browser sent is read here (a NUL byte is refused); the rules
(known areas, a rate from 0 to 100) are the service's.
"""

from __future__ import annotations

from typing import Any

from django import forms

from shopwright.taxes.models import TaxRate

AREA_HELP = (
    "A country code or name (DE or Germany), or a region as COUNTRY-REGION (US-CA). "
    "A region's rate wins over its country's."
)


class PricesIncludeTaxForm(forms.Form):
    prices_include_tax = forms.BooleanField(
        label="Prices include tax",
        required=False,
        help_text="On: the prices you enter already contain tax, and checkout shows the tax they include. "
        "Off: checkout adds the tax on top of your prices.",
    )


class TaxRateForm(forms.Form):
    area = forms.CharField(
        label="Country or region",
        help_text=AREA_HELP,
        required=False,
        widget=forms.TextInput(attrs={"list": "country-list", "autocomplete": "off"}),
    )
    name = forms.CharField(
        label="Name", help_text="Shown on the checkout and the order, such as VAT or Sales tax.", required=False
    )
    rate = forms.CharField(
        label="Rate (%)",
        help_text="A percentage, such as 19 or 7.25.",
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    applies_to_shipping = forms.BooleanField(label="Also charged on shipping", required=False)

    @classmethod
    def initial_for(cls, rate: TaxRate) -> dict[str, Any]:
        return {
            "area": rate.area,
            "name": rate.name,
            "rate": f"{rate.rate.normalize():f}",
            "applies_to_shipping": rate.applies_to_shipping,
        }


class TaxRateEditForm(TaxRateForm):
    """An existing rate keeps its area: a rate for another area is a new rate."""

    area = None  # type: ignore[assignment]
