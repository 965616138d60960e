"""Every write to the catalog.

All functions are keyword-only, transactional, take the acting `Actor`,
write an audit entry for merchant actions, rebuild denormalised columns
(`price_min`, `price_max`, `tags_text`, `search_document`) and call
`catalog.cache.catalog_changed(store.pk)`. Invalid input raises one
`ApplicationError` with every problem keyed by field (`variants.2.price`)
and writes nothing. A duplicate handle or SKU written by a concurrent
request between the check and the write also ends as an ApplicationError
(never an IntegrityError), with nothing written.
"""

from __future__ import annotations

from typing import IO

from django.db import IntegrityError, transaction
from django.utils import timezone

from shopwright.catalog.cache import catalog_changed
from shopwright.catalog.images import (
    delete_files,
    delete_files_on_commit,
    image_check_proportions,
    rendition_names,
    renditions_save,
)
from shopwright.catalog.inputs import CollectionInput, ProductInput
from shopwright.catalog.models import (
    MAX_OPTIONS,
    Collection,
    CollectionKind,
    CollectionProduct,
    Product,
    ProductImage,
    ProductOption,
    ProductStatus,
    Variant,
)
from shopwright.catalog.sanitise import html_to_text
from shopwright.catalog.validation import (
    CleanCollection,
    CleanProduct,
    CleanVariant,
    clean_collection,
    clean_product,
    collection_handle_taken,
    handle_base,
    handle_taken,
    skus_taken,
    tags_text,
)
from shopwright.core.audit import Actor, audit_record
from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.core.images import image_open_checked
from shopwright.core.tenancy import cross_store_access
from shopwright.core.validation import FieldErrors, clean_text
from shopwright.stores.locks import store_lock
from shopwright.stores.models import Store


class StockChanged(ApplicationError):
    """A variant's stock moved (orders took or gave back units) since the editor showed it; nothing was saved.

    `current` maps the index of the variant in the input to its stock now, so
    the page can show it and carry it as the new "seen" value for the next save.
    """

    status_code = 409
    code = "stock_changed"

    def __init__(self, current: dict[int, int]):
        self.current = dict(current)
        super().__init__(
            "Please correct the errors below.",
            fields={
                f"variants.{i}.stock_quantity": [
                    f"Stock changed while you were editing (now {now}): check it and save again."
                ]
                for i, now in self.current.items()
            },
        )


HANDLE_TAKEN = "Another product already uses this handle."
SKU_TAKEN = "Another product already uses this SKU."
# How many "-2", "-3" … a generated handle tries when the base is taken.
_HANDLE_SUFFIX_ATTEMPTS = 1000
_GENERATED_HANDLE_RETRIES = 3

# --- products ----------------------------------------------------------------


def product_create(*, store: Store, actor: Actor, data: ProductInput) -> Product:
    """Create a product with its options and variants.

    A blank handle is made from the title (`summer-shirt`, then
    `summer-shirt-2` …). Raises ApplicationError (nothing written) on any
    invalid field, a handle or SKU already used in the store, or an
    `image_id` (a new product has no images yet).
    """
    clean = clean_product(store=store, data=data, product=None)
    base = handle_base(clean.title, fallback="product")
    for attempt in range(_GENERATED_HANDLE_RETRIES):
        handle = clean.handle or _free_handle(store=store, base=base)
        try:
            return _product_insert(store=store, actor=actor, clean=clean, handle=handle)
        except IntegrityError as exc:
            error = _conflict(store=store, clean=clean, handle=handle, product=None)
            generated_handle_lost = not clean.handle and set(error.fields) == {"handle"}
            if not generated_handle_lost or attempt == _GENERATED_HANDLE_RETRIES - 1:
                raise error from exc
            # A concurrent create took the handle we made from the title: make the next one.
    raise AssertionError("unreachable")


def _product_insert(*, store: Store, actor: Actor, clean: CleanProduct, handle: str) -> Product:
    with transaction.atomic():
        product = Product(store=store, handle=handle)
        _apply_fields(product, clean, handle=handle)
        product.save()
        ProductOption.objects.bulk_create(
            ProductOption(store=store, product=product, position=i, name=o.name, values=o.values)
            for i, o in enumerate(clean.options)
        )
        Variant.objects.bulk_create(
            _new_variant(store=store, product=product, position=i, variant=v) for i, v in enumerate(clean.variants)
        )
        audit_record(action="catalog.product_create", actor=actor, store=store, obj=product)
        catalog_changed(store.pk)
    return product


