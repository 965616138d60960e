"""`Model.save()` of one row, with its SQL built once per process.

Django builds the SQL of each save anew. For `save(update_fields=…)` of a
loaded row that is two filtered querysets, an UpdateQuery and its
compiler; for a new row, an InsertQuery and its compiler. On the checkout
bench's machine that costs about 0.45 ms of CPU per save, against 0.19 ms
for sending the statement and reading its answer (docs/BENCHMARKS.md, sixth
look), and a checkout saves about ten rows.

The SQL of such a one-row UPDATE (by store and key, or by key alone for a
platform table) or INSERT depends only on the model, the database, the
columns written and, for an UPDATE, which values are NULL (Django writes
`= NULL` into the statement), never on the values themselves. So Django's
own compiler builds it the first time, and from then on each value is
prepared exactly as that compiler prepares it (`Field.pre_save`, then
`Field.get_db_prep_save`) and sent with the stored SQL. The statement is
the same text with the same parameters.

Whatever could make the SQL depend on a value goes through Django's path,
unchanged: an expression as a value (F(), Case, a subquery), a model
instance where a key is expected, a field with its own placeholder
(`get_placeholder`), a raw save (fixtures), a queryset class that changes
how rows are written, a base manager that filters, or a database other than
PostgreSQL and SQLite. `Model.save()` itself (signals, the `update_fields`
checks, the DatabaseError when an update finds no row) is untouched: the
bases in core.models (`TenantModel`, `CompiledSavesModel`) call these two
functions inside their `_do_update` and `_do_insert`.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import DatabaseError, connections, router, transaction
from django.db.models import AutoField, Field, Model, QuerySet
from django.db.models.sql import InsertQuery, UpdateQuery

from shopwright.core.compiled import Converters, converted_row

M = TypeVar("M", bound=Model)

# Stand-ins for the store's id and the row's key while the UPDATE is compiled: no real id takes them.
_STORE_STAND_IN = -(2**62)
_PK_STAND_IN = -(2**62) + 1
_VENDORS = ("postgresql", "sqlite")  # whose compilers put one parameter per value, in field order


@dataclass(frozen=True)
class _Update:
    sql: str
    store_first: bool  # whether the WHERE compares the store's id before the row's key


@dataclass(frozen=True)
class _Insert:
    sql: str
    # How the values of `returning` come back: "columns" (RETURNING), "last_id" (the new key only) or "" (nothing).
    returns: str
    converters: Converters


# Keyed by what the SQL depends on; None where Django's path must be taken for good.
_updates: dict[tuple[Any, ...], _Update | None] = {}
_inserts: dict[tuple[Any, ...], _Insert | None] = {}


def _plain(value: Any) -> bool:
    """Whether `value` is a value, not something Django compiles into the statement."""
    return not (
        hasattr(value, "resolve_expression") or hasattr(value, "as_sql") or hasattr(value, "prepare_database_save")
    )


def _writes_as_django(queryset_class: type) -> bool:
    """Whether rows are written as Django's QuerySet writes them (no override of the methods save() goes through)."""
    return all(getattr(queryset_class, name) is getattr(QuerySet, name) for name in ("filter", "_update", "_insert"))


# --- UPDATE of one row by its store and key ------------------------------------------------------------


def update_one(
    base_qs: QuerySet[Any],
    *,
    using: str,
    store_id: Any,
    pk_val: Any,
    values: Sequence[tuple[Field[Any, Any], Any, Any]],
    forced_update: Any,
    scoped: bool = True,
) -> bool | None:
    """Run `save()`'s UPDATE of one row within its store (`scoped`), or by its key alone: whether a row was updated.

    `values` are `Model._save_table`'s (field, model, value) triples, values
    already through `pre_save`. None when Django's own path must run it
    (nothing was sent then).
    """
    if not values or type(pk_val) is not int or base_qs.query.where:
        return None
    if base_qs.model._meta.select_on_save and not forced_update:  # Django checks the row exists first
        return None
    if scoped and type(store_id) is not int:
        return None
    if not all(_plain(value) for _field, _model, value in values):
        return None
    connection = connections[using]
    prepared = [field.get_db_prep_save(value, connection=connection) for field, _model, value in values]
    if not all(_plain(value) for value in prepared):
        return None
    # Django compares the prepared value with None: a field may prepare "" as NULL, or None as a value.
    nulls = tuple((field, value is None) for (field, _m, _v), value in zip(values, prepared, strict=True))
    key = (base_qs.model, using, scoped, nulls)
    if key in _updates:
        compiled = _updates[key]
    else:
        compiled = _updates[key] = _update_compile(
            base_qs, using=using, values=values, prepared=prepared, scoped=scoped
        )
    if compiled is None:
        return None
    if not scoped:
        where = [pk_val]
    else:
        where = [store_id, pk_val] if compiled.store_first else [pk_val, store_id]
    params = [value for value in prepared if value is not None] + where
    # As QuerySet._update() under Model.save(): an error marks the surrounding atomic block for rollback.
    with transaction.mark_for_rollback_on_error(using=using), connection.cursor() as cursor:
        cursor.execute(compiled.sql, params)
        return bool(cursor.rowcount > 0)


