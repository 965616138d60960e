"""Checkout reads a store's tax rates from its cached configuration: a changed rate is charged at the next pricing."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from shopwright.core.audit import Actor
from shopwright.shipping import services as shipping_services
from shopwright.stores.models import Store
from shopwright.taxes import services
from shopwright.taxes.models import TaxRate
from shopwright.taxes.selectors import tax_rate_for
from tests.config_cache_helpers import CALIFORNIA, Buyer, config_queries

pytestmark = pytest.mark.django_db

Committed = Callable[[], AbstractContextManager[Any]]


@pytest.fixture
def committed(django_capture_on_commit_callbacks) -> Committed:  # type: ignore[no-untyped-def]
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _taxing_store(store: Store, actor: Actor, committed: Committed, *, rate: str = "19") -> None:
    """Ships to Germany and the US for 5.00; charges `rate` % in Germany, on shipping too."""
    with committed():
        zone = shipping_services.shipping_zone_create(store=store, actor=actor, name="Zone", areas=["DE", "US"])
        shipping_services.shipping_method_create(
            store=store, actor=actor, zone=zone, name="Standard", kind="flat", price="5"
        )
        services.tax_rate_set(store=store, actor=actor, area="DE", name="VAT", rate=rate, applies_to_shipping=True)


def _tax(checkout: dict[str, Any]) -> tuple[str, str, list[tuple[str, str]]]:
    lines = [(line["area"], line["rate"]) for line in checkout["tax_lines"]]
    return checkout["tax_total"], checkout["total"], lines


def test_a_changed_rate_is_charged_at_the_next_pricing(store, actor, committed) -> None:
    _taxing_store(store, actor, committed)
    buyer = Buyer(store)
    buyer.ready()
    assert _tax(buyer.get()) == ("2.85", "17.85", [("DE", "19.0000")])

    with committed():
        services.tax_rate_set(store=store, actor=actor, area="DE", name="VAT", rate="7", applies_to_shipping=False)
    assert _tax(buyer.get()) == ("0.70", "15.70", [("DE", "7.0000")])

    with committed():
        services.tax_rate_delete(store=store, actor=actor, tax_rate=TaxRate.objects.get(store=store, area="DE"))
    assert _tax(buyer.get()) == ("0.00", "15.00", [])


def test_a_new_region_rate_wins_over_its_country_at_the_next_pricing(store, actor, committed) -> None:
    _taxing_store(store, actor, committed)
    with committed():
        services.tax_rate_set(store=store, actor=actor, area="US", name="Federal", rate="5", applies_to_shipping=False)
    buyer = Buyer(store)
    buyer.ready(CALIFORNIA)
    assert _tax(buyer.get()) == ("0.50", "15.50", [("US", "5.0000")])

    with committed():
        services.tax_rate_set(
            store=store, actor=actor, area="US-CA", name="Sales tax", rate="7.25", applies_to_shipping=False
        )
    assert _tax(buyer.get()) == ("0.73", "15.73", [("US-CA", "7.2500")])


def test_two_stores_taxing_the_same_country_each_charge_their_own_rate(store, other_store, actor, committed) -> None:
    _taxing_store(store, actor, committed, rate="19")
    _taxing_store(other_store, Actor.user(other_store.owner), committed, rate="7")
    mine, theirs = Buyer(store), Buyer(other_store)
    mine.ready()
    theirs.ready()
    for _ in range(2):
        assert _tax(mine.get())[2] == [("DE", "19.0000")]
        assert _tax(theirs.get())[2] == [("DE", "7.0000")]
    assert tax_rate_for(store=store, country="DE", area="").rate == Decimal(19)
    assert tax_rate_for(store=other_store, country="DE", area="").rate == Decimal(7)


def test_a_rolled_back_rate_change_is_never_charged(store, actor, committed) -> None:
    _taxing_store(store, actor, committed)
    buyer = Buyer(store)
    buyer.ready()
    assert _tax(buyer.get())[0] == "2.85"
    with pytest.raises(RuntimeError), transaction.atomic():
        services.tax_rate_set(store=store, actor=actor, area="DE", name="VAT", rate="25", applies_to_shipping=True)
        assert _tax(buyer.get())[0] == "3.75"  # the writing transaction sees its change
        raise RuntimeError
    with config_queries() as queries:
        assert _tax(buyer.get())[0] == "2.85"
    assert queries == []


def test_the_cached_rate_is_the_row_the_database_holds(store, actor, committed, django_assert_num_queries) -> None:
    with committed():
        saved = services.tax_rate_set(
            store=store, actor=actor, area="US-CA", name="Sales tax", rate="7.25", applies_to_shipping=False
        )
    with django_assert_num_queries(1):
        first = tax_rate_for(store=store, country="US", area="CA")
    with django_assert_num_queries(0):
        again = tax_rate_for(store=store, country="us", area="ca")
        assert tax_rate_for(store=store, country="US", area="NY") is None
    row = TaxRate.objects.get(store=store, pk=saved.pk)
    for rate in (first, again):
        assert rate is not None and rate == row and not rate._state.adding
        assert (rate.store_id, rate.area, rate.name, rate.rate, rate.applies_to_shipping, rate.created_at) == (
            row.store_id,
            row.area,
            row.name,
            row.rate,
            row.applies_to_shipping,
            row.created_at,
        )
