"""How an order is shown: its status badge, its timeline entries, and its buyer's details masked or in full.

Pure functions over rows already loaded (no queries), shared by the back
office, the buyer's pages and the API, so every place names a status or an
event the same way.

Masking: merchant pages show an order's personal fields masked unless a
member revealed them (which the view audits). The buyer is the subject of
their own order and always sees it in full. Country and region stay plain:
they are kept plain on the order for tax reports and name nobody alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from shopwright.catalog.display import format_money
from shopwright.catalog.money import in_minor_units
from shopwright.core.addresses import address_lines
from shopwright.core.masking import mask_email, mask_name, mask_phone, mask_text
from shopwright.orders.models import Order, OrderEvent, OrderEventKind, OrderLine, OrderStatus, OrderTaxLine
from shopwright.payments.display import card_brand_name
from shopwright.payments.models import PaymentStatus

if TYPE_CHECKING:
    from shopwright.orders.selectors import CustomerOrderRow

# A status's tone, for its badge's colour (the CSS class `status-<tone>`).
STATUS_TONES: dict[str, str] = {
    OrderStatus.PENDING_PAYMENT: "waiting",
    OrderStatus.PAID: "active",
    OrderStatus.PARTIALLY_FULFILLED: "active",
    OrderStatus.FULFILLED: "done",
    OrderStatus.CANCELLED: "closed",
    OrderStatus.PARTIALLY_REFUNDED: "waiting",
    OrderStatus.REFUNDED: "closed",
}

# What a buyer is told about their order's status: the merchant's labels are terse back-office words.
BUYER_STATUS_LABELS: dict[str, str] = {
    OrderStatus.PENDING_PAYMENT: "Waiting for payment",
    OrderStatus.PAID: "Paid — being prepared",
    OrderStatus.PARTIALLY_FULFILLED: "Partly shipped",
    OrderStatus.FULFILLED: "Shipped",
    OrderStatus.CANCELLED: "Cancelled",
    OrderStatus.PARTIALLY_REFUNDED: "Partly refunded",
    OrderStatus.REFUNDED: "Refunded",
}

# The timeline entries a buyer sees; the rest (payment attempts, restocking, emails,
# notes, failed refunds) are the merchant's bookkeeping.
BUYER_EVENT_LABELS: dict[str, str] = {
    OrderEventKind.PLACED: "Order placed",
    OrderEventKind.PAID: "Payment received",
    OrderEventKind.FULFILLED: "Shipped",
    OrderEventKind.REFUNDED: "Refund issued",
    OrderEventKind.CANCELLED: "Order cancelled",
}

# Who acted, by the actor type an event keeps (core.audit.Actor, plus "provider").
ACTOR_LABELS: dict[str, str] = {
    "user": "Store staff",
    "customer": "Customer",
    "system": "Shopwright",
    "provider": "Payment provider",
    "anonymous": "Buyer",
}

# Keys of an event's `data` that a timeline shows, in this order, with their label. Money keys
# are formatted in the order's currency; others are codes or numbers (never personal data).
_MONEY_KEYS = ("amount", "refunded_total", "total")
_DETAIL_KEYS: dict[str, str] = {
    "amount": "",
    "provider": "via",
    "carrier": "carrier",
    "tracking_number": "tracking",
    "quantity": "units",
    "units": "units",
    "code": "code",
    "failure_code": "code",
    "reason": "reason",
    "email": "",  # which email was queued ("order_shipped"), never an address
}
# Keys whose values are machine codes, shown with spaces ("reservation expired").
_CODE_KEYS = ("code", "failure_code", "email")


def status_label(status: str) -> str:
    return OrderStatus(status).label if status in OrderStatus.values else status


def status_tone(status: str) -> str:
    return STATUS_TONES.get(status, "waiting")


def buyer_status_label(status: str) -> str:
    return BUYER_STATUS_LABELS.get(status, status_label(status))


def money(amount: Decimal, currency: str) -> str:
    """An order amount as the visitor's locale writes it, with the currency's own places."""
    return format_money(in_minor_units(amount, currency), currency)


def amount_text(amount: Decimal, currency: str) -> str:
    """An order amount as a plain decimal string with the currency's places ("19.90", "1200"): APIs and forms."""
    return str(in_minor_units(amount, currency))


def buyer_list_rows(rows: Iterable[CustomerOrderRow]) -> list[dict[str, Any]]:
    """A customer's orders as their lists show them (My orders, the personal center): status words, badge, total."""
    return [
        {
            "row": row,
            "status": buyer_status_label(row.status),
            "tone": status_tone(row.status),
            "total": money(row.total, row.currency),
        }
        for row in rows
    ]


@dataclass(frozen=True)
class TaxRow:
    label: str  # "VAT 19% (DE)", or "Incl. VAT 19% (DE)" when the prices included it
    amount: str


