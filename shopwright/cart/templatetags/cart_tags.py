"""Template helpers of the cart pages and the header's cart link."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from shopwright.cart.requests import header_count
from shopwright.catalog.display import format_money
from shopwright.catalog.images import image_url
from shopwright.catalog.models import ProductImage

register = template.Library()

THUMBNAIL_WIDTH = 160


@register.simple_tag(takes_context=True)
def cart_count(context: dict[str, Any]) -> int:
    """Units in the shopper's cart; no query for a visitor (see cart.requests)."""
    request = context.get("request")
    return header_count(request) if request is not None else 0


@register.filter
def money(amount: Decimal | None, currency: str) -> str:
    """`amount` in the store's `currency`, written the visitor's way ("$19.99", "€19.99")."""
    return "" if amount is None else format_money(amount, currency)


@register.filter
def thumbnail(image: ProductImage | None, fmt: str = "webp") -> str:
    return image_url(image, THUMBNAIL_WIDTH, fmt) if image is not None else ""
