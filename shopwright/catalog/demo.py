"""The demo store's catalog: 65 products in 10 kinds, 6 collections, pictures drawn locally.

Everything goes through `catalog.services`, exactly as a merchant's edits
would, so the demo exercises the same validation, denormalised columns and
image renditions as real data. Loading is idempotent: products and
collections are matched by handle and existing ones are left alone, so
`make run` (which loads the demo on every start) pays two queries when the
catalog is already there.
"""

from __future__ import annotations

import dataclasses
import io
import random
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import format_currency
from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils.text import slugify

from shopwright.catalog import services
from shopwright.catalog.cache import catalog_changed
from shopwright.catalog.demo_images import detail_picture, product_picture
from shopwright.catalog.inputs import CollectionInput, CollectionRule, OptionInput, ProductInput, VariantInput
from shopwright.catalog.models import Collection, Product
from shopwright.core.audit import Actor
from shopwright.stores.models import Store

# Pictures are drawn at 960 px: the largest rendition the product page uses
# without the 1600 px one, which the demo does not need and which would
# double the time `make run` spends on images.
PICTURE_SIZE = 960
# How many products' pictures are drawn ahead of the one being saved.
_DRAW_AHEAD = 2


@dataclass(frozen=True)
class Kind:
    """What the products of one kind share: type, vendor, options, price and words.

    Its key in KINDS names the silhouette drawn for it (demo_images.SHAPES).
    """

    product_type: str
    vendor: str
    price: Decimal
    tags: tuple[str, ...]
    material: str
    care: str
    weight_grams: int
    # Size-like option values with what each adds to the base price.
    sizes: tuple[tuple[str, Decimal], ...] = ()
    size_name: str = "Size"


def _sizes(*pairs: tuple[str, int]) -> tuple[tuple[str, Decimal], ...]:
    return tuple((name, Decimal(extra)) for name, extra in pairs)


_CLOTHES = _sizes(("S", 0), ("M", 0), ("L", 0), ("XL", 0))
KINDS: dict[str, Kind] = {
    "tee": Kind(
        product_type="T-shirt",
        vendor="Harbour & Co.",
        price=Decimal("28.00"),
        tags=("apparel", "cotton"),
        material="organic cotton jersey, 180 g/m²",
        care="Machine wash at 30 °C, inside out.",
        weight_grams=190,
        sizes=_CLOTHES,
    ),
    "hoodie": Kind(
        product_type="Hoodie",
        vendor="Harbour & Co.",
        price=Decimal("64.00"),
        tags=("apparel", "cotton", "winter"),
        material="brushed-back cotton fleece",
        care="Machine wash at 30 °C; do not tumble dry.",
        weight_grams=620,
        sizes=_CLOTHES,
    ),
    "socks": Kind(
        product_type="Socks",
        vendor="Harbour & Co.",
        price=Decimal("12.00"),
        tags=("apparel", "wool"),
        material="merino wool blend",
        care="Wool wash at 30 °C.",
        weight_grams=80,
        sizes=_sizes(("S/M", 0), ("L/XL", 0)),
    ),
    "cap": Kind(
        product_type="Cap",
        vendor="Harbour & Co.",
        price=Decimal("24.00"),
        tags=("apparel", "accessories"),
        material="washed cotton twill",
        care="Spot clean only.",
        weight_grams=90,
    ),
    "mug": Kind(
        product_type="Mug",
        vendor="Northwind Studio",
        price=Decimal("16.00"),
        tags=("home", "kitchen", "ceramic"),
        material="glazed stoneware, 350 ml",
        care="Dishwasher and microwave safe.",
        weight_grams=380,
    ),
    "pot": Kind(
        product_type="Plant pot",
        vendor="Northwind Studio",
        price=Decimal("18.00"),
        tags=("home", "garden", "ceramic"),
        material="terracotta with a drainage hole and saucer",
        care="Wipe clean; bring indoors before a frost.",
        weight_grams=900,
        sizes=_sizes(("Small", 0), ("Medium", 8), ("Large", 18)),
    ),
    "candle": Kind(
        product_type="Candle",
        vendor="Fern & Field",
        price=Decimal("18.00"),
        tags=("home", "soy wax"),
        material="soy wax with a cotton wick",
        care="Trim the wick to 5 mm before lighting; never leave a lit candle alone.",
        weight_grams=420,
        sizes=_sizes(("180 g", 0), ("380 g", 12)),
        size_name="Weight",
    ),
    "throw": Kind(
        product_type="Throw",
        vendor="Fern & Field",
        price=Decimal("89.00"),
        tags=("home", "wool", "winter"),
        material="lambswool, 130 × 180 cm",
        care="Dry clean, or hand wash cold.",
        weight_grams=1100,
    ),
    "tote": Kind(
        product_type="Tote bag",
        vendor="Oak Lane",
        price=Decimal("19.00"),
        tags=("accessories", "cotton", "recycled"),
        material="recycled cotton canvas with long handles",
        care="Machine wash cold.",
        weight_grams=210,
    ),
    "notebook": Kind(
        product_type="Notebook",
        vendor="Oak Lane",
        price=Decimal("14.00"),
        tags=("stationery", "recycled"),
        material="100 g/m² recycled paper, 192 pages, lay-flat binding",
        care="Keep dry.",
        weight_grams=320,
        sizes=_sizes(("A5", 0), ("A6", -4)),
        size_name="Format",
    ),
}


