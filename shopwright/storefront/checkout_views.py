"""The checkout pages on a store host: information, shipping, review, then placing and paying.

Plain server-rendered forms (checkout.js only hides what does not apply and
refreshes the address fields when the country changes). The shopper's cart
is found as the cart pages find it (cookie or account), so another store's
or another shopper's checkout is never reachable. Rules are in
checkout.services and orders.services; totals always come from
checkout.selectors.checkout_priced.

Placing: `order_place` (through payments.services.order_place_for_payment, which
opens the first payment attempt in the same transaction) runs in its own
transaction; the payment provider is called after it committed
(payments.services.payment_start), never inside
one, and the buyer is sent to the provider's page with a 303.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core import signing
from django.http import HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from shopwright.cart import selectors as cart_selectors
from shopwright.cart.cookies import apply_pending_cookies
from shopwright.cart.models import Cart
from shopwright.cart.requests import remember_count, request_shopper
from shopwright.catalog.stock import InsufficientStock
from shopwright.checkout import selectors, services
from shopwright.checkout.models import Checkout
from shopwright.checkout.selectors import CheckoutPriced
from shopwright.core.addresses import address_lines, delivery_time_key
from shopwright.core.exceptions import ApplicationError
from shopwright.core.requests import StorefrontRequest
from shopwright.customers import addresses as saved_addresses
from shopwright.customers.models import Address
from shopwright.orders import services as order_services
from shopwright.orders.models import Order
from shopwright.payments import services as payment_services
from shopwright.shipping.selectors import shipped_countries
from shopwright.storefront.cart_views import shopper_actor
from shopwright.storefront.checkout_forms import (
    AddressForm,
    ContactForm,
    add_service_errors,
    address_initial,
    posted_country,
)
from shopwright.storefront.payment_views import allow_payment_redirects

INFORMATION_PATH = "/checkout/"
SHIPPING_PATH = "/checkout/shipping/"
REVIEW_PATH = "/checkout/review/"
CART_PATH = "/cart/"
NEW_ADDRESS = "new"
# The review page carries what the buyer saw, signed, to say what changed if placing refuses.
_SNAPSHOT_SALT = "shopwright.checkout.review-snapshot"
_SNAPSHOT_MAX_AGE = 60 * 60 * 24


def _see_other(path: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(path)
    response.status_code = 303
    return response


def _shopper_cart(request: StorefrontRequest) -> Cart | None:
    shopper = request_shopper(request)
    if shopper.customer is not None:
        return cart_selectors.cart_for_customer(store=request.store, customer=shopper.customer)
    return cart_selectors.cart_for_secret(store=request.store, secret=shopper.secret)


def _checkout(request: StorefrontRequest) -> tuple[Checkout, CheckoutPriced] | None:
    """The shopper's checkout (made on first visit) priced now; None when there is nothing to buy."""
    cart = _shopper_cart(request)
    if cart is None:
        return None
    checkout = services.checkout_for_cart(store=request.store, cart=cart, customer=getattr(request, "customer", None))
    priced = selectors.checkout_priced(store=request.store, checkout=checkout)
    if not priced.lines:
        return None
    remember_count(request, count=priced.cart.count)
    return checkout, priced


def _empty_cart(request: StorefrontRequest) -> HttpResponseBase:
    messages.info(request, "Your cart is empty: add something before checking out.")
    return redirect(CART_PATH)


def _page(
    request: StorefrontRequest, template: str, context: dict[str, Any], *, status: int = 200, pays: bool = False
) -> HttpResponseBase:
    """The page; `pays`: its form posts to /checkout/place/, whose answer is a 303 to the provider's page,
    which the page's CSP form-action must allow (browsers apply it to the redirect too)."""
    response = render(request, f"storefront/checkout/{template}", context, status=status)
    if pays:
        allow_payment_redirects(response, store=request.store)
    return apply_pending_cookies(request, response)


