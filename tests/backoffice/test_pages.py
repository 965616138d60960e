"""The merchant back office (/office/): several stores, staff and invitations, reveals, the audit log."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shopwright.core.models import AuditEntry
from shopwright.stores import services
from shopwright.stores.models import Membership, Role, StaffInvitation, Store, User
from tests.factories import PASSWORD, make_merchant
from tests.stores.helpers import (
    HANDLE_TAKEN,
    STAFF_PASSWORD,
    add_member,
    field_errors,
    invitation_token,
    link_path,
    page_errors,
    platform_client,
    row_counts,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchant():
    return make_merchant(store_name="First Shop")


@pytest.fixture
def member(merchant, mailoutbox, django_capture_on_commit_callbacks):
    """`member(role, email)`: a platform account that joined the merchant's store."""

    def make(role: str, email: str) -> Membership:
        return add_member(
            store=merchant.store,
            owner=merchant.user,
            role=role,
            email=email,
            mailoutbox=mailoutbox,
            capture=django_capture_on_commit_callbacks,
        )

    return make


def _heading(response) -> str:
    match = re.search(r"<h1>(.*?)</h1>", response.content.decode())
    assert match, response.content.decode()
    return match.group(1)


def test_the_back_office_asks_to_sign_in_first() -> None:
    response = platform_client().get("/office/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/office/")


# --- several stores ---------------------------------------------------------------


def test_a_merchant_opens_another_store_and_switches_between_them(merchant) -> None:
    browser = platform_client(merchant.user)
    assert _heading(browser.get("/office/")) == "First Shop"

    response = browser.post("/office/stores/new/", {"store_name": "Second Shop", "store_handle": "Second-Shop"})
    assert response.status_code == 302
    second = Store.objects.get(handle="second-shop")
    assert second.owner_id == merchant.user.pk
    assert second.status == Store.Status.LIVE
    assert _heading(browser.get("/office/")) == "Second Shop"  # the new store is the current one

    browser.post("/office/stores/switch/", {"store_id": merchant.store.pk})
    assert _heading(browser.get("/office/")) == "First Shop"
    browser.post("/office/stores/switch/", {"store_id": second.pk})
    page = browser.get("/office/")
    assert _heading(page) == "Second Shop"
    assert "First Shop" in page.content.decode()  # still offered in the switcher


def test_a_merchant_cannot_switch_to_a_store_it_does_not_belong_to(merchant) -> None:
    foreign = make_merchant(store_name="Foreign Shop").store
    browser = platform_client(merchant.user)

    response = browser.post("/office/stores/switch/", {"store_id": foreign.pk})

    assert response.status_code == 302
    page = browser.get("/office/")
    assert _heading(page) == "First Shop"
    assert "Foreign Shop" not in page.content.decode()
    assert "Foreign Shop" not in browser.get("/office/staff/").content.decode()


def test_opening_a_store_with_a_taken_handle_is_refused(merchant) -> None:
    before = row_counts()
    response = platform_client(merchant.user).post(
        "/office/stores/new/", {"store_name": "Copy", "store_handle": merchant.store.handle.upper()}
    )
    assert response.status_code == 400
    assert field_errors(response, "store_handle") == [HANDLE_TAKEN]
    assert row_counts() == before


def test_an_unverified_merchant_is_told_to_verify_before_opening_another_store() -> None:
    pending = make_merchant(verified=False)
    before = row_counts()

    response = platform_client(pending.user).post(
        "/office/stores/new/", {"store_name": "Second Shop", "store_handle": "second-shop"}
    )

    assert response.status_code == 400
    assert page_errors(response) == ["Verify your email address before creating another store."]
    assert row_counts() == before
    assert not Store.objects.filter(handle="second-shop").exists()


# --- invitations ---------------------------------------------------------------


def _invite(browser, email: str, role: str, capture):
    with capture(execute=True):
        return browser.post("/office/staff/", {"email": email, "role": role})


