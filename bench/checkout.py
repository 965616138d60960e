"""Checkout throughput: concurrent buyers through the whole flow, against a running server on PostgreSQL.

Each buyer is a new visitor who adds to a cart, checks out, pays with the
built-in test provider and waits to see the order paid, then the next
buyer starts (a closed loop: as many checkouts at once as there are
buyers). The steps, each reported on its own:

  cart-add         POST /api/v1/storefront/cart/lines (the first one answers the X-Cart-Token)
  checkout         GET  /api/v1/storefront/checkout
  information      PUT  /api/v1/storefront/checkout/information (contact, delivery address in Germany)
  shipping-method  PUT  /api/v1/storefront/checkout/shipping-method (the first option offered)
  place            POST /api/v1/storefront/checkout/place (201 with the payment_url)
  pay-page         GET  the test provider's hosted page (platform host) for its CSRF token
  pay              POST the card form, 4242 4242 4242 4242 (303 back to the store)
  paid             GET  /orders/<token>/payment/, which asks the provider and shows "confirmed"

With `--confirm webhook` the buyer stops after `pay`, and the order is paid
only when the provider's signed webhook arrives (a Huey job POSTs it to the
store): the time from the accepted card to the paid order is then read
from the database. Either way the completed checkouts per second are the
orders paid in the measured seconds, counted in the database.

    # serve it here (granian, 2 workers, and a job consumer) and measure 1, 8, 32 and 64 buyers:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shopwright_bench_checkout \\
    REDIS_URL=redis://127.0.0.1:6379/7 .venv/bin/python bench/checkout.py --serve --duration 20

The database is created if missing and migrated; a bench store
(`checkout-0001`, made by bench/make_data.py) gets the demo shipping zones
and tax rates and a large stock on every variant. Without --serve it drives
whatever runs at --url, which must use the same DATABASE_URL.

With `--statements N`, pg_stat_statements (when the server preloads it)
says which N statements the database spent its exec time on in each
measured window, lock waits included.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import functools
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import loadgen  # bench/ is not a package: imported from its folder
import make_data
import storefront

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "checkout"  # the bench store is make_data's "checkout-0001"
STEPS = ("cart-add", "checkout", "information", "shipping-method", "place", "pay-page", "pay", "paid")
CONFIRMS = ("return-page", "webhook")
# Far more than any run sells: the reservation (a row lock and an UPDATE) is measured, never a sell-out.
STOCK = 1_000_000
MAX_LINES = 20  # the most --lines allows
# make_data gives variants 50-2,000 g, and the only method the German buyer is offered (the demo's European
# "Tracked") carries at most 20 kg: most carts of 20 lines weighed more, and "information" offered no shipping.
# The bench store's variants all weigh this instead (MAX_LINES of them: 4 kg); the shipping rules stay the demo's.
VARIANT_WEIGHT_GRAMS = 200

# Shopwright's floor: the cheapest request it answers through its whole middleware stack on a store's host.
# Without a cookie or a cart token it answers 200 with an empty cart and runs no SQL statement once the
# store of the host is cached (the first one looks it up; the warm-up covers that): checked once with the
# test client and CaptureQueriesContext, and by tests/bench/test_checkout_script.py.
FLOOR_PATH = "/api/v1/storefront/cart"
# The ceilings measured before any checkout load, each printed beside the run: (name, label, what it measures).
# Their req/s are kept in the figures as "<name>_rps".
CEILINGS = (
    ("bare", "bare ceiling", "a template view from memory, same server and buyers"),
    ("hello", "hello ceiling", "the bare app's plain-text /hello: the server's own ceiling"),
    (
        "floor",
        "Shopwright floor",
        f"GET {FLOOR_PATH} without a cart on the store's host: the whole middleware stack, no SQL",
    ),
)

BUYER_ADDRESS = {
    "name": "Erika Mustermann",
    "street_address": "Hauptstraße 5",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "DE",
}
BUYER_PHONE = "+49 30 901820"
CARD_NUMBER = "4242 4242 4242 4242"  # the test provider's card that succeeds
_CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
_CONFIRMED = b"is confirmed"  # the return page of a paid order: "Thank you, order #N is confirmed"


@dataclass(frozen=True)
class Shop:
    """What the buyers need to know of the bench store (picklable: sent to each load-generator process)."""

    host: str
    variants: tuple[int, ...]
    lines: int = 1
    confirm: str = "return-page"


# --- one buyer's flow ------------------------------------------------------------------------


def _json(answer: loadgen.Answer, *statuses: int) -> dict[str, Any] | None:
    if answer.status not in statuses:
        return None
    try:
        data = json.loads(answer.body)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _read_cart(answer: loadgen.Answer) -> dict[str, Any] | None:
    data = _json(answer, 200, 201)
    return data if data is not None and data.get("count") else None


def _read_checkout(answer: loadgen.Answer) -> dict[str, Any] | None:
    data = _json(answer, 200)
    return data if data is not None and data.get("lines") and data.get("signature") else None


def _read_information(answer: loadgen.Answer) -> dict[str, Any] | None:
    data = _read_checkout(answer)
    return data if data is not None and data.get("shipping_options") else None


def _read_shipping(answer: loadgen.Answer) -> dict[str, Any] | None:
    data = _read_checkout(answer)
    return data if data is not None and data.get("ready") else None


def _read_placed(answer: loadgen.Answer) -> dict[str, Any] | None:
    data = _json(answer, 201)
    return data if data is not None and data.get("payment_url") else None


def _read_pay_page(answer: loadgen.Answer) -> dict[str, Any] | None:
    found = _CSRF_FIELD.search(answer.body) if answer.status == 200 else None
    return {"csrf": found.group(1).decode()} if found else None


def _read_paid_redirect(answer: loadgen.Answer) -> dict[str, Any] | None:
    location = answer.header("Location") if answer.status == 303 else None
    return {"return_url": location} if location else None


def _read_confirmed(answer: loadgen.Answer) -> dict[str, Any] | None:
    return {} if answer.status == 200 and _CONFIRMED in answer.body else None


READERS: dict[str, Callable[[loadgen.Answer], dict[str, Any] | None]] = {
    "cart-add": _read_cart,
    "checkout": _read_checkout,
    "information": _read_information,
    "shipping-method": _read_shipping,
    "place": _read_placed,
    "pay-page": _read_pay_page,
    "pay": _read_paid_redirect,
    "paid": _read_confirmed,
}


def _expect(step: str, client: loadgen.Client) -> Callable[[loadgen.Answer], bool]:
    """The check of a step's answer; what it read is kept for the next step (parsed once)."""

    def check(answer: loadgen.Answer) -> bool:
        read = READERS[step](answer)
        client.state["read"] = read
        return read is not None

    return check


