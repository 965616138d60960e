"""Add an amount of its own to an integer column of each of several rows of one store, in one statement.

Reserving stock takes units off several variants, a sale grows several
products' sales counts, a parcel adds to several order lines' shipped
quantities: each row by a different amount. The ORM writes that as
`filter(pk__in=…).update(col=F(col) + Case(When(pk=…, then=…), …))`, whose
SQL grows with the number of rows and is built anew on every call: 0.6 ms
of CPU on the checkout bench's machine, against 0.16 ms for sending the
same change (docs/BENCHMARKS.md, "seventh look"). And since each number of
rows is another text, PostgreSQL cannot keep it prepared.

Here the rows' keys and amounts travel as parameters, joined to the table
(`unnest()` of arrays on PostgreSQL, `json_each()` of one JSON array on
SQLite), so the statement's text depends only on the table and the
column: it is built once per process, and PostgreSQL prepares it like any
statement run often (settings.py, DATABASE_PREPARE_THRESHOLD).

A `guarded` row is changed only if the column stays at zero or above, so a
caller that lost a race for stock updates fewer rows than it asked for and
can tell (the rows updated are returned); the others are changed whatever
the result. As with the ORM's update(), rows are locked in the order the
database finds them: callers that change rows other writers also change
lock them first in key order (catalog.stock), or change one at a time.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any

from django.db import connections, router, transaction
from django.db.models import Field, Model

# (model, column, database alias) -> the statement's text.
_statements: dict[tuple[type[Model], str, str], str] = {}

_POSTGRESQL = """
UPDATE {table} AS t SET {column} = t.{column} + d.amount
FROM unnest(%s::bigint[], %s::bigint[], %s::boolean[]) AS d (id, amount, guarded)
WHERE t.{store} = %s AND t.{pk} = d.id AND (NOT d.guarded OR t.{column} + d.amount >= 0)
"""

# SQLite 3.33 or later (UPDATE … FROM), with its JSON functions (JSON1, built in from 3.38).
_SQLITE = """
UPDATE {table} AS t SET {column} = t.{column} + d.amount
FROM (
    SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS amount,
        json_extract(value, '$[2]') AS guarded
    FROM json_each(%s)
) AS d
WHERE t.{store} = %s AND t.{pk} = d.id AND (NOT d.guarded OR t.{column} + d.amount >= 0)
"""


def _statement(model: type[Model], column: str, using: str) -> str:
    key = (model, column, using)
    sql = _statements.get(key)
    if sql is None:
        connection = connections[using]
        template = {"postgresql": _POSTGRESQL, "sqlite": _SQLITE}.get(connection.vendor)
        if template is None:
            raise NotImplementedError(f"row_amounts_add has no statement for {connection.vendor}")
        quote = connection.ops.quote_name
        sql = _statements[key] = template.format(
            table=quote(model._meta.db_table),
            column=quote(_column(model, column)),
            store=quote(_column(model, "store")),
            pk=quote(_column(model, "pk")),
        ).strip()
    return sql


def _column(model: type[Model], name: str) -> str:
    field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    if not isinstance(field, Field) or not field.column:
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return field.column


def row_amounts_add(
    model: type[Model],
    column: str,
    *,
    store_id: int,
    amounts: Mapping[int, int],
    guarded: Collection[int] = (),
) -> int:
    """Add `amounts[pk]` to `column` of each row `pk` of the store; the number of rows updated.

    `guarded`: keys of rows that must not go below zero (see the module
    docstring). Rows of another store, or that do not exist, are not
    updated. Runs in the caller's transaction, if any.
    """
    if not amounts:
        return 0
    using = router.db_for_write(model)
    connection = connections[using]
    sql = _statement(model, column, using)
    keys = [int(pk) for pk in amounts]
    changes = [int(amount) for amount in amounts.values()]
    guards = [pk in guarded for pk in amounts]
    if connection.vendor == "postgresql":
        params: list[Any] = [keys, changes, guards, store_id]
    else:
        rows = [[pk, amount, int(guard)] for pk, amount, guard in zip(keys, changes, guards, strict=True)]
        params = [json.dumps(rows), store_id]
    # As QuerySet.update(): an error marks the surrounding atomic block for rollback.
    with transaction.mark_for_rollback_on_error(using=using), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)
