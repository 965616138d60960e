"""bench/checkout.py: its options, each buyer's requests, and a short run against a live server on PostgreSQL."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import subprocess
import sys
import time
from decimal import Decimal
from typing import Any

import checkout
import loadgen
import pytest
import storefront
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shopwright.catalog.models import Variant
from shopwright.orders.models import Order, OrderStatus
from shopwright.shipping.selectors import shipping_offer
from shopwright.stores.models import Store
from shopwright.stores.selectors import forget_host_lookups

PG_URL = "postgres://postgres@127.0.0.1:5432/bench_checkout"


@pytest.fixture
def pg_env(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", PG_URL)


def test_defaults_measure_1_8_32_and_64_buyers_for_20_seconds(pg_env):
    args = checkout.parse_args([])
    assert args.buyer_counts == [1, 8, 32, 64]
    assert (args.duration, args.confirm, args.lines, args.serve, args.no_worker) == (
        20.0,
        "return-page",
        1,
        False,
        False,
    )
    assert (args.server, args.workers) == ("granian", 2)


@pytest.mark.parametrize(
    "argv",
    [
        ["--buyers", "1,x"],
        ["--buyers", "0"],
        ["--duration", "0"],
        ["--lines", "0"],
        ["--confirm", "email"],
        ["--profile", "0"],
        ["--no-worker"],  # changes how the server starts, so only with --serve
        ["--serve", "--no-worker", "--confirm", "webhook"],  # nothing would deliver the webhooks
    ],
)
def test_bad_options_are_refused_with_a_message(pg_env, argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        checkout.parse_args(argv)
    assert exit_info.value.code == 2
    assert "error:" in capsys.readouterr().err


@pytest.mark.parametrize("url", ["", "sqlite:///var/bench.sqlite3"])
def test_it_measures_postgresql_only(monkeypatch, capsys, url):
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(SystemExit):
        checkout.parse_args([])
    assert "PostgreSQL" in capsys.readouterr().err


def _answer(status: int, body: object = b"", **headers: str) -> loadgen.Answer:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    head = f"HTTP/1.1 {status} X\r\n" + "".join(f"{k.replace('_', '-')}: {v}\r\n" for k, v in headers.items())
    return loadgen.Answer(status, head.encode() + b"\r\n", raw)


def _reply(client: loadgen.Client, request: loadgen.Request, answer: loadgen.Answer) -> None:
    """What loadgen does with an answer: keep it, and run the request's check unless the status failed."""
    client.answer = answer
    loadgen._keep_cookies(answer.head, client)
    if answer.status < 400:
        assert request.expect is not None
        request.expect(answer)


PRICED = {"lines": [{"variant_id": 11}], "signature": "sig-1", "ready": False, "shipping_options": []}
PAY_PAGE = b'<form><input type="hidden" name="csrfmiddlewaretoken" value="tok3n"></form>'


def test_a_buyer_walks_the_whole_flow_then_the_next_one_starts_afresh():
    shop = checkout.Shop(host="shop.localhost", variants=(11, 12))
    plan = checkout.make_plan(shop)
    client = loadgen.Client(number=0, rng=random.Random(1))
    replies = [
        _answer(201, {"count": 1, "token": "cart-secret"}),
        _answer(200, PRICED),
        _answer(200, {**PRICED, "shipping_options": [{"method_id": 7}, {"method_id": 8}]}),
        _answer(200, {**PRICED, "signature": "sig-2", "ready": True}),
        _answer(201, {"payment_url": "http://localhost:8000/testpay/tp_1/", "order_token": "secret"}),
        _answer(200, PAY_PAGE, Set_Cookie="csrftoken=tok3n"),
        _answer(303, b"", Location="http://shop.localhost:8000/orders/secret/payment/"),
        _answer(200, b"<h1>Thank you, order #1001 is confirmed</h1>"),
    ]
    seen = []
    for reply in replies:
        request = plan(client)
        seen.append(request)
        _reply(client, request, reply)
    assert [r.kind for r in seen] == list(checkout.STEPS)
    add, start, information, method, place, page, pay, paid = seen
    assert (add.method, add.path, add.host) == ("POST", "/api/v1/storefront/cart/lines", "shop.localhost")
    assert json.loads(add.body)["variant_id"] in (11, 12)
    assert ("X-Cart-Token", "cart-secret") not in add.headers  # a new visitor has no cart yet
    for request in (start, information, method, place):
        assert ("X-Cart-Token", "cart-secret") in request.headers and request.host == "shop.localhost"
    assert (start.method, start.path) == ("GET", "/api/v1/storefront/checkout")
    assert json.loads(information.body)["shipping_address"]["country"] == "DE"
    assert json.loads(method.body) == {"method_id": 7}
    assert json.loads(place.body) == {"signature": "sig-2"}  # the signature last read, nothing else
    # The provider's page is on the platform host; the card form posts its CSRF token back.
    assert (page.method, page.host, page.path) == ("GET", "localhost", "/testpay/tp_1/")
    assert (pay.method, pay.path) == ("POST", "/testpay/tp_1/")
    assert b"csrfmiddlewaretoken=tok3n" in pay.body and b"number=4242+4242+4242+4242" in pay.body
    assert (paid.method, paid.host, paid.path) == ("GET", "shop.localhost", "/orders/secret/payment/")

    assert client.cookies == {"csrftoken": "tok3n"}
    following = plan(client)
    assert following.kind == "cart-add" and client.cookies == {}
    assert not any(name == "X-Cart-Token" for name, _ in following.headers)


