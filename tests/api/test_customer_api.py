"""The customer API on a store host: register, login, logout, profile, and host/tenant separation."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from shopwright.customers.models import Customer, CustomerApiToken
from tests.api.conftest import PLATFORM, assert_error
from tests.factories import ADULT, PASSWORD, host, make_customer, make_merchant

pytestmark = pytest.mark.django_db


@pytest.fixture
def store():  # type: ignore[no-untyped-def]
    return make_merchant().store


def _register(api, store, **overrides):  # type: ignore[no-untyped-def]
    data = {"email": "ada@example.com", "name": "Ada Lovelace", "password": PASSWORD, "date_of_birth": ADULT}
    data.update(overrides)
    return api.post("customer/register", data, host=host(store))


def _login(api, store, email: str, password: str = PASSWORD, **extra):  # type: ignore[no-untyped-def]
    return api.post("customer/login", {"email": email, "password": password}, host=host(store), **extra)


def _reload(customer: Customer) -> Customer:
    return Customer.objects.get(store_id=customer.store_id, pk=customer.pk)


def _token(api, store, email: str) -> str:  # type: ignore[no-untyped-def]
    response = _login(api, store, email)
    assert response.status_code == 200, response.content
    return response.json()["token"]


# --- register ---------------------------------------------------------------------


def test_register_creates_an_account_at_this_store(api, store):
    response = _register(api, store)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "ada@example.com"
    assert body["name"] == "Ada Lovelace"
    customer = Customer.objects.get(store=store, pk=body["id"])
    assert customer.email == "ada@example.com"
    assert _login(api, store, "ada@example.com").status_code == 200


def test_the_same_email_registers_separately_at_two_stores(api, store):
    other = make_merchant().store

    first = _register(api, store, password=PASSWORD)
    second = _register(api, other, password="another-long-passphrase")

    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]
    assert Customer.objects.filter(store=store).count() == 1
    assert Customer.objects.filter(store=other).count() == 1
    # Two accounts, two passwords: each works only at its own store.
    assert _login(api, store, "ada@example.com", PASSWORD).status_code == 200
    assert_error(_login(api, store, "ada@example.com", "another-long-passphrase"), 401)
    assert _login(api, other, "ada@example.com", "another-long-passphrase").status_code == 200


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "ADA@Example.com"}, "email"),  # taken at this store, other case
        ({"email": "nope"}, "email"),
        ({"email": "x" * 250 + "@example.com"}, "email"),
        ({"name": ""}, "name"),
        ({"name": "N" * 151}, "name"),
        ({"password": "short"}, "password"),
        ({"password": "password1234"}, "password"),
        ({"password": "ada@example.com"}, "password"),
        ({"password": 1234567890123}, "password"),
        ({"email": None}, "email"),
    ],
)
def test_register_with_bad_input_names_the_field_and_creates_nothing(api, store, overrides, field):
    make_customer(store, email="ada@example.com")
    before = Customer.objects.filter(store=store).count()

    response = _register(api, store, **overrides)

    assert_error(response, 400, field)
    assert Customer.objects.filter(store=store).count() == before


@pytest.mark.parametrize("missing", ["email", "name", "password"])
def test_register_with_a_missing_field_names_it(api, store, missing):
    data = {"email": "ada@example.com", "name": "Ada Lovelace", "password": PASSWORD}
    del data[missing]

    response = api.post("customer/register", data, host=host(store))

    assert_error(response, 400, missing)
    assert not Customer.objects.filter(store=store).exists()


def test_register_with_a_body_that_is_not_json_is_refused(api, store):
    response = api.post("customer/register", raw="email=ada@example.com", host=host(store))

    assert_error(response, 400, "body")
    assert not Customer.objects.filter(store=store).exists()


def test_a_store_that_is_not_open_has_no_customer_api(api):
    pending = make_merchant(verified=False).store

    response = _register(api, pending)

    assert response.status_code == 404
    assert not Customer.objects.filter(store=pending).exists()


# --- login, logout, me -------------------------------------------------------------------


def test_token_login_and_me(api, store):
    customer = make_customer(store)

    response = _login(api, store, customer.email)

    assert response.status_code == 200
    token = response.json()["token"]
    assert token.startswith("swc_")
    assert response.json()["customer"]["id"] == customer.pk
    me = api.get("customer/me", host=host(store), token=token)
    assert me.status_code == 200
    assert me.json()["email"] == customer.email
    assert me.json()["name"] == customer.name


def test_session_login_and_me(api, store):
    customer = make_customer(store)

    response = api.post(
        "customer/login", {"email": customer.email, "password": PASSWORD, "mode": "session"}, host=host(store)
    )

    assert response.status_code == 200
    assert response.json()["token"] is None
    assert "sessionid" in response.cookies
    me = api.get("customer/me", host=host(store))
    assert me.status_code == 200
    assert me.json()["id"] == customer.pk


def test_wrong_password_and_unknown_email_get_the_same_401(api, store):
    customer = make_customer(store)

    wrong = assert_error(_login(api, store, customer.email, "not-the-password"), 401)
    unknown = assert_error(_login(api, store, "stranger@example.com", "not-the-password"), 401)

    assert wrong == unknown


def test_customer_login_is_throttled(api, store):
    customer = make_customer(store)
    for _ in range(5):
        assert_error(_login(api, store, customer.email, "not-the-password"), 401)

    response = _login(api, store, customer.email)

    assert_error(response, 429)
    assert int(response["Retry-After"]) > 0


def test_logout_revokes_the_token(api, store):
    customer = make_customer(store)
    token = _token(api, store, customer.email)

    response = api.post("customer/logout", host=host(store), token=token)

    assert response.status_code == 200
    assert_error(api.get("customer/me", host=host(store), token=token), 401)
    assert not CustomerApiToken.objects.filter(store=store, customer=customer).exists()


def test_session_logout_ends_the_session(store):
    customer = make_customer(store)
    client = Client()
    client.post(
        "/api/v1/customer/login",
        {"email": customer.email, "password": PASSWORD, "mode": "session"},
        content_type="application/json",
        HTTP_HOST=host(store),
    )
    assert client.get("/api/v1/customer/me", HTTP_HOST=host(store)).status_code == 200

    assert client.post("/api/v1/customer/logout", HTTP_HOST=host(store)).status_code == 200

    assert client.get("/api/v1/customer/me", HTTP_HOST=host(store)).status_code == 401


def test_me_needs_credentials(api, store):
    make_customer(store)
    assert_error(api.get("customer/me", host=host(store)), 401)
    assert_error(api.get("customer/me", host=host(store), token="swc_forged"), 401)


# --- tenant and host separation ------------------------------------------------------------


def test_a_token_from_one_store_is_useless_at_another(api, store):
    other = make_merchant().store
    customer = make_customer(store)
    make_customer(other, email=customer.email)
    token = _token(api, store, customer.email)

    assert api.get("customer/me", host=host(store), token=token).status_code == 200
    assert_error(api.get("customer/me", host=host(other), token=token), 401)
    assert_error(api.patch("customer/me", {"nickname": "hijack"}, host=host(other), token=token), 401)
    assert_error(api.post("customer/logout", host=host(other), token=token), 401)
    # The token still works at home (the foreign logout did not revoke it).
    assert api.get("customer/me", host=host(store), token=token).status_code == 200


def test_a_session_from_one_store_is_useless_at_another(api, store):
    other = make_merchant().store
    customer = make_customer(store)
    api.post("customer/login", {"email": customer.email, "password": PASSWORD, "mode": "session"}, host=host(store))

    assert api.get("customer/me", host=host(store)).status_code == 200
    assert_error(api.get("customer/me", host=host(other)), 401)


def test_customer_endpoints_on_the_platform_host_are_not_found(api, store):
    customer = make_customer(store)
    token = _token(api, store, customer.email)

    registered = api.post(
        "customer/register", {"email": "new@example.com", "name": "New One", "password": PASSWORD}, host=PLATFORM
    )
    assert_error(registered, 404)
    assert not Customer.objects.filter(store=store).exclude(pk=customer.pk).exists()
    assert_error(api.post("customer/login", {"email": customer.email, "password": PASSWORD}, host=PLATFORM), 404)
    assert_error(api.get("customer/me", host=PLATFORM), 404)
    assert_error(api.get("customer/me", host=PLATFORM, token=token), 404)
    assert_error(api.patch("customer/me", {"nickname": "x"}, host=PLATFORM, token=token), 404)
    assert_error(api.post("customer/logout", host=PLATFORM, token=token), 404)
    assert api.get("customer/me", host=host(store), token=token).status_code == 200


def test_merchant_endpoints_on_a_store_host_are_not_found(api, store):
    owner = store.owner
    token = api.post("merchant/login", {"email": owner.email, "password": PASSWORD}).json()["token"]

    assert_error(api.post("merchant/login", {"email": owner.email, "password": PASSWORD}, host=host(store)), 404)
    assert_error(api.get("merchant/me", host=host(store), token=token), 404)
    assert_error(api.get("merchant/stores", host=host(store)), 404)


# --- profile -------------------------------------------------------------------------------------


def test_patch_me_updates_only_the_given_fields(api, store):
    customer = make_customer(store)
    token = _token(api, store, customer.email)

    response = api.patch(
        "customer/me",
        {"nickname": "Countess", "date_of_birth": "1990-12-10", "gender": "female", "place_of_residence": "London"},
        host=host(store),
        token=token,
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["nickname"] == "Countess"
    assert body["date_of_birth"] == "1990-12-10"
    customer = _reload(customer)
    assert customer.nickname == "Countess"
    assert customer.gender == "female"
    assert customer.place_of_residence == "London"
    assert customer.date_of_birth == datetime.date(1990, 12, 10)
    assert customer.name == body["name"] != ""  # untouched
    assert api.get("customer/me", host=host(store), token=token).json()["nickname"] == "Countess"


def test_patch_me_clears_a_birth_date(api, store):
    customer = make_customer(store)
    token = _token(api, store, customer.email)
    api.patch("customer/me", {"date_of_birth": "1990-05-01"}, host=host(store), token=token)

    response = api.patch("customer/me", {"date_of_birth": None}, host=host(store), token=token)

    assert response.status_code == 200
    assert response.json()["date_of_birth"] is None
    customer = _reload(customer)
    assert customer.date_of_birth is None


def _tomorrow() -> str:
    return (timezone.localdate() + datetime.timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"date_of_birth": "2020-13-45"}, "date_of_birth"),
        ({"date_of_birth": "yesterday"}, "date_of_birth"),
        ({"date_of_birth": "tomorrow"}, "date_of_birth"),
        ({"date_of_birth": "1700-01-01"}, "date_of_birth"),
        ({"gender": "dragon"}, "gender"),
        ({"nickname": "n" * 51}, "nickname"),
        ({"real_name": "r" * 151}, "real_name"),
        ({"place_of_residence": "p" * 201}, "place_of_residence"),
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"nickname": "fine", "gender": "dragon"}, "gender"),  # one bad field spoils the whole change
        ({"nickname": ["a", "list"]}, "nickname"),
        ({"date_of_birth": 19900501}, "date_of_birth"),
    ],
)
def test_patch_me_with_bad_input_names_the_field_and_changes_nothing(api, store, payload, field):
    customer = make_customer(store)
    token = _token(api, store, customer.email)
    api.patch(
        "customer/me",
        {"nickname": "Before", "gender": "", "date_of_birth": "1990-05-01"},
        host=host(store),
        token=token,
    )
    customer = _reload(customer)
    snapshot = {
        f: getattr(customer, f)
        for f in ("name", "real_name", "gender", "date_of_birth", "nickname", "place_of_residence")
    }
    if payload.get("date_of_birth") == "tomorrow":
        payload = {"date_of_birth": _tomorrow()}

    response = api.patch("customer/me", payload, host=host(store), token=token)

    assert_error(response, 400, field)
    customer = _reload(customer)
    assert {f: getattr(customer, f) for f in snapshot} == snapshot


@pytest.mark.parametrize("raw", ["[null, null]", '"nickname"', "42", "null", "{not json"])
def test_patch_me_with_a_body_that_is_not_a_json_object_changes_nothing(api, store, raw):
    customer = make_customer(store)
    token = _token(api, store, customer.email)
    api.patch("customer/me", {"nickname": "Before"}, host=host(store), token=token)

    response = api.patch("customer/me", raw=raw, host=host(store), token=token)

    assert_error(response, 400, "body")
    assert _reload(customer).nickname == "Before"


def test_a_cross_site_form_cannot_sign_a_visitor_in(store):
    # An HTML form on another site can post a JSON-looking body as text/plain without
    # a CORS preflight; accepting it would let that site sign visitors in to its account.
    customer = make_customer(store)
    client = Client(enforce_csrf_checks=True)
    body = f'{{"email": "{customer.email}", "password": "{PASSWORD}", "mode": "session"}}'

    response = client.post("/api/v1/customer/login", body, content_type="text/plain", HTTP_HOST=host(store))

    assert_error(response, 400, "body")
    assert "sessionid" not in response.cookies
    assert client.get("/api/v1/customer/me", HTTP_HOST=host(store)).status_code == 401


# --- CSRF on session writes -------------------------------------------------------------------------


def test_session_profile_change_needs_the_csrf_token(store):
    customer = make_customer(store)
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/customer/login",
        {"email": customer.email, "password": PASSWORD, "mode": "session"},
        content_type="application/json",
        HTTP_HOST=host(store),
    )
    assert response.status_code == 200
    client.get("/account/login/", HTTP_HOST=host(store))  # any page with a form hands out the CSRF cookie
    csrf = client.cookies["csrftoken"].value

    refused = client.patch(
        "/api/v1/customer/me", {"nickname": "Forged"}, content_type="application/json", HTTP_HOST=host(store)
    )
    assert refused.status_code in (401, 403)
    wrong = client.patch(
        "/api/v1/customer/me",
        {"nickname": "Forged"},
        content_type="application/json",
        HTTP_HOST=host(store),
        HTTP_X_CSRFTOKEN="y" * 32,
    )
    assert wrong.status_code in (401, 403)
    customer = _reload(customer)
    assert customer.nickname != "Forged"

    accepted = client.patch(
        "/api/v1/customer/me",
        {"nickname": "Genuine"},
        content_type="application/json",
        HTTP_HOST=host(store),
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert accepted.status_code == 200, accepted.content
    customer = _reload(customer)
    assert customer.nickname == "Genuine"
    # A session logout is a write too.
    assert client.post("/api/v1/customer/logout", HTTP_HOST=host(store)).status_code in (401, 403)
    assert client.get("/api/v1/customer/me", HTTP_HOST=host(store)).status_code == 200


def test_bearer_writes_need_no_csrf_token(store):
    customer = make_customer(store)
    client = Client(enforce_csrf_checks=True)
    token = client.post(
        "/api/v1/customer/login",
        {"email": customer.email, "password": PASSWORD},
        content_type="application/json",
        HTTP_HOST=host(store),
    ).json()["token"]

    response = client.patch(
        "/api/v1/customer/me",
        {"nickname": "ByToken"},
        content_type="application/json",
        HTTP_HOST=host(store),
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    assert response.status_code == 200
    customer = _reload(customer)
    assert customer.nickname == "ByToken"


# --- the OpenAPI document and docs ---------------------------------------------------------------


def test_openapi_document_and_docs_are_served_on_both_hosts(api, store):
    for h in (PLATFORM, host(store)):
        response = api.get("openapi.json", host=h)
        assert response.status_code == 200, h
        document = response.json()
        assert document["openapi"].startswith("3.")
        assert "/api/v1/merchant/signup" in document["paths"]
        assert "/api/v1/customer/me" in document["paths"]
        docs = api.get("docs", host=h)
        assert docs.status_code == 200, h
        assert b"openapi.json" in docs.content


def test_openapi_document_describes_each_login_answer(api):
    document = api.get("openapi.json").json()

    def answer(path: str) -> dict:
        ref = document["paths"][path]["post"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        return document["components"]["schemas"][ref.rsplit("/", 1)[1]]

    # Two schemas once shared one component name, so the merchant login was documented as the customer one.
    assert set(answer("/api/v1/merchant/login")["properties"]) == {"token", "user"}
    assert set(answer("/api/v1/customer/login")["properties"]) == {"token", "customer"}
