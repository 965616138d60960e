"""Customer accounts through their services (shopwright.customers.services)."""

from __future__ import annotations

import datetime
import io
import os
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core import signing
from django.utils import timezone
from PIL import Image

from shopwright.core.exceptions import ApplicationError, AuthenticationFailed, RateLimited
from shopwright.core.models import AuditEntry, Email
from shopwright.customers import selectors, services
from shopwright.customers.models import Customer, CustomerApiToken
from tests.customers.helpers import jpeg_with_gps, png_over_pixel_limit, upload
from tests.factories import ADULT, PASSWORD, make_customer, make_merchant
from tests.stores.helpers import link_path

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "saffron-glacier-teapot"
WRONG = "not-the-password-at-all"
IP = "10.2.0.1"


@pytest.fixture
def store():
    return make_merchant().store


@pytest.fixture
def other_store():
    return make_merchant().store


@pytest.fixture
def customer(store):
    return make_customer(store, email="robin@example.com", name="Robin Buyer")


def _fresh(customer: Customer) -> Customer:
    return Customer.objects.get(store_id=customer.store_id, pk=customer.pk)


def _customer_rows(store) -> int:
    return Customer.objects.filter(store=store).count()


# --- registration and sign-in ------------------------------------------------------


def test_registration_keeps_the_account_at_this_store_only(store, other_store) -> None:
    customer = services.customer_register(
        store=store, email="robin@Example.COM", name="Robin Buyer", password=PASSWORD, date_of_birth=ADULT
    )
    stored = _fresh(customer)
    assert (stored.email, stored.name) == ("robin@example.com", "Robin Buyer")
    assert stored.password.startswith("argon2$argon2id$")
    assert selectors.customer_by_email(store=store, email="ROBIN@example.com") == stored
    assert selectors.customer_by_email(store=other_store, email="robin@example.com") is None
    entry = AuditEntry.objects.get(action="customer.register")
    assert (entry.store_id, entry.actor_type, entry.actor_id) == (store.pk, "customer", customer.pk)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": "robin-at-example"}, "email", "Enter a valid email address."),
        ({"email": ""}, "email", "Enter an email address."),
        ({"name": ""}, "name", "Enter your name."),
        ({"password": ""}, "password", "Enter a password."),
        ({"password": "Kx7#qPz"}, "password", "This password is too short. It must contain at least 10 characters."),
        ({"password": "password123"}, "password", "This password is too common."),
        ({"password": "robinsonville"}, "password", "The password is too similar to the email."),
        (
            {"name": "Bartholomew Quince", "password": "bartholomewquince"},
            "password",
            "The password is too similar to the name.",
        ),
        (
            {"email": "taken@EXAMPLE.com"},
            "email",
            "An account with this email already exists at this store. Sign in instead.",
        ),
    ],
)
def test_a_refused_registration_writes_nothing(store, overrides, field: str, message: str) -> None:
    make_customer(store, email="taken@example.com")
    rows, entries = _customer_rows(store), AuditEntry.objects.count()
    data = {
        "email": "robinsonville@example.com",
        "name": "Robin Buyer",
        "password": PASSWORD,
        "date_of_birth": ADULT,
        **overrides,
    }

    with pytest.raises(ApplicationError) as exc:
        services.customer_register(store=store, **data)

    assert message in exc.value.fields[field]
    assert (_customer_rows(store), AuditEntry.objects.count()) == (rows, entries)


def test_the_same_email_at_two_stores_is_two_accounts_with_their_own_passwords(store, other_store) -> None:
    at_a = services.customer_register(
        store=store, email="twin@example.com", name="Twin A", password=PASSWORD, date_of_birth=ADULT
    )
    at_b = services.customer_register(
        store=other_store, email="twin@example.com", name="Twin B", password=NEW_PASSWORD, date_of_birth=ADULT
    )
    assert at_a.pk != at_b.pk

    assert services.customer_authenticate(store=store, email="twin@example.com", password=PASSWORD, ip=IP) == at_a
    assert (
        services.customer_authenticate(store=other_store, email="twin@example.com", password=NEW_PASSWORD, ip=IP)
        == at_b
    )
    with pytest.raises(AuthenticationFailed):
        services.customer_authenticate(store=store, email="twin@example.com", password=NEW_PASSWORD, ip=IP)
    with pytest.raises(AuthenticationFailed):
        services.customer_authenticate(store=other_store, email="twin@example.com", password=PASSWORD, ip=IP)


