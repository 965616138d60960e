"""Writes the cookie changes that code without the response queued on the request.

The sign-in view belongs to the account pages; the cart and favourites merge
at sign-in runs in a signal receiver, which clears the visitor's cookies by
queueing the change (cart.cookies.cookie_delete_later). This middleware puts
the queued changes on whatever response the view returns.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

from shopwright.cart.cookies import apply_pending_cookies


class PendingCookiesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return apply_pending_cookies(request, self.get_response(request))
