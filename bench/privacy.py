"""Export and deletion of one data subject amid many other customers, on PostgreSQL (issue #5, "Performance").

    .venv/bin/python bench/privacy.py --database-url postgres://postgres@127.0.0.1:5432/sw_bench
    .venv/bin/python bench/privacy.py --database-url postgres://postgres@127.0.0.1:5432/sw_bench_big --scale 10

Targets: export under 5 s, deletion under 10 s, and both no slower than
1.2x when the other customers grow tenfold (the cost must follow the
subject's data, not the platform's size).

The data, written fast (COPY in batches, foreign-key triggers skipped for
rows that are right by construction) but real: every encrypted column holds
the ciphertext its model field makes (`field.get_prep_value`), every blind
index is `core.crypto.blind_index` of the value.

- A few live stores (`--stores`, default 5) with a catalog each
  (bench/make_data.py's generator, 1,200 products per store).
- `--others` customers (default 100,000; `--scale 10` multiplies it) spread
  over those stores, each with an address, a paid order (a line, a payment,
  an event), its confirmation email, a registration audit entry and a
  consent record: the tables the engine looks the subject up in are large.
  Generation is resumable: others are made in committed batches of 10,000
  in a fixed order (other-N@...), and a later run finds how many exist
  and makes only the missing ones. `--reuse` refuses to generate at all.
- The subject: one customer of the first store with `--orders` orders
  (default 1,000; one in ten placed as a guest with the same email, found
  by the email's blind index), each with two lines, a tax line, a payment,
  three events, a fulfillment (with its lines), and `--records` other
  records (default 10,000): addresses, favourites, consent records, audit
  entries about it, emails to it, a cart with lines, sharing records.

Then, timed with the wall clock:

- export: `exports.export_build` for a new export request, `--repeat`
  times on the same subject (plus the access view `exports.subject_data`);
- deletion: `--repeat` times, each on a freshly built subject (building is
  not timed): the erasure of a deletion request (`erasure.erasure_run`,
  the job a merchant's "Run deletion" starts, after the account lock),
  with the residue scan it ends with timed on its own, by default after
  the first deletion only (`--residue once`: minutes on a large platform).

It prints the row counts, the seconds of each repetition (min / median /
max) and the command that reproduces the run; `--json FILE` also writes them
as JSON, and `--profile` prints the SQL statements and the Python functions
that took the time of one export and one deletion.
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import secrets
import shlex
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import make_data

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/sw_bench"
PREFIX = "privacy"  # the bench stores are make_data's "privacy-0001" …
PRODUCTS_PER_STORE = 1200
BATCH = 10_000  # others per committed batch (the unit of resumption)
DOMAIN = "privacy.bench.example"
PASSWORD = "bench-password-1"
SAMPLE = 20  # identifiers in the timed sample of the residue scan (residue_estimate)
PLACES = 10  # distinct addresses of the subject (its address book and orders cycle through them)

FIRST = (
    "Anna Ben Clara David Eva Felix Greta Hugo Ida Jonas Kira Lukas Mia Noah Olivia Paul Rosa Simon Tara Yusuf".split()
)
LAST = "Schmidt Meyer Weber Wagner Becker Hoffmann Koch Richter Klein Wolf Neumann Braun Krause Vogel Jäger".split()
STREETS = "Hauptstraße Lindenweg Bahnhofstraße Gartenstraße Schulstraße Ringstraße Mühlenweg Kirchplatz".split()
CITIES = [("10115", "Berlin"), ("20095", "Hamburg"), ("80331", "München"), ("50667", "Köln"), ("60311", "Frankfurt")]

# How the subject's 10,000 "other records" are made up (scaled to --records).
RECORD_MIX = {
    "addresses": 0.05,
    "favourites": 0.10,
    "consents": 0.20,
    "audit_entries": 0.25,
    "emails": 0.20,
    "cart_lines": 0.02,
    "sharing_records": 0.18,
}


# --- small helpers ------------------------------------------------------------------------------


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username}:PASSWORD@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def reproduce_command(args: argparse.Namespace) -> str:
    """This run's command line with every option spelled out (a password in the database URL masked)."""
    options = ["--database-url", _without_password(args.database_url), "--others", str(args.others)]
    options += ["--scale", str(args.scale), "--stores", str(args.stores), "--orders", str(args.orders)]
    options += ["--records", str(args.records), "--repeat", str(args.repeat), "--residue", args.residue]
    if args.reuse:
        options.append("--reuse")
    if args.fresh:
        options.append("--fresh")
    return shlex.join([".venv/bin/python", "bench/privacy.py", *options])