def test_owner_invites_and_the_signed_in_invitee_accepts(
    merchant, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    invitee = make_merchant(email="sam@example.com", store_name="Sam's Own").user
    mailoutbox.clear()

    response = _invite(platform_client(merchant.user), "sam@example.com", "admin", django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [["sam@example.com"]]
    entry = AuditEntry.objects.get(action="staff.invite")
    assert (entry.actor_id, entry.store_id) == (merchant.user.pk, merchant.store.pk)

    link = link_path(mailoutbox[0], "/office/invitations/")
    browser = platform_client(invitee)
    page = browser.get(link)
    assert page.status_code == 200
    assert "Join First Shop" in page.content.decode()
    response = browser.post(link)

    assert response.status_code == 302
    assert Membership.objects.get(store=merchant.store, user=invitee).role == Role.ADMIN
    joined = AuditEntry.objects.get(action="staff.join")
    assert (joined.actor_id, joined.store_id) == (invitee.pk, merchant.store.pk)
    assert _heading(browser.get("/office/")) == "First Shop"  # the joined store is now current
    assert browser.get(link).status_code == 400  # used


def test_an_invitee_signs_in_from_the_link_and_comes_back_to_it(
    merchant, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    invitee = make_merchant(email="sam@example.com").user
    _invite(platform_client(merchant.user), "sam@example.com", "staff", django_capture_on_commit_callbacks)
    link = link_path(mailoutbox[-1], "/office/invitations/")
    browser = platform_client()

    response = browser.post(f"/login/?next={link}", {"email": "sam@example.com", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == link
    assert browser.post(link).status_code == 302
    assert Membership.objects.get(store=merchant.store, user=invitee).role == Role.STAFF


def test_another_account_cannot_accept_the_invitation(merchant, mailoutbox, django_capture_on_commit_callbacks) -> None:
    stranger = make_merchant(email="stranger@example.com").user
    _invite(platform_client(merchant.user), "sam@example.com", "admin", django_capture_on_commit_callbacks)
    link = link_path(mailoutbox[-1], "/office/invitations/")

    response = platform_client(stranger).post(link)

    assert response.status_code == 400
    assert "sent to another email address" in response.content.decode()
    assert not Membership.objects.filter(store=merchant.store, user=stranger).exists()
    assert not AuditEntry.objects.filter(action="staff.join").exists()
    # The invitation still works for the right person.
    assert StaffInvitation.objects.get(store=merchant.store).accepted_at is None


def test_an_invitee_without_an_account_creates_one_from_the_link(
    merchant, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    _invite(platform_client(merchant.user), "new.hire@example.com", "staff", django_capture_on_commit_callbacks)
    link = link_path(mailoutbox[-1], "/office/invitations/")
    browser = platform_client()

    short = browser.post(link, {"full_name": "New Hire", "password": "short"})
    assert short.status_code == 400
    assert field_errors(short, "password")
    assert not User.objects.filter(pk__gt=merchant.user.pk).exists()

    response = browser.post(link, {"full_name": "New Hire", "password": STAFF_PASSWORD})

    assert response.status_code == 302
    user = User.objects.get(pk__gt=merchant.user.pk)
    assert user.email == "new.hire@example.com"
    assert Membership.objects.get(store=merchant.store, user=user).role == Role.STAFF
    page = browser.get("/office/")  # signed in as the new account
    assert _heading(page) == "First Shop"
    assert "Staff" in page.content.decode()


def test_an_invitee_who_has_an_account_is_told_to_sign_in_instead(
    merchant, mailoutbox, django_capture_on_commit_callbacks
):
    make_merchant(email="sam@example.com")
    _invite(platform_client(merchant.user), "sam@example.com", "staff", django_capture_on_commit_callbacks)
    link = link_path(mailoutbox[-1], "/office/invitations/")
    users = User.objects.count()

    response = platform_client().post(link, {"full_name": "Sam Again", "password": STAFF_PASSWORD})

    assert response.status_code == 400
    assert page_errors(response) == ["An account with this email already exists. Sign in to accept the invitation."]
    assert User.objects.count() == users
    assert Membership.objects.filter(store=merchant.store).count() == 1


def test_a_forged_invitation_link_shows_a_400_page() -> None:
    response = platform_client().get("/office/invitations/1.1.inv_forged/")
    assert response.status_code == 400
    assert b"Invitation not valid" in response.content


def test_staff_cannot_invite(merchant, member, mailoutbox, django_capture_on_commit_callbacks) -> None:
    staff = member(Role.STAFF, "s@example.com").user
    mailoutbox.clear()
    browser = platform_client(staff)
    assert 'name="email"' not in browser.get("/office/staff/").content.decode()  # no invite form
    before = row_counts()

    response = _invite(browser, "friend@example.com", "admin", django_capture_on_commit_callbacks)

    assert response.status_code == 403
    assert row_counts() == before
    assert mailoutbox == []


def test_admins_can_invite(merchant, member, mailoutbox, django_capture_on_commit_callbacks) -> None:
    admin = member(Role.ADMIN, "a@example.com").user
    mailoutbox.clear()

    response = _invite(platform_client(admin), "friend@example.com", "staff", django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [["friend@example.com"]]
    assert AuditEntry.objects.filter(action="staff.invite").latest("id").actor_id == admin.pk


def test_inviting_a_current_member_is_refused(merchant, member, django_capture_on_commit_callbacks) -> None:
    member(Role.STAFF, "s@example.com")
    response = _invite(platform_client(merchant.user), "s@example.com", "admin", django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert field_errors(response, "email") == ["This person already works at this store."]


def test_an_unverified_owner_is_told_to_verify_before_inviting(mailoutbox, django_capture_on_commit_callbacks) -> None:
    pending = make_merchant(verified=False)
    mailoutbox.clear()
    before = row_counts()

    response = _invite(platform_client(pending.user), "friend@example.com", "staff", django_capture_on_commit_callbacks)

    assert response.status_code == 400
    assert page_errors(response) == ["Verify your email address before inviting staff."]
    assert row_counts() == before
    assert mailoutbox == []


def test_the_staff_page_says_when_the_hourly_invitation_limit_is_reached(
    merchant, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    monkeypatch.setattr(services, "STAFF_INVITATIONS_PER_STORE_PER_HOUR", 2)
    browser = platform_client(merchant.user)
    for n in range(2):
        assert _invite(browser, f"p{n}@example.com", "staff", django_capture_on_commit_callbacks).status_code == 302
    mailoutbox.clear()

    response = _invite(browser, "p9@example.com", "staff", django_capture_on_commit_callbacks)

    assert response.status_code == 429
    assert page_errors(response) == [
        "This store has sent the most invitations allowed in an hour. Please try again later."
    ]
    assert mailoutbox == []


# --- roles ---------------------------------------------------------------------


def test_only_the_owner_changes_roles(merchant, member) -> None:
    admin = member(Role.ADMIN, "a@example.com")
    staff = member(Role.STAFF, "s@example.com")

    response = platform_client(admin.user).post(f"/office/staff/{staff.pk}/role/", {"role": "admin"})
    assert response.status_code == 403
    assert Membership.objects.get(store=merchant.store, pk=staff.pk).role == Role.STAFF
    assert not AuditEntry.objects.filter(action="staff.role_change").exists()

    response = platform_client(merchant.user).post(f"/office/staff/{staff.pk}/role/", {"role": "admin"})
    assert response.status_code == 302
    assert Membership.objects.get(store=merchant.store, pk=staff.pk).role == Role.ADMIN
    entry = AuditEntry.objects.get(action="staff.role_change")
    assert (entry.actor_id, entry.store_id) == (merchant.user.pk, merchant.store.pk)


def test_the_owner_cannot_change_roles_at_another_store(merchant) -> None:
    other = make_merchant()
    other_owner = Membership.objects.get(store=other.store, user=other.user)
    response = platform_client(merchant.user).post(f"/office/staff/{other_owner.pk}/role/", {"role": "staff"})
    assert response.status_code == 404
    assert Membership.objects.get(store=other.store, pk=other_owner.pk).role == Role.OWNER


# --- the staff list, masking and reveals --------------------------------------------


def test_the_staff_page_masks_other_members_emails_until_revealed(
    merchant, member, django_capture_on_commit_callbacks
) -> None:
    staff = member(Role.STAFF, "jordan.staff@example.com")
    browser = platform_client(merchant.user)

    _invite(browser, "pending.person@example.com", "staff", django_capture_on_commit_callbacks)

    page = browser.get("/office/staff/").content.decode()
    assert "jordan.staff@example.com" not in page
    assert "Jordan Staffmember" not in page
    assert "j***@example.com" in page
    assert "pending.person@example.com" not in page
    assert "p***@example.com" in page  # the pending invitation
    assert merchant.user.email in page  # one's own row is not masked

    response = browser.post(f"/office/staff/{staff.pk}/reveal/")
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="personal_data.reveal")
    assert (entry.actor_id, entry.store_id, entry.object_id) == (
        merchant.user.pk,
        merchant.store.pk,
        str(staff.user_id),
    )

    revealed = browser.get("/office/staff/").content.decode()
    assert "jordan.staff@example.com" in revealed
    assert "Jordan Staffmember" in revealed
    assert "jordan.staff@example.com" not in browser.get("/office/staff/").content.decode()  # shown once


def test_staff_cannot_reveal(merchant, member) -> None:
    staff = member(Role.STAFF, "s@example.com")
    owner_membership = Membership.objects.get(store=merchant.store, user=merchant.user)
    browser = platform_client(staff.user)

    assert merchant.user.email not in browser.get("/office/staff/").content.decode()
    assert browser.post(f"/office/staff/{owner_membership.pk}/reveal/").status_code == 403
    assert not AuditEntry.objects.filter(action="personal_data.reveal").exists()
    assert merchant.user.email not in browser.get("/office/staff/").content.decode()


def test_the_staff_page_costs_the_same_queries_with_few_or_many_members(merchant, member) -> None:
    browser = platform_client(merchant.user)
    member(Role.STAFF, "one@example.com")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert browser.get("/office/staff/").status_code == 200
        return len(queries)

    browser.get("/office/staff/")  # the first visit also picks the current store
    few = count()
    for n in range(5):
        member(Role.STAFF, f"more{n}@example.com")
    assert count() == few


# --- the audit log -------------------------------------------------------------------


def test_the_audit_page_shows_only_the_current_stores_entries(
    merchant, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    other = make_merchant()
    _invite(platform_client(other.user), "theirs@example.com", "staff", django_capture_on_commit_callbacks)
    assert AuditEntry.objects.filter(action="staff.invite", store_id=other.store.pk).exists()

    page = platform_client(merchant.user).get("/office/audit/")

    assert page.status_code == 200
    html = page.content.decode()
    rows = re.findall(r'<tr class="audit-entry">(.*?)</tr>', html, re.S)
    assert len(rows) == AuditEntry.objects.filter(store_id=merchant.store.pk).count() > 0
    assert "store.create" in html
    assert "staff.invite" not in html


def test_staff_cannot_read_the_audit_log(merchant, member) -> None:
    staff = member(Role.STAFF, "s@example.com")
    assert platform_client(staff.user).get("/office/audit/").status_code == 403


def test_a_role_change_by_service_is_listed_on_the_audit_page(merchant, member) -> None:
    staff = member(Role.STAFF, "s@example.com")
    services.membership_change_role(store=merchant.store, actor=merchant.user, membership_id=staff.pk, role=Role.ADMIN)
    html = platform_client(merchant.user).get("/office/audit/").content.decode()
    assert "staff.role_change" in html
    assert "staff.join" in html


def test_the_audit_page_costs_the_same_queries_with_few_or_many_entries(merchant, member):
    staff = member(Role.STAFF, "s@example.com")
    browser = platform_client(merchant.user)
    browser.get("/office/audit/")  # the first visit also picks the current store

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert browser.get("/office/audit/").status_code == 200
        return len(queries)

    few = count()
    for _ in range(10):
        browser.post(f"/office/staff/{staff.pk}/reveal/")
    assert AuditEntry.objects.filter(store_id=merchant.store.pk, action="personal_data.reveal").count() == 10
    assert count() == few


def _audit_rows(browser) -> list[tuple[str, str]]:
    """(action, actor) of each row of the audit page."""
    html = browser.get("/office/audit/").content.decode()
    rows = re.findall(r'<tr class="audit-entry">(.*?)</tr>', html, re.S)
    return [tuple(re.findall(r"<td>(.*?)</td>", row, re.S)[1:3]) for row in rows]


def _platform_sign_in(email: str, password: str = PASSWORD, ip: str = "10.6.0.1") -> int:
    return platform_client().post("/login/", {"email": email, "password": password}, REMOTE_ADDR=ip).status_code


def test_the_audit_page_lists_the_platform_sign_ins_of_current_members_only(
    merchant, member, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    joiner = make_merchant()  # works elsewhere first, then joins this store
    assert _platform_sign_in(joiner.user.email) == 302  # before joining: not this store's business
    outsider = make_merchant()
    assert _platform_sign_in(outsider.user.email) == 302
    staff = member(Role.STAFF, "staff.person@example.com")
    leaver = member(Role.STAFF, "leaver@example.com")
    assert _platform_sign_in("staff.person@example.com", STAFF_PASSWORD) == 302
    assert _platform_sign_in("staff.person@example.com", "not-the-password-at-all") == 400
    assert _platform_sign_in("leaver@example.com", STAFF_PASSWORD) == 302
    Membership.objects.filter(store=merchant.store, pk=leaver.pk).delete()  # no longer works here
    token = invitation_token(
        store=merchant.store,
        inviter=merchant.user,
        email=joiner.user.email,
        role=Role.STAFF,
        mailoutbox=mailoutbox,
        capture=django_capture_on_commit_callbacks,
    )
    assert platform_client(joiner.user).post(f"/office/invitations/{token}/").status_code == 302
    assert _platform_sign_in(joiner.user.email) == 302
    assert _platform_sign_in(merchant.user.email) == 302

    rows = _audit_rows(platform_client(merchant.user))

    sign_ins = [row for row in rows if row[0].startswith("login.")]
    assert sorted(sign_ins) == sorted(
        [
            ("login.succeeded", f"user #{staff.user_id}"),
            ("login.failed", f"user #{staff.user_id}"),
            ("login.succeeded", f"user #{joiner.user.pk}"),  # only the one after joining
            ("login.succeeded", f"user #{merchant.user.pk}"),
        ]
    )
    # Neither the outsider's nor the former member's sign-ins are listed (the exact list above).
    assert all(actor != f"user #{outsider.user.pk}" for _, actor in rows)
    # The other store's log does not list this store's members' sign-ins.
    theirs = _audit_rows(platform_client(outsider.user))
    assert [row for row in theirs if row[0].startswith("login.")] == [("login.succeeded", f"user #{outsider.user.pk}")]


def test_the_audit_page_costs_the_same_queries_with_few_or_many_members_and_sign_ins(
    merchant, member, django_assert_num_queries
) -> None:
    browser = platform_client(merchant.user)
    browser.get("/office/audit/")  # the first visit also picks the current store
    # session, user, memberships, the store's members, the entries
    with django_assert_num_queries(5):
        few = _audit_rows(browser)
    for n in range(6):
        email = f"more{n}@example.com"
        member(Role.STAFF, email)
        for attempt in range(3):
            assert _platform_sign_in(email, STAFF_PASSWORD, ip=f"10.6.{n}.{attempt}") == 302
    with django_assert_num_queries(5):
        many = _audit_rows(browser)
    assert len([row for row in many if row[0] == "login.succeeded"]) == 18
    assert len(many) > len(few)


def test_a_reveal_audits_exactly_what_the_staff_page_then_shows(merchant, member) -> None:
    staff = member(Role.STAFF, "jordan.staff@example.com")
    User.objects.filter(pk=staff.user_id).update(phone="+442079460000")
    person = User.objects.get(pk=staff.user_id)
    assert person.phone == "+442079460000"
    browser = platform_client(merchant.user)
    masked = browser.get("/office/staff/").content.decode()

    assert browser.post(f"/office/staff/{staff.pk}/reveal/").status_code == 302
    revealed = browser.get("/office/staff/").content.decode()

    entry = AuditEntry.objects.get(action="personal_data.reveal")
    fields = entry.details["fields"]
    # Every field the entry names is on the page in full now, and was not before...
    for field in fields:
        value = getattr(person, field)
        assert value in revealed, field
        assert value not in masked, field
    # ...and no personal field the entry does not name is shown.
    shown = {f for f in ("full_name", "email", "phone") if getattr(person, f) in revealed}
    assert shown == set(fields) == {"full_name", "email"}


def test_revealing_a_member_of_another_store_is_not_found(merchant) -> None:
    other = make_merchant()
    theirs = Membership.objects.get(store=other.store, user=other.user)
    response = platform_client(merchant.user).post(f"/office/staff/{theirs.pk}/reveal/")
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action="personal_data.reveal").exists()


# --- account activity ---------------------------------------------------------------


def _activity(browser) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """The (action, what, ip) of each row on the account activity page."""
    response = browser.get("/office/account/activity/")
    assert response.status_code == 200
    rows = re.findall(
        r'<tr class="activity-entry" data-action="(.*?)"><td>.*?</td><td>(.*?)</td><td>.*?</td><td>(.*?)</td></tr>',
        response.content.decode(),
    )
    return [(action, unescape(what), ip) for action, what, ip in rows]


def test_a_failed_sign_in_to_my_account_shows_on_my_account_activity(merchant) -> None:
    other = make_merchant()
    stranger = platform_client()
    stranger.post("/login/", {"email": merchant.user.email, "password": "not-the-password"}, REMOTE_ADDR="203.0.113.9")
    stranger.post("/login/", {"email": other.user.email, "password": "not-the-password"}, REMOTE_ADDR="198.51.100.7")
    browser = platform_client()
    assert browser.post("/login/", {"email": merchant.user.email, "password": PASSWORD}).status_code == 302

    rows = _activity(browser)

    assert rows[0][:2] == ("login.succeeded", "Signed in")
    assert rows[1] == ("login.failed", "Failed sign-in", "203.0.*.*")
    assert [a for a, _, _ in rows] == [
        "login.succeeded",
        "login.failed",
        "store.live",
        "merchant.email_verified",
        "store.create",
        "merchant.signup",
    ]
    html = browser.get("/office/account/activity/").content.decode()
    assert "203.0.113.9" not in html  # IPs are masked
    assert "198.51" not in html  # the other merchant's failed sign-in is not here


def test_a_lock_out_of_my_account_is_named_on_my_account_activity(merchant) -> None:
    stranger = platform_client()
    for _ in range(settings.LOGIN_THROTTLE["account_failures"]):
        stranger.post("/login/", {"email": merchant.user.email, "password": "not-the-password"})

    rows = _activity(platform_client(merchant.user))

    assert rows[0][:2] == ("login.failed", "Failed sign-in (sign-in locked for a while)")


def test_account_activity_shows_a_reveal_of_my_details_to_me(merchant, member) -> None:
    staff = member(Role.STAFF, "jordan.staff@example.com")
    platform_client(merchant.user).post(f"/office/staff/{staff.pk}/reveal/")

    mine = [what for action, what, _ in _activity(platform_client(staff.user)) if action == "personal_data.reveal"]
    owners = [what for action, what, _ in _activity(platform_client(merchant.user)) if action == "personal_data.reveal"]

    assert mine == ["Your name and email were shown in full to a store owner or admin"]
    assert owners == ["Revealed a staff member's name and email"]


def test_account_activity_is_linked_from_the_back_office_and_needs_a_sign_in(merchant) -> None:
    assert 'href="/office/account/activity/"' in platform_client(merchant.user).get("/office/").content.decode()
    response = platform_client().get("/office/account/activity/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/office/account/activity/")


def test_the_account_activity_page_costs_the_same_queries_with_few_or_many_entries(
    merchant, django_assert_num_queries
) -> None:
    browser = platform_client(merchant.user)
    browser.get("/office/account/activity/")  # the first visit also picks the current store
    # session, user, memberships, the entries, their stores' names
    with django_assert_num_queries(5):
        few = _activity(browser)
    services.store_create(owner=merchant.user, name="Second", handle="second-shop")
    for n in range(30):
        platform_client().post(
            "/login/", {"email": merchant.user.email, "password": PASSWORD}, REMOTE_ADDR=f"10.5.0.{n}"
        )
    with django_assert_num_queries(5):
        many = _activity(browser)
    assert len(many) == len(few) + 31