def product_update(*, store: Store, actor: Actor, product: Product, data: ProductInput) -> Product:
    """Replace the product's fields, options and variants.

    Variants are matched to existing ones by option values (then SKU), so a
    variant that stays keeps its id (carts and favourites keep pointing at it);
    existing variants left unmatched are deleted (with their cart lines). A
    blank handle keeps the current one. SKUs may move between the product's
    own variants. Raises ApplicationError (nothing written) like
    `product_create`; `image_id` must be one of this product's images.

    Stock: `Variant.stock_quantity` is what is left to sell, and buyers'
    orders change it while a merchant edits (catalog.stock). A variant given
    with `stock_seen` (the editor's hidden field) has its stock written only
    when `stock_quantity` differs from it, and then only while the stock is
    still `stock_seen`; when it moved, StockChanged is raised (nothing written)
    with the stock now. Without `stock_seen` (the CSV import's count, the
    demo) `stock_quantity` is written as given. The variant rows are locked in
    id order, as catalog.stock locks them, so an edit and a checkout queue.
    """
    if product.store_id != store.pk:
        raise NotFound("No such product.")
    clean = clean_product(store=store, data=data, product=product)
    handle = clean.handle or product.handle
    try:
        with transaction.atomic():
            # One editor at a time per product: variant matching reads what it then rewrites.
            locked = Product.objects.select_for_update().get(store=store, pk=product.pk)
            _apply_fields(locked, clean, handle=handle)
            locked.save()
            _write_options(store=store, product=locked, clean=clean)
            _write_variants(store=store, product=locked, variants=clean.variants)
            audit_record(action="catalog.product_update", actor=actor, store=store, obj=locked)
            catalog_changed(store.pk)
    except IntegrityError as exc:
        raise _conflict(store=store, clean=clean, handle=handle, product=product) from exc
    except Product.DoesNotExist as exc:
        raise NotFound("No such product.") from exc
    # The caller's instance reflects what was saved.
    product.refresh_from_db()
    return product


@transaction.atomic
def product_delete(*, store: Store, actor: Actor, product: Product) -> None:
    """Delete the product, its options, variants (and cart lines holding them), images and their files.

    Image files are removed after commit, so a rolled-back delete keeps them.
    """
    if product.store_id != store.pk:
        raise NotFound("No such product.")
    names = [
        name
        for renditions in ProductImage.objects.filter(store=store, product=product).values_list("renditions", flat=True)
        for name in rendition_names(renditions)
    ]
    audit_record(
        action="catalog.product_delete", actor=actor, store=store, obj=product, details={"handle": product.handle}
    )
    product.delete()
    delete_files_on_commit(names)
    catalog_changed(store.pk)


def _apply_fields(product: Product, clean: CleanProduct, *, handle: str) -> None:
    product.handle = handle
    product.title = clean.title
    product.description_html = clean.description_html
    product.vendor = clean.vendor
    product.product_type = clean.product_type
    product.tags_text = tags_text(clean.tags)
    product.status = clean.status
    if clean.status == ProductStatus.PUBLISHED and product.published_at is None:
        product.published_at = timezone.now()
    product.seo_title = clean.seo_title
    product.seo_description = clean.seo_description
    prices = [v.price for v in clean.variants]
    product.price_min = min(prices)
    product.price_max = max(prices)
    product.search_document = _search_document(clean)


def _search_document(clean: CleanProduct) -> str:
    """Newline-joined plain text the search index reads; empty parts are left out."""
    parts = [
        clean.title,
        clean.vendor,
        clean.product_type,
        " ".join(clean.tags),
        " ".join(v.sku for v in clean.variants if v.sku),
        " ".join(value for option in clean.options for value in option.values),
        html_to_text(clean.description_html),
    ]
    return "\n".join(p for p in parts if p)


def _padded(values: tuple[str, ...]) -> tuple[str, str, str]:
    padded = [*values, *([""] * (MAX_OPTIONS - len(values)))]
    return padded[0], padded[1], padded[2]


