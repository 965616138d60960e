"""Fill a database with benchmark stores and catalogs, fast.

    .venv/bin/python bench/make_data.py --database-url postgres://postgres@127.0.0.1:5432/bench_large \\
        --fresh --stores 1000 --products 1000
    .venv/bin/python bench/make_data.py --database-url postgres://postgres@127.0.0.1:5432/bench_small \\
        --fresh --stores 1 --products 60

The catalog services validate and audit one product at a time (a few
milliseconds each): right for merchants, far too slow for a million rows. This
script writes the same rows directly, with COPY on PostgreSQL (executemany on
SQLite), in large batches: every column a service would fill is filled the
same way (price_min/max from the variants, `|tag|` tags_text, the search
document, published_at for published products), and a test
(tests/bench/test_make_data.py) compares a generated product with the one
`product_create` makes from the same input. Images are real renditions, made
once and shared by every product (rendering a million pictures would measure
Pillow, not the storefront). On SQLite the FTS5 triggers index the rows as
they are inserted; on PostgreSQL the search indexes are plain column indexes.

With --fresh the database is dropped, created and migrated first. On
PostgreSQL the catalog's secondary indexes are dropped during the load and
built again at the end (much faster than maintaining them row by row).

It also writes a manifest (JSON) of a few stores' pages for
bench/storefront.py: hosts, collection and product handles, variant ids and
search words.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import random
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

ADJECTIVES = (
    "Harbour Lantern Meadow Driftwood Ember Willow Northwind Cedar Fjord Orchard Saffron Juniper Cobalt Tidal "
    "Granite Amber Linden Prairie Coastal Alpine Canyon Marble Velvet Copper Misty Sunlit Heather Birch Quarry Dune"
).split()
MATERIALS = (
    "Linen Wool Cotton Merino Canvas Leather Cashmere Denim Ceramic Stoneware Walnut Oak Bamboo Brass Glass "
    "Hemp Silk Felt Jute Cork"
).split()
NOUNS = {
    "Shirts": ["Shirt", "Overshirt", "Tee", "Polo", "Henley"],
    "Knitwear": ["Sweater", "Cardigan", "Beanie", "Scarf"],
    "Bags": ["Tote", "Backpack", "Pouch", "Weekender"],
    "Kitchen": ["Mug", "Bowl", "Plate", "Teapot", "Carafe"],
    "Home": ["Throw", "Cushion", "Candle", "Vase", "Planter", "Lamp", "Basket"],
}
TAGS = "new sale gift organic handmade limited classic summer winter bestseller eco travel".split()
VENDORS = [f"{a} Works" for a in ADJECTIVES[:6]] + [f"{a} & Co." for a in ADJECTIVES[6:12]]
SIZES = ["S", "M", "L"]
PER_PAGE = 24
# Products in each store's hand-picked collection (two pages of it).
FEATURED_SIZE = 48


def _setup_django(database_url: str, var_dir: str | None) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopwright.settings")
    if var_dir:
        os.environ["SHOPWRIGHT_VAR_DIR"] = var_dir
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- what one product is, independent of the database ------------------------------------


@dataclass
class VariantRow:
    sku: str
    option_values: list[str]
    price: Decimal
    compare_at_price: Decimal | None
    stock_quantity: int
    weight_grams: int


@dataclass
class ProductSpec:
    """One benchmark product, as a merchant would have typed it."""

    title: str
    handle: str
    description_html: str
    vendor: str
    product_type: str
    tags: list[str]
    status: str
    option_name: str
    variants: list[VariantRow] = field(default_factory=list)
    sales_count: int = 0
    age_days: float = 0.0


def product_spec(store_number: int, index: int) -> ProductSpec:
    """The `index`-th product of a store: deterministic, distinct titles within the store."""
    from django.utils.text import slugify

    rng = random.Random(store_number * 1_000_003 + index)
    kinds = list(NOUNS)
    combos = len(ADJECTIVES) * len(MATERIALS) * sum(len(v) for v in NOUNS.values())
    # A step coprime with the number of combinations visits each once, so titles never repeat in a store.
    n = (index * 7919 + store_number * 104_729) % combos
    adjective = ADJECTIVES[n % len(ADJECTIVES)]
    n //= len(ADJECTIVES)
    material = MATERIALS[n % len(MATERIALS)]
    n //= len(MATERIALS)
    nouns = [(kind, noun) for kind in kinds for noun in NOUNS[kind]]
    product_type, noun = nouns[n % len(nouns)]
    title = f"{adjective} {material} {noun}"
    roll = rng.random()
    status = "published" if roll < 0.95 else "draft" if roll < 0.98 else "archived"
    tags = sorted(rng.sample(TAGS, rng.randint(1, 3)))
    base = Decimal(rng.randint(5, 180)) + Decimal("0.99" if rng.random() < 0.6 else "0.00")
    on_sale = "sale" in tags
    count = rng.choice((2, 2, 3, 3, 3))
    variants = []
    for v, size in enumerate(SIZES[:count]):
        price = base + v * 2
        variants.append(
            VariantRow(
                sku=f"B{store_number}-{index}-{size}",
                option_values=[size],
                price=price,
                compare_at_price=(price * Decimal("1.3")).quantize(Decimal("0.01")) if on_sale else None,
                # Plenty of stock, so the add-to-cart benchmark is not refused halfway; a few sold out.
                stock_quantity=0 if rng.random() < 0.03 else rng.randint(200, 5000),
                weight_grams=rng.randint(50, 2000),
            )
        )
    return ProductSpec(
        title=title,
        handle=slugify(title),
        # Escaped as the services' sanitiser would store it ("&" as "&amp;").
        description_html=html.escape(
            f"The {title.lower()} is made by {VENDORS[index % len(VENDORS)]} from {material.lower()}. "
            f"A {adjective.lower()} take on the everyday {noun.lower()}, built to last for years.",
            quote=False,
        ).join(("<p>", "</p>")),
        vendor=VENDORS[(index + store_number) % len(VENDORS)],
        product_type=product_type,
        tags=tags,
        status=status,
        option_name="Size",
        variants=variants,
        sales_count=rng.randint(0, 500),
        age_days=rng.uniform(0, 365),
    )


def product_input(spec: ProductSpec) -> Any:
    """The same product as a `catalog.inputs.ProductInput` (for the test against the services)."""
    from shopwright.catalog.inputs import OptionInput, ProductInput, VariantInput

    return ProductInput(
        title=spec.title,
        handle=spec.handle,
        description_html=spec.description_html,
        vendor=spec.vendor,
        product_type=spec.product_type,
        tags=spec.tags,
        status=spec.status,
        options=[OptionInput(name=spec.option_name, values=[v.option_values[0] for v in spec.variants])],
        variants=[
            VariantInput(
                option_values=v.option_values,
                sku=v.sku,
                price=v.price,
                compare_at_price=v.compare_at_price,
                weight_grams=v.weight_grams,
                stock_quantity=v.stock_quantity,
            )
            for v in spec.variants
        ],
    )


def search_document(spec: ProductSpec) -> str:
    """What `catalog.services` writes: title, vendor, type, tags, SKUs, option values, description text."""
    from shopwright.catalog.sanitise import html_to_text

    parts = [
        spec.title,
        spec.vendor,
        spec.product_type,
        " ".join(spec.tags),
        " ".join(v.sku for v in spec.variants),
        " ".join(v.option_values[0] for v in spec.variants),
        html_to_text(spec.description_html),
    ]
    return "\n".join(p for p in parts if p)


# --- writing rows ---------------------------------------------------------------------------


class RowWriter:
    """Inserts rows given as {attname: value}: COPY on PostgreSQL, executemany elsewhere.

    Columns come from the model, so a column added later is filled with its
    default instead of breaking the load.
    """

    def __init__(self, model: Any) -> None:
        from django.db import connection, models

        self.connection = connection
        self.model = model
        fields = [f for f in model._meta.concrete_fields if not getattr(f, "generated", False)]
        self.columns = [f.column for f in fields]
        self.postgres = connection.vendor == "postgresql"
        # (attname, default, converter) per column, worked out once: this runs millions of times.
        self.plan: list[tuple[str, Any, Any]] = []
        for f in fields:
            convert: Any = None
            if isinstance(f, models.JSONField):
                convert = json.dumps
            elif not self.postgres and isinstance(f, models.DateTimeField):
                convert = connection.ops.adapt_datetimefield_value
            elif not self.postgres and isinstance(f, models.DecimalField):
                convert = str
            self.plan.append((f.attname, f.get_default(), convert))

    def _values(self, row: dict[str, Any]) -> list[Any]:
        out = []
        for attname, default, convert in self.plan:
            value = row.get(attname, default)
            out.append(convert(value) if convert is not None and value is not None else value)
        return out

    def write(self, rows: Iterable[dict[str, Any]]) -> int:
        table = self.connection.ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(self.connection.ops.quote_name(c) for c in self.columns)
        values = (self._values(row) for row in rows)
        count = 0
        with self.connection.cursor() as cursor:
            if self.postgres:
                raw = cursor.cursor  # the psycopg cursor under Django's wrapper
                with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in values:
                        copy.write_row(row)
                        count += 1
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                batch = list(values)
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", batch)
                count = len(batch)
        return count


class Ids:
    """Primary keys handed out in advance, so child rows can name their parents without RETURNING."""

    def __init__(self, model: Any) -> None:
        from django.db import connection

        from shopwright.core.tenancy import cross_store_access

        table = connection.ops.quote_name(model._meta.db_table)
        with cross_store_access("bench data: the next free id of the whole table"), connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # a model's own table name
            self.next = int(cursor.fetchone()[0]) + 1
        self.model = model

    def take(self) -> int:
        value = self.next
        self.next += 1
        return value

    def sync_sequence(self) -> None:
        """Move PostgreSQL's identity sequence past the ids used, so the services' inserts do not collide."""
        from django.db import connection

        if connection.vendor != "postgresql":
            return  # SQLite's AUTOINCREMENT-less rowid follows MAX(id) by itself
        table = self.model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)", [table, self.next])


# --- the load ---------------------------------------------------------------------------------


@dataclass
class Shared:
    owner_id: int
    renditions: list[tuple[dict[str, dict[str, str]], int, int]]


def _shared_pictures(store_id: int, size: int) -> list[tuple[dict[str, dict[str, str]], int, int]]:
    """A few real rendition sets, made once with the services' own code, shared by every product."""
    import io

    from PIL import Image

    from shopwright.catalog.demo_images import SHAPES, product_picture
    from shopwright.catalog.images import renditions_save

    out = []
    for i, kind in enumerate(list(SHAPES)[:6]):
        colour = ["Navy", "Rust", "Sage", "Mustard", "Ocean", "Plum"][i]
        png = product_picture(kind=kind, colour=colour, size=size)
        made = renditions_save(Image.open(io.BytesIO(png)), store_id=store_id)
        out.append((made.files, made.width, made.height))
    return out


