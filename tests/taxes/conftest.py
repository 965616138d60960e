"""Fixtures for the tax tests: two stores, so every test can try the other one's rows."""

from __future__ import annotations

import pytest

from shopwright.core.audit import Actor
from shopwright.stores.models import Store
from tests.factories import make_merchant


@pytest.fixture
def store() -> Store:
    return make_merchant().store


@pytest.fixture
def other_store() -> Store:
    return make_merchant().store


@pytest.fixture
def actor(store: Store) -> Actor:
    return Actor.user(store.owner)
