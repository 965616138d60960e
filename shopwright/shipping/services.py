"""Every write to a store's shipping settings: zones and their methods.

All functions are keyword-only, run in one transaction, take the acting
`Actor` and write an audit entry with it. Invalid input raises one
`ApplicationError` listing every problem by field (`areas`,
`weight_brackets.2.price`) and writes nothing. A zone or method of another
store is `NotFound`, the same answer as one that does not exist.

Each write calls `store_config_changed` in its transaction, so checkout's
cached copy of the store's zones and methods (shipping.selectors.
shipping_config) is replaced once it commits; the signals that
core.store_cache.store_config_watch connects (apps.py) are only a net for
writes made elsewhere (zone and method updates here use QuerySet.update,
which sends none).

Zone writes hold the store's row lock (`_lock_store`) while they check and
write, so two merchants saving zones at once cannot both claim one area or
one name: an area in two zones would make the buyer's zone ambiguous.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max

from shopwright.catalog.validation import clean_money, store_currency_places
from shopwright.core.audit import Actor, audit_record
from shopwright.core.exceptions import NotFound
from shopwright.core.store_cache import store_config_changed
from shopwright.core.validation import FieldErrors, clean_choice, clean_text
from shopwright.shipping.models import RateKind, ShippingMethod, ShippingZone
from shopwright.shipping.validation import (
    MAX_ESTIMATE_LENGTH,
    MAX_NAME_LENGTH,
    area_label,
    clean_areas,
    clean_brackets,
    clean_position,
)
from shopwright.stores.locks import store_lock
from shopwright.stores.models import Store

ZONE_NOT_FOUND = "No such shipping zone."
METHOD_NOT_FOUND = "No such shipping method."

# --- zones -------------------------------------------------------------------------


def shipping_zone_create(*, store: Store, actor: Actor, name: str, areas: list[str] | str) -> ShippingZone:
    """Create a zone of countries and regions (see shipping.validation for what `areas` accepts)."""
    with transaction.atomic():
        _lock_store(store)
        clean_name, clean = _clean_zone(store=store, zone=None, name=name, areas=areas)
        zone = ShippingZone.objects.create(store=store, name=clean_name, areas=clean)
        store_config_changed(store.pk)
        audit_record(
            action="shipping.zone_create",
            actor=actor,
            store=store,
            obj=zone,
            details={"name": zone.name, "areas": clean},
        )
    return zone


def shipping_zone_update(
    *, store: Store, actor: Actor, zone: ShippingZone, name: str, areas: list[str] | str
) -> ShippingZone:
    """Rename the zone and replace its areas; its methods stay."""
    _check_store(store, zone, ZONE_NOT_FOUND)
    with transaction.atomic():
        _lock_store(store)
        clean_name, clean = _clean_zone(store=store, zone=zone, name=name, areas=areas)
        before = {"name": zone.name, "areas": list(zone.areas)}
        zone.name = clean_name
        zone.areas = clean
        if not ShippingZone.objects.filter(store=store, pk=zone.pk).update(name=clean_name, areas=clean):
            raise NotFound(ZONE_NOT_FOUND)
        store_config_changed(store.pk)
        audit_record(
            action="shipping.zone_update",
            actor=actor,
            store=store,
            obj=zone,
            details={"before": before, "after": {"name": clean_name, "areas": clean}},
        )
    return zone


def shipping_zone_delete(*, store: Store, actor: Actor, zone: ShippingZone) -> None:
    """Delete the zone and its methods. Checkouts and orders that chose one of them keep their amounts."""
    _check_store(store, zone, ZONE_NOT_FOUND)
    with transaction.atomic():
        _lock_store(store)
        audit_record(
            action="shipping.zone_delete",
            actor=actor,
            store=store,
            obj=zone,
            details={"name": zone.name, "areas": list(zone.areas)},
        )
        deleted, _ = zone.delete()
        if not deleted:
            raise NotFound(ZONE_NOT_FOUND)
        store_config_changed(store.pk)


def _clean_zone(*, store: Store, zone: ShippingZone | None, name: Any, areas: list[str] | str) -> tuple[str, list[str]]:
    """Check a zone's name and areas against the store's other zones (read under the store lock)."""
    errors = FieldErrors()
    clean_name = clean_text(name, errors, "name", label="a name for the zone", max_length=MAX_NAME_LENGTH)
    clean = clean_areas(areas, errors)
    others_query = ShippingZone.objects.filter(store=store).only("name", "areas")
    others = list(others_query.exclude(pk=zone.pk) if zone is not None else others_query)
    if clean_name and any(other.name.casefold() == clean_name.casefold() for other in others):
        errors.add("name", "Another shipping zone already has this name.")
    owner = {area: other for other in others for area in other.areas}
    for area in clean:
        if area in owner:
            errors.add(
                "areas",
                f"{area_label(area)} ({area}) is already in the zone “{owner[area].name}”: "
                "a country or region belongs to one zone only.",
            )
    errors.raise_if_any()
    return clean_name, clean


# --- methods -------------------------------------------------------------------------


def shipping_method_create(
    *,
    store: Store,
    actor: Actor,
    zone: ShippingZone,
    name: str,
    kind: str,
    price: Decimal | str | None,
    weight_brackets: list[Any] | None = None,
    free_above: Decimal | str | None = None,
    delivery_estimate: str = "",
    is_active: bool = True,
    position: int | str | None = None,
) -> ShippingMethod:
    """Add a method to a zone: a flat `price`, or a price per weight bracket; free from `free_above` when set.

    A blank position puts it after the zone's other methods.
    """
    _check_store(store, zone, ZONE_NOT_FOUND)
    with transaction.atomic():
        _lock_zone(store, zone)
        clean = _clean_method(
            store=store,
            zone=zone,
            method=None,
            name=name,
            kind=kind,
            price=price,
            weight_brackets=weight_brackets,
            free_above=free_above,
            delivery_estimate=delivery_estimate,
            position=position,
        )
        if clean["position"] is None:
            last = ShippingMethod.objects.filter(store=store, zone=zone).aggregate(last=Max("position"))["last"]
            clean["position"] = 0 if last is None else last + 1
        method = ShippingMethod.objects.create(store=store, zone=zone, is_active=bool(is_active), **clean)
        store_config_changed(store.pk)
        audit_record(action="shipping.method_create", actor=actor, store=store, obj=method, details=_summary(method))
    return method


def shipping_method_update(
    *,
    store: Store,
    actor: Actor,
    method: ShippingMethod,
    zone: ShippingZone,
    name: str,
    kind: str,
    price: Decimal | str | None,
    weight_brackets: list[Any] | None = None,
    free_above: Decimal | str | None = None,
    delivery_estimate: str = "",
    is_active: bool = True,
    position: int | str | None = None,
) -> ShippingMethod:
    """Replace the method's fields; `zone` may move it to another zone of the store. A blank position keeps it."""
    _check_store(store, method, METHOD_NOT_FOUND)
    _check_store(store, zone, ZONE_NOT_FOUND)
    with transaction.atomic():
        _lock_zone(store, zone)
        clean = _clean_method(
            store=store,
            zone=zone,
            method=method,
            name=name,
            kind=kind,
            price=price,
            weight_brackets=weight_brackets,
            free_above=free_above,
            delivery_estimate=delivery_estimate,
            position=position,
        )
        if clean["position"] is None:
            clean["position"] = method.position
        before = _summary(method)
        for field, value in clean.items():
            setattr(method, field, value)
        method.zone = zone
        method.is_active = bool(is_active)
        if not ShippingMethod.objects.filter(store=store, pk=method.pk).update(
            zone=zone, is_active=method.is_active, **clean
        ):
            raise NotFound(METHOD_NOT_FOUND)
        store_config_changed(store.pk)
        audit_record(
            action="shipping.method_update",
            actor=actor,
            store=store,
            obj=method,
            details={"before": before, "after": _summary(method)},
        )
    return method


