"""Shopping carts: one open cart per customer, or per visitor's browser.

A visitor's cart is found by the secret in its signed cookie; only the
secret's SHA-256 is stored. Prices are never stored here: the cart is priced
from the variants on every read.
"""

from __future__ import annotations

from django.db import models

from shopwright.core.models import TenantModel


class Cart(TenantModel):
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    # SHA-256 of the visitor cookie's secret; empty for a customer's cart.
    token_hash = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "customer"], condition=models.Q(customer__isnull=False), name="cart_store_customer"
            ),
            models.UniqueConstraint(
                fields=["store", "token_hash"], condition=~models.Q(token_hash=""), name="cart_store_token"
            ),
        ]
        indexes = [models.Index(fields=["store", "updated_at"], name="cart_store_updated")]

    def __str__(self) -> str:
        return f"cart #{self.pk}"


class CartLine(TenantModel):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines", db_index=False)
    variant = models.ForeignKey("catalog.Variant", on_delete=models.CASCADE, related_name="+", db_index=False)
    quantity = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "cart", "variant"], name="cartline_store_cart_variant"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="cartline_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × variant #{self.variant_id}"
