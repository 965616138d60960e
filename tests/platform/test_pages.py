"""The platform site's pages: landing, /signup/, /verify-email/, /login/ (with its throttle)."""

from __future__ import annotations

import base64
import io
import math
import os
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from shopwright.core import crypto
from shopwright.core.models import AuditEntry
from shopwright.stores.models import Store, User
from tests.factories import PASSWORD, make_merchant
from tests.stores.helpers import (
    BAD_SIGNUPS,
    HANDLE_TAKEN,
    field_errors,
    link_path,
    page_errors,
    platform_client,
    row_counts,
    signup_form,
    store_client,
)

pytestmark = pytest.mark.django_db

WRONG = "not-the-password-at-all"


def test_the_landing_page_needs_no_account() -> None:
    response = platform_client().get("/")
    assert response.status_code == 200


# --- signup -------------------------------------------------------------------


def test_the_signup_page_asks_for_everything_a_store_needs() -> None:
    response = platform_client().get("/signup/")
    assert response.status_code == 200
    html = response.content.decode()
    for field in (
        "email",
        "password",
        "store_name",
        "store_handle",
        "full_name",
        "phone",
        "country",
        "industry",
        "business_scale",
    ):
        assert f'name="{field}"' in html, field


def test_signup_then_the_emailed_link_puts_the_store_live(mailoutbox, django_capture_on_commit_callbacks) -> None:
    browser = platform_client()
    form = signup_form(email="lee@example.com", store_name="Lee's Lamps", store_handle="Lees-Lamps")

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post("/signup/", form)

    assert response.status_code == 302
    assert response["Location"] == "/signup/done/"
    store = Store.objects.get(handle="lees-lamps")
    assert store.status == Store.Status.PENDING
    assert store_client(store).get("/").status_code == 404  # not open yet
    dashboard = browser.get("/office/")
    assert dashboard.status_code == 200
    assert b'id="pending-banner"' in dashboard.content

    assert [m.to for m in mailoutbox] == [["lee@example.com"]]
    link = link_path(mailoutbox[0], "/verify-email/")
    response = platform_client().get(link)  # from the mail program: no session needed

    assert response.status_code == 200
    assert "Lee&#x27;s Lamps" in response.content.decode()
    store.refresh_from_db()
    assert store.status == Store.Status.LIVE
    assert store_client(store).get("/").status_code == 200

    again = platform_client().get(link)
    assert again.status_code == 200
    store.refresh_from_db()
    assert store.status == Store.Status.LIVE


