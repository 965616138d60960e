"""Which methods a buyer is offered for a destination, and what the back office lists."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shopwright.core.exceptions import NotFound
from shopwright.shipping.models import ShippingMethod, ShippingZone
from shopwright.shipping.selectors import method_for_office, shipping_quotes, zone_for_office, zones_for_office

pytestmark = pytest.mark.django_db


def _zone(store, name: str, areas: list[str]) -> ShippingZone:
    return ShippingZone.objects.create(store=store, name=name, areas=areas)


def _method(store, zone, name: str, price: str = "5.00", **fields) -> ShippingMethod:
    return ShippingMethod.objects.create(store=store, zone=zone, name=name, price=Decimal(price), **fields)


def _names(quotes) -> list[str]:
    return [q.name for q in quotes]


def _quotes(store, country: str, area: str = "", subtotal: str = "20.00", weight: int = 300):
    return shipping_quotes(store=store, country=country, area=area, subtotal=Decimal(subtotal), weight_grams=weight)


def test_a_region_zone_wins_over_its_country_zone(store) -> None:
    usa = _zone(store, "USA", ["US"])
    west = _zone(store, "West coast", ["US-CA", "US-OR"])
    _method(store, usa, "Ground", "8.00")
    _method(store, west, "Local courier", "3.00")

    assert _names(_quotes(store, "US", "CA")) == ["Local courier"]
    assert _names(_quotes(store, "us", "or")) == ["Local courier"]  # however the address writes it
    assert _names(_quotes(store, "US", "NY")) == ["Ground"]
    assert _names(_quotes(store, "US")) == ["Ground"]


def test_a_country_in_no_zone_is_not_shipped_to(store) -> None:
    _method(store, _zone(store, "Europe", ["DE", "FR"]), "Standard")
    assert _quotes(store, "JP") is None
    assert _quotes(store, "") is None
    assert _quotes(store, "US", "CA") is None


def test_only_active_methods_that_can_carry_the_parcel_are_offered_in_order(store) -> None:
    zone = _zone(store, "Domestic", ["DE"])
    _method(store, zone, "Express", "12.00", position=2)
    _method(store, zone, "Standard", "4.90", position=1, free_above=Decimal("75.00"))
    _method(store, zone, "Pallet", "0", position=3, is_active=False)
    _method(
        store,
        zone,
        "Letter",
        position=0,
        kind="weight",
        weight_brackets=[{"up_to_grams": 500, "price": "1.80"}],
    )

    quotes = _quotes(store, "DE", weight=400)
    assert [(q.name, q.price) for q in quotes] == [
        ("Letter", Decimal("1.80")),
        ("Standard", Decimal("4.90")),
        ("Express", Decimal("12.00")),
    ]
    assert _names(_quotes(store, "DE", weight=501)) == ["Standard", "Express"]  # too heavy for a letter
    assert [q.price for q in _quotes(store, "DE", subtotal="75.00", weight=501)] == [Decimal(0), Decimal("12.00")]


def test_another_stores_zones_are_never_offered(store, other_store) -> None:
    _method(other_store, _zone(other_store, "Everywhere", ["DE"]), "Theirs")
    assert _quotes(store, "DE") is None


@pytest.mark.parametrize("zones", [1, 12])
def test_quotes_take_two_queries_however_many_zones_and_methods(store, zones, django_assert_max_num_queries) -> None:
    for i in range(zones):
        zone = _zone(store, f"Zone {i}", [f"US-{code}" for code in ("CA", "NY", "TX")[: 1 + i % 3]] if i else ["DE"])
        for j in range(5):
            _method(store, zone, f"Method {j}")
    with django_assert_max_num_queries(2):
        assert len(_quotes(store, "DE")) == 5


@pytest.mark.parametrize("zones", [1, 10])
def test_the_back_office_list_reads_zones_and_methods_in_two_queries(store, zones, django_assert_num_queries) -> None:
    for i in range(zones):
        zone = _zone(store, f"Zone {i:02}", [f"C{i}"])
        for j in range(3):
            _method(store, zone, f"Method {j}", position=3 - j)
    with django_assert_num_queries(2):
        listed = zones_for_office(store=store)
        methods = [[m.name for m in zone.methods.all()] for zone in listed]
    assert [z.name for z in listed] == [f"Zone {i:02}" for i in range(zones)]
    assert methods[0] == ["Method 2", "Method 1", "Method 0"]


def test_another_stores_zone_or_method_is_not_found(store, other_store) -> None:
    theirs = _zone(other_store, "Theirs", ["DE"])
    their_method = _method(other_store, theirs, "Theirs")
    with pytest.raises(NotFound):
        zone_for_office(store=store, zone_id=theirs.pk)
    with pytest.raises(NotFound):
        method_for_office(store=store, method_id=their_method.pk)
    assert zone_for_office(store=other_store, zone_id=theirs.pk) == theirs