@dataclass(frozen=True)
class DemoProduct:
    kind: str
    title: str
    pattern: str
    colours: tuple[str, ...]
    # One picture per colour, each variant showing its own (else one picture of the first colour).
    colour_pictures: bool = False
    # A second picture: a close-up of the material.
    detail: bool = False
    sold_out: bool = False
    # Out of stock but still sold (made to order).
    made_to_order: bool = False
    status: str = "published"


def _p(kind: str, title: str, pattern: str, *colours: str, **flags: bool | str) -> DemoProduct:
    return DemoProduct(kind, title, pattern, colours, **flags)  # type: ignore[arg-type]


# Listed oldest first: the last ones are created last, so they are the "newest".
PRODUCTS: tuple[DemoProduct, ...] = (
    _p("tee", "Harbour Tee", "plain", "Navy", "White", "Charcoal", colour_pictures=True),
    _p("mug", "Morning Mug", "plain", "Cream", "Sage", "Terracotta", colour_pictures=True),
    _p("candle", "Cedar and Smoke Candle", "plain", "Charcoal"),
    _p("tote", "Market Tote", "plain", "Oat", "Black"),
    _p("hoodie", "Northshore Hoodie", "plain", "Navy", "Oat", detail=True),
    _p("notebook", "Dot Grid Notebook", "dots", "Forest", "Rust", "Navy"),
    _p("socks", "Everyday Wool Socks", "twill", "Oat", "Charcoal", detail=True),
    _p("pot", "Terrace Planter", "plain", "Terracotta", "Cream"),
    _p("cap", "Harbour Cap", "plain", "Navy", "Sand", "Black"),
    _p("throw", "Highland Check Throw", "check", "Rust", "Forest", detail=True, made_to_order=True),
    _p("tee", "Breton Stripe Tee", "stripes", "Navy", "Rust", "Forest", colour_pictures=True),
    _p("mug", "Speckled Diner Mug", "twill", "White", "Sky", "Mustard", colour_pictures=True),
    _p("candle", "Fig Leaf Candle", "plain", "Sage"),
    _p("tote", "Library Tote", "plain", "Sand", "Navy"),
    _p("hoodie", "Fog Line Hoodie", "stripes", "Charcoal", "Sky"),
    _p("notebook", "Ruled Notebook", "plain", "Navy", "Mustard", "Plum"),
    _p("socks", "Trail Socks", "stripes", "Forest", "Rust"),
    _p("pot", "Windowsill Pot", "plain", "Sage", "White"),
    _p("cap", "Field Cap", "plain", "Forest", "Oat", "Rust"),
    _p("throw", "Cabin Stripe Throw", "stripes", "Navy", "Cream"),
    _p("tee", "Dot Market Tee", "dots", "Sand", "Navy", "Rose", colour_pictures=True),
    _p("mug", "Stripe Espresso Mug", "stripes", "Ocean", "Charcoal", "Rose", colour_pictures=True),
    _p("candle", "Sea Salt Candle", "plain", "Sky", detail=True),
    _p("tote", "Beach Stripe Tote", "stripes", "Ocean", "Rust", detail=True),
    _p("hoodie", "Dune Zip Hoodie", "plain", "Sand", "Forest"),
    _p("notebook", "Sketch Notebook", "plain", "Charcoal", "Cream", "Rose"),
    _p("socks", "Polka Dot Socks", "dots", "Mustard", "Navy"),
    _p("pot", "Check Planter", "check", "Sage", "Terracotta", detail=True),
    _p("cap", "Sailor Stripe Cap", "stripes", "White", "Navy", "Rust"),
    _p("throw", "Wool Blanket Throw", "plain", "Oat", "Charcoal", sold_out=True),
    _p("tee", "Coastline Tee", "plain", "Ocean", "Sand", "White", colour_pictures=True),
    _p("mug", "Dot Tea Mug", "dots", "Plum", "Forest", "Cream", colour_pictures=True),
    _p("candle", "Orange Grove Candle", "plain", "Mustard"),
    _p("tote", "Dot Shopper", "dots", "Black", "Rose"),
    _p("hoodie", "Ridge Stripe Hoodie", "stripes", "Forest", "Navy", detail=True),
    _p("notebook", "Pocket Notebook", "plain", "Rust", "Sky", "Black"),
    _p("socks", "Stripe Run Socks", "stripes", "Sky", "Charcoal"),
    _p("pot", "Fern Pot", "twill", "Cream", "Charcoal"),
    _p("cap", "Low Tide Cap", "plain", "Sky", "Charcoal", "Sand"),
    _p("throw", "Dune Throw", "twill", "Sand", "Terracotta"),
    _p("tee", "Meadow Heavyweight Tee", "plain", "Sage", "Oat", "Black", colour_pictures=True),
    _p("mug", "Big Sunday Mug", "plain", "Mustard", "Navy", "White", colour_pictures=True),
    _p("candle", "Linen Candle", "plain", "Cream"),
    _p("tote", "Everyday Tote", "plain", "Forest", "Oat"),
    _p("hoodie", "Night Swim Hoodie", "plain", "Black", "Ocean", sold_out=True),
    _p("notebook", "Field Notes Notebook", "check", "Sand", "Forest", "Navy"),
    _p("socks", "Cabin Socks", "check", "Rust", "Oat"),
    _p("pot", "Balcony Planter", "stripes", "Terracotta", "Sky"),
    _p("cap", "Camp Cap", "twill", "Forest", "Mustard", "Navy"),
    _p("throw", "Twill Sofa Throw", "twill", "Plum", "Sage", detail=True),
    _p("tee", "Field Check Tee", "check", "Rust", "Sage", "Navy", colour_pictures=True),
    _p("mug", "Studio Mug", "twill", "Charcoal", "Oat", "Ocean", colour_pictures=True),
    _p("candle", "Woodland Candle", "plain", "Forest"),
    _p("tote", "Harbour Tote", "stripes", "Navy", "Cream"),
    _p("hoodie", "Orchard Hoodie", "plain", "Rose", "Sage"),
    _p("notebook", "Plain Journal", "plain", "Oat", "Plum", "Ocean"),
    _p("socks", "Check Walk Socks", "check", "Navy", "Sage"),
    _p("pot", "Little Herb Pot", "dots", "White", "Sage", sold_out=True),
    _p("cap", "Marina Cap", "stripes", "Ocean", "White", "Rose"),
    _p("throw", "Meadow Throw", "plain", "Sage", "Mustard"),
    _p("tee", "Twill Weekend Tee", "twill", "Charcoal", "Sky", "Mustard", colour_pictures=True),
    _p("mug", "Campfire Mug", "twill", "Black", "Rust", "Sand", colour_pictures=True),
    _p("candle", "Amber Night Candle", "plain", "Plum", sold_out=True),
    _p("tee", "Lantern Pocket Tee", "plain", "Forest", "Sand", "Plum", colour_pictures=True, detail=True),
    _p("throw", "Aurora Wool Throw", "stripes", "Sky", "Plum", status="draft"),
)