def _card_expiry(today: datetime.date) -> str:
    return f"{today.month:02d}/{(today.year + 3) % 100:02d}"


def _next_step(client: loadgen.Client, shop: Shop) -> str:
    """The step to take now, from the last one and what its answer said; a failed step starts a new buyer."""
    state = client.state
    last = state.get("step")
    read = state.get("read") if client.answer is not None else None
    if last is None or read is None:
        return _new_buyer(client, shop)
    assert isinstance(read, dict)
    if last == "cart-add":
        if read.get("token"):
            state["cart_token"] = read["token"]
        return "cart-add" if cast(int, state["added"]) < shop.lines else "checkout"
    if last == "checkout":
        return "information"
    if last == "information":
        state["method_id"] = read["shipping_options"][0]["method_id"]
        return "shipping-method"
    if last == "shipping-method":
        state["signature"] = read["signature"]
        return "place"
    if last == "place":
        state["payment_url"] = read["payment_url"]
        return "pay-page"
    if last == "pay-page":
        state["csrf"] = read["csrf"]
        return "pay"
    if last == "pay" and shop.confirm == "return-page":
        state["return_url"] = read["return_url"]
        return "paid"
    return _new_buyer(client, shop)  # paid (or paid by the webhook later): the next buyer


def _new_buyer(client: loadgen.Client, shop: Shop) -> str:
    """A new visitor: no cookies, no cart, its own variants and email address."""
    client.cookies.clear()
    client.state.clear()
    rng = client.rng
    client.state["variants"] = rng.sample(shop.variants, min(shop.lines, len(shop.variants)))
    client.state["added"] = 0
    client.state["email"] = f"buyer{client.number}.{client.sent}@example.com"
    return "cart-add"


def _api(
    kind: str, method: str, path: str, client: loadgen.Client, shop: Shop, body: dict[str, Any] | None = None
) -> loadgen.Request:
    headers = [("Accept", "application/json")]
    if body is not None:
        headers.append(("Content-Type", "application/json"))
    if client.state.get("cart_token"):
        headers.append(("X-Cart-Token", str(client.state["cart_token"])))
    payload = json.dumps(body).encode() if body is not None else b""
    return loadgen.Request(
        kind, method, path, shop.host, body=payload, headers=tuple(headers), expect=_expect(kind, client)
    )


def _request(step: str, client: loadgen.Client, shop: Shop) -> loadgen.Request:
    state = client.state
    checkout = "/api/v1/storefront/checkout"
    if step == "cart-add":
        variants = state["variants"]
        assert isinstance(variants, list)
        added = cast(int, state["added"])
        state["added"] = added + 1
        body = {"variant_id": variants[added % len(variants)], "quantity": 1}
        return _api(step, "POST", "/api/v1/storefront/cart/lines", client, shop, body)
    if step == "checkout":
        return _api(step, "GET", checkout, client, shop)
    if step == "information":
        body = {
            "email": state["email"],
            "phone": BUYER_PHONE,
            "shipping_address": BUYER_ADDRESS,
            "billing_same": True,
        }
        return _api(step, "PUT", f"{checkout}/information", client, shop, body)
    if step == "shipping-method":
        return _api(step, "PUT", f"{checkout}/shipping-method", client, shop, {"method_id": state["method_id"]})
    if step == "place":
        return _api(step, "POST", f"{checkout}/place", client, shop, {"signature": state["signature"]})
    if step in ("pay-page", "pay"):
        url = urlsplit(str(state["payment_url"]))
        host = url.hostname or ""
        if step == "pay-page":
            return loadgen.Request(step, "GET", url.path, host, expect=_expect(step, client))
        form = {
            "csrfmiddlewaretoken": state["csrf"],
            "number": CARD_NUMBER,
            "expiry": _card_expiry(datetime.date.today()),
            "cvc": "123",
            "name": BUYER_ADDRESS["name"],
        }
        headers = (("Content-Type", "application/x-www-form-urlencoded"),)
        encoded = urlencode(form).encode()
        return loadgen.Request(step, "POST", url.path, host, encoded, headers, expect=_expect(step, client))
    url = urlsplit(str(state["return_url"]))
    return loadgen.Request("paid", "GET", url.path, url.hostname or "", expect=_expect("paid", client))


def make_plan(shop: Shop) -> loadgen.Plan:
    """The request maker: each client walks the flow, one step per request, and starts again when done."""

    def plan(client: loadgen.Client) -> loadgen.Request:
        step = _next_step(client, shop)
        client.state["step"] = step
        client.state["read"] = None
        return _request(step, client, shop)

    return plan


# --- the database: the bench store, and what the run left in it ------------------------------


def ensure_database(database_url: str) -> None:
    """Create the PostgreSQL database when it is missing (never drops one)."""
    parts = urlsplit(database_url)
    if not parts.scheme.startswith("postgres"):
        raise SystemExit("bench/checkout.py measures PostgreSQL: DATABASE_URL must be postgres://…")
    import psycopg

    name = parts.path.lstrip("/")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


def prepare_store(*, products: int = 20) -> tuple[str, list[int]]:
    """The bench store (made once) ready to sell: (its handle, the variants buyers pick from).

    Shipping zones and tax rates are the demo store's, loaded by the same
    service (idempotent); every variant of a published product gets STOCK
    units, topped up on each run, so no run sells out, and weighs
    VARIANT_WEIGHT_GRAMS, so a cart of MAX_LINES can still be shipped.
    """
    from shopwright.catalog.models import Variant
    from shopwright.shipping.demo import demo_shipping_load
    from shopwright.stores.models import Store

    handle = f"{PREFIX}-0001"
    store = Store.objects.filter(handle=handle).first()
    if store is None:
        make_data.generate(stores=1, products=products, prefix=PREFIX, picture_size=200)
        store = Store.objects.get(handle=handle)
    demo_shipping_load(store=store)
    ids = sorted(
        Variant.objects.filter(store=store, product__store=store, product__status="published").values_list(
            "id", flat=True
        )
    )
    Variant.objects.filter(store=store, pk__in=ids).update(
        stock_quantity=STOCK, track_stock=True, continue_selling=False, weight_grams=VARIANT_WEIGHT_GRAMS
    )
    _analyze()
    return handle, ids


