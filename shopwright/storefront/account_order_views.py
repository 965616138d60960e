"""The personal center's orders: `/account/orders/` (newest first, paginated) and `/account/orders/<number>/`.

Only the signed-in customer's own orders: another customer's order number
is a 404, the same as one that does not exist. The detail is the same as
the order link's page (`order_views.buyer_order_context`), and like it is
never cached nor indexed.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from shopwright.catalog.selectors import page_number_checked
from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.core.requests import CustomerRequest
from shopwright.orders import display, selectors
from shopwright.storefront.order_views import buyer_order_context, order_not_found, private_page
from shopwright.storefront.views import customer_required


@customer_required
@require_GET
def account_orders(request: CustomerRequest) -> HttpResponse:
    try:
        number = page_number_checked(request.GET.get("page"))
        listing = selectors.orders_for_customer(store=request.store, customer=request.customer, page=number)
    except NotFound as exc:  # an ApplicationError too: caught first
        return order_not_found(request, exc)
    except ApplicationError as exc:
        response = render(
            request,
            "storefront/account/orders.html",
            {"customer": request.customer, "listing": None, "rows": [], "error": exc.message},
            status=400,
        )
        return private_page(response)
    rows = display.buyer_list_rows(listing.rows)
    return private_page(
        render(
            request,
            "storefront/account/orders.html",
            {"customer": request.customer, "listing": listing, "rows": rows, "error": ""},
        )
    )


@customer_required
@require_GET
def account_order(request: CustomerRequest, number: int) -> HttpResponse:
    try:
        order = selectors.order_for_customer(store=request.store, customer=request.customer, number=number)
    except NotFound as exc:
        return order_not_found(request, exc)
    context = {"customer": request.customer, **buyer_order_context(order)}
    return private_page(render(request, "storefront/account/orders_detail.html", context))
