"""Fixtures for the cart tests: two live stores, so every test can try the other one's rows."""

from __future__ import annotations

import pytest

from shopwright.stores.models import Store
from tests.cart.helpers import install_pending_cookies
from tests.factories import make_merchant


@pytest.fixture
def store() -> Store:
    return make_merchant(store_name="Corner Books").store


@pytest.fixture
def other_store() -> Store:
    return make_merchant(store_name="Tea Corner").store


@pytest.fixture(autouse=True)
def _pending_cookies(settings) -> None:  # type: ignore[no-untyped-def]
    install_pending_cookies(settings)