def _analyze() -> None:
    """Vacuum and refresh the planner's statistics, as autovacuum would on a production server.

    This machine's PostgreSQL runs with autovacuum off, and each run adds
    thousands of orders and payments. With the statistics of an emptier
    database the planner found a buyer's payment through the store's index
    and filtered out every other payment of the store: 0.59 ms per return
    page and growing with the store, against 0.06 ms through the (store,
    order) index once analysed (docs/BENCHMARKS.md, "fifth look").

    Without vacuum the rows every checkout updates pile up dead versions:
    after some 25,000 checkouts the bench store's 20 products held 24,000
    dead ones (11 MB for 20 rows), its checkouts 73,000, its orders and
    payments 48,000 each. A production server's autovacuum removes them;
    here each run starts by doing so, on PostgreSQL and outside a
    transaction (VACUUM cannot run in one: the bench's own tests, in their
    test transaction, only analyse).
    """
    from django.db import connection

    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)" if vacuum else "ANALYZE")


@dataclass
class Settled:
    """What the database says about a run: orders placed and paid in the window, and how long paying took."""

    placed: int
    paid: int
    # Seconds from the card accepted at the provider to the order marked paid, for each payment in the window.
    card_to_paid: list[float]


def settled(*, handle: str, start: float, end: float, wait: float = 0.0) -> Settled:
    """Count in the database. With `wait`, first give late webhooks up to that many seconds to arrive."""
    from django.db import connection

    from shopwright.orders.models import Order
    from shopwright.payments.models import Payment, TestGatewayPayment, TestGatewayStatus
    from shopwright.stores.models import Store

    tz = datetime.UTC
    window = (datetime.datetime.fromtimestamp(start, tz), datetime.datetime.fromtimestamp(end, tz))
    store = Store.objects.get(handle=handle)
    accepted = dict(
        TestGatewayPayment.objects.filter(
            account=store.pk, status=TestGatewayStatus.SUCCEEDED, updated_at__range=window
        ).values_list("id", "updated_at")
    )
    deadline = time.time() + wait
    while True:
        paid_at = dict(
            Payment.objects.filter(store=store, reference__in=list(accepted), order__paid_at__isnull=False).values_list(
                "reference", "order__paid_at"
            )
        )
        if len(paid_at) >= len(accepted) or time.time() >= deadline:
            break
        time.sleep(0.5)
    orders = Order.objects.filter(store=store)
    result = Settled(
        placed=orders.filter(created_at__range=window).count(),
        paid=orders.filter(paid_at__range=window).count(),
        card_to_paid=sorted((cast(datetime.datetime, paid_at[ref]) - accepted[ref]).total_seconds() for ref in paid_at),
    )
    connection.close()  # the load generator forks next: no connection shared with the children
    return result


# --- serving ----------------------------------------------------------------------------------


def server_env(*, port: int) -> dict[str, str]:
    """Shopwright's environment for the run: links (payment page, return and webhook URLs) on this port."""
    env = storefront.shopwright_env(no_cache=False)
    env["PLATFORM_URL"] = f"http://{env.get('PLATFORM_DOMAIN', 'localhost')}:{port}"
    env["TEST_GATEWAY_DELIVERY"] = "http"  # as a real provider: a signed POST to the store's webhook URL
    return env


WORKER_LOG = ROOT / "var" / "bench" / "checkout-worker.log"


@contextlib.contextmanager
def job_consumer(env: dict[str, str], *, log: Path = WORKER_LOG) -> Iterator[None]:
    """A Huey consumer (`shopwright worker`) for the webhooks and emails the checkouts queue.

    Jobs an earlier run left behind (webhooks still being retried to its
    stopped server) are dropped first, or the consumer would spend the run
    on them. Its log goes to `log`, not onto the report.
    """
    from huey.contrib.djhuey import HUEY

    HUEY.flush()
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "shopwright.cli", "worker"],
            env=env,
            cwd=ROOT,
            start_new_session=True,
            stdout=output,
            stderr=output,
        )
    try:
        yield
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# --- where placing an order spends its time (in-process) ----------------------------------------


def _normalised(sql: str) -> str:
    """A statement without its values, so the same query made for different rows is counted as one."""
    sql = " ".join(sql.split()).replace("%s", "?")
    sql = re.sub(r"^SELECT (?:DISTINCT )?.+? FROM ", "SELECT … FROM ", sql)
    sql = re.sub(r"'(?:[^']|'')*'", "?", sql)
    sql = re.sub(r"\b\d+(?:\.\d+)?\b", "?", sql)
    sql = re.sub(r"\(\?(?:, \?)+\)", "(…)", sql)
    return re.sub(r"(?:\(…\), )+\(…\)", "(…), …", sql)