@pytest.mark.parametrize(
    ("step", "wrong"),
    [
        ("place", _answer(409, {"code": "checkout_changed"})),
        ("pay", _answer(402, b"declined")),  # the card form shown again
        ("paid", _answer(200, b"<h1>Waiting for the payment provider</h1>")),
    ],
)
def test_a_step_that_fails_counts_as_an_error_and_a_new_buyer_starts(step, wrong):
    shop = checkout.Shop(host="shop.localhost", variants=(11,))
    plan = checkout.make_plan(shop)
    client = loadgen.Client(number=0, rng=random.Random(1))
    good = {
        "cart-add": _answer(201, {"count": 1, "token": "t"}),
        "checkout": _answer(200, PRICED),
        "information": _answer(200, {**PRICED, "shipping_options": [{"method_id": 7}]}),
        "shipping-method": _answer(200, {**PRICED, "ready": True}),
        "place": _answer(201, {"payment_url": "http://localhost/testpay/tp_1/"}),
        "pay-page": _answer(200, PAY_PAGE),
        "pay": _answer(303, Location="http://shop.localhost/orders/x/payment/"),
    }
    while True:
        request = plan(client)
        if request.kind == step:
            break
        _reply(client, request, good[request.kind])
    client.answer = wrong
    assert wrong.status >= 400 or (request.expect is not None and not request.expect(wrong))
    assert plan(client).kind == "cart-add"


def test_webhook_confirmation_stops_each_buyer_after_the_card():
    shop = checkout.Shop(host="shop.localhost", variants=(11,), confirm="webhook")
    plan = checkout.make_plan(shop)
    client = loadgen.Client(number=0, rng=random.Random(1))
    client.state.update({"step": "pay", "read": {"return_url": "http://shop.localhost/orders/x/payment/"}})
    client.answer = _answer(303, Location="http://shop.localhost/orders/x/payment/")
    assert plan(client).kind == "cart-add"


def test_a_cart_of_several_lines_adds_each_before_checking_out():
    shop = checkout.Shop(host="shop.localhost", variants=(11, 12, 13), lines=3)
    plan = checkout.make_plan(shop)
    client = loadgen.Client(number=0, rng=random.Random(4))
    added = []
    for _ in range(3):
        request = plan(client)
        assert request.kind == "cart-add"
        added.append(json.loads(request.body)["variant_id"])
        _reply(client, request, _answer(201 if not added[1:] else 200, {"count": len(added), "token": "t"}))
    assert sorted(added) == [11, 12, 13]
    assert plan(client).kind == "checkout"


def test_statements_are_grouped_without_their_values():
    one = checkout._normalised('SELECT "a"."id", "a"."b" FROM "a" WHERE "a"."id" IN (1, 2, 3) AND "a"."x" = \'q\'')
    other = checkout._normalised('SELECT "a"."id", "a"."b" FROM "a" WHERE "a"."id" IN (7, 8) AND "a"."x" = \'z\'')
    assert one == other == 'SELECT … FROM "a" WHERE "a"."id" IN (…) AND "a"."x" = ?'


def _run_figures(**ceilings: float) -> dict[str, Any]:
    """A 32-buyer run's figures at 12 completed checkouts/s, as `measure` returns them, with these ceilings."""
    return {
        "buyers": 32,
        "completed_per_s": 12.0,
        "orders_paid": 120,
        "orders_placed": 121,
        "steps": {},
        "card_to_paid": {"p50": 1.0, "p95": 2.0, "p99": 3.0, "count": 120},
        **ceilings,
    }