def shipping_method_delete(*, store: Store, actor: Actor, method: ShippingMethod) -> None:
    """Delete the method. Checkouts that chose it are asked to choose again; orders keep what they were charged."""
    _check_store(store, method, METHOD_NOT_FOUND)
    with transaction.atomic():
        audit_record(action="shipping.method_delete", actor=actor, store=store, obj=method, details=_summary(method))
        deleted, _ = method.delete()
        if not deleted:
            raise NotFound(METHOD_NOT_FOUND)
        store_config_changed(store.pk)


def _clean_method(
    *,
    store: Store,
    zone: ShippingZone,
    method: ShippingMethod | None,
    name: Any,
    kind: Any,
    price: Any,
    weight_brackets: Any,
    free_above: Any,
    delivery_estimate: Any,
    position: Any,
) -> dict[str, Any]:
    errors = FieldErrors()
    places = store_currency_places(store)
    clean_name = clean_text(name, errors, "name", label="a name for the method", max_length=MAX_NAME_LENGTH)
    clean_kind = clean_choice(kind, errors, "kind", choices=RateKind.choices, label="how the price is set")
    # A weight-priced method ignores the flat price: blank means 0 there.
    flat_price_required = clean_kind != RateKind.WEIGHT
    clean_price = clean_money(
        price, errors, "price", places=places, label="the price", required=flat_price_required
    ) or Decimal(0)
    brackets = clean_brackets(weight_brackets, errors, places=places)
    bracket_problems = any(key.partition(".")[0] == "weight_brackets" for key in errors.fields)
    if clean_kind == RateKind.WEIGHT and not brackets and not bracket_problems:
        errors.add("weight_brackets", "Add at least one weight bracket: up to how many grams, and its price.")
    clean_free_above = clean_money(
        free_above, errors, "free_above", places=places, label="the free-shipping amount", required=False
    )
    estimate = clean_text(
        delivery_estimate,
        errors,
        "delivery_estimate",
        label="the delivery estimate",
        max_length=MAX_ESTIMATE_LENGTH,
        required=False,
    )
    clean_pos = clean_position(position, errors)
    if clean_name:
        same_name = ShippingMethod.objects.filter(store=store, zone=zone, name__iexact=clean_name)
        if method is not None:
            same_name = same_name.exclude(pk=method.pk)
        if same_name.exists():
            errors.add("name", f"The zone “{zone.name}” already has a method with this name.")
    errors.raise_if_any()
    return {
        "name": clean_name,
        "kind": clean_kind,
        "price": clean_price,
        "weight_brackets": brackets,
        "free_above": clean_free_above,
        "delivery_estimate": estimate,
        "position": clean_pos,
    }


def _summary(method: ShippingMethod) -> dict[str, Any]:
    """What the audit log keeps of a method: its settings as text (JSON-safe)."""
    return {
        "zone_id": method.zone_id,
        "name": method.name,
        "kind": method.kind,
        "price": str(method.price),
        "weight_brackets": list(method.weight_brackets),
        "free_above": None if method.free_above is None else str(method.free_above),
        "is_active": method.is_active,
    }


# --- helpers ---------------------------------------------------------------------------


def _check_store(store: Store, obj: ShippingZone | ShippingMethod, message: str) -> None:
    if obj.pk is None or obj.store_id != store.pk:
        raise NotFound(message)


def _lock_store(store: Store) -> None:
    """Serialise zone writes of one store (PostgreSQL row lock; SQLite's immediate transactions do it anyway)."""
    if not store_lock(store_id=store.pk):
        raise NotFound("No such store.")


def _lock_zone(store: Store, zone: ShippingZone) -> None:
    """Hold the zone while its methods are checked and written: a concurrent delete of it waits or wins cleanly."""
    if not ShippingZone.objects.select_for_update().filter(store=store, pk=zone.pk).values_list("pk", flat=True):
        raise NotFound(ZONE_NOT_FOUND)
