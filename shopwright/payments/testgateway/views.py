"""The test provider's hosted pages on the platform host: the card form and the authentication step.

These pages belong to the "provider", not to any store: they hold the only
card form in Shopwright. The card number and CVC are never put back into a
page (after an error their fields are empty), never logged (the POST
parameters are marked sensitive, so an error report hides them) and never
stored: `card_check` keeps only the brand and the last four digits.

Each answer carries its own Content-Security-Policy: the form may post
here and the page may then send the buyer (303) to the store's return URL,
which `form-action 'self'` alone would block in browsers that apply it to
redirects.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from shopwright.catalog.display import format_money
from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.core.security import allow_form_targets
from shopwright.payments.models import TestGatewayPayment, TestGatewayStatus
from shopwright.payments.testgateway import services as gateway
from shopwright.stores.selectors import store_name_for_id

CARD_FIELDS = ("number", "expiry", "cvc", "name")
_FAILURES = {
    "card_declined": "Your card was declined. Try another card.",
    "authentication_failed": "The authentication failed. Try again or use another card.",
}


def _with_policy(response: HttpResponse, payment: TestGatewayPayment) -> HttpResponse:
    return allow_form_targets(response, [payment.return_url])


def _payment(payment_id: str) -> TestGatewayPayment:
    try:
        return gateway.page_payment(payment_id=payment_id)
    except NotFound as exc:
        raise Http404 from exc


def _back_to_store(payment: TestGatewayPayment) -> HttpResponse:
    return _with_policy(HttpResponseRedirect(payment.return_url, status=303), payment)


def _to_authentication(payment: TestGatewayPayment) -> HttpResponse:
    return _with_policy(HttpResponseRedirect(f"/testpay/{payment.id}/authenticate/", status=303), payment)


def _context(payment: TestGatewayPayment, **extra: Any) -> dict[str, Any]:
    return {
        "payment": payment,
        "merchant": store_name_for_id(store_id=payment.account) or "the merchant",
        "amount": format_money(payment.amount, payment.currency),
        **extra,
    }


def _closed_page(request: HttpRequest, payment: TestGatewayPayment, *, status: int = 200) -> HttpResponse:
    """An expired or cancelled payment: no card form, nothing charged, a way back to the store."""
    context = _context(payment, expired=gateway.status_now(payment) == TestGatewayStatus.EXPIRED)
    return _with_policy(render(request, "payments/testgateway/closed.html", context, status=status), payment)


def _form_page(request: HttpRequest, payment: TestGatewayPayment, *, status: int = 200, **extra: Any) -> HttpResponse:
    notice = _FAILURES.get(payment.failure_code, "") if payment.status == TestGatewayStatus.FAILED else ""
    context = _context(payment, **{"notice": notice, "errors": {}, "values": {}, **extra})
    return _with_policy(render(request, "payments/testgateway/pay.html", context, status=status), payment)


@never_cache
@sensitive_post_parameters(*CARD_FIELDS)
@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest, payment_id: str) -> HttpResponse:
    payment = _payment(payment_id)
    if gateway.status_now(payment) in gateway.CLOSED:
        # Past its time, or closed by the store: the card is not asked for, let alone charged.
        return _closed_page(request, payment, status=200 if request.method == "GET" else 410)
    if payment.status == TestGatewayStatus.REQUIRES_ACTION:
        return _to_authentication(payment)
    if request.method == "GET":
        if payment.status == TestGatewayStatus.SUCCEEDED:
            page = render(request, "payments/testgateway/paid.html", _context(payment))
            return _with_policy(page, payment)
        return _form_page(request, payment)
    if payment.status == TestGatewayStatus.SUCCEEDED:
        return _back_to_store(payment)  # a second submit: paid once, nothing charged again
    try:
        card = gateway.card_check(
            number=request.POST.get("number", ""),
            expiry=request.POST.get("expiry", ""),
            cvc=request.POST.get("cvc", ""),
            name=request.POST.get("name", ""),
        )
    except ApplicationError as exc:
        # Only the expiry and the name come back; the number and CVC are typed again.
        values = {"expiry": request.POST.get("expiry", "")[:10], "name": request.POST.get("name", "")[:100]}
        return _form_page(request, payment, status=400, errors=exc.fields, values=values)
    # The row read above is updated in place when the card is charged: not read again.
    payment = gateway.card_submit(payment_id=payment.id, card=card, read=payment)
    if payment.status == TestGatewayStatus.SUCCEEDED:
        return _back_to_store(payment)
    if payment.status == TestGatewayStatus.REQUIRES_ACTION:
        return _to_authentication(payment)
    if payment.status in gateway.CLOSED:
        return _closed_page(request, payment, status=410)  # it expired while the buyer typed
    # Declined: the same page again with the reason; the buyer may try another card. The name on
    # the card is kept for that; the number and CVC never come back into a page.
    return _form_page(request, payment, status=402, values={"name": request.POST.get("name", "")[:100]})


@never_cache
@require_http_methods(["GET", "POST"])
def authenticate(request: HttpRequest, payment_id: str) -> HttpResponse:
    """The "bank's" extra step: two buttons, no JavaScript."""
    payment = _payment(payment_id)
    if gateway.status_now(payment) != TestGatewayStatus.REQUIRES_ACTION:
        if payment.status == TestGatewayStatus.SUCCEEDED and request.method == "POST":
            return _back_to_store(payment)
        return _with_policy(HttpResponseRedirect(f"/testpay/{payment.id}/", status=303), payment)
    if request.method == "GET":
        page = render(request, "payments/testgateway/authenticate.html", _context(payment))
        return _with_policy(page, payment)
    outcome = request.POST.get("outcome")
    if outcome not in ("complete", "fail"):
        page = render(
            request,
            "payments/testgateway/authenticate.html",
            _context(payment, error="Choose one of the two buttons."),
            status=400,
        )
        return _with_policy(page, payment)
    payment = gateway.authentication_finish(payment_id=payment.id, complete=outcome == "complete")
    if payment.status == TestGatewayStatus.SUCCEEDED:
        return _back_to_store(payment)
    if payment.status in gateway.CLOSED:
        return _closed_page(request, payment, status=410)
    return _with_policy(HttpResponseRedirect(f"/testpay/{payment.id}/", status=303), payment)
