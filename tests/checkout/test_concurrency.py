"""Two tabs opening or writing the checkout of one cart at once, on PostgreSQL (real concurrent transactions)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from shopwright.cart.models import Cart
from shopwright.cart.services import Shopper, cart_line_add
from shopwright.checkout import services
from shopwright.checkout.models import Checkout
from shopwright.core.audit import Actor
from tests.checkout.helpers import shipping_store, variant
from tests.checkout_factories import address, make_checkout
from tests.concurrency import run_at_once
from tests.factories import make_customer, make_merchant


def _meet_before_making(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Both visits found no checkout; they meet here, then both try to make it (one insert wins)."""
    barrier = threading.Barrier(2, timeout=10)
    real = services._checkout_insert

    def meet_then_insert(checkout: Checkout) -> bool:
        barrier.wait()
        return real(checkout)

    monkeypatch.setattr(services, "_checkout_insert", meet_then_insert)


def _one_checkout(outcomes: dict[int, Any], store, cart_id: int) -> Checkout:  # type: ignore[no-untyped-def]
    assert all(isinstance(o, Checkout) for o in outcomes.values()), outcomes
    assert len({o.pk for o in outcomes.values()}) == 1
    (checkout,) = Checkout.objects.filter(store=store, cart_id=cart_id)
    return checkout


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_first_visits_of_one_cart_share_one_checkout(postgres, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    store = make_merchant().store
    cart = make_checkout(store, [(variant(store), 1)]).cart
    Checkout.objects.filter(store=store, cart=cart).delete()
    _meet_before_making(monkeypatch)
    outcomes = run_at_once(
        lambda n: services.checkout_for_cart(store=store, cart=Cart.objects.get(store=store, pk=cart.pk))
    )
    _one_checkout(outcomes, store, cart.pk)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("who", ["visitor", "customer"])
def test_two_first_api_reads_of_one_cart_share_one_checkout(postgres, monkeypatch, who) -> None:  # type: ignore[no-untyped-def]
    """The API's path: the cart and its (missing) checkout found in one query, then made once."""
    store = make_merchant().store
    customer = make_customer(store, email="jo@example.com") if who == "customer" else None
    change = cart_line_add(
        store=store,
        actor=Actor.anonymous(),
        shopper=Shopper(customer=customer),
        variant_id=variant(store).pk,
        quantity=1,
    )
    shopper = Shopper(customer=customer, secret=change.secret)
    _meet_before_making(monkeypatch)
    outcomes = run_at_once(lambda n: services.checkout_for_shopper(store=store, shopper=shopper))
    checkout = _one_checkout(outcomes, store, change.cart.pk)
    assert checkout.customer_id == (customer.pk if customer else None)
    assert checkout.email == ("jo@example.com" if customer else "")
    # Both answers are the stored checkout (the one that lost the insert read the winner's).
    assert {o.email for o in outcomes.values()} == {checkout.email}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_information_waits_for_the_lock_an_order_placement_holds(postgres) -> None:  # type: ignore[no-untyped-def]
    """The information's lookup takes the checkout's lock: while a placement holds it, the write waits."""
    store = shipping_store(make_merchant().store)
    item = variant(store)
    change = cart_line_add(store=store, actor=Actor.anonymous(), shopper=Shopper(), variant_id=item.pk, quantity=1)
    shopper = Shopper(secret=change.secret)
    checkout = services.checkout_for_shopper(store=store, shopper=shopper)
    holding, done = threading.Event(), threading.Event()

    def hold_the_lock(n: int) -> object:
        if n == 1:
            from django.db import transaction

            with transaction.atomic():
                Checkout.objects.select_for_update(no_key=True).filter(store=store, pk=checkout.pk).get()
                holding.set()
                assert not done.wait(timeout=1), "the information did not wait for the lock"
            return "held"
        assert holding.wait(timeout=10)
        written = services.checkout_update_information(
            store=store,
            checkout=shopper,
            email="erika@example.com",
            phone="030 901820",
            shipping_address=address(),
        )
        done.set()
        return written

    outcomes = run_at_once(hold_the_lock)
    assert outcomes[1] == "held", outcomes
    assert isinstance(outcomes[2], Checkout), outcomes
    assert Checkout.objects.get(store=store, pk=checkout.pk).email == "erika@example.com"