# How many of the newest products are tagged "new".
NEW_COUNT = 12
STAFF_PICKS = (
    "breton-stripe-tee",
    "highland-check-throw",
    "speckled-diner-mug",
    "fig-leaf-candle",
    "beach-stripe-tote",
    "ridge-stripe-hoodie",
    "check-planter",
    "dot-grid-notebook",
    "campfire-mug",
    "polka-dot-socks",
    "sailor-stripe-cap",
    "lantern-pocket-tee",
)
GIFT_IDEAS = (
    "sea-salt-candle",
    "morning-mug",
    "everyday-wool-socks",
    "dot-grid-notebook",
    "twill-sofa-throw",
    "market-tote",
    "little-herb-pot",
    "orange-grove-candle",
    "stripe-espresso-mug",
    "field-notes-notebook",
    "harbour-cap",
    "cabin-socks",
)
UNDER_PRICE = Decimal(25)


def _handle(title: str) -> str:
    return slugify(title)


def _price(index: int, kind: Kind) -> Decimal:
    """The base price, varied a little by position so the shelves are not all one price."""
    return kind.price + Decimal((index % 3) * 2)


def _on_sale(index: int) -> bool:
    return index % 5 == 3


def _product_input(index: int, item: DemoProduct, image_ids: dict[str, int] | None = None) -> ProductInput:
    kind = KINDS[item.kind]
    base = _price(index, kind)
    sale = _on_sale(index)
    rng = random.Random(_handle(item.title))  # the same stock on every load
    tags = list(kind.tags)
    if index >= len(PRODUCTS) - NEW_COUNT:
        tags.append("new")
    if sale:
        tags.append("sale")
    if _handle(item.title) in GIFT_IDEAS:
        tags.append("gift")

    options: list[OptionInput] = []
    sizes = kind.sizes or ((("", Decimal(0)),))
    if kind.sizes:
        options.append(OptionInput(name=kind.size_name, values=[s for s, _ in kind.sizes]))
    colours = item.colours if len(item.colours) > 1 else ()
    if colours:
        options.append(OptionInput(name="Colour", values=list(colours)))

    variants = []
    for size, extra in sizes:
        for colour in colours or ("",):
            values = [v for v in (size, colour) if v]
            price = base + extra
            stock = 0 if item.sold_out or item.made_to_order else _stock(rng)
            sku_parts = [
                kind.product_type[:3].upper(),
                str(index + 1).zfill(3),
                *(v.replace("/", "")[:3].upper() for v in values),
            ]
            variants.append(
                VariantInput(
                    option_values=values,
                    sku="-".join(sku_parts).replace(" ", ""),
                    price=price,
                    compare_at_price=(price * Decimal("1.25")).quantize(Decimal(1)) if sale else None,
                    weight_grams=kind.weight_grams,
                    stock_quantity=stock,
                    continue_selling=item.made_to_order,
                    image_id=(image_ids or {}).get(colour),
                )
            )
    return ProductInput(
        title=item.title,
        handle=_handle(item.title),
        description_html=_description(item, kind),
        vendor=kind.vendor,
        product_type=kind.product_type,
        tags=tags,
        status=item.status,
        seo_title=f"{item.title} | {kind.vendor}",
        seo_description=f"{item.title}: {kind.material}. From {kind.vendor}.",
        options=options,
        variants=variants,
    )


