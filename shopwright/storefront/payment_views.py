"""The buyer's payment-return page, `/orders/<token>/payment/`: where the provider sends the buyer back.

GET asks the provider for the latest attempt's state (payment_sync, outside
any transaction, at most every few seconds: the webhook may not have
arrived yet) and says where the payment stands: paid, declined (with "Try
again"), or still waiting. POST ("Try again", "Pay now") resumes the
order's payable attempt (after a decline its provider page takes another
card) or starts one, and sends the buyer (303) to the provider's page.

Like the order status page, this page is private to the holder of the
link: never cached, indexed or referred from.

A form whose answer is a 303 to another origin must have that origin in
the page's CSP `form-action` (browsers apply it to the redirect), so these
pages allow the provider's page origin; `allow_payment_redirects` does the
same for any store page whose form leads to the provider (checkout's
"Place order").
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.core.requests import StorefrontRequest
from shopwright.core.security import allow_form_targets
from shopwright.orders.models import Order, OrderStatus
from shopwright.payments import selectors, services
from shopwright.payments.models import Payment, PaymentStatus
from shopwright.payments.providers.registry import provider_for
from shopwright.storefront.order_views import order_not_found, private_page
from shopwright.stores.models import Store

PAID_STATUSES = {
    OrderStatus.PAID,
    OrderStatus.PARTIALLY_FULFILLED,
    OrderStatus.FULFILLED,
    OrderStatus.PARTIALLY_REFUNDED,
    OrderStatus.REFUNDED,
}
_DECLINE_REASONS = {
    "card_declined": "The card was declined.",
    "authentication_failed": "The extra authentication did not succeed.",
    "provider_unavailable": "The payment provider could not be reached.",
    "async_payment_failed": "The payment did not go through.",
    # Attempts closed before they were paid (payments.services): "Try again" starts a fresh one.
    "expired": "The payment page expired.",
    "provider_changed": "The store has changed its payment provider.",
    "replaced": "The payment page was closed.",
}


def allow_payment_redirects(response: HttpResponse, *, store: Store, also: str = "") -> HttpResponse:
    """Let this page's forms lead (303) to the store's payment provider, and to `also` (a known redirect URL)."""
    return allow_form_targets(response, [provider_for(store).page_origin, also])


def provider_redirect(payment: Payment, *, store: Store) -> HttpResponse:
    """The 303 that sends the buyer to the provider's hosted page."""
    return allow_payment_redirects(
        HttpResponseRedirect(payment.redirect_url, status=303), store=store, also=payment.redirect_url
    )


def _state(order: Order, payment: Payment | None) -> str:
    if order.status in PAID_STATUSES:
        return "paid"
    if not services.order_payable(order):
        return "closed"
    if payment is None:
        return "unpaid"
    if payment.status in (PaymentStatus.FAILED, PaymentStatus.CANCELLED) or not payment.redirect_url:
        return "declined"
    if payment.status == PaymentStatus.SUCCEEDED:
        return "confirming"  # paid at the provider, the order not yet updated
    return "waiting"


# The pages with a form that leads to the provider ("Pay now", "Try again"); the others keep
# form-action to this site alone, and need not ask which provider the store uses.
_PAY_FORM_STATES = frozenset({"unpaid", "declined"})


def _page(
    request: StorefrontRequest,
    order: Order,
    token: str,
    payment: Payment | None,
    *,
    status: int = 200,
    message: str = "",
) -> HttpResponse:
    state = _state(order, payment)
    context: dict[str, Any] = {
        "order": order,
        "token": token,
        "payment": payment,
        "state": state,
        "message": message,
        "reason": _DECLINE_REASONS.get(payment.failure_code, "") if payment else "",
    }
    page = render(request, f"storefront/orders/payment_{state}.html", context, status=status)
    if state in _PAY_FORM_STATES:
        # Its form's answer is a 303 to the provider's page, which the browser checks against form-action.
        also = payment.redirect_url if payment is not None else ""
        page = allow_payment_redirects(page, store=request.store, also=also)
    return _private_form_page(page)


def _private_form_page(response: HttpResponse) -> HttpResponse:
    """Private like the order status page, but with `same-origin` referrers instead of none.

    Under `no-referrer` a browser sends `Origin: null` with the page's own
    form, which Django's CSRF check refuses; `same-origin` still sends no
    Referer (with the token in its path) to the provider or anyone else.
    """
    response = private_page(response)
    response["Referrer-Policy"] = "same-origin"
    return response


@require_http_methods(["GET", "POST"])
def order_payment(request: StorefrontRequest, token: str) -> HttpResponse:
    try:
        # Only what this page shows (number, status, hold) and the latest attempt: one query, not the detail.
        order, latest = selectors.order_for_return_page(store=request.store, token=token)
    except NotFound as exc:
        return order_not_found(request, exc)
    if request.method == "POST":
        return_url = services.payment_return_url(store=request.store, token=token)
        try:
            payment = services.payment_start(store=request.store, order=order, return_url=return_url)
        except services.PaymentUnavailable as exc:
            latest = selectors.latest_payment(store=request.store, order=order)
            response = _page(request, order, token, latest, status=503, message=exc.message)
            response["Retry-After"] = "10"
            return response
        except ApplicationError as exc:
            order.refresh_from_db(fields=["status", "reserved_until"])
            latest = selectors.latest_payment(store=request.store, order=order)
            return _page(request, order, token, latest, status=409, message=exc.message)
        return _private_form_page(provider_redirect(payment, store=request.store))
    if latest is not None:
        latest = services.payment_sync(store=request.store, payment=latest)
        # The order as the sync left it (read under its lock when the provider was asked): not read again.
        order = latest.order
    return _page(request, order, token, latest)
