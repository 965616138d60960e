"""The cart (store host): visitors by cart token, customers by session or bearer token.

A visitor's first `POST lines` makes a cart and answers 201 with its
`token`; later calls send it back in the `X-Cart-Token` header (the token is
the cart's secret: keep it like a password). A customer is recognised by a
bearer token or the session cookie (session writes need the CSRF token) and
has one cart per store; after signing in, a headless client moves its
visitor cart over with `POST merge`. Prices are always today's; a client
never sends one.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Router, Status
from ninja.security import APIKeyHeader, HttpBearer

from shopwright.cart import selectors, services
from shopwright.cart.limits import MAX_LINE_QUANTITY
from shopwright.cart.selectors import MAX_ID, PricedCart
from shopwright.cart.services import Shopper
from shopwright.catalog.images import image_url
from shopwright.core.api import ERRORS, ApiSchema, InputSchema, SessionCookieAuth, require_store_host
from shopwright.core.audit import Actor
from shopwright.core.exceptions import AuthenticationFailed, NotFound, PermissionDeniedError
from shopwright.core.requests import StorefrontRequest
from shopwright.customers import selectors as customer_selectors
from shopwright.customers.api import CustomerApiRequest, customer_auth

IMAGE_WIDTH = 480


class CartBearer(HttpBearer):
    """A customer's bearer token; a wrong one is refused, never taken for a visitor."""

    def __call__(self, request: HttpRequest) -> Any:
        # Most shoppers send none: answer that from the WSGI environ, without `request.headers`, which
        # copies every header of the request into a new mapping first.
        if not request.META.get("HTTP_AUTHORIZATION"):
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, token: str) -> Shopper:
        store = require_store_host(request)
        customer = customer_selectors.customer_for_api_token(store=store, token=token)
        if customer is None:
            raise AuthenticationFailed("The bearer token is not valid. Sign in again, or drop the header.")
        return Shopper(customer=customer)


class CartSession(SessionCookieAuth):
    """The customer signed in by the session cookie; a session write without the CSRF token is refused."""

    def check_host(self, request: HttpRequest) -> None:
        require_store_host(request)

    def principal(self, request: HttpRequest) -> Any:
        return getattr(request, "customer", None)

    def __call__(self, request: HttpRequest) -> Shopper | None:
        customer = super().__call__(request)
        if customer is not None:
            return Shopper(customer=customer)
        if self.principal(request) is not None:
            raise PermissionDeniedError("Send the CSRF token (X-CSRFToken) with writes made in a signed-in session.")
        return None


class CartToken(APIKeyHeader):
    """A visitor, by the token of their cart; none yet is fine (the first add makes the cart)."""

    param_name = "X-Cart-Token"

    def _get_key(self, request: HttpRequest) -> str | None:
        # ninja's way to say where the key is; read from the WSGI environ rather than `request.headers`.
        return request.META.get("HTTP_X_CART_TOKEN")

    def authenticate(self, request: HttpRequest, key: str | None) -> Shopper:
        require_store_host(request)
        return Shopper(secret=key or None)


cart_auth = [CartBearer(), CartSession(), CartToken()]


class CartApiRequest(StorefrontRequest):
    """A request that passed `cart_auth` (annotations only): `auth` is the shopper."""

    auth: Shopper


router = Router(tags=["cart"])

Quantity = Annotated[int, Field(strict=True, ge=1, le=MAX_LINE_QUANTITY)]


class LineIn(InputSchema):
    variant_id: Annotated[int, Field(strict=True, ge=1, le=MAX_ID)]
    quantity: Quantity = 1


class QuantityIn(InputSchema):
    quantity: Quantity


class MergeIn(InputSchema):
    cart_token: Annotated[str, Field(min_length=1, max_length=200)]


class CartLineOut(ApiSchema):
    id: int
    variant_id: int
    product_id: int
    product_handle: str
    product_title: str
    variant_title: str
    sku: str
    image_url: str | None
    unit_price: str
    compare_at_price: str | None
    quantity: int
    line_total: str
    # False once the product is withdrawn: not counted, only removable.
    available: bool
    # The most this line may hold now (stock and the 999 bound); 0 when sold out.
    max_quantity: int


