"""Two adds of the same variant at once, on PostgreSQL (real concurrent transactions)."""

from __future__ import annotations

import threading

import pytest

from shopwright.cart import selectors, services
from shopwright.cart.services import CartChange, Shopper
from shopwright.core.audit import Actor
from shopwright.core.exceptions import ApplicationError
from tests.cart.helpers import carts, lines, only_variant, product
from tests.concurrency import run_at_once
from tests.factories import make_customer, make_merchant


def _meet_after_reading_the_variant(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Both adds have found the variant (and no line, no cart yet) before either writes."""
    barrier = threading.Barrier(2, timeout=10)
    real = selectors.variant_for_cart

    def variant_then_wait(**kwargs):  # type: ignore[no-untyped-def]
        found = real(**kwargs)
        barrier.wait()
        return found

    monkeypatch.setattr(selectors, "variant_for_cart", variant_then_wait)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_first_adds_of_a_customer_make_one_cart_and_one_line(postgres, monkeypatch) -> None:
    store = make_merchant().store
    variant = only_variant(product(store, stock=10))
    shopper = Shopper(customer=make_customer(store))
    _meet_after_reading_the_variant(monkeypatch)

    outcomes = run_at_once(
        lambda n: services.cart_line_add(
            store=store, actor=Actor.anonymous(), shopper=shopper, variant_id=variant.pk, quantity=2
        )
    )
    assert all(isinstance(o, CartChange) for o in outcomes.values()), outcomes
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
    _meet_after_reading_the_variant(monkeypatch)

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