def test_a_customer_of_another_store_cannot_sign_in_here(customer, other_store) -> None:
    with pytest.raises(AuthenticationFailed) as exc:
        services.customer_authenticate(store=other_store, email=customer.email, password=PASSWORD, ip=IP)
    assert exc.value.message == "The email or password is not correct."


# --- login throttling -----------------------------------------------------------------


def _fail(store, email: str, n: int) -> None:
    for _ in range(n):
        with pytest.raises(AuthenticationFailed):
            services.customer_authenticate(store=store, email=email, password=WRONG, ip=IP)


def test_failures_at_one_store_do_not_lock_the_same_email_at_another(store, other_store) -> None:
    limit = settings.LOGIN_THROTTLE["account_failures"]
    make_customer(store, email="twin@example.com")
    twin_b = make_customer(other_store, email="twin@example.com")

    _fail(store, "twin@example.com", limit)

    with pytest.raises(RateLimited):
        services.customer_authenticate(store=store, email="twin@example.com", password=PASSWORD, ip=IP)
    entry = AuditEntry.objects.get(action="login.locked_out")
    assert entry.store_id == store.pk
    assert (
        services.customer_authenticate(store=other_store, email="twin@example.com", password=PASSWORD, ip=IP) == twin_b
    )


def test_customer_lock_outs_grow_like_merchants(store, customer, monkeypatch) -> None:
    cfg = settings.LOGIN_THROTTLE
    limit, first = cfg["account_failures"], cfg["first_lockout_seconds"]
    clock = SimpleNamespace(now=timezone.now())
    monkeypatch.setattr("shopwright.core.throttle._now", lambda: clock.now)

    _fail(store, customer.email, limit)
    with pytest.raises(RateLimited) as first_lock:
        services.customer_authenticate(store=store, email=customer.email, password=PASSWORD, ip=IP)
    clock.now += timedelta(seconds=first + 1)
    _fail(store, customer.email, limit)
    with pytest.raises(RateLimited) as second_lock:
        services.customer_authenticate(store=store, email=customer.email, password=PASSWORD, ip=IP)

    assert second_lock.value.retry_after > first_lock.value.retry_after
    assert second_lock.value.retry_after == 2 * first
    clock.now += timedelta(seconds=2 * first + 1)
    assert services.customer_authenticate(store=store, email=customer.email, password=PASSWORD, ip=IP) == customer


def test_a_successful_sign_in_clears_the_customers_failures(store, customer) -> None:
    limit = settings.LOGIN_THROTTLE["account_failures"]
    _fail(store, customer.email, limit - 1)
    services.customer_authenticate(store=store, email=customer.email, password=PASSWORD, ip=IP)
    _fail(store, customer.email, limit - 1)
    assert services.customer_authenticate(store=store, email=customer.email, password=PASSWORD, ip=IP) == customer


# --- profile ---------------------------------------------------------------------------


def test_the_optional_profile_fields_are_saved(customer) -> None:
    services.customer_profile_update(
        customer=customer,
        data={
            "real_name": "Robin  Q. Buyer",
            "gender": "other",
            "date_of_birth": "1990-04-01",
            "place_of_residence": "Leeds, UK",
            "nickname": "robbie",
        },
    )
    stored = _fresh(customer)
    assert (stored.real_name, stored.gender, stored.place_of_residence, stored.nickname) == (
        "Robin Q. Buyer",
        "other",
        "Leeds, UK",
        "robbie",
    )
    assert stored.date_of_birth == datetime.date(1990, 4, 1)
    assert stored.name == "Robin Buyer"  # not sent, not changed


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"date_of_birth": "1990-02-30"}, "date_of_birth", "Enter a date as YYYY-MM-DD."),
        ({"date_of_birth": "01/04/1990"}, "date_of_birth", "Enter a date as YYYY-MM-DD."),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth", "Enter a real date of birth."),
        ({"date_of_birth": "1800-01-01"}, "date_of_birth", "Enter a real date of birth."),
        ({"gender": "robot"}, "gender", "Choose one of the listed options for a gender."),
        ({"nickname": "n" * 51}, "nickname", "A nickname has at most 50 characters."),
        ({"name": ""}, "name", "Enter your name."),
    ],
)
def test_a_bad_profile_value_changes_nothing(customer, data, field: str, message: str) -> None:
    with pytest.raises(ApplicationError) as exc:
        services.customer_profile_update(customer=customer, data={"real_name": "Changed Name", **data})
    assert exc.value.fields[field] == [message]
    stored = _fresh(customer)
    assert (stored.real_name, stored.date_of_birth, stored.gender) == ("", datetime.date.fromisoformat(ADULT), "")
    assert not AuditEntry.objects.filter(action="customer.profile_update").exists()