def ensure_database(database_url: str, *, fresh: bool) -> None:
    """Create the PostgreSQL database when missing (drop it first with `fresh`)."""
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # a name from the command line
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(database_url: str, var_dir: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["SHOPWRIGHT_VAR_DIR"] = var_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopwright.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    # Jobs (the export and erasure jobs, emails) run in this process, in memory.
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    import logging

    logging.getLogger("huey").setLevel(logging.WARNING)


class Prep:
    """A model's encrypted (and other) columns as its own fields write them: `prep(model, "email", value)`."""

    def __init__(self) -> None:
        self._fields: dict[tuple[Any, str], Any] = {}

    def __call__(self, model: Any, name: str, value: Any) -> Any:
        key = (model, name)
        f = self._fields.get(key)
        if f is None:
            f = self._fields[key] = model._meta.get_field(name)
        return f.get_prep_value(value)


def _person(n: int) -> tuple[str, str]:
    return FIRST[n % len(FIRST)], LAST[(n // len(FIRST)) % len(LAST)]


def _address(n: int, name: str) -> dict[str, str]:
    postal, city = CITIES[n % len(CITIES)]
    return {
        "name": name,
        "company": "",
        "street_address": f"{STREETS[n % len(STREETS)]} {n % 97 + 1}",
        "city": city.upper(),
        "city_area": "",
        "country_area": "",
        "postal_code": postal,
        "country": "DE",
    }


def _phone(n: int) -> str:
    return f"+49 30 {9_000_000 + n % 999_999}"


@dataclass
class StoreStock:
    """One bench store's variants as order lines need them, and its products (for favourites)."""

    store_id: int
    variants: list[tuple[int, str, str, str, Decimal, int]]  # id, product title, option, sku, price, weight
    product_ids: list[int]


def _stock(store_id: int) -> StoreStock:
    from shopwright.catalog.models import Variant

    rows = list(
        Variant.objects.filter(store_id=store_id)
        .order_by("id")
        .values_list("id", "product__title", "option1", "sku", "price", "weight_grams", "product_id")
    )
    return StoreStock(
        store_id=store_id,
        variants=[r[:6] for r in rows],
        product_ids=sorted({r[6] for r in rows}),
    )


def _bench_store_ids() -> list[int]:
    from shopwright.stores.models import Store

    return list(Store.objects.filter(handle__startswith=f"{PREFIX}-").order_by("handle").values_list("id", flat=True))


class Load:
    """Writers and pre-assigned ids for one loading session (make_data's RowWriter and Ids)."""

    def __init__(self, models: dict[str, Any]) -> None:
        self.writers = {name: make_data.RowWriter(model) for name, model in models.items()}
        self.ids = {name: make_data.Ids(model) for name, model in models.items()}
        for ids in self.ids.values():
            _past_sequence(ids)
        self.rows: dict[str, list[dict[str, Any]]] = {name: [] for name in models}

    def add(self, name: str, row: dict[str, Any]) -> int:
        row.setdefault("id", self.ids[name].take())
        self.rows[name].append(row)
        return int(row["id"])

    def flush(self, *, skip_fk_checks: bool) -> dict[str, int]:
        """Write every pending row in one transaction; returns rows written per table."""
        from django.db import transaction

        written = {}
        with transaction.atomic():
            if skip_fk_checks:
                make_data._skip_triggers(True)
            for name, writer in self.writers.items():  # parents first: the dict's order
                written[name] = writer.write(self.rows[name])
                self.rows[name] = []
            if skip_fk_checks:
                make_data._skip_triggers(False)
        for seq in self.ids.values():
            seq.sync_sequence()
        return written


def _past_sequence(ids: Any) -> None:
    """Never hand out an id the table's sequence gave before (a deleted subject's): ids are not reused in real life."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [ids.model._meta.db_table])
        ids.next = max(ids.next, int(cursor.fetchone()[0]))


def _order_numbers(store_ids: list[int]) -> dict[str, Any]:
    """The next free order number per store (bench rows are numbered like order_place numbers them)."""
    from django.db.models import Max

    from shopwright.orders.models import Order

    out: dict[str, Any] = {}
    for store_id in store_ids:
        top = Order.objects.filter(store_id=store_id).aggregate(n=Max("number"))["n"]
        out[str(store_id)] = (top or 1000) + 1
    return out


def _save_order_numbers(numbers: dict[str, Any]) -> None:
    from shopwright.orders.models import OrderNumberSequence

    for store_id, following in numbers.items():
        OrderNumberSequence.objects.update_or_create(store_id=int(store_id), defaults={"last_number": following - 1})


def _models() -> dict[str, dict[str, Any]]:
    from shopwright.cart.models import Cart, CartLine
    from shopwright.core.models import AuditEntry, Email
    from shopwright.customers.models import Address, Customer
    from shopwright.orders.models import Fulfillment, FulfillmentLine, Order, OrderEvent, OrderLine, OrderTaxLine
    from shopwright.payments.models import Payment
    from shopwright.privacy.models import ConsentRecord, SharingRecord
    from shopwright.storefront.models import Favourite

    others = {
        "customer": Customer,
        "address": Address,
        "order": Order,
        "line": OrderLine,
        "payment": Payment,
        "event": OrderEvent,
        "email": Email,
        "audit": AuditEntry,
        "consent": ConsentRecord,
    }
    subject = {
        **others,
        "tax": OrderTaxLine,
        "fulfillment": Fulfillment,
        "fulfillment_line": FulfillmentLine,
        "favourite": Favourite,
        "cart": Cart,
        "cart_line": CartLine,
        "sharing": SharingRecord,
    }
    return {"others": others, "subject": subject}


# --- the other customers ------------------------------------------------------------------------


def other_email(n: int) -> str:
    return f"other-{n}@{DOMAIN}"


def others_present(store_ids: list[int]) -> int:
    """How many others exist: batches are committed in order, so other-N exists exactly for N < count."""
    from shopwright.core.crypto import blind_index
    from shopwright.customers.models import Customer

    def exists(n: int) -> bool:
        store_id = store_ids[n % len(store_ids)]
        return Customer.objects.filter(store_id=store_id, email_index=blind_index(other_email(n))).exists()

    if not store_ids or not exists(0):
        return 0
    high = 1
    while exists(high):
        high *= 2
    # exists(high // 2) is true (or high == 1 and exists(0)), exists(high) is false: find the first missing.
    lo = high // 2
    return lo + bisect.bisect_left(range(lo, high), True, key=lambda n: not exists(n))


def _other_rows(load: Load, n: int, stock: StoreStock, numbers: dict[str, Any], prep: Prep, now: datetime) -> None:
    from shopwright.core.crypto import blind_index
    from shopwright.core.models import AuditEntry, Email
    from shopwright.customers.models import Address, Customer
    from shopwright.orders.models import Order

    store_id = stock.store_id
    first, last = _person(n)
    name = f"{first} {last}"
    email = other_email(n)
    index = blind_index(email)
    joined = now - timedelta(days=30 + n % 900, seconds=n % 86_400)
    cid = load.add(
        "customer",
        {
            "store_id": store_id,
            "email": prep(Customer, "email", email),
            "email_index": index,
            "name": prep(Customer, "name", name),
            "password": _password_hash(),
            "is_active": True,
            "created_at": joined,
            "last_login": joined + timedelta(days=3),
        },
    )
    address = _address(n, name)
    load.add(
        "address",
        {
            "store_id": store_id,
            "customer_id": cid,
            "data": prep(Address, "data", {**address, "phone": _phone(n)}),
            "is_default": True,
            "created_at": joined,
            "updated_at": joined,
        },
    )
    vid, title, option, sku, price, weight = stock.variants[n % len(stock.variants)]
    placed = joined + timedelta(days=5)
    number = numbers[str(store_id)]
    numbers[str(store_id)] = number + 1
    total = price + Decimal("4.90")
    oid = load.add(
        "order",
        {
            "store_id": store_id,
            "number": number,
            "token_hash": secrets.token_hex(32),
            "customer_id": cid,
            "status": "fulfilled",
            "email": prep(Order, "email", email),
            "email_index": index,
            "phone": prep(Order, "phone", _phone(n)),
            "shipping_address": prep(Order, "shipping_address", address),
            "shipping_country": "DE",
            "currency": "EUR",
            "prices_include_tax": True,
            "subtotal": price,
            "shipping_total": Decimal("4.90"),
            "tax_total": (price * Decimal("0.19") / Decimal("1.19")).quantize(Decimal("0.01")),
            "total": total,
            "shipping_method_name": "Standard",
            "weight_grams": weight,
            "created_at": placed,
            "updated_at": placed + timedelta(days=2),
            "paid_at": placed,
            "fulfilled_at": placed + timedelta(days=2),
        },
    )
    load.add(
        "line",
        {
            "store_id": store_id,
            "order_id": oid,
            "variant_id": vid,
            "product_title": title,
            "variant_title": option,
            "sku": sku,
            "unit_price": price,
            "quantity": 1,
            "line_total": price,
            "weight_grams": weight,
            "quantity_fulfilled": 1,
            "stock_taken": 1,
        },
    )
    load.add(
        "payment",
        {
            "store_id": store_id,
            "order_id": oid,
            "provider": "test",
            "reference": f"tp_{secrets.token_hex(12)}",
            "idempotency_key": secrets.token_hex(16),
            "amount": total,
            "currency": "EUR",
            "status": "succeeded",
            "card_brand": "visa",
            "card_last4": "4242",
            "created_at": placed,
            "updated_at": placed,
        },
    )
    load.add(
        "event",
        {
            "store_id": store_id,
            "order_id": oid,
            "kind": "placed",
            "actor_type": "customer",
            "actor_id": cid,
            "data": {},
            "created_at": placed,
        },
    )
    load.add(
        "email",
        {
            "created_at": placed,
            "store_id": store_id,
            "kind": "order_confirmation",
            "to": prep(Email, "to", email),
            "to_index": index,
            "subject": prep(Email, "subject", f"Order #{number} confirmed"),
            "body_text": prep(Email, "body_text", _email_body(name, number, title, total)),
            "body_html": "",
            "status": "sent",
            "attempts": 1,
            "sent_at": placed,
        },
    )
    load.add(
        "audit",
        {
            "created_at": joined,
            "store_id": store_id,
            "actor_type": "customer",
            "actor_id": cid,
            "action": "customer.register",
            "object_type": "customers.customer",
            "object_id": str(cid),
            "ip_address": prep(AuditEntry, "ip_address", f"203.0.113.{n % 250 + 1}"),
            "details": {},
        },
    )
    load.add(
        "consent",
        {
            "store_id": store_id,
            "customer_id": cid,
            "visitor_hash": "",
            "purpose": "privacy_policy",
            "granted": True,
            "channel": "registration",
            "evidence": "I have read the privacy policy.",
            "created_at": joined,
        },
    )


def _email_body(name: str, number: int, title: str, total: Decimal) -> str:
    return (
        f"Hello {name},\n\nthank you for your order #{number}.\n\n1 × {title}  {total} EUR\n\n"
        "We will let you know when it ships.\n"
    )


def _email_html(name: str, number: int) -> str:
    """An order email's HTML part, shaped like the real templates (several lines, a table of items)."""
    return (
        '<!doctype html>\n<html><body style="font-family:sans-serif">\n'
        f'<h2 style="margin:0 0 12px;font-size:18px;">Thank you for your order #{number}</h2>\n'
        f"<p>Hello {name}, we have received your payment and are getting your order ready.</p>\n"
        '<table role="presentation" width="100%"><tr><th>Item</th><th>Qty</th><th>Price</th></tr>\n'
        "<tr><td>Bench item</td><td>1</td><td>10.00 EUR</td></tr></table>\n</body></html>\n"
    )


_HASH: list[str] = []


def _password_hash() -> str:
    """One real password hash shared by every bench customer (hashing a million passwords would measure argon2)."""
    if not _HASH:
        from django.contrib.auth.hashers import make_password

        _HASH.append(make_password(PASSWORD))
    return _HASH[0]


def generate_others(*, total: int, store_ids: list[int], skip_fk_checks: bool, log: Callable[[str], None]) -> int:
    """Make others until `total` exist (resuming after the last committed batch); returns how many were made."""
    from django.utils import timezone

    present = others_present(store_ids)
    if present >= total:
        return 0
    stocks = [_stock(s) for s in store_ids]
    prep = Prep()
    now = timezone.now()
    started = time.perf_counter()
    made = 0
    for start in range(present, total, BATCH):
        load = Load(_models()["others"])
        numbers = _order_numbers(store_ids)
        for n in range(start, min(total, start + BATCH)):
            _other_rows(load, n, stocks[n % len(stocks)], numbers, prep, now)
        load.flush(skip_fk_checks=skip_fk_checks)
        _save_order_numbers(numbers)
        made += min(total, start + BATCH) - start
        rate = made / (time.perf_counter() - started)
        log(f"others: {start + min(BATCH, total - start):,}/{total:,} ({rate:,.0f}/s)")
    return made


# --- the subject --------------------------------------------------------------------------------


@dataclass
class Subject:
    customer_id: int
    store_id: int
    email: str
    rows: dict[str, int] = field(default_factory=dict)
    order_ids: list[int] = field(default_factory=list)


def record_counts(records: int) -> dict[str, int]:
    """The subject's other records by kind, adding up to `records` (the cart itself is one of them)."""
    counts = {kind: int(records * share) for kind, share in RECORD_MIX.items()}
    counts["cart_lines"] -= 1  # the cart row
    counts["audit_entries"] += records - 1 - sum(counts.values())
    return counts


def build_subject(
    *, store_ids: list[int], orders: int, records: int, skip_fk_checks: bool, stock: StoreStock | None = None
) -> Subject:
    """One customer of the first bench store with `orders` orders and `records` other records, written at once."""
    from django.utils import timezone

    from shopwright.core.crypto import blind_index
    from shopwright.core.models import AuditEntry, Email
    from shopwright.customers.models import Address, Customer
    from shopwright.orders.models import Order
    from shopwright.privacy.models import ConsentPurpose

    store_id = store_ids[0]
    stock = stock or _stock(store_id)
    counts = record_counts(records)
    if counts["favourites"] > len(stock.product_ids) or counts["cart_lines"] > len(stock.variants):
        raise SystemExit(f"--records {records} needs more products than the store has ({len(stock.product_ids)})")
    prep = Prep()
    load = Load(_models()["subject"])
    numbers = _order_numbers([store_id])
    now = timezone.now()
    tag = secrets.token_hex(4)
    email = f"subject-{tag}@{DOMAIN}"
    index = blind_index(email)
    name = "Henrike Subject-Bench"
    phone = "+49 30 1234567"
    joined = now - timedelta(days=4 * 365)
    cid = load.add(
        "customer",
        {
            "store_id": store_id,
            "email": prep(Customer, "email", email),
            "email_index": index,
            "name": prep(Customer, "name", name),
            "password": _password_hash(),
            "is_active": True,
            "created_at": joined,
            "last_login": now - timedelta(hours=2),
            "real_name": prep(Customer, "real_name", "Henrike Bench"),
            "gender": prep(Customer, "gender", "female"),
            "date_of_birth": prep(Customer, "date_of_birth", "1985-04-12"),
            "place_of_residence": prep(Customer, "place_of_residence", "Berlin"),
            "nickname": prep(Customer, "nickname", "henri"),
        },
    )
    # A person's address book holds the same few places many times over (home, work, parents, ...).
    places = [_address(i, name) for i in range(min(PLACES, counts["addresses"]))]
    addresses = [places[i % len(places)] for i in range(counts["addresses"])]
    for i, address in enumerate(addresses):
        load.add(
            "address",
            {
                "store_id": store_id,
                "customer_id": cid,
                "data": prep(Address, "data", {**address, "phone": phone}),
                "is_default": i == 0,
                "created_at": joined + timedelta(days=i),
                "updated_at": joined + timedelta(days=i),
            },
        )
    order_ids = []
    spread = (now - joined - timedelta(days=3)) / max(1, orders)
    for i in range(orders):
        placed = joined + spread * i
        number = numbers[str(store_id)]
        numbers[str(store_id)] = number + 1
        picked = [stock.variants[(i * 7 + k * 13) % len(stock.variants)] for k in range(2)]
        subtotal = sum((v[4] * (k + 1) for k, v in enumerate(picked)), Decimal(0))
        tax = (subtotal * Decimal("0.19") / Decimal("1.19")).quantize(Decimal("0.01"))
        total = subtotal + Decimal("4.90")
        guest = i % 10 == 9  # placed before signing in: found through the email's blind index
        address = places[i % len(places)]
        oid = load.add(
            "order",
            {
                "store_id": store_id,
                "number": number,
                "token_hash": secrets.token_hex(32),
                "customer_id": None if guest else cid,
                "status": "fulfilled",
                "email": prep(Order, "email", email),
                "email_index": index,
                "phone": prep(Order, "phone", phone),
                "delivery_time": prep(Order, "delivery_time", "after 5 pm" if i % 3 == 0 else ""),
                "shipping_address": prep(Order, "shipping_address", address),
                "billing_address": prep(
                    Order, "billing_address", places[(i + 1) % len(places)] if i % 4 == 0 else None
                ),
                "shipping_country": "DE",
                "currency": "EUR",
                "prices_include_tax": True,
                "subtotal": subtotal,
                "shipping_total": Decimal("4.90"),
                "tax_total": tax,
                "total": total,
                "shipping_method_name": "Standard",
                "weight_grams": sum(v[5] for v in picked),
                "created_at": placed,
                "updated_at": placed + timedelta(days=2),
                "paid_at": placed + timedelta(minutes=1),
                "fulfilled_at": placed + timedelta(days=2),
            },
        )
        order_ids.append(oid)
        line_ids = []
        for k, (vid, title, option, sku, price, weight) in enumerate(picked):
            quantity = k + 1
            line_ids.append(
                load.add(
                    "line",
                    {
                        "store_id": store_id,
                        "order_id": oid,
                        "variant_id": vid,
                        "product_title": title,
                        "variant_title": option,
                        "sku": sku,
                        "unit_price": price,
                        "quantity": quantity,
                        "line_total": price * quantity,
                        "tax_rate": Decimal("19.0000"),
                        "tax_amount": (price * quantity * Decimal("0.19") / Decimal("1.19")).quantize(Decimal("0.01")),
                        "weight_grams": weight * quantity,
                        "quantity_fulfilled": quantity,
                        "stock_taken": quantity,
                    },
                )
            )
        load.add(
            "tax",
            {
                "store_id": store_id,
                "order_id": oid,
                "name": "VAT",
                "area": "DE",
                "rate": Decimal("19.0000"),
                "taxable_amount": subtotal,
                "amount": tax,
            },
        )
        load.add(
            "payment",
            {
                "store_id": store_id,
                "order_id": oid,
                "provider": "test",
                "reference": f"tp_{secrets.token_hex(12)}",
                "idempotency_key": secrets.token_hex(16),
                "amount": total,
                "currency": "EUR",
                "status": "succeeded",
                "card_brand": "visa",
                "card_last4": "4242",
                "created_at": placed,
                "updated_at": placed + timedelta(minutes=1),
            },
        )
        actor = ("anonymous", None) if guest else ("customer", cid)
        for kind, data, after in (
            ("placed", {}, timedelta()),
            ("paid", {"amount": str(total)}, timedelta(minutes=1)),
            ("fulfilled", {"fulfillment": i}, timedelta(days=2)),
        ):
            load.add(
                "event",
                {
                    "store_id": store_id,
                    "order_id": oid,
                    "kind": kind,
                    "actor_type": actor[0] if kind == "placed" else "system",
                    "actor_id": actor[1] if kind == "placed" else None,
                    "data": data,
                    "created_at": placed + after,
                },
            )
        fid = load.add(
            "fulfillment",
            {
                "store_id": store_id,
                "order_id": oid,
                "carrier": "DHL",
                "tracking_number": f"00340434{i:010d}",
                "tracking_url": "",
                "created_at": placed + timedelta(days=2),
            },
        )
        for k, line_id in enumerate(line_ids):
            load.add(
                "fulfillment_line",
                {"store_id": store_id, "fulfillment_id": fid, "order_line_id": line_id, "quantity": k + 1},
            )
    for i, product_id in enumerate(stock.product_ids[: counts["favourites"]]):
        load.add(
            "favourite",
            {"store_id": store_id, "customer_id": cid, "product_id": product_id, "created_at": joined + timedelta(i)},
        )
    purposes = [p for p in ConsentPurpose.values if p != ConsentPurpose.GUARDIAN]
    for i in range(counts["consents"]):
        load.add(
            "consent",
            {
                "store_id": store_id,
                "customer_id": cid,
                "visitor_hash": "",
                "purpose": purposes[i % len(purposes)],
                "granted": (i // len(purposes)) % 2 == 0,
                "channel": "account",
                "evidence": "Send me news and offers by email.",
                "created_at": joined + timedelta(hours=i),
            },
        )
    for i in range(counts["audit_entries"]):
        on_order = i % 2 == 1
        load.add(
            "audit",
            {
                "created_at": joined + timedelta(hours=i),
                "store_id": store_id,
                "actor_type": "customer",
                "actor_id": cid,
                "action": "order.view" if on_order else ("customer.login" if i % 4 == 0 else "customer.update"),
                "object_type": "orders.order" if on_order else "customers.customer",
                "object_id": str(order_ids[i % len(order_ids)] if on_order and order_ids else cid),
                "ip_address": prep(AuditEntry, "ip_address", f"198.51.100.{i % 250 + 1}"),
                "details": {"fields": ["name"]} if i % 4 == 2 else {},
            },
        )
    for i in range(counts["emails"]):
        order_number = numbers[str(store_id)] - orders + (i % max(1, orders))
        load.add(
            "email",
            {
                "created_at": joined + timedelta(hours=i),
                "store_id": store_id,
                "kind": "order_confirmation" if i % 2 == 0 else "order_shipped",
                "to": prep(Email, "to", email),
                "to_index": index,
                "subject": prep(Email, "subject", f"Order #{order_number}"),
                "body_text": prep(Email, "body_text", _email_body(name, order_number, "Bench item", Decimal("10"))),
                "body_html": prep(Email, "body_html", _email_html(name, order_number)),
                "status": "sent",
                "attempts": 1,
                "sent_at": joined + timedelta(hours=i),
            },
        )
    cart_id = load.add(
        "cart", {"store_id": store_id, "customer_id": cid, "token_hash": "", "created_at": now, "updated_at": now}
    )
    for i in range(counts["cart_lines"]):
        load.add(
            "cart_line",
            {
                "store_id": store_id,
                "cart_id": cart_id,
                "variant_id": stock.variants[i][0],
                "quantity": 1 + i % 3,
                "created_at": now,
            },
        )
    for i in range(counts["sharing_records"]):
        load.add(
            "sharing",
            {
                "store_id": store_id,
                "recipient": "DHL" if i % 2 == 0 else "Test provider",
                "purpose": "Delivery of the order" if i % 2 == 0 else "Payment of the order",
                "categories": ["contact", "address"] if i % 2 == 0 else ["contact", "payment_reference"],
                "order_id": order_ids[i % len(order_ids)] if order_ids else None,
                "customer_id": cid,
                "created_at": joined + timedelta(hours=i),
            },
        )
    written = load.flush(skip_fk_checks=skip_fk_checks)
    _save_order_numbers(numbers)
    return Subject(customer_id=cid, store_id=store_id, email=email, rows=written, order_ids=order_ids)


# --- what the engine finds ----------------------------------------------------------------------


def table_counts() -> dict[str, int]:
    """Rows in the platform's big tables (the size the subject's cost must not follow)."""
    from django.db import connection

    tables = [
        "customers_customer",
        "customers_address",
        "orders_order",
        "orders_orderline",
        "payments_payment",
        "orders_orderevent",
        "core_email",
        "core_auditentry",
        "privacy_consentrecord",
    ]
    from shopwright.core.tenancy import cross_store_access

    out = {}
    with cross_store_access("bench: the size of the platform"), connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # names from the list above
            out[table] = int(cursor.fetchone()[0])
    return out


def subject_counts(subject: Subject) -> dict[str, int]:
    """The subject's rows as the bench wrote them, read back from the database (before and after erasure)."""
    from django.db.models import Q

    from shopwright.cart.models import Cart, CartLine
    from shopwright.core.crypto import blind_index
    from shopwright.core.models import AuditEntry, Email
    from shopwright.core.tenancy import cross_store_access
    from shopwright.customers.models import Address, Customer
    from shopwright.orders.models import Order
    from shopwright.privacy.models import ConsentRecord, SharingRecord
    from shopwright.storefront.models import Favourite

    s, c, index = subject.store_id, subject.customer_id, blind_index(subject.email)
    orders = Order.objects.filter(store_id=s, pk__in=subject.order_ids)
    with cross_store_access("bench: counting one subject's rows"):
        return {
            "customer": Customer.objects.filter(store_id=s, pk=c).count(),
            "orders": orders.count(),
            "orders found by the email index": Order.objects.filter(store_id=s, email_index=index).count(),
            "orders kept, buyer erased": orders.filter(subject_erased_at__isnull=False).count(),
            "addresses": Address.objects.filter(store_id=s, customer_id=c).count(),
            "favourites": Favourite.objects.filter(store_id=s, customer_id=c).count(),
            "consents": ConsentRecord.objects.filter(customer_id=c).count(),
            "audit entries (actor or object)": AuditEntry.objects.filter(
                Q(actor_type="customer", actor_id=c) | Q(object_type="customers.customer", object_id=str(c))
            ).count(),
            "emails (by to_index)": Email.objects.filter(to_index=index).count(),
            "cart lines": CartLine.objects.filter(store_id=s, cart__customer_id=c).count()
            + Cart.objects.filter(store_id=s, customer_id=c).count(),
            "sharing records": SharingRecord.objects.filter(store_id=s, customer_id=c).count(),
        }


def _customer(subject: Subject) -> Any:
    from shopwright.customers.models import Customer

    return Customer.objects.get(store_id=subject.store_id, pk=subject.customer_id)


# --- timing -------------------------------------------------------------------------------------


def _proc_cpu(pid: int) -> float:
    """User + system CPU seconds of a process so far, from /proc/<pid>/stat (0 where there is no /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Clock:
    """Wall seconds, and CPU seconds of this process and of its PostgreSQL backend, across one operation.

    On a busy 2-core machine (other processes running) the wall clock
    stretches; the CPU seconds of the two processes that do the work do not,
    and their sum is close to what the wall clock shows on an idle machine
    (the work is one thread waiting on one backend, never both at once).
    """

    def __init__(self) -> None:
        from django.db import connection

        self.backend = 0  # SQLite (the tests): no server process
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.backend = int(cursor.fetchone()[0])
        self.wall: dict[str, list[float]] = {}
        self.cpu: dict[str, list[float]] = {}

    def now(self) -> tuple[float, float]:
        return time.perf_counter(), time.process_time() + (_proc_cpu(self.backend) if self.backend else 0.0)

    def since(self, label: str, start: tuple[float, float]) -> float:
        wall, cpu = self.now()
        self.wall.setdefault(label, []).append(wall - start[0])
        self.cpu.setdefault(label, []).append(cpu - start[1])
        return wall - start[0]

    def measure(self, label: str, fn: Callable[[], Any]) -> tuple[float, Any]:
        start = self.now()
        result = fn()
        return self.since(label, start), result


def _data_request(subject: Subject, kind: str) -> Any:
    from django.utils import timezone

    from shopwright.core.crypto import blind_index
    from shopwright.privacy.models import DataRequest

    now = timezone.now()
    return DataRequest.objects.create(
        store_id=subject.store_id,
        kind=kind,
        status="in_progress",
        channel="account",
        customer_id=subject.customer_id,
        subject_email=subject.email,
        subject_email_index=blind_index(subject.email),
        verified_at=now,
        due_at=now + timedelta(days=15),
    )


ACCESS = "access view (exports.subject_data)"
EXPORT = "export (exports.export_build)"
START = "  erasure_start (lock, identifiers)"
ERASE = "  erasure_run without its residue scan"
DELETION = "deletion (the two above)"
RESIDUE = "residue scan (ends erasure_run)"
TOTAL = "deletion with the residue scan"
BUILD = "subject built (not a figure)"
LABELS = [ACCESS, EXPORT, DELETION, START, ERASE, RESIDUE, TOTAL, BUILD]


@dataclass
class Results:
    command: str
    others: int
    table_rows: dict[str, int]
    subject_rows: dict[str, int] = field(default_factory=dict)
    wall: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, list[float]] = field(default_factory=dict)
    export_bytes: int = 0
    after_deletion: dict[str, int] = field(default_factory=dict)
    erasure_steps: dict[str, int] = field(default_factory=dict)
    residue_report: Any = None
    residue_estimate: dict[str, Any] = field(default_factory=dict)
    load_average: list[float] = field(default_factory=list)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL, help="a PostgreSQL database (made if missing)")
    parser.add_argument("--others", type=int, default=100_000, help="other customers (before --scale)")
    parser.add_argument("--scale", type=int, default=1, help="multiplies --others (10: the tenfold run)")
    parser.add_argument("--stores", type=int, default=5, help="stores the others are spread over (the first: S)")
    parser.add_argument("--orders", type=int, default=1000, help="the subject's orders")
    parser.add_argument("--records", type=int, default=10_000, help="the subject's other records")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of export and of deletion")
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the database first")
    parser.add_argument("--reuse", action="store_true", help="never generate others: the database must hold them")
    parser.add_argument("--generate-only", action="store_true", help="make the stores and others, then stop")
    parser.add_argument("--profile", action="store_true", help="also profile one export and one deletion")
    parser.add_argument(
        "--residue",
        choices=["once", "full", "estimate", "skip"],
        default="once",
        help="the residue scan erasure_run ends with: whole after the first deletion only (once), after each"
        " (full), never (skip), or never and a timed sample scaled up (estimate: rough, ~3x high at 1M others)",
    )
    parser.add_argument("--var-dir", default=str(ROOT / "var" / "bench-privacy"), help="SHOPWRIGHT_VAR_DIR")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url must be a PostgreSQL URL (the figures are PostgreSQL's)")
    if min(args.others, args.scale, args.stores, args.orders, args.repeat) < 1 or args.records < 100:
        parser.error("--others, --scale, --stores, --orders and --repeat must be at least 1, --records at least 100")
    if args.fresh and args.reuse:
        parser.error("--fresh and --reuse exclude each other")
    return args


def prepare_platform(args: argparse.Namespace, log: Callable[[str], None]) -> list[int]:
    """Stores with catalogs and the others (resumed where an earlier run stopped); returns the store ids."""
    from django.db import connection

    store_ids = _bench_store_ids()
    total = args.others * args.scale
    if args.reuse:
        present = others_present(store_ids)
        if len(store_ids) != args.stores or present < total:
            raise SystemExit(
                f"--reuse: the database holds {len(store_ids)} bench stores and {present:,} others, "
                f"not {args.stores} and {total:,}"
            )
        return store_ids
    if not store_ids:
        log(f"catalog: {args.stores} stores of {PRODUCTS_PER_STORE} products")
        make_data.generate(stores=args.stores, products=PRODUCTS_PER_STORE, prefix=PREFIX, picture_size=200)
        store_ids = _bench_store_ids()
    elif len(store_ids) != args.stores:
        raise SystemExit(f"the database has {len(store_ids)} bench stores, not --stores {args.stores}: use --fresh")
    made = generate_others(total=total, store_ids=store_ids, skip_fk_checks=make_data._is_superuser(), log=log)
    if made:
        log("ANALYZE")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return store_ids


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def log(message: str) -> None:
        print(f"# {message}", file=sys.stderr, flush=True)

    ensure_database(args.database_url, fresh=args.fresh)
    setup_django(args.database_url, args.var_dir)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    started = time.perf_counter()
    store_ids = prepare_platform(args, log)
    log(f"platform ready in {time.perf_counter() - started:.1f} s")
    if args.generate_only:
        print(json.dumps(table_counts(), indent=1))
        return 0
    results = run(args, store_ids, log)
    report(results)
    if args.json:
        Path(args.json).write_text(json.dumps(asdict(results), indent=1))
    return 0


def _engine() -> Any:
    """Area A's modules (privacy.subjects, exports, erasure, residue), or a clear stop when they are not there yet."""
    try:
        from shopwright.privacy import erasure, exports, residue, subjects

        for module, names in (
            (subjects, ["DataSubject"]),
            (exports, ["export_build", "export_delete", "subject_data"]),
            (erasure, ["erasure_start", "erasure_run"]),
            (residue, ["residue_scan"]),
        ):
            missing = [n for n in names if not hasattr(module, n)]
            if missing:
                raise ImportError(f"{module.__name__} has no {', '.join(missing)}")
    except ImportError as exc:
        raise SystemExit(f"the privacy engine is not there yet ({exc}): nothing to time") from exc
    return argparse.Namespace(subjects=subjects, exports=exports, erasure=erasure, residue=residue)


def run(args: argparse.Namespace, store_ids: list[int], log: Callable[[str], None]) -> Results:
    """Time export (repeated on one subject) and deletion (each repetition on a new subject)."""
    from django.db import connection

    engine = _engine()
    stock = _stock(store_ids[0])
    skip = connection.vendor == "postgresql" and make_data._is_superuser()
    clock = Clock()
    results = Results(
        command=reproduce_command(args),
        others=others_present(store_ids),
        table_rows=table_counts(),
        wall=clock.wall,
        cpu=clock.cpu,
    )

    def new_subject() -> Subject:
        seconds, subject = clock.measure(
            BUILD,
            lambda: build_subject(
                store_ids=store_ids, orders=args.orders, records=args.records, skip_fk_checks=skip, stock=stock
            ),
        )
        log(f"subject built in {seconds:.2f} s ({sum(subject.rows.values()):,} rows)")
        return subject

    subject = new_subject()
    results.subject_rows = subject_counts(subject)
    data_subject = engine.subjects.DataSubject.for_customer(_customer(subject))
    for _ in range(args.repeat):
        clock.measure(ACCESS, lambda: engine.exports.subject_data(data_subject))
    for i in range(args.repeat):
        request = _data_request(subject, "export")
        seconds, archive = clock.measure(EXPORT, lambda: engine.exports.export_build(request=request))  # noqa: B023
        results.export_bytes = archive.size
        log(f"export {i + 1}: {seconds:.3f} s, {archive.size:,} bytes")
        engine.exports.export_delete(archive=archive)  # the file goes (downloaded or expired, as it would)
    if args.profile:
        request = _data_request(subject, "export")
        archive = profile("export_build", lambda: engine.exports.export_build(request=request))
        engine.exports.export_delete(archive=archive)
    identifiers: list[Any] = []
    for i in range(args.repeat):
        if i:
            subject = new_subject()
        # --residue once: the whole scan after the first deletion only (minutes on a large platform).
        residue = "full" if args.residue == "full" or (args.residue == "once" and i == 0) else args.residue
        request = _erase(
            engine, _data_request(subject, "deletion"), clock, residue=residue, identifiers_seen=identifiers
        )
        if residue == "full" or not results.residue_report:
            results.residue_report = request.residue_report  # the report of a scan that ran, if one did
        results.erasure_steps = (request.erasure_progress or {}).get("steps", {})
        scan = f"residue scan {clock.wall[RESIDUE][-1]:.3f} s" if residue == "full" else "no residue scan"
        log(f"deletion {i + 1}: {clock.wall[DELETION][-1]:.3f} s; {scan}")
    results.after_deletion = subject_counts(subject)
    if args.residue == "estimate" and identifiers:
        results.residue_estimate = residue_estimate(engine, identifiers[-1], log)
    results.load_average = list(os.getloadavg())
    if args.profile:
        subject = new_subject()
        request = _data_request(subject, "deletion")
        profile(
            f"deletion (erasure_start, erasure_run; residue scan: {args.residue})",
            lambda: _erase(engine, request, None, residue=args.residue),
        )
    return results


def profile(label: str, fn: Callable[[], Any], *, top: int = 12) -> Any:
    """Run `fn` once under cProfile with the SQL captured; print where its time went."""
    import cProfile
    import io
    import pstats

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    profiler = cProfile.Profile()
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        result = profiler.runcall(fn)
        seconds = time.perf_counter() - started
    queries = captured.captured_queries
    sql_seconds = sum(float(q["time"]) for q in queries)
    print(f"\n## profile: {label}: {seconds:.3f} s wall, {len(queries)} statements, {sql_seconds:.3f} s in SQL")
    for q in sorted(queries, key=lambda q: -float(q["time"]))[:top]:
        print(f"  {float(q['time']) * 1000:8.1f} ms  {q['sql'][:150]}")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top * 2)
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:6000])
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:4000])
    return result


