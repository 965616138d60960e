"""At sign-in, a visitor's cookie favourites join the account and the cookie goes."""

from __future__ import annotations

from typing import Any

from shopwright.cart.cookies import cookie_delete_later
from shopwright.core.audit import Actor
from shopwright.core.requests import StorefrontRequest
from shopwright.customers.models import Customer
from shopwright.storefront import services
from shopwright.storefront.favourite_cookies import FAVOURITES_COOKIE, read_favourite_ids


def merge_visitor_favourites(sender: Any, *, request: StorefrontRequest, customer: Customer, **kwargs: Any) -> None:
    store = getattr(request, "store", None)
    if store is None or customer.store_id != store.pk or not request.COOKIES.get(FAVOURITES_COOKIE):
        return
    ids = read_favourite_ids(request, store_id=store.pk)
    cookie_delete_later(request, FAVOURITES_COOKIE)
    if ids:
        services.favourites_merge(store=store, actor=Actor.customer(customer), customer=customer, product_ids=ids)