def _set_variant_fields(variant: Variant, clean: CleanVariant, *, position: int, stock: bool = True) -> None:
    """Copy the cleaned values onto the row; `stock=False` leaves its stock as it is (not the editor's to set)."""
    variant.position = position
    variant.sku = clean.sku
    variant.option1, variant.option2, variant.option3 = _padded(clean.option_values)
    variant.price = clean.price
    variant.compare_at_price = clean.compare_at_price
    variant.weight_grams = clean.weight_grams
    if stock:
        variant.stock_quantity = clean.stock_quantity
    variant.track_stock = clean.track_stock
    variant.continue_selling = clean.continue_selling
    variant.image_id = clean.image_id


def _new_variant(*, store: Store, product: Product, position: int, variant: CleanVariant) -> Variant:
    row = Variant(store=store, product=product)
    _set_variant_fields(row, variant, position=position)
    return row


_VARIANT_FIELDS = [
    "position",
    "sku",
    "option1",
    "option2",
    "option3",
    "price",
    "compare_at_price",
    "weight_grams",
    "stock_quantity",
    "track_stock",
    "continue_selling",
    "image",
]


_VARIANT_FIELDS_BUT_STOCK = [name for name in _VARIANT_FIELDS if name != "stock_quantity"]


def _attname(name: str) -> str:
    return "image_id" if name == "image" else name


def _variant_values(row: Variant) -> tuple[object, ...]:
    return tuple(getattr(row, _attname(name)) for name in _VARIANT_FIELDS)


def _write_options(*, store: Store, product: Product, clean: CleanProduct) -> None:
    """Rewrite option rows in place by position (ids kept), dropping positions no longer used."""
    existing = {o.position: o for o in ProductOption.objects.filter(store=store, product=product)}
    for position, option in enumerate(clean.options):
        row = existing.pop(position, None)
        if row is None:
            ProductOption.objects.create(
                store=store, product=product, position=position, name=option.name, values=option.values
            )
        elif row.name != option.name or row.values != option.values:
            row.name, row.values = option.name, option.values
            row.save(update_fields=["name", "values"])
    if existing:
        ProductOption.objects.filter(store=store, pk__in=[o.pk for o in existing.values()]).delete()


def _write_variants(*, store: Store, product: Product, variants: list[CleanVariant]) -> None:
    """Match wanted variants to existing rows (same option values, else same SKU), then write.

    Order matters for the unique SKU index: removed variants go first, then
    kept variants whose SKU changes are blanked, so a SKU can move from one
    variant to another of the same product without a momentary duplicate.
    """
    # Locked in id order, like catalog.stock's reservations: the stock read here stays true until commit,
    # and an edit and a buyer's checkout of the same variants queue instead of deadlocking.
    existing = list(Variant.objects.select_for_update(no_key=True).filter(store=store, product=product).order_by("pk"))
    by_options: dict[tuple[str, ...], Variant] = {
        (v.option1.casefold(), v.option2.casefold(), v.option3.casefold()): v for v in existing
    }
    by_sku = {v.sku: v for v in existing if v.sku}
    used: set[int] = set()
    matches: list[Variant | None] = []
    for wanted in variants:
        key = tuple(s.casefold() for s in _padded(wanted.option_values))
        row = by_options.get(key)
        if row is None or row.pk in used:
            row = by_sku.get(wanted.sku) if wanted.sku else None
            if row is not None and row.pk in used:
                row = None
        if row is not None:
            used.add(row.pk)
        matches.append(row)

    # A stock the merchant changed is written only over the stock they saw; checked before anything is written.
    moved = {
        i: row.stock_quantity
        for i, (row, wanted) in enumerate(zip(matches, variants, strict=True))
        if row is not None and wanted.stock_seen is not None and wanted.stock_changed
        if row.stock_quantity != wanted.stock_seen
    }
    if moved:
        raise StockChanged(moved)

    removed = [v.pk for v in existing if v.pk not in used]
    if removed:
        with cross_store_access("cascade from variants already filtered by store"):
            Variant.objects.filter(store=store, pk__in=removed).delete()
    moving = [row.pk for row, wanted in zip(matches, variants, strict=True) if row and row.sku != wanted.sku]
    if moving:
        Variant.objects.filter(store=store, pk__in=moving).exclude(sku="").update(sku="")

    changed: list[tuple[int, Variant, CleanVariant]] = []
    new: list[Variant] = []
    for position, (row, wanted) in enumerate(zip(matches, variants, strict=True)):
        if row is None:
            new.append(_new_variant(store=store, product=product, position=position, variant=wanted))
            continue
        before = _variant_values(row)
        _set_variant_fields(row, wanted, position=position, stock=wanted.stock_changed)
        if _variant_values(row) != before:
            changed.append((position, row, wanted))
    for position, row, wanted in changed:
        # One UPDATE per changed row, scoped to the store by TenantModel (bulk_update's
        # `WHERE id IN (...)` carries no store filter); an unchanged variant costs nothing.
        if wanted.stock_seen is None or not wanted.stock_changed:
            # No stock from the editor to guard: its column is written only for an absolute count.
            fields = _VARIANT_FIELDS if wanted.stock_seen is None else _VARIANT_FIELDS_BUT_STOCK
            row.save(update_fields=fields)
            continue
        # The stock the merchant typed replaces the one they saw, and only that one (the rows are
        # locked, so this holds; the condition keeps it true for any caller that did not lock).
        values = {_attname(name): getattr(row, _attname(name)) for name in _VARIANT_FIELDS}
        if not Variant.objects.filter(store=store, pk=row.pk, stock_quantity=wanted.stock_seen).update(**values):
            now = Variant.objects.filter(store=store, pk=row.pk).values_list("stock_quantity", flat=True).first()
            raise StockChanged({position: now if now is not None else 0})
    if new:
        Variant.objects.bulk_create(new)


