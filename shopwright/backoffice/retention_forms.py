"""Forms of the back office's retention page and the store-closing page: parsing only, rules in privacy.*."""

from __future__ import annotations

from typing import Any

from django import forms

from shopwright.privacy.retention import RULES, RetentionRow


def _help(row: RetentionRow) -> str:
    rule = row.rule
    return f"Default {rule.default_days} days; allowed {rule.min_days} to {rule.max_days}. Empty: the default."


class RetentionForm(forms.Form):
    """One number of days per rule a store may change; blank keeps the default."""

    def __init__(self, *args: Any, rows: list[RetentionRow], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for row in rows:
            if not row.rule.editable:
                continue
            self.fields[row.rule.key] = forms.CharField(
                label=f"{row.rule.label} (days)",
                required=False,
                max_length=12,
                help_text=_help(row),
                initial="" if row.store_days is None else str(row.store_days),
                widget=forms.NumberInput(attrs={"min": row.rule.min_days, "max": row.rule.max_days}),
            )

    @staticmethod
    def editable_keys() -> list[str]:
        return [rule.key for rule in RULES if rule.editable]


class AgeGateForm(forms.Form):
    ask_date_of_birth = forms.BooleanField(
        label="Ask for the date of birth at registration (under 14: a guardian must consent)", required=False
    )


class CloseStoreForm(forms.Form):
    confirm_handle = forms.CharField(label="Type the store's handle to confirm", max_length=63)
