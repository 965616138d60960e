"""The REST API at /api/v1/ (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs).

Served on the platform host and on every store host: merchant endpoints
answer on the platform host, customer endpoints on a store host. Every
error has the shape of core.api.ErrorOut.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from shopwright.cart.api import router as cart_router
from shopwright.checkout.api import router as checkout_router
from shopwright.core.exceptions import ApplicationError, RateLimited
from shopwright.customers.api import router as customer_router
from shopwright.orders.api import router as orders_router
from shopwright.payments.api import router as payments_router
from shopwright.privacy import api_consents, api_requests, api_retention
from shopwright.storefront.api_catalog import router as catalog_router
from shopwright.storefront.api_favourites import router as favourites_router
from shopwright.storefront.api_search import router as search_router
from shopwright.stores.api import router as merchant_router

BODY_NOT_JSON = "Send the body as a JSON object, with Content-Type: application/json."


class JSONBodyParser(Parser):
    """Bodies must be declared as JSON.

    An HTML form on another site can post a JSON-looking body as text/plain
    without a CORS preflight; the unauthenticated writes (signup, register,
    session login) would otherwise accept it, and sign a visitor in to the
    other site's account.
    """

    def parse_body(self, request: HttpRequest) -> dict:
        if request.content_type != "application/json":
            raise ValueError("send the body as application/json")
        return super().parse_body(request)


api = NinjaAPI(
    parser=JSONBodyParser(),
    title="Shopwright API",
    version="1",
    description=(
        "Merchant and storefront API. Merchant endpoints answer on the platform host; "
        "customer endpoints on a store host."
    ),
    urls_namespace="api",
)
api.add_router("/merchant/", merchant_router)
api.add_router("/customer/", customer_router)
api.add_router("/storefront/", catalog_router)
api.add_router("/storefront/search", search_router)
api.add_router("/storefront/cart", cart_router)
api.add_router("/storefront/favourites", favourites_router)
api.add_router("/storefront/checkout", checkout_router)
api.add_router("/storefront/orders", orders_router)
api.add_router("/payments", payments_router)
api.add_router("/storefront/privacy", api_consents.storefront_router)
api.add_router("/storefront/privacy/requests", api_requests.storefront_router)
api.add_router("/merchant/privacy", api_consents.merchant_router)
api.add_router("/merchant/privacy/requests", api_requests.merchant_router)
api.add_router("/merchant/privacy/retention", api_retention.merchant_router)


def _error(request: HttpRequest, status: int, code: str, message: str, fields: dict | None = None) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, "fields": fields or {}}, status=status)


@api.exception_handler(ApplicationError)
def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    response = _error(request, exc.status_code, exc.code, exc.message, exc.fields)
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


def _field_name(loc: list) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "form", "file")]
    return ".".join(parts) or "body"


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = list(err.get("loc", []))
        # ("body", <param>): the body as a whole is missing or not an object.
        message = BODY_NOT_JSON if len(loc) == 2 and loc[0] == "body" else str(err.get("msg", "Invalid value."))
        fields.setdefault(_field_name(loc), []).append(message)
    return _error(request, 400, "invalid", "The request has invalid or missing fields.", fields)


@api.exception_handler(DjangoValidationError)
def django_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    fields = exc.message_dict if hasattr(exc, "error_dict") else {"body": exc.messages}
    return _error(request, 400, "invalid", "The request has invalid fields.", fields)


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "unauthenticated", "Sign in, or send a valid bearer token.")


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", str(exc) or "Not found.")


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, "forbidden", str(exc) or "Not allowed.")


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    status = exc.status_code if 400 <= exc.status_code < 500 else 400
    message = str(exc) or "Bad request."
    if status == 400 and message.startswith("Cannot parse request body"):
        # The body is not JSON (or not sent as JSON): say so on the body, the one bad field.
        return _error(request, 400, "invalid", message, {"body": [BODY_NOT_JSON]})
    return _error(request, status, "bad_request", message)


# Built once: the platform and the storefront URLconfs both include it.
api_urls = api.urls