def test_the_bare_ceiling_is_printed_as_checkouts_per_second_beside_the_run(pg_env):
    # 8 buyer requests + the webhook with the return page; 7 + the webhook when the buyer stops after the card.
    assert checkout.requests_per_checkout("return-page") == 9
    assert checkout.requests_per_checkout("webhook") == 8
    figures = _run_figures(bare_rps=4500.0)
    printed = checkout.report(figures, confirm="return-page")
    assert "bare ceiling: 4,500 req/s" in printed
    assert "= 500 checkouts/s if each of a checkout's 9 HTTP requests cost no more" in printed
    assert "this run reached 2.4 % of it" in printed
    assert checkout.parse_args([]).bare_duration == 5.0
    assert "bare ceiling" not in checkout.report({**figures, "bare_rps": 0}, confirm="return-page")


def test_the_hello_ceiling_and_shopwrights_floor_are_printed_beside_the_bare_one(pg_env):
    figures = _run_figures(bare_rps=4500.0, hello_rps=9000.0, floor_rps=1800.0)
    lines = checkout.report(figures, confirm="return-page").splitlines()
    bare = next(i for i, line in enumerate(lines) if line.startswith("  bare ceiling: "))
    hello, floor = lines[bare + 1], lines[bare + 2]
    assert hello.startswith("  hello ceiling: 9,000 req/s (the bare app's plain-text /hello")
    assert "= 1,000 checkouts/s if each of a checkout's 9 HTTP requests cost no more" in hello
    assert hello.endswith("this run reached 1.2 % of it")
    assert floor.startswith("  Shopwright floor: 1,800 req/s (GET /api/v1/storefront/cart without a cart")
    assert "= 200 checkouts/s if each of a checkout's 9 HTTP requests cost no more" in floor
    assert floor.endswith("this run reached 6.0 % of it")
    # With the webhook the buyer makes one request less: 8 per checkout.
    webhook = checkout.report(figures, confirm="webhook")
    assert "Shopwright floor: 1,800 req/s" in webhook and "= 225 checkouts/s" in webhook
    # The same figures in the --json output.
    assert checkout.ceilings(figures, confirm="return-page") == {
        "bare": {"rps": 4500.0, "checkouts_per_s": 500.0, "reached_percent": 2.4, "errors": 0},
        "hello": {"rps": 9000.0, "checkouts_per_s": 1000.0, "reached_percent": 1.2, "errors": 0},
        "floor": {"rps": 1800.0, "checkouts_per_s": 200.0, "reached_percent": 6.0, "errors": 0},
    }
    # Not measured (--bare-duration 0): no line; a ceiling whose requests failed says so.
    assert "floor" not in checkout.report({**figures, "floor_rps": 0, "hello_rps": 0}, confirm="return-page")
    failed = checkout.report({**figures, "ceiling_errors": {"floor": 3}}, confirm="return-page")
    assert "Shopwright floor: 1,800 req/s (GET /api/v1/storefront/cart" in failed
    assert "(3 of its answers were errors)" in failed


def test_the_floor_asks_the_stores_host_for_its_cart_without_a_cart_and_hello_the_bare_app():
    client = loadgen.Client(number=0, rng=random.Random(1))
    floor = checkout.floor_plan("checkout-0001.localhost")(client)
    assert (floor.kind, floor.method, floor.path, floor.host) == (
        "floor",
        "GET",
        "/api/v1/storefront/cart",
        "checkout-0001.localhost",
    )
    assert ("Accept", "application/json") in floor.headers and not client.cookies
    assert not any(name == "X-Cart-Token" for name, _ in floor.headers)
    hello = storefront.bare_plan("hello", "/hello")(client)
    assert (hello.kind, hello.path, hello.host) == ("hello", "/hello", "localhost")
    bare = storefront.bare_plan()(client)
    assert (bare.kind, bare.path, bare.host) == ("bare", "/", "localhost")


@pytest.mark.django_db
def test_the_floor_answers_an_empty_cart_without_any_sql_once_the_store_is_remembered(settings):
    settings.STORE_LOOKUP_CACHE_SECONDS = 5  # as served (off in tests)
    forget_host_lookups()
    handle, _ = checkout.prepare_store(products=1)
    client = Client(HTTP_HOST=f"{handle}.localhost")
    try:
        client.get(checkout.FLOOR_PATH, headers={"Accept": "application/json"})  # looks the store up
        with CaptureQueriesContext(connection) as captured:
            answer = client.get(checkout.FLOOR_PATH, headers={"Accept": "application/json"})
    finally:
        forget_host_lookups()
    assert answer.status_code == 200
    assert answer.json()["count"] == 0 and answer.json()["lines"] == []
    assert captured.captured_queries == []
    assert not answer.cookies  # nothing made: the next one is as cheap


