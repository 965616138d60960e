"""A store's own pages on its host: the home page and the customer's /account/ pages."""

from __future__ import annotations

import datetime
import io
import os
import re
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core import signing
from django.test import Client
from django.utils import timezone
from PIL import Image

from shopwright.core.models import AuditEntry
from shopwright.customers.models import Customer
from shopwright.customers.services import PASSWORD_RESET_MAX_AGE
from tests.customers.helpers import jpeg_with_gps, png_over_pixel_limit, shopper, upload
from tests.factories import ADULT, PASSWORD, host, make_customer, make_merchant
from tests.stores.helpers import field_errors, link_path, page_errors, platform_client

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "saffron-glacier-teapot"
WRONG = "not-the-password-at-all"


@pytest.fixture
def store():
    return make_merchant(store_name="Corner Books").store


@pytest.fixture
def other_store():
    return make_merchant(store_name="Tea Corner").store


@pytest.fixture
def customer(store):
    return make_customer(store, email="robin@example.com", name="Robin Buyer")


def visitor(store) -> Client:
    return Client(HTTP_HOST=host(store))


def _fresh(customer: Customer) -> Customer:
    return Customer.objects.get(store_id=customer.store_id, pk=customer.pk)


def _heading(response) -> str:
    match = re.search(r"<h1>(.*?)</h1>", response.content.decode())
    assert match
    return match.group(1)


def _is_sign_in_redirect(response, path: str = "/account/") -> bool:
    return response.status_code == 302 and response["Location"] == f"/account/login/?next={path}"


# --- no account needed ----------------------------------------------------------------


def test_anyone_can_open_the_platform_and_a_store_without_an_account(store) -> None:
    assert platform_client().get("/").status_code == 200
    response = visitor(store).get("/")
    assert response.status_code == 200
    assert "Welcome to Corner Books" in response.content.decode()
    assert 'href="/account/login/"' in response.content.decode()


def test_the_account_pages_ask_to_sign_in(store) -> None:
    for path in ("/account/", "/account/profile/", "/account/settings/"):
        assert _is_sign_in_redirect(visitor(store).get(path), path)


# --- register, sign in, sign out ------------------------------------------------------------


def test_register_then_the_personal_center_greets_by_name(store) -> None:
    browser = visitor(store)
    response = browser.post(
        "/account/register/",
        {"name": "Robin Buyer", "email": "robin@example.com", "password": PASSWORD, "date_of_birth": ADULT},
    )
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    assert _heading(browser.get("/account/")) == "Hello, Robin Buyer"


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"email": "robin-at-example"}, "email", "Enter a valid email address."),
        ({"name": ""}, "name", "This field is required."),
        ({"password": "Kx7#qPz"}, "password", "This password is too short. It must contain at least 10 characters."),
        ({"password": "password123"}, "password", "This password is too common."),
        ({"password": "robinbuyer1"}, "password", "The password is too similar to the name."),
        (
            {"email": "taken@example.com"},
            "email",
            "An account with this email already exists at this store. Sign in instead.",
        ),
    ],
)
def test_a_refused_registration_shows_why_and_signs_nobody_in(store, form, field: str, message: str) -> None:
    make_customer(store, email="taken@example.com")
    before = Customer.objects.filter(store=store).count()
    browser = visitor(store)

    response = browser.post(
        "/account/register/",
        {"name": "Robin Buyer", "email": "robin@example.com", "password": PASSWORD, "date_of_birth": ADULT, **form},
    )

    assert response.status_code == 400
    assert message in field_errors(response, field)
    assert Customer.objects.filter(store=store).count() == before
    assert _is_sign_in_redirect(browser.get("/account/"))