def _stock(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.08:
        return 0  # this variant sold out
    if roll < 0.22:
        return rng.randint(1, 3)  # low stock
    return rng.randint(6, 60)


_PATTERN_WORDS = {
    "plain": "a clean, solid colour",
    "stripes": "a classic stripe",
    "dots": "a small polka dot",
    "check": "a woven check",
    "twill": "a fine twill texture",
}


def _description(item: DemoProduct, kind: Kind) -> str:
    colours = ", ".join(item.colours[:-1]) + f" and {item.colours[-1]}" if len(item.colours) > 1 else item.colours[0]
    note = ""
    if item.made_to_order:
        note = "<p><strong>Made to order:</strong> ships in about three weeks.</p>"
    return (
        f"<p>The {item.title} comes in {_PATTERN_WORDS[item.pattern]}, in {colours}. "
        f"Designed by {kind.vendor} to be used every day and kept for years.</p>"
        f"{note}"
        f"<ul><li>Material: {kind.material}</li><li>Care: {kind.care}</li></ul>"
    )


@dataclass
class DemoCatalogResult:
    products_created: int = 0
    images_created: int = 0
    collections_created: int = 0


def demo_catalog_load(
    *, store: Store, actor: Actor | None = None, picture_size: int | None = None
) -> DemoCatalogResult:
    """Create the demo products and collections that are missing (matched by handle).

    Each product (with its pictures) is created in one transaction, so an
    interrupted load never leaves a product without its pictures; the next
    load creates what is missing. Tests pass a small `picture_size`.
    """
    actor = actor or Actor.system()
    picture_size = picture_size or PICTURE_SIZE
    result = DemoCatalogResult()
    existing = set(
        Product.objects.filter(store=store, handle__in=[_handle(p.title) for p in PRODUCTS]).values_list(
            "handle", flat=True
        )
    )
    existing_collections = set(Collection.objects.filter(store=store).values_list("handle", flat=True))
    missing = [(i, p) for i, p in enumerate(PRODUCTS) if _handle(p.title) not in existing]
    if not missing and {c.handle for c in _collections(store)} <= existing_collections:
        return result
    # Pictures are drawn one product ahead in a thread, while the services
    # re-encode the previous product's: Pillow releases the GIL while it works.
    with ThreadPoolExecutor(max_workers=1) as painter:
        ahead = deque(painter.submit(_pictures, item, picture_size) for _, item in missing[:_DRAW_AHEAD])
        for position, (index, item) in enumerate(missing):
            pictures = ahead.popleft().result()
            if position + _DRAW_AHEAD < len(missing):
                ahead.append(painter.submit(_pictures, missing[position + _DRAW_AHEAD][1], picture_size))
            with transaction.atomic():
                _create_product(store=store, actor=actor, index=index, item=item, pictures=pictures)
            result.products_created += 1
            result.images_created += len(pictures)
    if missing:
        _fake_sales_history(store)

    ids = dict(Product.objects.filter(store=store, handle__in=STAFF_PICKS + GIFT_IDEAS).values_list("handle", "id"))
    for spec in _collections(store):
        if spec.handle in existing_collections:
            continue
        with transaction.atomic():
            collection = services.collection_create(store=store, actor=actor, data=spec.data)
            if spec.products:
                services.collection_set_products(
                    store=store,
                    actor=actor,
                    collection=collection,
                    product_ids=[ids[h] for h in spec.products if h in ids],
                )
        result.collections_created += 1
    return result


@dataclass(frozen=True)
class _Picture:
    png: bytes
    alt: str
    colour: str | None  # the colour it shows; None for a close-up


def _pictures(item: DemoProduct, size: int) -> list[_Picture]:
    """The product's pictures: one per colour (or of the first colour), then the close-up if any."""
    kind = KINDS[item.kind]
    out = []
    for colour in item.colours if item.colour_pictures else item.colours[:1]:
        png = product_picture(kind=item.kind, colour=colour, pattern=item.pattern, size=size)
        alt = f"{item.title} in {colour.lower()}" if len(item.colours) > 1 else item.title
        out.append(_Picture(png=png, alt=alt, colour=colour))
    if item.detail:
        png = detail_picture(colour=item.colours[0], pattern=item.pattern, size=size)
        out.append(_Picture(png=png, alt=f"{item.title}: close-up of the {kind.material.split(',')[0]}", colour=None))
    return out


def _create_product(*, store: Store, actor: Actor, index: int, item: DemoProduct, pictures: list[_Picture]) -> None:
    product = services.product_create(store=store, actor=actor, data=_product_input(index, item))
    image_ids: dict[str, int] = {}
    for picture in pictures:
        image = services.product_image_add(
            store=store, actor=actor, product=product, upload=io.BytesIO(picture.png), alt=picture.alt
        )
        if picture.colour is not None:
            image_ids[picture.colour] = image.pk
    if item.colour_pictures and len(item.colours) > 1:
        # Each colour's variants show that colour's picture when picked.
        services.product_update(store=store, actor=actor, product=product, data=_product_input(index, item, image_ids))


def _fake_sales_history(store: Store) -> None:
    """Give the demo products sales counts, so "best selling" has an order to show.

    No service sets `sales_count` until orders exist (a later issue); this is
    the demo's stand-in for a sales history, written in one statement.
    """
    whens = [When(handle=_handle(p.title), then=Value(random.Random(p.title).randint(0, 240))) for p in PRODUCTS]
    Product.objects.filter(store=store, handle__in=[_handle(p.title) for p in PRODUCTS]).update(
        sales_count=Case(*whens, default=Value(0), output_field=IntegerField())
    )
    catalog_changed(store.pk)


@dataclass(frozen=True)
class _CollectionSpec:
    handle: str
    data: CollectionInput
    products: tuple[str, ...] = ()


def _collections(store: Store) -> list[_CollectionSpec]:
    under = format_currency(UNDER_PRICE, store.currency, format="¤#,##0", locale="en", currency_digits=False)

    def rule(field_name: str, op: str, value: str) -> CollectionRule:
        return CollectionRule(field=field_name, op=op, value=value)

    specs = [
        CollectionInput(
            title="Staff picks",
            description_html="<p>What we reach for every day: a dozen favourites from the whole shop.</p>",
            is_featured=True,
        ),
        CollectionInput(
            title="Gift ideas",
            description_html="<p>Small, useful things that are a pleasure to give and to get.</p>",
        ),
        CollectionInput(
            title="Apparel",
            description_html="<p>Tees, hoodies, caps and socks in organic cotton and merino.</p>",
            kind="automatic",
            match_all=False,
            rules=[rule("type", "equals", t) for t in ("T-shirt", "Hoodie", "Socks", "Cap")],
            default_sort="newest",
        ),
        CollectionInput(
            title="Home and living",
            description_html="<p>Mugs, candles, planters and throws for a calmer home.</p>",
            kind="automatic",
            rules=[rule("tag", "equals", "home")],
            default_sort="best-selling",
        ),
        CollectionInput(
            title=f"Under {under}",
            handle="under-25",
            description_html="<p>Everything that starts below the price of a good lunch.</p>",
            kind="automatic",
            rules=[rule("price", "lt", str(UNDER_PRICE))],
            default_sort="price-asc",
        ),
        CollectionInput(
            title="On sale",
            description_html="<p>Last of the season, marked down while stock lasts.</p>",
            kind="automatic",
            rules=[rule("tag", "equals", "sale")],
            default_sort="price-desc",
        ),
    ]
    manual = {"staff-picks": STAFF_PICKS, "gift-ideas": GIFT_IDEAS}
    out = []
    for spec in specs:
        handle = spec.handle or _handle(spec.title)
        data = dataclasses.replace(spec, handle=handle)
        out.append(_CollectionSpec(handle=handle, data=data, products=manual.get(handle, ())))
    return out
