"""Writes about a store's customers: registration, sign-in, profile, passwords, tokens."""

from __future__ import annotations

import datetime
import math
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from shopwright.core import crypto
from shopwright.core.audit import Actor, audit_record
from shopwright.core.emails import email_queue
from shopwright.core.exceptions import ApplicationError, AuthenticationFailed, RateLimited
from shopwright.core.images import image_open_checked, image_save_square
from shopwright.core.links import store_url
from shopwright.core.signin import sign_in_with_password
from shopwright.core.throttle import (
    login_throttle_check,
    login_throttle_failure,
    login_throttle_success,
    rate_limit_hit,
)
from shopwright.core.tokens import hash_secret_token, make_token, new_secret_token, read_token, state_matches
from shopwright.core.validation import FieldErrors, clean_choice, clean_email, clean_password, clean_text
from shopwright.customers import selectors
from shopwright.customers.models import Customer, CustomerApiToken, Gender
from shopwright.customers.signals import customer_registered
from shopwright.stores.models import Store

PASSWORD_RESET_MAX_AGE = 60 * 60
# Reset requests accepted from one client address per hour (a flood of requests stops here) ...
RESET_REQUESTS_PER_IP_PER_HOUR = 10
# ... and reset emails sent to one address at one store per hour (whatever addresses ask for them).
RESET_EMAILS_PER_ADDRESS_PER_HOUR = 3
API_TOKEN_LIFETIME = datetime.timedelta(days=30)
AVATAR_SIZE = 256
# Children (F18, seed 5): under this age on the day of registration, a guardian must consent first.
CHILD_AGE = 14
GUARDIAN_CONSENT_DAYS = 7
GUARDIAN_EMAIL_REQUIRED = "You are under 14: enter the email of a parent or guardian, who will be asked to agree."
AWAITING_GUARDIAN = (
    "Your account is waiting for your parent's or guardian's agreement. "
    "We emailed them a link; you can sign in once they agree."
)
# Shown beside the registration button; recorded as the evidence of the policy's acceptance.
REGISTRATION_POLICY_TEXT = "By creating an account you accept the privacy policy of {store}."
PROFILE_FIELDS = ("name", "real_name", "gender", "date_of_birth", "place_of_residence", "nickname")


def _scope(store: Store) -> str:
    return f"store:{store.pk}"


def age_on(born: datetime.date, day: datetime.date) -> int:
    """Full years from `born` to `day`; someone born on 29 February turns a year older on 1 March in common years."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def customer_register(
    *,
    store: Store,
    email: str,
    name: str,
    password: str,
    ip: str = "",
    date_of_birth: datetime.date | str | None = None,
    guardian_email: str = "",
) -> Customer:
    """Create a customer account at this store. Nothing is written on error.

    The age gate (F18, seed 5): where the store asks for it
    (Store.ask_date_of_birth), the date of birth is required. Someone under
    CHILD_AGE on the day of registration must give a parent's or guardian's
    email; the account is then created inactive, to be activated by the
    guardian's consent within GUARDIAN_CONSENT_DAYS (privacy.children).
    Sends `customer_registered` inside the transaction (the privacy app
    records the accepted policy and emails the guardian from it).
    """
    errors = FieldErrors()
    email = clean_email(email, errors)
    name = clean_text(name, errors, "name", label="your name", max_length=150)
    password = clean_password(password, errors, email=email, name=name)
    born = _clean_birth_date(date_of_birth, errors)
    if born is None and store.ask_date_of_birth and "date_of_birth" not in errors.fields:
        errors.add("date_of_birth", "Enter your date of birth.")
    child = born is not None and age_on(born, timezone.localdate()) < CHILD_AGE
    guardian = ""
    if child:
        if not str(guardian_email or "").strip():
            errors.add("guardian_email", GUARDIAN_EMAIL_REQUIRED)
        else:
            guardian = clean_email(guardian_email, errors, "guardian_email")
            if guardian and email and crypto.normalise(guardian) == crypto.normalise(email):
                errors.add("guardian_email", "Enter your parent's or guardian's own email, not yours.")
    if not errors:
        rate_limit_hit(
            action="customer-register",
            subject=ip,
            limit=settings.SIGNUP_LIMITS["customer_registrations_per_hour"],
            window_seconds=3600,
        )
    if email and selectors.customer_by_email(store=store, email=email):
        errors.add("email", "An account with this email already exists at this store. Sign in instead.")
    errors.raise_if_any()
    try:
        with transaction.atomic():
            customer = Customer(store=store, email=email, email_index=crypto.blind_index(email), name=name, password="")
            customer.password = make_password(password)
            customer.date_of_birth = born
            if child:
                customer.is_active = False
                customer.guardian_email = guardian
                customer.guardian_consent_due_at = timezone.now() + datetime.timedelta(days=GUARDIAN_CONSENT_DAYS)
            customer.save()
            audit_record(action="customer.register", actor=Actor.customer(customer), store=store, obj=customer, ip=ip)
            customer_registered.send(sender=Customer, customer=customer, ip=ip)
    except IntegrityError as exc:
        raise ApplicationError.for_field(
            "email", "An account with this email already exists at this store. Sign in instead.", code="taken"
        ) from exc
    return customer


def customer_awaits_guardian(customer: Customer) -> bool:
    """An under-14 account still waiting for its guardian's consent (it cannot sign in yet)."""
    return (
        not customer.is_active
        and customer.guardian_consent_due_at is not None
        and customer.guardian_consented_at is None
    )