class _StepTimer:
    """Time, CPU, statements and SQL time of each step; statements and cProfile in detail for one of them.

    CPU is this process's (Django and the test client, not PostgreSQL's), so
    unlike wall time it does not include waiting for the database; a step
    under cProfile costs more of it (`--profile-step none` profiles nothing).
    """

    def __init__(self, detailed: str) -> None:
        import cProfile

        self.detailed = detailed
        self.profiler = cProfile.Profile()
        self.ms: dict[str, list[float]] = {}
        self.cpu_ms: dict[str, float] = {}
        self.statements: dict[str, int] = {}
        self.sql_ms: dict[str, float] = {}
        self.per_statement: dict[str, list[float]] = {}

    def __call__(self, step: str, call: Callable[..., Any], path: str, *args: Any, **kwargs: Any) -> Any:
        """Make one request (`call(path, *args, **kwargs)`, a test-client method) as step `step`."""
        from django.db import connection

        detailed = self.detailed in (step, "all")
        sent: list[tuple[str, float]] = []

        def record(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
            # Not Django's query log (CaptureQueriesContext): its debug cursor renders every statement with
            # its values (psycopg's mogrify, about 0.1 ms of CPU each), which the server (DEBUG off) never does.
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                sent.append((sql, time.perf_counter() - started))

        with connection.execute_wrapper(record):
            started, cpu_started = time.perf_counter(), time.process_time()
            if detailed:
                self.profiler.enable()
            answer = call(path, *args, **kwargs)
            if detailed:
                self.profiler.disable()
            took, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        if answer.status_code >= 400 or READERS[step](_as_answer(answer)) is None:
            raise SystemExit(f"{step} answered {answer.status_code}: {answer.content[:300]!r}")
        self.ms.setdefault(step, []).append(took * 1000)
        self.cpu_ms[step] = self.cpu_ms.get(step, 0.0) + cpu * 1000
        self.statements[step] = self.statements.get(step, 0) + len(sent)
        for sql, seconds in sent:
            self.sql_ms[step] = self.sql_ms.get(step, 0.0) + seconds * 1000
            if detailed:
                self.per_statement.setdefault(_normalised(sql), []).append(seconds * 1000)
        return answer

    def report(self, orders: int) -> list[str]:
        import pstats
        from io import StringIO

        out = [f"  {'step':<16} {'p50 ms':>8} {'mean ms':>8} {'CPU ms':>7} {'stmts':>6} {'SQL ms':>7}   (per request)"]
        for step in STEPS:
            values = sorted(self.ms.get(step, []))
            if values:
                n = len(values)
                profiled = "  (under cProfile)" if self.detailed in (step, "all") else ""
                out.append(
                    f"  {step:<16} {loadgen.percentile(values, 0.5):8.1f} {sum(values) / n:8.1f} "
                    f"{self.cpu_ms[step] / n:7.1f} {self.statements[step] / n:6.1f} "
                    f"{self.sql_ms.get(step, 0.0) / n:7.1f}{profiled}"
                )
        out.append(
            f"  {'per checkout':<16} {'':>8} {sum(sum(v) for v in self.ms.values()) / orders:8.1f} "
            f"{sum(self.cpu_ms.values()) / orders:7.1f} {sum(self.statements.values()) / orders:6.1f} "
            f"{sum(self.sql_ms.values()) / orders:7.1f}"
        )
        if self.detailed == "none":
            return out
        out.append(f"{self.detailed}: statements by time (normalised), per order")
        out.append(f"  {'count':>6} {'ms':>7}  statement")
        ranked = sorted(self.per_statement.items(), key=lambda item: -sum(item[1]))
        for sql, times in ranked[:40]:
            out.append(f"  {len(times) / orders:6.1f} {sum(times) / orders:7.2f}  {sql[:160]}")
        stream = StringIO()
        try:
            stats = pstats.Stats(self.profiler, stream=stream)
        except TypeError:  # nothing was profiled
            return out
        if self.detailed == "all":
            # The whole checkout: where the time goes in any code (Django, ninja, psycopg, …), not only ours.
            stats.sort_stats("tottime").print_stats(30)
        stats.sort_stats("cumulative").print_stats(r"shopwright/", 30)
        out.append(
            f"{self.detailed}: cProfile (totals over {orders} orders); Shopwright's functions by cumulative time"
        )
        out.extend(
            "  " + line for line in stream.getvalue().splitlines() if line.strip() and "function calls" not in line
        )
        return out


def _as_answer(response: Any) -> loadgen.Answer:
    """A test-client response as the load generator sees an answer (status, head with Location, body)."""
    head = f"HTTP/1.1 {response.status_code} -\r\n"
    if response.get("Location"):
        head += f"Location: {response['Location']}\r\n"
    return loadgen.Answer(response.status_code, head.encode("latin-1"), response.content)


def profile_checkout(*, host: str, variants: list[int], orders: int, lines: int = 1, detailed: str = "place") -> str:
    """Go through `orders` checkouts in this process and say where each step, and `detailed` most, spends its time.

    The same requests as in the load run, through Django's test client (the
    whole middleware stack, no socket, no CSRF check), one buyer at a time:
    milliseconds, statements and time waiting on SQL per step; for the
    `detailed` step also its statements (normalised, with count and time)
    and cProfile's top functions of Shopwright's code.
    """
    from django.test import Client

    timer = _StepTimer(detailed)
    api = "/api/v1/storefront"
    as_json = "application/json"
    # One client, so one handler: a new Client builds Django's middleware chain again on its first request
    # (WhiteNoise's scan of the static files included), which the server does once per process.
    client = Client(HTTP_HOST=host)
    for n in range(orders):
        client.cookies = SimpleCookie()  # each buyer a new visitor
        headers: dict[str, str] = {}
        for i in range(lines):
            body = {"variant_id": variants[(n * lines + i) % len(variants)], "quantity": 1}
            answer = timer("cart-add", client.post, f"{api}/cart/lines", body, content_type=as_json, headers=headers)
            headers = headers or {"X-Cart-Token": answer.json()["token"]}
        timer("checkout", client.get, f"{api}/checkout", headers=headers)
        information = {
            "email": f"profile{n}@example.com",
            "phone": BUYER_PHONE,
            "shipping_address": BUYER_ADDRESS,
            "billing_same": True,
        }
        priced = timer(
            "information", client.put, f"{api}/checkout/information", information, content_type=as_json, headers=headers
        )
        method = {"method_id": priced.json()["shipping_options"][0]["method_id"]}
        priced = timer(
            "shipping-method",
            client.put,
            f"{api}/checkout/shipping-method",
            method,
            content_type=as_json,
            headers=headers,
        )
        signature = {"signature": priced.json()["signature"]}
        placed = timer("place", client.post, f"{api}/checkout/place", signature, content_type=as_json, headers=headers)
        page = urlsplit(placed.json()["payment_url"])
        timer("pay-page", client.get, page.path, HTTP_HOST=page.hostname)
        card = {"number": CARD_NUMBER, "expiry": _card_expiry(datetime.date.today()), "cvc": "123", "name": "E M"}
        paid = timer("pay", client.post, page.path, card, HTTP_HOST=page.hostname)
        back = urlsplit(paid["Location"])
        timer("paid", client.get, back.path, HTTP_HOST=back.hostname)
    title = f"{orders} checkouts of {lines} line(s), one at a time, in process (Django test client)"
    return "\n".join([title, *timer.report(orders)])


# --- measuring and reporting ------------------------------------------------------------------


def _proc_cpu_and_parent(pid: int) -> tuple[float, int]:
    """(user + system CPU seconds, parent pid) of a process, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), int(fields[1])


# What a snapshot counts besides the three a checkout runs in (see cpu_snapshot).
SIDE_GROUPS = ("loadgen", "redis", "machine")


def _machine_busy_seconds() -> float:
    """CPU seconds all cores have spent busy since boot (everything but idle and I/O wait), from /proc/stat."""
    ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (ticks + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def cpu_snapshot(database: str) -> dict[str, dict[int, float]]:
    """CPU seconds used so far by the processes a checkout runs in: "server", "jobs" and "postgres".

    "jobs" is the job consumer (`shopwright worker`) this script started,
    "server" every other process it started except its own forks (the load
    generator): the web server and its workers. "postgres"
    is the backends connected to `database` (other databases' are not ours);
    a backend that exits before the second snapshot takes its CPU time with
    it, so this needs persistent connections (the served run has them).
    Beside them, on the same cores: "loadgen" (this script and its forks,
    the buyers), "redis" (every redis-server) and "machine" (all cores'
    busy time, under key 0), so that what nobody above used shows as the
    rest: the kernel's work for no process, and other processes.
    Linux only.
    """
    if not Path("/proc/self/stat").exists():
        return {}
    ours = Path("/proc/self/cmdline").read_bytes()
    processes: dict[int, tuple[float, int, bytes]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                cpu, parent = _proc_cpu_and_parent(int(entry.name))
                processes[int(entry.name)] = (cpu, parent, (entry / "cmdline").read_bytes())
    children: dict[int, list[int]] = {}
    for pid, (_, parent, _) in processes.items():
        children.setdefault(parent, []).append(pid)
    groups: dict[str, dict[int, float]] = {"server": {}, "jobs": {}, "postgres": {}, "loadgen": {}, "redis": {}}
    if os.getpid() in processes:
        groups["loadgen"][os.getpid()] = processes[os.getpid()][0]
    stack = [(pid, "server") for pid in children.get(os.getpid(), [])]
    while stack:
        pid, group = stack.pop()
        cpu, _, line = processes[pid]
        if line == ours:
            group = "loadgen"
        elif b"shopwright.cli\0worker" in line:
            group = "jobs"
        groups[group][pid] = cpu
        stack.extend((child, group) for child in children.get(pid, []))
    marker = f" {database} ".encode()
    for pid, (cpu, _, line) in processes.items():
        if line.startswith(b"postgres: ") and marker in line:
            groups["postgres"][pid] = cpu
        elif line.split(b"\0", 1)[0].split(b" ", 1)[0].endswith(b"redis-server"):  # it retitles itself
            groups["redis"][pid] = cpu
    groups["machine"] = {0: _machine_busy_seconds()}
    return groups


def cpu_used(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict[str, float]:
    """CPU seconds each group used between two snapshots (a process that started in between: all of its time)."""
    return {
        group: sum(cpu - before.get(group, {}).get(pid, 0.0) for pid, cpu in after.get(group, {}).items())
        for group in ("server", "jobs", "postgres", *SIDE_GROUPS)
    }


# pg_stat_statements only counts when the server preloads it; the bench never changes server configuration.
STATEMENTS_HINT = (
    "--statements: pg_stat_statements is not loaded, so no statements are shown; for a diagnosis add a conf.d "
    "file with shared_preload_libraries = 'pg_stat_statements', restart with "
    "`pg_ctlcluster --skip-systemctl-redirect 15 main restart`, and remove the file (and restart) afterwards"
)
STATEMENT_CHARS = 110


def statements_unavailable(connection: Any) -> str:
    """Why this database's pg_stat_statements cannot be read ("" when it can).

    `connection` (psycopg or Django) is to the bench database: when the
    server preloads the library, its extension is created there if missing
    (that database only); when it does not, nothing is changed and the
    answer is the one-line hint. Reading the setting needs a superuser.
    """
    with connection.cursor() as cursor:
        cursor.execute("SHOW shared_preload_libraries")
        (preloaded,) = cursor.fetchone()
        if "pg_stat_statements" not in [name.strip(" '\"") for name in preloaded.split(",")]:
            return STATEMENTS_HINT
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    return ""


def statements_top(connection: Any, *, limit: int, since: datetime.datetime) -> dict[str, Any]:
    """This database's `limit` statements by total exec time since `statements_reset` answered `since`.

    Also all its statements' exec ms, and whether someone reset every
    database's figures after `since` (the figures then miss the start of the
    window). Only top-level statements: with `pg_stat_statements.track = all`
    a trigger's statements would be counted again inside the one that fired it.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.calls, s.total_exec_time, s.mean_exec_time, s.rows, s.query, SUM(s.total_exec_time) OVER () "
            "FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
            "WHERE d.datname = current_database() AND s.toplevel ORDER BY s.total_exec_time DESC LIMIT %s",
            [limit],
        )
        found = cursor.fetchall()
        cursor.execute("SELECT stats_reset > %s FROM pg_stat_statements_info", [since])
        (cut_short,) = cursor.fetchone()
    rows = [
        {"calls": calls, "total_exec_ms": total, "mean_exec_ms": mean, "rows": n, "query": " ".join(query.split())}
        for calls, total, mean, n, query, _ in found
    ]
    return {
        "statements": rows,
        "statements_exec_ms": float(found[0][5]) if found else 0.0,
        "statements_cut_short": bool(cut_short),
    }


