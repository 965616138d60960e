"""The cart as a browser request sees it: whose cart it is, and the count the header shows.

The header count never costs a query for a visitor: it travels in the signed
cart cookie, rewritten on every cart write. A signed-in customer's count is
kept in the cache under their cart (see cart.counts), so all their devices
share it: one cache read per page, one query only when the entry is missing;
every cart write (pages and API alike) and every cart page view rewrites it.
"""

from __future__ import annotations

from shopwright.cart import counts, selectors
from shopwright.cart.cookies import (
    CART_COOKIE,
    CART_COOKIE_MAX_AGE,
    cart_cookie_value,
    cookie_set_later,
    read_cart_cookie,
)
from shopwright.cart.services import Shopper
from shopwright.core.requests import StorefrontRequest


def request_shopper(request: StorefrontRequest) -> Shopper:
    """The signed-in customer, else the visitor by the secret in the cart cookie (None without one)."""
    customer = getattr(request, "customer", None)
    if customer is not None:
        return Shopper(customer=customer)
    cookie = read_cart_cookie(request, store_id=request.store.pk)
    return Shopper(secret=cookie.secret if cookie else None)


def remember_count(request: StorefrontRequest, *, count: int, secret: str | None = None, wrote: bool = False) -> None:
    """Keep the header count after a cart write (`wrote`) or read; `secret` names a visitor cart just made.

    For a visitor the cookie is queued on the request (see cart.cookies):
    the cart views write it on their response. A write always rewrites it,
    which also restarts its 30 days.
    """
    store = request.store
    customer = getattr(request, "customer", None)
    if customer is not None:
        # A write kept its count when it committed (cart.services); a read of the priced cart refreshes it.
        if not wrote:
            counts.count_now(store_id=store.pk, customer_id=customer.pk, count=count)
        return
    if secret is None:
        cookie = read_cart_cookie(request, store_id=store.pk)
        if cookie is None:
            return
        if cookie.count == count and not wrote:
            return
        secret = cookie.secret
    value = cart_cookie_value(store_id=store.pk, secret=secret, count=count)
    cookie_set_later(request, CART_COOKIE, value, max_age=CART_COOKIE_MAX_AGE)


def header_count(request: StorefrontRequest) -> int:
    """Units in the shopper's cart, for the header; no query for visitors, a cache read for customers."""
    store = getattr(request, "store", None)
    if store is None:
        return 0
    customer = getattr(request, "customer", None)
    if customer is None:
        cookie = read_cart_cookie(request, store_id=store.pk)
        return cookie.count if cookie else 0
    kept = counts.cached_count(store_id=store.pk, customer_id=customer.pk)
    if kept is not None:
        return kept
    count = selectors.customer_cart_count(store=store, customer=customer)
    counts.count_found(store_id=store.pk, customer_id=customer.pk, count=count)
    return count
