"""Reads on the checkout's hot path, compiled to SQL once per process instead of on every call.

Building a query's SQL in Django's ORM costs about half a millisecond of
CPU on our machines, five times what sending it and reading its row costs
(`bench/statement_cost.py`), and a checkout makes dozens of such reads.
`CompiledRead` takes a function that builds a queryset from named arguments,
compiles it once per database (the first call, with stand-in values), and
from then on only sends the stored SQL with the new values and turns the
rows into model instances the way the ORM does (the same field converters,
`Model.from_db`): same SQL, same objects, no SQL building.

It covers what the hot reads need and refuses the rest at the first call:
model instances (with their select_related ones), no annotations or values(); arguments that are
ints or strings the ORM passes through unchanged (an exact match on a
column, not `icontains` or a list for `__in`). A queryset that locks rows
(`select_for_update`) is refused outside a transaction, as the ORM refuses it.
Statements still go through Django's cursor: query counting, the tenancy
guard of the tests and the database's own logging see them as any other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, get_related_populators
from django.db.models.sql import Query
from django.db.transaction import TransactionManagementError

M = TypeVar("M", bound=Model)

# Stand-in values, one per argument, that no real argument takes: the compiled
# parameters are matched back to arguments by these.
_INT_STAND_IN = -(2**62)
_STR_STAND_IN = "\x00compiled-read-argument-{}\x00"


# For each column that needs it: (position in the row, the converters in turn, the column's expression).
Converters = tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]


def converted_row(raw: Sequence[Any], converters: Converters, connection: Any) -> list[Any]:
    """A row as the ORM hands it to `from_db`: each column through its field's and backend's converters."""
    row = list(raw)
    for position, convs, expression in converters:
        value = row[position]
        for convert in convs:
            value = convert(value, expression, connection)
        row[position] = value
    return row


def _plain(queryset: QuerySet[Any]) -> bool:
    """Whether the queryset yields model instances (not values(), values_list() or the like)."""
    return getattr(queryset, "_iterable_class", None) is ModelIterable


class CompileError(TypeError):
    """The queryset cannot be compiled once and reused (a programming error, raised at its first call)."""


def stand_ins_for(arguments: dict[str, Any], names: tuple[str, ...]) -> dict[str, int | str]:
    """A stand-in value per argument (by its type) that no real argument takes, to compile with."""
    return {
        name: (_STR_STAND_IN.format(index) if isinstance(arguments[name], str) else _INT_STAND_IN + index)
        for index, name in enumerate(names)
    }


def checked_arguments(arguments: dict[str, Any], *, name: str) -> tuple[str, ...]:
    """The arguments' names in a fixed order, once each is known to be an int or a str."""
    names = tuple(sorted(arguments))
    for argument in names:
        value = arguments[argument]
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise CompileError(f"{name}: argument {argument!r} must be an int or a str, not {type(value)}")
    return names


def argument_slots(
    params: Sequence[Any], names: tuple[str, ...], stand_ins: dict[str, int | str], *, name: str
) -> tuple[tuple[int | None, ...], tuple[Any, ...]]:
    """Match compiled parameters back to the arguments whose stand-ins they are.

    For each parameter, the index (in `names`) of the argument it takes, or
    None for a constant of the query (returned in order). Raises
    CompileError if an argument is changed on its way to the SQL (a lookup
    that wraps it, `icontains`) or does not reach it at all.
    """
    by_value = {value: index for index, value in enumerate(stand_ins[argument] for argument in names)}
    slots: list[int | None] = []
    constants: list[Any] = []
    used = set()
    for param in params:
        index = by_value.get(param) if isinstance(param, int | str) and not isinstance(param, bool) else None
        if index is None:
            if isinstance(param, str) and "compiled-read-argument" in param:
                raise CompileError(f"{name}: an argument is changed by its lookup ({param!r})")
            constants.append(param)
        else:
            used.add(index)
        slots.append(index)
    missing = [argument for index, argument in enumerate(names) if index not in used]
    if missing:
        raise CompileError(f"{name}: argument(s) {missing} do not reach the SQL unchanged")
    return tuple(slots), tuple(constants)