def _stores(count: int, prefix: str, owner_id: int) -> list[int]:
    from django.utils import timezone

    from shopwright.stores.models import Membership, Role, Store

    now = timezone.now()
    stores = Store.objects.bulk_create(
        Store(
            handle=f"{prefix}-{n:04d}",
            name=f"Bench Store {n}",
            owner_id=owner_id,
            status=Store.Status.LIVE,
            country="GB",
            currency="USD",
            went_live_at=now,
        )
        for n in range(1, count + 1)
    )
    Membership.objects.bulk_create(Membership(store=s, user_id=owner_id, role=Role.OWNER) for s in stores)
    return [s.pk for s in stores]


def _catalog_rows(
    store_number: int,
    store_id: int,
    products: int,
    ids: dict[str, Ids],
    shared: Shared,
    now: datetime,
    rows: dict[str, list[dict[str, Any]]],
) -> list[tuple[int, ProductSpec, list[int]]]:
    """Append one store's rows to `rows`; returns (product id, spec, variant ids) of its products."""
    made = []
    for index in range(products):
        spec = product_spec(store_number, index)
        pid = ids["product"].take()
        created = now - timedelta(days=spec.age_days)
        prices = [v.price for v in spec.variants]
        rows["product"].append(
            {
                "id": pid,
                "store_id": store_id,
                "handle": spec.handle,
                "title": spec.title,
                "description_html": spec.description_html,
                "vendor": spec.vendor,
                "product_type": spec.product_type,
                "tags_text": f"|{'|'.join(spec.tags)}|",
                "status": spec.status,
                "seo_title": "",
                "seo_description": "",
                "created_at": created,
                "updated_at": created,
                "published_at": created if spec.status == "published" else None,
                "price_min": min(prices),
                "price_max": max(prices),
                "sales_count": spec.sales_count,
                "search_document": search_document(spec),
            }
        )
        rows["option"].append(
            {
                "id": ids["option"].take(),
                "store_id": store_id,
                "product_id": pid,
                "position": 0,
                "name": spec.option_name,
                "values": [v.option_values[0] for v in spec.variants],
            }
        )
        files, width, height = shared.renditions[(store_number + index) % len(shared.renditions)]
        rows["image"].append(
            {
                "id": ids["image"].take(),
                "store_id": store_id,
                "product_id": pid,
                "position": 0,
                "alt": spec.title,
                "renditions": files,
                "width": width,
                "height": height,
                "created_at": created,
            }
        )
        variant_ids = []
        for position, v in enumerate(spec.variants):
            vid = ids["variant"].take()
            variant_ids.append(vid)
            rows["variant"].append(
                {
                    "id": vid,
                    "store_id": store_id,
                    "product_id": pid,
                    "position": position,
                    "sku": v.sku,
                    "option1": v.option_values[0],
                    "option2": "",
                    "option3": "",
                    "price": v.price,
                    "compare_at_price": v.compare_at_price,
                    "weight_grams": v.weight_grams,
                    "stock_quantity": v.stock_quantity,
                    "track_stock": True,
                    "continue_selling": False,
                    "image_id": None,
                }
            )
        made.append((pid, spec, variant_ids))

    published = [(pid, spec) for pid, spec, _ in made if spec.status == "published"]
    collections = [
        ("featured", "Featured", "manual", [], True, "featured"),
        (
            "new-arrivals",
            "New arrivals",
            "automatic",
            [{"field": "tag", "op": "equals", "value": "new"}],
            False,
            "newest",
        ),
        ("under-50", "Under $50", "automatic", [{"field": "price", "op": "lt", "value": "50"}], False, "price-asc"),
    ]
    for position, (handle, title, kind, rules, featured, sort) in enumerate(collections):
        cid = ids["collection"].take()
        rows["collection"].append(
            {
                "id": cid,
                "store_id": store_id,
                "handle": handle,
                "title": title,
                "description_html": f"<p>{title} from this store.</p>",
                "kind": kind,
                "rules": rules,
                "match_all": True,
                "default_sort": sort,
                "is_published": True,
                "is_featured": featured,
                "position": position,
                "seo_title": "",
                "seo_description": "",
                "created_at": now,
                "updated_at": now,
            }
        )
        if kind == "manual":
            for order, (pid, _spec) in enumerate(published[:FEATURED_SIZE]):
                rows["entry"].append(
                    {
                        "id": ids["entry"].take(),
                        "store_id": store_id,
                        "collection_id": cid,
                        "product_id": pid,
                        "position": order,
                    }
                )
    return made


