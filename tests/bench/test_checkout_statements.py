"""bench/checkout.py --statements: which SQL statements a run's checkouts spent PostgreSQL's exec time on."""

from __future__ import annotations

import threading
import time
from typing import Any

import checkout
import psycopg
import pytest
from django.db import connection

from tests.factories import make_merchant

# What statements_top reads from pg_stat_statements: the order-number counter waiting on its row lock,
# a cheap read with a long column list, and a reservation. 200 checkouts completed in the window.
ROWS = [
    {
        "calls": 200,
        "total_exec_ms": 7600.0,
        "mean_exec_ms": 38.0,
        "rows": 200,
        "query": 'INSERT INTO "orders_ordernumbersequence" ("store_id", "last") VALUES ($1, $2) '
        'ON CONFLICT ("store_id") DO UPDATE SET "last" = "orders_ordernumbersequence"."last" + $3 RETURNING "last"',
    },
    {
        "calls": 1800,
        "total_exec_ms": 360.0,
        "mean_exec_ms": 0.2,
        "rows": 1800,
        "query": 'SELECT "stores_store"."id",\n       "stores_store"."handle", "stores_store"."name"\n'
        '  FROM "stores_store" WHERE "stores_store"."id" = $1 LIMIT $2',
    },
    {
        "calls": 200,
        "total_exec_ms": 40.0,
        "mean_exec_ms": 0.2,
        "rows": 200,
        "query": 'UPDATE "catalog_variant" SET "stock_quantity" = "stock_quantity" - $1 WHERE "id" IN ($2, $3, $4)',
    },
]


def test_each_statement_is_one_line_of_figures_per_completed_checkout():
    lines = checkout.statements_lines(ROWS, exec_ms=10_000.0, completed=200)
    assert "exec time includes waiting for row locks" in lines[0] and "a queue, not work" in lines[0]
    assert lines[1].split() == ["calls/co", "ms/co", "mean", "ms", "share", "statement"]
    counter, read, reserve = (line.split(None, 4) for line in lines[2:5])
    # 200 calls in 200 checkouts, 7,600 ms of them: 38 ms a checkout, each call 38 ms, 76 % of all exec time.
    assert counter[:4] == ["1.0", "38.00", "38.00", "76.0%"]
    assert counter[4].startswith('INSERT INTO "orders_ordernumbersequence" ("store_id", "last") VALUES (…) ON CONFLICT')
    assert read[:4] == ["9.0", "1.80", "0.20", "3.6%"]
    assert read[4] == 'SELECT … FROM "stores_store" WHERE "stores_store"."id" = ? LIMIT ?'  # one line, columns cut
    assert reserve[4] == 'UPDATE "catalog_variant" SET "stock_quantity" = "stock_quantity" - ? WHERE "id" IN (…)'
    assert len(counter[4]) == checkout.STATEMENT_CHARS and counter[4].endswith("…")
    assert lines[5] == "  all statements: 50.0 ms of exec time per completed checkout"
    assert len(lines) == 6


def test_a_long_statement_that_locks_rows_keeps_its_locking_clause_in_sight():
    locking = {
        **ROWS[1],
        "query": 'SELECT "payments_payment"."id", "orders_order"."id" FROM "payments_payment" '
        'INNER JOIN "orders_order" ON ("payments_payment"."order_id" = "orders_order"."id") '
        'WHERE ("payments_payment"."id" = $1 '
        'AND "payments_payment"."store_id" = $2) LIMIT $3 FOR NO KEY UPDATE OF "payments_payment", "orders_order"',
    }
    statement = checkout.statements_lines([locking], exec_ms=400.0, completed=200)[2].split(None, 4)[4]
    assert statement.startswith('SELECT … FROM "payments_payment" INNER JOIN "orders_order" ON')
    assert statement.endswith("… FOR NO KEY UPDATE") and len(statement) == checkout.STATEMENT_CHARS


def test_figures_that_someone_else_cut_short_by_resetting_every_database_say_so():
    lines = checkout.statements_lines(ROWS, exec_ms=10_000.0, completed=200, cut_short=True)
    assert lines[1].startswith("  CUT SHORT: someone reset pg_stat_statements for every database")
    assert lines[2:] == checkout.statements_lines(ROWS, exec_ms=10_000.0, completed=200)[1:]
    printed = checkout.report(
        _figures(statements=ROWS, statements_exec_ms=10_000.0, statements_cut_short=True), confirm="return-page"
    )
    assert "CUT SHORT" in printed


def test_without_a_completed_checkout_nothing_is_divided():
    lines = checkout.statements_lines(ROWS, exec_ms=10_000.0, completed=0)
    assert len(lines) == 2 and "no checkout completed" in lines[1]


def _figures(**more: Any) -> dict[str, Any]:
    return {
        "buyers": 8,
        "completed_per_s": 20.0,
        "orders_paid": 200,
        "orders_placed": 201,
        "steps": {},
        "card_to_paid": {"p50": 1.0, "p95": 2.0, "p99": 3.0, "count": 200},
        **more,
    }