def bound_params(
    slots: tuple[int | None, ...], constants: tuple[Any, ...], names: tuple[str, ...], arguments: dict[str, Any]
) -> list[Any]:
    """The parameters of a compiled statement for these arguments (see `argument_slots`)."""
    values = [arguments[argument] for argument in names]
    remaining = iter(constants)
    return [next(remaining) if slot is None else values[slot] for slot in slots]


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # For each SQL parameter, the index of the argument it takes, or None for a constant (in `constants`).
    slots: tuple[int | None, ...]
    constants: tuple[Any, ...]
    model: type[Model]
    attnames: tuple[str, ...]
    model_columns: int  # the first `model_columns` columns are the model's own, the rest select_related's
    converters: Converters
    related: tuple[Any, ...]  # Django's RelatedPopulator per select_related model, as ModelIterable uses them
    locks: bool


class CompiledRead(Generic[M]):
    """A read of one model whose SQL is built once per database; see the module docstring.

    `build` receives the arguments by name and returns the queryset, e.g.
    ``CompiledRead(lambda store_id, token_hash: Cart.objects.filter(store_id=store_id, token_hash=token_hash)[:1])``.
    """

    def __init__(self, build: Callable[..., QuerySet[M]], *, name: str = "") -> None:
        self._build = build
        self._name = name or getattr(build, "__qualname__", "read")
        self._compiled: dict[str, _Compiled] = {}
        self._target: tuple[type[Model], bool] | None = None

    def all(self, **arguments: int | str) -> list[M]:
        """The rows, as the queryset would give them."""
        names = checked_arguments(arguments, name=self._name)
        alias = self._alias(names, arguments)
        compiled = self._compiled.get(alias)
        if compiled is None:
            compiled = self._compiled[alias] = self._compile(alias, names, arguments)
        connection = connections[alias]
        if compiled.locks and connection.get_autocommit():
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        params = bound_params(compiled.slots, compiled.constants, names, arguments)
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        found = []
        for raw in rows:
            row = converted_row(raw, compiled.converters, connection)
            instance = compiled.model.from_db(alias, compiled.attnames, row[: compiled.model_columns])
            for populator in compiled.related:
                populator.populate(row, instance)
            found.append(instance)
        return found  # type: ignore[return-value]  # from_db of the queryset's model

    def first(self, **arguments: int | str) -> M | None:
        """The first row, or None. The queryset should be sliced to one row (``[:1]``)."""
        found = self.all(**arguments)
        return found[0] if found else None

    # --- compiling -------------------------------------------------------------------------------

    def _alias(self, names: tuple[str, ...], arguments: dict[str, int | str]) -> str:
        """The database the queryset would use (routers ask by model, and locking reads go to the writer)."""
        if self._target is None:
            queryset = self._build(**stand_ins_for(arguments, names))
            self._target = (queryset.model, bool(queryset.query.select_for_update))
        model, writes = self._target
        return router.db_for_write(model) if writes else router.db_for_read(model)

    def _compile(self, alias: str, names: tuple[str, ...], arguments: dict[str, int | str]) -> _Compiled:
        stand_ins = stand_ins_for(arguments, names)
        queryset = self._build(**stand_ins)
        query = queryset.query
        if query.annotations or query.extra or query.combinator or not _plain(queryset):
            raise CompileError(f"{self._name}: only reads of model instances compile (no annotations, values…)")
        compiler = query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        klass_info = compiler.klass_info
        if not klass_info or compiler.annotation_col_map:
            raise CompileError(f"{self._name}: only reads of model instances compile")
        slots, constants = argument_slots(params, names, stand_ins, name=self._name)
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        if start != 0:
            raise CompileError(f"{self._name}: only reads of model instances compile")
        columns = [column for column, _sql, _alias in compiler.select[: compiler.col_count]]
        converters = tuple(
            (position, tuple(convs), expression)
            for position, (convs, expression) in compiler.get_converters(columns).items()
        )
        return _Compiled(
            sql=sql,
            slots=tuple(slots),
            constants=tuple(constants),
            model=klass_info["model"],
            attnames=tuple(column.target.attname for column in columns[:end]),
            model_columns=end,
            converters=converters,
            # Django 5.2 takes these three (the stubs follow a later release).
            related=tuple(get_related_populators(klass_info, compiler.select, alias)),  # type: ignore[call-arg]
            # As the ORM: only where the database locks rows (SQLite's write transactions lock it all).
            locks=bool(query.select_for_update) and compiler.connection.features.has_select_for_update,
        )


