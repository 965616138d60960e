"""What tests of compiled SQL watch: the statements sent, and how often Django's compiler built one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection


@contextmanager
def statements_sent() -> Iterator[list[tuple[str, tuple[Any, ...]]]]:
    """The statements sent to the database, as (SQL, parameters) before any rendering."""
    sent: list[tuple[str, tuple[Any, ...]]] = []

    def record(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        sent.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield sent


@contextmanager
def compiler_runs(monkeypatch: pytest.MonkeyPatch, compiler: type) -> Iterator[list[int]]:
    """One entry per time Django's `compiler` (SQLUpdateCompiler, SQLInsertCompiler, …) built its SQL."""
    built: list[int] = []
    as_sql = compiler.as_sql

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        built.append(1)
        return as_sql(self, *args, **kwargs)

    monkeypatch.setattr(compiler, "as_sql", counted)
    yield built
