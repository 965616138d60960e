"""bench/oversell.py: buyers racing for the last units on PostgreSQL end with exactly that many sold, none left."""

from __future__ import annotations

import subprocess
import sys
from urllib.parse import quote

import oversell
import pytest
from django.db import connection

from shopwright.orders.models import Order


def test_defaults_race_200_buyers_for_10_units():
    args = oversell.parse_args([])
    assert (args.buyers, args.stock, args.concurrency) == (200, 10, 64)
    assert args.database_url == "postgres://postgres@127.0.0.1:5432/shopwright_bench"


@pytest.mark.parametrize(
    "argv",
    [
        ["--database-url", "sqlite:///x.sqlite3"],
        ["--buyers", "5", "--stock", "6"],
        ["--stock", "0"],
        ["--concurrency", "0"],
        ["--buyers", "x"],
    ],
)
def test_bad_options_are_refused_with_a_message(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        oversell.parse_args(argv)
    assert exit_info.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_the_printed_command_spells_out_the_run_without_the_password():
    args = oversell.parse_args(["--database-url", "postgres://bench:s3cret@db.internal:5432/b", "--buyers", "40"])
    assert oversell.reproduce_command(args) == (
        ".venv/bin/python bench/oversell.py --database-url postgres://bench:PASSWORD@db.internal:5432/b"
        " --buyers 40 --stock 10 --concurrency 64"
    )


@pytest.mark.django_db(transaction=True)
def test_the_race_sells_exactly_the_stock(postgres):
    store, variant, checkouts = oversell.prepare(buyers=40, stock=5)

    result = oversell.race(store=store, variant=variant, checkouts=checkouts, concurrency=16)

    assert (result.orders, result.units_sold, result.final_stock) == (5, 5, 0)
    assert result.outcomes == {"paid": 5, "insufficient_stock": 35}
    assert result.ok(5)
    numbers = sorted(Order.objects.filter(store=store).values_list("number", flat=True))
    assert numbers == [1001, 1002, 1003, 1004, 1005]


def test_a_result_with_any_other_error_fails_the_run():
    assert not oversell.Result(5, 5, 0, 1.0, oversell.Counter({"paid": 5, "OperationalError": 1})).ok(5)
    assert not oversell.Result(6, 6, 0, 1.0, oversell.Counter({"paid": 6})).ok(5)


SMALL_RUN = ["--buyers", "40", "--stock", "5", "--concurrency", "16"]


@pytest.mark.django_db
def test_the_script_end_to_end_prints_the_figures_and_exits_0(postgres):
    """The command as an operator runs it, on a database of its own (created, migrated, dropped here)."""
    import psycopg

    settings = connection.settings_dict
    name = f"{settings['NAME']}_oversell"
    password = f":{quote(settings['PASSWORD'], safe='')}" if settings.get("PASSWORD") else ""
    server = f"{quote(settings['USER'] or 'postgres', safe='')}{password}@{settings['HOST'] or '127.0.0.1'}"
    server += f":{settings['PORT'] or 5432}"
    url = f"postgres://{server}/{name}"
    try:
        run = subprocess.run(
            [sys.executable, str(oversell.ROOT / "bench" / "oversell.py"), "--database-url", url, *SMALL_RUN],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=oversell.ROOT,
        )
    finally:
        with psycopg.connect(f"postgres://{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert run.returncode == 0, run.stdout + run.stderr
    assert "orders created: 5\nunits sold: 5\nfinal stock: 0\n" in run.stdout
    assert "# reproduce: .venv/bin/python bench/oversell.py --database-url postgres://" in run.stdout
