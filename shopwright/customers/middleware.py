from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from shopwright.customers.sessions import session_customer


class CustomerMiddleware:
    """Sets `request.customer` on store hosts (None when signed out, and on the platform site)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if getattr(request, "store", None) is not None:
            request.customer = session_customer(request)  # type: ignore[attr-defined]
        else:
            request.customer = None  # type: ignore[attr-defined]
        return self.get_response(request)
