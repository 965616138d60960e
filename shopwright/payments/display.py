"""How payments read to people: card brand names and provider names, the same on every page and email.

Providers send card brands as machine words ("visa", "amex", "unionpay");
a buyer or a merchant reads "Visa", "American Express", "UnionPay". The
provider shown to a merchant must say when no real money moved: a payment
taken by the built-in test provider is "Test provider (no real money)",
so an order it "paid" is never mistaken for a real sale.

Templates use the filters in payments/templatetags/payment_display.py
(`{% load payment_display %}` then `{{ payment.card_brand|card_brand }}`
and `{{ payment.provider|payment_provider }}`).
"""

from __future__ import annotations

from shopwright.payments.models import PaymentSettings

# The brand words Stripe and the test provider send, as the card networks write their names.
_CARD_BRANDS = {
    "visa": "Visa",
    "mastercard": "Mastercard",
    "amex": "American Express",
    "american_express": "American Express",
    "american express": "American Express",
    "discover": "Discover",
    "jcb": "JCB",
    "unionpay": "UnionPay",
    "union_pay": "UnionPay",
    "diners": "Diners Club",
    "diners_club": "Diners Club",
    "diners club": "Diners Club",
    "cartes_bancaires": "Cartes Bancaires",
    "eftpos_au": "eftpos",
    "interac": "Interac",
}

# The name of the "provider" of an order that cost nothing (payments.services.payment_start).
NO_PAYMENT_PROVIDER = "none"

# The settings page's names ("Test provider (no real money)", "Stripe"), and the zero-total order's.
_PROVIDERS = {
    **{choice.value: str(choice.label) for choice in PaymentSettings.Provider},
    NO_PAYMENT_PROVIDER: "No payment needed",
}


def card_brand_name(brand: str | None) -> str:
    """ "visa" → "Visa", "amex" → "American Express"; an unknown word capitalised ("elo" → "Elo"); "" stays ""."""
    word = (brand or "").strip()
    if not word:
        return ""
    known = _CARD_BRANDS.get(word.lower())
    if known is not None:
        return known
    return word.replace("_", " ").capitalize()


def provider_display_name(provider: str | None) -> str:
    """What a merchant or a buyer reads for a payment's provider key ("test", "stripe", "none")."""
    key = (provider or "").strip()
    return _PROVIDERS.get(key, key.capitalize())
