"""The payment settings form: parsing only; the rules are in payments.services.payment_settings_update."""

from __future__ import annotations

from django import forms

from shopwright.payments.models import PaymentSettings


class PaymentSettingsForm(forms.Form):
    provider = forms.ChoiceField(choices=PaymentSettings.Provider.choices, widget=forms.RadioSelect)
    # Write-only: the page never sends a stored key back, only its masked form beside the input.
    stripe_secret_key = forms.CharField(
        required=False,
        max_length=255,
        strip=True,
        label="Stripe secret key",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    stripe_webhook_secret = forms.CharField(
        required=False,
        max_length=255,
        strip=True,
        label="Stripe webhook signing secret",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
