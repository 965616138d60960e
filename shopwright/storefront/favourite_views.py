"""Favourites pages: the list at /favourites/ and the add/remove forms behind the ♡ button.

A signed-in customer's favourites are rows; a visitor's live in a signed
cookie until sign-in merges them (storefront.receivers). The forms work as
plain POSTs (redirect back with a message) and answer JSON to cart.js.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from shopwright.cart.cookies import apply_pending_cookies
from shopwright.core.exceptions import ApplicationError
from shopwright.core.requests import StorefrontRequest
from shopwright.storefront import selectors, services
from shopwright.storefront.cart_views import refusal_text, shopper_actor, wants_json
from shopwright.storefront.catalog_pages import card_view
from shopwright.storefront.favourite_cookies import keep_favourite_ids, read_favourite_ids

FAVOURITES_PATH = "/favourites/"


def _entries(request: StorefrontRequest) -> list[selectors.FavouriteEntry]:
    customer = getattr(request, "customer", None)
    if customer is not None:
        return selectors.favourites_of_customer(store=request.store, customer=customer)
    ids = read_favourite_ids(request, store_id=request.store.pk)
    return selectors.favourites_of_visitor(store=request.store, product_ids=ids)


def _page(request: StorefrontRequest, *, status: int = 200) -> HttpResponseBase:
    currency = request.store.currency
    context: dict[str, Any] = {"cards": [card_view(entry.card, currency=currency) for entry in _entries(request)]}
    return apply_pending_cookies(request, render(request, "storefront/favourites.html", context, status=status))


def _back(request: StorefrontRequest) -> str:
    """Where the button was pressed (a page of this host), else the favourites page."""
    referer = request.headers.get("Referer", "")
    host = request.get_host()
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={host}, require_https=request.is_secure()):
        return referer
    return FAVOURITES_PATH


@require_GET
def favourites_page(request: StorefrontRequest) -> HttpResponseBase:
    return _page(request)


@require_POST
def favourite_add(request: StorefrontRequest, product_id: int) -> HttpResponseBase:
    return _change(request, product_id, add=True)


@require_POST
def favourite_remove(request: StorefrontRequest, product_id: int) -> HttpResponseBase:
    return _change(request, product_id, add=False)


def _change(request: StorefrontRequest, product_id: int, *, add: bool) -> HttpResponseBase:
    store, customer = request.store, getattr(request, "customer", None)
    try:
        if customer is not None:
            action = services.favourite_add if add else services.favourite_remove
            change = action(store=store, actor=shopper_actor(request), customer=customer, product_id=product_id)
        else:
            ids = read_favourite_ids(request, store_id=store.pk)
            visitor_action = services.visitor_favourite_add if add else services.visitor_favourite_remove
            change = visitor_action(store=store, product_ids=ids, product_id=product_id)
            if change.visitor_ids is not None and change.visitor_ids != ids:
                keep_favourite_ids(request, store_id=store.pk, ids=change.visitor_ids)
    except ApplicationError as exc:
        if wants_json(request):
            refusal = {"code": exc.code, "message": refusal_text(exc), "fields": exc.fields}
            return JsonResponse(refusal, status=exc.status_code)
        messages.error(request, refusal_text(exc))
        return _page(request, status=exc.status_code)

    if wants_json(request):
        next_action = f"/favourites/{change.product.pk}/{'remove' if change.favourite else 'add'}/"
        payload: dict[str, Any] = {"favourite": change.favourite, "message": change.message, "action": next_action}
        return apply_pending_cookies(request, JsonResponse(payload))
    messages.success(request, change.message)
    return apply_pending_cookies(request, redirect(_back(request)))
