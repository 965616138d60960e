"""Two merchants' requests racing for one handle or SKU, on PostgreSQL (real concurrent transactions).

Both pass the "is it taken?" check before either writes; the unique index
then stops the second, which must end as a field error, not a 500.
"""

from __future__ import annotations

import threading

import pytest

from shopwright.catalog import services, validation
from shopwright.catalog.models import Product, Variant
from shopwright.core.audit import Actor
from shopwright.core.exceptions import ApplicationError
from tests.catalog.helpers import simple_input
from tests.concurrency import run_at_once
from tests.factories import make_merchant

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _meet_after(monkeypatch, name: str) -> None:
    """Make both threads finish the named check, then go on together."""
    barrier = threading.Barrier(2, timeout=10)
    real = getattr(validation, name)

    def checked_then_wait(**kwargs):  # type: ignore[no-untyped-def]
        result = real(**kwargs)
        barrier.wait()
        return result

    monkeypatch.setattr(validation, name, checked_then_wait)


def _outcome_kinds(outcomes: dict[int, object]) -> tuple[list[Product], list[ApplicationError]]:
    made = [o for o in outcomes.values() if isinstance(o, Product)]
    refused = [o for o in outcomes.values() if isinstance(o, ApplicationError)]
    assert len(made) + len(refused) == len(outcomes), outcomes
    return made, refused


def test_two_creates_with_one_handle(postgres, monkeypatch) -> None:
    store = make_merchant().store
    _meet_after(monkeypatch, "handle_taken")

    outcomes = run_at_once(
        lambda n: services.product_create(
            store=store, actor=Actor.system(), data=simple_input(title=f"Mug {n}", handle="mug", sku=f"M-{n}")
        )
    )

    made, refused = _outcome_kinds(outcomes)
    assert len(made) == 1 and len(refused) == 1
    assert refused[0].fields == {"handle": ["Another product already uses this handle."]}
    assert Product.objects.filter(store=store).count() == 1
    assert Variant.objects.filter(store=store).count() == 1


def test_two_creates_with_one_sku(postgres, monkeypatch) -> None:
    store = make_merchant().store
    barrier = threading.Barrier(2, timeout=10)
    real = validation._check_variants_unique

    def checked_then_wait(**kwargs):  # type: ignore[no-untyped-def]
        real(**kwargs)
        barrier.wait()

    monkeypatch.setattr(validation, "_check_variants_unique", checked_then_wait)

    outcomes = run_at_once(
        lambda n: services.product_create(
            store=store, actor=Actor.system(), data=simple_input(title=f"Mug {n}", sku="MUG-1")
        )
    )

    made, refused = _outcome_kinds(outcomes)
    assert len(made) == 1 and len(refused) == 1
    assert refused[0].fields == {"variants.0.sku": ["Another product already uses this SKU."]}
    assert Variant.objects.filter(store=store, sku="MUG-1").count() == 1


def test_two_creates_with_one_title_both_get_a_handle(postgres, monkeypatch) -> None:
    store = make_merchant().store
    barrier = threading.Barrier(2, timeout=10)
    real = services._free_handle
    calls: list[int] = []

    def chosen_then_wait(**kwargs):  # type: ignore[no-untyped-def]
        handle = real(**kwargs)
        calls.append(1)
        if len(calls) <= 2:
            barrier.wait()  # both pick "mug" before either writes it
        return handle

    monkeypatch.setattr(services, "_free_handle", chosen_then_wait)

    outcomes = run_at_once(
        lambda n: services.product_create(store=store, actor=Actor.system(), data=simple_input(title="Mug"))
    )

    made, refused = _outcome_kinds(outcomes)
    assert refused == []
    assert sorted(p.handle for p in made) == ["mug", "mug-2"]
