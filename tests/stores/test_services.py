"""Merchants, stores and staff through their services (shopwright.stores.services)."""

from __future__ import annotations

import importlib

import pytest
from django.core import signing
from django.db import DatabaseError
from django.utils import timezone

from shopwright.core import crypto
from shopwright.core.exceptions import (
    ApplicationError,
    AuthenticationFailed,
    NotFound,
    PermissionDeniedError,
    RateLimited,
)
from shopwright.core.models import AuditEntry
from shopwright.stores import services
from shopwright.stores.models import Membership, Role, StaffInvitation, Store, User, UserApiToken
from tests.factories import PASSWORD, make_merchant, signup_data, verification_token
from tests.stores.helpers import (
    BAD_SIGNUPS,
    HANDLE_FORMAT,
    HANDLE_RESERVED,
    HANDLE_TAKEN,
    STAFF_PASSWORD,
    add_member,
    invitation_token,
    link_path,
    row_counts,
)

pytestmark = pytest.mark.django_db

RESERVED_WORDS = ["www", "admin", "api", "mail", "static", "media", "app", "shop", "help", "support"]


@pytest.fixture
def merchant():
    return make_merchant()


# --- signup and email verification ------------------------------------------


def test_signup_keeps_every_answer_and_waits_for_the_emailed_link(
    mailoutbox, django_capture_on_commit_callbacks
) -> None:
    data = signup_data(
        email="ada@example.com",
        full_name="Ada Shopkeeper",
        phone="020 7946 0958",
        country="GB",
        industry="art",
        business_scale="starting",
        store_name="Ada's Prints",
        store_handle="adas-prints",
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = services.merchant_signup(**data)

    user = User.objects.get(pk=result.user.pk)
    assert (user.email, user.full_name, user.phone) == ("ada@example.com", "Ada Shopkeeper", "+442079460958")
    assert (user.country.code, user.industry, user.business_scale) == ("GB", "art", "starting")
    assert user.check_password(PASSWORD)
    assert not user.email_verified
    store = Store.objects.get(pk=result.store.pk)
    assert (store.handle, store.name, store.owner_id) == ("adas-prints", "Ada's Prints", user.pk)
    assert store.status == Store.Status.PENDING
    assert Membership.objects.get(store=store, user=user).role == Role.OWNER

    assert [m.to for m in mailoutbox] == [["ada@example.com"]]
    assert link_path(mailoutbox[0], "/verify-email/")


def test_the_emailed_link_puts_the_store_live_and_a_second_click_changes_nothing(
    mailoutbox, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        result = services.merchant_signup(**signup_data())
    token = link_path(mailoutbox[0], "/verify-email/").split("/")[2]

    services.user_verify_email(token=token)
    store = Store.objects.get(pk=result.store.pk)
    assert store.status == Store.Status.LIVE
    went_live_at = store.went_live_at

    services.user_verify_email(token=token)
    store.refresh_from_db()
    assert store.status == Store.Status.LIVE
    assert store.went_live_at == went_live_at
    assert AuditEntry.objects.filter(action="store.live", store_id=store.pk).count() == 1


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), id="changed-signature"),
        pytest.param(lambda t: "x" + t, id="changed-payload"),
        pytest.param(lambda t: "nonsense", id="garbage"),
    ],
)
def test_a_tampered_verification_link_is_refused(tamper) -> None:
    result = make_merchant(verified=False)
    with pytest.raises(ApplicationError) as exc:
        services.user_verify_email(token=tamper(verification_token(result.user)))
    assert exc.value.code == "invalid_token"
    result.store.refresh_from_db()
    assert result.store.status == Store.Status.PENDING


def test_a_link_for_another_purpose_does_not_verify() -> None:
    result = make_merchant(verified=False)
    token = signing.dumps({"id": result.user.pk, "s": ""}, salt="shopwright.customer-password-reset")
    with pytest.raises(ApplicationError):
        services.user_verify_email(token=token)
    result.store.refresh_from_db()
    assert result.store.status == Store.Status.PENDING


