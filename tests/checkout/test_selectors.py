"""Pricing a checkout: taxes inclusive and exclusive, zones and regions, shipping rules, problems a buyer must see."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shopwright.checkout.selectors import (
    NO_SHIPPING_METHOD,
    checkout_priced,
    review_changes,
    review_snapshot,
    stock_messages,
)
from shopwright.shipping.models import RateKind, ShippingMethod
from shopwright.shipping.selectors import shipped_countries
from shopwright.stores.models import Store
from tests.cart.helpers import set_price, set_stock
from tests.checkout.helpers import variant
from tests.checkout_factories import address, make_checkout, make_shipping, make_tax
from tests.factories import make_merchant

pytestmark = pytest.mark.django_db

CALIFORNIA = address(country="US", country_area="CA", city="MOUNTAIN VIEW", postal_code="94043")
NEW_YORK = address(country="US", country_area="NY", city="NEW YORK", postal_code="10001")


def _store(*, inclusive: bool = False) -> Store:
    store = make_merchant().store
    if inclusive:
        Store.objects.filter(pk=store.pk).update(prices_include_tax=True)
        store.refresh_from_db()
    return store


def test_exclusive_prices_get_tax_on_top_of_lines_and_shipping() -> None:
    store = _store()
    method = make_shipping(store, price="5.00")
    make_tax(store, area="DE", rate="19")
    checkout = make_checkout(store, [(variant(store, price="10.00"), 2)], method=method)
    priced = checkout_priced(store=store, checkout=checkout)
    assert (priced.subtotal, priced.shipping_total, priced.tax_total, priced.total) == (
        Decimal("20.00"),
        Decimal("5.00"),
        Decimal("4.75"),
        Decimal("29.75"),
    )
    assert [(t.name, t.rate, t.taxable_amount, t.amount) for t in priced.tax_lines] == [
        ("VAT", Decimal("19"), Decimal("25.00"), Decimal("4.75"))
    ]
    assert priced.lines[0].tax_amount == Decimal("3.80")
    assert priced.ready and not priced.problems


def test_inclusive_prices_hold_the_tax_and_the_total_is_what_the_shelf_said() -> None:
    store = _store(inclusive=True)
    method = make_shipping(store, price="5.00")
    make_tax(store, area="DE", rate="19")
    priced = checkout_priced(
        store=store, checkout=make_checkout(store, [(variant(store, price="10.00"), 2)], method=method)
    )
    assert priced.prices_include_tax
    assert (priced.subtotal, priced.shipping_total, priced.total) == (
        Decimal("20.00"),
        Decimal("5.00"),
        Decimal("25.00"),
    )
    # 20.00 - 20.00/1.19 = 3.19 and 5.00 - 5.00/1.19 = 0.80
    assert priced.tax_total == Decimal("3.99")
    assert priced.tax_lines[0].taxable_amount == Decimal("21.01")


def test_a_region_rate_beats_its_country_rate() -> None:
    store = _store()
    method = make_shipping(store, areas=["US"], price="5.00")
    make_tax(store, area="US", rate="5", name="Sales tax")
    make_tax(store, area="US-CA", rate="7.25", name="CA sales tax")
    item = variant(store, price="10.00")
    california = checkout_priced(
        store=store, checkout=make_checkout(store, [(item, 2)], method=method, shipping_address=CALIFORNIA)
    )
    assert [(t.name, t.amount) for t in california.tax_lines] == [("CA sales tax", Decimal("1.81"))]
    new_york = checkout_priced(
        store=store, checkout=make_checkout(store, [(item, 2)], method=method, shipping_address=NEW_YORK)
    )
    assert [(t.name, t.amount) for t in new_york.tax_lines] == [("Sales tax", Decimal("1.25"))]
    assert new_york.total == Decimal("26.25")


def test_a_zone_naming_the_region_wins_over_one_naming_the_country() -> None:
    store = _store()
    make_shipping(store, areas=["US"], name="Ground", price="9.00")
    local = make_shipping(store, areas=["US-CA"], name="Local courier", price="3.00")
    priced = checkout_priced(
        store=store, checkout=make_checkout(store, [(variant(store), 1)], method=local, shipping_address=CALIFORNIA)
    )
    assert [o.name for o in priced.shipping_options] == ["Local courier"]
    assert priced.shipping_total == Decimal("3.00")


def test_shipping_is_free_from_the_free_above_amount() -> None:
    store = _store()
    method = make_shipping(store, price="5.00", free_above=Decimal("50.00"))
    item = variant(store, price="10.00")
    below = checkout_priced(store=store, checkout=make_checkout(store, [(item, 4)], method=method))
    assert below.shipping_total == Decimal("5.00")
    at = checkout_priced(store=store, checkout=make_checkout(store, [(item, 5)], method=method))
    assert at.shipping_total == Decimal("0.00") and at.total == Decimal("50.00")


def test_weight_brackets_price_by_weight_and_a_too_heavy_order_loses_the_method() -> None:
    store = _store()
    brackets = [{"up_to_grams": 1000, "price": "4.00"}, {"up_to_grams": 5000, "price": "9.00"}]
    parcel = make_shipping(store, name="Parcel", kind=RateKind.WEIGHT, weight_brackets=brackets)
    ShippingMethod.objects.create(store=store, zone=parcel.zone, name="Freight", price=Decimal("40.00"), position=1)
    item = variant(store, price="10.00")
    type(item).objects.filter(store=store, pk=item.pk).update(weight_grams=600)
    light = checkout_priced(store=store, checkout=make_checkout(store, [(item, 1)], method=parcel))
    assert [(o.name, o.price) for o in light.shipping_options] == [
        ("Parcel", Decimal("4.00")),
        ("Freight", Decimal("40.00")),
    ]
    middle = checkout_priced(store=store, checkout=make_checkout(store, [(item, 2)], method=parcel))
    assert middle.weight_grams == 1200 and middle.shipping_total == Decimal("9.00")
    heavy = checkout_priced(store=store, checkout=make_checkout(store, [(item, 10)], method=parcel))
    assert [o.name for o in heavy.shipping_options] == ["Freight"]
    assert heavy.shipping_method is None and "shipping_method" in heavy.missing
    assert any("not offered for this address any more" in p for p in heavy.problems)


def test_a_zone_without_an_active_method_says_so_instead_of_an_empty_choice() -> None:
    store = _store()
    make_shipping(store, areas=["DE"], is_active=False)
    priced = checkout_priced(store=store, checkout=make_checkout(store, [(variant(store), 1)]))
    assert priced.ships_to_address and priced.shipping_options == []
    assert priced.shipping_message == NO_SHIPPING_METHOD
    assert priced.problems == [NO_SHIPPING_METHOD]
    assert "shipping_method" in priced.missing and not priced.ready


def test_an_order_too_heavy_for_every_method_says_so_with_its_weight() -> None:
    store = _store()
    brackets = [{"up_to_grams": 1000, "price": "4.00"}, {"up_to_grams": 5000, "price": "9.00"}]
    parcel = make_shipping(store, name="Parcel", kind=RateKind.WEIGHT, weight_brackets=brackets)
    item = variant(store, price="10.00")
    type(item).objects.filter(store=store, pk=item.pk).update(weight_grams=650)
    fits = checkout_priced(store=store, checkout=make_checkout(store, [(item, 7)], method=parcel))
    assert fits.shipping_message == "" and fits.ready

    heavy = checkout_priced(store=store, checkout=make_checkout(store, [(item, 10)], method=parcel))
    message = (
        "This order is too heavy for our shipping methods to this address (6.5 kg). "
        "Remove some items, or order them in several orders."
    )
    assert heavy.shipping_options == [] and heavy.shipping_message == message
    # The one message: no "choose another method" when there is none to choose.
    assert heavy.problems == [message] and not heavy.ready


def test_a_country_outside_every_zone_is_not_shipped_to() -> None:
    store = _store()
    method = make_shipping(store, areas=["DE"])
    japan = address(country="JP", country_area="東京都", city="", postal_code="100-0001")
    priced = checkout_priced(
        store=store, checkout=make_checkout(store, [(variant(store), 1)], method=method, shipping_address=japan)
    )
    assert not priced.ships_to_address and priced.shipping_options == []
    assert priced.ships_message == "We don't ship to Japan (東京都)."
    assert priced.ships_message in priced.problems and not priced.ready
    assert priced.shipping_message == ""
    assert shipped_countries(store=store) == {"DE"}


def test_lines_over_the_stock_left_are_problems_the_buyer_reads() -> None:
    store = _store()
    method = make_shipping(store)
    mug, lamp = variant(store, title="Mug"), variant(store, title="Lamp")
    checkout = make_checkout(store, [(mug, 3), (lamp, 1)], method=method)
    set_stock(mug, 2)
    set_stock(lamp, 0)
    priced = checkout_priced(store=store, checkout=checkout)
    assert priced.problems == [
        "Only 2 of Mug left: lower the quantity in your cart.",
        "Lamp is sold out.",
    ]
    assert not priced.ready
    assert stock_messages({mug.pk: 2, lamp.pk: 0}, priced) == ["Only 2 of Mug left.", "Lamp is sold out."]


def test_nothing_given_yet_is_listed_as_missing() -> None:
    store = _store()
    checkout = make_checkout(store, [(variant(store), 1)], email="", phone="", shipping_address={})
    checkout.shipping_address = None
    priced = checkout_priced(store=store, checkout=checkout)
    assert priced.missing == ["email", "phone", "shipping_address", "shipping_method"]
    assert priced.ships_to_address and priced.shipping_options == []


def test_the_signature_follows_prices_and_the_changes_are_told_in_words() -> None:
    store = _store()
    method = make_shipping(store, price="5.00")
    item = variant(store, title="Mug", price="10.00")
    checkout = make_checkout(store, [(item, 2)], method=method)
    before = checkout_priced(store=store, checkout=checkout)
    assert checkout_priced(store=store, checkout=checkout).signature == before.signature
    snapshot = review_snapshot(before)
    set_price(item, "12.00")
    after = checkout_priced(store=store, checkout=checkout)
    assert after.signature != before.signature and after.total == Decimal("29.00")
    assert review_changes(snapshot, after) == ["The price of Mug changed from $10.00 to $12.00."]
    assert review_changes(None, after) == []


def test_pricing_runs_four_queries_whatever_the_number_of_lines(django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    store = _store()
    method = make_shipping(store)
    make_tax(store, area="DE", rate="19")
    checkout = make_checkout(store, [(variant(store), 1) for _ in range(20)], method=method)
    with django_assert_num_queries(4):
        priced = checkout_priced(store=store, checkout=checkout)
    assert len(priced.lines) == 20
