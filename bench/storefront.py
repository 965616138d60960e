"""Storefront throughput and latency per page, beside a bare-Django ceiling.

Drives a running Shopwright (PostgreSQL, granian or gunicorn, Redis cache)
with closed-loop keep-alive clients (bench/loadgen.py) for a fixed time per
scenario, at each client count, and prints requests/s and p50/p95/p99 per
page type: home, collection, product, search, add to cart, and a realistic
mix of them. In the same run the bare app (bench/bare_app: a Django view
rendering a 24-item template from memory) is served the same way and
measured the same way; every page is shown as a fraction of it.

    # 1. data (see bench/make_data.py), e.g. one store of 60 products:
    .venv/bin/python bench/make_data.py --database-url postgres://postgres@127.0.0.1:5432/bench_small \\
        --fresh --stores 1 --products 60
    # 2. serve it (2 granian workers) and measure at 1, 8 and 32 clients:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_small REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/storefront.py --serve --workers 2

Without --serve it measures whatever runs at --url (the bare app is still
started here, unless --bare-url names one). --no-cache serves Shopwright
with a dummy cache (CACHE_URL=dummycache://), to see what caching buys.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import functools
import json
import os
import platform
import random
import shlex
import signal
import socket
import string
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import loadgen  # bench/ is not a package: imported from its folder

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PAGES = ("home", "collection", "product", "search", "cart-add", "mix")
# The realistic mix: mostly browsing, some searching, some adding to the cart.
MIX = {"home": 10, "collection": 25, "product": 45, "search": 10, "cart-add": 10}
# A visitor adds a few items, then leaves; the next one starts without cookies.
ADDS_PER_VISITOR = 5


# --- what each client asks for ------------------------------------------------------------


def _csrf_token(rng: random.Random) -> str:
    """A CSRF secret of the form Django accepts from a client cookie (32 letters and digits)."""
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(32))


def _page_request(kind: str, client: loadgen.Client, stores: list[dict[str, Any]], domain: str) -> loadgen.Request:
    rng = client.rng
    store = stores[rng.randrange(len(stores))]
    host = f"{store['handle']}.{domain}"
    if kind == "home":
        return loadgen.Request("home", "GET", "/", host)
    if kind == "collection":
        collection = store["collections"][rng.randrange(len(store["collections"]))]
        roll = rng.random()
        if roll < 0.15:
            path = f"/collections/{collection['handle']}/?sort=price-asc"
        elif roll < 0.3 and collection["pages"] > 1:
            path = f"/collections/{collection['handle']}/?page=2"
        else:
            path = f"/collections/{collection['handle']}/"
        return loadgen.Request("collection", "GET", path, host)
    if kind == "product":
        handle = store["products"][rng.randrange(len(store["products"]))]
        return loadgen.Request("product", "GET", f"/products/{handle}/", host)
    if kind == "search":
        word = store["search"][rng.randrange(len(store["search"]))]
        roll = rng.random()
        term = word[: max(3, len(word) - 2)] if roll < 0.3 else word  # typed halfway
        return loadgen.Request("search", "GET", f"/search/?q={term}", host)
    if kind == "cart-add":
        return _cart_add(client, store, host)
    raise ValueError(kind)


def _cart_add(client: loadgen.Client, store: dict[str, Any], host: str) -> loadgen.Request:
    rng = client.rng
    adds = int(str(client.state.get("adds", ADDS_PER_VISITOR)))
    if adds >= ADDS_PER_VISITOR:
        client.cookies.clear()  # a new visitor: no cart yet
        client.cookies["csrftoken"] = _csrf_token(rng)
        adds = 0
    client.state["adds"] = adds + 1
    token = client.cookies["csrftoken"]
    variant = store["variants"][rng.randrange(len(store["variants"]))]
    body = f"variant_id={variant}&quantity=1&csrfmiddlewaretoken={token}".encode()
    headers = (
        ("Content-Type", "application/x-www-form-urlencoded"),
        # As product.js sends it: the answer is the small JSON, not a redirect to a page.
        ("Accept", "application/json"),
    )
    return loadgen.Request("cart-add", "POST", "/cart/add/", host, body=body, headers=headers)


def make_plan(page: str, stores: list[dict[str, Any]], domain: str) -> loadgen.Plan:
    """The request maker for one scenario: one page type, or the weighted mix."""
    kinds = [k for k, weight in MIX.items() for _ in range(weight)]

    def plan(client: loadgen.Client) -> loadgen.Request:
        kind = page if page != "mix" else kinds[client.rng.randrange(len(kinds))]
        request = _page_request(kind, client, stores, domain)
        return request if page != "mix" else _relabel(request, kind)

    return plan


def _relabel(request: loadgen.Request, kind: str) -> loadgen.Request:
    # In the mix, each page is still reported under its own name, prefixed.
    return loadgen.Request(f"mix:{kind}", request.method, request.path, request.host, request.body, request.headers)


def bare_plan(
    kind: str = "bare", path: str = "/", host: str = "localhost", headers: tuple[tuple[str, str], ...] = ()
) -> loadgen.Plan:
    """The same GET over and over: by default the bare app's listing (the ceiling), reported as "bare".

    bench/checkout.py also asks the bare app's /hello and Shopwright's cheapest request with it.
    """

    def plan(client: loadgen.Client) -> loadgen.Request:
        return loadgen.Request(kind, "GET", path, host, headers=headers)

    return plan


# --- servers ---------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_command(*, app: str, port: int, workers: int, threads: int, server: str) -> list[str]:
    """The command that serves a WSGI app the way production would (no access log)."""
    if server == "granian":
        return [
            str(Path(sys.executable).with_name("granian")),
            "--interface",
            "wsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--blocking-threads",
            str(threads),
            "--no-access-log",
            "--log-level",
            "warning",
            app,
        ]
    # gunicorn: Shopwright with its production configuration (threaded workers, filtered
    # access log); the bare app with the same worker settings and no log.
    config = ["-c", "python:shopwright.gunicorn_conf"] if app.startswith("shopwright.") else []
    return [
        sys.executable,
        "-m",
        "gunicorn",
        *config,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--keep-alive",
        "15",
        "--log-level",
        "warning",
        app,
    ]


@contextlib.contextmanager
def serving(command: list[str], *, env: dict[str, str], cwd: Path, check_host: str, port: int) -> Iterator[str]:
    """Run a server until the block ends; waits until it answers.

    Its standard output (gunicorn's access log, with Shopwright's configuration)
    goes to /dev/null: still written, as in production, but not onto the report.
    """
    process = subprocess.Popen(command, env=env, cwd=cwd, start_new_session=True, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"the server exited with status {process.returncode}: {shlex.join(command)}")
            try:
                request = urllib.request.Request(url + "/", headers={"Host": check_host})
                with urllib.request.urlopen(request, timeout=2):
                    break
            except urllib.error.HTTPError:
                break  # it answers (a 404 for a host is still an answer)
            except OSError:
                if time.time() > deadline:
                    raise SystemExit(f"the server did not answer within 60 s: {shlex.join(command)}") from None
                time.sleep(0.3)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def shopwright_env(*, no_cache: bool) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shopwright.settings",
        # A development environment without DEBUG: production would also insist on
        # HTTPS redirects and real mail, which a local benchmark has no use for.
        "SHOPWRIGHT_ENV": "development",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
    }
    if no_cache:
        env["CACHE_URL"] = "dummycache://"
    return env


# --- reporting -------------------------------------------------------------------------------


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB"
    return f"{platform.machine()} {cpu}, {os.cpu_count()} cores{memory}, Python {platform.python_version()}"


def _figures(values: list[float], seconds: float, errors: int, statuses: dict[int, int]) -> dict[str, Any]:
    values.sort()
    return {
        "rps": len(values) / seconds,
        "p50": loadgen.percentile(values, 0.50) * 1000,
        "p95": loadgen.percentile(values, 0.95) * 1000,
        "p99": loadgen.percentile(values, 0.99) * 1000,
        "errors": errors,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
    }


def summarise(result: loadgen.Result, *, kinds: Iterable[str] = ()) -> dict[str, dict[str, Any]]:
    """Figures per kind of request; for a mix also "mix (all)", every request of it together.

    `kinds` are reported even when none of theirs finished in the window (0
    req/s): a server slower than a short window gives a zero, not a missing
    figure.
    """
    out = {
        kind: _figures(values, result.seconds, result.errors.get(kind, 0), result.statuses.get(kind, {}))
        for kind, values in sorted(result.latencies.items())
    }
    for kind, n in result.errors.items():
        out.setdefault(kind, _figures([], result.seconds, n, result.statuses.get(kind, {})))
    for kind in kinds:
        out.setdefault(kind, _figures([], result.seconds, 0, {}))
    mixed = [kind for kind in result.latencies if kind.startswith("mix:")]
    if mixed:
        statuses: dict[int, int] = {}
        for kind in mixed:
            for status, n in result.statuses.get(kind, {}).items():
                statuses[status] = statuses.get(status, 0) + n
        every = [v for kind in mixed for v in result.latencies[kind]]
        errors = sum(n for kind, n in result.errors.items() if kind.startswith("mix:"))
        out["mix (all)"] = _figures(every, result.seconds, errors, statuses)
    return out


def format_row(name: str, row: dict[str, Any], ceiling: float | None) -> str:
    fraction = f"{row['rps'] / ceiling:6.2f}" if ceiling else "     -"
    errors = f"{row['errors']}" if row["errors"] else ""
    if row["errors"]:
        errors += " " + ",".join(f"{k}:{v}" for k, v in row["statuses"].items() if not k.startswith(("2", "3")))
    return f"  {name:<18} {row['rps']:9.0f} {row['p50']:8.1f} {row['p95']:8.1f} {row['p99']:8.1f} {fraction}  {errors}"


# The environment a --serve run depends on, repeated in the printed command.
_REPRODUCE_ENV = ("DATABASE_URL", "REDIS_URL", "SHOPWRIGHT_VAR_DIR")


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username}:PASSWORD@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def reproduce_command(argv: list[str], environ: Mapping[str, str], script: str = "bench/storefront.py") -> str:
    """The command line of this run, with the environment it used (passwords masked)."""
    env = [f"{name}={_without_password(environ[name])}" for name in _REPRODUCE_ENV if environ.get(name)]
    return shlex.join([*env, ".venv/bin/python", script, *argv])


HEADER = f"  {'page':<18} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'×bare':>6}  errors"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="a running Shopwright (without --serve)")
    parser.add_argument("--serve", action="store_true", help="start Shopwright here, against $DATABASE_URL")
    parser.add_argument("--server", choices=("granian", "gunicorn"), default="granian")
    parser.add_argument("--workers", type=int, default=2, help="server processes (with --serve)")
    parser.add_argument("--threads", type=int, default=4, help="threads per server process")
    parser.add_argument("--no-cache", action="store_true", help="serve with a dummy cache (with --serve)")
    parser.add_argument("--bare-url", help="a running bare app; default: start one like the server")
    parser.add_argument("--clients", default="1,8,32", help="comma-separated client counts")
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per scenario")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before each")
    parser.add_argument("--pages", default=",".join(PAGES), help=f"scenarios, of: {', '.join(PAGES)}")
    parser.add_argument("--processes", type=int, default=2, help="load generator processes")
    parser.add_argument("--manifest", default=str(ROOT / "var" / "bench" / "manifest.json"))
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    try:
        args.client_counts = [int(c) for c in args.clients.split(",") if c.strip()]
    except ValueError:
        parser.error("--clients takes numbers separated by commas, e.g. 1,8,32")
    if not args.client_counts or min(args.client_counts) < 1:
        parser.error("--clients needs at least one count of 1 or more")
    args.page_list = [p.strip() for p in args.pages.split(",") if p.strip()]
    unknown = set(args.page_list) - set(PAGES)
    if unknown:
        parser.error(f"unknown page(s): {', '.join(sorted(unknown))}; choose from {', '.join(PAGES)}")
    if args.duration <= 0 or args.warmup < 0:
        parser.error("--duration must be positive and --warmup not negative")
    if args.no_cache and not args.serve:
        parser.error("--no-cache needs --serve (it changes how the server is started)")
    if args.serve and not os.environ.get("DATABASE_URL"):
        parser.error("--serve needs DATABASE_URL (a PostgreSQL database filled by bench/make_data.py)")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    manifest_path = Path(args.manifest)
    if not manifest_path.exists():
        raise SystemExit(f"no manifest at {manifest_path}: run bench/make_data.py first (or --describe a store)")
    manifest = json.loads(manifest_path.read_text())
    stores, domain = manifest["stores"], manifest["platform_domain"]
    check_host = f"{stores[0]['handle']}.{domain}"

    command = reproduce_command(sys.argv[1:] if argv is None else argv, os.environ)
    started = datetime.datetime.now(datetime.UTC)
    print(f"# {started:%Y-%m-%d %H:%M} UTC — {machine()}")
    print(f"# load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"# {len(stores)} store(s) in the working set, {sum(len(s['products']) for s in stores)} products; "
        f"{args.duration:g} s per scenario after {args.warmup:g} s warm-up; "
        f"server: {args.server}, {args.workers} workers × {args.threads} threads"
        + (", cache OFF" if args.no_cache else "")
    )
    with contextlib.ExitStack() as stack:
        if args.serve:
            port = _free_port()
            url = stack.enter_context(
                serving(
                    server_command(
                        app="shopwright.wsgi:application",
                        port=port,
                        workers=args.workers,
                        threads=args.threads,
                        server=args.server,
                    ),
                    env=shopwright_env(no_cache=args.no_cache),
                    cwd=ROOT,
                    check_host=check_host,
                    port=port,
                )
            )
        else:
            url = args.url
        if args.bare_url:
            bare_url = args.bare_url
        else:
            bare_port = _free_port()
            bare_url = stack.enter_context(
                serving(
                    server_command(
                        app="bare_app.wsgi:application",
                        port=bare_port,
                        workers=args.workers,
                        threads=args.threads,
                        server=args.server,
                    ),
                    env={**os.environ, "PYTHONPATH": str(BENCH)},
                    cwd=BENCH,
                    check_host="localhost",
                    port=bare_port,
                )
            )
        report: dict[str, Any] = {"date": started.isoformat(), "machine": machine(), "command": command, "runs": {}}
        for clients in args.client_counts:
            run = functools.partial(
                loadgen.run,
                clients=clients,
                seconds=args.duration,
                warmup=args.warmup,
                processes=args.processes,
            )
            bare = summarise(run(url=bare_url, make_plan=bare_plan), kinds=("bare",))["bare"]
            ceiling = bare["rps"]
            rows: dict[str, Any] = {"bare": bare}
            print(f"\n{clients} client(s)\n{HEADER}")
            print(format_row("bare ceiling", bare, None))
            for page in args.page_list:
                figures = summarise(
                    run(url=url, make_plan=functools.partial(make_plan, page, stores, domain)),
                )
                for name, row in figures.items():
                    rows[name] = row
                    print(format_row(name, row, ceiling), flush=True)
            report["runs"][str(clients)] = rows
    print(f"\n# load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"# reproduce: {command}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
