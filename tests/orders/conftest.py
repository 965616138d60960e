"""Fixtures for the order tests: a store that ships to Germany with 19 % VAT, and a second store."""

from __future__ import annotations

import pytest

from shopwright.stores.models import Store
from tests.checkout_factories import make_shipping, make_tax
from tests.factories import make_merchant


@pytest.fixture
def store() -> Store:
    store = make_merchant(store_name="Linden Goods").store
    make_shipping(store, price="5.00")
    make_tax(store, rate="19")
    return store


@pytest.fixture
def other_store() -> Store:
    store = make_merchant(store_name="Birch Supplies").store
    make_shipping(store)
    return store