@pytest.mark.django_db
def test_a_cart_of_the_most_lines_allowed_can_still_be_shipped_to_the_bench_buyer():
    """The bench store's variants are light enough for the demo's weight brackets, however many lines a cart has."""
    handle, variants = checkout.prepare_store(products=3)
    store = Store.objects.get(handle=handle)
    weights = set(Variant.objects.filter(store=store, pk__in=variants).values_list("weight_grams", flat=True))
    assert weights == {checkout.VARIANT_WEIGHT_GRAMS}
    heaviest = checkout.MAX_LINES * checkout.VARIANT_WEIGHT_GRAMS
    country = checkout.BUYER_ADDRESS["country"]
    offer = shipping_offer(store=store, country=country, area="", subtotal=Decimal(0), weight_grams=heaviest)
    assert offer is not None and offer.quotes, "the bench buyer's cart of the most lines is too heavy to ship"
    # --lines above MAX_LINES is refused, so no run can build a heavier cart.
    with pytest.raises(SystemExit):
        checkout.parse_args(["--lines", str(checkout.MAX_LINES + 1)])


@pytest.mark.django_db(transaction=True)
def test_the_ceilings_are_measured_on_the_bare_app_and_on_shopwright_for_every_number_of_buyers(pg_env, live_server):
    handle, _ = checkout.prepare_store(products=1)
    # A window of 1 s: with 0.3 s, one slow request on a busy CI machine spanned it and none finished.
    args = checkout.parse_args(["--buyers", "1", "--bare-duration", "1", "--workers", "1", "--threads", "2"])
    args.processes = 1
    figures = checkout.measure_ceilings(args, url=live_server.url, host=f"{handle}.localhost")
    assert set(figures) == {1} and set(figures[1]) == {"bare", "hello", "floor"}
    for name, row in figures[1].items():
        assert row["rps"] > 0 and row["errors"] == 0 and set(row["statuses"]) == {"200"}, name


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("confirm", ["return-page", "webhook"])
def test_one_buyer_against_a_live_server_completes_orders_without_errors(postgres, live_server, confirm):
    """The whole flow for ~2 s after 1 s of warm-up: every step answered as expected, paid orders in the database."""
    handle, variants = checkout.prepare_store(products=3)
    assert variants
    shop = checkout.Shop(host=f"{handle}.localhost", variants=tuple(variants), confirm=confirm)
    database = connection.settings_dict["NAME"]
    # The statements too where the server preloads pg_stat_statements (CI's does not: then none are asked for).
    statements = 0 if checkout.statements_unavailable(connection) else 5
    figures = checkout.measure(
        url=live_server.url,
        shop=shop,
        clients=1,
        seconds=2.0,
        warmup=1.0,
        processes=1,
        handle=handle,
        database=database,
        statements=statements,
    )
    assert figures["errors"] == 0, figures["steps"]
    steps = checkout.STEPS if confirm == "return-page" else checkout.STEPS[:-1]
    assert list(figures["steps"]) == list(steps)
    assert figures["orders_paid"] >= 1 and figures["completed_per_s"] > 0
    assert figures["card_to_paid"]["count"] >= 1
    store = Store.objects.get(handle=handle)
    assert Order.objects.filter(store=store, status=OrderStatus.PAID).count() >= figures["orders_paid"]
    # Counted, though not much here: the live server runs in this process, and its database connections
    # close after each request (their backends' CPU leaves with them; a served run keeps them open).
    assert set(figures["cpu_ms_per_checkout"]) == {"server", "jobs", "postgres"}
    printed = checkout.report(figures, confirm=confirm)
    assert "completed checkouts/s" in printed and "place" in printed
    if statements:
        assert 1 <= len(figures["statements"]) <= 5 and figures["statements_exec_ms"] > 0
        assert "ms of exec time per completed checkout" in printed
    else:
        assert "statements" not in figures


