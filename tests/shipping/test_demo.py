"""`shopwright demo` gives the demo store zones, methods and tax rates, so its checkout can take orders; once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shopwright.core.models import AuditEntry
from shopwright.shipping import demo
from shopwright.shipping.models import ShippingMethod, ShippingZone
from shopwright.shipping.selectors import shipping_quotes
from shopwright.stores.models import Store
from shopwright.taxes.models import TaxRate
from shopwright.taxes.selectors import tax_rate_for
from tests.factories import make_merchant

pytestmark = pytest.mark.django_db


def _quotes(store: Store, country: str, area: str = "", subtotal: str = "20.00", weight: int = 800):
    found = shipping_quotes(store=store, country=country, area=area, subtotal=Decimal(subtotal), weight_grams=weight)
    return None if found is None else [(q.name, q.price) for q in found]


def test_the_demo_store_ships_home_to_europe_and_the_world_and_charges_tax(store) -> None:
    assert str(store.country) == "GB"
    result = demo.demo_shipping_load(store=store)

    assert (result.zones_created, result.methods_created, result.rates_created) == (3, 4, 5)
    zones = {z.name: z.areas for z in ShippingZone.objects.filter(store=store)}
    assert zones["Domestic"] == ["GB"]
    assert {"DE", "FR", "NL", "ES", "IT"} <= set(zones["Europe"])
    assert "GB" not in zones["Rest of world"] and {"US", "CA", "AU", "JP"} <= set(zones["Rest of world"])
    assert _quotes(store, "GB") == [("Standard", Decimal("4.90")), ("Express", Decimal("12.00"))]
    assert _quotes(store, "GB", subtotal="75.00") == [("Standard", Decimal(0)), ("Express", Decimal(0))]
    assert _quotes(store, "DE", weight=800) == [("Tracked", Decimal("9.90"))]
    assert _quotes(store, "DE", weight=25_000) == []  # too heavy for every bracket
    assert _quotes(store, "US", "CA") == [("International", Decimal("19.00"))]
    assert _quotes(store, "BR") is None  # not shipped to
    assert tax_rate_for(store=store, country="DE", area="").rate == Decimal(19)
    assert tax_rate_for(store=store, country="FR", area="").rate == Decimal(20)
    assert tax_rate_for(store=store, country="US", area="CA").rate == Decimal("7.25")
    assert tax_rate_for(store=store, country="US", area="NY") is None
    # Made through the services, as the system.
    entry = AuditEntry.objects.filter(store_id=store.pk, action="shipping.zone_create").first()
    assert entry is not None and entry.actor_type == "system"


def test_loading_again_changes_nothing_and_costs_two_queries(store, django_assert_num_queries) -> None:
    demo.demo_shipping_load(store=store)
    ShippingMethod.objects.filter(store=store, name="Express").update(price=Decimal("15.00"))  # the merchant's edit
    before = (
        list(ShippingZone.objects.filter(store=store).values_list("name", "areas")),
        list(ShippingMethod.objects.filter(store=store).values_list("name", "price")),
        list(TaxRate.objects.filter(store=store).values_list("area", "rate")),
    )
    with django_assert_num_queries(2):
        result = demo.demo_shipping_load(store=store)
    assert (result.zones_created, result.methods_created, result.rates_created) == (0, 0, 0)
    after = (
        list(ShippingZone.objects.filter(store=store).values_list("name", "areas")),
        list(ShippingMethod.objects.filter(store=store).values_list("name", "price")),
        list(TaxRate.objects.filter(store=store).values_list("area", "rate")),
    )
    assert after == before


def test_a_store_at_home_in_europe_and_with_zones_of_its_own() -> None:
    german = make_merchant(country="DE").store
    ShippingZone.objects.create(store=german, name="Neighbours", areas=["FR", "AT"])
    demo.demo_shipping_load(store=german)
    zones = {z.name: z.areas for z in ShippingZone.objects.filter(store=german)}
    assert zones["Domestic"] == ["DE"]
    assert not {"DE", "FR", "AT"} & set(zones["Europe"])  # a country belongs to one zone only
    assert "GB" in zones["Rest of world"]


def test_shopwright_demo_loads_the_shipping_settings(monkeypatch) -> None:
    from shopwright.catalog import demo as catalog_demo
    from shopwright.stores.demo import demo_load

    # The catalog's pictures take seconds to draw and are tested on their own.
    monkeypatch.setattr(catalog_demo, "demo_catalog_load", lambda **kwargs: None)
    store = demo_load()
    assert sorted(ShippingZone.objects.filter(store=store).values_list("name", flat=True)) == [
        "Domestic",
        "Europe",
        "Rest of world",
    ]
    assert TaxRate.objects.filter(store=store).exists()
