"""Reads of favourites: whose, which products, and a product a favourite may name.

Only the store's own products are ever found; another store's id and an id
that does not exist are the same None. Listings run a fixed number of
queries whatever the number of favourites.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shopwright.cart.selectors import id_in_range
from shopwright.catalog import selectors as catalog_selectors
from shopwright.catalog.models import Product, ProductStatus
from shopwright.customers.models import Customer
from shopwright.storefront.models import Favourite
from shopwright.stores.models import Store

# A customer's list shows the newest this many (the service refuses more).
MAX_LISTED = 1000


@dataclass(frozen=True)
class FavouriteEntry:
    card: catalog_selectors.ProductCard
    # When the customer marked it; None for a visitor's cookie favourites.
    added_at: datetime | None


def favourite_product(*, store: Store, product_id: int) -> Product | None:
    """A published product of this store that may become a favourite."""
    if not id_in_range(product_id):
        return None
    return Product.objects.filter(store=store, pk=product_id, status=ProductStatus.PUBLISHED).first()


def store_product(*, store: Store, product_id: int) -> Product | None:
    """Any product of this store, published or not (a favourite of a withdrawn product can still be removed)."""
    if not id_in_range(product_id):
        return None
    return Product.objects.filter(store=store, pk=product_id).first()


def favourite_ids(*, store: Store, customer: Customer) -> set[int]:
    return set(Favourite.objects.filter(store=store, customer=customer).values_list("product_id", flat=True))


def favourite_count(*, store: Store, customer: Customer) -> int:
    return Favourite.objects.filter(store=store, customer=customer).count()


def favourites_of_customer(*, store: Store, customer: Customer) -> list[FavouriteEntry]:
    """The customer's favourites still on sale, newest first. Three queries."""
    marked = list(
        Favourite.objects.filter(store=store, customer=customer)
        .order_by("-created_at", "-id")
        .values_list("product_id", "created_at")[:MAX_LISTED]
    )
    when = dict(marked)
    cards = _cards(store=store, product_ids=[product_id for product_id, _ in marked])
    return [FavouriteEntry(card=card, added_at=when.get(card.id)) for card in cards]


def favourite_entry(*, store: Store, customer: Customer, product_id: int) -> FavouriteEntry | None:
    """One of the customer's favourites, as the list shows it; None when it is not (or no longer) on sale."""
    if not id_in_range(product_id):
        return None
    added = (
        Favourite.objects.filter(store=store, customer=customer, product_id=product_id)
        .values_list("created_at", flat=True)
        .first()
    )
    cards = _cards(store=store, product_ids=[product_id])
    return FavouriteEntry(card=cards[0], added_at=added) if added is not None and cards else None


def favourites_of_visitor(*, store: Store, product_ids: list[int]) -> list[FavouriteEntry]:
    """The cookie's products still on sale, in the cookie's order. Two queries at most."""
    return [FavouriteEntry(card=card, added_at=None) for card in _cards(store=store, product_ids=product_ids)]


def _cards(*, store: Store, product_ids: list[int]) -> list[catalog_selectors.ProductCard]:
    wanted = [pk for pk in product_ids if id_in_range(pk)]
    if not wanted:
        return []
    products = catalog_selectors.published_products(store=store).filter(pk__in=wanted).order_by("id")
    position = {pk: index for index, pk in enumerate(wanted)}
    cards = catalog_selectors.product_cards(store=store, products=products)
    return sorted(cards, key=lambda card: position[card.id])
