"""Records the privacy engine keeps about personal data itself."""

from __future__ import annotations

from django.db import models

from shopwright.core.models import TenantModel


class SharingRecord(TenantModel):
    """One hand-over of personal data to a party outside the store (F14, seed 1(5)-(6), 3(1)).

    Written by `privacy.services.sharing_record` in the same transaction as
    the hand-over is decided, before the data leaves. The subject is found
    later (exports, erasure) by the customer, or for a guest through the
    order (whose email blind index links it to the buyer); `categories` are
    datamap.Category values.
    """

    recipient = models.CharField(max_length=100)
    purpose = models.CharField(max_length=200)
    categories = models.JSONField(default=list)
    order = models.ForeignKey(
        "orders.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["store", "customer"], name="sharing_store_customer"),
            models.Index(fields=["store", "order"], name="sharing_store_order"),
        ]

    def __str__(self) -> str:
        return f"to {self.recipient}"