# PostgreSQL indexes kept during the load: primary keys and unique constraints (the
# load relies on them being right); the rest are built again after it.
_CATALOG_TABLES = (
    "catalog_product",
    "catalog_productoption",
    "catalog_productimage",
    "catalog_variant",
    "catalog_collection",
    "catalog_collectionproduct",
)


def _drop_secondary_indexes() -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.tablename = ANY(%s) AND i.schemaname = current_schema()
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            """,
            [list(_CATALOG_TABLES)],
        )
        found = cursor.fetchall()
        for name, _definition in found:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    return [definition for _name, definition in found]


def _is_superuser() -> bool:
    """Whether the connection may skip trigger checks (session_replication_role)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
    return bool(row and row[0])


def _skip_triggers(skip: bool) -> None:
    """Skip (or run again) triggers for the rest of the transaction: PostgreSQL's foreign-key checks are triggers.

    Safe for the rows this script makes (their references are right by
    construction). Never for catalog_product: its trigger fills the search
    columns (catalog migration 0002_search).
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL session_replication_role = {'replica' if skip else 'origin'}")


def _create_indexes(definitions: Sequence[str]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        # Inside an outer transaction (the tests), deferred foreign-key checks must run before an index is built.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for definition in definitions:
            cursor.execute(definition)
        cursor.execute("ANALYZE")


def _fresh_database(database_url: str) -> None:
    """Drop and create the target PostgreSQL database (or remove the SQLite file)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(database_url)
    if parts.scheme.startswith("sqlite"):
        path = Path(parts.path[1:] if parts.path.startswith("//") else parts.path)
        path.unlink(missing_ok=True)
        return
    import psycopg

    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _batches(items: Sequence[tuple[int, int]], size: int) -> Iterator[Sequence[tuple[int, int]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class Summary:
    stores: int = 0
    products: int = 0
    variants: int = 0
    seconds: float = 0.0
    manifest: dict[str, Any] = field(default_factory=dict)


def generate(
    *,
    stores: int,
    products: int,
    prefix: str = "bench",
    manifest_stores: int = 1,
    sample: int = 60,
    picture_size: int = 960,
    bulk: bool | None = None,
) -> Summary:
    """Create `stores` live stores of `products` products each; returns counts and the manifest.

    `bulk` (default: above 50,000 products) drops the catalog's secondary
    indexes for the load and skips foreign-key triggers, on PostgreSQL only.
    """
    from django.db import connection, transaction
    from django.utils import timezone

    from shopwright.catalog import models as catalog
    from shopwright.stores.models import Store, User

    started = time.perf_counter()
    if Store.objects.filter(handle__startswith=f"{prefix}-").exists():
        raise SystemExit(f"stores named {prefix}-… already exist: use --fresh (or another --prefix)")
    owner = User.objects.create_user(f"owner@{prefix}.example", password=None, full_name="Bench Owner")
    store_ids = _stores(stores, prefix, owner.pk)
    shared = Shared(owner_id=owner.pk, renditions=_shared_pictures(store_ids[0], picture_size))
    writers = {
        "product": RowWriter(catalog.Product),
        "option": RowWriter(catalog.ProductOption),
        "variant": RowWriter(catalog.Variant),
        "image": RowWriter(catalog.ProductImage),
        "collection": RowWriter(catalog.Collection),
        "entry": RowWriter(catalog.CollectionProduct),
    }
    ids = {name: Ids(w.model) for name, w in writers.items()}
    if bulk is None:
        bulk = stores * products > 50_000
    bulk_mode = bulk and connection.vendor == "postgresql" and _is_superuser()
    dropped = _drop_secondary_indexes() if bulk_mode else []
    load_started = time.perf_counter()
    # The stores the manifest describes, spread evenly (one: the middle store).
    wanted = max(1, min(manifest_stores, stores))
    chosen = {store_ids[(2 * i + 1) * stores // (2 * wanted)] for i in range(wanted)}
    summary = Summary(stores=stores)
    now = timezone.now()
    picked: dict[int, list[tuple[int, ProductSpec, list[int]]]] = {}
    # Enough stores per batch for ~50,000 products: big COPYs, bounded memory.
    per_batch = max(1, 50_000 // max(1, products))
    try:
        numbered = list(enumerate(store_ids, start=1))
        for batch in _batches(numbered, per_batch):
            rows: dict[str, list[dict[str, Any]]] = {name: [] for name in writers}
            for number, store_id in batch:
                made = _catalog_rows(number, store_id, products, ids, shared, now, rows)
                if store_id in chosen:
                    picked[store_id] = made
            with transaction.atomic():
                for name in ("product", "option", "image", "variant", "collection", "entry"):
                    if bulk_mode:
                        _skip_triggers(name != "product")
                    writers[name].write(rows[name])
                if bulk_mode:
                    _skip_triggers(False)  # in an outer transaction (the tests) the setting would outlive this one
            summary.products += len(rows["product"])
            summary.variants += len(rows["variant"])
            done = batch[-1][0]
            print(f"\r{done}/{stores} stores, {summary.products:,} products", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
        print(f"rows written in {time.perf_counter() - load_started:.1f} s", file=sys.stderr)
    finally:
        if dropped:
            print(f"building {len(dropped)} indexes …", file=sys.stderr)
            index_started = time.perf_counter()
            _create_indexes(dropped)
            print(f"indexes built in {time.perf_counter() - index_started:.1f} s", file=sys.stderr)
    for seq in ids.values():
        seq.sync_sequence()
    summary.manifest = _manifest(picked, sample=sample)
    summary.seconds = time.perf_counter() - started
    return summary


def _manifest(picked: dict[int, list[tuple[int, ProductSpec, list[int]]]], *, sample: int) -> dict[str, Any]:
    from django.conf import settings

    from shopwright.stores.models import Store

    handles = dict(Store.objects.filter(pk__in=list(picked)).values_list("id", "handle"))
    out = []
    for store_id, made in picked.items():
        published = [(spec, variant_ids) for _pid, spec, variant_ids in made if spec.status == "published"]
        chosen = published[:sample]
        words = sorted({w.lower() for spec, _ in chosen for w in spec.title.split()})
        out.append(
            {
                "handle": handles[store_id],
                "collections": [
                    {"handle": "featured", "pages": FEATURED_SIZE // PER_PAGE},
                    {"handle": "new-arrivals", "pages": 1},
                    {"handle": "under-50", "pages": 1},
                ],
                "products": [spec.handle for spec, _ in chosen],
                "variants": [
                    vid
                    for spec, variant_ids in chosen
                    for v, vid in zip(spec.variants, variant_ids, strict=True)
                    if v.stock_quantity
                ],
                "search": words,
            }
        )
    return {"platform_domain": settings.PLATFORM_DOMAIN, "stores": out}


def describe(*, handle: str, sample: int = 60) -> dict[str, Any]:
    """A manifest for an existing store (e.g. the demo store), read from the database."""
    from django.conf import settings

    from shopwright.catalog.models import Collection, CollectionProduct, Product, Variant
    from shopwright.stores.models import Store

    store = Store.objects.get(handle=handle)
    products = list(
        Product.objects.filter(store=store, status="published")
        .order_by("id")
        .values_list("id", "handle", "title")[:sample]
    )
    ids = [p[0] for p in products]
    variants = list(
        Variant.objects.filter(store=store, product_id__in=ids)
        .exclude(track_stock=True, continue_selling=False, stock_quantity__lt=50)
        .values_list("id", flat=True)
    )
    collections = []
    for c in Collection.objects.filter(store=store, is_published=True).order_by("position", "id"):
        size = (
            CollectionProduct.objects.filter(store=store, collection=c).count()
            if c.kind == "manual"
            else PER_PAGE  # automatic: assume one page; page 1 is always there
        )
        collections.append({"handle": c.handle, "pages": max(1, -(-size // PER_PAGE))})
    words = sorted({w.lower() for _, _, title in products for w in title.split() if w.isalpha()})
    return {
        "platform_domain": settings.PLATFORM_DOMAIN,
        "stores": [
            {
                "handle": store.handle,
                "collections": collections,
                "products": [p[1] for p in products],
                "variants": variants,
                "search": words,
            }
        ],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""), help="default: $DATABASE_URL")
    parser.add_argument("--stores", type=int, default=1)
    parser.add_argument("--products", type=int, default=60, help="per store")
    parser.add_argument("--prefix", default="bench", help="store handles are <prefix>-0001 …")
    parser.add_argument("--fresh", action="store_true", help="drop, create and migrate the database first")
    parser.add_argument("--manifest", default=str(ROOT / "var" / "bench" / "manifest.json"))
    parser.add_argument("--manifest-stores", type=int, default=1, help="how many stores the manifest describes")
    parser.add_argument("--describe", metavar="HANDLE", help="only write a manifest for this existing store")
    parser.add_argument("--var-dir", help="SHOPWRIGHT_VAR_DIR (where the shared pictures are stored)")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("give --database-url or set DATABASE_URL")
    if args.stores < 1 or args.products < 1:
        parser.error("--stores and --products must be at least 1")
    if args.fresh and not args.describe:
        _fresh_database(args.database_url)
    _setup_django(args.database_url, args.var_dir)
    from django.core.management import call_command

    if args.describe:
        manifest = describe(handle=args.describe)
    else:
        call_command("migrate", verbosity=0)
        summary = generate(
            stores=args.stores, products=args.products, prefix=args.prefix, manifest_stores=args.manifest_stores
        )
        manifest = summary.manifest
        print(
            f"{summary.stores:,} stores, {summary.products:,} products, {summary.variants:,} variants "
            f"in {summary.seconds:.1f} s"
        )
    path = Path(args.manifest)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest, indent=1))
    print(f"manifest: {path}")


if __name__ == "__main__":
    main()
