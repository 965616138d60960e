"""Children's accounts (F18, seed 5): the age gate at registration, the guardian's consent link, and the 7 days."""

from __future__ import annotations

import datetime
import json
import re
from html import unescape

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from shopwright.core.models import AuditEntry, Email
from shopwright.customers.models import Customer
from shopwright.customers.services import AWAITING_GUARDIAN, GUARDIAN_EMAIL_REQUIRED, age_on, customer_register
from shopwright.privacy import children, residue
from shopwright.privacy.models import ConsentChannel, ConsentPurpose, ConsentRecord, PolicyVersion
from shopwright.privacy.retention import retention_purge
from shopwright.privacy.subjects import DataSubject
from shopwright.stores.models import Store
from tests.factories import ADULT, PASSWORD, host, make_merchant
from tests.stores.helpers import field_errors, link_path

pytestmark = pytest.mark.django_db

GUARDIAN = "parent@example.com"


@pytest.fixture
def store() -> Store:
    return make_merchant(store_name="Toy Harbour").store


@pytest.fixture(autouse=True)
def _commit_callbacks(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Emails are queued after the transaction commits; in these tests, at the end of each block."""
    global _capture
    _capture = django_capture_on_commit_callbacks
    yield
    _capture = None


_capture = None


def _years_ago(years: int, *, days: int = 0) -> datetime.date:
    today = timezone.localdate()
    try:
        born = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        born = today.replace(year=today.year - years, day=28)
    return born + datetime.timedelta(days=days)


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def _register_child(store: Store, client: Client | None = None, **overrides: str):  # type: ignore[no-untyped-def]
    browser = client or Client(HTTP_HOST=host(store))
    form = {
        "name": "Kit Young",
        "email": "kit@example.com",
        "password": PASSWORD,
        "date_of_birth": _years_ago(10).isoformat(),
        "guardian_email": GUARDIAN,
        **overrides,
    }
    assert _capture is not None
    with _capture(execute=True):
        return browser.post("/account/register/", form)


def _guardian_link(mailoutbox) -> str:  # type: ignore[no-untyped-def]
    (message,) = [m for m in mailoutbox if m.to == [GUARDIAN]]
    return link_path(message, "/privacy/guardian/")


def _login(store: Store, email: str = "kit@example.com", password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return Client(HTTP_HOST=host(store)).post("/account/login/", {"email": email, "password": password})


# --- the age -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "day", "age"),
    [
        ("2012-06-15", "2026-06-14", 13),  # the day before the 14th birthday
        ("2012-06-15", "2026-06-15", 14),  # the birthday
        ("2012-02-29", "2026-02-28", 13),  # born on a leap day: not yet in a common year ...
        ("2012-02-29", "2026-03-01", 14),  # ... but on 1 March
        ("2012-02-29", "2028-02-29", 16),  # and on the day itself in a leap year
        ("2012-12-31", "2026-01-01", 13),
    ],
)
def test_age_counts_full_years_around_birthdays_and_leap_days(born: str, day: str, age: int) -> None:
    assert age_on(datetime.date.fromisoformat(born), datetime.date.fromisoformat(day)) == age


def test_the_day_before_the_14th_birthday_is_a_child_and_the_birthday_is_not(store) -> None:
    child = customer_register(
        store=store,
        email="almost@example.com",
        name="Almost Fourteen",
        password=PASSWORD,
        date_of_birth=_years_ago(14, days=1),
        guardian_email=GUARDIAN,
    )
    teen = customer_register(
        store=store, email="teen@example.com", name="Just Fourteen", password=PASSWORD, date_of_birth=_years_ago(14)
    )
    assert (child.is_active, child.guardian_email) == (False, GUARDIAN)
    assert (teen.is_active, teen.guardian_email, teen.guardian_consent_due_at) == (True, "", None)


# --- registration --------------------------------------------------------------------


def test_a_child_registers_inactive_and_the_guardian_gets_a_link(store, mailoutbox) -> None:
    browser = Client(HTTP_HOST=host(store))
    before = timezone.now()
    response = _register_child(store, browser)

    assert response.status_code == 200
    assert "Ask your parent or guardian" in _text(response)
    # No session: the personal center still asks to sign in.
    assert browser.get("/account/").status_code == 302
    child = Customer.objects.get(store=store)
    assert (child.is_active, child.guardian_email, child.guardian_consented_at) == (False, GUARDIAN, None)
    due = child.guardian_consent_due_at
    assert due is not None
    assert before + datetime.timedelta(days=7) <= due <= timezone.now() + datetime.timedelta(days=7)
    # One email, to the guardian, not the child; it names the store and links to the consent page.
    assert [m.to for m in mailoutbox] == [[GUARDIAN]]
    assert "Toy Harbour" in mailoutbox[0].subject
    assert _guardian_link(mailoutbox).startswith("/privacy/guardian/")
    # The store's privacy policy accepted at registration is on record.
    policy = ConsentRecord.objects.get(customer=child, purpose=ConsentPurpose.PRIVACY_POLICY)
    assert (policy.granted, policy.channel, policy.store_id) == (True, ConsentChannel.REGISTRATION, store.pk)
    assert "Toy Harbour" in policy.evidence


def test_an_adult_registers_active_with_the_policy_on_record(store, mailoutbox) -> None:
    PolicyVersion.objects.create(store=store, version=1, title="Old", body="Old text", published_at=timezone.now())
    current = PolicyVersion.objects.create(
        store=store, version=2, title="Ours", body="Our text", published_at=timezone.now()
    )
    page = Client(HTTP_HOST=host(store)).get("/account/register/")
    assert "By creating an account you accept the privacy policy of Toy Harbour." in _text(page)
    assert 'href="/privacy/policy/"' in page.content.decode()
    response = Client(HTTP_HOST=host(store)).post(
        "/account/register/",
        {"name": "Ada Grown", "email": "ada@example.com", "password": PASSWORD, "date_of_birth": ADULT},
    )
    assert response.status_code == 302
    adult = Customer.objects.get(store=store)
    assert adult.is_active and adult.guardian_consent_due_at is None
    assert mailoutbox == []
    record = ConsentRecord.objects.get(customer=adult, purpose=ConsentPurpose.PRIVACY_POLICY)
    assert (record.granted, record.policy_version_id) == (True, current.pk)
    assert record.evidence == "By creating an account you accept the privacy policy of Toy Harbour."


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"guardian_email": ""}, "guardian_email", GUARDIAN_EMAIL_REQUIRED),
        ({"guardian_email": "not-an-email"}, "guardian_email", "Enter a valid email address."),
        ({"guardian_email": "KIT@example.com"}, "guardian_email", "Enter your parent's or guardian's own email"),
        ({"date_of_birth": ""}, "date_of_birth", "Enter your date of birth."),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth", "Enter a real date of birth."),
    ],
)
def test_a_refused_child_registration_writes_and_sends_nothing(store, mailoutbox, overrides, field, message) -> None:
    response = _register_child(store, **overrides)

    assert response.status_code == 400
    assert any(message in shown for shown in field_errors(response, field)), field_errors(response, field)
    assert not Customer.objects.filter(store=store).exists()
    assert not ConsentRecord.objects.filter(store=store).exists()
    assert mailoutbox == []


def test_a_store_that_does_not_ask_registers_without_a_date_of_birth(store) -> None:
    Store.objects.filter(pk=store.pk).update(ask_date_of_birth=False)
    store.refresh_from_db()
    browser = Client(HTTP_HOST=host(store))
    page = browser.get("/account/register/")
    assert 'name="date_of_birth"' not in page.content.decode()
    response = browser.post(
        "/account/register/", {"name": "No Age", "email": "noage@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert Customer.objects.get(store=store).date_of_birth is None


def test_the_api_registers_a_child_waiting_and_refuses_its_sign_in_with_a_reason(
    store, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    api = Client(HTTP_HOST=host(store))
    body = {
        "email": "kit@example.com",
        "name": "Kit Young",
        "password": PASSWORD,
        "date_of_birth": _years_ago(9).isoformat(),
        "guardian_email": GUARDIAN,
    }
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post("/api/v1/customer/register", body, content_type="application/json")
    assert created.status_code == 201
    assert created.json()["awaiting_guardian_consent"] is True
    assert [m.to for m in mailoutbox] == [[GUARDIAN]]

    login = api.post(
        "/api/v1/customer/login", {"email": "kit@example.com", "password": PASSWORD}, content_type="application/json"
    )
    assert login.status_code == 401
    assert login.json()["code"] == "awaiting_guardian"

    missing = api.post(
        "/api/v1/customer/register",
        json.dumps({**body, "email": "kim@example.com", "guardian_email": ""}),
        content_type="application/json",
    )
    assert missing.status_code == 400
    assert Customer.objects.filter(store=store).count() == 1


def test_a_waiting_child_cannot_sign_in_and_is_told_why_only_with_the_right_password(store, mailoutbox) -> None:
    _register_child(store)

    right = _login(store)
    assert right.status_code == 400
    assert AWAITING_GUARDIAN in _text(right)
    wrong = _login(store, password="not-the-password-at-all")
    assert wrong.status_code == 400
    assert AWAITING_GUARDIAN not in _text(wrong)
    assert "The email or password is not correct." in _text(wrong)


# --- the guardian's page -----------------------------------------------------------


def test_the_guardian_consents_and_the_child_can_sign_in(store, mailoutbox) -> None:
    _register_child(store)
    link = _guardian_link(mailoutbox)
    guardian = Client(HTTP_HOST=host(store))

    page = guardian.get(link)
    assert page.status_code == 200
    text = _text(page)
    assert "Kit Young" in text
    assert "k***@example.com" in text and "kit@example.com" not in text
    consent_text = children.guardian_consent_text(store=store)
    assert consent_text in text
    assert "/privacy/requests/?who=guardian" in page.content.decode()

    done = guardian.post(link, {"decision": "consent"})
    assert done.status_code == 200
    assert "The account is active" in _text(done)
    child = Customer.objects.get(store=store)
    assert child.is_active and child.guardian_consented_at is not None
    record = ConsentRecord.objects.get(customer=child, purpose=ConsentPurpose.GUARDIAN)
    assert (record.granted, record.channel, record.evidence) == (True, ConsentChannel.EMAIL_LINK, consent_text)
    assert AuditEntry.objects.filter(action="child.guardian_consent", store_id=store.pk).count() == 1
    assert _login(store).status_code == 302


def test_a_used_link_is_refused_and_changes_nothing(store, mailoutbox) -> None:
    _register_child(store)
    link = _guardian_link(mailoutbox)
    guardian = Client(HTTP_HOST=host(store))
    assert guardian.post(link, {"decision": "consent"}).status_code == 200

    assert guardian.get(link).status_code == 400
    again = guardian.post(link, {"decision": "refuse"})
    assert again.status_code == 400
    assert "not valid any more" in _text(again)
    child = Customer.objects.get(store=store)
    assert child.is_active
    assert ConsentRecord.objects.filter(customer=child, purpose=ConsentPurpose.GUARDIAN).count() == 1


def test_forged_tampered_expired_and_other_store_links_are_refused(store, mailoutbox, monkeypatch) -> None:
    _register_child(store)
    link = _guardian_link(mailoutbox)
    token = link.split("/")[3]
    guardian = Client(HTTP_HOST=host(store))
    other = make_merchant(store_name="Elsewhere").store
    child = Customer.objects.get(store=store)
    forged = signing.dumps({"id": child.pk, "s": "0" * 32}, salt="shopwright.guardian-consent", compress=True)

    for bad in (f"/privacy/guardian/{token[:-2]}xx/", f"/privacy/guardian/{forged}/", "/privacy/guardian/nonsense/"):
        response = guardian.post(bad, {"decision": "consent"})
        assert response.status_code == 400, bad
    assert Client(HTTP_HOST=host(other)).post(link, {"decision": "refuse"}).status_code == 400
    # Eight days later the signature has expired.
    real_time = signing.time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() + 8 * 24 * 3600)
    assert guardian.post(link, {"decision": "consent"}).status_code == 400
    monkeypatch.undo()

    child.refresh_from_db()
    assert (child.is_active, child.guardian_consented_at) == (False, None)
    assert not ConsentRecord.objects.filter(customer=child, purpose=ConsentPurpose.GUARDIAN).exists()
    # A bad decision value is a form error, not an answer.
    assert guardian.post(link, {"decision": "maybe"}).status_code == 400
    assert Customer.objects.filter(store=store, pk=child.pk, is_active=False).exists()
    # The real link still works.
    assert guardian.post(link, {"decision": "consent"}).status_code == 200


def test_the_guardian_refuses_and_the_account_is_erased_at_once(store, mailoutbox) -> None:
    _register_child(store)
    link = _guardian_link(mailoutbox)
    child = Customer.objects.get(store=store)
    identifiers = residue.subject_identifiers(DataSubject.for_customer(child))

    done = Client(HTTP_HOST=host(store)).post(link, {"decision": "refuse"})

    assert done.status_code == 200
    assert "The account is deleted" in _text(done)
    assert not Customer.objects.filter(store=store, pk=child.pk).exists()
    assert not ConsentRecord.objects.filter(customer_id=child.pk).exists()
    entry = AuditEntry.objects.get(action="child.erase", store_id=store.pk)
    assert entry.details == {"reason": "guardian_refused"}
    assert "The email or password is not correct." in _text(_login(store))
    assert Client(HTTP_HOST=host(store)).get(link).status_code == 400
    # Nothing of the child is left: no row names it, and the copy of the guardian's email is gone too.
    assert residue.residue_scan(identifiers)["clean"], residue.residue_scan(identifiers)["findings"]
    assert not Email.objects.filter(kind="privacy_guardian_request").exists()


def test_without_consent_in_7_days_the_purge_erases_the_child(store, mailoutbox) -> None:
    _register_child(store)
    child = Customer.objects.get(store=store)
    adult = customer_register(
        store=store, email="grown@example.com", name="Grown Up", password=PASSWORD, date_of_birth=ADULT
    )
    due = child.guardian_consent_due_at
    assert due is not None

    early = retention_purge(now=due - datetime.timedelta(minutes=1))
    assert early.counts["children_erased"] == 0
    assert Customer.objects.filter(store=store, pk=child.pk).exists()

    report = retention_purge(now=due + datetime.timedelta(minutes=1))

    assert report.counts["children_erased"] == 1
    assert not Customer.objects.filter(store=store, pk=child.pk).exists()
    assert Customer.objects.filter(store=store, pk=adult.pk, is_active=True).exists()
    assert "The email or password is not correct." in _text(_login(store))
    assert AuditEntry.objects.get(action="child.erase", store_id=store.pk).details == {"reason": "no_guardian_consent"}


def test_refusing_one_child_keeps_the_guardians_request_about_a_sibling(store, mailoutbox) -> None:
    _register_child(store)
    _register_child(store, name="Robin Young", email="robin@example.com")
    kit_link = next(
        link_path(m, "/privacy/guardian/") for m in mailoutbox if m.to == [GUARDIAN] and "Kit Young" in m.body
    )

    Client(HTTP_HOST=host(store)).post(kit_link, {"decision": "refuse"})

    left = [mail.body_text for mail in Email.objects.filter(kind="privacy_guardian_request")]
    assert len(left) == 1 and "Robin Young" in left[0] and "Kit Young" not in left[0]
    assert Customer.objects.filter(store=store, email_index__isnull=False).count() == 1
