"""At sign-in, the visitor's cart joins the customer's cart and the visitor cookie goes."""

from __future__ import annotations

import logging
from typing import Any

from shopwright.cart import services
from shopwright.cart.cookies import CART_COOKIE, cookie_delete_later, read_cart_cookie
from shopwright.cart.requests import remember_count
from shopwright.core.audit import Actor
from shopwright.core.exceptions import ApplicationError
from shopwright.core.requests import StorefrontRequest
from shopwright.customers.models import Customer

logger = logging.getLogger(__name__)


def merge_visitor_cart(sender: Any, *, request: StorefrontRequest, customer: Customer, **kwargs: Any) -> None:
    store = getattr(request, "store", None)
    if store is None or customer.store_id != store.pk:
        return
    cookie = read_cart_cookie(request, store_id=store.pk)
    if request.COOKIES.get(CART_COOKIE):
        # Spent or not ours: either way the browser should stop sending it.
        cookie_delete_later(request, CART_COOKIE)
    if cookie is None:
        return
    try:
        result = services.cart_merge(
            store=store, actor=Actor.customer(customer), customer=customer, secret=cookie.secret
        )
    except ApplicationError:
        # The visitor cart changed under us (a tab still adding): sign-in must not fail over it.
        logger.warning("visitor cart not merged at sign-in", exc_info=True)
        return
    if result is not None:
        remember_count(request, count=result.count)