@pytest.mark.django_db
def test_the_profile_goes_through_every_step_and_details_the_one_asked_for():
    handle, variants = checkout.prepare_store(products=3)
    printed = checkout.profile_checkout(host=f"{handle}.localhost", variants=variants, orders=2, detailed="place")
    rows = {line.split()[0] for line in printed.splitlines()[2:10]}
    assert rows == set(checkout.STEPS)
    assert 'INSERT INTO "orders_order"' in printed  # place's own statements are listed
    assert "orders/services.py" in printed and "order_place" in printed  # and its profile
    store = Store.objects.get(handle=handle)
    assert Order.objects.filter(store=store, status=OrderStatus.PAID).count() == 2


@pytest.mark.django_db
def test_the_profile_without_cprofile_gives_cpu_and_statements_per_step_and_per_checkout():
    handle, variants = checkout.prepare_store(products=3)
    printed = checkout.profile_checkout(host=f"{handle}.localhost", variants=variants, orders=2, detailed="none")
    lines = printed.splitlines()
    assert lines[1].split()[:10] == ["step", "p50", "ms", "mean", "ms", "CPU", "ms", "stmts", "SQL", "ms"]
    steps = {line.split()[0]: [float(x) for x in line.split()[1:6]] for line in lines[2:10]}
    assert set(steps) == set(checkout.STEPS)
    assert all(cpu > 0 for _, _, cpu, _, _ in steps.values())
    assert "cProfile" not in printed and "statements by time" not in printed  # nothing was profiled
    total = lines[10].split()
    assert total[:2] == ["per", "checkout"]
    # The per-checkout row adds up the steps (one line per cart, so every step once per checkout). Each
    # figure is printed to 0.1, so the printed steps may be up to 0.05 each away from what was added up.
    rounding = 0.05 * len(steps) + 1e-9
    assert float(total[3]) == pytest.approx(sum(row[2] for row in steps.values()), abs=rounding)
    assert float(total[4]) == pytest.approx(sum(row[3] for row in steps.values()), abs=rounding)
    assert float(total[4]) >= 30  # a checkout writes and reads tens of statements, whatever else changes


def _busy(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="reads /proc (Linux)")
def test_cpu_is_counted_for_started_processes_but_not_for_the_load_generators_forks():
    before = checkout.cpu_snapshot("no_such_database")
    burn = "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass\ntime.sleep(5)"
    server = subprocess.Popen([sys.executable, "-c", burn])
    fork = multiprocessing.get_context("fork").Process(target=_busy, args=(0.4,))
    fork.start()
    try:
        fork.join()
        time.sleep(1.0)  # the started one has used its CPU and sleeps
        after = checkout.cpu_snapshot("no_such_database")
    finally:
        server.kill()
        server.wait()
    assert server.pid in after["server"] and fork.pid not in after["server"]
    used = checkout.cpu_used(before, after)
    assert 0.3 <= used["server"] < 1.0 and used["jobs"] == used["postgres"] == 0


def _busy_then_wait(seconds: float, wait: float) -> None:
    _busy(seconds)
    time.sleep(wait)


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="reads /proc (Linux)")
def test_the_load_generators_forks_and_the_whole_machine_are_counted_apart():
    before = checkout.cpu_snapshot("no_such_database")
    fork = multiprocessing.get_context("fork").Process(target=_busy_then_wait, args=(0.4, 10.0))
    fork.start()
    try:
        time.sleep(1.5)  # the fork has used its CPU and waits, alive, as the buyers do during a run
        after = checkout.cpu_snapshot("no_such_database")
    finally:
        fork.kill()
        fork.join()
    assert fork.pid in after["loadgen"] and fork.pid not in after["server"]
    used = checkout.cpu_used(before, after)
    assert used["loadgen"] >= 0.3 and used["server"] == 0
    assert used["machine"] >= used["loadgen"]  # the cores' busy time holds everything counted
    figures = {
        "buyers": 1,
        "completed_per_s": 1.0,
        "orders_placed": 10,
        "orders_paid": 10,
        "window_seconds": 10.0,
        "steps": {},
        "errors": 0,
        "card_to_paid": {"count": 10, "p50": 1.0, "p95": 2.0, "p99": 3.0},
        "cpu_ms_per_checkout": {"server": 20.0, "jobs": 2.0, "postgres": 8.0},
        "side_cpu_ms_per_checkout": {"loadgen": 4.0, "redis": 1.0, "machine": 40.0},
        "ceilings": {},
    }
    printed = checkout.report(figures, confirm="return-page")
    assert "4.0 ms load generator + 1.0 ms Redis + 5.0 ms the rest" in printed
    assert f"busy {100 * 40.0 / (1000 * (os.cpu_count() or 1) * 10.0 / 10):.0f} %" in printed
