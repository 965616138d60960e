"""Payments as Shopwright sees them: attempts at a provider, refunds, and the webhook events received.

Card numbers never arrive here: the provider's hosted page holds the only
card form. What is kept is the provider's reference, the card brand and its
last four digits.

`TestGatewayPayment` and `TestGatewayRefund` are the other side of the
wire: the built-in test provider's own records, as a real provider keeps
them on its servers. Shopwright's store code never reads them; it talks to
the test provider only through `payments.providers`.
"""

from __future__ import annotations

from django.db import models

from shopwright.catalog.models import MONEY_DIGITS, MONEY_PLACES
from shopwright.core.fields import EncryptedTextField
from shopwright.core.models import TenantModel


def _money(**kwargs: object) -> models.DecimalField:
    return models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, **kwargs)  # type: ignore[arg-type]


class PaymentStatus(models.TextChoices):
    CREATED = "created", "Waiting for the buyer"
    ACTION_REQUIRED = "action_required", "Needs extra authentication"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


# Where a provider's news may move a payment from (anything else is old news, or a replay, and
# changes nothing): forward only, with SUCCEEDED final. A declined attempt's page takes another card,
# so FAILED may still become ACTION_REQUIRED (3-D Secure on the next card), SUCCEEDED or CANCELLED
# (expired); a CANCELLED one may still report SUCCEEDED (paid just before it closed: the money is
# then returned, see services._apply_state).
PAYMENT_MOVES: dict[str, frozenset[str]] = {
    PaymentStatus.CREATED: frozenset(
        {PaymentStatus.ACTION_REQUIRED, PaymentStatus.FAILED, PaymentStatus.SUCCEEDED, PaymentStatus.CANCELLED}
    ),
    PaymentStatus.ACTION_REQUIRED: frozenset({PaymentStatus.FAILED, PaymentStatus.SUCCEEDED, PaymentStatus.CANCELLED}),
    PaymentStatus.FAILED: frozenset({PaymentStatus.ACTION_REQUIRED, PaymentStatus.SUCCEEDED, PaymentStatus.CANCELLED}),
    PaymentStatus.CANCELLED: frozenset({PaymentStatus.SUCCEEDED}),
    PaymentStatus.SUCCEEDED: frozenset(),
}


class Payment(TenantModel):
    """One attempt to collect an order's total through a provider."""

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="payments", db_index=False)
    provider = models.CharField(max_length=16)
    # The provider's id of the payment (test: "tp_...", Stripe: the Checkout Session "cs_...").
    reference = models.CharField(max_length=255, blank=True, default="")
    # Stripe's PaymentIntent "pi_..." once known: refunds are made against it.
    charge_reference = models.CharField(max_length=255, blank=True, default="")
    # Sent with the create call: a retried create never makes a second payment at the provider.
    idempotency_key = models.CharField(max_length=64)
    amount = _money()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.CREATED)
    # Where the buyer goes to pay: the provider's hosted page.
    redirect_url = models.URLField(max_length=1000, blank=True, default="")
    card_brand = models.CharField(max_length=20, blank=True, default="")
    card_last4 = models.CharField(max_length=4, blank=True, default="")
    failure_code = models.CharField(max_length=64, blank=True, default="")
    refunded_amount = _money(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "provider", "reference"],
                condition=~models.Q(reference=""),
                name="payment_store_provider_ref_unique",
            ),
            models.UniqueConstraint(fields=["store", "idempotency_key"], name="payment_store_idem_unique"),
        ]
        indexes = [
            models.Index(fields=["store", "order"], name="payment_store_order"),
            # The sweep that closes attempts of orders no longer payable: only unfinished attempts that
            # reached a provider, a few per live order.
            models.Index(
                fields=["store", "updated_at"],
                condition=models.Q(status__in=["created", "action_required", "failed"]) & ~models.Q(reference=""),
                name="payment_store_unfinished",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} payment #{self.pk}"


class RefundStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class Refund(TenantModel):
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="refunds", db_index=False)
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="refunds", db_index=False)
    amount = _money()
    reason = models.CharField(max_length=200, blank=True, default="")
    status = models.CharField(max_length=16, choices=RefundStatus.choices, default=RefundStatus.PENDING)
    reference = models.CharField(max_length=255, blank=True, default="")
    idempotency_key = models.CharField(max_length=64)
    failure_code = models.CharField(max_length=64, blank=True, default="")
    # core.audit.Actor of who asked for it.
    actor_type = models.CharField(max_length=16)
    actor_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "idempotency_key"], name="refund_store_idem_unique"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["store", "order"], name="refund_store_order"),
            models.Index(fields=["store", "payment"], name="refund_store_payment"),  # privacy.subjects follows it
        ]

    def __str__(self) -> str:
        return f"refund #{self.pk}"


class WebhookEvent(TenantModel):
    """A provider event already applied: a replay or a duplicate finds it here and changes nothing."""

    provider = models.CharField(max_length=16)
    event_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=100)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "provider", "event_id"], name="webhookevent_store_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_id}"


class PaymentSettings(TenantModel):
    """Which provider a store takes payments with, and its credentials (encrypted)."""

    class Provider(models.TextChoices):
        TEST = "test", "Test provider (no real money)"
        STRIPE = "stripe", "Stripe"

    provider = models.CharField(max_length=16, choices=Provider.choices, default=Provider.TEST)
    stripe_secret_key = EncryptedTextField(max_length=255, blank=True, default="")
    stripe_webhook_secret = EncryptedTextField(max_length=255, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store"], name="paymentsettings_store_unique")]

    def __str__(self) -> str:
        return f"{self.provider} for store #{self.store_id}"


class TestGatewayStatus(models.TextChoices):
    OPEN = "open", "Open"
    REQUIRES_ACTION = "requires_action", "Requires action"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    # Closed without a charge: its time ran out (expires_at), or the store closed it (the cancel call).
    EXPIRED = "expired", "Expired"
    CANCELED = "canceled", "Canceled"


class TestGatewayPayment(models.Model):
    """The test provider's own record of a payment (its "server side"; not a store table)."""

    # Public id, "tp_" + random.
    id = models.CharField(primary_key=True, max_length=40)
    # The merchant account at the provider: the store's id, as a provider would know it.
    account = models.BigIntegerField()
    amount = _money()
    currency = models.CharField(max_length=3)
    description = models.CharField(max_length=200, blank=True, default="")
    status = models.CharField(max_length=20, choices=TestGatewayStatus.choices, default=TestGatewayStatus.OPEN)
    return_url = models.URLField(max_length=1000)
    webhook_url = models.URLField(max_length=1000)
    idempotency_key = models.CharField(max_length=64)
    card_brand = models.CharField(max_length=20, blank=True, default="")
    card_last4 = models.CharField(max_length=4, blank=True, default="")
    failure_code = models.CharField(max_length=64, blank=True, default="")
    refunded_amount = _money(default=0)
    # After it the hosted page takes no card (the store's hold on the order's stock ends then); null: never.
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "idempotency_key"], name="testgateway_account_idem_unique")
        ]

    def __str__(self) -> str:
        return self.id


class TestGatewayRefund(models.Model):
    id = models.CharField(primary_key=True, max_length=40)
    payment = models.ForeignKey(TestGatewayPayment, on_delete=models.CASCADE, related_name="refunds")
    amount = _money()
    idempotency_key = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["payment", "idempotency_key"], name="testgateway_refund_idem_unique")
        ]

    def __str__(self) -> str:
        return self.id
