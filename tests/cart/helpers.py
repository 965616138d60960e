"""Helpers for cart and favourites tests: shoppers' browsers, products with stock, what the database holds."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.test import Client
from PIL import Image

from shopwright.cart.models import Cart, CartLine
from shopwright.catalog.models import Product, Variant
from shopwright.catalog.services import product_image_add
from shopwright.core.audit import Actor
from shopwright.stores.models import Store
from tests.catalog_factories import make_product
from tests.factories import PASSWORD, host

PENDING_COOKIES = "shopwright.cart.middleware.PendingCookiesMiddleware"


def install_pending_cookies(test_settings: Any) -> None:
    """The middleware the lead adds to settings.MIDDLEWARE; tests add it until then."""
    if PENDING_COOKIES not in settings.MIDDLEWARE:
        test_settings.MIDDLEWARE = [*settings.MIDDLEWARE, PENDING_COOKIES]


def browser(store: Store, **kwargs: Any) -> Client:
    return Client(HTTP_HOST=host(store), **kwargs)


def signed_in(store: Store, email: str) -> Client:
    client = browser(store)
    response = client.post("/account/login/", {"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


def product(store: Store, **kwargs: Any) -> Product:
    return make_product(store, **kwargs)


def only_variant(product: Product) -> Variant:
    variants = list(Variant.objects.filter(store_id=product.store_id, product=product))
    assert len(variants) == 1
    return variants[0]


def variants_of(product: Product) -> list[Variant]:
    return list(Variant.objects.filter(store_id=product.store_id, product=product).order_by("position", "id"))


def set_stock(variant: Variant, quantity: int, *, track: bool = True, continue_selling: bool = False) -> None:
    Variant.objects.filter(store_id=variant.store_id, pk=variant.pk).update(
        stock_quantity=quantity, track_stock=track, continue_selling=continue_selling
    )


def set_price(variant: Variant, price: str, compare_at: str | None = None) -> None:
    Variant.objects.filter(store_id=variant.store_id, pk=variant.pk).update(
        price=Decimal(price), compare_at_price=Decimal(compare_at) if compare_at else None
    )


def add(client: Client, variant: Variant | int, quantity: Any = 1, *, as_json: bool = False, **extra: Any):  # type: ignore[no-untyped-def]
    variant_id = variant if isinstance(variant, int) else variant.pk
    if as_json:
        extra["HTTP_ACCEPT"] = "application/json"
    return client.post("/cart/add/", {"variant_id": variant_id, "quantity": quantity}, **extra)


def lines(store: Store) -> dict[int, int]:
    """variant id → quantity over every cart of the store."""
    return dict(CartLine.objects.filter(store=store).values_list("variant_id", "quantity"))


def carts(store: Store) -> list[Cart]:
    return list(Cart.objects.filter(store=store).order_by("id"))


def jpeg(colour: tuple[int, int, int] = (40, 90, 160)) -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (200, 200), colour).save(out, "JPEG")
    out.seek(0)
    return out


def with_image(item: Product) -> Product:
    store = Store.objects.get(pk=item.store_id)
    product_image_add(store=store, actor=Actor.system(), product=item, upload=jpeg(), alt="")
    return item