def tax_rows(order: Order, tax_lines: Iterable[OrderTaxLine] | None = None) -> list[TaxRow]:
    """The order's taxes as its totals list them, once each: the same on every page and in the emails.

    When the prices included tax, the tax is part of the subtotal already,
    so each line says "Incl." rather than adding a second "Tax" row.
    `tax_lines` defaults to the order's prefetched ones.
    """
    lines = list(order.tax_lines.all() if tax_lines is None else tax_lines)
    prefix = "Incl. " if order.prices_include_tax else ""
    rows = []
    for tax in lines:
        rate = format(tax.rate.normalize(), "f")
        area = f" ({tax.area})" if tax.area else ""
        rows.append(TaxRow(f"{prefix}{tax.name} {rate}%{area}", money(tax.amount, order.currency)))
    if not rows and order.tax_total:
        # An order without its breakdown (none is written without one today): the total alone.
        rows.append(TaxRow(f"{prefix}tax" if prefix else "Tax", money(order.tax_total, order.currency)))
    return rows


def event_details(event: OrderEvent, currency: str) -> str:
    """A short line from an event's data ("€12.00 · via test"); unknown keys are left out."""
    data: dict[str, Any] = event.data if isinstance(event.data, dict) else {}
    parts: list[str] = []
    for key, label in _DETAIL_KEYS.items():
        value = data.get(key)
        if value in (None, "", [], {}):
            continue
        if key in _MONEY_KEYS:
            formatted = _data_money(value, currency)
            if formatted:
                parts.append(formatted)
            continue
        text = str(value)[:100]
        if key in _CODE_KEYS:
            text = text.replace("_", " ")
        parts.append(f"{label} {text}" if label else text)
    return " · ".join(parts)


@dataclass(frozen=True)
class TimelineEntry:
    at: Any  # datetime
    kind: str
    label: str
    details: str
    actor: str


def merchant_timeline(order: Order, events: list[OrderEvent], *, actor_names: dict[int, str]) -> list[TimelineEntry]:
    """Every event, newest first, with who did it (`actor_names`: platform user id -> label)."""
    entries = []
    for event in sorted(events, key=lambda e: (e.created_at, e.pk), reverse=True):
        actor = ACTOR_LABELS.get(event.actor_type, event.actor_type)
        if event.actor_type == "user" and event.actor_id in actor_names:
            actor = actor_names[event.actor_id]
        label = OrderEventKind(event.kind).label if event.kind in OrderEventKind.values else event.kind
        entries.append(TimelineEntry(event.created_at, event.kind, label, event_details(event, order.currency), actor))
    return entries


def buyer_timeline(order: Order, events: list[OrderEvent]) -> list[TimelineEntry]:
    """The events meant for the buyer, newest first; no actor (the buyer needs no staff names)."""
    return [
        TimelineEntry(e.created_at, e.kind, BUYER_EVENT_LABELS[e.kind], _buyer_details(e, order.currency), "")
        for e in sorted(events, key=lambda e: (e.created_at, e.pk), reverse=True)
        if e.kind in BUYER_EVENT_LABELS
    ]


def _buyer_details(event: OrderEvent, currency: str) -> str:
    """Amounts and parcels for the buyer; codes and reasons are written for the merchant.

    Tracking numbers are not in the timeline (the shipments list shows them).
    """
    data: dict[str, Any] = event.data if isinstance(event.data, dict) else {}
    parts = []
    if event.kind in (OrderEventKind.REFUNDED, OrderEventKind.PAID):
        parts.append(_data_money(data.get("amount"), currency))
    if event.kind == OrderEventKind.FULFILLED:
        units = data.get("units")
        if isinstance(units, int) and units > 0:
            parts.append(f"{units} item{'s' if units != 1 else ''}")
        if data.get("carrier"):
            parts.append(f"with {data['carrier']}")
    return " · ".join(str(p)[:100] for p in parts if p)


def _data_money(value: Any, currency: str) -> str:
    """An amount kept in an event's data (a decimal string), formatted; "" when absent or not a number."""
    if value in (None, ""):
        return ""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return ""
    return money(amount, currency) if amount.is_finite() else ""


# --- payments and shipments ----------------------------------------------------------


def payment_state(order: Order) -> str:
    """One sentence on where the payment stands, for the buyer (reads the prefetched payments)."""
    payments = list(order.payments.all())
    succeeded = [p for p in payments if p.status == PaymentStatus.SUCCEEDED]
    if succeeded:
        last = succeeded[-1]
        card = f"{card_brand_name(last.card_brand) or 'card'} ending in {last.card_last4}" if last.card_last4 else ""
        if order.status == OrderStatus.CANCELLED:
            # A cancelled order keeps no money: it was refunded in full first, or it arrived too late
            # (the hold ran out and the stock was sold) and goes back on its own.
            if last.refunded_amount >= last.amount:
                return f"Payment returned to your {card}." if card else "Payment returned."
            return f"Your payment is being returned to your {card}." if card else "Your payment is being returned."
        if card:
            return f"Paid with {card}."
        return "Paid."
    if order.status == OrderStatus.CANCELLED:
        return "Not paid; the order is cancelled."
    if payments and payments[-1].status == PaymentStatus.FAILED:
        return "The last payment attempt did not go through."
    if payments and payments[-1].status == PaymentStatus.ACTION_REQUIRED:
        return "Your bank asked for an extra confirmation of the payment."
    return "Waiting for payment."


