"""Back-office order forms: the list's filters and the order page's actions (fulfil, refund, cancel).

Forms parse and check what a merchant typed; the services check the rules
that depend on the order's state (and say so with an ApplicationError the
view shows on the same form).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import URLValidator

from shopwright.catalog.models import MONEY_DIGITS, MONEY_PLACES
from shopwright.catalog.money import currency_places
from shopwright.core.exceptions import ApplicationError
from shopwright.orders.merchant_selectors import SEARCH_HELP, OrderFilters, OrderSearch, order_search_parse
from shopwright.orders.models import OrderLine, OrderStatus

_DATE_FORMATS = ["%Y-%m-%d"]


class OrderFilterForm(forms.Form):
    """The order list's filters, read from the query string; every field is optional."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=300,
        help_text=SEARCH_HELP,
        widget=forms.TextInput(attrs={"placeholder": "#1001 or buyer@example.com (names are encrypted)"}),
    )
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "All"), *OrderStatus.choices])
    date_from = forms.DateField(
        label="Placed from", required=False, input_formats=_DATE_FORMATS, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="Placed until",
        required=False,
        input_formats=_DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    amount_min = forms.DecimalField(
        label="Total from",
        required=False,
        min_value=Decimal(0),
        max_digits=MONEY_DIGITS,
        decimal_places=MONEY_PLACES,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    amount_max = forms.DecimalField(
        label="Total up to",
        required=False,
        min_value=Decimal(0),
        max_digits=MONEY_DIGITS,
        decimal_places=MONEY_PLACES,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )

    def clean_q(self) -> OrderSearch:
        try:
            return order_search_parse(self.cleaned_data.get("q") or "")
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        low, high = data.get("amount_min"), data.get("amount_max")
        if low is not None and high is not None and low > high:
            self.add_error("amount_max", "The upper amount is below the lower one.")
        return data

    def filters(self) -> OrderFilters:
        """The valid filters (call after is_valid())."""
        data = self.cleaned_data
        return OrderFilters(
            status=data.get("status") or "",
            created_from=data.get("date_from"),
            created_to=data.get("date_to"),
            total_min=data.get("amount_min"),
            total_max=data.get("amount_max"),
            search=data.get("q") or OrderSearch(),
        )

    def raw_query(self) -> str:
        """The search box as typed, to show it again."""
        return str(self.data.get("q", ""))[:300]


def _line_label(line: OrderLine) -> str:
    return f"{line.product_title} — {line.variant_title}" if line.variant_title else line.product_title


class FulfilForm(forms.Form):
    """A parcel: carrier, tracking number, optional tracking link, and units per line (default: all that is left)."""

    carrier = forms.CharField(label="Carrier", max_length=60)
    tracking_number = forms.CharField(
        label="Tracking number", max_length=100, required=False, help_text="Leave empty for a parcel without tracking."
    )
    tracking_url = forms.URLField(
        label="Tracking link",
        required=False,
        max_length=500,
        assume_scheme="https",
        # Only web links: the buyer's page links to it, and another scheme (javascript:) would run in their browser.
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="Optional; shown to the buyer with the tracking number.",
    )

    def __init__(self, *args: Any, lines: list[OrderLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.open_lines = [line for line in lines if line.quantity > line.quantity_fulfilled]
        for line in self.open_lines:
            left = line.quantity - line.quantity_fulfilled
            self.fields[self.line_field(line)] = forms.IntegerField(
                label=f"{_line_label(line)} (of {left} left)",
                min_value=0,
                max_value=left,
                initial=left,
                widget=forms.NumberInput(attrs={"min": 0, "max": left}),
            )

    @staticmethod
    def line_field(line: OrderLine) -> str:
        return f"line_{line.pk}"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        field_names = [self.line_field(line) for line in self.open_lines]
        if field_names and all(name in data for name in field_names) and not any(data[n] for n in field_names):
            raise forms.ValidationError("Ship at least one unit.")
        return data

    def quantities(self) -> dict[int, int]:
        """Order line id -> units to ship now (lines with 0 left out)."""
        return {
            line.pk: self.cleaned_data[self.line_field(line)]
            for line in self.open_lines
            if self.cleaned_data.get(self.line_field(line))
        }


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        label="Amount",
        min_value=Decimal("0.01"),
        max_digits=MONEY_DIGITS,
        decimal_places=MONEY_PLACES,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    reason = forms.CharField(label="Reason", required=False, max_length=200, help_text="Kept on the order's timeline.")

    def __init__(self, *args: Any, refundable: Decimal, currency: str, **kwargs: Any) -> None:
        # Its own ids: the order page holds the cancel form too, which also has a "reason".
        kwargs.setdefault("auto_id", "refund_%s")
        super().__init__(*args, **kwargs)
        self.refundable = refundable
        self.currency = currency
        self.fields["amount"].help_text = f"At most {refundable} {currency}."

    def clean_amount(self) -> Decimal:
        amount: Decimal = self.cleaned_data["amount"]
        places = currency_places(self.currency)
        if amount != amount.quantize(Decimal(1).scaleb(-places)):
            raise forms.ValidationError(f"{self.currency} amounts have {places} decimal places at most.")
        if amount > self.refundable:
            raise forms.ValidationError(f"At most {self.refundable} {self.currency} can still be refunded.")
        return amount


class CancelForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "cancel_%s")  # beside the refund form on the order page
        super().__init__(*args, **kwargs)

    reason = forms.CharField(label="Reason", required=False, max_length=200, help_text="Kept on the order's timeline.")
    confirm = forms.BooleanField(
        label="Yes, cancel this order",
        error_messages={"required": "Tick the box to confirm the cancellation."},
    )
