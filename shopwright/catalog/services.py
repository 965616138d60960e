"""Every write to the catalog. (Interface agreed; bodies being written — see the docstrings.)

All functions are keyword-only, transactional, take the acting `Actor`,
write an audit entry for merchant actions, rebuild denormalised columns
(`price_min`, `price_max`, `tags_text`, `search_document`) and call
`catalog.cache.catalog_changed(store.pk)`. Invalid input raises one
`ApplicationError` with every problem keyed by field (`variants.2.price`)
and writes nothing.
"""

from __future__ import annotations

from typing import IO

from shopwright.catalog.inputs import CollectionInput, ProductInput
from shopwright.catalog.models import Collection, Product, ProductImage
from shopwright.core.audit import Actor
from shopwright.stores.models import Store


def product_create(*, store: Store, actor: Actor, data: ProductInput) -> Product:
    raise NotImplementedError


def product_update(*, store: Store, actor: Actor, product: Product, data: ProductInput) -> Product:
    """Replace the product's fields, options and variants.

    Variants are matched to existing ones by option values (then SKU), so a
    variant that stays keeps its id (carts and favourites keep pointing at it).
    """
    raise NotImplementedError


def product_delete(*, store: Store, actor: Actor, product: Product) -> None:
    raise NotImplementedError


def product_image_add(
    *, store: Store, actor: Actor, product: Product, upload: IO[bytes], alt: str = ""
) -> ProductImage:
    """Check the upload by content, strip metadata, store the renditions; appended last."""
    raise NotImplementedError


def product_image_update(*, store: Store, actor: Actor, image: ProductImage, alt: str) -> ProductImage:
    raise NotImplementedError


def product_images_reorder(*, store: Store, actor: Actor, product: Product, image_ids: list[int]) -> None:
    raise NotImplementedError


def product_image_delete(*, store: Store, actor: Actor, image: ProductImage) -> None:
    """Remove the row and its files; variants that showed it show none."""
    raise NotImplementedError


def collection_create(*, store: Store, actor: Actor, data: CollectionInput) -> Collection:
    raise NotImplementedError


def collection_update(*, store: Store, actor: Actor, collection: Collection, data: CollectionInput) -> Collection:
    raise NotImplementedError


def collection_delete(*, store: Store, actor: Actor, collection: Collection) -> None:
    raise NotImplementedError


def collection_set_products(*, store: Store, actor: Actor, collection: Collection, product_ids: list[int]) -> None:
    """Set a manual collection's products, in this order. Ids of other stores' products are refused."""
    raise NotImplementedError
