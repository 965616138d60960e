"""Buyers racing for the last units of one variant on PostgreSQL: exactly that many orders, units sold, none left.

    .venv/bin/python bench/oversell.py
    .venv/bin/python bench/oversell.py --database-url postgres://postgres@127.0.0.1:5432/shopwright_bench \\
        --buyers 200 --stock 10 --concurrency 64

Each run makes a fresh store with one product of `--stock` units, and one
ready checkout (address, shipping method, reviewed totals) for each of
`--buyers` buyers, each for one unit. Then every buyer clicks "Pay" at the
same moment: `--concurrency` threads, each with its own database connection,
meet at a barrier and call `orders.services.order_place`, and a buyer whose
order was placed pays it (`order_payment_succeeded`, with a succeeded test
payment, as the payment webhook would). Threads take the next buyer until
all have tried, so at most `--concurrency` transactions are open at once
(PostgreSQL's default limit is 100 connections).

It prints orders created, units sold (in paid orders) and the final stock,
and exits non-zero unless they are exactly `--stock`, `--stock` and 0 and
every refused buyer was told the stock ran out (never any other error). The
database is created and migrated when missing; the store is left in it.
"""

from __future__ import annotations

import argparse
import os
import queue
import secrets
import shlex
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/shopwright_bench"


@dataclass
class Result:
    orders: int
    units_sold: int
    final_stock: int
    seconds: float
    # What each buyer's attempt ended as: "paid", "insufficient_stock", or an unexpected error's name.
    outcomes: Counter[str] = field(default_factory=Counter)

    def ok(self, stock: int) -> bool:
        unexpected = set(self.outcomes) - {"paid", "insufficient_stock"}
        return (self.orders, self.units_sold, self.final_stock) == (stock, stock, 0) and not unexpected


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username}:PASSWORD@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def reproduce_command(args: argparse.Namespace) -> str:
    """This run's command line with every option spelled out (a password in the database URL masked)."""
    options = ["--database-url", _without_password(args.database_url), "--buyers", str(args.buyers)]
    options += ["--stock", str(args.stock), "--concurrency", str(args.concurrency)]
    return shlex.join([".venv/bin/python", "bench/oversell.py", *options])


def ensure_database(database_url: str) -> None:
    """Create the PostgreSQL database when it does not exist yet."""
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')  # a name from the command line, quoted as an identifier


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopwright.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    # Emails and other jobs run in the buyer's thread, in memory: no job store fills up, no worker is needed.
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    import logging

    logging.getLogger("huey").setLevel(logging.WARNING)  # one line per email job would bury the figures


def prepare(*, buyers: int, stock: int) -> tuple[Any, Any, list[tuple[Any, str]]]:
    """A fresh live store, one product of `stock` units, and `buyers` checkouts of one unit with their signatures."""
    from django.db import transaction
    from django.utils import timezone

    from shopwright.cart.models import Cart, CartLine
    from shopwright.catalog.inputs import ProductInput, VariantInput
    from shopwright.catalog.models import Variant
    from shopwright.catalog.services import product_create
    from shopwright.checkout.models import Checkout
    from shopwright.checkout.selectors import checkout_priced
    from shopwright.core.audit import Actor
    from shopwright.shipping.models import ShippingMethod, ShippingZone
    from shopwright.stores.models import Store, User

    tag = secrets.token_hex(4)
    with transaction.atomic():
        owner = User.objects.create_user(f"oversell-{tag}@bench.example", password=None, full_name="Bench Owner")
        store = Store.objects.create(
            handle=f"oversell-{tag}",
            name=f"Oversell {tag}",
            owner=owner,
            status=Store.Status.LIVE,
            country="DE",
            currency="EUR",
            went_live_at=timezone.now(),
        )
        zone = ShippingZone.objects.create(store=store, name="Everywhere we ship", areas=["DE"])
        method = ShippingMethod.objects.create(store=store, zone=zone, name="Standard", price="4.90")
        product = product_create(
            store=store,
            actor=Actor.system(),
            data=ProductInput(
                title="Last few lanterns",
                status="published",
                variants=[VariantInput(sku=f"LANTERN-{tag}", price="39.00", stock_quantity=stock)],
            ),
        )
        variant = Variant.objects.filter(store=store, product=product).get()
    address = {
        "name": "Bench Buyer",
        "company": "",
        "street_address": "Hauptstraße 5",
        "city": "BERLIN",
        "city_area": "",
        "country_area": "",
        "postal_code": "10115",
        "country": "DE",
    }
    checkouts = []
    for n in range(buyers):
        with transaction.atomic():
            cart = Cart.objects.create(store=store, token_hash=secrets.token_hex(32))
            CartLine.objects.create(store=store, cart=cart, variant=variant, quantity=1)
            checkout = Checkout.objects.create(
                store=store,
                cart=cart,
                email=f"buyer{n}@bench.example",
                phone="+49 30 901820",
                shipping_address=address,
                shipping_method=method,
            )
        priced = checkout_priced(store=store, checkout=checkout)
        assert priced.ready, priced.problems + priced.missing
        checkouts.append((checkout, priced.signature))
    return store, variant, checkouts


