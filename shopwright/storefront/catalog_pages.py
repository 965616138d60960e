"""The catalog part of the storefront pages, rendered once and cached per store until its catalog changes.

A page is split in two: the catalog markup (product cards, gallery, variant
picker, SEO head), which is the same for every visitor and is built here and
cached under `catalog_cache_key` (store id + the store's catalog version), and
the per-visitor rest (header, CSRF token, favourite buttons, cart form),
which the views' templates render around it on every request. A catalog write
bumps the store's version, so the next request renders afresh; another
store's entries have another store id in their key.

Cached values are plain dataclasses of strings; `Html` marks markup we
rendered ourselves as safe for the outer template.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from shopwright.catalog import selectors
from shopwright.catalog.cache import catalog_cache_key
from shopwright.catalog.display import format_money, is_discounted, stock_label, stock_state
from shopwright.catalog.models import Collection, CollectionSort, Product, Variant
from shopwright.catalog.preview import preview_token_valid
from shopwright.core.exceptions import NotFound
from shopwright.core.links import store_url
from shopwright.storefront.pictures import Picture, picture_for
from shopwright.stores.models import Store

# Entries become unreachable as soon as the catalog changes; the timeout only
# bounds how long "best selling" order (sales, not catalog writes) may lag.
CACHE_TIMEOUT = 60 * 60
# Only this many pages of a listing are cached: a crawler walking ?page=N
# cannot fill the cache with pages nobody reads.
MAX_CACHED_PAGE = 50
# Handles are at most 100 characters (catalog.models): a longer one is unknown.
MAX_HANDLE_LENGTH = 100
META_DESCRIPTION_LENGTH = 160

T = TypeVar("T")


@functools.cache
def render_version() -> str:
    """A digest of the code and templates that render the cached parts (read once per process, on first use).

    Part of every cache key, so a deploy that changes how a page is rendered
    never serves fragments rendered by the previous code.
    """
    here = Path(__file__).resolve().parent
    sources = [here / "catalog_pages.py", here / "pictures.py", *sorted((here / "templates").rglob("*.html"))]
    digest = hashlib.sha256()
    for source in sources:
        digest.update(source.read_bytes())
    return digest.hexdigest()[:12]


@dataclass(frozen=True)
class Html:
    """Markup rendered by our own templates (autoescaped there): safe to insert as is."""

    markup: str

    def __html__(self) -> str:
        return self.markup

    def __str__(self) -> str:
        # Templates turn a value into a string before escaping it: a SafeString passes through unescaped.
        return mark_safe(self.markup)  # noqa: S308 (our own autoescaped rendering)


@dataclass(frozen=True)
class ProductRef:
    """The product as per-visitor includes (the favourite button) see it: no queries behind it."""

    id: int
    handle: str
    title: str

    @property
    def pk(self) -> int:
        return self.id

    @property
    def url(self) -> str:
        return f"/products/{self.handle}/"


@dataclass(frozen=True)
class CardView:
    """A product card ready for `storefront/includes/product_card_body.html`."""

    product: ProductRef
    url: str
    title: str
    vendor: str
    price_text: str
    compare_text: str
    available: bool
    picture: Picture | None


@dataclass(frozen=True)
class RenderedCard:
    product: ProductRef
    html: Html


def card_view(card: selectors.ProductCard, *, currency: str) -> CardView:
    """A card of `selectors.product_cards` with its prices written out; also for the search pages."""
    ref = ProductRef(id=card.id, handle=card.handle, title=card.title)
    price = format_money(card.price_min, currency)
    if card.price_max > card.price_min:
        price = f"From {price}"
    compare = ""
    if card.compare_at_price is not None and is_discounted(card.price_min, card.compare_at_price):
        compare = format_money(card.compare_at_price, currency)
    return CardView(
        product=ref,
        url=ref.url,
        title=card.title,
        vendor=card.vendor,
        price_text=price,
        compare_text=compare,
        available=card.available,
        picture=picture_for(card.image, alt_fallback=card.title) if card.image else None,
    )


def _render_cards(cards: list[selectors.ProductCard], *, store: Store) -> tuple[RenderedCard, ...]:
    rendered = []
    for card in cards:
        view = card_view(card, currency=store.currency)
        markup = render_to_string("storefront/includes/product_card_body.html", {"card": view})
        rendered.append(RenderedCard(product=view.product, html=Html(markup)))
    return tuple(rendered)


@dataclass(frozen=True)
class CachedCard:
    """One product's card, kept per product: its markup for a grid and its view for other layouts (suggestions)."""

    view: CardView
    html: Html

    @property
    def product(self) -> ProductRef:
        return self.view.product


