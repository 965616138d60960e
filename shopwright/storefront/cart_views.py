"""The cart pages: /cart/ and the forms that change it.

Every form works as a plain POST (redirect with a message); the same URLs
answer JSON to cart.js and product.js (`Accept: application/json` or an
`X-Requested-With` header), so the header count and the cart update without
a reload. Rules live in cart.services; these views parse and answer.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from shopwright.cart import selectors, services
from shopwright.cart.cookies import CART_COOKIE, apply_pending_cookies, cookie_delete_later
from shopwright.cart.requests import header_count, remember_count, request_shopper
from shopwright.cart.selectors import PricedCart
from shopwright.core.audit import Actor
from shopwright.core.exceptions import ApplicationError
from shopwright.core.requests import StorefrontRequest

CART_PATH = "/cart/"


def wants_json(request: StorefrontRequest) -> bool:
    """A script asked (fetch with Accept: application/json, or the X-Requested-With convention)."""
    return "application/json" in request.headers.get("Accept", "") or "X-Requested-With" in request.headers


def shopper_actor(request: StorefrontRequest) -> Actor:
    customer = getattr(request, "customer", None)
    return Actor.customer(customer) if customer is not None else Actor.anonymous()


def _priced_cart(request: StorefrontRequest) -> PricedCart:
    """The shopper's cart, priced; refreshes the header count and drops a cookie that names no cart."""
    shopper = request_shopper(request)
    if shopper.customer is not None:
        cart = selectors.cart_for_customer(store=request.store, customer=shopper.customer)
    else:
        cart = selectors.cart_for_secret(store=request.store, secret=shopper.secret)
        if cart is None and request.COOKIES.get(CART_COOKIE):
            cookie_delete_later(request, CART_COOKIE)
    priced = selectors.cart_priced(store=request.store, cart=cart)
    if cart is not None:
        remember_count(request, count=priced.count)
    return priced


def _context(request: StorefrontRequest) -> dict[str, Any]:
    return {"cart": _priced_cart(request)}


def _page(request: StorefrontRequest, *, status: int = 200) -> HttpResponseBase:
    response = render(request, "storefront/cart.html", _context(request), status=status)
    return apply_pending_cookies(request, response)


def _json(
    request: StorefrontRequest, data: dict[str, Any], *, status: int = 200, body: bool = False
) -> HttpResponseBase:
    if body:
        data["html"] = render_to_string("storefront/cart_body.html", _context(request), request=request)
    if "count" not in data:  # (setdefault would read the count even when the caller gave it)
        data["count"] = header_count(request)
    return apply_pending_cookies(request, JsonResponse(data, status=status))


def refusal_text(exc: ApplicationError) -> str:
    """What to tell the shopper: the field messages when there are some (they say what is wrong)."""
    found = [message for field_messages in exc.fields.values() for message in field_messages]
    return " ".join(found) if found else exc.message


def _refused(request: StorefrontRequest, exc: ApplicationError, *, body: bool = False) -> HttpResponseBase:
    """The same message either way: JSON for a script, else the cart page with the message (nothing changed)."""
    text = refusal_text(exc)
    if wants_json(request):
        payload = {"code": exc.code, "message": text, "fields": exc.fields}
        return _json(request, payload, status=exc.status_code, body=body)
    messages.error(request, text)
    return _page(request, status=exc.status_code)


def _safe_next(request: StorefrontRequest) -> str | None:
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return None


def _product_path(handle: str) -> str:
    try:
        return reverse("storefront:product", kwargs={"handle": handle})
    except NoReverseMatch:
        return CART_PATH


@require_GET
def cart_page(request: StorefrontRequest) -> HttpResponseBase:
    return _page(request)


@require_POST
def cart_add(request: StorefrontRequest) -> HttpResponseBase:
    """From a product page: `variant_id`, `quantity` (default 1), optional `next` (a local path)."""
    try:
        change = services.cart_line_add(
            store=request.store,
            actor=shopper_actor(request),
            shopper=request_shopper(request),
            variant_id=request.POST.get("variant_id"),
            quantity=request.POST.get("quantity", "1"),
        )
    except ApplicationError as exc:
        return _refused(request, exc)
    remember_count(request, count=change.count, secret=change.secret, wrote=True)
    if wants_json(request):
        return _json(
            request,
            {"count": change.count, "message": change.message, "capped": change.capped, "quantity": change.quantity},
        )
    (messages.warning if change.capped else messages.success)(request, change.message)
    return apply_pending_cookies(request, redirect(_safe_next(request) or _product_path(change.product_handle)))


@require_POST
def cart_line_update(request: StorefrontRequest, line_id: int) -> HttpResponseBase:
    try:
        change = services.cart_line_set_quantity(
            store=request.store,
            actor=shopper_actor(request),
            shopper=request_shopper(request),
            line_id=line_id,
            quantity=request.POST.get("quantity"),
        )
    except ApplicationError as exc:
        return _refused(request, exc, body=True)
    return _changed(request, change)


@require_POST
def cart_line_remove(request: StorefrontRequest, line_id: int) -> HttpResponseBase:
    try:
        change = services.cart_line_remove(
            store=request.store, actor=shopper_actor(request), shopper=request_shopper(request), line_id=line_id
        )
    except ApplicationError as exc:
        return _refused(request, exc, body=True)
    return _changed(request, change)


def _changed(request: StorefrontRequest, change: services.CartChange) -> HttpResponseBase:
    remember_count(request, count=change.count, wrote=True)
    if wants_json(request):
        payload = {"count": change.count, "message": change.message, "capped": change.capped}
        return _json(request, payload, body=True)
    (messages.warning if change.capped else messages.success)(request, change.message)
    response: HttpResponse = redirect(CART_PATH)
    return apply_pending_cookies(request, response)