def test_sign_in_and_sign_out(store, customer) -> None:
    browser = visitor(store)
    wrong = browser.post("/account/login/", {"email": "robin@example.com", "password": WRONG})
    assert wrong.status_code == 400
    assert page_errors(wrong) == ["The email or password is not correct."]

    response = browser.post("/account/login/", {"email": "Robin@Example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert _heading(browser.get("/account/")) == "Hello, Robin Buyer"

    assert browser.post("/account/logout/").status_code == 302
    assert _is_sign_in_redirect(browser.get("/account/"))


@pytest.mark.parametrize(
    ("next_url", "landing"),
    [
        ("/account/profile/", "/account/profile/"),
        ("//evil.example/", "/account/"),
        ("/\\evil.example/", "/account/"),
        ("https://evil.example/", "/account/"),
    ],
)
def test_after_sign_in_only_a_local_next_page_is_followed(store, customer, next_url: str, landing: str) -> None:
    response = visitor(store).post(
        f"/account/login/?next={quote(next_url)}", {"email": customer.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == landing


def test_the_same_email_at_two_stores_is_two_accounts(store, other_store) -> None:
    for shop, name, password in ((store, "Robin at Books", PASSWORD), (other_store, "Robin at Tea", NEW_PASSWORD)):
        response = visitor(shop).post(
            "/account/register/",
            {"name": name, "email": "robin@example.com", "password": password, "date_of_birth": ADULT},
        )
        assert response.status_code == 302

    assert _heading(shopper(store, "robin@example.com", PASSWORD).get("/account/")) == "Hello, Robin at Books"
    assert _heading(shopper(other_store, "robin@example.com", NEW_PASSWORD).get("/account/")) == "Hello, Robin at Tea"
    for shop, password in ((store, NEW_PASSWORD), (other_store, PASSWORD)):
        response = visitor(shop).post("/account/login/", {"email": "robin@example.com", "password": password})
        assert response.status_code == 400


def test_a_session_from_one_store_is_worth_nothing_at_another(store, other_store, customer) -> None:
    make_customer(other_store, email=customer.email)  # even the same person has an account there
    at_a = shopper(store, customer.email)
    cookie = at_a.cookies[settings.SESSION_COOKIE_NAME].value

    at_b = visitor(other_store)
    at_b.cookies[settings.SESSION_COOKIE_NAME] = cookie

    assert _is_sign_in_redirect(at_b.get("/account/"))
    assert at_a.get("/account/").status_code == 200  # the cookie itself is good


def test_a_password_change_signs_out_the_other_sessions_only(store, customer) -> None:
    here = shopper(store, customer.email)
    elsewhere = shopper(store, customer.email)

    response = here.post("/account/settings/", {"current_password": PASSWORD, "new_password": NEW_PASSWORD})

    assert response.status_code == 302
    assert here.get("/account/").status_code == 200
    assert _is_sign_in_redirect(elsewhere.get("/account/"))
    assert visitor(store).post("/account/login/", {"email": customer.email, "password": PASSWORD}).status_code == 400
    shopper(store, customer.email, NEW_PASSWORD)


def test_a_wrong_current_password_changes_nothing(store, customer) -> None:
    here = shopper(store, customer.email)
    elsewhere = shopper(store, customer.email)
    response = here.post("/account/settings/", {"current_password": WRONG, "new_password": NEW_PASSWORD})
    assert response.status_code == 400
    assert field_errors(response, "current_password") == ["Your current password is not correct."]
    assert elsewhere.get("/account/").status_code == 200
    shopper(store, customer.email, PASSWORD)


def test_guessing_the_current_password_on_the_settings_page_locks_the_account(store, customer) -> None:
    """A borrowed or stolen session cannot be used to try passwords without limit."""
    limit = settings.LOGIN_THROTTLE["account_failures"]
    browser = shopper(store, customer.email)
    for _ in range(limit):
        response = browser.post(
            "/account/settings/", {"current_password": WRONG, "new_password": NEW_PASSWORD}, REMOTE_ADDR="10.4.0.1"
        )
        assert response.status_code == 400
        assert field_errors(response, "current_password") == ["Your current password is not correct."]

    # Even the right password is not checked now: the page says to wait.
    locked = browser.post(
        "/account/settings/", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}, REMOTE_ADDR="10.4.0.2"
    )

    assert locked.status_code == 429
    assert page_errors(locked)[0].startswith("Too many wrong passwords.")
    assert _fresh(customer).password == customer.password
    failed = AuditEntry.objects.filter(action="customer.password_change_failed", store_id=store.pk)
    assert failed.count() == limit + 1
    assert failed.filter(details__reason="wrong_password").count() == limit
    assert failed.filter(details__reason="locked_out").count() == 1
    assert {(e.actor_type, e.actor_id) for e in failed} == {("customer", customer.pk)}
    # The guesses counted against the account: signing in is locked too.
    assert _sign_in(store, customer.email, PASSWORD, "10.4.0.3").status_code == 429


def test_the_right_current_password_clears_earlier_wrong_guesses(store, customer) -> None:
    limit = settings.LOGIN_THROTTLE["account_failures"]
    browser = shopper(store, customer.email)
    for _ in range(limit - 1):
        browser.post("/account/settings/", {"current_password": WRONG, "new_password": NEW_PASSWORD})
    response = browser.post("/account/settings/", {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert response.status_code == 302
    for _ in range(limit - 1):
        browser.post("/account/settings/", {"current_password": WRONG, "new_password": PASSWORD})
    assert _sign_in(store, customer.email, NEW_PASSWORD).status_code == 302


# --- password reset -------------------------------------------------------------------------


def _request_reset(store, email: str, capture):
    with capture(execute=True):
        return visitor(store).post("/account/password-reset/", {"email": email})


def test_a_reset_request_answers_the_same_whether_or_not_the_account_exists(
    store, customer, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    mailoutbox.clear()
    unknown = _request_reset(store, "nobody@example.com", django_capture_on_commit_callbacks)
    assert mailoutbox == []
    known = _request_reset(store, customer.email, django_capture_on_commit_callbacks)

    assert unknown.status_code == known.status_code == 200
    assert unknown.content == known.content
    assert [m.to for m in mailoutbox] == [[customer.email]]


def test_the_emailed_reset_link_works_once(store, customer, mailoutbox, django_capture_on_commit_callbacks) -> None:
    _request_reset(store, customer.email, django_capture_on_commit_callbacks)
    link = link_path(mailoutbox[-1], "/account/password-reset/")
    browser = visitor(store)
    assert browser.get(link).status_code == 200

    response = browser.post(link, {"new_password": NEW_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/account/login/"
    shopper(store, customer.email, NEW_PASSWORD)
    used = visitor(store).get(link)
    assert used.status_code == 400
    assert "invalid or has expired" in used.content.decode()
    assert visitor(store).post(link, {"new_password": "another-fine-passphrase"}).status_code == 400
    shopper(store, customer.email, NEW_PASSWORD)


def test_an_expired_reset_link_is_refused(
    store, customer, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    _request_reset(store, customer.email, django_capture_on_commit_callbacks)
    link = link_path(mailoutbox[-1], "/account/password-reset/")
    later = timezone.now().timestamp() + PASSWORD_RESET_MAX_AGE + 1
    monkeypatch.setattr(signing, "time", SimpleNamespace(time=lambda: later))

    assert visitor(store).get(link).status_code == 400
    assert visitor(store).post(link, {"new_password": NEW_PASSWORD}).status_code == 400
    assert _fresh(customer).password == customer.password


def test_a_weak_new_password_keeps_the_link_usable(
    store, customer, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    _request_reset(store, customer.email, django_capture_on_commit_callbacks)
    link = link_path(mailoutbox[-1], "/account/password-reset/")
    response = visitor(store).post(link, {"new_password": "short"})
    assert response.status_code == 400
    assert field_errors(response, "new_password")
    assert visitor(store).post(link, {"new_password": NEW_PASSWORD}).status_code == 302


# --- profile and avatar ----------------------------------------------------------------------

PROFILE = {
    "name": "Robin Buyer",
    "nickname": "robbie",
    "real_name": "Robin Quincy Buyer",
    "gender": "female",
    "date_of_birth": "1991-07-15",
    "place_of_residence": "York, UK",
}


def test_the_optional_profile_fields_are_saved_and_shown(store, customer) -> None:
    browser = shopper(store, customer.email)

    response = browser.post("/account/profile/", PROFILE)

    assert response.status_code == 302
    page = browser.get("/account/profile/").content.decode()
    for value in PROFILE.values():
        assert f'value="{value}"' in page or f'value="{value}" selected' in page, value
    assert "Shown on reviews as <strong>robbie</strong>" in browser.get("/account/").content.decode()


@pytest.mark.parametrize(
    ("date", "message"),
    [
        ("1991-02-30", "Enter a date as YYYY-MM-DD."),
        ("yesterday", "Enter a date as YYYY-MM-DD."),
        ("2999-01-01", "Enter a real date of birth."),
    ],
)
def test_a_bad_date_of_birth_is_refused_and_nothing_changes(store, customer, date: str, message: str) -> None:
    browser = shopper(store, customer.email)

    response = browser.post("/account/profile/", {**PROFILE, "date_of_birth": date})

    assert response.status_code == 400
    assert field_errors(response, "date_of_birth") == [message]
    stored = _fresh(customer)
    assert (stored.nickname, stored.real_name, stored.date_of_birth) == ("", "", datetime.date.fromisoformat(ADULT))


def test_an_uploaded_photo_is_shown_as_a_webp_without_its_location(store, customer) -> None:
    browser = shopper(store, customer.email)

    response = browser.post("/account/profile/", {**PROFILE, "avatar": upload("holiday.jpg", jpeg_with_gps())})

    assert response.status_code == 302
    name = _fresh(customer).avatar
    assert f'src="/media/{name}"' in browser.get("/account/profile/").content.decode()
    with open(os.path.join(settings.MEDIA_ROOT, name), "rb") as f:
        data = f.read()
    image = Image.open(io.BytesIO(data))
    assert (image.format, image.size) == ("WEBP", (256, 256))
    assert not image.getexif()
    assert b"Exif" not in data


def test_the_avatar_is_shown_from_where_the_file_storage_serves_it(store, customer, settings) -> None:
    """With media on a CDN or S3 the page must point there, as the API does, not at a local /media/ path."""
    settings.MEDIA_URL = "https://media.example.net/shop-files/"
    browser = shopper(store, customer.email)
    browser.post("/account/profile/", {**PROFILE, "avatar": upload("holiday.jpg", jpeg_with_gps())})
    name = _fresh(customer).avatar

    page = browser.get("/account/profile/").content.decode()

    assert f'src="https://media.example.net/shop-files/{name}"' in page
    assert "/media/" not in page
    api = browser.get("/api/v1/customer/me").json()
    assert api["avatar_url"] == f"https://media.example.net/shop-files/{name}"


def test_removing_the_avatar_deletes_the_file_and_is_audited(
    store, customer, django_capture_on_commit_callbacks
) -> None:
    browser = shopper(store, customer.email)
    browser.post("/account/profile/", {**PROFILE, "avatar": upload("holiday.jpg", jpeg_with_gps())})
    name = _fresh(customer).avatar
    assert name

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post("/account/profile/", {**PROFILE, "remove_avatar": "on"}, REMOTE_ADDR="10.4.1.7")

    assert response.status_code == 302
    assert _fresh(customer).avatar == ""
    assert f"/media/{name}" not in browser.get("/account/profile/").content.decode()
    assert not os.path.exists(os.path.join(settings.MEDIA_ROOT, name))
    entry = AuditEntry.objects.get(action="customer.avatar_remove")
    assert (entry.store_id, entry.actor_type, entry.actor_id) == (store.pk, "customer", customer.pk)
    assert entry.ip_address == "10.4.1.7"


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (lambda: upload("photo.jpg", b"this is a text file\n", "image/jpeg"), "Upload a JPEG, PNG, WebP or GIF image."),
        (lambda: upload("huge.png", png_over_pixel_limit(), "image/png"), "The image has too many pixels."),
    ],
    ids=["text-named-jpg", "too-many-pixels"],
)
def test_a_bad_avatar_is_refused_and_nothing_changes(store, customer, file, message: str) -> None:
    browser = shopper(store, customer.email)

    response = browser.post("/account/profile/", {**PROFILE, "avatar": file()})

    assert response.status_code == 400
    assert field_errors(response, "avatar") == [message]
    stored = _fresh(customer)
    assert stored.avatar == ""
    assert (stored.nickname, stored.real_name) == ("", "")  # the rest of the form was not saved either
    assert not AuditEntry.objects.filter(action="customer.profile_update").exists()


# --- sign-in throttling at a store -------------------------------------------------------------


def _sign_in(store, email: str, password: str, ip: str = "10.3.0.1"):
    return visitor(store).post("/account/login/", {"email": email, "password": password}, REMOTE_ADDR=ip)


def test_five_failures_lock_the_account_at_this_store_only(store, other_store, customer) -> None:
    limit = settings.LOGIN_THROTTLE["account_failures"]
    make_customer(other_store, email=customer.email)
    for _ in range(limit):
        assert _sign_in(store, customer.email, WRONG).status_code == 400

    locked = _sign_in(store, customer.email, PASSWORD)

    assert locked.status_code == 429
    assert page_errors(locked)[0].startswith("Too many failed sign-in attempts.")
    entry = AuditEntry.objects.get(action="login.locked_out")
    assert entry.store_id == store.pk
    assert _sign_in(other_store, customer.email, PASSWORD).status_code == 302


def test_the_lock_out_answer_is_the_same_for_unknown_emails(store, customer) -> None:
    limit = settings.LOGIN_THROTTLE["account_failures"]
    answers = []
    for email, ip in ((customer.email, "10.3.0.2"), ("nobody@example.com", "10.3.0.3")):
        for _ in range(limit):
            _sign_in(store, email, WRONG, ip)
        answers.append(_sign_in(store, email, WRONG, ip))
    assert [a.status_code for a in answers] == [429, 429]
    assert page_errors(answers[0]) == page_errors(answers[1])
