"""Checkout reads a store's zones and methods from its cached configuration: changes show at the next pricing.

Each change is made through shipping.services inside `committed()` (its
on-commit bump runs as after a real commit), then the buyer's next call to
the checkout API must price with it: with a stale cache it would not.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction

from shopwright.checkout.selectors import NO_SHIPPING_METHOD
from shopwright.core.audit import Actor
from shopwright.shipping import services
from shopwright.shipping.models import ShippingMethod, ShippingZone
from shopwright.shipping.selectors import shipped_countries, shipping_config, shipping_quotes
from shopwright.stores.models import Store
from shopwright.taxes import services as tax_services
from tests.config_cache_helpers import JAPAN, Buyer, config_queries, options

pytestmark = pytest.mark.django_db

Committed = Callable[[], AbstractContextManager[Any]]


@pytest.fixture
def committed(django_capture_on_commit_callbacks) -> Committed:  # type: ignore[no-untyped-def]
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _method_fields(method: ShippingMethod, **changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "name": method.name,
        "kind": method.kind,
        "price": method.price,
        "weight_brackets": method.weight_brackets,
        "free_above": method.free_above,
        "delivery_estimate": method.delivery_estimate,
        "is_active": method.is_active,
        "position": method.position,
    }
    fields.update(changes)
    return fields


def _shipping_store(store: Store, actor: Actor, committed: Committed, *, price: str = "5.00") -> ShippingMethod:
    with committed():
        zone = services.shipping_zone_create(store=store, actor=actor, name="Europe", areas=["DE", "FR"])
        method = services.shipping_method_create(
            store=store, actor=actor, zone=zone, name="Standard", kind="flat", price=price
        )
        tax_services.tax_rate_set(store=store, actor=actor, area="DE", name="VAT", rate="19", applies_to_shipping=True)
    return method


def test_a_method_price_changed_by_the_merchant_is_charged_at_the_next_pricing(store, actor, committed) -> None:
    method = _shipping_store(store, actor, committed)
    buyer = Buyer(store)
    before = buyer.choose(buyer.information()["shipping_options"][0]["method_id"])
    assert before["shipping_total"] == "5.00" and buyer.get()["shipping_total"] == "5.00"  # cached by now

    with committed():
        services.shipping_method_update(
            store=store, actor=actor, method=method, zone=method.zone, **_method_fields(method, price="7.50")
        )

    after = buyer.get()
    assert options(after) == [("Standard", "7.50")]
    assert after["shipping_total"] == "7.50" and after["total"] == "20.83"  # 17.50 + 19 % VAT
    assert after["signature"] != before["signature"]


def test_a_deactivated_or_deleted_method_is_no_longer_offered(store, actor, committed) -> None:
    method = _shipping_store(store, actor, committed)
    buyer = Buyer(store)
    assert options(buyer.information()) == [("Standard", "5.00")]

    with committed():
        services.shipping_method_update(
            store=store, actor=actor, method=method, zone=method.zone, **_method_fields(method, is_active=False)
        )
    deactivated = buyer.get()
    assert deactivated["shipping_options"] == [] and NO_SHIPPING_METHOD in deactivated["problems"]

    with committed():
        services.shipping_method_update(
            store=store, actor=actor, method=method, zone=method.zone, **_method_fields(method, is_active=True)
        )
    assert options(buyer.get()) == [("Standard", "5.00")]
    with committed():
        services.shipping_method_delete(store=store, actor=actor, method=method)
    assert buyer.get()["shipping_options"] == []


def test_a_new_zone_ships_where_the_store_did_not_and_a_changed_one_stops(store, actor, committed) -> None:
    method = _shipping_store(store, actor, committed)
    buyer = Buyer(store)
    assert buyer.information(JAPAN)["ships_to_address"] is False

    with committed():
        asia = services.shipping_zone_create(store=store, actor=actor, name="Asia", areas=["JP"])
        services.shipping_method_create(store=store, actor=actor, zone=asia, name="Air", kind="flat", price="20")
    arrived = buyer.get()
    assert arrived["ships_to_address"] is True and options(arrived) == [("Air", "20.00")]

    with committed():
        services.shipping_zone_update(store=store, actor=actor, zone=asia, name="Asia", areas=["KR"])
    assert buyer.get()["ships_to_address"] is False

    german = Buyer(store)
    assert options(german.information()) == [("Standard", "5.00")]
    with committed():
        services.shipping_zone_delete(store=store, actor=actor, zone=method.zone)
    assert german.get()["ships_to_address"] is False


def test_the_writing_transaction_prices_with_its_own_change(store, actor, committed) -> None:
    """Before its commit (no bump yet), the transaction that changed a method already reads the change."""
    method = _shipping_store(store, actor, committed)
    buyer = Buyer(store)
    assert options(buyer.information()) == [("Standard", "5.00")]
    services.shipping_method_update(
        store=store, actor=actor, method=method, zone=method.zone, **_method_fields(method, price="6.00")
    )
    assert options(buyer.get()) == [("Standard", "6.00")]
    services.shipping_method_update(
        store=store, actor=actor, method=method, zone=method.zone, **_method_fields(method, price="6.50")
    )
    assert options(buyer.get()) == [("Standard", "6.50")]


def test_a_rolled_back_change_is_never_served_and_bumps_nothing(store, actor, committed) -> None:
    method = _shipping_store(store, actor, committed)
    buyer = Buyer(store)
    assert options(buyer.information()) == [("Standard", "5.00")]
    version = cache.get(f"store-config-version:{store.pk}")

    with pytest.raises(RuntimeError), transaction.atomic():
        services.shipping_method_update(
            store=store, actor=actor, method=method, zone=method.zone, **_method_fields(method, price="9.00")
        )
        assert options(buyer.get()) == [("Standard", "9.00")]
        raise RuntimeError("the merchant's request failed after the update")

    assert cache.get(f"store-config-version:{store.pk}") == version
    with config_queries() as queries:
        assert options(buyer.get()) == [("Standard", "5.00")]
    assert queries == []  # the entry cached before the rolled-back change is still the right one


def test_one_stores_zones_are_never_served_to_another(store, other_store, actor, committed) -> None:
    other_actor = Actor.user(other_store.owner)
    _shipping_store(store, actor, committed, price="5.00")
    _shipping_store(other_store, other_actor, committed, price="8.00")
    mine, theirs = Buyer(store), Buyer(other_store)
    for _ in range(2):
        assert options(mine.information()) == [("Standard", "5.00")]
        assert options(theirs.information()) == [("Standard", "8.00")]
        assert options(mine.get()) == [("Standard", "5.00")]
        assert options(theirs.get()) == [("Standard", "8.00")]


def test_a_warm_checkout_runs_no_shipping_tax_or_payment_settings_statement(store, actor, committed) -> None:
    _shipping_store(store, actor, committed)
    first = Buyer(store)
    with committed():
        first.place(first.ready()["signature"])  # every setting the flow reads is cached now

    buyer = Buyer(store)
    with config_queries() as queries, committed():
        offered = buyer.information()["shipping_options"]
        chosen = buyer.choose(offered[0]["method_id"])
        assert buyer.get()["total"] == chosen["total"] == "17.85"
        placed = buyer.place(chosen["signature"])
    assert placed["total"] == "17.85"
    assert queries == []


def test_the_cached_configuration_is_what_the_database_holds(store, actor, committed) -> None:
    with committed():
        zone = services.shipping_zone_create(store=store, actor=actor, name="Home", areas=["DE", "US-CA"])
        services.shipping_method_create(
            store=store,
            actor=actor,
            zone=zone,
            name="Parcel",
            kind="weight",
            price=None,
            weight_brackets=[{"up_to_grams": 1000, "price": "4"}, {"up_to_grams": 5000, "price": "9"}],
            free_above="100",
            delivery_estimate="2 days",
            position=2,
        )
        services.shipping_method_create(store=store, actor=actor, zone=zone, name="Post", kind="flat", price="3")
        services.shipping_method_create(
            store=store, actor=actor, zone=zone, name="Off", kind="flat", price="1", is_active=False
        )
    config = shipping_config(store=store)
    assert shipping_config(store=store) == config
    (cached,) = config.zones
    assert (cached.zone_id, cached.name, cached.areas) == (zone.pk, "Home", ("DE", "US-CA"))
    assert [(m.name, m.kind, m.price, m.free_above, m.delivery_estimate) for m in cached.methods] == [
        ("Parcel", "weight", Decimal(0), Decimal("100.00"), "2 days"),
        ("Post", "flat", Decimal("3.00"), None, ""),
    ]
    quotes = shipping_quotes(store=store, country="us", area="ca", subtotal=Decimal(10), weight_grams=1200)
    assert [(q.name, q.price) for q in quotes or []] == [("Parcel", Decimal("9.00")), ("Post", Decimal("3.00"))]
    assert shipped_countries(store=store) == {"DE", "US"}


def test_quotes_read_nothing_once_cached(store, actor, committed, django_assert_num_queries) -> None:
    _shipping_store(store, actor, committed)
    with django_assert_num_queries(2):  # zones, then every active method of the store
        assert shipping_quotes(store=store, country="DE", area="", subtotal=Decimal(1), weight_grams=1)
    with django_assert_num_queries(0):
        assert shipping_quotes(store=store, country="FR", area="", subtotal=Decimal(1), weight_grams=1)
        assert shipping_quotes(store=store, country="JP", area="", subtotal=Decimal(1), weight_grams=1) is None


def test_a_write_outside_the_services_is_caught_by_the_signals(store, actor, committed) -> None:
    """The net under the services' explicit calls: a save or delete anywhere (the shell) also replaces the copy."""
    method = _shipping_store(store, actor, committed)
    buyer = Buyer(store)
    assert options(buyer.information()) == [("Standard", "5.00")]
    with committed():
        method.price = Decimal("4.00")
        method.save(update_fields=["price"])
    assert options(buyer.get()) == [("Standard", "4.00")]
    with committed():
        ShippingZone.objects.get(store=store, pk=method.zone_id).delete()
    assert buyer.get()["ships_to_address"] is False