class CartOut(ApiSchema):
    # Only in the answer that made a visitor's cart: send it back as X-Cart-Token.
    token: str | None = None
    currency: str
    count: int
    subtotal: str
    savings: str
    lines: list[CartLineOut]
    # What to tell the shopper about the last change ("Only 3 available: ...").
    message: str = ""


def _cart_out(priced: PricedCart, *, token: str | None = None, message: str = "") -> CartOut:
    return CartOut(
        token=token,
        currency=priced.currency,
        count=priced.count,
        subtotal=str(priced.subtotal),
        savings=str(priced.savings),
        message=message,
        lines=[
            CartLineOut(
                id=line.id,
                variant_id=line.variant_id,
                product_id=line.product_id,
                product_handle=line.product_handle,
                product_title=line.product_title,
                variant_title=line.variant_title,
                sku=line.sku,
                image_url=(image_url(line.image, IMAGE_WIDTH) or None) if line.image else None,
                unit_price=str(line.unit_price),
                compare_at_price=str(line.compare_at_price) if line.compare_at_price is not None else None,
                quantity=line.quantity,
                line_total=str(line.total),
                available=line.available,
                max_quantity=line.max_quantity,
            )
            for line in priced.lines
        ],
    )


def _actor(shopper: Shopper) -> Actor:
    return Actor.customer(shopper.customer) if shopper.customer is not None else Actor.anonymous()


def _priced(request: CartApiRequest) -> PricedCart:
    shopper = request.auth
    if shopper.customer is not None:
        cart = selectors.cart_for_customer(store=request.store, customer=shopper.customer)
    else:
        cart = selectors.cart_for_secret(store=request.store, secret=shopper.secret)
    return selectors.cart_priced(store=request.store, cart=cart)


@router.get("", auth=cart_auth, response={200: CartOut, **ERRORS}, summary="The cart, priced today")
def cart_get(request: CartApiRequest) -> CartOut:
    return _cart_out(_priced(request))


@router.post(
    "/lines",
    auth=cart_auth,
    response={200: CartOut, 201: CartOut, **ERRORS},
    summary="Add a variant (makes the cart on the first add: 201 with its token)",
)
def cart_line_add(request: CartApiRequest, payload: LineIn) -> Status[CartOut]:
    change = services.cart_line_add(
        store=request.store,
        actor=_actor(request.auth),
        shopper=request.auth,
        variant_id=payload.variant_id,
        quantity=payload.quantity,
    )
    priced = selectors.cart_priced(store=request.store, cart=change.cart)
    return Status(201 if change.created else 200, _cart_out(priced, token=change.secret, message=change.message))


@router.patch("/lines/{line_id}", auth=cart_auth, response={200: CartOut, **ERRORS}, summary="Change a quantity")
def cart_line_update(request: CartApiRequest, line_id: int, payload: QuantityIn) -> CartOut:
    change = services.cart_line_set_quantity(
        store=request.store,
        actor=_actor(request.auth),
        shopper=request.auth,
        line_id=line_id,
        quantity=payload.quantity,
    )
    return _cart_out(selectors.cart_priced(store=request.store, cart=change.cart), message=change.message)


@router.delete("/lines/{line_id}", auth=cart_auth, response={200: CartOut, **ERRORS}, summary="Remove a line")
def cart_line_delete(request: CartApiRequest, line_id: int) -> CartOut:
    change = services.cart_line_remove(
        store=request.store, actor=_actor(request.auth), shopper=request.auth, line_id=line_id
    )
    return _cart_out(selectors.cart_priced(store=request.store, cart=change.cart), message=change.message)


@router.post(
    "/merge",
    auth=customer_auth,
    response={200: CartOut, **ERRORS},
    summary="After sign-in: move a visitor cart (by its token) into my cart",
)
def cart_merge(request: CustomerApiRequest, payload: MergeIn) -> CartOut:
    customer = request.auth
    result = services.cart_merge(
        store=request.store, actor=Actor.customer(customer), customer=customer, secret=payload.cart_token
    )
    if result is None:
        raise NotFound("No cart has this token (it may have been merged already).")
    message = ""
    if result.capped_titles:
        message = "Some quantities were lowered to the stock left: " + ", ".join(result.capped_titles) + "."
    priced = selectors.cart_priced(store=request.store, cart=result.cart)
    return _cart_out(priced, message=message)
