"""Signing in at a store gives a fresh session and a fresh CSRF token."""

import pytest
from django.test import Client

from tests.factories import PASSWORD, host, make_customer, make_merchant


@pytest.mark.django_db
def test_sign_in_rotates_the_session_key_and_the_csrf_token():
    store = make_merchant().store
    customer = make_customer(store)
    browser = Client()
    browser.get("/account/login/", HTTP_HOST=host(store))
    csrf_before = browser.cookies["csrftoken"].value
    browser.get("/", HTTP_HOST=host(store))
    session_before = browser.cookies.get("sessionid")

    response = browser.post("/account/login/", {"email": customer.email, "password": PASSWORD}, HTTP_HOST=host(store))
    assert response.status_code == 302
    assert browser.cookies["csrftoken"].value != csrf_before
    assert session_before is None or browser.cookies["sessionid"].value != session_before.value