def customer_authenticate(*, store: Store, email: str, password: str, ip: str) -> Customer:
    """Check a customer's credentials at this store under the login throttle (see core.signin)."""
    awaiting_guardian = False

    def password_ok(found: Customer, raw: str) -> bool:
        nonlocal awaiting_guardian
        # The hash is checked first, always: a deactivated account must not answer faster.
        good = check_password(raw, found.password)
        awaiting_guardian = good and customer_awaits_guardian(found)
        return good and found.is_active

    try:
        customer = sign_in_with_password(
            scope=_scope(store),
            area="store",
            email=email,
            password=password,
            ip=ip,
            find=lambda value: selectors.customer_by_email(store=store, email=value),
            password_ok=password_ok,
            actor=Actor.customer,
            store=store,
        )
    except AuthenticationFailed as exc:
        if awaiting_guardian:
            # Only with the right password: it tells nothing to someone guessing.
            raise AuthenticationFailed(AWAITING_GUARDIAN, code="awaiting_guardian") from exc
        raise
    customer.last_login = timezone.now()
    customer.save(update_fields=["last_login"])
    return customer


def customer_profile_update(*, customer: Customer, data: dict[str, Any], ip: str = "") -> Customer:
    """Update the given profile fields (only the keys present in `data`)."""
    errors = FieldErrors()
    changes: dict[str, Any] = {}
    if "name" in data:
        changes["name"] = clean_text(data["name"], errors, "name", label="your name", max_length=150)
    for field, label, limit in (
        ("real_name", "a real name", 150),
        ("place_of_residence", "a place of residence", 200),
        ("nickname", "a nickname", 50),
    ):
        if field in data:
            changes[field] = clean_text(data[field], errors, field, label=label, max_length=limit, required=False)
    if "gender" in data:
        changes["gender"] = clean_choice(
            data["gender"], errors, "gender", choices=Gender.choices, label="a gender", required=False
        )
    if "date_of_birth" in data:
        changes["date_of_birth"] = _clean_birth_date(data["date_of_birth"], errors)
    errors.raise_if_any()
    if not changes:
        return customer
    for field, value in changes.items():
        setattr(customer, field, value)
    with transaction.atomic():
        customer.save(update_fields=list(changes))
        audit_record(
            action="customer.profile_update",
            actor=Actor.customer(customer),
            store=customer.store,
            obj=customer,
            ip=ip,
            details={"fields": sorted(changes)},
        )
    return customer


def _clean_birth_date(value: Any, errors: FieldErrors) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        born = value
    else:
        try:
            born = datetime.date.fromisoformat(str(value).strip())
        except ValueError:
            errors.add("date_of_birth", "Enter a date as YYYY-MM-DD.")
            return None
    today = timezone.localdate()
    if born > today or born.year < today.year - 130:
        errors.add("date_of_birth", "Enter a real date of birth.")
        return None
    return born