def test_an_emailed_verification_link_survives_a_key_rotation(
    settings, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        platform_client().post("/signup/", signup_form(store_handle="rotated-shop"))
    link = link_path(mailoutbox[0], "/verify-email/")

    # The operator rotates the data keys (docs/OPERATIONS.md) before the merchant reads the mail...
    old_key = settings.SHOPWRIGHT_DATA_KEYS[0]
    settings.SHOPWRIGHT_DATA_KEYS = [base64.urlsafe_b64encode(os.urandom(32)).decode(), old_key]
    call_command("rotate_keys", stdout=io.StringIO())
    settings.SHOPWRIGHT_DATA_KEYS = settings.SHOPWRIGHT_DATA_KEYS[:1]  # ...and retires the old key.

    response = platform_client().get(link)

    assert response.status_code == 200
    assert Store.objects.get(handle="rotated-shop").status == Store.Status.LIVE


def test_a_verification_link_stops_working_when_the_email_changes(
    mailoutbox, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        platform_client().post("/signup/", signup_form(email="first@example.com", store_handle="moved-shop"))
    link = link_path(mailoutbox[0], "/verify-email/")
    user = User.objects.get(email_index=crypto.blind_index("first@example.com"))
    User.objects.filter(pk=user.pk).update(
        email="second@example.com", email_index=crypto.blind_index("second@example.com")
    )

    response = platform_client().get(link)

    assert response.status_code == 400
    assert Store.objects.get(handle="moved-shop").status == Store.Status.PENDING


@pytest.mark.parametrize("token", ["nonsense", "eyJpZCI6MX0:1tAbCd:forged-signature"])
def test_an_invalid_verification_link_shows_a_400_page(token: str) -> None:
    pending = make_merchant(verified=False).store
    response = platform_client().get(f"/verify-email/{token}/")
    assert response.status_code == 400
    assert b"Verification failed" in response.content
    pending.refresh_from_db()
    assert pending.status == Store.Status.PENDING


def test_a_tampered_emailed_link_shows_a_400_page(mailoutbox, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        platform_client().post("/signup/", signup_form(store_handle="tamper-shop"))
    link = link_path(mailoutbox[0], "/verify-email/")
    token = link.split("/")[2]
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")

    response = platform_client().get(f"/verify-email/{forged}/")

    assert response.status_code == 400
    assert Store.objects.get(handle="tamper-shop").status == Store.Status.PENDING


@pytest.mark.parametrize(
    ("label", "overrides", "field", "message", "existing"), BAD_SIGNUPS, ids=[b[0] for b in BAD_SIGNUPS]
)
def test_a_refused_signup_shows_the_message_and_writes_nothing(
    label, overrides, field, message, existing, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    if existing:
        make_merchant(**existing)
    mailoutbox.clear()
    before = row_counts()
    browser = platform_client()

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post("/signup/", signup_form(**overrides))

    assert response.status_code == 400
    assert message in field_errors(response, field)
    assert row_counts() == before
    assert mailoutbox == []
    assert "_auth_user_id" not in browser.session


@pytest.mark.parametrize(
    "missing",
    [
        "email",
        "password",
        "full_name",
        "phone",
        "country",
        "industry",
        "business_scale",
        "store_name",
        "store_handle",
        "agree",
    ],
)
def test_signup_without_an_answer_is_refused(missing: str) -> None:
    before = row_counts()
    form = signup_form()
    del form[missing]
    response = platform_client().post("/signup/", form)
    assert response.status_code == 400
    assert field_errors(response, missing) == ["This field is required."]
    assert row_counts() == before


@pytest.mark.parametrize(("field", "value"), [("country", "XX"), ("industry", "weapons"), ("business_scale", "huge")])
def test_signup_with_an_unlisted_choice_is_refused(field: str, value: str) -> None:
    before = row_counts()
    response = platform_client().post("/signup/", signup_form(**{field: value}))
    assert response.status_code == 400
    assert field_errors(response, field)
    assert row_counts() == before


def test_a_handle_taken_in_another_case_is_refused_on_the_page() -> None:
    make_merchant(store_handle="my-shop")
    response = platform_client().post("/signup/", signup_form(store_handle="My-Shop"))
    assert response.status_code == 400
    assert field_errors(response, "store_handle") == [HANDLE_TAKEN]


@pytest.mark.parametrize("handle", ["www", "admin", "api", "mail", "static", "media", "app", "shop", "help", "support"])
def test_reserved_handles_are_refused_on_the_page(handle: str) -> None:
    response = platform_client().post("/signup/", signup_form(store_handle=handle))
    assert response.status_code == 400
    assert field_errors(response, "store_handle") == ["This store address is reserved. Please choose another."]


# --- sign-in --------------------------------------------------------------------


def _sign_in(browser, email: str, password: str, ip: str = "10.0.0.1"):
    return browser.post("/login/", {"email": email, "password": password}, REMOTE_ADDR=ip)


def test_a_merchant_signs_in_and_reaches_the_back_office() -> None:
    merchant = make_merchant()
    browser = platform_client()
    response = _sign_in(browser, merchant.user.email, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/office/"
    assert merchant.store.name in browser.get("/office/").content.decode()


@pytest.mark.parametrize(
    ("next_url", "landing"),
    [
        ("/office/staff/", "/office/staff/"),
        ("//evil.example/", "/office/"),
        ("/\\evil.example/", "/office/"),
        ("https://evil.example/", "/office/"),
    ],
)
def test_after_sign_in_only_a_local_next_page_is_followed(next_url: str, landing: str) -> None:
    merchant = make_merchant()
    response = platform_client().post(
        f"/login/?next={quote(next_url)}", {"email": merchant.user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == landing


def test_a_wrong_password_is_refused_with_the_same_message_as_an_unknown_email() -> None:
    merchant = make_merchant()
    wrong = _sign_in(platform_client(), merchant.user.email, WRONG)
    unknown = _sign_in(platform_client(), "nobody@example.com", WRONG)
    assert wrong.status_code == unknown.status_code == 400
    assert page_errors(wrong) == page_errors(unknown) == ["The email or password is not correct."]


def test_five_failures_lock_the_account_with_the_same_answer_whether_it_exists_or_not() -> None:
    limit = settings.LOGIN_THROTTLE["account_failures"]
    merchant = make_merchant()
    answers = {}
    for email, ip in ((merchant.user.email, "10.0.0.1"), ("nobody@example.com", "10.0.0.2")):
        browser = platform_client()
        for _ in range(limit):
            assert _sign_in(browser, email, WRONG, ip).status_code == 400
        answers[email] = _sign_in(browser, email, WRONG, ip)

    locked_real, locked_unknown = answers.values()
    assert locked_real.status_code == locked_unknown.status_code == 429
    assert page_errors(locked_real) == page_errors(locked_unknown)
    assert page_errors(locked_real)[0].startswith("Too many failed sign-in attempts.")
    assert AuditEntry.objects.filter(action="login.locked_out").count() == 2

    # Even the right password is refused while locked out.
    response = _sign_in(platform_client(), merchant.user.email, PASSWORD, "10.0.0.3")
    assert response.status_code == 429
    assert AuditEntry.objects.filter(action="login.locked_out").count() == 3


def test_every_further_lock_out_lasts_longer(monkeypatch) -> None:
    cfg = settings.LOGIN_THROTTLE
    limit, first = cfg["account_failures"], cfg["first_lockout_seconds"]
    clock = SimpleNamespace(now=timezone.now())
    monkeypatch.setattr("shopwright.core.throttle._now", lambda: clock.now)
    merchant = make_merchant()
    email = merchant.user.email
    browser = platform_client()

    for _ in range(limit):
        _sign_in(browser, email, WRONG)
    clock.now += timedelta(seconds=first - 1)
    assert _sign_in(browser, email, PASSWORD).status_code == 429
    clock.now += timedelta(seconds=2)  # the first lock-out is over

    for _ in range(limit):
        _sign_in(browser, email, WRONG)
    second = _sign_in(browser, email, PASSWORD)
    assert second.status_code == 429
    minutes = math.ceil(2 * first / 60)
    assert f"Try again in {minutes} minute" in page_errors(second)[0]
    clock.now += timedelta(seconds=first + 1)  # as long as the first lock-out lasted: still locked
    assert _sign_in(browser, email, PASSWORD).status_code == 429
    clock.now += timedelta(seconds=first)  # twice as long: open again
    assert _sign_in(browser, email, PASSWORD).status_code == 302


def test_a_successful_sign_in_clears_the_accounts_failures() -> None:
    limit = settings.LOGIN_THROTTLE["account_failures"]
    merchant = make_merchant()
    email = merchant.user.email
    for _ in range(limit - 1):
        assert _sign_in(platform_client(), email, WRONG).status_code == 400
    assert _sign_in(platform_client(), email, PASSWORD).status_code == 302
    for _ in range(limit - 1):
        assert _sign_in(platform_client(), email, WRONG).status_code == 400
    assert _sign_in(platform_client(), email, PASSWORD).status_code == 302
    assert not AuditEntry.objects.filter(action="login.locked_out").exists()


def test_the_signup_page_stores_an_argon2id_hash() -> None:
    platform_client().post("/signup/", signup_form(email="hash@example.com", store_handle="hash-shop"))
    owner = Store.objects.get(handle="hash-shop").owner
    assert owner.password.startswith("argon2$argon2id$")
    assert owner.check_password(PASSWORD)


def test_the_verification_link_can_be_sent_again_but_not_in_a_flood(
    mailoutbox, django_capture_on_commit_callbacks
) -> None:
    from django.core.cache import cache

    merchant = make_merchant(verified=False)
    browser = platform_client(merchant.user)
    with django_capture_on_commit_callbacks(execute=True):
        first = browser.post("/signup/resend/", follow=True)
        second = browser.post("/signup/resend/", follow=True)
    assert "A new verification link is on its way." in first.content.decode()
    assert "less than a minute ago" in second.content.decode()
    assert len(mailoutbox) == 1

    cache.clear()  # the minute has passed
    with django_capture_on_commit_callbacks(execute=True):
        browser.post("/signup/resend/")
    assert len(mailoutbox) == 2
    assert all(m.to == [merchant.user.email] for m in mailoutbox)
