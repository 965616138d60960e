"""core.store_cache: a store's configuration cached per store, replaced when a change commits, never another's."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction

from shopwright.core import store_cache
from shopwright.core.store_cache import store_config, store_config_changed, store_config_pair


class Source:
    """What `build` reads: a stand-in for a store's rows, counting the builds."""

    def __init__(self, value: Any) -> None:
        self.value = value
        self.builds = 0

    def build(self) -> Any:
        self.builds += 1
        return self.value


def _version(store_id: int) -> Any:
    return cache.get(f"store-config-version:{store_id}")


@pytest.fixture
def counted_cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The names of the cache calls store_cache makes (one per round trip)."""
    calls: list[str] = []
    real = store_cache.cache

    class Counting:
        def __getattr__(self, name: str) -> Callable[..., Any]:
            method = getattr(real, name)

            def counted(*args: Any, **kwargs: Any) -> Any:
                calls.append(name)
                return method(*args, **kwargs)

            return counted

    monkeypatch.setattr(store_cache, "cache", Counting())
    yield calls


# --- outside a transaction: every change committed at once (autocommit) ------------------------


@pytest.mark.django_db(transaction=True)
def test_a_hit_is_one_cache_round_trip_and_no_build(counted_cache: list[str]) -> None:
    source = Source(("DE", 19))
    assert store_config(1, "taxes", source.build) == ("DE", 19)
    counted_cache.clear()
    assert store_config(1, "taxes", source.build) == ("DE", 19)
    assert store_config(1, "taxes", source.build) == ("DE", 19)
    assert source.builds == 1
    assert counted_cache == ["get_many", "get_many"]


@pytest.mark.django_db(transaction=True)
def test_a_pair_is_one_round_trip_and_builds_only_what_is_missing(counted_cache: list[str]) -> None:
    taxes, shipping = Source("DE 19 %"), Source("flat 4.90")
    assert store_config(1, "taxes", taxes.build) == "DE 19 %"
    counted_cache.clear()

    pair = (("taxes", taxes.build), ("shipping", shipping.build))
    assert store_config_pair(1, *pair) == ("DE 19 %", "flat 4.90")
    assert (taxes.builds, shipping.builds) == (1, 1)
    assert counted_cache == ["get_many", "set"]
    counted_cache.clear()
    assert store_config_pair(1, *pair) == ("DE 19 %", "flat 4.90")
    assert counted_cache == ["get_many"]
    # The pair's entries are the ones single reads use, and the other way round.
    assert store_config(1, "shipping", lambda: "never built") == "flat 4.90"

    taxes.value, shipping.value = "DE 7 %", "free"
    store_config_changed(1)
    counted_cache.clear()
    assert store_config_pair(1, *pair) == ("DE 7 %", "free")
    assert counted_cache == ["get_many", "set_many"]
    assert store_config_pair(1, *pair) == ("DE 7 %", "free")
    assert (taxes.builds, shipping.builds) == (2, 2)
    # Another store's pair is its own.
    assert store_config_pair(2, ("taxes", lambda: "other taxes"), ("shipping", lambda: "other")) == (
        "other taxes",
        "other",
    )


@pytest.mark.django_db(transaction=True)
def test_a_pair_read_while_its_version_was_lost_is_rebuilt_whole() -> None:
    taxes, shipping = Source("old taxes"), Source("old shipping")
    store_config_pair(1, ("taxes", taxes.build), ("shipping", shipping.build))
    taxes.value, shipping.value = "new taxes", "new shipping"
    cache.delete("store-config-version:1")  # evicted, and a change made meanwhile
    assert store_config_pair(1, ("taxes", taxes.build), ("shipping", shipping.build)) == ("new taxes", "new shipping")


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_is_read_at_once_and_only_its_store_is_rebuilt() -> None:
    mine, theirs = Source("mine 19 %"), Source("theirs 20 %")
    assert store_config(1, "taxes", mine.build) == "mine 19 %"
    assert store_config(2, "taxes", theirs.build) == "theirs 20 %"

    mine.value = "mine 7 %"
    store_config_changed(1)  # outside a transaction: the change is committed, the bump is immediate

    assert store_config(1, "taxes", mine.build) == "mine 7 %"
    assert store_config(2, "taxes", theirs.build) == "theirs 20 %"
    assert (mine.builds, theirs.builds) == (2, 1)


@pytest.mark.django_db(transaction=True)
def test_one_name_per_value_and_one_store_never_reads_anothers() -> None:
    assert store_config(1, "taxes", lambda: "store 1 taxes") == "store 1 taxes"
    assert store_config(1, "shipping", lambda: "store 1 shipping") == "store 1 shipping"
    assert store_config(2, "taxes", lambda: "store 2 taxes") == "store 2 taxes"
    assert store_config(1, "taxes", lambda: "never built") == "store 1 taxes"
    assert store_config(2, "taxes", lambda: "never built") == "store 2 taxes"
    assert store_config(2, "shipping", lambda: "store 2 shipping") == "store 2 shipping"


@pytest.mark.django_db(transaction=True)
def test_rows_built_while_a_change_committed_are_never_served() -> None:
    """The race: a reader builds the old rows, a write commits and bumps, then the reader stores them."""
    source = Source("old")

    def build_racing_a_write() -> str:
        rows = source.build()  # the reader has read the old rows ...
        source.value = "new"  # ... when a merchant's change commits and bumps the version
        store_config_changed(1)
        return rows

    assert store_config(1, "shipping", build_racing_a_write) == "old"  # what this reader saw, not cached as current
    assert store_config(1, "shipping", source.build) == "new"
    assert store_config(1, "shipping", source.build) == "new"
    assert source.builds == 2


@pytest.mark.django_db(transaction=True)
def test_a_lost_version_is_replaced_by_one_no_entry_carries() -> None:
    source = Source("old")
    store_config(1, "shipping", source.build)
    source.value = "new"
    cache.delete("store-config-version:1")  # evicted, and a change made meanwhile
    assert store_config(1, "shipping", source.build) == "new"
    assert _version(1) is not None


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_bumps_nothing_and_its_rows_are_never_served() -> None:
    source = Source("committed")
    assert store_config(1, "shipping", source.build) == "committed"
    version = _version(1)

    with pytest.raises(RuntimeError), transaction.atomic():
        source.value = "uncommitted"
        store_config_changed(1)
        # The writing transaction reads its own change ...
        assert store_config(1, "shipping", source.build) == "uncommitted"
        assert store_config(1, "shipping", source.build) == "uncommitted"
        raise RuntimeError("rolled back")

    source.value = "committed"  # the rows are what they were
    assert _version(1) == version
    builds = source.builds
    assert store_config(1, "shipping", source.build) == "committed"  # ... and nobody else ever does
    assert source.builds == builds


@pytest.mark.django_db(transaction=True)
def test_a_committed_transaction_bumps_once_after_commit() -> None:
    source = Source("old")
    store_config(1, "shipping", source.build)
    version = _version(1)
    with transaction.atomic():
        source.value = "new"
        store_config_changed(1)
        store_config_changed(1)  # a service and the signal net: one bump
        assert len(connection.run_on_commit) == 1
        assert _version(1) == version  # not before the commit
    assert _version(1) != version
    assert store_config(1, "shipping", source.build) == "new"


# --- inside the writing transaction (as every `db` test runs) ------------------------------------


@pytest.mark.django_db
def test_a_pending_change_is_read_by_its_transaction_and_each_further_change_too() -> None:
    source = Source("before")
    assert store_config(1, "shipping", source.build) == "before"
    source.value = "first change"
    store_config_changed(1)
    assert store_config(1, "shipping", source.build) == "first change"
    assert store_config(1, "shipping", source.build) == "first change"  # its own entry, reused
    assert source.builds == 2
    source.value = "second change"
    store_config_changed(1)
    assert store_config(1, "shipping", source.build) == "second change"
    # Another store is not concerned by the pending change.
    assert store_config(2, "shipping", lambda: "other") == "other"
    assert store_config(2, "shipping", lambda: "never built") == "other"


@pytest.mark.django_db
def test_a_pair_in_a_transaction_with_a_pending_change_reads_that_transactions_rows() -> None:
    taxes, shipping = Source("taxes before"), Source("shipping before")
    pair = (("taxes", taxes.build), ("shipping", shipping.build))
    assert store_config_pair(1, *pair) == ("taxes before", "shipping before")
    taxes.value = "taxes changed"
    store_config_changed(1)
    assert store_config_pair(1, *pair) == ("taxes changed", "shipping before")
    assert store_config_pair(1, *pair) == ("taxes changed", "shipping before")  # its own entries, reused
    assert (taxes.builds, shipping.builds) == (2, 2)
    assert store_config(1, "taxes", lambda: "never built") == "taxes changed"


@pytest.mark.django_db
def test_a_change_in_a_rolled_back_savepoint_is_forgotten() -> None:
    source = Source("committed")
    store_config(1, "shipping", source.build)
    with pytest.raises(RuntimeError), transaction.atomic():
        store_config_changed(1)
        raise RuntimeError
    assert store_config(1, "shipping", lambda: "never built") == "committed"


@pytest.mark.django_db
def test_a_rolled_back_savepoint_takes_its_change_back_from_the_transactions_reads() -> None:
    source = Source("committed")
    store_config(1, "shipping", source.build)
    source.value = "first change"
    store_config_changed(1)
    assert store_config(1, "shipping", source.build) == "first change"
    with pytest.raises(RuntimeError), transaction.atomic():
        source.value = "second change"
        store_config_changed(1)
        assert store_config(1, "shipping", source.build) == "second change"
        raise RuntimeError
    source.value = "first change"  # what the rollback to the savepoint left
    builds = source.builds
    assert store_config(1, "shipping", source.build) == "first change"
    assert source.builds == builds  # the entry read before the savepoint, still right


@pytest.mark.django_db
def test_after_the_bump_ran_the_shared_entries_are_used_again(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    source = Source("old")
    store_config(1, "shipping", source.build)
    with django_capture_on_commit_callbacks(execute=True):
        source.value = "new"
        store_config_changed(1)
    assert store_config(1, "shipping", source.build) == "new"
    assert store_config(1, "shipping", source.build) == "new"
    assert source.builds == 2


@pytest.mark.django_db
def test_a_change_run_as_committed_after_an_earlier_pending_one_is_read(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    """A test's fixtures change settings without committing, then the test commits a change (captured callbacks)."""
    source = Source("fixture")
    store_config_changed(1)  # the fixture's change: pending for the whole test
    assert store_config(1, "shipping", source.build) == "fixture"
    with django_capture_on_commit_callbacks(execute=True):
        source.value = "switched"
        with transaction.atomic():
            store_config_changed(1)
    assert store_config(1, "shipping", source.build) == "switched"
    assert store_config(1, "shipping", source.build) == "switched"


