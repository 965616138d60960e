"""REST endpoints of orders (django-ninja router, mounted in shopwright/api.py at /api/v1/storefront/orders).

The signed-in customer's own orders at this store (bearer token or session,
as the customer API): the list, newest first, and one order with what the
personal center shows. Another customer's order number answers 404, like
one that does not exist. Amounts are decimal strings with the order
currency's places, never floats. The customer is the subject of these
orders, so nothing is masked.
"""

from __future__ import annotations

import datetime

from ninja import Field, Query, Router

from shopwright.core.api import ERRORS, ApiSchema
from shopwright.customers.api import CustomerApiRequest, customer_auth
from shopwright.orders import display, selectors
from shopwright.orders.models import Order

router = Router(tags=["orders"])


class OrderSummaryOut(ApiSchema):
    number: int
    created_at: datetime.datetime
    status: str = Field(description="pending_payment, paid, partially_fulfilled, fulfilled, cancelled, ...")
    status_label: str
    currency: str = Field(description="ISO 4217 code the order was placed in.")
    total: str = Field(description='A decimal number as a string, e.g. "19.90"; never a float.')
    item_count: int = Field(description="Units ordered, over all lines.")


class OrderPageOut(ApiSchema):
    number: int
    num_pages: int
    per_page: int
    total: int


class OrderListOut(ApiSchema):
    page: OrderPageOut
    orders: list[OrderSummaryOut]


class OrderLineOut(ApiSchema):
    product_title: str
    variant_title: str
    sku: str
    unit_price: str
    quantity: int
    quantity_shipped: int
    line_total: str


class TaxLineOut(ApiSchema):
    name: str
    rate: str = Field(description='Percent, as a string ("19.0000").')
    amount: str


class ShipmentItemOut(ApiSchema):
    product_title: str
    variant_title: str
    sku: str
    quantity: int


class ShipmentOut(ApiSchema):
    carrier: str
    tracking_number: str
    tracking_url: str
    created_at: datetime.datetime
    items: list[ShipmentItemOut]


class OrderEventOut(ApiSchema):
    kind: str = Field(description="placed, paid, fulfilled, refunded or cancelled.")
    label: str
    details: str
    created_at: datetime.datetime


class AddressOut(ApiSchema):
    name: str = ""
    company: str = ""
    street_address: str = ""
    city: str = ""
    city_area: str = ""
    country_area: str = ""
    postal_code: str = ""
    country: str = ""


class OrderOut(OrderSummaryOut):
    subtotal: str
    shipping_total: str
    tax_total: str
    refunded_total: str
    prices_include_tax: bool
    shipping_method: str
    email: str
    phone: str
    delivery_time: str
    shipping_address: AddressOut
    billing_address: AddressOut | None = Field(description="null when billing goes to the delivery address.")
    payment_state: str
    lines: list[OrderLineOut]
    tax_lines: list[TaxLineOut]
    shipments: list[ShipmentOut]
    events: list[OrderEventOut] = Field(description="What happened to the order, newest first.")


class OrdersQuery(ApiSchema):
    page: int = Field(1, ge=1, description=f"{selectors.CUSTOMER_PAGE_SIZE} orders per page.")


def _address(value: object) -> AddressOut:
    data = value if isinstance(value, dict) else {}
    return AddressOut(**{k: str(data.get(k) or "") for k in AddressOut.model_fields})


def _order(order: Order) -> OrderOut:
    cur = order.currency
    lines = list(order.lines.all())
    return OrderOut(
        number=order.number,
        created_at=order.created_at,
        status=order.status,
        status_label=display.buyer_status_label(order.status),
        currency=cur,
        total=display.amount_text(order.total, cur),
        item_count=sum(line.quantity for line in lines),
        subtotal=display.amount_text(order.subtotal, cur),
        shipping_total=display.amount_text(order.shipping_total, cur),
        tax_total=display.amount_text(order.tax_total, cur),
        refunded_total=display.amount_text(order.refunded_total, cur),
        prices_include_tax=order.prices_include_tax,
        shipping_method=order.shipping_method_name,
        email=order.email,
        phone=order.phone,
        delivery_time=order.delivery_time,
        shipping_address=_address(order.shipping_address),
        billing_address=_address(order.billing_address) if order.billing_address else None,
        payment_state=display.payment_state(order),
        lines=[
            OrderLineOut(
                product_title=line.product_title,
                variant_title=line.variant_title,
                sku=line.sku,
                unit_price=display.amount_text(line.unit_price, cur),
                quantity=line.quantity,
                quantity_shipped=line.quantity_fulfilled,
                line_total=display.amount_text(line.line_total, cur),
            )
            for line in lines
        ],
        tax_lines=[
            TaxLineOut(name=t.name, rate=str(t.rate), amount=display.amount_text(t.amount, cur))
            for t in order.tax_lines.all()
        ],
        shipments=[
            ShipmentOut(
                carrier=s.carrier,
                tracking_number=s.tracking_number,
                tracking_url=s.link,
                created_at=s.created_at,
                items=[
                    ShipmentItemOut(product_title=i.title, variant_title=i.variant, sku=i.sku, quantity=i.quantity)
                    for i in s.items
                ],
            )
            for s in display.shipments(order)
        ],
        events=[
            OrderEventOut(kind=e.kind, label=e.label, details=e.details, created_at=e.at)
            for e in display.buyer_timeline(order, list(order.events.all()))
        ],
    )


@router.get("", auth=customer_auth, response={200: OrderListOut, **ERRORS}, summary="My orders at this store")
def orders_list(request: CustomerApiRequest, query: Query[OrdersQuery]) -> OrderListOut:
    """The signed-in customer's orders, newest first; a page past the last is 404."""
    listing = selectors.orders_for_customer(store=request.store, customer=request.auth, page=query.page)
    return OrderListOut(
        page=OrderPageOut(
            number=listing.number,
            num_pages=listing.num_pages,
            per_page=selectors.CUSTOMER_PAGE_SIZE,
            total=listing.total,
        ),
        orders=[
            OrderSummaryOut(
                number=row.number,
                created_at=row.created_at,
                status=row.status,
                status_label=display.buyer_status_label(row.status),
                currency=row.currency,
                total=display.amount_text(row.total, row.currency),
                item_count=row.item_count,
            )
            for row in listing.rows
        ],
    )


@router.get("/{number}", auth=customer_auth, response={200: OrderOut, **ERRORS}, summary="One of my orders")
def order_get(request: CustomerApiRequest, number: int) -> OrderOut:
    """One of the signed-in customer's orders by its number; anyone else's is 404."""
    order = selectors.order_for_customer(store=request.store, customer=request.auth, number=number)
    return _order(order)
