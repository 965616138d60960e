"""Reads of taxes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shopwright.shipping.rates import area_keys
from shopwright.taxes.models import TaxRate

if TYPE_CHECKING:
    from shopwright.stores.models import Store


def tax_rate_for(*, store: Store, country: str, area: str) -> TaxRate | None:
    """The rate for deliveries to (country, area): the region's if set, else the country's, else None. One query."""
    if not country:
        return None
    keys = area_keys(country, area)
    found = {rate.area: rate for rate in TaxRate.objects.filter(store=store, area__in=keys)}
    for key in keys:
        if key in found:
            return found[key]
    return None