def statements_reset(connection: Any) -> datetime.datetime:
    """Forget this database's statement figures (other databases' stay: others may be diagnosing them).

    Answers the server's time just after, for `statements_top`'s `since`.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_statements_reset(0, oid, 0) FROM pg_database WHERE datname = current_database()")
        cursor.execute("SELECT clock_timestamp()")
        (now,) = cursor.fetchone()
    return cast(datetime.datetime, now)


def statements_lines(
    rows: list[dict[str, Any]], *, exec_ms: float, completed: int, cut_short: bool = False
) -> list[str]:
    """The statements block of a run: each statement's figures per completed checkout, on one line each."""
    lines = [
        f"  statements by PostgreSQL exec time (pg_stat_statements, top {len(rows)}), per completed checkout; "
        "exec time includes waiting for row locks: a mean far above its peers' is a queue, not work"
    ]
    if cut_short:
        lines.append(
            "  CUT SHORT: someone reset pg_stat_statements for every database during the measured seconds, "
            "so these figures miss the start of them"
        )
    if not completed:
        return [*lines, "  no checkout completed in the measured time: nothing to divide by"]
    lines.append(f"  {'calls/co':>8} {'ms/co':>7} {'mean ms':>8} {'share':>6}  statement")
    for row in rows:
        sql = _normalised(re.sub(r"\$\d+", "?", row["query"]))  # pg_stat_statements' $1, $2 … as our "?"
        if len(sql) > STATEMENT_CHARS:
            # A row lock is what makes a statement wait: its clause, at the end, stays in sight.
            lock = re.search(r" FOR (?:NO KEY |KEY )?(?:UPDATE|SHARE)\b", sql)
            tail = lock.group(0) if lock else ""
            sql = sql[: STATEMENT_CHARS - 1 - len(tail)] + "…" + tail
        share = 100 * row["total_exec_ms"] / exec_ms if exec_ms else 0.0
        lines.append(
            f"  {row['calls'] / completed:8.1f} {row['total_exec_ms'] / completed:7.2f} "
            f"{row['mean_exec_ms']:8.2f} {share:5.1f}%  {sql}"
        )
    lines.append(f"  all statements: {exec_ms / completed:.1f} ms of exec time per completed checkout")
    return lines


