"""`queryset.update(**values)` and `queryset.delete()` on the checkout's hot path, with their SQL built once.

Building an UPDATE or DELETE in Django's ORM costs about 0.2-0.3 ms of CPU
more than sending it, on the checkout bench's machine: 0.33 ms for
`Checkout.objects.filter(store=…, pk=…).update(order=…, updated_at=…)`
against 0.12 ms through the cursor (docs/BENCHMARKS.md, "seventh look").
As `core.compiled.CompiledRead` does for reads, `CompiledUpdate` and
`CompiledDelete` take a function that builds the queryset from named
arguments (ints and strs that reach the SQL unchanged), compile it once
per database with stand-in values, and then only send the stored SQL.

An UPDATE's values are prepared on every call exactly as Django's update
compiler prepares them (a model instance becomes its key, then
`Field.get_db_prep_save`), and the statement is compiled once per set of
columns and per pattern of NULLs (Django writes `= NULL` into the text).
Expressions (F(), Case), fields with their own placeholder and updates
that reach a parent model's table are refused at the first call, as are
deletes that Django would not do in one statement (signals, cascades):
those stay with the ORM.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connections, router, transaction
from django.db.models import Field, Model, QuerySet
from django.db.models.deletion import Collector
from django.db.models.sql import DeleteQuery, UpdateQuery

from shopwright.core.compiled import CompileError, argument_slots, bound_params, checked_arguments, stand_ins_for


@dataclass(frozen=True)
class _Statement:
    sql: str
    slots: tuple[int | None, ...]  # the WHERE's parameters (core.compiled.argument_slots)
    constants: tuple[Any, ...]


def _expression(value: Any) -> bool:
    return hasattr(value, "resolve_expression") or hasattr(value, "as_sql")


class CompiledUpdate:
    """`build(**arguments).update(**values)` with the SQL built once; see the module docstring.

    ``CompiledUpdate(lambda store_id, pk: Cart.objects.filter(store_id=store_id, pk=pk))``,
    then ``.run({"updated_at": now}, store_id=…, pk=…)``: the number of rows updated.
    """

    def __init__(self, build: Callable[..., QuerySet[Any]], *, name: str = "") -> None:
        self._build = build
        self._name = name or getattr(build, "__qualname__", "update")
        self._model: type[Model] | None = None
        self._fields: dict[str, Field[Any, Any]] = {}
        self._compiled: dict[tuple[Any, ...], _Statement] = {}

    def run(self, values: Mapping[str, Any], **arguments: int | str) -> int:
        names = checked_arguments(arguments, name=self._name)
        model = self._model_of(names, arguments)
        alias = router.db_for_write(model)
        connection = connections[alias]
        fields = [self._field(model, name) for name in values]
        prepared = [
            self._prepared(field, value, connection) for field, value in zip(fields, values.values(), strict=True)
        ]
        key = (alias, names, tuple(values), tuple(value is None for value in prepared))
        statement = self._compiled.get(key)
        if statement is None:
            set_count = sum(value is not None for value in prepared)
            statement = self._compiled[key] = self._compile(alias, names, arguments, values, set_count)
        params = [value for value in prepared if value is not None]
        params += bound_params(statement.slots, statement.constants, names, arguments)
        # As QuerySet.update(): an error marks the surrounding atomic block for rollback.
        with transaction.mark_for_rollback_on_error(using=alias), connection.cursor() as cursor:
            cursor.execute(statement.sql, params)
            return int(cursor.rowcount)

    def _model_of(self, names: tuple[str, ...], arguments: dict[str, Any]) -> type[Model]:
        if self._model is None:
            self._model = self._build(**stand_ins_for(arguments, names)).model
        return self._model

    def _field(self, model: type[Model], name: str) -> Field[Any, Any]:
        field = self._fields.get(name)
        if field is None:
            found = model._meta.get_field(name)
            if not isinstance(found, Field) or not found.concrete or found.model is not model:
                raise CompileError(f"{self._name}: {name!r} is no column of {model.__name__}'s own table")
            if hasattr(found, "get_placeholder"):
                raise CompileError(f"{self._name}: {name!r} has a placeholder of its own")
            field = self._fields[name] = found
        return field

    def _prepared(self, field: Field[Any, Any], value: Any, connection: Any) -> Any:
        """The value as Django's SQLUpdateCompiler sends it."""
        if _expression(value):
            raise CompileError(f"{self._name}: {field.name!r} is given an expression; use the ORM for that")
        if hasattr(value, "prepare_database_save"):
            if not field.remote_field:
                raise TypeError(f"Tried to update field {field} with a model instance, {value!r}.")
            value = value.prepare_database_save(field)
        prepared = field.get_db_prep_save(value, connection=connection)
        if _expression(prepared):
            raise CompileError(f"{self._name}: {field.name!r} prepares to an expression")
        return prepared

    def _compile(
        self, alias: str, names: tuple[str, ...], arguments: dict[str, Any], values: Mapping[str, Any], set_count: int
    ) -> _Statement:
        """`set_count`: the values that are no NULL once prepared, each one parameter ahead of the WHERE's."""
        stand_ins = stand_ins_for(arguments, names)
        queryset = self._build(**stand_ins)
        if queryset.query.is_sliced or queryset.query.combinator:
            raise CompileError(f"{self._name}: a sliced or combined queryset cannot be updated")
        query = queryset.query.chain(UpdateQuery)
        query.add_update_values(dict(values))  # type: ignore[attr-defined]  # an UpdateQuery, chained from the Query
        if query.related_updates:  # type: ignore[attr-defined]
            raise CompileError(f"{self._name}: the update reaches a parent model's table")
        query.annotations = {}
        sql, params = query.get_compiler(alias).as_sql()
        if not sql:
            raise CompileError(f"{self._name}: the queryset matches nothing by construction")
        slots, constants = argument_slots(params[set_count:], names, stand_ins, name=self._name)
        return _Statement(sql=sql, slots=slots, constants=constants)


