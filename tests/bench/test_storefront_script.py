"""bench/storefront.py: its options, the requests it makes, and a short run against real servers."""

from __future__ import annotations

import functools
import json
import os
import random

import loadgen
import make_data
import pytest
import storefront
from django.db import connection

from shopwright.catalog.inputs import CollectionInput
from shopwright.catalog.services import collection_create, collection_set_products
from shopwright.core.audit import Actor
from tests.catalog_factories import make_product
from tests.factories import make_merchant


def test_defaults_measure_every_page_at_1_8_and_32_clients():
    args = storefront.parse_args([])
    assert args.client_counts == [1, 8, 32]
    assert args.page_list == list(storefront.PAGES)
    assert (args.server, args.workers, args.no_cache, args.serve) == ("granian", 2, False, False)


@pytest.mark.parametrize(
    "argv",
    [
        ["--clients", "1,x"],
        ["--clients", "0"],
        ["--clients", ""],
        ["--pages", "home,checkout"],
        ["--duration", "0"],
        ["--no-cache"],  # changes how the server starts, so only with --serve
    ],
)
def test_bad_options_are_refused_with_a_message(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        storefront.parse_args(argv)
    assert exit_info.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_serve_needs_a_database(monkeypatch, capsys):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(SystemExit):
        storefront.parse_args(["--serve"])
    assert "DATABASE_URL" in capsys.readouterr().err


STORE = {
    "handle": "shop",
    "collections": [{"handle": "all", "pages": 2}],
    "products": ["mug", "tee"],
    "variants": [11, 12],
    "search": ["linen"],
}


def test_each_page_type_asks_for_its_own_url():
    client = loadgen.Client(number=0, rng=random.Random(1))
    paths = {}
    for page in ("home", "collection", "product", "search"):
        request = storefront.make_plan(page, [STORE], "localhost")(client)
        assert (request.kind, request.method, request.host) == (page, "GET", "shop.localhost")
        paths[page] = request.path
    assert paths["home"] == "/"
    assert paths["collection"].startswith("/collections/all/")
    assert paths["product"] in {"/products/mug/", "/products/tee/"}
    assert paths["search"].startswith("/search/?q=lin")


def test_adding_to_the_cart_posts_a_csrf_token_that_matches_the_cookie_and_starts_new_visitors():
    client = loadgen.Client(number=0, rng=random.Random(2))
    plan = storefront.make_plan("cart-add", [STORE], "localhost")
    first = plan(client)
    assert (first.method, first.path) == ("POST", "/cart/add/")
    token = client.cookies["csrftoken"]
    assert f"csrfmiddlewaretoken={token}".encode() in first.body
    client.cookies["sw_cart"] = "signed-by-the-server"
    for _ in range(storefront.ADDS_PER_VISITOR - 1):
        plan(client)
    assert client.cookies["sw_cart"] == "signed-by-the-server"  # the same visitor keeps its cart
    plan(client)
    assert "sw_cart" not in client.cookies and client.cookies["csrftoken"] != token  # a new visitor


def test_the_mix_reports_each_page_under_its_own_name():
    client = loadgen.Client(number=0, rng=random.Random(3))
    plan = storefront.make_plan("mix", [STORE], "localhost")
    kinds = {plan(client).kind for _ in range(300)}
    assert kinds == {f"mix:{k}" for k in storefront.MIX}


def test_percentiles_are_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert loadgen.percentile(values, 0.5) == 50.0
    assert loadgen.percentile(values, 0.99) == 99.0
    assert loadgen.percentile([3.0], 0.95) == 3.0


def test_a_short_run_against_the_bare_app_prints_figures_and_the_command(tmp_path, capsys):
    """The whole script, end to end: it starts the bare app with granian and measures it as a page."""
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"platform_domain": "localhost", "stores": [STORE]}))
    out = tmp_path / "figures.json"
    port = storefront._free_port()
    with storefront.serving(
        storefront.server_command(app="bare_app.wsgi:application", port=port, workers=1, threads=2, server="granian"),
        env={**os.environ, "PYTHONPATH": str(storefront.BENCH)},
        cwd=storefront.BENCH,
        check_host="localhost",
        port=port,
    ) as url:
        argv = ["--url", url, "--bare-url", url, "--pages", "home", "--clients", "1,2"]
        storefront.main([*argv, "--duration", "0.5", "--warmup", "0", "--processes", "1", "--manifest", str(manifest)])
        storefront.main([*argv, "--duration", "0.3", "--warmup", "0", "--manifest", str(manifest), "--json", str(out)])
    printed = capsys.readouterr().out
    assert "bare ceiling" in printed and "home" in printed
    # The command may start with the environment it ran in (DATABASE_URL=… on CI's PostgreSQL pass).
    reproduce = [line for line in printed.splitlines() if line.startswith("# reproduce: ")]
    assert reproduce and all(".venv/bin/python bench/storefront.py --url" in line for line in reproduce)
    figures = json.loads(out.read_text())
    home = figures["runs"]["2"]["home"]
    assert home["rps"] > 10 and home["errors"] == 0 and home["p50"] <= home["p99"]