def _media(name: str) -> str:
    return os.path.join(settings.MEDIA_ROOT, name)


def test_an_uploaded_photo_becomes_a_small_webp_without_its_location(customer) -> None:
    services.customer_avatar_set(customer=customer, upload=upload("holiday.jpg", jpeg_with_gps()))

    name = _fresh(customer).avatar
    assert name.endswith(".webp")
    with open(_media(name), "rb") as f:
        data = f.read()
    image = Image.open(io.BytesIO(data))
    assert (image.format, image.size) == ("WEBP", (256, 256))
    assert not image.getexif()
    assert "exif" not in image.info
    assert b"Exif" not in data
    assert b"PhoneMaker" not in data


def test_a_new_avatar_replaces_the_old_file(customer, django_capture_on_commit_callbacks) -> None:
    services.customer_avatar_set(customer=customer, upload=upload("one.jpg", jpeg_with_gps()))
    first = _fresh(customer).avatar
    with django_capture_on_commit_callbacks(execute=True):
        services.customer_avatar_set(customer=customer, upload=upload("two.jpg", jpeg_with_gps((300, 900))))
    assert not os.path.exists(_media(first))
    assert os.path.exists(_media(_fresh(customer).avatar))


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("photo.jpg", b"just some text, not a picture\n", "Upload a JPEG, PNG, WebP or GIF image."),
        ("photo.jpg", jpeg_with_gps()[:300], "Upload a JPEG, PNG, WebP or GIF image."),
        ("huge.png", png_over_pixel_limit(), "The image has too many pixels."),
        ("big.jpg", b"\xff\xd8" + b"\0" * (5 * 1024 * 1024), "The image is larger than 5 MB."),
    ],
    ids=["text-file", "truncated-jpeg", "too-many-pixels", "too-many-bytes"],
)
def test_an_upload_that_is_not_an_acceptable_image_is_refused(customer, name: str, data: bytes, message: str) -> None:
    with pytest.raises(ApplicationError) as exc:
        services.customer_avatar_set(customer=customer, upload=upload(name, data))
    assert exc.value.fields == {"avatar": [message]}
    assert _fresh(customer).avatar == ""
    assert not os.path.exists(_media(f"stores/{customer.store_id}/avatars"))


# --- passwords ---------------------------------------------------------------------


def test_a_password_change_needs_the_current_password(customer) -> None:
    with pytest.raises(ApplicationError) as exc:
        services.customer_password_change(customer=customer, current_password=WRONG, new_password=NEW_PASSWORD)
    assert exc.value.fields["current_password"] == ["Your current password is not correct."]
    assert _fresh(customer).password == customer.password


def test_a_password_change_signs_out_api_tokens(store, customer) -> None:
    token = services.customer_api_token_create(customer=customer)
    services.customer_password_change(customer=customer, current_password=PASSWORD, new_password=NEW_PASSWORD)

    assert selectors.customer_for_api_token(store=store, token=token) is None
    assert not CustomerApiToken.objects.filter(store=store, customer=customer).exists()
    assert services.customer_authenticate(store=store, email=customer.email, password=NEW_PASSWORD, ip=IP) == customer
    with pytest.raises(AuthenticationFailed):
        services.customer_authenticate(store=store, email=customer.email, password=PASSWORD, ip=IP)


def test_wrong_current_passwords_count_as_failed_sign_ins_and_are_audited(store, customer) -> None:
    limit = settings.LOGIN_THROTTLE["account_failures"]
    for _ in range(limit):
        with pytest.raises(ApplicationError) as exc:
            services.customer_password_change(
                customer=customer, current_password=WRONG, new_password=NEW_PASSWORD, ip=IP
            )
        assert exc.value.fields["current_password"] == ["Your current password is not correct."]

    with pytest.raises(RateLimited) as locked:
        services.customer_password_change(
            customer=customer, current_password=PASSWORD, new_password=NEW_PASSWORD, ip=IP
        )

    assert locked.value.retry_after > 0
    assert _fresh(customer).password == customer.password
    entries = AuditEntry.objects.filter(action="customer.password_change_failed", store_id=store.pk).order_by("id")
    assert [e.details for e in entries] == [
        *({"reason": "wrong_password", "locked_out": n == limit - 1} for n in range(limit)),
        {"reason": "locked_out"},
    ]
    with pytest.raises(RateLimited):
        services.customer_authenticate(store=store, email=customer.email, password=PASSWORD, ip="10.2.9.9")


