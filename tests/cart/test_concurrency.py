"""Two adds of the same variant at once, on PostgreSQL (real concurrent transactions)."""

from __future__ import annotations

import threading

import pytest

from shopwright.cart import services
from shopwright.cart.services import CartChange, Shopper
from shopwright.core.audit import Actor
from shopwright.core.exceptions import ApplicationError
from tests.cart.helpers import carts, lines, only_variant, product
from tests.concurrency import run_at_once
from tests.factories import make_customer, make_merchant


def _meet(monkeypatch, *, before_the_lock: bool) -> None:  # type: ignore[no-untyped-def]
    """Hold both adds at the start of their transaction until the other is there too.

    Before taking the cart's lock (a cart exists: the second must then wait for
    the first's commit), or just after finding no cart to lock (neither has made
    one yet: both try to). Only an add's first look for its cart meets.
    """
    barrier = threading.Barrier(2, timeout=10)
    met = threading.local()
    real = services._touched_cart

    def meet_then_lock(**kwargs):  # type: ignore[no-untyped-def]
        first = not getattr(met, "done", False)
        met.done = True
        if first and before_the_lock:
            barrier.wait()
        found = real(**kwargs)
        if first and not before_the_lock:
            assert found is None
            barrier.wait()
        return found

    monkeypatch.setattr(services, "_touched_cart", meet_then_lock)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_first_adds_of_a_customer_make_one_cart_and_one_line(postgres, monkeypatch) -> None:
    store = make_merchant().store
    variant = only_variant(product(store, stock=10))
    shopper = Shopper(customer=make_customer(store))
    _meet(monkeypatch, before_the_lock=False)

    outcomes = run_at_once(
        lambda n: services.cart_line_add(
            store=store, actor=Actor.anonymous(), shopper=shopper, variant_id=variant.pk, quantity=2
        )
    )
    assert all(isinstance(o, CartChange) for o in outcomes.values()), outcomes
    # Both found no cart; one made it, the other found it made and added to it.
    assert sorted(o.created for o in outcomes.values() if isinstance(o, CartChange)) == [False, True]
    assert len(carts(store)) == 1
    assert lines(store) == {variant.pk: 4}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_adds_at_once_never_pass_the_stock_together(postgres, monkeypatch) -> None:
    store = make_merchant().store
    variant = only_variant(product(store, title="Lamp", stock=3))
    first = services.cart_line_add(
        store=store, actor=Actor.anonymous(), shopper=Shopper(), variant_id=variant.pk, quantity=1
    )
    shopper = Shopper(secret=first.secret)
    _meet(monkeypatch, before_the_lock=True)

    outcomes = run_at_once(
        lambda n: services.cart_line_add(
            store=store, actor=Actor.anonymous(), shopper=shopper, variant_id=variant.pk, quantity=2
        )
    )
    changes = [o for o in outcomes.values() if isinstance(o, CartChange)]
    refusals = [o for o in outcomes.values() if isinstance(o, ApplicationError)]
    assert len(changes) + len(refusals) == 2, outcomes
    # One add took it to 3 (capped from 1 + 2 = 3, or 1 + 2 then capped); the other found the line full.
    assert lines(store) == {variant.pk: 3}
    assert len(carts(store)) == 1
    assert all(r.code == "stock_limit" for r in refusals)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_adds_at_once_to_an_existing_line_both_count(postgres, monkeypatch) -> None:
    store = make_merchant().store
    variant = only_variant(product(store, title="Cup", stock=50))
    first = services.cart_line_add(
        store=store, actor=Actor.anonymous(), shopper=Shopper(), variant_id=variant.pk, quantity=1
    )
    shopper = Shopper(secret=first.secret)
    _meet(monkeypatch, before_the_lock=True)

    outcomes = run_at_once(
        lambda n: services.cart_line_add(
            store=store, actor=Actor.anonymous(), shopper=shopper, variant_id=variant.pk, quantity=2
        )
    )
    changes = sorted((o.quantity, o.count) for o in outcomes.values() if isinstance(o, CartChange))
    # The second saw what the first wrote: 1 + 2 + 2, never 3 twice.
    assert changes == [(3, 3), (5, 5)], outcomes
    assert lines(store) == {variant.pk: 5}