@pytest.mark.django_db(transaction=True)
def test_the_mix_against_a_live_shopwright_gets_no_errors(live_server):
    """Every request the benchmark makes is one the storefront answers without an error."""
    store = make_merchant(store_handle="benchmix").store
    products = [make_product(store, title=f"Linen Shirt {i}", sizes=["S", "M"], stock=500) for i in range(3)]
    collection = collection_create(store=store, actor=Actor.system(), data=CollectionInput(title="Shirts"))
    collection_set_products(
        store=store, actor=Actor.system(), collection=collection, product_ids=[p.pk for p in products]
    )
    manifest = make_data.describe(handle="benchmix")
    assert manifest["stores"][0]["collections"] == [{"handle": "shirts", "pages": 1}]

    # The test database on SQLite is in memory, and Django's live server shares its one connection between
    # threads: two requests at once would interleave their transactions on it. A real server has a
    # connection per thread; parallel adds are tested on PostgreSQL (tests/cart/test_concurrency.py).
    clients = 1 if connection.vendor == "sqlite" else 2
    # Each page type on its own (a short mix under load may never draw a 10 % page), then the mix.
    for kind in [*storefront.MIX, "mix"]:
        result = loadgen.run(
            url=live_server.url,
            make_plan=functools.partial(storefront.make_plan, kind, manifest["stores"], "localhost"),
            clients=clients,
            seconds=0.5,
            warmup=0,
            processes=1,
        )
        expected = {f"mix:{k}" for k in storefront.MIX} if kind == "mix" else {kind}
        assert result.latencies and set(result.latencies) <= expected, (kind, set(result.latencies))
        assert result.errors == {}, (kind, result.statuses)


def test_a_mix_is_also_summed_over_all_its_pages():
    result = loadgen.Result(
        latencies={"mix:home": [0.001, 0.003], "mix:product": [0.002, 0.004]},
        errors={"mix:product": 1},
        statuses={"mix:home": {200: 2}, "mix:product": {200: 2, 500: 1}},
        seconds=2.0,
    )
    figures = storefront.summarise(result)
    assert figures["mix (all)"]["rps"] == 2.0
    assert figures["mix (all)"]["p50"] == pytest.approx(2.0)
    assert figures["mix (all)"]["errors"] == 1
    assert figures["mix:home"]["rps"] == 1.0


def test_a_kind_asked_for_is_reported_at_zero_when_none_of_it_finished_in_the_window():
    """A ceiling's window on a slow server can end before its first answer: a zero, not a KeyError."""
    result = loadgen.Result(latencies={}, errors={}, statuses={}, seconds=0.3)
    figures = storefront.summarise(result, kinds=("floor",))
    assert figures["floor"]["rps"] == 0 and figures["floor"]["errors"] == 0
    assert storefront.summarise(result) == {}


def test_the_printed_command_names_the_environment_without_passwords():
    command = storefront.reproduce_command(
        ["--serve", "--clients", "32"],
        {
            "DATABASE_URL": "postgres://bench:s3cret@db.internal:5432/bench_small",
            "REDIS_URL": "redis://127.0.0.1:6379/5",
            "HOME": "/root",
        },
    )
    assert command == (
        "DATABASE_URL=postgres://bench:PASSWORD@db.internal:5432/bench_small REDIS_URL=redis://127.0.0.1:6379/5 "
        ".venv/bin/python bench/storefront.py --serve --clients 32"
    )