def _free_handle(*, store: Store, base: str, model: type[Product] | type[Collection] = Product) -> str:
    """`base`, or `base-2`, `base-3` … — the first one not used in the store."""
    taken = set(model.objects.filter(store=store, handle__startswith=base).values_list("handle", flat=True))
    if base not in taken:
        return base
    for n in range(2, _HANDLE_SUFFIX_ATTEMPTS + 2):
        candidate = f"{base}-{n}"
        if candidate not in taken:
            return candidate
    raise ApplicationError.for_field("handle", "Choose a handle: every one made from this title is taken.")


def _conflict(*, store: Store, clean: CleanProduct, handle: str, product: Product | None) -> ApplicationError:
    """The clean error for a write that lost a race on the handle or a SKU."""
    fields: dict[str, list[str]] = {}
    if handle_taken(store=store, handle=handle, product=product):
        fields["handle"] = [HANDLE_TAKEN]
    taken = set(skus_taken(store=store, skus=[v.sku for v in clean.variants], product=product))
    for i, variant in enumerate(clean.variants):
        if variant.sku in taken:
            fields[f"variants.{i}.sku"] = [SKU_TAKEN]
    if not fields:
        return ApplicationError("Someone changed this catalog at the same time. Please try again.", code="conflict")
    return ApplicationError("Please correct the errors below.", code="taken", fields=fields)


# --- images ------------------------------------------------------------------------------

MAX_IMAGES = 20
MAX_ALT_LENGTH = 200


def product_image_add(
    *, store: Store, actor: Actor, product: Product, upload: IO[bytes], alt: str = ""
) -> ProductImage:
    """Check the upload by content, strip metadata, store the renditions; appended last.

    Raises ApplicationError on `images` (not an image, over 5 MB or the
    pixel limit, the product already has 20 images) or `alt` (too long);
    nothing is written then. The files are written before the row; if the
    row cannot be written they are removed again.
    """
    _check_product_store(store=store, product=product)
    errors = FieldErrors()
    alt = clean_text(alt, errors, "alt", label="alt text", max_length=MAX_ALT_LENGTH, required=False)
    errors.raise_if_any()
    _check_image_room(store=store, product=product)
    picture = image_open_checked(upload, field="images")
    try:
        image_check_proportions(picture, field="images")
        made = renditions_save(picture, store_id=store.pk)
    finally:
        picture.close()
    try:
        with transaction.atomic():
            # Serialises concurrent uploads to one product: the count and the next position stay right.
            _lock_product(store=store, product=product)
            _check_image_room(store=store, product=product)
            last = (
                ProductImage.objects.filter(store=store, product=product)
                .order_by("-position")
                .values_list("position", flat=True)
                .first()
            )
            image = ProductImage.objects.create(
                store=store,
                product=product,
                position=0 if last is None else last + 1,
                alt=alt,
                renditions=made.files,
                width=made.width,
                height=made.height,
            )
            audit_record(action="catalog.product_image_add", actor=actor, store=store, obj=image)
            catalog_changed(store.pk)
    except BaseException:
        delete_files(made.names())
        raise
    return image


