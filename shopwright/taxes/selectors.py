"""Reads of taxes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shopwright.core.exceptions import NotFound
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


def tax_rates_for_office(*, store: Store) -> list[TaxRate]:
    """The store's rates by area code. One query."""
    return list(TaxRate.objects.filter(store=store).order_by("area"))


def tax_rate_for_office(*, store: Store, rate_id: int) -> TaxRate:
    """One rate of the store; NotFound for another store's rate as for a missing one."""
    rate = TaxRate.objects.filter(store=store, pk=rate_id).first()
    if rate is None:
        raise NotFound("No such tax rate.")
    return rate
