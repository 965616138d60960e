"""core.row_amounts: several rows of one store, each changed by its own amount, in one statement of fixed text."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shopwright.catalog.models import Variant
from shopwright.core.row_amounts import row_amounts_add
from tests.catalog_factories import make_product
from tests.factories import make_merchant
from tests.sql_capture import statements_sent

pytestmark = pytest.mark.django_db


def _variants(store, stocks: list[int]) -> list[Variant]:
    product = make_product(store, stock=0, sizes=[f"S{i}" for i in range(len(stocks))])
    variants = list(Variant.objects.filter(store=store, product=product).order_by("pk"))
    for variant, stock in zip(variants, stocks, strict=True):
        Variant.objects.filter(store=store, pk=variant.pk).update(stock_quantity=stock)
    return variants


def _stock(store, variants: list[Variant]) -> list[int]:
    by_pk = dict(Variant.objects.filter(store=store).values_list("pk", "stock_quantity"))
    return [by_pk[v.pk] for v in variants]


def test_each_row_gets_its_own_amount_in_one_statement() -> None:
    store = make_merchant().store
    a, b, c = _variants(store, [10, 10, 10])

    with CaptureQueriesContext(connection) as queries:
        updated = row_amounts_add(Variant, "stock_quantity", store_id=store.pk, amounts={a.pk: -3, b.pk: 5})

    assert updated == 2
    assert len(queries) == 1
    assert _stock(store, [a, b, c]) == [7, 15, 10]


def test_the_statement_is_the_same_text_whatever_the_number_of_rows() -> None:
    store = make_merchant().store
    variants = _variants(store, [5, 5, 5])

    with statements_sent() as sent:  # the text as it goes to the database, parameters apart
        for count in (1, 2, 3):
            row_amounts_add(Variant, "stock_quantity", store_id=store.pk, amounts={v.pk: 1 for v in variants[:count]})

    assert len(sent) == 3
    assert len({sql for sql, _params in sent}) == 1
    assert _stock(store, variants) == [8, 7, 6]


def test_a_guarded_row_never_goes_below_zero_and_is_not_counted() -> None:
    store = make_merchant().store
    short, enough, unguarded = _variants(store, [2, 5, 1])
    Variant.objects.filter(store=store, pk=unguarded.pk).update(continue_selling=True)

    updated = row_amounts_add(
        Variant,
        "stock_quantity",
        store_id=store.pk,
        amounts={short.pk: -3, enough.pk: -5, unguarded.pk: -4},
        guarded={short.pk, enough.pk},
    )

    assert updated == 2  # the caller sees that one row did not move
    assert _stock(store, [short, enough, unguarded]) == [2, 0, -3]


def test_another_stores_rows_are_not_touched() -> None:
    mine, theirs = make_merchant().store, make_merchant().store
    (own,) = _variants(mine, [4])
    (foreign,) = _variants(theirs, [4])

    updated = row_amounts_add(Variant, "stock_quantity", store_id=mine.pk, amounts={own.pk: 1, foreign.pk: 100})

    assert updated == 1
    assert _stock(mine, [own]) == [5]
    assert _stock(theirs, [foreign]) == [4]


def test_no_amounts_sends_nothing() -> None:
    store = make_merchant().store
    with CaptureQueriesContext(connection) as queries:
        assert row_amounts_add(Variant, "stock_quantity", store_id=store.pk, amounts={}) == 0
    assert len(queries) == 0