def _erase(
    engine: Any, request: Any, clock: Clock | None, *, residue: str = "full", identifiers_seen: list[Any] | None = None
) -> Any:
    """A merchant's "Run deletion": erasure_start (lock, identifiers), then the job, erasure_run, timed in parts.

    The job is run here rather than from erasure_start's on-commit hook, so
    the two are timed apart; the residue scan erasure_run ends with is timed
    on its own (wrapped where erasure_run looks it up).
    """
    from django.db import transaction

    from shopwright.core.audit import Actor
    from shopwright.privacy import engine_tasks

    clock = clock or Clock()
    identifiers_seen = identifiers_seen if identifiers_seen is not None else []
    real_scan, real_task = engine.residue.residue_scan, engine_tasks.erasure_run_task

    def timed_scan(identifiers: Any) -> Any:
        identifiers_seen.append(identifiers)
        if residue != "full":  # not run (see residue_estimate); no figure recorded
            return {"clean": None, "skipped": "bench/privacy.py --residue " + residue}
        return clock.measure(RESIDUE, lambda: real_scan(identifiers))[1]

    def start() -> None:
        with transaction.atomic():
            engine.erasure.erasure_start(request=request, actor=Actor.system())

    engine.residue.residue_scan = timed_scan
    engine_tasks.erasure_run_task = lambda request_id: None
    try:
        clock.measure(START, start)
        scans = len(clock.wall.get(RESIDUE, []))
        began = clock.now()
        done = engine.erasure.erasure_run(request_id=request.pk)
        clock.since(TOTAL, began)
    finally:
        engine.residue.residue_scan, engine_tasks.erasure_run_task = real_scan, real_task
    scanned = len(clock.wall.get(RESIDUE, [])) > scans
    for kind in (clock.wall, clock.cpu):
        run = kind[TOTAL].pop()
        kind.setdefault(ERASE, []).append(run - (kind[RESIDUE][-1] if scanned else 0.0))
        kind.setdefault(DELETION, []).append(kind[START][-1] + kind[ERASE][-1])
        if scanned:
            kind[TOTAL].append(kind[START][-1] + run)
    return done