def test_avatar_removal_is_audited_only_when_there_was_one(customer) -> None:
    services.customer_avatar_remove(customer=customer, ip=IP)
    assert not AuditEntry.objects.filter(action="customer.avatar_remove").exists()

    services.customer_avatar_set(customer=customer, upload=upload("one.jpg", jpeg_with_gps()))
    services.customer_avatar_remove(customer=customer, ip=IP)

    assert _fresh(customer).avatar == ""
    entry = AuditEntry.objects.get(action="customer.avatar_remove")
    assert (entry.store_id, entry.actor_id, entry.ip_address) == (customer.store_id, customer.pk, IP)


def _reset_token(mailoutbox) -> str:
    return link_path(mailoutbox[-1], "/account/password-reset/").split("/")[3]


def test_a_reset_link_is_only_sent_to_an_existing_account(
    store, customer, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.customer_password_reset_request(store=store, email="nobody@example.com")
    assert mailoutbox == []
    assert not Email.objects.filter(kind="customer_password_reset").exists()

    with django_capture_on_commit_callbacks(execute=True):
        services.customer_password_reset_request(store=store, email="ROBIN@example.com")
    assert [m.to for m in mailoutbox] == [["robin@example.com"]]


def test_a_reset_link_works_once(store, customer, mailoutbox, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.customer_password_reset_request(store=store, email=customer.email)
    token = _reset_token(mailoutbox)

    services.customer_password_reset_confirm(store=store, token=token, new_password=NEW_PASSWORD)

    assert services.customer_authenticate(store=store, email=customer.email, password=NEW_PASSWORD, ip=IP) == customer
    with pytest.raises(ApplicationError) as exc:
        services.customer_password_reset_confirm(store=store, token=token, new_password="another-fine-passphrase")
    assert exc.value.code == "invalid_token"


def test_a_reset_link_expires_after_an_hour(
    store, customer, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.customer_password_reset_request(store=store, email=customer.email)
    token = _reset_token(mailoutbox)
    later = timezone.now().timestamp() + services.PASSWORD_RESET_MAX_AGE + 1
    monkeypatch.setattr(signing, "time", SimpleNamespace(time=lambda: later))

    with pytest.raises(ApplicationError):
        services.customer_password_reset_confirm(store=store, token=token, new_password=NEW_PASSWORD)
    assert _fresh(customer).password == customer.password


def test_a_reset_link_from_one_store_does_nothing_at_another(
    store, other_store, customer, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.customer_password_reset_request(store=store, email=customer.email)
    with pytest.raises(ApplicationError):
        services.customer_for_reset_token(store=other_store, token=_reset_token(mailoutbox))


def test_a_deactivated_customer_costs_a_full_password_check(store, customer, monkeypatch) -> None:
    """Answering before the hash is checked would tell a deactivated account apart by its speed."""
    checked: list[str] = []
    real_check_password = services.check_password

    def counting_check_password(raw, encoded, *args, **kwargs):  # type: ignore[no-untyped-def]
        checked.append(raw)
        return real_check_password(raw, encoded, *args, **kwargs)

    monkeypatch.setattr(services, "check_password", counting_check_password)
    Customer.objects.filter(store=store, pk=customer.pk).update(is_active=False)

    with pytest.raises(AuthenticationFailed):
        services.customer_authenticate(store=store, email=customer.email, password=PASSWORD, ip=IP)

    assert checked == [PASSWORD]


def test_a_reset_link_used_by_a_racer_meanwhile_is_refused(
    store, customer, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    """Two tabs submit one reset link: the one that commits second must not set its password too."""
    with django_capture_on_commit_callbacks(execute=True):
        services.customer_password_reset_request(store=store, email=customer.email)
    token = _reset_token(mailoutbox)
    real_make_password = services.make_password
    racer_password = "tangerine-lighthouse-violin"

    def hash_while_the_racer_commits(raw: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        # While this request hashes its new password, the other tab's reset commits.
        monkeypatch.setattr(services, "make_password", real_make_password)
        services.customer_password_reset_confirm(store=store, token=token, new_password=racer_password)
        return real_make_password(raw, *args, **kwargs)

    monkeypatch.setattr(services, "make_password", hash_while_the_racer_commits)

    with pytest.raises(ApplicationError) as exc:
        services.customer_password_reset_confirm(store=store, token=token, new_password=NEW_PASSWORD)

    assert exc.value.code == "invalid_token"
    assert services.customer_authenticate(store=store, email=customer.email, password=racer_password, ip=IP)
    with pytest.raises(AuthenticationFailed):
        services.customer_authenticate(store=store, email=customer.email, password=NEW_PASSWORD, ip=IP)
    assert AuditEntry.objects.filter(action="customer.password_reset", store_id=store.pk).count() == 1
