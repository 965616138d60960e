"""The buyer's order status page, `/orders/<token>/`: what the link in the confirmation email opens.

The token is the order's secret given at placement, or the signed link the
order emails carry (orders.links, valid as long as the order is kept);
whoever holds the link is treated as the buyer (who is the subject of the
order's personal data, so nothing is masked). An unknown, forged or
expired link is a 404, like an order of another store.

These pages are private to one buyer: they are never cached (not by the
storefront's page cache, which only serves views that ask for it, nor by
a browser or a proxy: `Cache-Control: private, no-store`), never indexed
(`noindex`), and send no Referer, since the address itself is the secret
and the page links out to carriers' tracking sites.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.views.decorators.http import require_GET

from shopwright.core.exceptions import NotFound
from shopwright.core.requests import StorefrontRequest
from shopwright.orders import display, selectors
from shopwright.orders.models import Order, OrderStatus


def private_page(response: HttpResponse) -> HttpResponse:
    """Mark an answer about one buyer's order as never to be stored or indexed, nor its address referred.

    `same-origin`, not `no-referrer`: the address (which may hold the order
    link's secret) never goes to another site, while the page's own forms
    (sign out in the header, pay) still carry their Origin; under
    `no-referrer` browsers send `Origin: null` and Django's CSRF check
    refuses them.
    """
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "same-origin"
    return response


def buyer_order_context(order: Order) -> dict[str, Any]:
    """What the buyer's order pages (link and personal center) show; reads only what `order_detail` loaded."""
    currency = order.currency
    return {
        "order": order,
        "status_label": display.buyer_status_label(order.status),
        "tone": display.status_tone(order.status),
        "lines": [
            {
                "line": line,
                "price": display.money(line.unit_price, currency),
                "total": display.money(line.line_total, currency),
            }
            for line in order.lines.all()
        ],
        "tax_rows": display.tax_rows(order),
        "totals": {
            "subtotal": display.money(order.subtotal, currency),
            "shipping": display.money(order.shipping_total, currency),
            "tax": display.money(order.tax_total, currency),
            "total": display.money(order.total, currency),
            "refunded": display.money(order.refunded_total, currency) if order.refunded_total else "",
        },
        # The buyer is the subject of these details: shown in full.
        "contact": display.order_contact(order, revealed=True),
        "payment_state": display.payment_state(order),
        "shipments": display.shipments(order),
        "timeline": display.buyer_timeline(order, list(order.events.all())),
    }


@require_GET
def order_status(request: StorefrontRequest, token: str) -> HttpResponse:
    try:
        order = selectors.order_for_token(store=request.store, token=token)
    except NotFound as exc:
        return order_not_found(request, exc)
    context = buyer_order_context(order)
    if order.status == OrderStatus.PENDING_PAYMENT:
        # The payment page (payment_views) starts or resumes the payment at the provider.
        context["pay_url"] = f"/orders/{token}/payment/"
    return private_page(render(request, "storefront/orders/status.html", context))


def order_not_found(request: StorefrontRequest, exc: NotFound) -> HttpResponse:
    """The store's own 404 page (noindex), with the same private headers: a guessed link learns nothing."""
    return private_page(render(request, "storefront/catalog_not_found.html", {"message": exc.message}, status=404))
