"""Checkout test fixtures: a store shipping to Germany, France and the US with German VAT, and another store."""

from __future__ import annotations

import pytest

from shopwright.stores.models import Store
from tests.checkout.helpers import shipping_store
from tests.factories import make_merchant


@pytest.fixture(autouse=True)
def _direct_delivery(settings):  # type: ignore[no-untyped-def]
    """The test provider's gateway hands its webhooks to the service in-process (the test client has no socket)."""
    settings.TEST_GATEWAY_DELIVERY = "direct"


@pytest.fixture
def store() -> Store:
    return shipping_store()


@pytest.fixture
def other_store() -> Store:
    return shipping_store(make_merchant(store_name="Other Shop").store)
