"""Reads of taxes.

Checkout reads the store's rates from the per-store config cache
(core.store_cache); the back office reads the database.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import router

from shopwright.core.exceptions import NotFound
from shopwright.core.store_cache import store_config
from shopwright.shipping.rates import area_keys
from shopwright.taxes.models import TaxRate

if TYPE_CHECKING:
    from shopwright.stores.models import Store


# The store's rates as core.store_cache keeps them: each rate's row, by the area it covers.
TaxRows = dict[str, tuple[Any, ...]]


# Every column of a rate, in model order: a cached row is a tuple of their values (plain data).
_FIELDS = tuple(field.attname for field in TaxRate._meta.concrete_fields)
# The cache entry's name: a change of _FIELDS changes it, so old entries are never read as new rows.
_CONFIG_NAME = "taxes-1-" + "-".join(_FIELDS)


def _tax_rows_build(store_id: int) -> TaxRows:
    """One query: the store's rates as row tuples by area."""
    rows = TaxRate.objects.filter(store_id=store_id).order_by().values_list(*_FIELDS)
    position = _FIELDS.index("area")
    return {row[position]: tuple(row) for row in rows}


def tax_rate_for(*, store: Store, country: str, area: str) -> TaxRate | None:
    """The rate for deliveries to (country, area): the region's if set, else the country's, else None.

    From the store's cached rates (core.store_cache): no query once cached,
    one on a miss. The rate is a model instance made from the cached row,
    for reading (a write goes through taxes.services, with a fresh row).
    """
    if not country:
        return None
    return tax_rate_in(store_config(store.pk, *tax_rates_entry(store=store)), country=country, area=area)


def tax_rates_entry(*, store: Store) -> tuple[str, Callable[[], TaxRows]]:
    """The (name, build) of the store's tax rates in core.store_cache, for reading them in one round
    trip with another configuration (`store_config_pair`)."""
    return _CONFIG_NAME, lambda: _tax_rows_build(store.pk)


def tax_rate_in(rows: TaxRows, *, country: str, area: str) -> TaxRate | None:
    """`tax_rate_for` with the store's rates already read (`tax_rates_entry`)."""
    for key in area_keys(country, area):
        row = rows.get(key)
        if row is not None:
            return TaxRate.from_db(router.db_for_read(TaxRate), _FIELDS, row)
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