def _base_context(priced: CheckoutPriced, step: str) -> dict[str, Any]:
    return {"priced": priced, "currency": priced.currency, "step": step}


# --- 1. information ---------------------------------------------------------------------------


def _saved_choice(checkout: Checkout, saved: list[Address]) -> str:
    """The saved address the checkout's delivery address is, else "new"."""
    current = checkout.shipping_address or {}
    if not current and saved:
        return str(saved[0].pk)  # nothing given yet: the default address (listed first)
    for address in saved:
        if current and all(str(address.data.get(k, "")) == str(v) for k, v in current.items()):
            return str(address.pk)
    return NEW_ADDRESS


def _information_forms(
    request: StorefrontRequest, checkout: Checkout, shipped: set[str], *, bound: bool
) -> dict[str, Any]:
    data = request.POST if bound else None
    if bound:
        shipping_country = posted_country(request.POST, "shipping")
        billing_country = posted_country(request.POST, "billing")
    else:
        # A store shipping to one country only has it chosen already.
        only = next(iter(shipped)) if len(shipped) == 1 else ""
        shipping_country = str((checkout.shipping_address or {}).get("country", "")) or only
        billing_country = str((checkout.billing_address or {}).get("country", "")) or shipping_country
    contact = ContactForm(
        data,
        initial={
            "email": checkout.email,
            "phone": checkout.phone,
            "extra_phone": checkout.extra_phone,
            "delivery_time": delivery_time_key(checkout.delivery_time),
        },
    )
    shipping = AddressForm(
        data,
        prefix="shipping",
        country=shipping_country,
        shipped_countries=shipped,
        initial=address_initial(checkout.shipping_address or {"country": shipping_country}),
    )
    billing = AddressForm(
        data,
        prefix="billing",
        country=billing_country,
        shipped_countries=(),
        initial=address_initial(checkout.billing_address or {"country": shipping_country}),
    )
    return {"contact_form": contact, "shipping_form": shipping, "billing_form": billing}


@require_http_methods(["GET", "POST"])
def information(request: StorefrontRequest) -> HttpResponseBase:
    found = _checkout(request)
    if found is None:
        return _empty_cart(request)
    checkout, priced = found
    store = request.store
    customer = getattr(request, "customer", None)
    saved = saved_addresses.addresses_for_customer(store=store, customer=customer) if customer else []
    shipped = shipped_countries(store=store)
    posting = request.method == "POST"
    refreshing = posting and "refresh" in request.POST
    forms = _information_forms(request, checkout, shipped, bound=posting)
    context = {
        **_base_context(priced, "information"),
        **forms,
        "saved_addresses": [(address, address_lines(address.data)) for address in saved],
        "saved_choice": request.POST.get("saved_address", NEW_ADDRESS) if posting else _saved_choice(checkout, saved),
        "billing_same": (request.POST.get("billing_same") == "1") if posting else checkout.billing_address is None,
        "save_address": posting and request.POST.get("save_address") == "1",
        "ships_message": priced.ships_message,
        "refreshing": refreshing,
    }
    if not posting or refreshing:
        # A refresh re-draws the address fields for the chosen country and keeps what was typed.
        return _page(request, "information.html", context)

    contact, shipping, billing = forms["contact_form"], forms["shipping_form"], forms["billing_form"]
    for form in (contact, shipping, billing):
        form.is_valid()  # the forms only parse; checkout.services checks
    shipping_data: dict[str, Any] = shipping.data_for_service()
    choice = request.POST.get("saved_address", NEW_ADDRESS)
    try:
        if customer is not None and choice != NEW_ADDRESS:
            try:
                address_id = int(choice)
            except ValueError:
                address_id = 0
            try:
                shipping_data = dict(
                    saved_addresses.address_get(store=store, customer=customer, address_id=address_id).data
                )
            except ApplicationError as exc:
                raise ApplicationError.for_field("saved_address", "Choose one of your saved addresses.") from exc
        services.checkout_update_information(
            store=store,
            checkout=checkout,
            email=contact.cleaned_data.get("email", ""),
            phone=contact.cleaned_data.get("phone", ""),
            extra_phone=contact.cleaned_data.get("extra_phone", ""),
            delivery_time=contact.cleaned_data.get("delivery_time", ""),
            shipping_address=shipping_data,
            billing_same=context["billing_same"],
            billing_address=billing.data_for_service(),
            save_address=bool(customer) and choice == NEW_ADDRESS and context["save_address"],
        )
    except ApplicationError as exc:
        add_service_errors(
            exc,
            {
                "shipping_address": shipping,
                "billing_address": billing,
                "save_address": shipping,
                "saved_address": shipping,
            },
            contact,
        )
        context["error_summary"] = exc.message
        return _page(request, "information.html", context, status=400)
    if not selectors.checkout_priced(store=store, checkout=checkout).ships_to_address:
        # Accepted and kept, but there is no way on from here: the page says why.
        return _see_other(INFORMATION_PATH)
    return _see_other(SHIPPING_PATH)


