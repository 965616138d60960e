"""The API's error mapping (shopwright/api.py): an application error's own status reaches the client."""

from __future__ import annotations

import pytest

from shopwright.cart.services import Shopper, cart_line_add
from shopwright.catalog.models import Variant
from shopwright.catalog.stock import InsufficientStock
from shopwright.checkout import services as checkout_services
from shopwright.core.audit import Actor
from tests.api.conftest import assert_error
from tests.catalog_factories import make_product
from tests.factories import host, make_merchant

pytestmark = pytest.mark.django_db


def test_a_stock_shortfall_that_reaches_the_handler_is_a_409_conflict(api, monkeypatch) -> None:
    """Not only POST /checkout/place (which answers it itself): any route a shortfall escapes from says 409."""
    store = make_merchant().store
    variant = Variant.objects.get(store=store, product=make_product(store, title="Mug", stock=1))
    cart = cart_line_add(store=store, actor=Actor.anonymous(), shopper=Shopper(), variant_id=variant.pk, quantity=1)

    def sold_out(**kwargs: object) -> None:
        raise InsufficientStock({variant.pk: 0})

    monkeypatch.setattr(checkout_services, "checkout_set_shipping_method", sold_out)
    response = api.call(
        "put",
        "storefront/checkout/shipping-method",
        {"method_id": 1},
        host=host(store),
        HTTP_X_CART_TOKEN=cart.secret,
    )

    body = assert_error(response, 409)
    assert body["code"] == "insufficient_stock"
    assert body["message"] == "Some items are no longer available in the quantity you asked for."
