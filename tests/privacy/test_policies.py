"""Privacy policies: the editors, publishing, the public pages, major-change emails in batches and the banners."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from shopwright.core import crypto
from shopwright.core.audit import Actor
from shopwright.core.models import AuditEntry, Email
from shopwright.customers.models import Customer
from shopwright.privacy import consents, policies, policy_tasks
from shopwright.privacy.models import ConsentChannel, ConsentPurpose, ConsentRecord, PolicyVersion
from shopwright.stores.models import Role, User
from tests.factories import PASSWORD, host, make_customer, make_merchant
from tests.stores.helpers import add_member, platform_client

pytestmark = pytest.mark.django_db

EDITOR = "/office/settings/privacy-policy/"
OPERATOR_EDITOR = "/office/operators/policy/"
BANNER = 'id="policy-banner"'


@pytest.fixture
def merchant():  # type: ignore[no-untyped-def]
    return make_merchant(store_name="Harbour Goods", store_handle="harbour-goods")


@pytest.fixture
def store(merchant):  # type: ignore[no-untyped-def]
    return merchant.store


def _draft(client: Client, base: str = EDITOR, **fields: object):  # type: ignore[no-untyped-def]
    data = {"title": "Our privacy policy", "body": "We keep your data safe.", "change_summary": "", **fields}
    if not data.get("is_major"):
        data.pop("is_major", None)
    return client.post(base, data)


def _publish(client: Client, version: PolicyVersion, base: str = EDITOR):  # type: ignore[no-untyped-def]
    return client.post(f"{base}publish/", {"version": version.pk})


def _publish_service(store, *, major: bool, body: str = "Rules.") -> PolicyVersion:  # type: ignore[no-untyped-def]
    draft = policies.policy_draft_save(
        store=store, title="Privacy", body=body, is_major=major, author=None, actor=Actor.system()
    )
    return policies.policy_publish(version=draft, actor=Actor.system())


# --- the store's editor and public page ------------------------------------------------------------------


def test_the_owner_starts_from_the_template_with_the_stores_details(merchant, store):
    page = platform_client(merchant.user).get(EDITOR).content.decode()
    assert "Privacy policy of Harbour Goods" in page
    assert "http://harbour-goods.localhost:8000/privacy/requests/" in page  # the contact, filled in
    assert "stored in the platform&#x27;s own data centre" in page  # the data region
    for heading in ("What we collect", "Cookies", "Sharing", "protect", "Your rights", "Children", "Where your data"):
        assert heading in page, heading


def test_drafts_are_edited_then_publishing_freezes_them_and_earlier_versions_stay_readable(merchant, store):
    owner = platform_client(merchant.user)
    assert _draft(owner, title="First policy").status_code == 302
    assert _draft(owner, title="First policy, fixed").status_code == 302
    first = PolicyVersion.objects.get(store=store)
    assert (first.version, first.title, first.published_at) == (1, "First policy, fixed", None)
    shop = Client(HTTP_HOST=host(store))
    assert "First policy" not in shop.get("/privacy/policy/").content.decode()  # a draft is not public

    assert _publish(owner, first).status_code == 302
    first.refresh_from_db()
    assert first.published_at is not None
    page = shop.get("/privacy/policy/").content.decode()
    assert "First policy, fixed" in page and "Version 1" in page

    # Editing now makes version 2; version 1 is untouched.
    _draft(owner, title="Second policy", body="New text.")
    second = PolicyVersion.objects.get(store=store, version=2)
    first.refresh_from_db()
    assert first.title == "First policy, fixed" and first.body == "We keep your data safe."
    assert _publish(owner, first).status_code == 302  # publishing twice changes nothing
    _publish(owner, second)
    page = shop.get("/privacy/policy/").content.decode()
    assert "Second policy" in page and 'href="/privacy/policy/v1/"' in page
    old = shop.get("/privacy/policy/v1/").content.decode()
    assert "First policy, fixed" in old and "an earlier version" in old
    assert shop.get("/privacy/policy/v9/").status_code == 404
    actions = set(AuditEntry.objects.filter(action__startswith="privacy.policy").values_list("action", flat=True))
    assert actions == {"privacy.policy_draft_create", "privacy.policy_draft_update", "privacy.policy_publish"}


def test_bad_input_is_refused_and_changes_nothing(merchant, store):
    owner = platform_client(merchant.user)
    response = _draft(owner, title="", body="")
    assert response.status_code == 400
    assert "Give the policy a title." in response.content.decode()
    assert "The policy text cannot be empty." in response.content.decode()
    response = _draft(owner, body="x" * (policies.BODY_MAX + 1))
    assert response.status_code == 400
    assert not PolicyVersion.objects.exists()
    assert owner.post(f"{EDITOR}publish/", {"version": "abc"}).status_code == 404
    assert owner.post(f"{EDITOR}publish/", {"version": "99999999999999999999"}).status_code == 404


def test_staff_and_other_stores_cannot_touch_the_policy(
    merchant, store, mailoutbox, django_capture_on_commit_callbacks
):
    _publish_service(store, major=False)
    draft = policies.policy_draft_save(store=store, title="T", body="B", author=None, actor=Actor.system())
    clerk = add_member(
        store=store,
        owner=merchant.user,
        role=Role.STAFF,
        email="clerk@example.com",
        mailoutbox=mailoutbox,
        capture=django_capture_on_commit_callbacks,
    )
    staff = platform_client(clerk.user)
    assert staff.get(EDITOR).status_code == 403
    assert _publish(staff, draft).status_code == 403
    other = platform_client(make_merchant().user)
    assert _publish(other, draft).status_code == 404  # another store's version
    draft.refresh_from_db()
    assert draft.published_at is None
    # Operators' editor: operators only.
    assert platform_client(merchant.user).get(OPERATOR_EDITOR).status_code == 404


def test_a_store_without_a_policy_points_to_the_platforms(store):
    page = Client(HTTP_HOST=host(store)).get("/privacy/policy/").content.decode()
    assert "has not published its own privacy policy yet" in page
    assert "http://localhost:8000/privacy/" in page


# --- major changes: emails in batches, banner, processing refused ----------------------------------------


def _many_customers(store, count: int, *, start: int = 0) -> None:  # type: ignore[no-untyped-def]
    earlier = timezone.now() - datetime.timedelta(days=30)
    rows = []
    for n in range(start, start + count):
        email = f"buyer{n}@example.com"
        rows.append(
            Customer(store=store, email=email, email_index=crypto.blind_index(email), name=f"Buyer {n}", password="x")
        )
    Customer.objects.bulk_create(rows)
    Customer.objects.filter(store_id=store.pk).update(created_at=earlier)


def test_a_major_change_emails_every_customer_once_in_batches_and_a_rerun_sends_nothing_more(
    store, monkeypatch, django_capture_on_commit_callbacks
):
    _many_customers(store, 450)
    other_store = make_merchant().store
    _many_customers(other_store, 3, start=1000)
    batches: list[int] = []
    real_batch = policies.policy_notify_batch

    def counting(**kwargs):  # type: ignore[no-untyped-def]
        batches.append(kwargs["after_id"])
        return real_batch(**kwargs)

    monkeypatch.setattr(policy_tasks, "policy_notify_batch", counting)
    with django_capture_on_commit_callbacks(execute=True):
        version = _publish_service(store, major=True)

    assert len(batches) == 3  # 200 + 200 + 50, each its own job
    sent = [m.to[0] for m in mail.outbox]
    assert len(sent) == 450 == len(set(sent))
    assert not any(address.startswith("buyer10") and len(address) == len("buyer1000@example.com") for address in sent)
    message = mail.outbox[0]
    assert "Harbour Goods has changed its privacy policy" in message.subject
    assert "http://harbour-goods.localhost:8000/privacy/policy/" in message.body
    version.refresh_from_db()
    assert version.notified_at is not None

    # The job runs again (a retry, the periodic safety net): nobody is emailed twice.
    PolicyVersion.objects.filter(pk=version.pk).update(notified_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        policy_tasks.policy_notify_task(version.pk)
        assert policies.policy_notify_pending() == 0
    assert len(mail.outbox) == 450
    assert Email.objects.filter(kind="privacy_policy_changed").count() == 450


def test_a_minor_change_emails_nobody_and_shows_no_banner(store, django_capture_on_commit_callbacks):
    customer = make_customer(store)
    Customer.objects.filter(store_id=store.pk, pk=customer.pk).update(created_at=timezone.now() - datetime.timedelta(1))
    consents.consent_grant(purpose=ConsentPurpose.MARKETING_EMAIL, customer=customer, channel=ConsentChannel.ACCOUNT)
    with django_capture_on_commit_callbacks(execute=True):
        _publish_service(store, major=False)
    assert not Email.objects.filter(kind="privacy_policy_changed").exists()
    client = Client(HTTP_HOST=host(store))
    client.post("/account/login/", {"email": customer.email, "password": PASSWORD})
    assert BANNER not in client.get("/").content.decode()
    assert consents.processing_allowed(purpose=ConsentPurpose.MARKETING_EMAIL, customer=customer)


def test_the_banner_asks_again_and_processing_waits_until_the_customer_accepts(
    store, django_capture_on_commit_callbacks
):
    customer = make_customer(store)
    Customer.objects.filter(store_id=store.pk, pk=customer.pk).update(created_at=timezone.now() - datetime.timedelta(1))
    consents.consent_grant(purpose=ConsentPurpose.MARKETING_EMAIL, customer=customer, channel=ConsentChannel.ACCOUNT)
    other = make_customer(make_merchant().store)
    with django_capture_on_commit_callbacks(execute=True):
        version = _publish_service(store, major=True, body="We now share data with a new carrier.")
    assert [m.to[0] for m in mail.outbox] == [customer.email]  # not the other store's customer
    customer.refresh_from_db()

    client = Client(HTTP_HOST=host(store))
    client.post("/account/login/", {"email": customer.email, "password": PASSWORD})
    for path in ("/", "/account/", "/collections/"):
        page = client.get(path).content.decode()
        assert BANNER in page, path
    assert not consents.processing_allowed(purpose=ConsentPurpose.MARKETING_EMAIL, customer=customer)
    assert BANNER not in Client(HTTP_HOST=host(store)).get("/").content.decode()  # signed out: no policy banner

    response = client.post("/privacy/policy/accept/", {"version": version.pk, "next": "/collections/"})
    assert response.status_code == 302 and response["Location"] == "/collections/"
    assert BANNER not in client.get("/").content.decode()
    record = ConsentRecord.objects.filter(customer=customer, purpose=ConsentPurpose.PRIVACY_POLICY).last()
    assert record.granted and record.policy_version == version
    assert record.channel == ConsentChannel.POLICY_BANNER and record.evidence == policies.POLICY_BANNER_TEXT
    assert consents.processing_allowed(purpose=ConsentPurpose.MARKETING_EMAIL, customer=customer)
    assert policies.reconsent_needed(customer=other) is None


def test_accepting_a_draft_or_another_stores_version_is_refused(store):
    customer = make_customer(store)
    client = Client(HTTP_HOST=host(store))
    client.post("/account/login/", {"email": customer.email, "password": PASSWORD})
    foreign = _publish_service(make_merchant().store, major=True)
    draft = policies.policy_draft_save(store=store, title="T", body="B", author=None, actor=Actor.system())
    before = ConsentRecord.objects.count()
    for value in (foreign.pk, draft.pk, "nope", ""):
        response = client.post("/privacy/policy/accept/", {"version": value})
        assert response.status_code == 302 and response["Location"] == "/privacy/policy/"
    assert ConsentRecord.objects.count() == before
    # Signed out: sent to sign in, nothing recorded.
    assert Client(HTTP_HOST=host(store)).post("/privacy/policy/accept/", {"version": foreign.pk}).status_code == 302
    assert ConsentRecord.objects.count() == before


# --- the platform's policy -------------------------------------------------------------------------------


def test_operators_publish_the_platform_policy_and_merchants_are_asked_in_the_back_office(
    merchant, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=merchant.user.pk).update(date_joined=timezone.now() - datetime.timedelta(days=3))
    operator = make_merchant().user
    User.objects.filter(pk=operator.pk).update(is_staff=True, date_joined=timezone.now() - datetime.timedelta(1))
    operator.refresh_from_db()
    office = platform_client(operator)
    page = office.get(OPERATOR_EDITOR).content.decode()
    assert "Privacy policy of" in page
    _draft(office, OPERATOR_EDITOR, title="Platform policy", is_major="on", change_summary="New hosting region")
    version = PolicyVersion.objects.get(store__isnull=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert _publish(office, version, OPERATOR_EDITOR).status_code == 302
    recipients = {m.to[0] for m in mail.outbox}
    assert merchant.user.email in recipients and operator.email in recipients
    assert "/privacy/" in mail.outbox[0].body

    public = Client(HTTP_HOST="localhost").get("/privacy/").content.decode()
    assert "Platform policy" in public and "Version 1" in public

    owner = platform_client(merchant.user)
    page = owner.get("/office/").content.decode()
    assert BANNER in page and "New hosting region" in page
    assert not consents.processing_allowed(purpose=ConsentPurpose.MARKETING_EMAIL, user=merchant.user)
    response = owner.post("/privacy/accept/", {"version": version.pk, "next": "/office/orders/"})
    assert response["Location"] == "/office/orders/"
    assert BANNER not in owner.get("/office/").content.decode()
    assert policies.reconsent_needed(user=merchant.user) is None


def test_a_stalled_chain_of_batches_is_resumed_without_duplicates(store, django_capture_on_commit_callbacks):
    _many_customers(store, 450)
    with django_capture_on_commit_callbacks(execute=False):  # the worker dies: no job runs after publishing
        version = _publish_service(store, major=True)
    assert policies.policy_notify_batch(version_id=version.pk, after_id=0) is not None  # one batch, then the crash
    assert Email.objects.filter(kind="privacy_policy_changed").count() == 200

    # While the chain may still be running, the safety net leaves it alone ...
    assert policies.policy_notify_pending() == 0
    # ... once it has been quiet for a while, it restarts it, and everyone is emailed exactly once.
    later = timezone.now() + policies.NOTIFY_STALL + datetime.timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert policies.policy_notify_pending(now=later) == 1
    emails = Email.objects.filter(kind="privacy_policy_changed")
    assert emails.count() == 450
    assert len({e.to for e in emails}) == 450
    version.refresh_from_db()
    assert version.notified_at is not None