@pytest.mark.parametrize(
    ("label", "overrides", "field", "message", "existing"), BAD_SIGNUPS, ids=[b[0] for b in BAD_SIGNUPS]
)
def test_a_failed_signup_writes_nothing(
    label, overrides, field, message, existing, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    if existing:
        make_merchant(**existing)
    mailoutbox.clear()
    before = row_counts()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ApplicationError) as exc:
        services.merchant_signup(**signup_data(**overrides))

    assert message in exc.value.fields[field]
    assert row_counts() == before
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("email", "Enter an email address."),
        ("password", "Enter a password."),
        ("full_name", "Enter your name."),
        ("phone", "Enter a phone number."),
        ("country", "Choose a country or region."),
        ("industry", "Choose an industry."),
        ("business_scale", "Choose a business scale."),
        ("store_name", "Enter a store name."),
        ("store_handle", "Choose a store address."),
    ],
)
def test_signup_requires_every_answer(field: str, message: str) -> None:
    before = row_counts()
    with pytest.raises(ApplicationError) as exc:
        services.merchant_signup(**signup_data(**{field: ""}))
    assert exc.value.fields[field] == [message]
    assert row_counts() == before


def test_signup_reports_every_problem_at_once() -> None:
    with pytest.raises(ApplicationError) as exc:
        services.merchant_signup(**signup_data(email="nope", store_handle="www", industry="weapons"))
    assert set(exc.value.fields) == {"email", "store_handle", "industry"}


# --- store handles --------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("abc", "abc"),
        ("123", "123"),
        ("my-shop", "my-shop"),
        ("a-b-c", "a-b-c"),
        ("shop42", "shop42"),
        ("a" * 63, "a" * 63),
        ("My-Shop", "my-shop"),
        ("  TEA-House ", "tea-house"),
    ],
)
def test_good_handles_are_accepted_in_lower_case(merchant, given: str, stored: str) -> None:
    store = services.store_create(owner=merchant.user, name="Another", handle=given)
    assert Store.objects.get(pk=store.pk).handle == stored


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("", "Choose a store address."),
        ("ab", HANDLE_FORMAT),
        ("a" * 64, HANDLE_FORMAT),
        ("-shop", HANDLE_FORMAT),
        ("shop-", HANDLE_FORMAT),
        ("-", HANDLE_FORMAT),
        ("my_shop", HANDLE_FORMAT),
        ("my shop", HANDLE_FORMAT),
        ("my.shop", HANDLE_FORMAT),
        ("shöp", HANDLE_FORMAT),
        ("shop!", HANDLE_FORMAT),
        ("xn--shop", "A store address cannot contain two hyphens in a row."),
        ("my--shop", "A store address cannot contain two hyphens in a row."),
        *[(word, HANDLE_RESERVED) for word in RESERVED_WORDS],
        ("WWW", HANDLE_RESERVED),
        ("Admin", HANDLE_RESERVED),
    ],
)
def test_bad_handles_are_refused(merchant, given: str, message: str) -> None:
    before = row_counts()
    with pytest.raises(ApplicationError) as exc:
        services.store_create(owner=merchant.user, name="Another", handle=given)
    assert exc.value.fields["store_handle"] == [message]
    assert row_counts() == before


def test_a_handle_differing_only_in_case_is_taken(merchant) -> None:
    services.store_create(owner=merchant.user, name="Mine", handle="my-shop")
    with pytest.raises(ApplicationError) as exc:
        services.merchant_signup(**signup_data(store_handle="My-Shop"))
    assert exc.value.fields["store_handle"] == [HANDLE_TAKEN]
    with pytest.raises(ApplicationError) as exc:
        services.store_create(owner=merchant.user, name="Again", handle="MY-SHOP")
    assert exc.value.fields["store_handle"] == [HANDLE_TAKEN]


# --- more stores --------------------------------------------------------------


def test_a_verified_merchant_opens_more_stores_live_at_once(merchant) -> None:
    store = services.store_create(owner=merchant.user, name="Second", handle="second-shop")
    assert store.status == Store.Status.LIVE
    assert Membership.objects.get(store=store, user=merchant.user).role == Role.OWNER


