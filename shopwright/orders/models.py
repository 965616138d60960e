"""Orders: what was sold, to whom, for how much, and everything that happened to it since.

An order keeps copies of what it sold (title, SKU, price as sold) so later
catalog edits never change it. Its personal fields are encrypted; the
country and region of delivery are kept plain for tax reports.
"""

from __future__ import annotations

from django.db import models

from shopwright.catalog.models import MONEY_DIGITS, MONEY_PLACES
from shopwright.core.fields import BlindIndexField, EncryptedJSONField, EncryptedTextField
from shopwright.core.models import TenantModel


def _money(**kwargs: object) -> models.DecimalField:
    return models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, **kwargs)  # type: ignore[arg-type]


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", "Pending payment"
    PAID = "paid", "Paid"
    PARTIALLY_FULFILLED = "partially_fulfilled", "Partially fulfilled"
    FULFILLED = "fulfilled", "Fulfilled"
    CANCELLED = "cancelled", "Cancelled"
    PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
    REFUNDED = "refunded", "Refunded"


class OrderNumberSequence(models.Model):
    """The last order number a store gave out.

    Bumped inside the order's own transaction by an upsert (`INSERT ... ON
    CONFLICT DO UPDATE ... RETURNING`, orders.numbers), so a rolled-back
    placement gives its number back and numbers have no gaps; the row lock
    orders concurrent placements at one store, which is why it comes last.
    """

    store = models.OneToOneField("stores.Store", on_delete=models.CASCADE, primary_key=True, related_name="+")
    last_number = models.PositiveIntegerField(default=1000)

    def __str__(self) -> str:
        return f"store #{self.store_id} at {self.last_number}"


class Order(TenantModel):
    # Null only inside the placing transaction, until orders.numbers.order_number_assign gives it: every
    # order anyone else can read has its number, hence the int it is typed as when read.
    number: models.PositiveIntegerField[int | None, int] = models.PositiveIntegerField(null=True)  # type: ignore[misc]
    # SHA-256 of the secret in the buyer's order link (guest status page, payment return).
    token_hash = models.CharField(max_length=64)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    status = models.CharField(max_length=24, choices=OrderStatus.choices, default=OrderStatus.PENDING_PAYMENT)

    # Contact and delivery (seed 1(1)3, 1(4)).
    email = EncryptedTextField(max_length=254)
    email_index = BlindIndexField()
    phone = EncryptedTextField(max_length=32)
    extra_phone = EncryptedTextField(max_length=32, blank=True, default="")
    delivery_time = EncryptedTextField(max_length=100, blank=True, default="")
    # {"name", "company", "street_address", "city", "city_area", "country_area", "postal_code", "country"}
    shipping_address = EncryptedJSONField()
    # None when the billing address is the delivery address.
    billing_address = EncryptedJSONField(null=True, blank=True)
    shipping_country = models.CharField(max_length=2)
    shipping_area = models.CharField(max_length=64, blank=True, default="")

    # Money, in the store's currency at the time of the order.
    currency = models.CharField(max_length=3)
    prices_include_tax = models.BooleanField(default=False)
    subtotal = _money()
    shipping_total = _money(default=0)
    tax_total = _money(default=0)
    total = _money()
    refunded_total = _money(default=0)
    shipping_method = models.ForeignKey(
        "shipping.ShippingMethod", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    shipping_method_name = models.CharField(max_length=100)
    weight_grams = models.PositiveIntegerField(default=0)

    # While pending payment, the stock of the lines is held until then.
    reserved_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    # Its buyer was erased: the order is kept (law) with personal fields encrypted,
    # out of every list, search, export and marketing, shown as "Deleted customer".
    subject_erased_at = models.DateTimeField(null=True, blank=True)
    # Its retention ended: personal fields are gone, dates coarsened to the month.
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["store", "number"], name="order_store_number_unique"),
            models.UniqueConstraint(fields=["store", "token_hash"], name="order_store_token_unique"),
            models.CheckConstraint(condition=models.Q(total__gte=0), name="order_total_not_negative"),
            models.CheckConstraint(
                condition=models.Q(refunded_total__gte=0) & models.Q(refunded_total__lte=models.F("total")),
                name="order_refund_within_total",
            ),
        ]
        indexes = [
            models.Index(fields=["store", "status", "-number"], name="order_store_status"),
            models.Index(fields=["store", "created_at"], name="order_store_created"),
            # The nightly retention purge reads only orders not yet anonymised (privacy.retention.orders_due).
            models.Index(
                fields=["store", "created_at"],
                condition=models.Q(anonymised_at__isnull=True),
                name="order_store_not_anonymised",
            ),
            models.Index(fields=["store", "customer", "-number"], name="order_store_customer"),
            models.Index(fields=["store", "email_index"], name="order_store_email"),
            models.Index(fields=["store", "total"], name="order_store_total"),
            # The reservation sweep: pending orders whose hold has run out.
            models.Index(
                fields=["store", "reserved_until"],
                condition=models.Q(status="pending_payment"),
                name="order_store_pending_hold",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number}"


class OrderLine(TenantModel):
    """One variant as sold: copies of its names and price, and how much of it has shipped."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines", db_index=False)
    variant = models.ForeignKey(
        "catalog.Variant", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    product_title = models.CharField(max_length=255)
    variant_title = models.CharField(max_length=255, blank=True, default="")
    sku = models.CharField(max_length=64, blank=True, default="")
    unit_price = _money()
    quantity = models.PositiveIntegerField()
    line_total = _money()
    tax_rate = models.DecimalField(max_digits=7, decimal_places=4, default=0)
    tax_amount = _money(default=0)
    weight_grams = models.PositiveIntegerField(default=0)
    quantity_fulfilled = models.PositiveIntegerField(default=0)
    # Units catalog.stock took off the variant's stock for this line (0 when it did not track stock):
    # exactly what a cancellation gives back, whatever the variant's tracking is by then.
    stock_taken = models.PositiveIntegerField(default=0)
    # True once the line's units went back to stock (cancellation), so a retry never restocks twice.
    restocked = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["store", "order"], name="orderline_store_order")]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="orderline_quantity_positive"),
            models.CheckConstraint(
                condition=models.Q(quantity_fulfilled__lte=models.F("quantity")), name="orderline_fulfilled_le_qty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_title}"


class OrderTaxLine(TenantModel):
    """A tax as charged on the order: its name, rate, the amount it was charged on, and the tax."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="tax_lines", db_index=False)
    name = models.CharField(max_length=60)
    area = models.CharField(max_length=64)
    rate = models.DecimalField(max_digits=7, decimal_places=4)
    taxable_amount = _money()
    amount = _money()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["store", "order"], name="ordertax_store_order")]

    def __str__(self) -> str:
        return f"{self.name} {self.rate}%"