def residue_estimate(engine: Any, identifiers: dict[str, Any], log: Callable[[str], None]) -> dict[str, Any]:
    """What the full residue scan would take here, from a timed sample of it (it is far too slow to run whole).

    The scan reads every text column of every table once per identifier
    (LIKE '%value%'). Timed: customers_customer with the first SAMPLE
    identifiers; scaled by (rows x text columns) of every table and by the
    number of identifiers. A rough figure (the LIKE's cost follows the
    length of each value), meant to show the order of magnitude.
    """
    from django.db import connection

    from shopwright.core.tenancy import cross_store_access

    scan = engine.residue
    needles = [t for t in identifiers.get("texts", []) if scan._usable(t)] + list(identifiers.get("indexes", []))
    needles += list(identifiers.get("files", []))
    sample_table, sample = "customers_customer", needles[:SAMPLE]
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reltuples::bigint FROM pg_class WHERE relkind = 'r'")
        estimated_rows = {name: max(0, int(rows)) for name, rows in cursor.fetchall()}
        tables = connection.introspection.table_names(cursor, include_views=False)
    # The scan leaves out the columns of encrypted fields (since 20ae811); earlier versions read them too.
    ciphertext = scan._ciphertext_columns() if hasattr(scan, "_ciphertext_columns") else None

    def text_columns(table: str) -> list[str]:
        if ciphertext is None:
            return list(scan._text_columns(table))
        return list(scan._text_columns(table, ciphertext.get(table, set())))

    cells = {t: estimated_rows.get(t, 0) * len(text_columns(t)) for t in tables}
    real = connection.introspection.table_names
    connection.introspection.table_names = lambda cursor=None, include_views=False: [sample_table]
    try:
        with cross_store_access("bench: a sample of the residue scan"):
            started = time.perf_counter()
            scan._scan_tables(sample, [])
            seconds = time.perf_counter() - started
    finally:
        connection.introspection.table_names = real
    per_cell_needle = seconds / max(1, cells[sample_table] * len(sample))
    total = per_cell_needle * sum(cells.values()) * len(needles)
    log(f"residue scan sample: {sample_table} with {len(sample)} identifiers in {seconds:.1f} s")
    return {
        "identifiers": len(needles),
        "sample_table": sample_table,
        "sample_identifiers": len(sample),
        "sample_seconds": round(seconds, 2),
        "text_cells": sum(cells.values()),
        "estimated_seconds": round(total),
    }