def _ms(values: list[float], fraction: float) -> float:
    return loadgen.percentile(values, fraction) * 1000


def floor_plan(host: str) -> loadgen.Plan:
    """Shopwright's floor on the store's `host`: GET FLOOR_PATH as the buyers' API requests ask (JSON), no cart."""
    return storefront.bare_plan("floor", FLOOR_PATH, host, (("Accept", "application/json"),))


def measure_ceilings(args: argparse.Namespace, *, url: str, host: str) -> dict[int, dict[str, dict[str, Any]]]:
    """Every ceiling of CEILINGS for every number of buyers, `--bare-duration` seconds each: figures by name.

    The bare app's two views on a bare app served like Shopwright (same
    server, workers, threads), then Shopwright's floor on the run's server
    (`url`), on the bench store's `host`; all with the load generator the
    checkout runs use.
    """
    figures: dict[int, dict[str, dict[str, Any]]] = {buyers: {} for buyers in args.buyer_counts}
    run = functools.partial(loadgen.run, seconds=args.bare_duration, warmup=1.0, processes=args.processes)
    with bare_ceiling(args) as bare_url:
        for buyers in args.buyer_counts:
            for name, path in (("bare", "/"), ("hello", "/hello")):
                plan = functools.partial(storefront.bare_plan, name, path)
                result = run(url=bare_url, make_plan=plan, clients=buyers)
                figures[buyers][name] = storefront.summarise(result, kinds=(name,))[name]
    for buyers in args.buyer_counts:
        plan = functools.partial(floor_plan, host)
        result = run(url=url, make_plan=plan, clients=buyers)
        figures[buyers]["floor"] = storefront.summarise(result, kinds=("floor",))["floor"]
    return figures


@contextlib.contextmanager
def bare_ceiling(args: argparse.Namespace) -> Iterator[str]:
    """The bare Django app (bench/bare_app) served like Shopwright (same server, workers, threads): its URL."""
    port = storefront._free_port()
    command_line = storefront.server_command(
        app="bare_app.wsgi:application", port=port, workers=args.workers, threads=args.threads, server=args.server
    )
    env = {**os.environ, "PYTHONPATH": str(storefront.BENCH)}
    with storefront.serving(command_line, env=env, cwd=storefront.BENCH, check_host="localhost", port=port) as url:
        yield url


def measure(
    *,
    url: str,
    shop: Shop,
    clients: int,
    seconds: float,
    warmup: float,
    processes: int,
    handle: str,
    database: str = "",
    statements: int = 0,
) -> dict[str, Any]:
    """One run at `clients` buyers: figures per step, and the checkouts the database saw completed.

    With `database` (its name), also the CPU time the server, the job
    consumer and PostgreSQL's backends spent in the measured seconds, per
    completed checkout: what the flow costs whatever else the machine runs.
    With `statements` (pg_stat_statements readable: see
    `statements_unavailable`), also the database's top `statements`
    statements of the measured seconds by exec time.
    """
    from django.db import connection

    snapshots: list[dict[str, dict[int, float]]] = []
    top: list[dict[str, Any]] = []
    since: list[datetime.datetime] = []

    def window_edge(end: bool) -> None:
        if database:
            snapshots.append(cpu_snapshot(database))
        if statements:
            try:  # after the snapshot: this short-lived backend's CPU is not the checkouts'
                if end and since:
                    top.append(statements_top(connection, limit=statements, since=since[0]))
                elif not end:
                    since.append(statements_reset(connection))
            finally:
                connection.close()  # the timer thread's own connection

    timers = [threading.Timer(at, window_edge, [at > warmup]) for at in (warmup, warmup + seconds)]
    started = time.time()
    if database or statements:
        for timer in timers:
            timer.start()
    result = loadgen.run(
        url=url,
        make_plan=functools.partial(make_plan, shop),
        clients=clients,
        seconds=seconds,
        warmup=warmup,
        processes=processes,
    )
    window = (started + warmup, started + warmup + seconds)
    for timer in timers:
        if timer.is_alive():  # the statements are read before `settled` adds its own
            timer.join()
    # Webhooks still queued when the load stops get a few seconds to land (their lag is part of the figure).
    db = settled(handle=handle, start=window[0], end=window[1], wait=10.0 if shop.confirm == "webhook" else 0.0)
    steps = storefront.summarise(result)
    for row in steps.values():
        # What errors were not an error status: a wrong answer (a form shown again) or a broken connection.
        row["other_errors"] = row["errors"] - sum(n for status, n in row["statuses"].items() if int(status) >= 400)
    lag = db.card_to_paid
    cpu = cpu_used(snapshots[0], snapshots[1]) if len(snapshots) == 2 else {}
    read = top[0] if top else {}
    return {
        "buyers": clients,
        "cpu_ms_per_checkout": (
            {group: used * 1000 / db.paid for group, used in cpu.items() if group not in SIDE_GROUPS} if db.paid else {}
        ),
        "side_cpu_ms_per_checkout": (
            {group: cpu[group] * 1000 / db.paid for group in SIDE_GROUPS if group in cpu} if db.paid else {}
        ),
        "window_seconds": seconds,
        "completed_per_s": db.paid / seconds,
        "orders_placed": db.placed,
        "orders_paid": db.paid,
        "card_to_paid": {
            "count": len(lag),
            "p50": _ms(lag, 0.5),
            "p95": _ms(lag, 0.95),
            "p99": _ms(lag, 0.99),
        },
        "steps": {step: steps[step] for step in STEPS if step in steps},
        "errors": sum(row["errors"] for row in steps.values()),
        **read,
    }


