"""Back-office order pages: the list with filters, one order, and its actions.

Who may do what (any member of the store may view):
- view, reveal the buyer's details (audited) and fulfil: owner, admin, staff —
  the people who pack parcels need the delivery address;
- refund and cancel: owner and admin only, as they move money back to the buyer.

Orders are looked up by number within the current store, so another
store's order number is a 404. Every action is a POST (CSRF-checked); bad
input re-renders the order page with the form's messages and status 400,
and changes nothing. The buyer's details are masked on every page; the
"Reveal" button writes an audit entry and shows them in that one answer
only, so reloading the page masks them again.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from shopwright.backoffice.order_forms import CancelForm, FulfilForm, OrderFilterForm, RefundForm
from shopwright.backoffice.views import StorePageRequest, _ctx, store_page
from shopwright.catalog.selectors import page_number_checked
from shopwright.core.audit import Actor, audit_record
from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.core.forms import form_add_service_errors
from shopwright.core.requests import client_ip
from shopwright.orders import display, merchant_selectors, selectors
from shopwright.orders.models import Order
from shopwright.orders.services import order_fulfil
from shopwright.payments.models import PaymentStatus, RefundStatus
from shopwright.payments.services import PaymentUnavailable, order_cancel_with_refund, refund_create
from shopwright.stores.models import Role, Store

FULFIL_ROLES: set[str] = {Role.OWNER, Role.ADMIN, Role.STAFF}
MONEY_ROLES: set[str] = {Role.OWNER, Role.ADMIN}


def _store(request: StorePageRequest) -> Store:
    return request.membership.store


# --- the list ---------------------------------------------------------------------------------


@store_page()
@require_GET
def order_list(request: StorePageRequest) -> HttpResponse:
    store = _store(request)
    form = OrderFilterForm(request.GET)
    page_error = ""
    try:
        number = page_number_checked(request.GET.get("page"))
    except NotFound as exc:  # more digits than a number holds: past the end
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        page_error, number = exc.message, 1
    listing = None
    if form.is_valid() and not page_error:
        try:
            listing = merchant_selectors.order_page_for_office(store=store, filters=form.filters(), page=number)
        except NotFound as exc:
            raise Http404(exc.message) from exc
    rows = [
        {
            "order": order,
            "customer": display.customer_masked(order),
            "status": display.status_label(order.status),
            "tone": display.status_tone(order.status),
            "total": display.money(order.total, order.currency),
        }
        for order in (listing.orders if listing else [])
    ]
    params = {k: v for k, v in request.GET.items() if k != "page" and v}
    return render(
        request,
        "backoffice/orders/list.html",
        _ctx(
            request,
            form=form,
            rows=rows,
            listing=listing,
            page_links=merchant_selectors.page_links(listing) if listing else [],
            page_error=page_error,
            filters=urlencode(params) + "&" if params else "",
            filtered=bool(params),
        ),
        status=200 if listing is not None else 400,
    )


# --- one order ----------------------------------------------------------------------------------


def _order(request: StorePageRequest, number: int) -> Order:
    try:
        return selectors.order_for_number(store=_store(request), number=number)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _can(request: StorePageRequest, roles: set[str]) -> bool:
    return request.membership.role in roles


def _line_rows(order: Order) -> list[dict[str, Any]]:
    return [
        {
            "line": line,
            "price": display.money(line.unit_price, order.currency),
            "total": display.money(line.line_total, order.currency),
            "left": line.quantity - line.quantity_fulfilled,
        }
        for line in order.lines.all()
    ]


def _render_detail(
    request: StorePageRequest,
    order: Order,
    *,
    revealed: bool = False,
    fulfil_form: FulfilForm | None = None,
    refund_form: RefundForm | None = None,
    cancel_form: CancelForm | None = None,
    status: int = 200,
) -> HttpResponse:
    # What the order's state allows, by the rules its services check; the member's role narrows it.
    actions = selectors.order_actions(order)
    refundable = actions.refundable
    payments = list(order.payments.all())
    lines = list(order.lines.all())
    can_fulfil = _can(request, FULFIL_ROLES) and actions.can_fulfil
    can_refund = _can(request, MONEY_ROLES) and actions.can_refund
    can_cancel = _can(request, MONEY_ROLES) and actions.can_cancel
    # Cancelling a paid order refunds first what is left of it (payments.services.order_cancel_with_refund).
    cancel_refund = refundable if actions.can_refund else Decimal(0)
    if can_fulfil and fulfil_form is None:
        fulfil_form = FulfilForm(lines=lines)
    if can_refund and refund_form is None:
        refund_form = RefundForm(
            refundable=refundable,
            currency=order.currency,
            initial={"amount": display.amount_text(refundable, order.currency)},
        )
    if can_cancel and cancel_form is None:
        cancel_form = CancelForm()
    names = merchant_selectors.timeline_actor_names(order=order, viewer=request.user)
    return render(
        request,
        "backoffice/orders/detail.html",
        _ctx(
            request,
            order=order,
            status_label=display.status_label(order.status),
            tone=display.status_tone(order.status),
            lines=_line_rows(order),
            # Each tax once ("Incl. VAT 19% (DE)" when the prices included it), as the buyer's page and emails say.
            tax_rows=display.tax_rows(order),
            totals={
                "subtotal": display.money(order.subtotal, order.currency),
                "shipping": display.money(order.shipping_total, order.currency),
                "tax": display.money(order.tax_total, order.currency),
                "total": display.money(order.total, order.currency),
                "refunded": display.money(order.refunded_total, order.currency) if order.refunded_total else "",
                "refundable": display.money(refundable, order.currency),
            },
            contact=display.order_contact(order, revealed=revealed),
            payments=[
                {
                    "payment": p,
                    "amount": display.money(p.amount, p.currency),
                    "reference": display.reference_masked(p.reference),
                    "succeeded": p.status == PaymentStatus.SUCCEEDED,
                }
                for p in payments
            ],
            refunds=[
                {
                    "refund": r,
                    "amount": display.money(r.amount, order.currency),
                    "pending": r.status == RefundStatus.PENDING,
                }
                for r in order.refunds.all()
            ],
            shipments=display.shipments(order),
            timeline=display.merchant_timeline(order, list(order.events.all()), actor_names=names),
            # A form that was just sent is shown with its messages even when the action is no longer offered.
            fulfil_form=fulfil_form if can_fulfil or (fulfil_form and fulfil_form.is_bound) else None,
            refund_form=refund_form if can_refund or (refund_form and refund_form.is_bound) else None,
            cancel_form=cancel_form if can_cancel or (cancel_form and cancel_form.is_bound) else None,
            cancel_refund=display.money(cancel_refund, order.currency) if cancel_refund > 0 else "",
            money_role=_can(request, MONEY_ROLES),
        ),
        status=status,
    )


@store_page()
@require_GET
def order_detail(request: StorePageRequest, number: int) -> HttpResponse:
    return _render_detail(request, _order(request, number))


@store_page()
@require_POST
def order_reveal(request: StorePageRequest, number: int) -> HttpResponse:
    """The buyer's details in full, in this answer only; the audit log says who looked, and when.

    Refused (403) for an order whose buyer was erased: it keeps nothing to show.
    """
    order = _order(request, number)
    if order.subject_erased_at is not None:
        messages.error(request, "This customer's data was deleted at their request; there is nothing to reveal.")
        response = _render_detail(request, order)
        response.status_code = 403
        return response
    audit_record(
        action="order.customer_revealed",
        actor=Actor.user(request.user),
        store=_store(request),
        obj=order,
        ip=client_ip(request),
        details={"number": order.number},
    )
    response = _render_detail(request, order, revealed=True)
    # The revealed page must not be kept by the browser or a proxy and come back after the fact.
    response["Cache-Control"] = "no-store"
    return response


@store_page(roles=FULFIL_ROLES)
@require_POST
def order_fulfil_view(request: StorePageRequest, number: int) -> HttpResponse:
    order = _order(request, number)
    form = FulfilForm(request.POST, lines=list(order.lines.all()))
    if not form.is_valid():
        return _render_detail(request, order, fulfil_form=form, status=400)
    try:
        order_fulfil(
            store=_store(request),
            order=order,
            actor=Actor.user(request.user),
            carrier=form.cleaned_data["carrier"],
            tracking_number=form.cleaned_data["tracking_number"],
            tracking_url=form.cleaned_data.get("tracking_url") or "",
            quantities=form.quantities(),
        )
    except ApplicationError as exc:
        form_add_service_errors(form, exc)
        return _render_detail(request, _order(request, number), fulfil_form=form, status=400)
    messages.success(request, f"Order #{order.number} is marked as shipped.")
    return redirect("backoffice:order_detail", number=order.number)


@store_page(roles=MONEY_ROLES)
@require_POST
def order_refund_view(request: StorePageRequest, number: int) -> HttpResponse:
    order = _order(request, number)
    form = RefundForm(request.POST, refundable=selectors.order_actions(order).refundable, currency=order.currency)
    if not form.is_valid():
        return _render_detail(request, order, refund_form=form, status=400)
    try:
        refund = refund_create(
            store=_store(request),
            order=order,
            amount=form.cleaned_data["amount"],
            reason=form.cleaned_data["reason"],
            actor=Actor.user(request.user),
        )
    except PaymentUnavailable as exc:
        # The refund is recorded as pending and a job retries it: not the merchant's input to correct.
        messages.warning(request, exc.message)
        return redirect("backoffice:order_detail", number=order.number)
    except ApplicationError as exc:
        form_add_service_errors(form, exc)
        return _render_detail(request, _order(request, number), refund_form=form, status=400)
    amount = display.money(refund.amount, order.currency)
    if refund.status == RefundStatus.SUCCEEDED:
        messages.success(request, f"{amount} is refunded.")
    elif refund.status == RefundStatus.FAILED:
        messages.error(request, f"The provider refused the refund of {amount}.")
    else:
        messages.info(request, f"The refund of {amount} is on its way; the provider will confirm it.")
    return redirect("backoffice:order_detail", number=order.number)


@store_page(roles=MONEY_ROLES)
@require_POST
def order_cancel_view(request: StorePageRequest, number: int) -> HttpResponse:
    """Cancel; payments.services.order_cancel_with_refund refunds a paid order first, then cancels (which restocks)."""
    order = _order(request, number)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, order, cancel_form=form, status=400)
    try:
        done = order_cancel_with_refund(
            store=_store(request), order=order, actor=Actor.user(request.user), reason=form.cleaned_data["reason"]
        )
    except PaymentUnavailable as exc:
        messages.warning(request, f"{exc.message} The order is not cancelled yet: cancel it once it is refunded.")
        return redirect("backoffice:order_detail", number=order.number)
    except ApplicationError as exc:
        form_add_service_errors(form, exc)
        return _render_detail(request, _order(request, number), cancel_form=form, status=400)
    if not done.cancelled:
        assert done.refund is not None  # only an unsettled refund stops the cancellation
        amount = display.money(done.refund.amount, order.currency)
        if done.refund.status == RefundStatus.FAILED:
            messages.error(request, f"The provider refused the refund of {amount}: the order is not cancelled.")
        else:
            messages.warning(request, f"The refund of {amount} is not confirmed yet; cancel the order once it is.")
        return redirect("backoffice:order_detail", number=order.number)
    messages.success(request, f"Order #{order.number} is cancelled.")
    return redirect("backoffice:order_detail", number=order.number)