def product_image_update(*, store: Store, actor: Actor, image: ProductImage, alt: str) -> ProductImage:
    """Change the alt text (at most 200 characters; blank: the product title is used)."""
    if image.store_id != store.pk:
        raise NotFound("No such image.")
    errors = FieldErrors()
    alt = clean_text(alt, errors, "alt", label="alt text", max_length=MAX_ALT_LENGTH, required=False)
    errors.raise_if_any()
    with transaction.atomic():
        image.alt = alt
        image.save(update_fields=["alt"])
        audit_record(action="catalog.product_image_update", actor=actor, store=store, obj=image)
        catalog_changed(store.pk)
    return image


def product_images_reorder(*, store: Store, actor: Actor, product: Product, image_ids: list[int]) -> None:
    """Put the product's images in the order of `image_ids`, which must list each of them exactly once."""
    _check_product_store(store=store, product=product)
    with transaction.atomic():
        _lock_product(store=store, product=product)
        current = dict(ProductImage.objects.filter(store=store, product=product).values_list("pk", "position"))
        wanted = [i for i in image_ids if isinstance(i, int) and not isinstance(i, bool)]
        if len(wanted) != len(image_ids) or len(set(wanted)) != len(wanted) or set(wanted) != set(current):
            raise ApplicationError.for_field("images", "List each of this product's images once.")
        for position, pk in enumerate(wanted):
            if current[pk] != position:
                ProductImage.objects.filter(store=store, pk=pk).update(position=position)
        audit_record(action="catalog.product_images_reorder", actor=actor, store=store, obj=product)
        catalog_changed(store.pk)


def product_image_delete(*, store: Store, actor: Actor, image: ProductImage) -> None:
    """Remove the row and its files; variants that showed it show none.

    The files go after commit, so a rolled-back delete keeps a working image.
    """
    if image.store_id != store.pk:
        raise NotFound("No such image.")
    with transaction.atomic():
        Variant.objects.filter(store=store, image_id=image.pk).update(image=None)
        names = rendition_names(image.renditions)
        audit_record(action="catalog.product_image_delete", actor=actor, store=store, obj=image)
        # Django's collector repeats the variants' SET NULL without the store filter (it found none left).
        with cross_store_access("cascade from one image already filtered by store"):
            ProductImage.objects.filter(store=store, pk=image.pk).delete()
        delete_files_on_commit(names)
        catalog_changed(store.pk)


def _check_product_store(*, store: Store, product: Product) -> None:
    if product.store_id != store.pk:
        raise NotFound("No such product.")


def _lock_product(*, store: Store, product: Product) -> None:
    if not list(Product.objects.select_for_update().filter(store=store, pk=product.pk).values_list("pk", flat=True)):
        raise NotFound("No such product.")


def _check_image_room(*, store: Store, product: Product) -> None:
    if ProductImage.objects.filter(store=store, product=product).count() >= MAX_IMAGES:
        raise ApplicationError.for_field("images", f"A product has at most {MAX_IMAGES} images.", code="too_many")


# --- collections ---------------------------------------------------------------------------


def collection_create(*, store: Store, actor: Actor, data: CollectionInput) -> Collection:
    """Create a collection, placed after the store's others.

    A blank handle is made from the title. With `is_featured`, the store's
    previously featured collection stops being featured (same transaction).
    Raises ApplicationError (nothing written) on invalid fields or rules, or
    a handle already used by another collection of the store.
    """
    clean = clean_collection(store=store, data=data, collection=None)
    base = handle_base(clean.title, fallback="collection")
    for attempt in range(_GENERATED_HANDLE_RETRIES):
        handle = clean.handle or _free_handle(store=store, base=base, model=Collection)
        try:
            with transaction.atomic():
                if clean.is_featured:
                    _unfeature_others(store=store, keep=None)
                last = (
                    Collection.objects.filter(store=store)
                    .order_by("-position")
                    .values_list("position", flat=True)
                    .first()
                )
                collection = Collection(store=store, position=0 if last is None else last + 1)
                _apply_collection_fields(collection, clean, handle=handle)
                collection.save()
                audit_record(action="catalog.collection_create", actor=actor, store=store, obj=collection)
                catalog_changed(store.pk)
            return collection
        except IntegrityError as exc:
            taken = collection_handle_taken(store=store, handle=handle, collection=None)
            if clean.handle or not taken or attempt == _GENERATED_HANDLE_RETRIES - 1:
                raise _collection_conflict(taken) from exc
    raise AssertionError("unreachable")