def test_an_unverified_merchant_reserves_no_second_store_until_verified() -> None:
    result = make_merchant(verified=False)  # its first store waits for the verification
    before = row_counts()

    with pytest.raises(ApplicationError) as exc:
        services.store_create(owner=result.user, name="Second", handle="second-shop")

    assert exc.value.code == "unverified"
    assert exc.value.message == "Verify your email address before creating another store."
    assert row_counts() == before
    assert not services.selectors.handle_is_taken(handle="second-shop")  # the address stays free for others

    services.user_verify_email(token=verification_token(result.user))
    result.user.refresh_from_db()
    store = services.store_create(owner=result.user, name="Second", handle="second-shop")
    assert store.status == Store.Status.LIVE
    assert set(Store.objects.filter(owner=result.user).values_list("status", flat=True)) == {Store.Status.LIVE}


def test_an_unverified_owner_is_refused_even_when_its_pending_store_appears_meanwhile(monkeypatch) -> None:
    """The rule is checked again on the owner's locked row: a store made by a parallel request counts."""
    result = make_merchant(verified=False)
    Store.objects.filter(pk=result.store.pk).update(status=Store.Status.SUSPENDED)  # no pending store now
    real = services.selectors.has_pending_store

    def racer_creates_a_store(*, user: User) -> bool:
        answer = real(user=user)
        monkeypatch.setattr(services.selectors, "has_pending_store", real)
        services.store_create(owner=user, name="Racer", handle="racer-shop")  # a parallel request wins
        return answer

    monkeypatch.setattr(services.selectors, "has_pending_store", racer_creates_a_store)

    with pytest.raises(ApplicationError) as exc:
        services.store_create(owner=result.user, name="Second", handle="second-shop")

    assert exc.value.code == "unverified"
    assert sorted(Store.objects.filter(owner=result.user).values_list("handle", flat=True)) == sorted(
        [result.store.handle, "racer-shop"]
    )


# --- passwords -----------------------------------------------------------------


def test_passwords_are_stored_as_argon2id_hashes(merchant) -> None:
    stored = User.objects.get(pk=merchant.user.pk).password
    assert stored.startswith("argon2$argon2id$")
    assert PASSWORD not in stored


def test_the_project_settings_hash_with_argon2_first() -> None:
    project_settings = importlib.import_module("shopwright.settings")
    assert project_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


# --- staff ---------------------------------------------------------------------


