"""A checkout: what a buyer has told us on the way from the cart to the order.

One per cart. The lines and prices are never copied here: they are the
cart's, priced again at every step (`checkout.selectors.checkout_priced`).
When the order is placed, `order` points at it, so a second click on "Pay"
finds the order instead of placing another.
"""

from __future__ import annotations

from django.db import models

from shopwright.core.fields import EncryptedJSONField, EncryptedTextField
from shopwright.core.models import TenantModel


class Checkout(TenantModel):
    cart = models.ForeignKey("cart.Cart", on_delete=models.CASCADE, related_name="+", db_index=False)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    email = EncryptedTextField(max_length=254, blank=True, default="")
    phone = EncryptedTextField(max_length=32, blank=True, default="")
    extra_phone = EncryptedTextField(max_length=32, blank=True, default="")
    delivery_time = EncryptedTextField(max_length=100, blank=True, default="")
    # Same shape as orders.Order.shipping_address; None until given.
    shipping_address = EncryptedJSONField(null=True, blank=True)
    # None: bill to the delivery address.
    billing_address = EncryptedJSONField(null=True, blank=True)
    shipping_method = models.ForeignKey(
        "shipping.ShippingMethod", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    # Fingerprint of the lines, prices and totals the buyer last saw on the review step;
    # placing compares it with a fresh pricing so a change is shown before paying.
    reviewed_signature = models.CharField(max_length=64, blank=True, default="")
    order = models.ForeignKey(
        "orders.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "cart"], name="checkout_store_cart_unique")]
        indexes = [
            models.Index(fields=["store", "updated_at"], name="checkout_store_updated"),
            # Exports and erasure find a subject's checkouts by these links (privacy.subjects).
            models.Index(fields=["store", "customer"], name="checkout_store_customer"),
            models.Index(fields=["store", "order"], name="checkout_store_order"),
        ]

    def __str__(self) -> str:
        return f"checkout #{self.pk}"
