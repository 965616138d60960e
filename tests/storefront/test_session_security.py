"""Signing in at a store gives a fresh session and a fresh CSRF token (no fixation)."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from tests.factories import PASSWORD, host, make_customer, make_merchant


@pytest.mark.django_db
def test_sign_in_rotates_the_session_key_and_the_csrf_token(settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    store = make_merchant().store
    customer = make_customer(store)
    browser = Client()
    browser.get("/account/login/", HTTP_HOST=host(store))
    csrf_before = browser.cookies["csrftoken"].value

    # A session that exists before sign-in (as one planted by an attacker would).
    planted = SessionStore()
    planted["planted"] = True
    planted.create()
    browser.cookies[settings.SESSION_COOKIE_NAME] = planted.session_key

    response = browser.post("/account/login/", {"email": customer.email, "password": PASSWORD}, HTTP_HOST=host(store))
    assert response.status_code == 302
    signed_in_key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    assert signed_in_key != planted.session_key
    assert not SessionStore().exists(planted.session_key)
    assert browser.cookies["csrftoken"].value != csrf_before
    assert browser.get("/account/", HTTP_HOST=host(store)).status_code == 200

    # The planted key identifies nobody.
    attacker = Client()
    attacker.cookies[settings.SESSION_COOKIE_NAME] = planted.session_key
    assert attacker.get("/account/", HTTP_HOST=host(store)).status_code == 302
