"""Sign-ups and registrations from one address are limited per hour."""

import pytest
from django.test import Client

from shopwright.stores.models import Store
from tests.factories import ADULT, PASSWORD, host, make_merchant, signup_data

pytestmark = pytest.mark.django_db


def test_merchant_signups_from_one_address_stop_at_the_hourly_limit(settings):
    settings.SIGNUP_LIMITS = {**settings.SIGNUP_LIMITS, "merchant_signups_per_hour": 2}
    api = Client()
    for _ in range(2):
        response = api.post("/api/v1/merchant/signup", signup_data(), content_type="application/json")
        assert response.status_code == 201
    stores_before = Store.objects.count()

    refused = api.post("/api/v1/merchant/signup", signup_data(), content_type="application/json")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many attempts" in refused.json()["message"]
    page = Client().post("/signup/", {**signup_data(), "agree": "on"}, HTTP_HOST="localhost")
    assert "Too many attempts from your network" in page.content.decode()
    assert Store.objects.count() == stores_before

    # Probing whether an email has an account is limited the same way.
    taken = signup_data(email=Store.objects.first().owner.email)
    assert api.post("/api/v1/merchant/signup", taken, content_type="application/json").status_code == 429

    # Another address is not affected; malformed attempts are not counted.
    other = Client(REMOTE_ADDR="203.0.113.80")
    assert other.post("/api/v1/merchant/signup", signup_data(), content_type="application/json").status_code == 201
    for _ in range(5):
        bad = signup_data(email="not-an-email")
        assert other.post("/api/v1/merchant/signup", bad, content_type="application/json").status_code == 400
    assert other.post("/api/v1/merchant/signup", signup_data(), content_type="application/json").status_code == 201


def test_customer_registrations_from_one_address_stop_at_the_hourly_limit(settings):
    settings.SIGNUP_LIMITS = {**settings.SIGNUP_LIMITS, "customer_registrations_per_hour": 2}
    store = make_merchant().store
    shopper = Client()
    for n in range(2):
        body = {"email": f"buyer{n}@example.com", "name": "Buyer Person", "password": PASSWORD, "date_of_birth": ADULT}
        response = shopper.post(
            "/api/v1/customer/register", body, content_type="application/json", HTTP_HOST=host(store)
        )
        assert response.status_code == 201
    body = {"email": "buyer9@example.com", "name": "Buyer Person", "password": PASSWORD, "date_of_birth": ADULT}
    response = shopper.post("/api/v1/customer/register", body, content_type="application/json", HTTP_HOST=host(store))
    assert response.status_code == 429
