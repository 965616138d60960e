"""The favourite button's state: one query per page for a customer, none for a visitor."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import HttpRequest

from shopwright.storefront import selectors
from shopwright.storefront.favourite_cookies import read_favourite_ids

register = template.Library()

_MEMO = "_shopwright_favourite_ids"


def request_favourite_ids(request: HttpRequest) -> set[int]:
    """The product ids the shopper of this request has marked, read once per request."""
    found: set[int] | None = getattr(request, _MEMO, None)
    if found is None:
        store = getattr(request, "store", None)
        customer = getattr(request, "customer", None)
        if store is None:
            found = set()
        elif customer is not None:
            found = selectors.favourite_ids(store=store, customer=customer)
        else:
            found = set(read_favourite_ids(request, store_id=store.pk))
        setattr(request, _MEMO, found)
    return found


@register.simple_tag(takes_context=True)
def is_favourite(context: dict[str, Any], product: Any) -> bool:
    """`{% is_favourite product as on %}`; `product` is anything with an `id` (a Product, a card)."""
    request = context.get("request")
    product_id = getattr(product, "id", None)
    if request is None or not isinstance(product_id, int):
        return False
    return product_id in request_favourite_ids(request)
