"""Template filters for payments (see payments/display.py): `{% load payment_display %}`.

`{{ payment.card_brand|card_brand }}` → "Visa", "American Express";
`{{ payment.provider|payment_provider }}` → "Stripe", "Test provider (no real money)".
"""

from __future__ import annotations

from django import template

from shopwright.payments.display import card_brand_name, provider_display_name

register = template.Library()


@register.filter
def card_brand(value: str | None) -> str:
    return card_brand_name(value)


@register.filter
def payment_provider(value: str | None) -> str:
    return provider_display_name(value)