def _summary(values: list[float]) -> str:
    if not values:
        return "not run"
    each = " ".join(f"{v:.2f}" for v in values)
    return f"median {statistics.median(values):7.3f}  min {min(values):7.3f}  max {max(values):7.3f}  ({each})"


def report(results: Results) -> None:
    print(f"# others: {results.others:,} customers; platform tables: " + json.dumps(results.table_rows))
    print("# the subject's rows: " + json.dumps(results.subject_rows))
    print(f"# seconds, wall clock (load average at the end: {' '.join(f'{x:.1f}' for x in results.load_average)})")
    for label in LABELS:
        print(f"{label:<42} {_summary(results.wall.get(label, []))}")
    print("# CPU seconds of this process + its PostgreSQL backend (what an idle machine's wall clock would show)")
    for label in LABELS:
        print(f"{label:<42} {_summary(results.cpu.get(label, []))}")
    print(f"# export ZIP: {results.export_bytes:,} bytes")
    report = results.residue_report or {}
    print(f"# residue report: clean={report.get('clean')} scanned={json.dumps(report.get('scanned'))}")
    if results.residue_estimate:
        e = results.residue_estimate
        print(
            f"# residue scan NOT run whole (--residue estimate): {e['identifiers']:,} identifiers x"
            f" {e['text_cells']:,} text cells; a sample ({e['sample_table']}, {e['sample_identifiers']} identifiers)"
            f" took {e['sample_seconds']} s, so the whole scan would take about {e['estimated_seconds']:,} s"
        )
    print(f"# erasure steps (rows): {json.dumps(results.erasure_steps)}")
    print("# after deletion: " + json.dumps(results.after_deletion))
    print(f"# reproduce: {results.command}")


if __name__ == "__main__":
    sys.exit(main())
