"""catalog.stock: reserving and releasing units, the one place stock changes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shopwright.catalog.cache import catalog_version
from shopwright.catalog.models import Variant
from shopwright.catalog.stock import InsufficientStock, stock_release, stock_reserve
from shopwright.core.exceptions import ApplicationError
from shopwright.core.tenancy import cross_store_access
from tests.order_factories import make_variant, stock_of

pytestmark = pytest.mark.django_db


def _set(variant: Variant, **fields: object) -> None:
    Variant.objects.filter(store_id=variant.store_id, pk=variant.pk).update(**fields)


def test_reserving_takes_the_units_off_and_releasing_puts_them_back(store) -> None:
    shirt, mug = make_variant(store, stock=5), make_variant(store, stock=3)

    stock_reserve(store=store, quantities={shirt.pk: 2, mug.pk: 3})
    assert (stock_of(shirt), stock_of(mug)) == (3, 0)

    stock_release(store=store, quantities={shirt.pk: 2, mug.pk: 3})
    assert (stock_of(shirt), stock_of(mug)) == (5, 3)


def test_every_shortfall_is_reported_at_once_and_nothing_changes(store) -> None:
    plenty, short, gone = make_variant(store, stock=9), make_variant(store, stock=2), make_variant(store, stock=0)

    with pytest.raises(InsufficientStock) as raised:
        stock_reserve(store=store, quantities={plenty.pk: 1, short.pk: 3, gone.pk: 1})

    assert raised.value.shortfalls == {short.pk: 2, gone.pk: 0}
    assert raised.value.code == "insufficient_stock"
    assert (stock_of(plenty), stock_of(short), stock_of(gone)) == (9, 2, 0)


def test_exactly_the_last_units_can_be_reserved(store) -> None:
    item = make_variant(store, stock=4)
    stock_reserve(store=store, quantities={item.pk: 4})
    assert stock_of(item) == 0
    with pytest.raises(InsufficientStock):
        stock_reserve(store=store, quantities={item.pk: 1})


def test_untracked_and_sell_past_zero_variants_are_never_short(store) -> None:
    untracked, oversell = make_variant(store, stock=0), make_variant(store, stock=1)
    _set(untracked, track_stock=False)
    _set(oversell, continue_selling=True)

    stock_reserve(store=store, quantities={untracked.pk: 50, oversell.pk: 3})

    # Untracked stock is not counted at all; the merchant who sells past zero sees how far past.
    assert (stock_of(untracked), stock_of(oversell)) == (0, -2)


def test_another_stores_or_an_unknown_variant_is_short_and_untouched(store, other_store) -> None:
    mine, theirs = make_variant(store, stock=5), make_variant(other_store, stock=5)

    with pytest.raises(InsufficientStock) as raised:
        stock_reserve(store=store, quantities={mine.pk: 1, theirs.pk: 1, 99_999_999: 1})

    assert raised.value.shortfalls == {theirs.pk: 0, 99_999_999: 0}
    assert (stock_of(mine), stock_of(theirs)) == (5, 5)
    stock_release(store=store, quantities={theirs.pk: 3})
    assert stock_of(theirs) == 5


def test_releasing_skips_variants_deleted_since(store) -> None:
    kept, deleted = make_variant(store, stock=2), make_variant(store, stock=2)
    deleted_id = deleted.pk
    with cross_store_access("test: the ORM's cascade of a variant delete filters by variant only"):
        Variant.objects.filter(store=store, pk=deleted_id).delete()

    stock_release(store=store, quantities={kept.pk: 1, deleted_id: 4})

    assert stock_of(kept) == 3


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_a_quantity_that_is_not_a_positive_whole_number_is_refused(store, bad) -> None:
    item = make_variant(store, stock=5)
    with pytest.raises(ApplicationError) as raised:
        stock_reserve(store=store, quantities={item.pk: bad})
    assert raised.value.code == "invalid_quantity"
    assert stock_of(item) == 5


def test_the_database_refuses_tracked_stock_below_zero(store) -> None:
    """The last line of defence, should any writer skip catalog.stock."""
    from django.db import IntegrityError, transaction

    item = make_variant(store, stock=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        _set(item, stock_quantity=-1)


def test_two_statements_whatever_the_number_of_variants(store) -> None:
    items = [make_variant(store, stock=10) for _ in range(20)]
    with CaptureQueriesContext(connection) as queries:
        stock_reserve(store=store, quantities={item.pk: 1 for item in items})
    assert len(queries) == 2, [q["sql"] for q in queries.captured_queries]
    with CaptureQueriesContext(connection) as queries:
        stock_release(store=store, quantities={item.pk: 1 for item in items})
    assert len(queries) == 2


def test_cached_catalog_pages_are_refreshed_only_when_what_they_show_changes(
    store, django_capture_on_commit_callbacks
) -> None:
    """Stock counting down from 50 leaves cached pages alone; "Only 3 left", or sold out, refreshes them."""
    item = make_variant(store, stock=50)
    version = catalog_version(store.pk)

    with django_capture_on_commit_callbacks(execute=True):
        stock_reserve(store=store, quantities={item.pk: 1})
    assert catalog_version(store.pk) == version  # 50 -> 49: still "In stock"

    with django_capture_on_commit_callbacks(execute=True):
        stock_reserve(store=store, quantities={item.pk: 46})
    assert catalog_version(store.pk) != version  # 49 -> 3: "Only 3 left"
    version = catalog_version(store.pk)

    with django_capture_on_commit_callbacks(execute=True):
        stock_reserve(store=store, quantities={item.pk: 3})
    assert catalog_version(store.pk) != version  # sold out
    version = catalog_version(store.pk)

    with django_capture_on_commit_callbacks(execute=True):
        stock_release(store=store, quantities={item.pk: 3})
    assert catalog_version(store.pk) != version  # back in stock
