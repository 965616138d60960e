"""What a customer keeps on a storefront: favourites."""

from __future__ import annotations

from django.db import models

from shopwright.core.models import TenantModel


class Favourite(TenantModel):
    """A product a logged-in customer has marked; visitors' favourites live in a cookie."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+", db_index=False)
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+", db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "customer", "product"], name="favourite_store_customer_product")
        ]
        indexes = [models.Index(fields=["store", "product"], name="favourite_store_product")]

    def __str__(self) -> str:
        return f"favourite #{self.pk}"
