"""Automatic collection rules as product queries (catalog.rules): what each rule matches, AND and OR."""

from __future__ import annotations

import pytest

from shopwright.catalog.rules import rules_q
from shopwright.catalog.selectors import published_products
from tests.catalog_factories import make_product
from tests.factories import make_merchant

pytestmark = pytest.mark.django_db


@pytest.fixture
def store():
    store = make_merchant().store
    make_product(
        store, title="Linen shirt", vendor="Flax & Co", product_type="Shirts", tags=["linen", "summer"], price="45.00"
    )
    make_product(
        store, title="Wool jumper", vendor="Knit Bros", product_type="Jumpers", tags=["wool", "winter"], price="80.00"
    )
    make_product(
        store, title="Linen trousers", vendor="flax & co", product_type="Trousers", tags=["linen"], price="60.00"
    )
    make_product(
        store, title="Cotton tee", vendor="Knit Bros", product_type="shirts", tags=["cotton", "summer"], price="15.00"
    )
    make_product(store, title="Linen draft", product_type="Shirts", tags=["linen"], status="draft")
    return store


def titles(store, rules, *, match_all=True) -> set[str]:  # type: ignore[no-untyped-def]
    rows = [{"field": f, "op": o, "value": v} for f, o, v in rules]
    return set(
        published_products(store=store).filter(rules_q(rows, match_all=match_all)).values_list("title", flat=True)
    )


def test_tag_matches_whole_tags_only(store) -> None:
    assert titles(store, [("tag", "equals", "linen")]) == {"Linen shirt", "Linen trousers"}
    assert titles(store, [("tag", "equals", "LINEN")]) == {"Linen shirt", "Linen trousers"}
    assert titles(store, [("tag", "equals", "lin")]) == set()
    assert titles(store, [("tag", "not_equals", "linen")]) == {"Wool jumper", "Cotton tee"}


def test_type_and_vendor_ignore_case(store) -> None:
    assert titles(store, [("type", "equals", "shirts")]) == {"Linen shirt", "Cotton tee"}
    assert titles(store, [("vendor", "equals", "FLAX & CO")]) == {"Linen shirt", "Linen trousers"}
    assert titles(store, [("vendor", "not_equals", "knit bros")]) == {"Linen shirt", "Linen trousers"}


def test_price_compares_the_lowest_variant_price(store) -> None:
    assert titles(store, [("price", "gt", "45")]) == {"Wool jumper", "Linen trousers"}
    assert titles(store, [("price", "lt", "45.00")]) == {"Cotton tee"}


def test_match_all_is_and_match_any_is_or(store) -> None:
    rules = [("tag", "equals", "summer"), ("price", "gt", "20")]
    assert titles(store, rules, match_all=True) == {"Linen shirt"}
    assert titles(store, rules, match_all=False) == {"Linen shirt", "Wool jumper", "Linen trousers", "Cotton tee"}


def test_rules_that_cannot_be_used_match_nothing_never_everything(store) -> None:
    assert titles(store, []) == set()
    assert titles(store, [("price", "gt", "cheap")]) == set()
    assert titles(store, [("colour", "equals", "red")]) == set()
    assert titles(store, [("tag", "contains", "linen")]) == set()
    # One unusable rule among OR-ed ones does not widen or break the others.
    assert titles(store, [("price", "gt", "NaN"), ("tag", "equals", "wool")], match_all=False) == {"Wool jumper"}