class OrderEventKind(models.TextChoices):
    PLACED = "placed", "Order placed"
    PAYMENT_STARTED = "payment_started", "Payment started"
    PAYMENT_ACTION_REQUIRED = "payment_action_required", "Payment needs extra authentication"
    PAYMENT_FAILED = "payment_failed", "Payment failed"
    PAID = "paid", "Paid"
    RESERVATION_EXPIRED = "reservation_expired", "Reservation expired"
    FULFILLED = "fulfilled", "Fulfilled"
    CANCELLED = "cancelled", "Cancelled"
    RESTOCKED = "restocked", "Restocked"
    REFUND_REQUESTED = "refund_requested", "Refund requested"
    REFUNDED = "refunded", "Refunded"
    REFUND_FAILED = "refund_failed", "Refund failed"
    EMAIL_SENT = "email_sent", "Email queued"
    NOTE = "note", "Note"


class OrderEvent(TenantModel):
    """One entry of an order's timeline. `data` holds amounts, ids and codes, never personal data."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events", db_index=False)
    kind = models.CharField(max_length=32, choices=OrderEventKind.choices)
    # core.audit.Actor: "user", "customer", "system", "provider", ...
    actor_type = models.CharField(max_length=16)
    actor_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["store", "order", "created_at"], name="orderevent_store_order")]

    def __str__(self) -> str:
        return self.kind


class Fulfillment(TenantModel):
    """A parcel sent: which lines and how many, with the carrier and tracking number."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="fulfillments", db_index=False)
    carrier = models.CharField(max_length=60)
    tracking_number = models.CharField(max_length=100, blank=True, default="")
    tracking_url = models.URLField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["store", "order"], name="fulfillment_store_order")]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number}"


class FulfillmentLine(TenantModel):
    fulfillment = models.ForeignKey(Fulfillment, on_delete=models.CASCADE, related_name="lines", db_index=False)
    order_line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="+", db_index=False)
    quantity = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["store", "fulfillment"], name="fulfilline_store_fulfil"),
            models.Index(fields=["store", "order_line"], name="fulfilline_store_line"),  # privacy.subjects follows it
        ]
        constraints = [models.CheckConstraint(condition=models.Q(quantity__gt=0), name="fulfilline_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.quantity} of line #{self.order_line_id}"
