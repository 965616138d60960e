"""A closed store keeps only its privacy pages open, and only until its customers' data is erased."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import PASSWORD, host, make_customer, make_merchant

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_store():
    store = make_merchant(store_name="Shut Shop").store
    make_customer(store, email="still.here@example.com")
    store.status = "closed"
    store.closed_at = timezone.now()
    store.save(update_fields=["status", "closed_at"])
    return store


def test_during_the_grace_period_customers_reach_their_privacy_pages_but_not_the_shop(closed_store):
    client = Client(HTTP_HOST=host(closed_store))
    shop = client.get("/")
    assert shop.status_code == 404 and "Shut Shop is closed" in shop.content.decode()
    assert "send a privacy request" in shop.content.decode()
    assert client.get("/cart/").status_code == 404

    assert client.get("/privacy/requests/").status_code == 200
    login = client.post("/account/login/", {"email": "still.here@example.com", "password": PASSWORD})
    assert login.status_code == 302
    assert client.get("/account/privacy/").status_code == 200
    # No child's account is activated in a closed store.
    assert client.get("/privacy/guardian/some-token/").status_code == 404


def test_once_the_data_is_erased_the_privacy_pages_close_too(closed_store):
    closed_store.customer_data_erased_at = timezone.now()
    closed_store.save(update_fields=["customer_data_erased_at"])
    client = Client(HTTP_HOST=host(closed_store))
    page = client.get("/privacy/requests/")
    assert page.status_code == 404
    assert "send a privacy request" not in page.content.decode()