def cards_by_id(*, store: Store, ids: Sequence[int]) -> list[CachedCard]:
    """The cards of the store's published products `ids`, in that order; ids not published are left out.

    For listings whose order is decided elsewhere (search): each card is
    kept under its own key (store, catalog version, product id), so a page
    of results costs one cache read for all its cards, and queries (two)
    only for the cards not yet kept. Rendered by the same template as every
    other cached card.
    """
    if not ids:
        return []
    # One key for the card kind, the product id appended: page_key for each card would read the catalog version
    # from the cache once per card.
    prefix = page_key(store, ("card",))
    keys = {product_id: f"{prefix}:{product_id}" for product_id in ids}
    found: dict[str, CachedCard] = cache.get_many(list(keys.values()))
    missing = [product_id for product_id, key in keys.items() if key not in found]
    if missing:
        products = selectors.published_products(store=store).filter(pk__in=missing)
        cards = selectors.product_cards(store=store, products=products)
        built = {
            keys[card.id]: CachedCard(view=card_view(card, currency=store.currency), html=rendered.html)
            for card, rendered in zip(cards, _render_cards(cards, store=store), strict=True)
        }
        cache.set_many(built, CACHE_TIMEOUT)
        found.update(built)
    return [found[key] for key in keys.values() if key in found]


def page_key(store: Store, parts: tuple[object, ...]) -> str:
    """The cache key of a rendering of the store's catalog named by `parts`.

    Valid until the catalog changes (catalog_cache_key), the rendering code
    changes (`render_version`), or the store's name or currency changes (shown on
    every page); per language, as prices are written the visitor's way. The
    parts are hashed, so a long handle or query value cannot make a long key.
    """
    named = repr((store.name, store.currency, translation.get_language() or "en", parts))
    return catalog_cache_key(store.pk, render_version(), hashlib.sha256(named.encode()).hexdigest()[:32])


def _cached(store: Store, parts: tuple[object, ...], build: Callable[[], T]) -> T:
    """`build()`, kept under `page_key(store, parts)`."""
    key = page_key(store, parts)
    found = cache.get(key)
    if found is None:
        found = build()
        cache.set(key, found, CACHE_TIMEOUT)
    return found


def _meta_description(seo_description: str, description_html: str) -> str:
    text = seo_description or " ".join(strip_tags(description_html).split())
    return Truncator(text).chars(META_DESCRIPTION_LENGTH)


def _head(*, store: Store, **context: Any) -> Html:
    context["store_name"] = store.name
    return Html(render_to_string("storefront/catalog_head.html", context))


# --- home -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HomeParts:
    head: Html
    featured_title: str
    featured_url: str
    featured_cards: tuple[RenderedCard, ...]
    newest_cards: tuple[RenderedCard, ...]


def home_parts(*, store: Store) -> HomeParts:
    return _cached(store, ("home",), lambda: _build_home(store))


def _build_home(store: Store) -> HomeParts:
    featured = selectors.collection_featured(store=store)
    featured_cards: tuple[RenderedCard, ...] = ()
    if featured is not None:
        products = selectors.collection_products(store=store, collection=featured, sort=featured.default_sort)
        cards = selectors.product_cards(store=store, products=products[: selectors.FEATURED_ON_HOME])
        featured_cards = _render_cards(cards, store=store)
    newest = _render_cards(selectors.newest_products(store=store), store=store)
    head = _head(
        store=store,
        title=store.name,
        description=f"Shop {store.name} online.",
        canonical=store_url(store, "/"),
        og_type="website",
    )
    return HomeParts(
        head=head,
        featured_title=featured.title if featured else "",
        featured_url=f"/collections/{featured.handle}/" if featured else "",
        featured_cards=featured_cards,
        newest_cards=newest,
    )


# --- collections ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CollectionSummary:
    title: str
    url: str


def collection_list(*, store: Store) -> tuple[CollectionSummary, ...]:
    def build() -> tuple[CollectionSummary, ...]:
        return tuple(
            CollectionSummary(title=c.title, url=f"/collections/{c.handle}/")
            for c in selectors.collections_published(store=store)
        )

    return _cached(store, ("collections",), build)


@dataclass(frozen=True)
class PageLink:
    number: int
    url: str


