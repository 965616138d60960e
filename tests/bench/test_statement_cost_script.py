"""bench/statement_cost.py: what one statement costs, and the statement budget a target leaves."""

from __future__ import annotations

import pytest
import statement_cost
from django.db import connection

from tests.factories import make_merchant
from tests.order_factories import make_variant


def test_it_refuses_anything_but_postgresql(monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///x.sqlite3")
    with pytest.raises(SystemExit):
        statement_cost.parse_args([])
    assert "PostgreSQL" in capsys.readouterr().err


def test_the_budget_is_the_cpu_a_target_leaves_per_checkout_over_each_statements_cost():
    costs = [
        statement_cost.Cost("cheap", 1, client_us=30, backend_us=20, wall_us=60),
        statement_cost.Cost("transaction", 4, client_us=1500, backend_us=500, wall_us=3000),
    ]
    lines = statement_cost.budget_lines(costs, target_per_s=200, cores=2)
    assert lines[0] == "# 200 checkouts/s on 2 cores leave 10.0 ms of CPU per checkout:"
    assert "  200 statements like 'cheap'" in lines[1]  # 10,000 µs / 50 µs
    assert "   20 statements like 'transaction'" in lines[2]  # 10,000 µs / (2,000 µs / 4)


@pytest.mark.postgres
@pytest.mark.django_db
def test_each_measure_counts_cpu_on_both_sides(postgres):
    variant = make_variant(make_merchant().store)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    found = statement_cost.costs(repeat=20, backend_pid=pid)
    assert [cost.statements for cost in found] == [1, 1, 1, 1, 4]
    assert all(cost.client_us > 0 and cost.wall_us > 0 for cost in found)
    variant.refresh_from_db()
    assert variant.stock_quantity == 10  # the write transaction's UPDATE changes nothing
