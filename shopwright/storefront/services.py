"""Favourites: a signed-in customer's (rows) and a visitor's (a cookie list the caller keeps).

Only published products of the store can be added; another store's product
id is NotFound, the same answer as an id that does not exist. Adding twice or
removing what is not there changes nothing and is no error. Favourites are
not audited: marking a product is not a sensitive action.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from shopwright.cart.selectors import id_in_range
from shopwright.catalog.models import Product
from shopwright.catalog.selectors import published_products
from shopwright.core.audit import Actor
from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.customers.models import Customer
from shopwright.storefront import selectors
from shopwright.storefront.favourite_cookies import MAX_VISITOR_FAVOURITES
from shopwright.storefront.models import Favourite
from shopwright.stores.models import Store

# A bound on one account's rows; far above what a shopper keeps.
MAX_CUSTOMER_FAVOURITES = 1000
NOT_AVAILABLE = "This product is not available at this store."


@dataclass(frozen=True)
class FavouriteChange:
    product: Product
    # Whether the product is a favourite after the change.
    favourite: bool
    message: str
    # The visitor's new cookie list (None for a customer).
    visitor_ids: list[int] | None = None
    # This call made the favourite (False when it already was one, and for removals).
    created: bool = False


def clean_product_id(value: Any) -> int:
    """A positive whole number, or NotFound (an id nobody could hold is simply not found)."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdecimal() and len(value.strip()) <= 19:
        return int(value)
    raise NotFound(NOT_AVAILABLE)


def _published(*, store: Store, product_id: Any) -> Product:
    product = selectors.favourite_product(store=store, product_id=clean_product_id(product_id))
    if product is None:
        raise NotFound(NOT_AVAILABLE)
    return product


def _any_status(*, store: Store, product_id: Any) -> Product:
    product = selectors.store_product(store=store, product_id=clean_product_id(product_id))
    if product is None:
        raise NotFound(NOT_AVAILABLE)
    return product


def favourite_add(*, store: Store, actor: Actor, customer: Customer, product_id: Any) -> FavouriteChange:
    """Mark a published product of the store. Raises NotFound, or ApplicationError past the limit."""
    product = _published(store=store, product_id=product_id)
    with transaction.atomic():
        if Favourite.objects.filter(store=store, customer=customer, product=product).exists():
            return FavouriteChange(product=product, favourite=True, message=f"{product.title} is in your favourites.")
        if selectors.favourite_count(store=store, customer=customer) >= MAX_CUSTOMER_FAVOURITES:
            raise ApplicationError(
                f"You can keep up to {MAX_CUSTOMER_FAVOURITES} favourites. Remove one to add another.",
                code="favourites_full",
            )
        try:
            with transaction.atomic():
                Favourite.objects.create(store=store, customer=customer, product=product)
        except IntegrityError:
            # The same click from another tab got there first: it is a favourite either way.
            return FavouriteChange(product=product, favourite=True, message=f"{product.title} is in your favourites.")
    return FavouriteChange(
        product=product, favourite=True, message=f"Added {product.title} to your favourites.", created=True
    )


def favourite_remove(*, store: Store, actor: Actor, customer: Customer, product_id: Any) -> FavouriteChange:
    """Unmark a product of the store (any status). Raises NotFound for another store's product."""
    product = _any_status(store=store, product_id=product_id)
    Favourite.objects.filter(store=store, customer=customer, product=product).delete()
    return FavouriteChange(product=product, favourite=False, message=f"Removed {product.title} from your favourites.")


def visitor_favourite_add(*, store: Store, product_ids: list[int], product_id: Any) -> FavouriteChange:
    """The visitor's list with the product first; nothing is written (the caller keeps the cookie).

    Raises NotFound, or ApplicationError when the list already holds 100.
    """
    product = _published(store=store, product_id=product_id)
    if product.pk in product_ids:
        return FavouriteChange(
            product=product, favourite=True, message=f"{product.title} is in your favourites.", visitor_ids=product_ids
        )
    if len(product_ids) >= MAX_VISITOR_FAVOURITES:
        raise ApplicationError(
            f"You can keep {MAX_VISITOR_FAVOURITES} favourites without an account. "
            "Sign in to keep more, or remove one first.",
            code="favourites_full",
        )
    return FavouriteChange(
        product=product,
        favourite=True,
        message=f"Added {product.title} to your favourites.",
        visitor_ids=[product.pk, *product_ids],
        created=True,
    )


def visitor_favourite_remove(*, store: Store, product_ids: list[int], product_id: Any) -> FavouriteChange:
    product = _any_status(store=store, product_id=product_id)
    return FavouriteChange(
        product=product,
        favourite=False,
        message=f"Removed {product.title} from your favourites.",
        visitor_ids=[pk for pk in product_ids if pk != product.pk],
    )


def favourites_merge(*, store: Store, actor: Actor, customer: Customer, product_ids: list[int]) -> int:
    """Add a visitor's cookie favourites to the account (published products of this store only).

    Ids the customer already has, or of products that are gone or another
    store's, are skipped. Returns how many were added.
    """
    wanted = [pk for pk in dict.fromkeys(product_ids) if id_in_range(pk)]
    if not wanted:
        return 0
    with transaction.atomic():
        on_sale = set(published_products(store=store).filter(pk__in=wanted).values_list("pk", flat=True))
        have = selectors.favourite_ids(store=store, customer=customer)
        room = max(0, MAX_CUSTOMER_FAVOURITES - len(have))
        # Oldest first, so the newest cookie favourite is also the newest row.
        new = [pk for pk in reversed(wanted) if pk in on_sale and pk not in have][-room:] if room else []
        Favourite.objects.bulk_create(
            [Favourite(store=store, customer=customer, product_id=pk) for pk in new], ignore_conflicts=True
        )
    return len(new)