@dataclass(frozen=True)
class CollectionParts:
    title: str
    head: Html
    description_html: str
    sort: str
    sort_choices: tuple[tuple[str, str], ...]
    cards: tuple[RenderedCard, ...]
    total: int
    number: int
    num_pages: int
    previous: PageLink | None
    next: PageLink | None


def collection_parts(*, store: Store, handle: str, sort: str | None, page: str | int | None) -> CollectionParts:
    """A collection page's catalog part. Raises NotFound and ApplicationError (bad sort, bad page)."""
    if len(handle) > MAX_HANDLE_LENGTH:
        raise NotFound("There is no such collection.")
    number = selectors.page_number_checked(page)
    if sort:
        selectors.sort_checked(sort, default=CollectionSort.FEATURED)  # a bad sort is a 400 before any lookup

    def build() -> CollectionParts:
        return _build_collection(store, handle, sort, number)

    if number > MAX_CACHED_PAGE:
        return build()
    return _cached(store, ("collection", handle, sort or "", number), build)


def _page_url(path: str, sort: str, default_sort: str, number: int) -> str:
    query = []
    if sort != default_sort:
        query.append(f"sort={sort}")
    if number > 1:
        query.append(f"page={number}")
    return path + ("?" + "&".join(query) if query else "")


def _build_collection(store: Store, handle: str, sort: str | None, number: int) -> CollectionParts:
    found = selectors.collection_page(store=store, handle=handle, sort=sort, page=number)
    collection: Collection = found.collection
    listing = found.page
    path = f"/collections/{collection.handle}/"
    canonical = store_url(store, path + (f"?page={number}" if number > 1 else ""))

    def link(n: int) -> PageLink:
        return PageLink(number=n, url=_page_url(path, found.sort, collection.default_sort, n))

    title = collection.seo_title or collection.title
    return CollectionParts(
        title=title if number == 1 else f"{title} – page {number}",
        head=_head(
            store=store,
            title=title,
            description=_meta_description(collection.seo_description, collection.description_html),
            canonical=canonical,
            og_type="website",
        ),
        description_html=collection.description_html if number == 1 else "",
        sort=found.sort,
        sort_choices=tuple((value, str(label)) for value, label in CollectionSort.choices),
        cards=_render_cards(listing.cards, store=store),
        total=listing.total,
        number=listing.number,
        num_pages=listing.num_pages,
        previous=link(number - 1) if listing.has_previous else None,
        next=link(number + 1) if listing.has_next else None,
    )


# --- products -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductParts:
    title: str
    head: Html
    gallery: Html
    summary: Html
    purchase: Html
    details: Html
    product: ProductRef
    published: bool
    available: bool


def product_parts(*, store: Store, handle: str) -> ProductParts:
    """A published product's page part (cached). Raises NotFound."""
    if len(handle) > MAX_HANDLE_LENGTH:
        raise NotFound("There is no such product.")

    def build() -> ProductParts:
        return _build_product(store, selectors.product_detail(store=store, handle=handle))

    return _cached(store, ("product", handle), build)


def product_preview_parts(*, store: Store, handle: str, token: str) -> ProductParts:
    """The page of any product of the store for a valid preview link; never cached.

    Raises NotFound for a wrong or expired link exactly as for a missing product.
    """
    if len(handle) > MAX_HANDLE_LENGTH:
        raise NotFound("There is no such product.")
    product = selectors.product_detail(store=store, handle=handle, published_only=False)
    if not product.is_published and not preview_token_valid(product=product, token=token):
        raise NotFound("There is no such product.")
    return _build_product(store, product)


def _variant_json(variant: Variant, currency: str) -> dict[str, object]:
    state = stock_state(
        track_stock=variant.track_stock,
        continue_selling=variant.continue_selling,
        stock_quantity=variant.stock_quantity,
    )
    discounted = is_discounted(variant.price, variant.compare_at_price)
    return {
        "id": variant.pk,
        "options": variant.option_values,
        "title": variant.title,
        "sku": variant.sku,
        "price": str(variant.price),
        "price_text": format_money(variant.price, currency),
        "compare_text": format_money(variant.compare_at_price, currency)
        if discounted and variant.compare_at_price is not None
        else "",
        "available": variant.available,
        "stock_state": state,
        "stock_text": stock_label(state, variant.stock_quantity),
        "image_id": variant.image_id,
    }