# --- 2. shipping ------------------------------------------------------------------------------


def _information_missing(priced: CheckoutPriced) -> bool:
    return any(name in priced.missing for name in ("email", "phone", "shipping_address"))


@require_http_methods(["GET", "POST"])
def shipping(request: StorefrontRequest) -> HttpResponseBase:
    found = _checkout(request)
    if found is None:
        return _empty_cart(request)
    checkout, priced = found
    if _information_missing(priced) or not priced.ships_to_address:
        return redirect(INFORMATION_PATH)
    context = {
        **_base_context(priced, "shipping"),
        "address_lines": address_lines(checkout.shipping_address),
        "chosen": priced.shipping_method.method_id
        if priced.shipping_method
        else (priced.shipping_options[0].method_id if priced.shipping_options else None),
        "error": "",
    }
    if request.method == "GET":
        return _page(request, "shipping.html", context)
    try:
        services.checkout_set_shipping_method(
            store=request.store, checkout=checkout, method_id=request.POST.get("method_id", "")
        )
    except ApplicationError as exc:
        context["error"] = " ".join(exc.fields.get("method_id", [exc.message]))
        return _page(request, "shipping.html", context, status=400)
    return _see_other(REVIEW_PATH)


# --- 3. review --------------------------------------------------------------------------------


def _review_context(checkout: Checkout, priced: CheckoutPriced) -> dict[str, Any]:
    return {
        **_base_context(priced, "review"),
        "checkout": checkout,
        "shipping_lines": address_lines(checkout.shipping_address),
        "billing_lines": address_lines(checkout.billing_address) if checkout.billing_address else [],
        "snapshot": signing.dumps(selectors.review_snapshot(priced), salt=_SNAPSHOT_SALT, compress=True),
        "changes": [],
        "problems": priced.problems,
    }


def _review_redirect(priced: CheckoutPriced) -> HttpResponseBase | None:
    """Back to the step that still lacks something, if any."""
    if _information_missing(priced) or not priced.ships_to_address:
        return redirect(INFORMATION_PATH)
    if "shipping_method" in priced.missing:
        return redirect(SHIPPING_PATH)
    return None


@require_http_methods(["GET"])
def review(request: StorefrontRequest) -> HttpResponseBase:
    found = _checkout(request)
    if found is None:
        return _empty_cart(request)
    checkout, priced = found
    back = _review_redirect(priced)
    if back is not None:
        return back
    return _page(request, "review.html", _review_context(checkout, priced), pays=True)


# --- 4. place and pay -------------------------------------------------------------------------


def _refused(request: StorefrontRequest, checkout: Checkout, changes: list[str], *, status: int) -> HttpResponseBase:
    """The review page again with fresh totals and what changed; nothing was placed or charged."""
    priced = selectors.checkout_priced(store=request.store, checkout=checkout)
    if not priced.lines:
        return _empty_cart(request)
    context = _review_context(checkout, priced)
    context["changes"] = changes
    return _page(request, "review.html", context, status=status, pays=True)


