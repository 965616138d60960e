"""The merchant API on the platform host: signup, login, throttling, stores and staff invitations."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from shopwright.core.models import AuditEntry
from shopwright.stores.models import Membership, Role, StaffInvitation, Store, User
from tests.api.conftest import PLATFORM, account_rows, assert_error
from tests.factories import PASSWORD, host, make_merchant, signup_data

pytestmark = pytest.mark.django_db


def _login(api, email: str, password: str = PASSWORD, **extra):  # type: ignore[no-untyped-def]
    return api.post("merchant/login", {"email": email, "password": password}, **extra)


def _token(api, email: str) -> str:  # type: ignore[no-untyped-def]
    response = _login(api, email)
    assert response.status_code == 200, response.content
    return response.json()["token"]


# --- signup ------------------------------------------------------------------


def test_signup_creates_the_merchant_and_a_pending_store(api):
    data = signup_data(store_handle="Fresh-Shop")
    response = api.post("merchant/signup", data)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["store"]["handle"] == "fresh-shop"
    assert body["store"]["status"] == "pending"
    assert body["store"]["role"] == "owner"
    assert body["email_verification_sent"] is True
    store = Store.objects.get(handle="fresh-shop")
    assert store.status == Store.Status.PENDING
    assert store.owner_id == body["user_id"]
    assert Membership.objects.get(store=store).role == Role.OWNER
    # A pending store is not open yet: its host answers 404.
    assert api.get("merchant/me", host=host(store)).status_code == 404
    # The new account can sign in at once.
    assert _login(api, data["email"]).status_code == 200


# (overrides, the field the answer must name). Overrides are applied to valid signup data.
BAD_SIGNUPS = {
    "handle-taken-other-case": ({"store_handle": "My-Shop"}, "store_handle"),
    "handle-taken-same-case": ({"store_handle": "my-shop"}, "store_handle"),
    "email-taken-other-case": ({"email": "TAKEN@Example.COM"}, "email"),
    "handle-reserved-admin": ({"store_handle": "admin"}, "store_handle"),
    "handle-reserved-www": ({"store_handle": "www"}, "store_handle"),
    "handle-reserved-api": ({"store_handle": "api"}, "store_handle"),
    "handle-reserved-support": ({"store_handle": "Support"}, "store_handle"),
    "handle-too-short": ({"store_handle": "ab"}, "store_handle"),
    "handle-too-long": ({"store_handle": "a" * 64}, "store_handle"),
    "handle-bad-characters": ({"store_handle": "my_shop!"}, "store_handle"),
    "handle-leading-hyphen": ({"store_handle": "-shop"}, "store_handle"),
    "handle-empty": ({"store_handle": ""}, "store_handle"),
    "email-malformed": ({"email": "not-an-email"}, "email"),
    "email-no-domain": ({"email": "someone@"}, "email"),
    "email-too-long": ({"email": "a" * 250 + "@example.com"}, "email"),
    "phone-invalid": ({"phone": "12345"}, "phone"),
    "phone-letters": ({"phone": "call me maybe"}, "phone"),
    "country-unknown": ({"country": "XX"}, "country"),
    "industry-unknown": ({"industry": "spaceships"}, "industry"),
    "scale-unknown": ({"business_scale": "galactic"}, "business_scale"),
    "password-short": ({"password": "Xq7#vb"}, "password"),
    "password-common": ({"password": "password1234"}, "password"),
    "password-numeric": ({"password": "4839201746583"}, "password"),
    "password-like-email": ({"email": "lanternfish@example.com", "password": "lanternfish@example"}, "password"),
    "password-too-long": ({"password": "x7#" * 100}, "password"),
    "full-name-too-long": ({"full_name": "N" * 151}, "full_name"),
    "full-name-blank": ({"full_name": "   "}, "full_name"),
    "store-name-too-long": ({"store_name": "S" * 101}, "store_name"),
    "email-wrong-type": ({"email": 12345}, "email"),
    "handle-wrong-type": ({"store_handle": ["my", "shop"]}, "store_handle"),
    "password-null": ({"password": None}, "password"),
    "country-object": ({"country": {"code": "GB"}}, "country"),
}


@pytest.mark.parametrize(("overrides", "field"), BAD_SIGNUPS.values(), ids=BAD_SIGNUPS.keys())
def test_signup_with_a_bad_field_names_it_and_creates_nothing(api, overrides, field):
    make_merchant(email="taken@example.com", store_handle="my-shop")
    before = account_rows()

    response = api.post("merchant/signup", signup_data(**overrides))

    body = assert_error(response, 400, field)
    assert body["code"] == "invalid"
    assert account_rows() == before


@pytest.mark.parametrize("missing", list(signup_data()))
def test_signup_with_a_missing_field_names_it_and_creates_nothing(api, missing):
    data = signup_data()
    del data[missing]
    before = account_rows()

    response = api.post("merchant/signup", data)

    assert_error(response, 400, missing)
    assert account_rows() == before


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        ("email=a@example.com&password=x", "application/json"),
        ('{"email": "a@example.com", ', "application/json"),
        ("email=a@example.com&password=x", "application/x-www-form-urlencoded"),
        ("[1, 2, 3]", "application/json"),
        ('"just a string"', "application/json"),
        ("", "application/json"),
    ],
    ids=["form-as-json", "truncated-json", "form-encoded", "json-array", "json-string", "empty"],
)
def test_signup_with_a_body_that_is_not_a_json_object_is_refused(api, raw, content_type):
    before = account_rows()

    response = api.post("merchant/signup", raw=raw, content_type=content_type)

    body = assert_error(response, 400, "body")
    assert "JSON" in body["fields"]["body"][0]
    assert account_rows() == before


def test_a_cross_site_form_cannot_sign_up_or_sign_in(api):
    merchant = make_merchant()
    before = account_rows()
    signup = api.post("merchant/signup", raw=json.dumps(signup_data()), content_type="text/plain")
    login = api.post(
        "merchant/login",
        raw=json.dumps({"email": merchant.user.email, "password": PASSWORD, "mode": "session"}),
        content_type="text/plain",
    )

    assert_error(signup, 400, "body")
    assert_error(login, 400, "body")
    assert account_rows() == before
    assert api.get("merchant/me").status_code == 401


def test_signup_on_a_store_host_is_not_found(api):
    store = make_merchant().store
    before = account_rows()

    response = api.post("merchant/signup", signup_data(), host=host(store))

    assert_error(response, 404)
    assert account_rows() == before


# --- login, tokens, sessions ---------------------------------------------------


def test_token_login_gives_a_bearer_token_for_me_and_stores(api):
    merchant = make_merchant()
    response = _login(api, merchant.user.email)

    assert response.status_code == 200, response.content
    body = response.json()
    token = body["token"]
    assert token.startswith("swu_")
    assert body["user"]["email"] == merchant.user.email

    me = api.get("merchant/me", token=token)
    assert me.status_code == 200
    assert me.json()["id"] == merchant.user.pk
    assert me.json()["email"] == merchant.user.email
    assert me.json()["email_verified"] is True

    stores = api.get("merchant/stores", token=token)
    assert stores.status_code == 200
    assert [(s["handle"], s["role"]) for s in stores.json()] == [(merchant.store.handle, "owner")]


def test_me_without_credentials_or_with_a_bad_token_is_401(api):
    make_merchant()
    assert_error(api.get("merchant/me"), 401)
    assert_error(api.get("merchant/me", token="swu_not-a-real-token"), 401)
    assert_error(api.get("merchant/stores", token="swc_" + "x" * 40), 401)


def test_session_login_sets_a_cookie_that_authenticates(api):
    merchant = make_merchant()
    assert api.get("merchant/me").status_code == 401

    response = api.post("merchant/login", {"email": merchant.user.email, "password": PASSWORD, "mode": "session"})

    assert response.status_code == 200, response.content
    assert response.json()["token"] is None
    assert "sessionid" in response.cookies
    me = api.get("merchant/me")
    assert me.status_code == 200
    assert me.json()["email"] == merchant.user.email


def test_wrong_password_and_unknown_email_get_the_same_401(api):
    merchant = make_merchant()

    wrong = _login(api, merchant.user.email, "not-the-password-at-all")
    unknown = _login(api, "nobody-here@example.com", "not-the-password-at-all")

    wrong_body = assert_error(wrong, 401)
    unknown_body = assert_error(unknown, 401)
    assert wrong_body == unknown_body
    assert "token" not in wrong.json()


def test_logout_revokes_the_token(api):
    merchant = make_merchant()
    token = _token(api, merchant.user.email)
    other = _token(api, merchant.user.email)
    assert api.get("merchant/me", token=token).status_code == 200

    response = api.post("merchant/logout", token=token)

    assert response.status_code == 200
    assert response.json() == {"ok": True}
    assert_error(api.get("merchant/me", token=token), 401)
    assert_error(api.post("merchant/logout", token=token), 401)
    # Only that token: another sign-in of the same merchant still works.
    assert api.get("merchant/me", token=other).status_code == 200


def test_session_logout_ends_the_session():
    merchant = make_merchant()
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/merchant/login",
        {"email": merchant.user.email, "password": PASSWORD, "mode": "session"},
        content_type="application/json",
        HTTP_HOST=PLATFORM,
    )
    assert response.status_code == 200
    csrf = response.cookies["csrftoken"].value  # login rotates the CSRF token

    response = client.post("/api/v1/merchant/logout", HTTP_HOST=PLATFORM, HTTP_X_CSRFTOKEN=csrf)

    assert response.status_code == 200
    assert client.get("/api/v1/merchant/me", HTTP_HOST=PLATFORM).status_code == 401


def test_a_deactivated_merchant_cannot_use_its_token(api):
    merchant = make_merchant()
    token = _token(api, merchant.user.email)
    User.objects.filter(pk=merchant.user.pk).update(is_active=False)

    assert_error(api.get("merchant/me", token=token), 401)
    assert_error(_login(api, merchant.user.email), 401)


def test_merchant_endpoints_on_a_store_host_are_not_found(api):
    merchant = make_merchant()
    token = _token(api, merchant.user.email)
    store_host = host(merchant.store)

    assert_error(_login(api, merchant.user.email, host=store_host), 404)
    assert_error(api.get("merchant/me", host=store_host), 404)
    assert_error(api.get("merchant/me", host=store_host, token=token), 404)
    assert_error(api.get("merchant/stores", host=store_host, token=token), 404)
    assert_error(api.post("merchant/stores", {"name": "X", "handle": "xyz"}, host=store_host, token=token), 404)
    assert not Store.objects.filter(handle="xyz").exists()


# --- login throttling ------------------------------------------------------------


def _locked_out_answer(api, email: str, ip: str):  # type: ignore[no-untyped-def]
    for _ in range(5):
        assert_error(_login(api, email, "wrong-password-123", REMOTE_ADDR=ip), 401)
    return _login(api, email, PASSWORD, REMOTE_ADDR=ip)


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(api):
    merchant = make_merchant()
    assert not AuditEntry.objects.filter(action="login.locked_out").exists()

    response = _locked_out_answer(api, merchant.user.email, "198.51.100.1")

    body = assert_error(response, 429)
    assert body["code"] == "rate_limited"
    assert 0 < int(response["Retry-After"]) <= 60
    assert "token" not in response.json()
    assert AuditEntry.objects.filter(action="login.locked_out").exists()
    # The lock-out is per account: another merchant signs in from the same address.
    other = make_merchant()
    assert _login(api, other.user.email, REMOTE_ADDR="198.51.100.1").status_code == 200


def test_lockout_answer_is_the_same_for_unknown_accounts(api):
    merchant = make_merchant()

    existing = _locked_out_answer(api, merchant.user.email, "198.51.100.1")
    unknown = _locked_out_answer(api, "ghost@example.com", "198.51.100.2")

    assert existing.status_code == unknown.status_code == 429
    assert existing.json() == unknown.json()
    assert existing["Retry-After"] == unknown["Retry-After"]


def test_twenty_failures_from_one_address_lock_that_address(api):
    merchant = make_merchant()
    attacker = "203.0.113.9"
    for n in range(20):
        assert_error(_login(api, f"guess{n}@example.com", "wrong-password-123", REMOTE_ADDR=attacker), 401)

    blocked = _login(api, merchant.user.email, REMOTE_ADDR=attacker)

    assert_error(blocked, 429)
    assert int(blocked["Retry-After"]) > 0
    assert AuditEntry.objects.filter(action="login.locked_out").exists()
    # The merchant's account itself is not locked: from another address it signs in.
    assert _login(api, merchant.user.email, REMOTE_ADDR="192.0.2.44").status_code == 200


# --- stores ------------------------------------------------------------------------


def test_a_merchant_creates_more_stores_and_lists_them_as_owner(api):
    merchant = make_merchant()
    token = _token(api, merchant.user.email)

    response = api.post("merchant/stores", {"name": "Second Shop", "handle": "Second-Shop"}, token=token)

    assert response.status_code == 201, response.content
    assert response.json()["handle"] == "second-shop"
    assert response.json()["status"] == "live"  # the owner's email is verified
    assert response.json()["role"] == "owner"
    listed = api.get("merchant/stores", token=token).json()
    assert [(s["handle"], s["role"]) for s in listed] == [(merchant.store.handle, "owner"), ("second-shop", "owner")]
    # The new store is open at its own host.
    assert api.get("customer/me", host="second-shop.localhost").status_code == 401


def test_an_unverified_merchant_cannot_reserve_another_store_until_verified(api):
    merchant = make_merchant(verified=False)  # its first store waits for the verification
    token = _token(api, merchant.user.email)
    before = account_rows()

    response = api.post("merchant/stores", {"name": "Later Shop", "handle": "later-shop"}, token=token)

    body = assert_error(response, 400)
    assert body["message"] == "Verify your email address before creating another store."
    assert account_rows() == before
    assert not Store.objects.filter(handle="later-shop").exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "Dup", "handle": "TAKEN-SHOP"}, "handle"),
        ({"name": "Reserved", "handle": "admin"}, "handle"),
        ({"name": "Short", "handle": "ab"}, "handle"),
        ({"name": "", "handle": "fine-handle"}, "name"),
        ({"name": "N" * 101, "handle": "fine-handle"}, "name"),
        ({"name": "No handle"}, "handle"),
        ({"name": 5, "handle": "fine-handle"}, "name"),
    ],
)
def test_store_creation_with_bad_input_creates_nothing(api, payload, field):
    make_merchant(store_handle="taken-shop")
    merchant = make_merchant()
    token = _token(api, merchant.user.email)
    before = account_rows()

    response = api.post("merchant/stores", payload, token=token)

    body = assert_error(response, 400, field)
    assert set(body["fields"]) <= set(payload) | {"name", "handle"}, "errors must name this body's fields"
    assert account_rows() == before


def test_store_creation_needs_authentication(api):
    before = account_rows()
    assert_error(api.post("merchant/stores", {"name": "Anon", "handle": "anon-shop"}), 401)
    assert account_rows() == before


# --- staff invitations ---------------------------------------------------------------


def test_owner_invites_staff_and_the_email_is_masked_but_sent(api, mailoutbox, django_capture_on_commit_callbacks):
    merchant = make_merchant()
    token = _token(api, merchant.user.email)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"merchant/stores/{merchant.store.handle}/invitations",
            {"email": "jane.doe@example.com", "role": "staff"},
            token=token,
        )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "j***@example.com"
    assert body["role"] == "staff"
    assert b"jane.doe" not in response.content
    invitation = StaffInvitation.objects.get(store=merchant.store, pk=body["id"])
    assert invitation.email == "jane.doe@example.com"
    assert [m.to for m in mailoutbox] == [["jane.doe@example.com"]]
    assert "/office/invitations/" in mailoutbox[0].body


def test_admin_role_invitations_are_allowed(api, mailoutbox, django_capture_on_commit_callbacks):
    merchant = make_merchant()
    token = _token(api, merchant.user.email)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"merchant/stores/{merchant.store.handle}/invitations",
            {"email": "admin.person@example.com", "role": "admin"},
            token=token,
        )
    assert response.status_code == 201
    assert response.json()["role"] == "admin"
    assert len(mailoutbox) == 1


def test_inviting_at_another_merchants_store_looks_like_a_missing_store(
    api, mailoutbox, django_capture_on_commit_callbacks
):
    victim = make_merchant()
    intruder = make_merchant()
    token = _token(api, intruder.user.email)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        foreign = api.post(
            f"merchant/stores/{victim.store.handle}/invitations",
            {"email": "accomplice@example.com", "role": "admin"},
            token=token,
        )
        missing = api.post(
            "merchant/stores/no-such-store/invitations",
            {"email": "accomplice@example.com", "role": "admin"},
            token=token,
        )

    assert_error(foreign, 404)
    assert foreign.json() == missing.json()
    assert not StaffInvitation.objects.filter(store=victim.store).exists()
    assert mailoutbox == []


@pytest.mark.parametrize("handle", ["a%00b", "%00", "x" * 300, "%F0%9F%9B%92", "MY-SHOP%20"])
def test_an_impossible_store_handle_is_simply_not_found(api, handle):
    # A NUL byte used to reach PostgreSQL and answer 500 there.
    merchant = make_merchant()
    token = _token(api, merchant.user.email)

    response = api.post(
        f"merchant/stores/{handle}/invitations", {"email": "someone@example.com", "role": "staff"}, token=token
    )

    assert_error(response, 404)
    assert not StaffInvitation.objects.filter(store=merchant.store).exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "new.owner@example.com", "role": "owner"}, "role"),
        ({"email": "root@example.com", "role": "superuser"}, "role"),
        ({"email": "someone@example.com", "role": ""}, "role"),
        ({"email": "not-an-email", "role": "staff"}, "email"),
        ({"email": "someone@example.com"}, "role"),
        ({"role": "staff"}, "email"),
    ],
)
def test_invitation_with_a_bad_role_or_email_is_refused(
    api, mailoutbox, django_capture_on_commit_callbacks, payload, field
):
    merchant = make_merchant()
    token = _token(api, merchant.user.email)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"merchant/stores/{merchant.store.handle}/invitations", payload, token=token)

    assert_error(response, 400, field)
    assert not StaffInvitation.objects.filter(store=merchant.store).exists()
    assert mailoutbox == []


def test_inviting_someone_who_already_works_there_is_refused(api):
    merchant = make_merchant()
    token = _token(api, merchant.user.email)

    response = api.post(
        f"merchant/stores/{merchant.store.handle}/invitations",
        {"email": merchant.user.email.upper(), "role": "admin"},
        token=token,
    )

    assert_error(response, 400, "email")
    assert not StaffInvitation.objects.filter(store=merchant.store).exists()


def test_staff_member_cannot_invite(api, mailoutbox, django_capture_on_commit_callbacks):
    from shopwright.stores.services import staff_account_create

    merchant = make_merchant()
    owner_token = _token(api, merchant.user.email)
    with django_capture_on_commit_callbacks(execute=True):
        api.post(
            f"merchant/stores/{merchant.store.handle}/invitations",
            {"email": "clerk@example.com", "role": "staff"},
            token=owner_token,
        )
    link = next(line for line in mailoutbox[-1].body.splitlines() if "/office/invitations/" in line)
    invitation_token = link.split("/office/invitations/")[1].split("/")[0]
    staff_account_create(token=invitation_token, full_name="Clerk Person", password=PASSWORD)
    clerk_token = _token(api, "clerk@example.com")
    listed = api.get("merchant/stores", token=clerk_token).json()
    assert [(s["handle"], s["role"]) for s in listed] == [(merchant.store.handle, "staff")]
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"merchant/stores/{merchant.store.handle}/invitations",
            {"email": "friend@example.com", "role": "admin"},
            token=clerk_token,
        )

    assert_error(response, 403)
    assert StaffInvitation.objects.filter(store=merchant.store).count() == 1
    assert mailoutbox == []


def test_an_unverified_merchant_cannot_invite(api, mailoutbox, django_capture_on_commit_callbacks):
    merchant = make_merchant(verified=False)
    token = _token(api, merchant.user.email)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"merchant/stores/{merchant.store.handle}/invitations",
            {"email": "friend@example.com", "role": "staff"},
            token=token,
        )

    body = assert_error(response, 400)
    assert body["message"] == "Verify your email address before inviting staff."
    assert not StaffInvitation.objects.filter(store=merchant.store).exists()
    assert mailoutbox == []


def test_invitations_stop_at_the_stores_hourly_limit(api, monkeypatch, mailoutbox, django_capture_on_commit_callbacks):
    from shopwright.stores import services

    monkeypatch.setattr(services, "STAFF_INVITATIONS_PER_STORE_PER_HOUR", 2)
    merchant = make_merchant()
    token = _token(api, merchant.user.email)
    path = f"merchant/stores/{merchant.store.handle}/invitations"
    for n in range(2):
        assert api.post(path, {"email": f"p{n}@example.com", "role": "staff"}, token=token).status_code == 201
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(path, {"email": "p9@example.com", "role": "staff"}, token=token)

    body = assert_error(response, 429)
    assert int(response["Retry-After"]) > 0
    assert "invitations" in body["message"]
    assert StaffInvitation.objects.filter(store=merchant.store).count() == 2
    assert mailoutbox == []


# --- CSRF on session writes --------------------------------------------------------------


def test_session_writes_need_the_csrf_token():
    merchant = make_merchant()
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/merchant/login",
        {"email": merchant.user.email, "password": PASSWORD, "mode": "session"},
        content_type="application/json",
        HTTP_HOST=PLATFORM,
    )
    assert response.status_code == 200
    csrf = client.cookies["csrftoken"].value
    payload = {"name": "Csrf Shop", "handle": "csrf-shop"}

    refused = client.post("/api/v1/merchant/stores", payload, content_type="application/json", HTTP_HOST=PLATFORM)
    assert refused.status_code in (401, 403)
    assert not Store.objects.filter(handle="csrf-shop").exists()

    forged = client.post(
        "/api/v1/merchant/stores",
        payload,
        content_type="application/json",
        HTTP_HOST=PLATFORM,
        HTTP_X_CSRFTOKEN="x" * 32,
    )
    assert forged.status_code in (401, 403)
    assert not Store.objects.filter(handle="csrf-shop").exists()

    accepted = client.post(
        "/api/v1/merchant/stores", payload, content_type="application/json", HTTP_HOST=PLATFORM, HTTP_X_CSRFTOKEN=csrf
    )
    assert accepted.status_code == 201, accepted.content
    assert Store.objects.filter(handle="csrf-shop").exists()
    # Reads need no token.
    assert client.get("/api/v1/merchant/stores", HTTP_HOST=PLATFORM).status_code == 200