def web_link(url: str) -> str:
    """A tracking link that may be shown as a link: web addresses only, never `javascript:` and the like."""
    return url if url.startswith(("https://", "http://")) else ""


@dataclass(frozen=True)
class ShipmentItem:
    title: str
    variant: str
    sku: str
    quantity: int


@dataclass(frozen=True)
class Shipment:
    carrier: str
    tracking_number: str
    link: str
    created_at: Any  # datetime
    items: list[ShipmentItem]

    @property
    def link_masked(self) -> str:
        """The tracking link for a merchant page before a reveal: the carrier's site only ("https://dhl.example/…").

        The rest of the link usually holds the tracking number, which finds the buyer's address.
        """
        return link_masked(self.link)


def link_masked(url: str) -> str:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}/…"


def shipments(order: Order) -> list[Shipment]:
    """The order's fulfillments with what each parcel held (reads the prefetched lines and fulfillments)."""
    lines: dict[int, OrderLine] = {line.pk: line for line in order.lines.all()}
    result = []
    for fulfillment in order.fulfillments.all():
        items = [
            ShipmentItem(line.product_title, line.variant_title, line.sku, fl.quantity)
            for fl in fulfillment.lines.all()
            if (line := lines.get(fl.order_line_id)) is not None
        ]
        result.append(
            Shipment(
                carrier=fulfillment.carrier,
                tracking_number=fulfillment.tracking_number,
                link=web_link(fulfillment.tracking_url),
                created_at=fulfillment.created_at,
                items=items,
            )
        )
    return result


# --- the buyer's personal details ---------------------------------------------------

# The address fields that name or find the buyer; region and country are kept plain on the order
# (tax reports) and stay readable.
_MASKED_ADDRESS_FIELDS = ("name", "company", "street_address", "city_area", "city", "postal_code")


@dataclass(frozen=True)
class OrderContact:
    """An order's personal details, either all masked or all in full."""

    revealed: bool
    name: str
    email: str
    phone: str
    extra_phone: str
    delivery_time: str
    shipping_address: list[str]
    # None when billing goes to the delivery address.
    billing_address: list[str] | None
    # The buyer was erased: the order is kept (law) but shows nothing of them.
    erased: bool = False


def _address_lines(address: Any, *, masked: bool) -> list[str]:
    """The address as core.addresses.address_lines prints it everywhere, its personal parts masked if asked."""
    if not isinstance(address, dict):
        return []
    if masked:
        address = {**address, **{key: _masked(key, str(address.get(key) or "")) for key in _MASKED_ADDRESS_FIELDS}}
    return address_lines(address)


def _masked(key: str, value: str) -> str:
    # Each line of a street on its own, so the printed lines stay as many as in full.
    return "\n".join(mask_name(line) if key == "name" else mask_text(line) for line in value.split("\n") if line)


DELETED_CUSTOMER = "Deleted customer"


def order_contact(order: Order, *, revealed: bool) -> OrderContact:
    """The buyer block of an order: masked for merchant pages, full after a reveal or for the buyer.

    An order whose buyer was erased (`subject_erased_at`) shows "Deleted
    customer" and nothing else, revealed or not.
    """
    if getattr(order, "subject_erased_at", None) is not None:
        return OrderContact(
            revealed=False,
            name=DELETED_CUSTOMER,
            email="",
            phone="",
            extra_phone="",
            delivery_time="",
            shipping_address=[],
            billing_address=None,
            erased=True,
        )
    masked = not revealed
    address = order.shipping_address if isinstance(order.shipping_address, dict) else {}
    name = str(address.get("name") or "")
    return OrderContact(
        revealed=revealed,
        name=mask_name(name) if masked else name,
        email=mask_email(order.email) if masked else order.email,
        phone=mask_phone(order.phone) if masked else order.phone,
        extra_phone=(mask_phone(order.extra_phone) if masked else order.extra_phone) if order.extra_phone else "",
        delivery_time=(mask_text(order.delivery_time) if masked else order.delivery_time)
        if order.delivery_time
        else "",
        shipping_address=_address_lines(order.shipping_address, masked=masked),
        billing_address=_address_lines(order.billing_address, masked=masked) if order.billing_address else None,
    )


def customer_masked(order: Order) -> str:
    """The list's customer cell: masked name and masked email ("E**** M********* · e***@example.com")."""
    if getattr(order, "subject_erased_at", None) is not None:
        return DELETED_CUSTOMER
    address = order.shipping_address if isinstance(order.shipping_address, dict) else {}
    parts = [mask_name(str(address.get("name") or "")), mask_email(order.email)]
    return " · ".join(p for p in parts if p)


def reference_masked(reference: str) -> str:
    """A provider's payment reference with its middle hidden: enough to tell attempts apart, not to look one up."""
    if not reference:
        return ""
    if len(reference) <= 8:
        return mask_text(reference, keep=2)
    return f"{reference[:4]}…{reference[-4:]}"