def collection_update(*, store: Store, actor: Actor, collection: Collection, data: CollectionInput) -> Collection:
    """Replace the collection's fields and rules; a blank handle keeps the current one.

    Changing the kind to automatic keeps the hand-picked list (unused while
    automatic), so switching back restores it.
    """
    if collection.store_id != store.pk:
        raise NotFound("No such collection.")
    clean = clean_collection(store=store, data=data, collection=collection)
    handle = clean.handle or collection.handle
    try:
        with transaction.atomic():
            if clean.is_featured:
                _unfeature_others(store=store, keep=collection)
            _apply_collection_fields(collection, clean, handle=handle)
            collection.save()
            audit_record(action="catalog.collection_update", actor=actor, store=store, obj=collection)
            catalog_changed(store.pk)
    except IntegrityError as exc:
        collection.refresh_from_db()
        raise _collection_conflict(collection_handle_taken(store=store, handle=handle, collection=collection)) from exc
    return collection


@transaction.atomic
def collection_delete(*, store: Store, actor: Actor, collection: Collection) -> None:
    """Delete the collection and its product list (the products stay)."""
    if collection.store_id != store.pk:
        raise NotFound("No such collection.")
    audit_record(
        action="catalog.collection_delete",
        actor=actor,
        store=store,
        obj=collection,
        details={"handle": collection.handle},
    )
    collection.delete()
    catalog_changed(store.pk)


def collection_set_products(*, store: Store, actor: Actor, collection: Collection, product_ids: list[int]) -> None:
    """Set a manual collection's products, in this order. Ids of other stores' products are refused.

    Repeated ids keep their first place. Raises ApplicationError on
    `product_ids` (nothing written) for an id that is not one of this store's
    products, or when the collection is automatic.
    """
    if collection.store_id != store.pk:
        raise NotFound("No such collection.")
    if collection.kind != CollectionKind.MANUAL:
        raise ApplicationError.for_field("product_ids", "An automatic collection picks its products by its rules.")
    ids: list[int] = []
    for raw in product_ids:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise ApplicationError.for_field("product_ids", "Choose products of this store.")
        if raw not in ids:
            ids.append(raw)
    with transaction.atomic():
        # The store's own products only: another store's id (or a deleted one) is simply not found here.
        found = set(Product.objects.filter(store=store, pk__in=ids).values_list("pk", flat=True))
        if len(found) != len(ids):
            raise ApplicationError.for_field("product_ids", "Choose products of this store.")
        CollectionProduct.objects.filter(store=store, collection=collection).delete()
        CollectionProduct.objects.bulk_create(
            CollectionProduct(store=store, collection=collection, product_id=pk, position=position)
            for position, pk in enumerate(ids)
        )
        audit_record(
            action="catalog.collection_set_products",
            actor=actor,
            store=store,
            obj=collection,
            details={"count": len(ids)},
        )
        catalog_changed(store.pk)


def _apply_collection_fields(collection: Collection, clean: CleanCollection, *, handle: str) -> None:
    collection.handle = handle
    collection.title = clean.title
    collection.description_html = clean.description_html
    collection.kind = clean.kind
    collection.rules = clean.rules
    collection.match_all = clean.match_all
    collection.default_sort = clean.default_sort
    collection.is_published = clean.is_published
    collection.is_featured = clean.is_featured
    collection.seo_title = clean.seo_title
    collection.seo_description = clean.seo_description


def _unfeature_others(*, store: Store, keep: Collection | None) -> None:
    """Only one featured collection per store: the store row is locked so two editors take turns."""
    store_lock(store_id=store.pk)
    others = Collection.objects.filter(store=store, is_featured=True)
    if keep is not None:
        others = others.exclude(pk=keep.pk)
    others.update(is_featured=False)


def _collection_conflict(handle_taken: bool) -> ApplicationError:
    if handle_taken:
        return ApplicationError.for_field("handle", "Another collection already uses this handle.", code="taken")
    return ApplicationError("Someone changed this catalog at the same time. Please try again.", code="conflict")