def customer_avatar_set(*, customer: Customer, upload: IO[bytes], ip: str = "") -> Customer:
    """Replace the avatar with a square WebP copy of the upload, metadata stripped."""
    image = image_open_checked(upload, field="avatar")
    old = customer.avatar
    name = image_save_square(image, folder=f"stores/{customer.store_id}/avatars", size=AVATAR_SIZE)
    customer.avatar = name
    with transaction.atomic():
        customer.save(update_fields=["avatar"])
        audit_record(
            action="customer.avatar_update", actor=Actor.customer(customer), store=customer.store, obj=customer, ip=ip
        )
    if old:
        transaction.on_commit(lambda: default_storage.delete(old))
    return customer


def customer_avatar_remove(*, customer: Customer, ip: str = "") -> Customer:
    """Remove the avatar (the file goes once the change commits); audited. Nothing to do without one."""
    old = customer.avatar
    if old:
        customer.avatar = ""
        with transaction.atomic():
            customer.save(update_fields=["avatar"])
            audit_record(
                action="customer.avatar_remove",
                actor=Actor.customer(customer),
                store=customer.store,
                obj=customer,
                ip=ip,
            )
        transaction.on_commit(lambda: default_storage.delete(old))
    return customer


def customer_profile_save(
    *,
    customer: Customer,
    data: dict[str, Any],
    avatar: IO[bytes] | None = None,
    remove_avatar: bool = False,
    ip: str = "",
) -> Customer:
    """The profile page's one form: fields, a new avatar, a removal; all of it or, on any error, nothing."""
    with transaction.atomic():
        customer_profile_update(customer=customer, data=data, ip=ip)
        if avatar is not None:
            customer_avatar_set(customer=customer, upload=avatar, ip=ip)
        if remove_avatar:
            customer_avatar_remove(customer=customer, ip=ip)
    return customer


def customer_password_change(*, customer: Customer, current_password: str, new_password: str, ip: str = "") -> Customer:
    """Set a new password after checking the current one, under the customer's login throttle.

    A wrong current password counts as a failed sign-in of the account (and
    of the client IP) and is audited as `customer.password_change_failed`:
    a stolen session cannot be used to guess the password without limit.
    While the account or the IP is locked out, RateLimited is raised before
    the password is checked (audited the same way).
    """
    store = customer.store
    identifier = crypto.normalise(customer.email)
    try:
        login_throttle_check(scope=_scope(store), identifier=identifier, ip=ip)
    except RateLimited as exc:
        audit_record(
            action="customer.password_change_failed",
            actor=Actor.customer(customer),
            store=store,
            obj=customer,
            ip=ip,
            details={"reason": "locked_out"},
        )
        minutes = max(1, math.ceil(exc.retry_after / 60))
        raise RateLimited(
            f"Too many wrong passwords. For your security, try again in {minutes} minute{'s' if minutes > 1 else ''}.",
            retry_after=exc.retry_after,
        ) from exc
    errors = FieldErrors()
    if check_password(current_password or "", customer.password):
        login_throttle_success(scope=_scope(store), identifier=identifier, ip=ip)
    else:
        locked = login_throttle_failure(scope=_scope(store), identifier=identifier, ip=ip)
        audit_record(
            action="customer.password_change_failed",
            actor=Actor.customer(customer),
            store=store,
            obj=customer,
            ip=ip,
            details={"reason": "wrong_password", "locked_out": locked},
        )
        errors.add("current_password", "Your current password is not correct.")
    new_password = clean_password(new_password, errors, "new_password", email=customer.email, name=customer.name)
    errors.raise_if_any()
    with transaction.atomic():
        customer.password = make_password(new_password)
        customer.save(update_fields=["password"])
        CustomerApiToken.objects.filter(store=store, customer=customer).delete()
        audit_record(
            action="customer.password_change",
            actor=Actor.customer(customer),
            store=store,
            obj=customer,
            ip=ip,
        )
    return customer


def customer_password_reset_request(*, store: Store, email: str, ip: str = "") -> None:
    """Accept a reset request; the lookup and the email happen in a job.

    The request does the same work whether or not the address has an
    account (check the format, queue a job), so neither the answer nor its
    timing tells. The job's arguments hold the address and IP encrypted only.
    """
    errors = FieldErrors()
    email = clean_email(email, errors)
    errors.raise_if_any()
    # Before anything is queued, and the same for every address: one client
    # cannot flood a store's customers with reset emails.
    rate_limit_hit(
        action="customer-reset-request",
        subject=ip,
        limit=RESET_REQUESTS_PER_IP_PER_HOUR,
        window_seconds=3600,
    )
    from shopwright.customers.tasks import customer_password_reset_send_task

    sealed_email, sealed_ip = crypto.encrypt(email), crypto.encrypt(ip or "-")
    transaction.on_commit(lambda: customer_password_reset_send_task(store.pk, sealed_email, sealed_ip))