def _update_compile(
    base_qs: QuerySet[Any], *, using: str, values: Sequence[tuple[Any, Any, Any]], prepared: list[Any], scoped: bool
) -> _Update | None:
    if connections[using].vendor not in _VENDORS or not _writes_as_django(type(base_qs)):
        return None
    if any(hasattr(field, "get_placeholder") for field, _model, _value in values):
        return None
    if scoped:
        base_qs = base_qs.filter(store_id=_STORE_STAND_IN)
    query = base_qs.filter(pk=_PK_STAND_IN).query.chain(UpdateQuery)
    query.add_update_fields(values)  # type: ignore[attr-defined]  # an UpdateQuery, chained from the Query
    query.annotations = {}
    sql, params = query.get_compiler(using).as_sql()
    set_count = sum(value is not None for value in prepared)
    where = tuple(params[set_count:])
    if not scoped:
        return _Update(sql=sql, store_first=False) if where == (_PK_STAND_IN,) else None
    if where == (_STORE_STAND_IN, _PK_STAND_IN):
        return _Update(sql=sql, store_first=True)
    if where == (_PK_STAND_IN, _STORE_STAND_IN):
        return _Update(sql=sql, store_first=False)
    return None


# --- INSERT of one row -------------------------------------------------------------------------------------


def insert_one(
    instance: Model,
    *,
    using: str,
    fields: Sequence[Field[Any, Any]],
    returning_fields: Sequence[Field[Any, Any]],
    raw: bool,
) -> list[list[Any]] | None:
    """Run `save()`'s INSERT of `instance`: the rows of `returning_fields` values, as `Model._do_insert` returns them.

    None when Django's own path must run it (decided before any field's
    `pre_save` runs, so that a timestamp is stamped once).
    """
    if raw or not fields or not all(_plain(getattr(instance, field.attname, None)) for field in fields):
        return None
    key = (type(instance), using, tuple(fields), tuple(returning_fields))
    if key in _inserts:
        compiled = _inserts[key]
    else:
        compiled = _inserts[key] = _insert_compile(instance, using=using, fields=fields, returning=returning_fields)
    if compiled is None:
        return None
    connection = connections[using]
    params = [field.get_db_prep_save(field.pre_save(instance, True), connection=connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, params)
        if compiled.returns == "columns":
            # PostgreSQL's and SQLite's operations have it (the stubs' base class does not).
            row = list(connection.ops.fetch_returned_insert_columns(cursor, ()))  # type: ignore[attr-defined]
        elif compiled.returns == "last_id":
            meta = type(instance)._meta
            row = [connection.ops.last_insert_id(cursor, meta.db_table, str(returning_fields[0].column))]
        else:
            return []
    return [converted_row(row, compiled.converters, connection)]


def _insert_compile(
    instance: Model, *, using: str, fields: Sequence[Field[Any, Any]], returning: Sequence[Field[Any, Any]]
) -> _Insert | None:
    connection = connections[using]
    model = type(instance)
    if connection.vendor not in _VENDORS or not _writes_as_django(type(model._base_manager.get_queryset())):
        return None
    if any(hasattr(field, "get_placeholder") for field in fields):
        return None
    query = InsertQuery(model)
    # A copy takes the pre_save() stamps of compiling; the instance gets its own when it is written.
    query.insert_values(fields, [copy.copy(instance)], raw=False)
    compiler = query.get_compiler(using=using)
    compiler.returning_fields = list(returning)
    statements = compiler.as_sql()
    if len(statements) != 1 or compiler.returning_params:
        return None
    sql, params = statements[0]
    if len(params) != len(fields) or not all(_plain(value) for value in params):
        return None
    table = model._meta.db_table
    if not returning:
        return _Insert(sql=sql, returns="", converters=())
    if connection.features.can_return_columns_from_insert:
        returns, columns = "columns", [field.get_col(table) for field in returning]
    elif isinstance(returning[0], AutoField):
        returns, columns = "last_id", [returning[0].get_col(table)]
    else:
        return _Insert(sql=sql, returns="", converters=())
    converters = tuple(
        (position, tuple(convs), expression)
        for position, (convs, expression) in compiler.get_converters(columns).items()
    )
    return _Insert(sql=sql, returns=returns, converters=converters)


# --- INSERT of several new rows (bulk_create) ---------------------------------------------------------------


@dataclass(frozen=True)
class _BulkInsert:
    sql: str
    by_columns: bool  # PostgreSQL's UNNEST form: one array per column; else one value per column of each row
    converters: Converters


_bulk_inserts: dict[tuple[Any, ...], _BulkInsert | None] = {}


def bulk_insert(objs: Sequence[M]) -> list[M]:
    """`Model.objects.bulk_create(objs)` of new rows, with the INSERT built once per model and number of rows.

    The rows come back as bulk_create gives them: each with its key and
    every column the database returns, `_state.adding` False. Only the
    plain case is compiled: rows of one model without a key yet, plain
    values, a database that returns the rows of a multi-row INSERT, no
    batching needed. Anything else is handed to bulk_create itself.
    """
    objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    meta = model._meta
    using = router.db_for_write(model)
    connection = connections[using]
    fields = [field for field in meta.concrete_fields if not field.generated and not isinstance(field, AutoField)]
    if (
        any(type(obj) is not model or obj.pk is not None for obj in objs)
        or not all(_plain(getattr(obj, field.attname, None)) for obj in objs for field in fields)
        or connection.ops.bulk_batch_size(fields, objs) < len(objs)
    ):
        return model._default_manager.bulk_create(objs)
    key = (model, using, tuple(fields), len(objs))
    if key in _bulk_inserts:
        compiled = _bulk_inserts[key]
    else:
        compiled = _bulk_inserts[key] = _bulk_insert_compile(objs, using=using, fields=fields)
    if compiled is None:
        return model._default_manager.bulk_create(objs)
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")  # type: ignore[attr-defined]
    rows = [
        [field.get_db_prep_save(field.pre_save(obj, True), connection=connection) for field in fields] for obj in objs
    ]
    if compiled.by_columns:
        params: list[Any] = [list(column) for column in zip(*rows, strict=True)]
    else:
        params = [value for row in rows for value in row]
    returning = meta.db_returning_fields
    # As bulk_create's INSERT: an error marks the surrounding atomic block for rollback.
    with transaction.mark_for_rollback_on_error(using=using), connection.cursor() as cursor:
        cursor.execute(compiled.sql, params)
        returned = cursor.fetchall()
    if len(returned) != len(objs):
        raise DatabaseError(f"an INSERT of {len(objs)} rows returned {len(returned)}")
    for obj, raw in zip(objs, returned, strict=True):
        for value, field in zip(converted_row(raw, compiled.converters, connection), returning, strict=True):
            setattr(obj, field.attname, value)
        obj._state.adding = False
        obj._state.db = using
    return objs


def _bulk_insert_compile(objs: Sequence[Model], *, using: str, fields: Sequence[Field[Any, Any]]) -> _BulkInsert | None:
    connection = connections[using]
    model = type(objs[0])
    meta = model._meta
    if (
        connection.vendor not in _VENDORS
        or not connection.features.can_return_rows_from_bulk_insert
        or any(parent._meta.concrete_model is not model._meta.concrete_model for parent in meta.all_parents)
        or not _writes_as_django(type(model._default_manager.get_queryset()))
        or any(hasattr(field, "get_placeholder") for field in fields)
    ):
        return None
    query = InsertQuery(model)
    # Copies take the pre_save() stamps of compiling; the rows get their own when they are written.
    query.insert_values(fields, [copy.copy(obj) for obj in objs], raw=False)
    compiler = query.get_compiler(using=using)
    compiler.returning_fields = list(meta.db_returning_fields)
    statements = compiler.as_sql()
    if len(statements) != 1 or compiler.returning_params:
        return None
    sql, params = statements[0]
    n = len(objs)
    if len(params) == n * len(fields) and all(_plain(value) for value in params):
        by_columns = False
    elif n > 1 and len(params) == len(fields) and all(isinstance(p, list) and len(p) == n for p in params):
        by_columns = True
    else:
        return None
    table = meta.db_table
    columns = [field.get_col(table) for field in meta.db_returning_fields]
    converters = tuple(
        (position, tuple(convs), expression)
        for position, (convs, expression) in compiler.get_converters(columns).items()
    )
    return _BulkInsert(sql=sql, by_columns=by_columns, converters=converters)