# --- raw SQL, rows turned into instances -----------------------------------------------------------------


@dataclass(frozen=True)
class _RawPlan:
    init_names: tuple[str, ...]  # the model's fields the SQL selects, in the model's order (as from_db wants them)
    init_positions: tuple[int, ...]  # where each of them is in a row
    extras: tuple[tuple[str, int], ...]  # columns that are no field of the model: (attribute, position)
    converters: Converters
    width: int  # how many columns the statement returned


class RawRead(Generic[M]):
    """A raw SQL read whose rows become `model` instances as `Model.objects.raw()` makes them, worked out once.

    `raw()` matches the columns to the model's fields and looks up each
    field's converters anew on every call (about a quarter of a millisecond
    here); this does it at the first call, per database, from the columns the
    statement returns. Columns named after a field's column fill that field
    (decrypted, dates made aware, as the ORM would); any other column is set
    as an attribute; a field the SQL does not select is deferred. The SQL
    must select the primary key, as for `raw()`. Its text never changes, so
    the columns do not either.
    """

    def __init__(self, model: type[M], sql: str, *, name: str = "") -> None:
        self._model = model
        self._sql = sql
        self._name = name or f"raw read of {model.__name__}"
        self._plans: dict[str, _RawPlan] = {}

    def all(self, params: list[Any]) -> list[M]:
        alias = router.db_for_read(self._model)
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(self._sql, params)
            plan = self._plans.get(alias)
            # A `SELECT t.*` returns one column more once a migration adds one to the table: match again.
            if plan is None or plan.width != len(cursor.description):
                plan = self._plans[alias] = self._plan(alias, [column[0] for column in cursor.description])
            rows = cursor.fetchall()
        found = []
        for raw in rows:
            row = converted_row(raw, plan.converters, connection)
            instance = self._model.from_db(alias, plan.init_names, [row[position] for position in plan.init_positions])
            for attribute, position in plan.extras:
                setattr(instance, attribute, row[position])
            found.append(instance)
        return found

    def first(self, params: list[Any]) -> M | None:
        found = self.all(params)
        return found[0] if found else None

    def _plan(self, alias: str, columns: list[str]) -> _RawPlan:
        connection = connections[alias]
        as_named = connection.introspection.identifier_converter
        by_column = {as_named(str(field.column)): field for field in self._model._meta.concrete_fields}
        init = [(field, columns.index(column)) for column, field in by_column.items() if column in columns]
        if self._model._meta.pk not in [field for field, _ in init]:
            raise CompileError(f"{self._name}: the SQL must select the primary key")
        fields = [by_column.get(column) for column in columns]
        compiler = Query(self._model).get_compiler(alias)
        cols = [field.get_col(field.model._meta.db_table) if field is not None else None for field in fields]
        converters = tuple(
            (position, tuple(convs), expression)
            for position, (convs, expression) in compiler.get_converters(cols).items()
        )
        return _RawPlan(
            init_names=tuple(field.attname for field, _ in init),
            init_positions=tuple(position for _, position in init),
            extras=tuple((column, position) for position, column in enumerate(columns) if column not in by_column),
            converters=converters,
            width=len(columns),
        )
