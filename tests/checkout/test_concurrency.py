"""Two tabs opening the checkout of one cart at once, on PostgreSQL (real concurrent transactions)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from shopwright.cart.models import Cart
from shopwright.checkout import services
from shopwright.checkout.models import Checkout
from tests.checkout.helpers import variant
from tests.checkout_factories import make_checkout
from tests.concurrency import run_at_once
from tests.factories import make_merchant


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_first_visits_of_one_cart_share_one_checkout(postgres, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    store = make_merchant().store
    cart = make_checkout(store, [(variant(store), 1)]).cart
    Checkout.objects.filter(store=store, cart=cart).delete()
    barrier = threading.Barrier(2, timeout=10)

    class MeetThenMake:
        """Both visits found no checkout; they meet here, then both try to make it."""

        objects = Checkout.objects

        def __new__(cls, **kwargs: Any) -> Checkout:  # type: ignore[misc]
            barrier.wait()
            return Checkout(**kwargs)

    monkeypatch.setattr(services, "Checkout", MeetThenMake)
    outcomes = run_at_once(
        lambda n: services.checkout_for_cart(store=store, cart=Cart.objects.get(store=store, pk=cart.pk))
    )
    assert all(isinstance(o, Checkout) for o in outcomes.values()), outcomes
    assert len({o.pk for o in outcomes.values() if isinstance(o, Checkout)}) == 1
    assert Checkout.objects.filter(store=store, cart=cart).count() == 1