HEADER = f"  {'step':<16} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  errors"


def format_step(name: str, row: dict[str, Any]) -> str:
    errors = ""
    if row["errors"]:
        parts = [f"{status}:{n}" for status, n in row["statuses"].items() if int(status) >= 400]
        if row["other_errors"]:
            parts.append(f"wrong answer or broken connection:{row['other_errors']}")
        errors = f"{row['errors']} ({', '.join(parts)})"
    return f"  {name:<16} {row['rps']:8.1f} {row['p50']:8.1f} {row['p95']:8.1f} {row['p99']:8.1f}  {errors}"


def requests_per_checkout(confirm: str) -> int:
    """HTTP requests the server answers for one checkout: the buyer's steps and the provider's webhook."""
    buyer_steps = len(STEPS) - (1 if confirm == "webhook" else 0)  # with the webhook the buyer skips "paid"
    return buyer_steps + 1


def ceiling_line(
    *,
    rps: float,
    completed_per_s: float,
    confirm: str,
    label: str = CEILINGS[0][1],
    what: str = CEILINGS[0][2],
    errors: int = 0,
) -> str:
    """A ceiling of the same run as checkouts/s: what the server could do if each request cost no more.

    PEERS.md measures the bare ceiling on this kind of machine; printing it
    beside each run puts the checkout figures in proportion whatever else the
    machine was doing at the time. The others split the gap: the hello
    ceiling is the server's own, and Shopwright's floor bounds the rate by
    what any of its requests costs before a checkout does any work.
    """
    per_checkout = requests_per_checkout(confirm)
    bound = rps / per_checkout
    share = f"; this run reached {100 * completed_per_s / bound:.1f} % of it" if bound else ""
    failed = f" ({errors} of its answers were errors)" if errors else ""
    return (
        f"  {label}: {rps:,.0f} req/s ({what}){failed} "
        f"= {bound:,.0f} checkouts/s if each of a checkout's {per_checkout} HTTP requests cost no more{share}"
    )


def ceilings(figures: dict[str, Any], *, confirm: str) -> dict[str, dict[str, float]]:
    """The ceilings measured for a run (for --json): req/s, the checkouts/s each bounds and the share reached."""
    per_checkout = requests_per_checkout(confirm)
    out = {}
    for name, _, _ in CEILINGS:
        rps = figures.get(f"{name}_rps")
        if rps:
            bound = rps / per_checkout
            out[name] = {
                "rps": rps,
                "checkouts_per_s": bound,
                "reached_percent": 100 * figures["completed_per_s"] / bound,
                "errors": figures.get("ceiling_errors", {}).get(name, 0),
            }
    return out


