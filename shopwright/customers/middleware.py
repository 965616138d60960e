from collections.abc import Callable
from typing import cast

from django.http import HttpRequest, HttpResponse

from shopwright.core.requests import StoreRequest
from shopwright.customers.sessions import session_customer


class CustomerMiddleware:
    """Sets `request.customer` on store hosts (None when signed out, and on the platform site)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        routed = cast(StoreRequest, request)  # this middleware sets `customer`
        if getattr(request, "store", None) is not None:
            routed.customer = session_customer(routed)
        else:
            routed.customer = None
        return self.get_response(request)