@pytest.mark.django_db
def test_a_transaction_that_may_read_an_old_snapshot_never_writes_an_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    wrapper = transaction.get_connection()
    assert wrapper.in_atomic_block
    if wrapper.vendor == "postgresql":
        from psycopg import IsolationLevel

        monkeypatch.setattr(wrapper, "isolation_level", IsolationLevel.REPEATABLE_READ)
    else:
        monkeypatch.setattr(wrapper, "transaction_mode", None)  # a deferred SQLite transaction
    source = Source("maybe old")
    store_config(1, "shipping", source.build)
    store_config(1, "shipping", source.build)
    assert source.builds == 2
    monkeypatch.undo()
    store_config(1, "shipping", source.build)
    store_config(1, "shipping", source.build)
    assert source.builds == 3


# --- the database cache (no Redis) ---------------------------------------------------------------


@pytest.fixture
def database_cache(settings):  # type: ignore[no-untyped-def]
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "shopwright_cache"}
    }
    call_command("createcachetable", verbosity=0)
    cache.clear()
    return cache


@pytest.mark.django_db(transaction=True)
def test_the_database_cache_serves_a_hit_in_one_statement_and_follows_changes(
    database_cache, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    source = Source("old")
    assert store_config(1, "shipping", source.build) == "old"
    with django_assert_num_queries(1):
        assert store_config(1, "shipping", source.build) == "old"
    source.value = "new"
    store_config_changed(1)
    assert store_config(1, "shipping", source.build) == "new"
    assert store_config(2, "shipping", lambda: "other") == "other"
    assert source.builds == 2


@pytest.mark.django_db(transaction=True)
def test_the_database_cache_keeps_nothing_of_a_rolled_back_transaction(database_cache) -> None:  # type: ignore[no-untyped-def]
    source = Source("committed")
    store_config(1, "shipping", source.build)
    with pytest.raises(RuntimeError), transaction.atomic():
        source.value = "uncommitted"
        store_config_changed(1)
        assert store_config(1, "shipping", source.build) == "uncommitted"
        raise RuntimeError
    source.value = "committed"
    assert store_config(1, "shipping", source.build) == "committed"


# --- Redis ---------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_redis_serves_a_hit_in_one_round_trip(settings, redis_url: str, counted_cache: list[str]) -> None:  # type: ignore[no-untyped-def]
    settings.CACHES = {"default": {"BACKEND": "shopwright.core.redis_cache.ReusingRedisCache", "LOCATION": redis_url}}
    from decimal import Decimal

    value = (("DE", Decimal("19.0000")), ("US-CA", Decimal("7.25")))
    store_cache.cache.delete_many(["store-config-version:1", "store-config:1:taxes"])
    assert store_config(1, "taxes", lambda: value) == value
    counted_cache.clear()
    assert store_config(1, "taxes", lambda: "never built") == value
    assert counted_cache == ["get_many"]
    store_config_changed(1)
    assert store_config(1, "taxes", lambda: "rebuilt") == "rebuilt"
    store_cache.cache.delete_many(["store-config-version:1", "store-config:1:taxes"])
