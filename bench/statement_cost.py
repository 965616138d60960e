"""What one SQL statement costs here: CPU in this Python process and in its PostgreSQL backend.

The checkout's throughput is bounded by CPU, and most of its CPU goes to
SQL statements (building them in Django's ORM, the round trip through
psycopg, PostgreSQL's own work). This prints, for a few kinds of
statement, the CPU microseconds each costs on the client side and in the
backend (read from /proc), and the wall time, so that a statement count
(`bench/checkout.py --profile`) can be turned into CPU, and a target into
a statement budget:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shopwright_bench_checkout \\
    .venv/bin/python bench/statement_cost.py --repeat 2000

Run it against the checkout bench's database (bench/checkout.py makes it):
the write transaction touches one of its variants with a no-op UPDATE.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_data  # bench/ is not a package: imported from its folder
import storefront

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


@dataclass(frozen=True)
class Cost:
    name: str
    statements: int  # SQL statements per operation (BEGIN and COMMIT count)
    client_us: float  # CPU of this process per operation
    backend_us: float  # CPU of the PostgreSQL backend per operation
    wall_us: float

    def line(self) -> str:
        total = self.client_us + self.backend_us
        return (
            f"  {self.name:<44} {self.statements:>5} {self.client_us:9.0f} {self.backend_us:9.0f} "
            f"{total:9.0f} {total / self.statements:9.0f} {self.wall_us:9.0f}"
        )


HEADER = (
    f"  {'operation':<44} {'stmts':>5} {'client µs':>9} {'pg µs':>9} {'total µs':>9} {'per stmt':>9} {'wall µs':>9}"
)


def measure(name: str, statements: int, operation: Callable[[], object], *, repeat: int, backend_pid: int) -> Cost:
    for _ in range(max(repeat // 10, 10)):  # warm: connections, caches, plans
        operation()
    client, backend, wall = time.process_time(), _process_cpu(backend_pid), time.perf_counter()
    for _ in range(repeat):
        operation()
    wall = time.perf_counter() - wall
    client = time.process_time() - client
    backend = _process_cpu(backend_pid) - backend
    return Cost(name, statements, 1e6 * client / repeat, 1e6 * backend / repeat, 1e6 * wall / repeat)


@contextlib.contextmanager
def django_connection(database_url: str) -> Iterator[int]:
    """Django set up on `database_url`, its connection open: the backend's process id."""
    make_data._setup_django(database_url, os.environ.get("SHOPWRIGHT_VAR_DIR"))
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        yield int(pid)
    finally:
        connection.close()


def costs(repeat: int, backend_pid: int) -> list[Cost]:
    from django.db import connection, transaction
    from django.db.models import F

    from shopwright.catalog.models import Variant
    from shopwright.core.compiled import CompiledRead
    from shopwright.core.tenancy import cross_store_access
    from shopwright.stores.models import Store

    with cross_store_access("the benchmark measures any one row"):
        store = Store.objects.order_by("pk").first()
        variant = Variant.objects.order_by("pk").first()
    if store is None or variant is None:
        raise SystemExit("no store or variant here: run bench/checkout.py once against this database first")

    raw = connection.connection  # the psycopg connection under Django's wrapper

    def raw_select() -> None:
        with raw.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchall()

    def orm_read() -> None:
        Store.objects.filter(pk=store.pk).first()

    def orm_read_no_order() -> None:
        list(Store.objects.filter(pk=store.pk).order_by()[:1])

    by_key = CompiledRead(lambda pk: Store.objects.filter(pk=pk)[:1], name="store by key")

    def compiled_read() -> None:
        by_key.first(pk=store.pk)

    def orm_write_transaction() -> None:
        with transaction.atomic():
            Variant.objects.select_for_update(no_key=True).filter(store_id=variant.store_id, pk=variant.pk).get()
            Variant.objects.filter(store_id=variant.store_id, pk=variant.pk).update(stock_quantity=F("stock_quantity"))

    return [
        measure("psycopg: SELECT 1", 1, raw_select, repeat=repeat, backend_pid=backend_pid),
        measure("ORM: one row by key, .first() (ORDER BY pk)", 1, orm_read, repeat=repeat, backend_pid=backend_pid),
        measure("ORM: one row by key, no ORDER BY", 1, orm_read_no_order, repeat=repeat, backend_pid=backend_pid),
        measure("core.compiled.CompiledRead: the same read", 1, compiled_read, repeat=repeat, backend_pid=backend_pid),
        measure(
            "ORM: BEGIN, lock a row, UPDATE it, COMMIT",
            4,
            orm_write_transaction,
            repeat=max(repeat // 4, 50),
            backend_pid=backend_pid,
        ),
    ]


def budget_lines(found: list[Cost], *, target_per_s: float, cores: int) -> list[str]:
    """What `target_per_s` checkouts/s leave per checkout on `cores` cores, in statements of each kind."""
    per_checkout_us = 1e6 * cores / target_per_s
    leave = f"leave {per_checkout_us / 1000:.1f} ms of CPU per checkout:"
    lines = [f"# {target_per_s:g} checkouts/s on {cores} cores {leave}"]
    for cost in found:
        per_statement = (cost.client_us + cost.backend_us) / cost.statements
        lines.append(f"#   {per_checkout_us / per_statement:5.0f} statements like '{cost.name}', with nothing else")
    return lines


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2000, help="operations per measure")
    parser.add_argument("--target", type=float, default=200.0, help="checkouts/s to turn into a statement budget")
    args = parser.parse_args(argv)
    if args.repeat < 10:
        parser.error("--repeat must be at least 10")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        parser.error("set DATABASE_URL to a PostgreSQL database (the checkout bench's)")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    argv_used = sys.argv[1:] if argv is None else argv
    command = storefront.reproduce_command(argv_used, os.environ, "bench/statement_cost.py")
    print(f"# {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC — {storefront.machine()}")
    print(f"# load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with django_connection(os.environ["DATABASE_URL"]) as backend_pid:
        found = costs(args.repeat, backend_pid)
    print(HEADER)
    for cost in found:
        print(cost.line())
    print("\n".join(budget_lines(found, target_per_s=args.target, cores=os.cpu_count() or 1)))
    print(f"# load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"# reproduce: {command}")


if __name__ == "__main__":
    main()