def report(figures: dict[str, Any], *, confirm: str) -> str:
    lag = figures["card_to_paid"]
    what = "webhook" if confirm == "webhook" else "card→paid"
    lines = [
        f"\n{figures['buyers']} buyer(s): {figures['completed_per_s']:.1f} completed checkouts/s "
        f"({figures['orders_paid']} orders paid, {figures['orders_placed']} placed in the measured time)",
        HEADER,
        *(format_step(step, row) for step, row in figures["steps"].items()),
        f"  {what + ' (db)':<16} {'':>8} {lag['p50']:8.1f} {lag['p95']:8.1f} {lag['p99']:8.1f}  "
        f"card accepted → order paid, {lag['count']} payments",
    ]
    for name, label, what in CEILINGS:
        if figures.get(f"{name}_rps"):
            lines.append(
                ceiling_line(
                    rps=figures[f"{name}_rps"],
                    completed_per_s=figures["completed_per_s"],
                    confirm=confirm,
                    label=label,
                    what=what,
                    errors=figures.get("ceiling_errors", {}).get(name, 0),
                )
            )
    cpu = figures.get("cpu_ms_per_checkout")
    if cpu and sum(cpu.values()) > 0:
        total, cores = sum(cpu.values()), os.cpu_count() or 1
        lines.append(
            f"  CPU per completed checkout: {cpu['server']:.1f} ms server + {cpu['jobs']:.1f} ms jobs "
            f"+ {cpu['postgres']:.1f} ms PostgreSQL "
            f"= {total:.1f} ms (at most {1000 * cores / total:.0f}/s on {cores} cores running nothing else)"
        )
        side = figures.get("side_cpu_ms_per_checkout") or {}
        if side.get("machine"):
            rest = side["machine"] - total - side["loadgen"] - side["redis"]
            available = 1000 * cores * figures["window_seconds"] / figures["orders_paid"]
            lines.append(
                f"  on the same cores, per checkout: {side['loadgen']:.1f} ms load generator + "
                f"{side['redis']:.1f} ms Redis + {rest:.1f} ms the rest (kernel, other processes); "
                f"the cores were busy {100 * side['machine'] / available:.0f} % of the measured time"
            )
    if "statements" in figures:
        lines += statements_lines(
            figures["statements"],
            exec_ms=figures["statements_exec_ms"],
            completed=figures["orders_paid"],
            cut_short=figures.get("statements_cut_short", False),
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="a running Shopwright (without --serve)")
    parser.add_argument("--serve", action="store_true", help="start Shopwright (and a job consumer) here")
    parser.add_argument("--server", choices=("granian", "gunicorn"), default="granian")
    parser.add_argument("--workers", type=int, default=2, help="server processes (with --serve)")
    parser.add_argument("--threads", type=int, default=4, help="threads per server process")
    parser.add_argument("--no-worker", action="store_true", help="no job consumer (with --serve)")
    parser.add_argument("--buyers", default="1,8,32,64", help="comma-separated numbers of concurrent buyers")
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds before each")
    parser.add_argument("--confirm", choices=CONFIRMS, default="return-page", help="how a buyer sees the order paid")
    parser.add_argument("--lines", type=int, default=1, help="cart lines per checkout (one add each)")
    parser.add_argument("--products", type=int, default=20, help="products of the bench store (when made)")
    parser.add_argument("--processes", type=int, default=2, help="load generator processes")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument(
        "--bare-duration",
        type=float,
        default=5.0,
        help="measured seconds of each ceiling (bare, hello, Shopwright floor) per number of buyers (0: none)",
    )
    parser.add_argument("--profile", type=int, metavar="N", help="no load: N checkouts in process, profiled")
    parser.add_argument(
        "--profile-step",
        choices=(*STEPS, "all", "none"),
        default="place",
        help="the step --profile details (all: every one; none: no cProfile, for clean CPU figures)",
    )
    parser.add_argument(
        "--statements",
        type=int,
        default=0,
        metavar="N",
        help="under each number of buyers, the top N SQL statements of its measured seconds by PostgreSQL exec time "
        "(needs pg_stat_statements preloaded; 0: none)",
    )
    args = parser.parse_args(argv)
    try:
        args.buyer_counts = [int(c) for c in args.buyers.split(",") if c.strip()]
    except ValueError:
        parser.error("--buyers takes numbers separated by commas, e.g. 1,8,32,64")
    if not args.buyer_counts or min(args.buyer_counts) < 1:
        parser.error("--buyers needs at least one count of 1 or more")
    if args.duration <= 0 or args.warmup < 0:
        parser.error("--duration must be positive and --warmup not negative")
    if args.profile is not None and args.profile < 1:
        parser.error("--profile needs a number of orders of 1 or more")
    if args.statements < 0 or (args.statements and args.profile):
        parser.error("--statements takes 0 or more, and not with --profile (which lists its statements itself)")
    if not 1 <= args.lines <= MAX_LINES or args.products < 1:
        parser.error(f"--lines must be 1 to {MAX_LINES} and --products at least 1")
    if args.no_worker and not args.serve:
        parser.error("--no-worker needs --serve (it changes how the server is started)")
    if args.no_worker and args.confirm == "webhook":
        parser.error("--confirm webhook needs the job consumer that delivers the webhooks")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        parser.error("set DATABASE_URL to a PostgreSQL database (created and migrated if missing)")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    command = storefront.reproduce_command(sys.argv[1:] if argv is None else argv, os.environ, "bench/checkout.py")
    database_url = os.environ["DATABASE_URL"]
    ensure_database(database_url)
    if args.profile:
        # In process, as the server runs (storefront.server_env): with DEBUG on, Django's debug cursor would
        # render every statement with its values (mogrify, about 0.1 ms of CPU each) and templates would
        # not be cached.
        os.environ["DEBUG"] = "false"
    make_data._setup_django(database_url, os.environ.get("SHOPWRIGHT_VAR_DIR"))
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    handle, variants = prepare_store(products=args.products)
    if args.profile:
        host = f"{handle}.{settings.PLATFORM_DOMAIN}"
        print(
            profile_checkout(
                host=host, variants=variants, orders=args.profile, lines=args.lines, detailed=args.profile_step
            )
        )
        print(f"# reproduce: {command}")
        return
    statements_hint = statements_unavailable(connection) if args.statements else ""
    connection.close()
    shop = Shop(
        host=f"{handle}.{settings.PLATFORM_DOMAIN}",
        variants=tuple(variants),
        lines=args.lines,
        confirm=args.confirm,
    )
    started = datetime.datetime.now(datetime.UTC)
    print(f"# {started:%Y-%m-%d %H:%M} UTC — {storefront.machine()}")
    print(f"# load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"# store {shop.host}, {len(variants)} variants, {args.lines} line(s) per cart; "
        f"{args.duration:g} s per run after {args.warmup:g} s warm-up; paid seen by: {args.confirm}; "
        + (
            f"server: {args.server}, {args.workers} workers × {args.threads} threads"
            + ("" if args.no_worker else ", 1 job consumer")
            if args.serve
            else f"server at {args.url}"
        )
    )
    if statements_hint:
        print(f"# {statements_hint}")
    report_json: dict[str, Any] = {"date": started.isoformat(), "machine": storefront.machine(), "command": command}
    runs: dict[str, Any] = {}
    with contextlib.ExitStack() as stack:
        if args.serve:
            port = storefront._free_port()
            env = server_env(port=port)
            command_line = storefront.server_command(
                app="shopwright.wsgi:application",
                port=port,
                workers=args.workers,
                threads=args.threads,
                server=args.server,
            )
            url = stack.enter_context(
                storefront.serving(command_line, env=env, cwd=ROOT, check_host=shop.host, port=port)
            )
            if not args.no_worker:
                # Started after the server and stopped before it: no delivery fails for want of the server.
                stack.enter_context(job_consumer(env))
                print(f"# job consumer's log: {WORKER_LOG.relative_to(ROOT)} (the job queue was emptied first)")
        else:
            url = args.url
        # The ceilings first, for every number of buyers, while nothing else of this run is busy (after a
        # checkout run the job consumer still sends its emails and PostgreSQL writes back its pages).
        ceiling_figures = measure_ceilings(args, url=url, host=shop.host) if args.bare_duration > 0 else {}
        for buyers in args.buyer_counts:
            figures = measure(
                url=url,
                shop=shop,
                clients=buyers,
                seconds=args.duration,
                warmup=args.warmup,
                processes=args.processes,
                handle=handle,
                database=urlsplit(database_url).path.lstrip("/"),
                statements=0 if statements_hint else args.statements,
            )
            for name, row in ceiling_figures.get(buyers, {}).items():
                figures[f"{name}_rps"] = row["rps"]
                if row["errors"]:
                    figures.setdefault("ceiling_errors", {})[name] = row["errors"]
            figures["ceilings"] = ceilings(figures, confirm=args.confirm)
            runs[str(buyers)] = figures
            print(report(figures, confirm=args.confirm), flush=True)
    report_json["runs"] = runs
    print(f"\n# load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"# reproduce: {command}")
    if args.json:
        Path(args.json).write_text(json.dumps(report_json, indent=1))


if __name__ == "__main__":
    main()
