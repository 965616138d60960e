"""Favourites of a signed-in customer (store host): list, add, remove. 401 without a customer."""

from __future__ import annotations

import datetime
from typing import Annotated

from ninja import Field, Router, Status

from shopwright.cart.selectors import MAX_ID
from shopwright.catalog.images import image_url
from shopwright.core.api import ERRORS, ApiSchema, InputSchema, OkOut
from shopwright.core.audit import Actor
from shopwright.core.exceptions import NotFound
from shopwright.customers.api import CustomerApiRequest, customer_auth
from shopwright.storefront import selectors, services
from shopwright.storefront.selectors import FavouriteEntry

IMAGE_WIDTH = 480

router = Router(tags=["favourites"], auth=customer_auth)


class FavouriteIn(InputSchema):
    product_id: Annotated[int, Field(strict=True, ge=1, le=MAX_ID)]


class FavouriteOut(ApiSchema):
    product_id: int
    handle: str
    title: str
    currency: str
    # The cheapest variant's price (a string of a decimal number), and the dearest one's.
    price_min: str
    price_max: str
    available: bool
    image_url: str | None
    added_at: datetime.datetime | None


def _out(entry: FavouriteEntry, *, currency: str) -> FavouriteOut:
    card = entry.card
    return FavouriteOut(
        product_id=card.id,
        handle=card.handle,
        title=card.title,
        currency=currency,
        price_min=str(card.price_min),
        price_max=str(card.price_max),
        available=card.available,
        image_url=(image_url(card.image, IMAGE_WIDTH) or None) if card.image else None,
        added_at=entry.added_at,
    )


@router.get("", response={200: list[FavouriteOut], **ERRORS}, summary="My favourites still on sale, newest first")
def favourites_list(request: CustomerApiRequest) -> list[FavouriteOut]:
    entries = selectors.favourites_of_customer(store=request.store, customer=request.auth)
    return [_out(entry, currency=request.store.currency) for entry in entries]


@router.post(
    "",
    response={200: FavouriteOut, 201: FavouriteOut, **ERRORS},
    summary="Mark a product (201; 200 when it already was a favourite)",
)
def favourite_add(request: CustomerApiRequest, payload: FavouriteIn) -> Status[FavouriteOut]:
    store, customer = request.store, request.auth
    change = services.favourite_add(
        store=store, actor=Actor.customer(customer), customer=customer, product_id=payload.product_id
    )
    entry = selectors.favourite_entry(store=store, customer=customer, product_id=change.product.pk)
    if entry is None:  # withdrawn between the two reads
        raise NotFound(services.NOT_AVAILABLE)
    return Status(201 if change.created else 200, _out(entry, currency=store.currency))


@router.delete("/{product_id}", response={200: OkOut, **ERRORS}, summary="Unmark a product")
def favourite_remove(request: CustomerApiRequest, product_id: int) -> OkOut:
    customer = request.auth
    services.favourite_remove(
        store=request.store, actor=Actor.customer(customer), customer=customer, product_id=product_id
    )
    return OkOut()
