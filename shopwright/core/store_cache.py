"""A store's rarely changing configuration, cached per store: `store_config` and `store_config_changed`.

Checkout reads the same settings (shipping zones and methods, tax rates,
the payment provider) on every step, and merchants change them a few times
a year. `store_config(store_id, name, build)` answers from the cache and
calls `build()` (the database reads) only on a miss; every write to such a
setting calls `store_config_changed(store_id)`, which gives the store a new
config version once the transaction commits, so every entry of that store
goes stale at once and other stores' entries are untouched. A store that is
deleted or closed needs nothing: its entries just stop being read.

Values must be plain picklable data (tuples, dicts, frozen dataclasses of
str/int/Decimal); never model instances, and never decrypted secrets. A
change of a value's shape goes with a new `name` ("shipping-2"), so a
deployment never reads an entry written by the previous code.

How an entry is kept. One key per (store, name) holds `(version, value)`,
read in the same round trip as the store's version key (`get_many`: one
MGET on Redis, one SELECT on the database cache; `store_config_pair` reads
two names of one store in that one round trip); it is served only when
its version is the current one. So a hit costs one cache round trip, a
miss that round trip, `build()` and one write.

Why a reader never serves rows older than a committed change, even when it
races the change:

1. The reader reads the version *before* `build()` reads the database, and
   stamps the entry with that version.
2. A change bumps the version *after* its transaction commits (on_commit).
3. If the bump happened before the reader read the version, the commit
   happened before too, and `build()`, which starts later, sees it: under
   READ COMMITTED (PostgreSQL's default, and Django's) every statement sees
   every commit made before it started. If the bump happens after the
   reader read the version, the reader may have built the old rows, but
   they are stamped with a version that is no longer current: nobody is
   served them, and the next reader rebuilds.

Step 3 needs the reader's statements to see the latest commits. Outside a
transaction, and in a transaction on PostgreSQL at READ COMMITTED or on
SQLite with IMMEDIATE transactions (settings.py: the write lock is taken at
BEGIN, so nobody else commits while it is held), they do. In a transaction
that may read an older snapshot (REPEATABLE READ, SERIALIZABLE, deferred
SQLite transactions), entries are read but never written.

Inside the transaction that changes a store's configuration, the shared
entries are stale for that transaction (it sees its own uncommitted rows)
and must not learn its uncommitted rows either (it may still roll back,
and then no bump would ever hide them). So while a change of the store is
pending on this connection, its reads use entries of their own, stamped
with a token that only that transaction knows and that each further change
replaces: they are never served after it commits (the version changes) or
rolls back (nobody knows the token any more). A rolled-back change bumps
nothing: on_commit callbacks of a rolled-back transaction or savepoint are
dropped, and a change in a savepoint that rolls back takes its token with
it, so the transaction reads again what it read before that change.

A bump that fails after commit (the cache unreachable) is logged, not
raised, so the transaction's other after-commit work still runs; entries
also expire after ENTRY_TIMEOUT, which bounds how long such a miss can
serve old settings.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")
A = TypeVar("A")
B = TypeVar("B")

_VERSION_KEY = "store-config-version:{store_id}"
_ENTRY_KEY = "store-config:{store_id}:{name}"
_PENDING_KEY = "store-config:{store_id}:{name}:pending:{token}"
# A version lives long; if it is evicted, a new random one replaces it, which no entry carries.
VERSION_TIMEOUT = 60 * 60 * 24 * 30
# The longest a lost bump (see the module docstring) can leave old settings in use.
ENTRY_TIMEOUT = 60 * 15
# Entries of one uncommitted transaction: only that transaction can read them.
PENDING_TIMEOUT = 60 * 5


def _new_version() -> int:
    # Random rather than a clock: two bumps, or a bump and a clock set back, never make the same version.
    return secrets.randbits(62)


class _Bump:
    """The on_commit callback of `store_config_changed`: gives the store a new version.

    Until it runs it marks the store's change as pending in this transaction
    (see `_pending`); `token` stamps that transaction's own entries.
    """

    def __init__(self, store_id: int) -> None:
        self.store_id = store_id
        self.token = _new_version()
        self.done = False
        # Django names the callback in its log line when a robust callback fails.
        self.__qualname__ = f"store_config_changed({store_id})"

    def __call__(self) -> None:
        self.done = True
        cache.set(_VERSION_KEY.format(store_id=self.store_id), _new_version(), VERSION_TIMEOUT)


def _pending(connection: BaseDatabaseWrapper, store_id: int) -> tuple[set[str], _Bump] | None:
    """The latest bump a change of the store registered in this connection's open transaction, if any,
    with the savepoints that were open when it was registered.

    Django keeps the callbacks of the open transaction in `run_on_commit` and
    drops those of a rolled-back transaction or savepoint from it, so what is
    found here is exactly the latest change that may still commit. A latest
    bump that already ran (only tests run callbacks before the commit, with
    captureOnCommitCallbacks) stands for a commit: nothing is pending then.
    """
    if not connection.in_atomic_block:
        return None
    for entry in reversed(connection.run_on_commit):
        sids, func = entry[0], entry[1]  # (savepoint ids, callback, robust)
        if isinstance(func, _Bump) and func.store_id == store_id:
            return None if func.done else (sids, func)
    return None


def _sees_latest_commits(connection: BaseDatabaseWrapper) -> bool:
    """Whether a statement run now sees every commit made before it (step 3 of the module docstring)."""
    if not connection.in_atomic_block:
        return True
    if connection.vendor == "postgresql":
        from psycopg import IsolationLevel

        return getattr(connection, "isolation_level", None) == IsolationLevel.READ_COMMITTED
    if connection.vendor == "sqlite":
        return getattr(connection, "transaction_mode", None) in {"IMMEDIATE", "EXCLUSIVE"}
    return False


def store_config(store_id: int, name: str, build: Callable[[], T]) -> T:
    """The store's configuration `name`: from the cache, or `build()` (database reads) on a miss.

    `build` must read only that store's rows and return plain picklable
    data. One cache round trip on a hit; see the module docstring for why
    a value older than a committed change is never served.
    """
    (value,) = _configs(store_id, ((name, build),))
    return value


def store_config_pair(
    store_id: int, first: tuple[str, Callable[[], A]], second: tuple[str, Callable[[], B]]
) -> tuple[A, B]:
    """Two of the store's configurations, each (name, build) as for `store_config`, in one round trip.

    For a step that needs both (checkout prices shipping and taxes
    together): the entries come with the one version read, exactly as two
    `store_config` calls would each have read them, for one MGET instead
    of two.
    """
    value_a, value_b = _configs(store_id, (first, second))
    return value_a, value_b


def _configs(store_id: int, wanted: Sequence[tuple[str, Callable[[], Any]]]) -> list[Any]:
    connection = transaction.get_connection()
    pending = _pending(connection, store_id)
    if pending is not None:
        token = pending[1].token
        keys = [_PENDING_KEY.format(store_id=store_id, name=name, token=token) for name, _ in wanted]
        found_pending = cache.get_many(keys)
        values = []
        for key, (_, build) in zip(keys, wanted, strict=True):
            found = found_pending.get(key)
            if found is None:
                found = (build(),)
                cache.set(key, found, PENDING_TIMEOUT)
            values.append(found[0])
        return values

    version_key = _VERSION_KEY.format(store_id=store_id)
    entry_keys = [_ENTRY_KEY.format(store_id=store_id, name=name) for name, _ in wanted]
    found_many = cache.get_many([version_key, *entry_keys])
    version = found_many.get(version_key)
    if version is None:
        version = _new_version()
        if not cache.add(version_key, version, VERSION_TIMEOUT):
            # Another reader (or a bump) made it first: use theirs, read before the build as ever.
            version = cache.get(version_key, version)
        found_many = {}
    values = []
    built: dict[str, Any] = {}
    for key, (_, build) in zip(entry_keys, wanted, strict=True):
        entry: Any = found_many.get(key)
        if entry is not None and entry[0] == version:
            values.append(entry[1])
            continue
        value = build()
        values.append(value)
        built[key] = (version, value)
    if built and _sees_latest_commits(connection):
        if len(built) == 1:
            ((key, entry),) = built.items()
            cache.set(key, entry, ENTRY_TIMEOUT)
        else:
            cache.set_many(built, ENTRY_TIMEOUT)
    return values


def store_config_changed(store_id: int) -> None:
    """Call in the transaction that changes a setting `store_config` caches: its entries go stale on commit.

    Cheap to call more than once in one (save)point of a transaction: the
    calls share one bump. Outside a transaction the bump happens at once.
    """
    connection = transaction.get_connection()
    pending = _pending(connection, store_id)
    if pending is not None and pending[0] == set(connection.savepoint_ids):
        # Entries this transaction built before this change are stale for it too: a new token.
        # Same savepoints: whatever rolls this change back drops that bump too.
        pending[1].token = _new_version()
        return
    # A bump of its own otherwise: if this savepoint rolls back, Django drops it, and the
    # transaction's reads fall back to the token of the latest change that still stands.
    connection.on_commit(_Bump(store_id), robust=True)


def _model_changed(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    store_id = getattr(instance, "store_id", None)
    if store_id is not None:
        store_config_changed(store_id)


def store_config_watch(*models: type[Model]) -> None:
    """Bump the store's config version on every save and delete of these tenant models (AppConfig.ready).

    The net under the services' explicit `store_config_changed` calls, for
    writes that bypass them (the Django shell, admin, a cascade delete).
    QuerySet.update() and bulk_create() send no signals: code using them
    must call `store_config_changed` itself.
    """
    for model in models:
        uid = f"store-config-{model._meta.label_lower}"
        post_save.connect(_model_changed, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(_model_changed, sender=model, dispatch_uid=f"{uid}-delete")
