"""Schemathesis over the whole OpenAPI document, against the real WSGI application.

Every operation in /api/v1/openapi.json is fuzzed on the platform host and on
a live store's host, with schema-valid and schema-invalid input, and with a
valid bearer token, a valid session cookie, or whatever credentials
schemathesis makes up. Whatever is sent, the API must never answer 5xx, and
every answer must carry a status code the document declares, the declared
content type and a body matching the declared schema.

The requests go through the full WSGI stack (host routing, sessions, CSRF,
middleware), not Django's test client, so each test runs with real commits
(`transaction=True`): at the end of each request the WSGI handler closes a
connection that is inside a transaction (Django's test client switches that
off), which on PostgreSQL would end a test-wrapping transaction mid-test.

25 examples per operation, host and phase keep the file under a minute; for a
deeper run set SHOPWRIGHT_FUZZ_EXAMPLES (300 takes about a minute on SQLite).
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
import werkzeug
from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from shopwright.customers.services import customer_api_token_create
from shopwright.stores.services import user_api_token_create
from shopwright.wsgi import application
from tests.factories import PASSWORD, host, make_customer, make_merchant, signup_data

# The document as the platform host serves it; the store host serves the same one
# (test_customer_api.py checks both hosts answer).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
]
FUZZ = settings(
    max_examples=int(os.environ.get("SHOPWRIGHT_FUZZ_EXAMPLES", "25")),
    deadline=None,
    derandomize=True,  # the same cases on every run: a failure is reproducible
    database=None,
    suppress_health_check=list(HealthCheck),
)
# How a generated request authenticates: a valid bearer token, a valid session
# cookie (writes then lack the CSRF token), or only what schemathesis invents.
AUTH = st.sampled_from(["bearer", "session", "generated"])


class Tenant:
    """A live store with its owner and one customer, signed in both ways."""

    def __init__(self) -> None:
        signup = make_merchant()
        self.store = signup.store
        self.user = signup.user
        self.customer = make_customer(self.store)
        merchant_client = Client()
        merchant_client.force_login(self.user)
        self.merchant_session = merchant_client.cookies["sessionid"].value
        customer_client = Client()
        response = customer_client.post(
            "/api/v1/customer/login",
            {"email": self.customer.email, "password": PASSWORD, "mode": "session"},
            content_type="application/json",
            HTTP_HOST=host(self.store),
        )
        assert response.status_code == 200, response.content
        self.customer_session = customer_client.cookies["sessionid"].value


@pytest.fixture
def tenant() -> Tenant:
    return Tenant()


def _call_as(case, auth: str, *, hostname: str, token: str, session: str) -> None:  # type: ignore[no-untyped-def]
    client = werkzeug.Client(application)
    kwargs: dict[str, Any] = {}
    if auth == "bearer":
        kwargs["headers"] = {"Authorization": f"Bearer {token}"}
    elif auth == "session":
        # `cookies` wins over a cookie schemathesis generated for the same name, but
        # its WSGI transport files cookies under "localhost" only: a store host gets
        # the session from the client's jar, filed under that host.
        kwargs["cookies"] = {"sessionid": session}
        client.set_cookie("sessionid", session, domain=hostname)
    case.call_and_validate(base_url=f"http://{hostname}", session=client, checks=CHECKS, **kwargs)


@schema.parametrize()
@schema.given(auth=AUTH)
@FUZZ
@pytest.mark.django_db(transaction=True)
def test_platform_host(case, auth, tenant):  # type: ignore[no-untyped-def]
    # A fresh token each time: a fuzzed logout may have revoked the last one.
    token = user_api_token_create(user=tenant.user)
    _call_as(case, auth, hostname="localhost", token=token, session=tenant.merchant_session)


@schema.parametrize()
@schema.given(auth=AUTH)
@FUZZ
@pytest.mark.django_db(transaction=True)
def test_store_host(case, auth, tenant):  # type: ignore[no-untyped-def]
    token = customer_api_token_create(customer=tenant.customer)
    _call_as(case, auth, hostname=host(tenant.store), token=token, session=tenant.customer_session)


# --- the success answers ------------------------------------------------------------------------
# Random input rarely passes the services' validation (a real email, a free
# handle, a strong password), so the 2xx answers are checked against the
# document here with valid requests made on purpose.


def _call(method: str, path: str, *, base_url: str = "http://localhost", **kwargs: Any):  # type: ignore[no-untyped-def]
    case = schema[path][method].Case(**kwargs)
    return case.call_and_validate(base_url=base_url, checks=CHECKS)


@pytest.mark.django_db(transaction=True)
def test_success_answers_match_the_document(tenant):  # type: ignore[no-untyped-def]
    signup = _call("POST", "/api/v1/merchant/signup", body=signup_data(store_handle="fuzz-shop"))
    assert signup.status_code == 201

    login = _call("POST", "/api/v1/merchant/login", body={"email": tenant.user.email, "password": PASSWORD})
    assert login.status_code == 200
    bearer = {"Authorization": f"Bearer {login.json()['token']}"}
    assert _call("GET", "/api/v1/merchant/me", headers=bearer).status_code == 200
    created = _call("POST", "/api/v1/merchant/stores", headers=bearer, body={"name": "Second", "handle": "second-fz"})
    assert created.status_code == 201
    assert _call("GET", "/api/v1/merchant/stores", headers=bearer).status_code == 200
    invited = _call(
        "POST",
        "/api/v1/merchant/stores/{handle}/invitations",
        headers=bearer,
        path_parameters={"handle": tenant.store.handle},
        body={"email": "helper@example.com", "role": "staff"},
    )
    assert invited.status_code == 201
    assert _call("POST", "/api/v1/merchant/logout", headers=bearer).status_code == 200

    store = f"http://{host(tenant.store)}"
    registered = _call(
        "POST",
        "/api/v1/customer/register",
        base_url=store,
        body={"email": "shopper@example.com", "name": "Shopper", "password": PASSWORD},
    )
    assert registered.status_code == 201
    login = _call(
        "POST", "/api/v1/customer/login", base_url=store, body={"email": "shopper@example.com", "password": PASSWORD}
    )
    assert login.status_code == 200
    bearer = {"Authorization": f"Bearer {login.json()['token']}"}
    assert _call("GET", "/api/v1/customer/me", base_url=store, headers=bearer).status_code == 200
    patched = _call(
        "PATCH",
        "/api/v1/customer/me",
        base_url=store,
        headers=bearer,
        body={"nickname": "Shy", "date_of_birth": "1990-01-31", "gender": "female"},
    )
    assert patched.status_code == 200
    assert _call("POST", "/api/v1/customer/logout", base_url=store, headers=bearer).status_code == 200
