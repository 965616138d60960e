"""The order keeps the delivery region code whole (the column holds 64 characters)."""

from __future__ import annotations

import pytest

from shopwright.orders.models import Order
from tests.checkout_factories import address
from tests.order_factories import make_variant, place_order

pytestmark = pytest.mark.django_db


def test_a_long_region_code_is_stored_whole(store) -> None:
    region = "Mecklenburg-Vorpommern"  # 22 characters; many region codes are longer than 16
    item = make_variant(store, stock=5)

    order = place_order(store, [(item, 1)], shipping_address=address(country_area=region)).order

    assert Order.objects.get(store=store, pk=order.pk).shipping_area == region
