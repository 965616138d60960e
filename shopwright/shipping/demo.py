"""The demo store's shipping zones, methods and tax rates, so its checkout can take orders at once.

Everything goes through `shipping.services` and `taxes.services`, as a
merchant's settings would. Loading is idempotent: zones are matched by name
and rates by area, and what exists is left alone (the merchant may have
changed it), so a second load costs two queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from shopwright.catalog.money import in_minor_units
from shopwright.core.audit import Actor
from shopwright.shipping import services
from shopwright.shipping.models import RateKind, ShippingZone
from shopwright.stores.models import Store
from shopwright.taxes import services as tax_services
from shopwright.taxes.models import TaxRate

EUROPE = ["DE", "FR", "NL", "BE", "LU", "AT", "ES", "PT", "IT", "IE", "DK", "SE", "FI", "PL", "CZ"]
REST_OF_WORLD = ["US", "CA", "AU", "NZ", "JP", "SG", "CH", "NO", "GB"]
# Weight brackets of the European "Tracked" method: (up to grams, price).
TRACKED = [(500, "6.50"), (2000, "9.90"), (5000, "14.90"), (20000, "24.00")]


@dataclass(frozen=True)
class DemoRate:
    area: str
    name: str
    rate: str


TAX_RATES = [
    DemoRate("GB", "VAT", "20"),
    DemoRate("DE", "MwSt.", "19"),
    DemoRate("FR", "TVA", "20"),
    DemoRate("NL", "BTW", "21"),
    DemoRate("US-CA", "Sales tax", "7.25"),
]


@dataclass
class DemoShippingResult:
    zones_created: int = 0
    methods_created: int = 0
    rates_created: int = 0


def demo_shipping_load(*, store: Store, actor: Actor | None = None) -> DemoShippingResult:
    """Create the demo zones (with their methods) and tax rates that are missing. Idempotent.

    "Domestic" is the store's own country (the US when it has none); the
    other zones leave out every country already in a zone, since a country
    belongs to one zone only. Each zone is created with its methods in one
    transaction, so an interrupted load never leaves a zone without them.
    """
    actor = actor or Actor.system()
    result = DemoShippingResult()
    home = str(store.country or "") or "US"
    existing = list(ShippingZone.objects.filter(store=store).only("name", "areas"))
    names = {zone.name for zone in existing}
    taken = {area for zone in existing for area in zone.areas}
    rate_areas = set(TaxRate.objects.filter(store=store).values_list("area", flat=True))

    def money(amount: str) -> Decimal:
        return in_minor_units(Decimal(amount), store.currency)

    flat = [
        ("Standard", money("4.90"), "2–4 business days"),
        ("Express", money("12.00"), "Next day"),
    ]
    plans: list[tuple[str, list[str], list[dict[str, Any]]]] = [
        (
            "Domestic",
            [home],
            [
                {"name": n, "kind": RateKind.FLAT, "price": p, "free_above": money("75"), "delivery_estimate": e}
                for n, p, e in flat
            ],
        ),
        (
            "Europe",
            EUROPE,
            [
                {
                    "name": "Tracked",
                    "kind": RateKind.WEIGHT,
                    "price": None,
                    "weight_brackets": [{"up_to_grams": g, "price": money(p)} for g, p in TRACKED],
                    "free_above": money("150"),
                    "delivery_estimate": "3–6 business days",
                }
            ],
        ),
        (
            "Rest of world",
            REST_OF_WORLD,
            [
                {
                    "name": "International",
                    "kind": RateKind.FLAT,
                    "price": money("19.00"),
                    "delivery_estimate": "5–10 business days",
                }
            ],
        ),
    ]
    for name, wanted, methods in plans:
        if name in names:
            continue
        areas = [area for area in wanted if area not in taken]
        if not areas:
            continue
        with transaction.atomic():
            zone = services.shipping_zone_create(store=store, actor=actor, name=name, areas=areas)
            for fields in methods:
                services.shipping_method_create(store=store, actor=actor, zone=zone, **fields)
        taken.update(areas)
        result.zones_created += 1
        result.methods_created += len(methods)

    for demo_rate in TAX_RATES:
        if demo_rate.area in rate_areas:
            continue
        tax_services.tax_rate_set(
            store=store,
            actor=actor,
            area=demo_rate.area,
            name=demo_rate.name,
            rate=demo_rate.rate,
            applies_to_shipping=True,
        )
        result.rates_created += 1
    return result