def test_the_block_is_printed_under_the_buyer_counts_table_only_when_read(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_checkout")
    assert checkout.parse_args([]).statements == 0
    assert checkout.parse_args(["--statements", "8"]).statements == 8
    without = checkout.report(_figures(), confirm="return-page")
    assert "statements" not in without
    printed = checkout.report(_figures(statements=ROWS, statements_exec_ms=10_000.0), confirm="return-page")
    assert printed.startswith(without + "\n")
    assert printed.splitlines()[len(without.splitlines()) :] == checkout.statements_lines(
        ROWS, exec_ms=10_000.0, completed=200
    )


@pytest.mark.parametrize("argv", [["--statements", "-1"], ["--statements", "5", "--profile", "3"]])
def test_bad_statement_options_are_refused(monkeypatch, capsys, argv):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_checkout")
    with pytest.raises(SystemExit):
        checkout.parse_args(argv)
    assert "--statements" in capsys.readouterr().err


class _Server:
    """A connection whose server answers SHOW shared_preload_libraries with `preloaded`, recording what it ran."""

    def __init__(self, preloaded: str) -> None:
        self.preloaded = preloaded
        self.ran: list[str] = []

    def cursor(self) -> _Server:
        return self

    def __enter__(self) -> _Server:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def execute(self, sql: str, params: object = None) -> None:
        self.ran.append(sql)

    def fetchone(self) -> tuple[str]:
        return (self.preloaded,)


@pytest.mark.parametrize("preloaded", ["", "auto_explain", "pg_stat_statements_extra"])
def test_without_the_library_preloaded_one_line_says_how_to_enable_it_and_nothing_is_changed(preloaded):
    server = _Server(preloaded)
    hint = checkout.statements_unavailable(server)
    assert "\n" not in hint
    assert "shared_preload_libraries = 'pg_stat_statements'" in hint and "conf.d" in hint
    assert "pg_ctlcluster --skip-systemctl-redirect 15 main restart" in hint and "remove" in hint
    assert server.ran == ["SHOW shared_preload_libraries"]  # no extension created, no setting changed


@pytest.mark.parametrize("preloaded", ["pg_stat_statements", "auto_explain, pg_stat_statements"])
def test_with_the_library_preloaded_its_extension_is_created_in_the_bench_database(preloaded):
    server = _Server(preloaded)
    assert checkout.statements_unavailable(server) == ""
    assert server.ran == ["SHOW shared_preload_libraries", "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"]


def _extension_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'")
        return cursor.fetchone() is not None


@pytest.mark.django_db(transaction=True)
def test_a_statement_waiting_for_a_row_lock_leads_the_list(postgres):
    """On a server without the library (CI) the hint is all; with it, a lock wait is exec time of its statement."""
    hint = checkout.statements_unavailable(connection)
    if hint:
        assert hint == checkout.STATEMENTS_HINT and not _extension_exists()
        return
    assert _extension_exists()
    store = make_merchant().store
    dsn = psycopg.conninfo.make_conninfo(
        **{k: v for k, v in connection.get_connection_params().items() if k in ("dbname", "host", "port", "user")}
    )
    since = checkout.statements_reset(connection)
    with psycopg.connect(dsn) as holder, psycopg.connect(dsn, autocommit=True) as waiter:
        holder.execute("SELECT id FROM stores_store WHERE id = %s FOR UPDATE", [store.pk])
        blocked = threading.Thread(
            target=waiter.execute, args=("UPDATE stores_store SET name = name WHERE id = %s", [store.pk])
        )
        blocked.start()
        time.sleep(0.3)  # the UPDATE waits this long for the row
        holder.commit()
        blocked.join()
        for _ in range(20):
            waiter.execute("SELECT name FROM stores_store WHERE id = %s", [store.pk])
    read = checkout.statements_top(connection, limit=3, since=since)
    rows, exec_ms = read["statements"], read["statements_exec_ms"]
    assert read["statements_cut_short"] is False  # its own reset is not someone else's
    first = rows[0]
    assert first["query"] == "UPDATE stores_store SET name = name WHERE id = $1"
    assert first["calls"] == 1 and first["mean_exec_ms"] >= 250
    assert exec_ms >= first["total_exec_ms"] >= 250
    reads = next(row for row in rows if row["query"].startswith("SELECT name FROM stores_store"))
    assert reads["calls"] == 20 and reads["mean_exec_ms"] < first["mean_exec_ms"]
    # A reset forgets this database's figures: the next window starts from nothing.
    since = checkout.statements_reset(connection)
    rows = checkout.statements_top(connection, limit=3, since=since)["statements"]
    assert not any(row["query"].startswith(("UPDATE stores_store", "SELECT name FROM")) for row in rows)