def _seen_snapshot(request: StorefrontRequest) -> Any:
    try:
        return signing.loads(request.POST.get("snapshot", ""), salt=_SNAPSHOT_SALT, max_age=_SNAPSHOT_MAX_AGE)
    except (signing.BadSignature, ValueError, UnicodeError):
        return None


def _pay(
    request: StorefrontRequest, order: Order, token: str, attempt: payment_services.Payment | None = None
) -> HttpResponseBase:
    """Send the buyer to pay the placed order (payments.services.payment_resume, outside any transaction).

    The provider's page, or the confirmation when nothing is to pay; the
    order's page when there is no payment to give (a second click without
    the order's link secret, or an order already paid). `attempt`: the
    payment attempt opened with a new order (order_place_for_payment).
    """
    try:
        payment = payment_services.payment_resume(store=request.store, order=order, token=token, attempt=attempt)
    except payment_services.PaymentUnavailable:
        context = {"order": order, "order_token": token, "signature": request.POST.get("signature", "")}
        response = _page(request, "payment_unavailable.html", context, status=503, pays=True)
        response["Retry-After"] = "10"
        return response
    except ApplicationError as exc:
        return _page(request, "placed.html", {"order": order, "message": exc.message}, status=409)
    if payment is None:
        return _page(request, "placed.html", {"order": order, "message": ""})
    return _see_other(payment.redirect_url)


@require_POST
def place(request: StorefrontRequest) -> HttpResponseBase:
    """Place the order from the reviewed checkout, then send the buyer to pay.

    A second click finds the order the first placed (order_place answers
    created=False): the buyer goes to the payment the first click opened.
    The retry form of the "provider unreachable" page posts the order's
    link secret (`order_token`) back, so the retry can start a payment.
    """
    cart = _shopper_cart(request)
    if cart is None:
        return _empty_cart(request)
    # Emptied by the order a first click placed, the cart keeps that order on its checkout; refilled, it starts anew.
    checkout = services.checkout_for_cart(store=request.store, cart=cart, customer=getattr(request, "customer", None))
    try:
        # The order and its first payment attempt commit together; the provider is called after (_pay).
        result = payment_services.order_place_for_payment(
            store=request.store,
            checkout=checkout,
            reviewed_signature=request.POST.get("signature", ""),
            actor=shopper_actor(request),
        )
    except order_services.CheckoutChanged as exc:
        priced = exc.priced or selectors.checkout_priced(store=request.store, checkout=checkout)
        changes = selectors.review_changes(_seen_snapshot(request), priced) or [
            "Your order changed since you reviewed it. Check the totals below, then pay."
        ]
        return _refused(request, checkout, changes, status=409)
    except InsufficientStock as exc:
        priced = selectors.checkout_priced(store=request.store, checkout=checkout)
        return _refused(request, checkout, selectors.stock_messages(exc.shortfalls, priced), status=409)
    except order_services.CheckoutIncomplete as exc:
        if exc.priced is not None and exc.priced.missing:
            # Something to fill in (a checkout reached in another tab): back to that step.
            return _review_redirect(exc.priced) or redirect(INFORMATION_PATH)
        # Sold out or fewer left since the review, a product withdrawn, a destination dropped: the page says which.
        return _refused(request, checkout, [], status=409)
    except ApplicationError as exc:
        found = [message for field_messages in exc.fields.values() for message in field_messages]
        return _refused(request, checkout, found or [exc.message], status=exc.status_code)
    # The order took the cart's lines: the header shows an empty cart from now on.
    remember_count(request, count=0)
    placed = result.placed
    if placed.created and placed.token:
        return _pay(request, placed.order, placed.token, result.attempt)
    return _pay(request, placed.order, request.POST.get("order_token", ""))