class CompiledDelete:
    """`build(**arguments).delete()` in one statement built once; see the module docstring.

    Only for a model Django deletes in one statement (no signal receivers, nothing
    cascading from it), checked at the first call. ``.run(**arguments)``: the rows deleted.
    """

    def __init__(self, build: Callable[..., QuerySet[Any]], *, name: str = "") -> None:
        self._build = build
        self._name = name or getattr(build, "__qualname__", "delete")
        self._model: type[Model] | None = None
        self._compiled: dict[tuple[str, tuple[str, ...]], _Statement] = {}

    def run(self, **arguments: int | str) -> int:
        names = checked_arguments(arguments, name=self._name)
        if self._model is None:
            self._model = self._build(**stand_ins_for(arguments, names)).model
        alias = router.db_for_write(self._model)
        statement = self._compiled.get((alias, names))
        if statement is None:
            statement = self._compiled[(alias, names)] = self._compile(alias, names, arguments)
        params = bound_params(statement.slots, statement.constants, names, arguments)
        with transaction.mark_for_rollback_on_error(using=alias), connections[alias].cursor() as cursor:
            cursor.execute(statement.sql, params)
            return int(cursor.rowcount)

    def _compile(self, alias: str, names: tuple[str, ...], arguments: dict[str, Any]) -> _Statement:
        stand_ins = stand_ins_for(arguments, names)
        queryset = self._build(**stand_ins)
        if queryset.query.is_sliced or queryset.query.combinator or queryset.query.distinct_fields:
            raise CompileError(f"{self._name}: only a plain filtered queryset can be deleted")
        # Django's own test for "one DELETE, nothing else to do" (no signals, no cascades, no parents).
        if not Collector(using=alias, origin=queryset).can_fast_delete(queryset):
            raise CompileError(f"{self._name}: {queryset.model.__name__} is not deleted in one statement")
        query = queryset.query.chain(DeleteQuery)
        query.select_for_update = False  # as QuerySet.delete() clears them
        query.select_related = False
        query.clear_ordering(force=True)
        sql, params = query.get_compiler(alias).as_sql()
        slots, constants = argument_slots(params, names, stand_ins, name=self._name)
        return _Statement(sql=sql, slots=slots, constants=constants)