def test_owner_invites_by_email_and_the_invitee_joins_with_the_role(
    merchant, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    invitee = make_merchant(email="sam@example.com").user
    token = invitation_token(
        store=merchant.store,
        inviter=merchant.user,
        email="sam@example.com",
        role=Role.ADMIN,
        mailoutbox=mailoutbox,
        capture=django_capture_on_commit_callbacks,
    )
    assert mailoutbox[-1].to == ["sam@example.com"]
    assert merchant.store.name in mailoutbox[-1].body

    membership = services.staff_invitation_accept(token=token, user=invitee)

    assert Membership.objects.get(store=merchant.store, user=invitee).role == Role.ADMIN
    invite_entry = AuditEntry.objects.get(action="staff.invite")
    assert (invite_entry.actor_id, invite_entry.store_id) == (merchant.user.pk, merchant.store.pk)
    assert invite_entry.details == {"role": "admin"}
    join_entry = AuditEntry.objects.get(action="staff.join")
    assert (join_entry.actor_id, join_entry.store_id) == (invitee.pk, merchant.store.pk)
    assert join_entry.object_id == str(membership.pk)


def test_an_invitation_cannot_be_accepted_by_another_account(
    merchant, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    stranger = make_merchant(email="someone-else@example.com").user
    token = invitation_token(
        store=merchant.store,
        inviter=merchant.user,
        email="sam@example.com",
        role=Role.STAFF,
        mailoutbox=mailoutbox,
        capture=django_capture_on_commit_callbacks,
    )
    with pytest.raises(PermissionDeniedError):
        services.staff_invitation_accept(token=token, user=stranger)
    assert Membership.objects.filter(store=merchant.store, user=stranger).count() == 0
    assert not AuditEntry.objects.filter(action="staff.join").exists()


def test_an_invitee_without_an_account_creates_one_from_the_link(
    merchant, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    membership = add_member(
        store=merchant.store,
        owner=merchant.user,
        role=Role.STAFF,
        email="new.hire@example.com",
        mailoutbox=mailoutbox,
        capture=django_capture_on_commit_callbacks,
    )
    user = User.objects.get(pk=membership.user_id)
    assert user.email == "new.hire@example.com"
    assert user.email_verified
    assert user.check_password(STAFF_PASSWORD)
    assert membership.role == Role.STAFF


def test_an_invitation_link_works_once(merchant, mailoutbox, django_capture_on_commit_callbacks) -> None:
    token = invitation_token(
        store=merchant.store,
        inviter=merchant.user,
        email="once@example.com",
        role=Role.STAFF,
        mailoutbox=mailoutbox,
        capture=django_capture_on_commit_callbacks,
    )
    services.staff_account_create(token=token, full_name="Once Only", password=STAFF_PASSWORD)
    with pytest.raises(ApplicationError) as exc:
        services.staff_invitation_for_token(token=token)
    assert exc.value.code == "invalid_token"


def test_staff_cannot_invite_but_admins_can(merchant, mailoutbox, django_capture_on_commit_callbacks) -> None:
    capture = django_capture_on_commit_callbacks
    staff = add_member(
        store=merchant.store,
        owner=merchant.user,
        role=Role.STAFF,
        email="s@example.com",
        mailoutbox=mailoutbox,
        capture=capture,
    ).user
    admin = add_member(
        store=merchant.store,
        owner=merchant.user,
        role=Role.ADMIN,
        email="a@example.com",
        mailoutbox=mailoutbox,
        capture=capture,
    ).user
    mailoutbox.clear()
    before = row_counts()

    with capture(execute=True), pytest.raises(PermissionDeniedError):
        services.staff_invite(store=merchant.store, inviter=staff, email="friend@example.com", role=Role.STAFF)
    assert row_counts() == before
    assert mailoutbox == []

    with capture(execute=True):
        services.staff_invite(store=merchant.store, inviter=admin, email="friend@example.com", role=Role.STAFF)
    assert [m.to for m in mailoutbox] == [["friend@example.com"]]
    entry = AuditEntry.objects.filter(action="staff.invite").latest("id")
    assert entry.actor_id == admin.pk


def test_nobody_outside_the_store_can_invite(merchant) -> None:
    outsider = make_merchant()
    with pytest.raises(NotFound):
        services.staff_invite(store=merchant.store, inviter=outsider.user, email="x@example.com", role=Role.STAFF)
    assert not StaffInvitation.objects.filter(store=merchant.store).exists()


def test_an_unverified_owner_cannot_invite_until_verified(mailoutbox, django_capture_on_commit_callbacks) -> None:
    result = make_merchant(verified=False)
    mailoutbox.clear()
    before = row_counts()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ApplicationError) as exc:
        services.staff_invite(store=result.store, inviter=result.user, email="friend@example.com", role=Role.STAFF)

    assert exc.value.code == "unverified"
    assert exc.value.message == "Verify your email address before inviting staff."
    assert row_counts() == before
    assert mailoutbox == []

    services.user_verify_email(token=verification_token(result.user))
    result.user.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.staff_invite(store=result.store, inviter=result.user, email="friend@example.com", role=Role.STAFF)
    assert [m.to for m in mailoutbox] == [["friend@example.com"]]


def test_a_store_sends_a_limited_number_of_invitations_an_hour(
    merchant, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    monkeypatch.setattr(services, "STAFF_INVITATIONS_PER_STORE_PER_HOUR", 3)
    other = make_merchant()
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            services.staff_invite(store=merchant.store, inviter=merchant.user, email=f"p{n}@example.com", role="staff")
        with pytest.raises(RateLimited) as exc:
            services.staff_invite(store=merchant.store, inviter=merchant.user, email="p9@example.com", role="staff")
        # Another store is not affected.
        services.staff_invite(store=other.store, inviter=other.user, email="p9@example.com", role="staff")

    assert exc.value.retry_after > 0
    assert "invitations" in exc.value.message
    assert StaffInvitation.objects.filter(store=merchant.store).count() == 3
    assert len(mailoutbox) == 4


def test_only_the_owner_changes_roles(merchant, mailoutbox, django_capture_on_commit_callbacks) -> None:
    capture = django_capture_on_commit_callbacks
    admin = add_member(
        store=merchant.store,
        owner=merchant.user,
        role=Role.ADMIN,
        email="a@example.com",
        mailoutbox=mailoutbox,
        capture=capture,
    )
    staff = add_member(
        store=merchant.store,
        owner=merchant.user,
        role=Role.STAFF,
        email="s@example.com",
        mailoutbox=mailoutbox,
        capture=capture,
    )

    with pytest.raises(PermissionDeniedError):
        services.membership_change_role(store=merchant.store, actor=admin.user, membership_id=staff.pk, role=Role.ADMIN)
    assert Membership.objects.get(store=merchant.store, pk=staff.pk).role == Role.STAFF

    services.membership_change_role(store=merchant.store, actor=merchant.user, membership_id=staff.pk, role=Role.ADMIN)
    assert Membership.objects.get(store=merchant.store, pk=staff.pk).role == Role.ADMIN
    entry = AuditEntry.objects.get(action="staff.role_change")
    assert (entry.actor_id, entry.store_id, entry.object_id) == (merchant.user.pk, merchant.store.pk, str(staff.pk))
    assert entry.details == {"from": "staff", "to": "admin"}


def test_the_owners_role_cannot_change(merchant) -> None:
    owner_membership = Membership.objects.get(store=merchant.store, user=merchant.user)
    with pytest.raises(ApplicationError):
        services.membership_change_role(
            store=merchant.store, actor=merchant.user, membership_id=owner_membership.pk, role=Role.STAFF
        )
    assert Membership.objects.get(store=merchant.store, pk=owner_membership.pk).role == Role.OWNER


def test_roles_of_another_stores_staff_cannot_be_changed(
    merchant, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    other = make_merchant()
    theirs = add_member(
        store=other.store,
        owner=other.user,
        role=Role.STAFF,
        email="theirs@example.com",
        mailoutbox=mailoutbox,
        capture=django_capture_on_commit_callbacks,
    )
    with pytest.raises(NotFound):
        services.membership_change_role(
            store=merchant.store, actor=merchant.user, membership_id=theirs.pk, role=Role.ADMIN
        )
    assert Membership.objects.get(store=other.store, pk=theirs.pk).role == Role.STAFF


# --- sign-in timing -------------------------------------------------------------------


def test_a_deactivated_merchant_costs_a_full_password_check(merchant, monkeypatch) -> None:
    """Answering before the hash is checked would tell a deactivated account apart by its speed."""
    checked: list[str] = []
    real_check_password = services.check_password

    def counting_check_password(raw, encoded, *args, **kwargs):  # type: ignore[no-untyped-def]
        checked.append(raw)
        return real_check_password(raw, encoded, *args, **kwargs)

    monkeypatch.setattr(services, "check_password", counting_check_password)
    User.objects.filter(pk=merchant.user.pk).update(is_active=False)

    with pytest.raises(AuthenticationFailed):
        services.merchant_authenticate(email=merchant.user.email, password=PASSWORD, ip="10.9.0.1")

    assert checked == [PASSWORD]
    assert AuditEntry.objects.filter(action="login.failed", object_id=str(merchant.user.pk)).exists()


# --- invitations used twice at once ----------------------------------------------------


def _while_the_link_is_being_used(monkeypatch, step) -> None:  # type: ignore[no-untyped-def]
    """Run `step` once, inside the next use of an invitation link, after the link has been parsed.

    That is when a second request using the same link can still be on its way:
    a racer that committed at this moment must not be overwritten.
    """
    real_hash = services.hash_secret_token
    done: list[bool] = []

    def hash_then_race(secret: str) -> str:
        digest = real_hash(secret)
        if not done:
            done.append(True)
            step()
        return digest

    monkeypatch.setattr(services, "hash_secret_token", hash_then_race)


def test_an_invitation_accepted_by_a_racer_meanwhile_is_refused_and_writes_nothing(
    merchant, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    invitee = make_merchant(email="sam@example.com").user
    token = invitation_token(
        store=merchant.store,
        inviter=merchant.user,
        email="sam@example.com",
        role=Role.ADMIN,
        mailoutbox=mailoutbox,
        capture=django_capture_on_commit_callbacks,
    )
    invitation = StaffInvitation.objects.get(store=merchant.store)

    def first_racer_commits() -> None:
        StaffInvitation.objects.filter(store=merchant.store, pk=invitation.pk).update(
            accepted_at=timezone.now(), accepted_by=merchant.user
        )

    _while_the_link_is_being_used(monkeypatch, first_racer_commits)
    before = row_counts()

    with pytest.raises(ApplicationError) as exc:
        services.staff_invitation_accept(token=token, user=invitee)

    assert exc.value.code == "invalid_token"
    assert row_counts() == before
    assert not Membership.objects.filter(store=merchant.store, user=invitee).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_by_id != invitee.pk  # the racer's acceptance is not overwritten


def test_an_account_made_from_a_link_a_racer_used_meanwhile_is_not_created(
    merchant, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    token = invitation_token(
        store=merchant.store,
        inviter=merchant.user,
        email="new.hire@example.com",
        role=Role.STAFF,
        mailoutbox=mailoutbox,
        capture=django_capture_on_commit_callbacks,
    )
    invitation = StaffInvitation.objects.get(store=merchant.store)
    real_hash = services.hash_secret_token
    calls: list[bool] = []

    def hash_then_race(secret: str) -> str:
        # The form was checked with the link still open; the racer commits before the account is written.
        calls.append(True)
        if len(calls) == 2:
            StaffInvitation.objects.filter(store=merchant.store, pk=invitation.pk).update(
                accepted_at=timezone.now(), accepted_by=merchant.user
            )
        return real_hash(secret)

    monkeypatch.setattr(services, "hash_secret_token", hash_then_race)
    before = row_counts()

    with pytest.raises(ApplicationError) as exc:
        services.staff_account_create(token=token, full_name="New Hire", password=STAFF_PASSWORD)

    assert exc.value.code == "invalid_token"
    assert row_counts() == before
    assert not User.objects.filter(email_index=crypto.blind_index("new.hire@example.com")).exists()


def test_an_account_from_a_link_is_not_left_behind_when_joining_fails(
    merchant, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    token = invitation_token(
        store=merchant.store,
        inviter=merchant.user,
        email="new.hire@example.com",
        role=Role.STAFF,
        mailoutbox=mailoutbox,
        capture=django_capture_on_commit_callbacks,
    )
    real_audit_record = services.audit_record

    def audit_record_failing_at_join(**kwargs):  # type: ignore[no-untyped-def]
        if kwargs["action"] == "staff.join":
            raise DatabaseError("the database went away while joining")
        return real_audit_record(**kwargs)

    monkeypatch.setattr(services, "audit_record", audit_record_failing_at_join)
    before = row_counts()

    with pytest.raises(DatabaseError):
        services.staff_account_create(token=token, full_name="New Hire", password=STAFF_PASSWORD)

    assert row_counts() == before
    assert not User.objects.filter(email_index=crypto.blind_index("new.hire@example.com")).exists()
    # The link still works once the database is back.
    monkeypatch.setattr(services, "audit_record", real_audit_record)
    membership = services.staff_account_create(token=token, full_name="New Hire", password=STAFF_PASSWORD)
    assert membership.user.email == "new.hire@example.com"


def test_an_email_taken_while_the_account_form_was_checked_gets_the_field_message(
    merchant, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    token = invitation_token(
        store=merchant.store,
        inviter=merchant.user,
        email="sam@example.com",
        role=Role.STAFF,
        mailoutbox=mailoutbox,
        capture=django_capture_on_commit_callbacks,
    )
    real_user_by_email = services.selectors.user_by_email

    def user_by_email_then_racer_signs_up(*, email: str):  # type: ignore[no-untyped-def]
        found = real_user_by_email(email=email)
        monkeypatch.setattr(services.selectors, "user_by_email", real_user_by_email)
        make_merchant(email="sam@example.com")  # signs up between the check and the insert
        return found

    monkeypatch.setattr(services.selectors, "user_by_email", user_by_email_then_racer_signs_up)

    with pytest.raises(ApplicationError) as exc:
        services.staff_account_create(token=token, full_name="Sam Staff", password=STAFF_PASSWORD)

    assert exc.value.fields == {
        "email": ["An account with this email already exists. Sign in to accept the invitation."]
    }
    assert User.objects.filter(email_index=crypto.blind_index("sam@example.com")).count() == 1
    assert StaffInvitation.objects.get(store=merchant.store).accepted_at is None
    assert not AuditEntry.objects.filter(action__in=["staff.signup", "staff.join"]).exists()


# --- revealing a staff member's details ------------------------------------------------


def _other_member(merchant, mailoutbox, capture, role=Role.STAFF, email="jordan.staff@example.com"):  # type: ignore[no-untyped-def]
    return add_member(
        store=merchant.store, owner=merchant.user, role=role, email=email, mailoutbox=mailoutbox, capture=capture
    )


def test_a_reveal_is_audited_with_the_fields_it_shows(merchant, mailoutbox, django_capture_on_commit_callbacks) -> None:
    staff = _other_member(merchant, mailoutbox, django_capture_on_commit_callbacks)

    revealed = services.staff_member_reveal(
        store=merchant.store, actor=merchant.user, membership_id=staff.pk, ip="10.9.0.2"
    )

    assert revealed.pk == staff.pk
    entry = AuditEntry.objects.get(action="personal_data.reveal")
    assert (entry.actor_id, entry.store_id, entry.object_type, entry.object_id) == (
        merchant.user.pk,
        merchant.store.pk,
        "stores.user",
        str(staff.user_id),
    )
    assert entry.details == {"fields": ["full_name", "email"], "context": "staff list"}
    assert entry.ip_address == "10.9.0.2"


def test_staff_cannot_reveal_and_nothing_is_audited(merchant, mailoutbox, django_capture_on_commit_callbacks) -> None:
    staff = _other_member(merchant, mailoutbox, django_capture_on_commit_callbacks)
    owner = Membership.objects.get(store=merchant.store, user=merchant.user)
    with pytest.raises(PermissionDeniedError):
        services.staff_member_reveal(store=merchant.store, actor=staff.user, membership_id=owner.pk)
    assert not AuditEntry.objects.filter(action="personal_data.reveal").exists()


def test_a_member_of_another_store_cannot_be_revealed(merchant, mailoutbox, django_capture_on_commit_callbacks) -> None:
    other = make_merchant()
    theirs = add_member(
        store=other.store,
        owner=other.user,
        role=Role.STAFF,
        email="theirs@example.com",
        mailoutbox=mailoutbox,
        capture=django_capture_on_commit_callbacks,
    )
    with pytest.raises(NotFound):
        services.staff_member_reveal(store=merchant.store, actor=merchant.user, membership_id=theirs.pk)
    with pytest.raises(NotFound):  # nor by naming their store, where this merchant does not work
        services.staff_member_reveal(store=other.store, actor=merchant.user, membership_id=theirs.pk)
    assert not AuditEntry.objects.filter(action="personal_data.reveal").exists()


# --- API tokens -------------------------------------------------------------------------


def test_an_api_token_row_keeps_only_what_is_used(merchant) -> None:
    """No column that nothing ever writes (a `last_used_at` that stays empty promises a record we do not keep)."""
    token = services.user_api_token_create(user=merchant.user)
    row = UserApiToken.objects.get(user=merchant.user)
    assert {f.name for f in UserApiToken._meta.concrete_fields} == {
        "id",
        "user",
        "key_hash",
        "created_at",
        "expires_at",
    }
    assert row.key_hash != token and len(row.key_hash) == 64