def buy(store: Any, checkout: Any, signature: str) -> str:
    """One buyer: place the order, then pay it as the provider's webhook would. Returns how it ended."""
    from django.db import transaction

    from shopwright.catalog.stock import InsufficientStock
    from shopwright.core.audit import Actor
    from shopwright.orders.services import PaymentOutcome, order_payment_succeeded, order_place
    from shopwright.payments.models import Payment, PaymentStatus

    try:
        placed = order_place(store=store, checkout=checkout, reviewed_signature=signature, actor=Actor.anonymous())
    except InsufficientStock:
        return "insufficient_stock"
    order = placed.order
    with transaction.atomic():
        payment = Payment.objects.create(
            store=store,
            order=order,
            provider="test",
            reference=f"tp_bench_{secrets.token_hex(8)}",
            idempotency_key=secrets.token_hex(16),
            amount=order.total,
            currency=order.currency,
            status=PaymentStatus.SUCCEEDED,
            card_brand="visa",
            card_last4="4242",
        )
        outcome = order_payment_succeeded(store=store, order=order, payment=payment)
    return "paid" if outcome is PaymentOutcome.APPLIED else f"payment_{outcome.value}"


def race(*, store: Any, variant: Any, checkouts: list[tuple[Any, str]], concurrency: int) -> Result:
    """Every buyer tries at once (`concurrency` threads meeting at a barrier); then count what happened."""
    from django.db import connection
    from django.db.models import Sum

    from shopwright.catalog.models import Variant
    from shopwright.orders.models import Order, OrderLine, OrderStatus

    waiting: queue.SimpleQueue[tuple[Any, str]] = queue.SimpleQueue()
    for item in checkouts:
        waiting.put(item)
    threads = min(concurrency, len(checkouts))
    barrier = threading.Barrier(threads, timeout=60)
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def work() -> None:
        try:
            connection.ensure_connection()  # connect before the start, so the race is between transactions
            barrier.wait()
            while True:
                try:
                    checkout, signature = waiting.get_nowait()
                except queue.Empty:
                    return
                try:
                    ended = buy(store, checkout, signature)
                except Exception as exc:  # counted and reported: the run then fails
                    ended = type(exc).__name__
                with lock:
                    outcomes[ended] += 1
        finally:
            connection.close()

    started = time.perf_counter()
    pool = [threading.Thread(target=work) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    seconds = time.perf_counter() - started

    sold = OrderLine.objects.filter(store=store, order__status=OrderStatus.PAID).aggregate(n=Sum("quantity"))["n"]
    return Result(
        orders=Order.objects.filter(store=store).count(),
        units_sold=int(sold or 0),
        final_stock=Variant.objects.filter(store=store, pk=variant.pk).values_list("stock_quantity", flat=True).get(),
        seconds=seconds,
        outcomes=outcomes,
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL, help="a PostgreSQL database (made if missing)")
    parser.add_argument("--buyers", type=int, default=200)
    parser.add_argument("--stock", type=int, default=10, help="units of the one variant")
    parser.add_argument("--concurrency", type=int, default=64, help="buyers trying at once (threads, connections)")
    args = parser.parse_args(argv)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url must be a PostgreSQL URL (the guarantee measured is PostgreSQL's)")
    if args.buyers < 1 or args.stock < 1 or args.concurrency < 1:
        parser.error("--buyers, --stock and --concurrency must be at least 1")
    if args.stock > args.buyers:
        parser.error("--stock must not exceed --buyers (otherwise nobody races for the last units)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)  # the database cache, when no REDIS_URL / CACHE_URL is set
    store, variant, checkouts = prepare(buyers=args.buyers, stock=args.stock)
    result = race(store=store, variant=variant, checkouts=checkouts, concurrency=args.concurrency)

    print(f"# {args.buyers} buyers, {args.stock} units, {args.concurrency} at once, store {store.handle}")
    print(f"orders created: {result.orders}")
    print(f"units sold: {result.units_sold}")
    print(f"final stock: {result.final_stock}")
    print(f"# outcomes: {dict(sorted(result.outcomes.items()))} in {result.seconds:.2f} s")
    print(f"# reproduce: {reproduce_command(args)}")
    if not result.ok(args.stock):
        print(f"FAILED: expected {args.stock} / {args.stock} / 0 and no other errors", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