def customer_password_reset_send(*, store_id: int, sealed_email: str, sealed_ip: str) -> bool:
    """Email a reset link if the address has an active account at the store; True when sent.

    At most RESET_EMAILS_PER_ADDRESS_PER_HOUR links go to one address at one
    store per hour, however many clients ask: past that the request is
    dropped quietly (no error, so the job is not retried).
    """
    from shopwright.stores.selectors import store_by_id

    store = store_by_id(store_id=store_id)
    email, ip = crypto.decrypt(sealed_email), crypto.decrypt(sealed_ip)
    if store is None:
        return False
    try:
        rate_limit_hit(
            action="customer-reset-email",
            subject=f"{store.pk}:{crypto.normalise(email)}",  # kept under a keyed hash
            limit=RESET_EMAILS_PER_ADDRESS_PER_HOUR,
            window_seconds=3600,
        )
    except RateLimited:
        return False
    customer = selectors.customer_by_email(store=store, email=email)
    if customer is None or not customer.is_active:
        return False
    token = make_token(purpose="customer-password-reset", subject_id=customer.pk, state=customer.password)
    with transaction.atomic():
        audit_record(
            action="customer.password_reset_request",
            actor=Actor.anonymous(),
            store=store,
            obj=customer,
            ip="" if ip == "-" else ip,
        )
        email_queue(
            kind="customer_password_reset",
            to=customer.email,
            store=store,
            context={"name": customer.name, "reset_url": store_url(store, f"/account/password-reset/{token}/")},
        )
    return True


def customer_for_reset_token(*, store: Store, token: str, lock: bool = False) -> Customer:
    """The active customer an emailed reset link names, while the link is unused.

    The link is bound to the password hash it was made for. Raises
    ApplicationError (code "invalid_token") otherwise. With `lock=True` the
    customer row is locked until the caller's transaction ends (call it
    inside `transaction.atomic()`), and the hash is compared on the locked row.
    """
    parsed = read_token(token=token, purpose="customer-password-reset", max_age_seconds=PASSWORD_RESET_MAX_AGE)
    if parsed is None:
        raise ApplicationError("This password reset link is invalid or has expired.", code="invalid_token")
    customer_id, digest = parsed
    customers = Customer.objects.filter(store=store, pk=customer_id, is_active=True)
    customer = (customers.select_for_update() if lock else customers).first()
    if customer is None or not state_matches(digest, customer.password):
        raise ApplicationError("This password reset link is invalid or has expired.", code="invalid_token")
    return customer


def customer_password_reset_confirm(*, store: Store, token: str, new_password: str, ip: str = "") -> Customer:
    """Set a new password from an emailed link; the link then stops working (it is bound to the old hash).

    The link is checked again on the locked customer row in the transaction
    that writes: of two simultaneous uses of one link, the second finds the
    hash changed and is refused (ApplicationError "invalid_token").
    """
    customer = customer_for_reset_token(store=store, token=token)
    errors = FieldErrors()
    new_password = clean_password(new_password, errors, "new_password", email=customer.email, name=customer.name)
    errors.raise_if_any()
    new_hash = make_password(new_password)  # slow: before the transaction, not while holding the lock
    with transaction.atomic():
        customer = customer_for_reset_token(store=store, token=token, lock=True)
        customer.password = new_hash
        customer.save(update_fields=["password"])
        CustomerApiToken.objects.filter(store=store, customer=customer).delete()
        audit_record(action="customer.password_reset", actor=Actor.customer(customer), store=store, obj=customer, ip=ip)
    return customer


def customer_api_token_create(*, customer: Customer) -> str:
    token, token_hash = new_secret_token("swc")
    CustomerApiToken.objects.create(
        store_id=customer.store_id,
        customer=customer,
        key_hash=token_hash,
        expires_at=timezone.now() + API_TOKEN_LIFETIME,
    )
    return token


def customer_api_token_revoke(*, store: Store, token: str) -> None:
    CustomerApiToken.objects.filter(store=store, key_hash=hash_secret_token(token)).delete()
