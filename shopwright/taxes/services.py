"""Every write to a store's tax settings: rates per country or region, and whether prices include tax.

Keyword-only, one transaction each, audited with the acting `Actor`.
Rate writes call `store_config_changed`, so checkout's cached copy of the
store's rates (taxes.selectors.tax_rates_entry) is replaced once they commit.
Invalid input raises one `ApplicationError` with a message per field and
writes nothing; another store's rate is `NotFound`.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.db import transaction

from shopwright.core.audit import Actor, audit_record
from shopwright.core.exceptions import NotFound
from shopwright.core.store_cache import store_config_changed
from shopwright.core.validation import FieldErrors, clean_text
from shopwright.shipping.validation import area_label, clean_area
from shopwright.stores.locks import store_lock
from shopwright.stores.models import Store
from shopwright.taxes.models import TaxRate

MAX_NAME_LENGTH = TaxRate._meta.get_field("name").max_length or 60
MAX_AREA_LENGTH = TaxRate._meta.get_field("area").max_length or 16
RATE_PLACES = 4
HUNDRED = Decimal(100)
# Plain decimal notation: no exponent, no NaN, no thousands separators; "19", "7.25", "19 %".
_RATE_RE = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)")
RATE_NOT_FOUND = "No such tax rate."


def tax_rate_set(
    *,
    store: Store,
    actor: Actor,
    area: str,
    name: str,
    rate: Decimal | str | int,
    applies_to_shipping: bool,
    must_be_new: bool = False,
) -> TaxRate:
    """Set the rate for one country or region: creates it, or replaces the one the area already has.

    `must_be_new` (the "add a rate" form) refuses an area that already has
    a rate instead of replacing it, so a merchant never overwrites a rate by
    accident. Raises ApplicationError (nothing written) on a bad area, name
    or rate: a percentage from 0 to 100 with at most 4 decimals.
    """
    errors = FieldErrors()
    clean_area_code = clean_area(area, errors, "area", max_length=MAX_AREA_LENGTH)
    clean_name = clean_text(name, errors, "name", label="a name for the tax (such as VAT)", max_length=MAX_NAME_LENGTH)
    clean_rate = _clean_rate(rate, errors)
    with transaction.atomic():
        # Rates are few and written rarely: the store's row lock makes "create or replace" safe
        # against a concurrent save of the same area (the unique constraint would refuse it anyway).
        store_lock(store_id=store.pk)
        existing = TaxRate.objects.filter(store=store, area=clean_area_code).first() if clean_area_code else None
        if existing is not None and must_be_new:
            errors.add(
                "area",
                f"{area_label(clean_area_code)} already has a rate ({existing.name}, {_percent(existing.rate)}): "
                "edit that one instead.",
            )
        errors.raise_if_any()
        assert clean_rate is not None
        if existing is None:
            saved = TaxRate.objects.create(
                store=store,
                area=clean_area_code,
                name=clean_name,
                rate=clean_rate,
                applies_to_shipping=bool(applies_to_shipping),
            )
            before = None
        else:
            before = _summary(existing)
            existing.name = clean_name
            existing.rate = clean_rate
            existing.applies_to_shipping = bool(applies_to_shipping)
            existing.save(update_fields=["name", "rate", "applies_to_shipping"])
            saved = existing
        store_config_changed(store.pk)
        audit_record(
            action="taxes.rate_create" if before is None else "taxes.rate_update",
            actor=actor,
            store=store,
            obj=saved,
            details={"before": before, "after": _summary(saved)},
        )
    return saved


def tax_rate_delete(*, store: Store, actor: Actor, tax_rate: TaxRate) -> None:
    """Delete a rate: deliveries to its area are charged no tax from now on. Orders keep their tax lines."""
    if tax_rate.pk is None or tax_rate.store_id != store.pk:
        raise NotFound(RATE_NOT_FOUND)
    with transaction.atomic():
        audit_record(action="taxes.rate_delete", actor=actor, store=store, obj=tax_rate, details=_summary(tax_rate))
        # The row's own delete (scoped by the check above), like shipping's: a QuerySet delete would
        # first read the rows back now that a post_delete receiver watches rates (core.store_cache).
        deleted, _ = tax_rate.delete()
        if not deleted:
            raise NotFound(RATE_NOT_FOUND)
        store_config_changed(store.pk)


def store_prices_include_tax_set(*, store: Store, actor: Actor, value: bool) -> Store:
    """Say whether the store's prices already include tax (checkout then takes the tax out instead of adding it).

    Only new checkouts and orders follow the change; placed orders keep the
    setting they were placed with. No audit entry when nothing changes.
    """
    value = bool(value)
    with transaction.atomic():
        current = (
            # NO KEY UPDATE, as stores.locks explains: buyers' commits in the store are not held up.
            Store.objects.select_for_update(no_key=True)
            .filter(pk=store.pk)
            .values_list("prices_include_tax", flat=True)
            .first()
        )
        if current is None:
            raise NotFound("No such store.")
        store.prices_include_tax = value
        if current != value:
            store.save(update_fields=["prices_include_tax"])
            audit_record(
                action="taxes.prices_include_tax",
                actor=actor,
                store=store,
                obj=store,
                details={"before": current, "after": value},
            )
    return store


def _clean_rate(value: Any, errors: FieldErrors) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, str)):
        errors.add("rate", "Enter the rate as a percentage such as 19 or 7.25.")
        return None
    if isinstance(value, str):
        text = value.strip().removesuffix("%").strip()
        if not text:
            errors.add("rate", "Enter the rate as a percentage such as 19 or 7.25.")
            return None
        if len(text) > 32 or not _RATE_RE.fullmatch(text):
            errors.add("rate", "Enter the rate as a percentage such as 19 or 7.25.")
            return None
        rate = Decimal(text)
    else:
        rate = Decimal(value)
        if not rate.is_finite():
            errors.add("rate", "Enter the rate as a percentage such as 19 or 7.25.")
            return None
    if rate < 0 or rate > HUNDRED:
        errors.add("rate", "A tax rate is a percentage from 0 to 100.")
        return None
    if rate != rate.quantize(Decimal(1).scaleb(-RATE_PLACES)):
        errors.add("rate", f"A tax rate has at most {RATE_PLACES} decimal places.")
        return None
    return rate.quantize(Decimal(1).scaleb(-RATE_PLACES))


def _percent(rate: Decimal) -> str:
    return f"{rate.normalize():f} %"


def _summary(rate: TaxRate) -> dict[str, Any]:
    return {
        "area": rate.area,
        "name": rate.name,
        "rate": str(rate.rate),
        "applies_to_shipping": rate.applies_to_shipping,
    }