def _ld_json(data: dict[str, object]) -> Html:
    """A JSON-LD block; <, > and & are escaped so no value can close the <script> element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026")
    return Html(f'<script type="application/ld+json">{text}</script>')


def _absolute(store: Store, url: str) -> str:
    return store_url(store, url) if url.startswith("/") else url


def _build_product(store: Store, product: Product) -> ProductParts:
    currency = store.currency
    variants = list(product.variants.all())
    options = list(product.options.all())
    pictures = [p for p in (picture_for(image, alt_fallback=product.title) for image in product.images.all()) if p]
    selected = next((v for v in variants if v.available), variants[0] if variants else None)
    ref = ProductRef(id=product.pk, handle=product.handle, title=product.title)
    path = f"/products/{product.handle}/"
    title = product.seo_title or product.title
    description = _meta_description(product.seo_description, product.description_html)
    lead = next((p for p in pictures if selected and p.id == selected.image_id), pictures[0] if pictures else None)
    variant_data = [_variant_json(v, currency) for v in variants]
    available = any(v.available for v in variants)

    offers: list[dict[str, object]] = [
        {
            "@type": "Offer",
            "price": str(v.price),
            "priceCurrency": currency,
            "sku": v.sku or None,
            "availability": "https://schema.org/InStock" if v.available else "https://schema.org/OutOfStock",
            "url": store_url(store, path),
        }
        for v in variants
    ]
    ld: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.title,
        "description": description,
        "image": [_absolute(store, p.src) for p in pictures],
        "sku": selected.sku if selected and selected.sku else None,
        "offers": offers[0] if len(offers) == 1 else offers,
    }
    if product.vendor:
        ld["brand"] = {"@type": "Brand", "name": product.vendor}
    ld = {k: v for k, v in ld.items() if v is not None}
    head = _head(
        store=store,
        title=title,
        description=description,
        canonical=store_url(store, path),
        og_type="product",
        og_image=_absolute(store, lead.src) if lead else "",
        price_amount=str(selected.price) if selected else "",
        price_currency=currency,
        ld_json=_ld_json(ld),
    )
    state = (
        stock_state(
            track_stock=selected.track_stock,
            continue_selling=selected.continue_selling,
            stock_quantity=selected.stock_quantity,
        )
        if selected
        else "out_of_stock"
    )
    context = {
        "product": product,
        "options": _option_choices(options, variants, selected),
        "variants": variants,
        "variant_rows": [
            {"variant": v, "label": _variant_label(v, currency), "available": v.available} for v in variants
        ],
        "selected": selected,
        "price_text": format_money(selected.price, currency) if selected else "",
        "compare_text": format_money(selected.compare_at_price, currency)
        if selected
        and selected.compare_at_price is not None
        and is_discounted(selected.price, selected.compare_at_price)
        else "",
        "stock_state": state,
        "stock_text": stock_label(state, selected.stock_quantity if selected else 0),
        "pictures": pictures,
        "lead": lead,
        "picker_data": {
            "variants": variant_data,
            "images": {str(p.id): p.as_json() for p in pictures},
            # Shown for a variant without an image of its own.
            "first_image_id": pictures[0].id if pictures else None,
            "options": [o.name for o in options],
        },
    }
    return ProductParts(
        title=title,
        head=head,
        gallery=Html(render_to_string("storefront/product_gallery.html", context)),
        summary=Html(render_to_string("storefront/product_summary.html", context)),
        purchase=Html(render_to_string("storefront/product_purchase.html", context)),
        details=Html(render_to_string("storefront/product_details.html", context)),
        product=ref,
        published=product.is_published,
        available=available,
    )


def _variant_label(variant: Variant, currency: str) -> str:
    label = f"{variant.title} – {format_money(variant.price, currency)}"
    return label if variant.available else f"{label} – sold out"


def _option_choices(options: list[Any], variants: list[Variant], selected: Variant | None) -> list[dict[str, object]]:
    """Each option with its values; a value is "sold out" when no available variant has it
    together with the selected variant's other values (what the shopper would get by picking it)."""
    chosen = selected.option_values if selected else []
    available_combos = {tuple(v.option_values) for v in variants if v.available}
    result = []
    for index, option in enumerate(options):
        values = []
        for value in option.values:
            combo = list(chosen)
            if index < len(combo):
                combo[index] = value
            values.append(
                {
                    "value": value,
                    "checked": index < len(chosen) and chosen[index] == value,
                    "sold_out": tuple(combo) not in available_combos,
                }
            )
        result.append({"index": index, "name": option.name, "field": f"option{index + 1}", "values": values})
    return result
