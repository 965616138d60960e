"""The rest of the data request API: a merchant's own requests, the operators' inbox, the public contact form."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from shopwright.core.models import AuditEntry, Email
from shopwright.customers.services import customer_api_token_create
from shopwright.privacy import requests as services
from shopwright.privacy.models import DataRequest, RequestStatus
from shopwright.stores.models import Store, User
from shopwright.stores.services import user_api_token_create
from tests.factories import PASSWORD, host, make_customer, make_merchant

pytestmark = pytest.mark.django_db
BASE = "/api/v1/storefront/privacy/requests"
OFFICE = "/api/v1/merchant/privacy/requests"
MINE = f"{OFFICE}/mine"
OPERATORS = f"{OFFICE}/operators"
CONTACT = f"{BASE}/contact"


def _merchant():  # type: ignore[no-untyped-def]
    result = make_merchant()
    Store.objects.filter(pk=result.store.pk).update(ask_date_of_birth=False)
    result.store.refresh_from_db()
    return result


@pytest.fixture
def merchant():  # type: ignore[no-untyped-def]
    return _merchant()


@pytest.fixture
def store(merchant):  # type: ignore[no-untyped-def]
    return merchant.store


@pytest.fixture
def operator() -> User:
    user = _merchant().user
    User.objects.filter(pk=user.pk).update(is_staff=True)
    user.refresh_from_db()
    return user


def office(user: User) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {user_api_token_create(user=user)}")


def _post(client: Client, path: str, body: dict):  # type: ignore[no-untyped-def]
    return client.post(path, body, content_type="application/json")


def _verified_own(user: User, kind: str) -> int:
    api = office(user)
    request_id = _post(api, MINE, {"kind": kind}).json()["id"]
    assert _post(api, f"{MINE}/{request_id}/verify", {"password": PASSWORD}).status_code == 200
    return int(request_id)


# --- a merchant's own requests ----------------------------------------------------------------------------


def test_merchant_opens_an_export_of_the_account_verifies_it_and_reads_it(merchant, django_capture_on_commit_callbacks):
    api = office(merchant.user)
    assert api.get(MINE).json() == []
    opened = _post(api, MINE, {"kind": "export"})
    assert opened.status_code == 201
    body = opened.json()
    assert body["status"] == "verifying" and body["channel"] == "api" and body["due_at"] is None
    wrong = _post(api, f"{MINE}/{body['id']}/verify", {"password": "not-my-password"})
    assert wrong.status_code == 400 and "password" in wrong.json()["fields"]
    with django_capture_on_commit_callbacks(execute=True):
        done = _post(api, f"{MINE}/{body['id']}/verify", {"password": PASSWORD})
    assert done.status_code == 200 and done.json()["days_left"] == 14
    assert api.get(f"{MINE}/{body['id']}").json()["status"] == "completed"  # the export job ran
    assert [r["id"] for r in api.get(MINE).json()] == [body["id"]]
    assert any(e.to == merchant.user.email for e in Email.objects.filter(kind="privacy_request_export"))
    again = _post(api, f"{MINE}/{body['id']}/verify", {"password": PASSWORD})
    assert again.status_code == 400  # already verified
    # It is the operators' request, not the store's.
    request = DataRequest.objects.get(pk=body["id"])
    assert request.store_id is None and request.user_id == merchant.user.pk


def test_merchant_own_request_bad_input_and_someone_elses_are_refused(merchant, store):
    api = office(merchant.user)
    assert _post(api, MINE, {"kind": "access"}).status_code == 400  # the page offers export and deletion only
    assert _post(api, MINE, {}).status_code == 400
    assert api.post(MINE, "kind=export", content_type="application/x-www-form-urlencoded").status_code == 400
    request_id = _post(api, MINE, {"kind": "deletion"}).json()["id"]
    assert _post(api, f"{MINE}/{request_id}/verify", {}).status_code == 400
    assert api.get(f"{MINE}/abc").status_code == 400
    assert api.get(f"{MINE}/{10**30}").status_code in (400, 404)
    other = office(_merchant().user)
    assert other.get(f"{MINE}/{request_id}").status_code == 404
    assert _post(other, f"{MINE}/{request_id}/verify", {"password": PASSWORD}).status_code == 404
    assert other.get(MINE).json() == []
    # A customer's request at the merchant's store is not the merchant's own.
    customer = make_customer(store)
    token = customer_api_token_create(customer=customer)
    buyer = Client(HTTP_HOST=host(store), HTTP_AUTHORIZATION=f"Bearer {token}")
    store_request = _post(buyer, BASE, {"kind": "access"}).json()["id"]
    assert api.get(f"{MINE}/{store_request}").status_code == 404
    # Signed out, or on a store host: nothing.
    assert Client().get(MINE).status_code == 401
    assert Client(HTTP_HOST=host(store)).get(MINE).status_code == 404
    assert DataRequest.objects.get(pk=request_id).status == RequestStatus.VERIFYING


def test_a_second_own_deletion_is_refused_while_one_is_open(merchant):
    api = office(merchant.user)
    _verified_own(merchant.user, "deletion")
    second = _post(api, MINE, {"kind": "deletion"})
    assert second.status_code == 400 and second.json()["code"] == "deletion_running"
    assert DataRequest.objects.filter(user_id=merchant.user.pk).count() == 1


# --- the operators' inbox ----------------------------------------------------------------------------------


def test_operators_inbox_is_for_operators_only(merchant, operator):
    request_id = _verified_own(merchant.user, "deletion")
    api = office(merchant.user)
    for path in (OPERATORS, f"{OPERATORS}/{request_id}"):
        assert api.get(path).status_code == 404
    refused = _post(api, f"{OPERATORS}/{request_id}/actions", {"action": "erase"})
    assert refused.status_code == 404
    assert DataRequest.objects.get(pk=request_id).status == RequestStatus.OPEN
    boss = office(operator)
    rows = boss.get(OPERATORS).json()
    assert [r["id"] for r in rows] == [request_id]
    assert rows[0]["subject_email"] != merchant.user.email and "*" in rows[0]["subject_email"]
    assert boss.get(f"{OPERATORS}/{request_id}").json()["days_left"] == 14


def test_operators_inbox_filters_and_holds_no_store_requests(merchant, store, operator):
    deletion = _verified_own(merchant.user, "deletion")
    export_user = _merchant().user
    unverified = _post(office(export_user), MINE, {"kind": "export"}).json()["id"]
    customer = make_customer(store)
    token = customer_api_token_create(customer=customer)
    buyer = Client(HTTP_HOST=host(store), HTTP_AUTHORIZATION=f"Bearer {token}")
    store_request = _post(buyer, BASE, {"kind": "correction", "details": "x"}).json()["id"]
    _post(buyer, f"{BASE}/{store_request}/verify", {"password": PASSWORD})
    boss = office(operator)
    assert [r["id"] for r in boss.get(OPERATORS).json()] == [deletion]  # verified, merchants' own only
    assert [r["id"] for r in boss.get(OPERATORS, {"kind": "deletion", "status": "open"}).json()] == [deletion]
    assert boss.get(OPERATORS, {"kind": "export"}).json() == []
    assert [r["id"] for r in boss.get(OPERATORS, {"kind": "nonsense"}).json()] == [deletion]  # ignored
    assert boss.get(f"{OPERATORS}/{store_request}").status_code == 404
    assert boss.get(f"{OPERATORS}/{unverified}").status_code == 200  # readable, not listed: as on the page
    assert _post(boss, f"{OPERATORS}/{store_request}/actions", {"action": "start"}).status_code == 404


def test_operator_refuses_with_a_reason_and_bad_actions_change_nothing(merchant, operator):
    request_id = _verified_own(merchant.user, "export")
    DataRequest.objects.filter(pk=request_id).update(status=RequestStatus.OPEN)  # as if the job had not run yet
    boss = office(operator)
    path = f"{OPERATORS}/{request_id}/actions"
    assert _post(boss, path, {"action": "explode"}).status_code == 400
    no_reason = _post(boss, path, {"action": "refuse"})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["fields"]
    assert _post(boss, path, {"action": "erase"}).status_code == 400  # not a deletion
    assert _post(boss, path, {"action": "complete"}).status_code == 400  # an export completes by its job
    assert DataRequest.objects.get(pk=request_id).status == RequestStatus.OPEN
    refused = _post(boss, path, {"action": "refuse", "note": "We need to keep the invoices."})
    assert refused.status_code == 200
    assert refused.json()["status"] == "refused" and refused.json()["resolution"] == "We need to keep the invoices."
    assert office(merchant.user).get(f"{MINE}/{request_id}").json()["status"] == "refused"
    assert any(e.to == merchant.user.email for e in Email.objects.filter(kind="privacy_request_status"))
    assert AuditEntry.objects.filter(action="privacy.request_refused", object_id=str(request_id)).exists()


def test_operator_runs_a_merchants_deletion_once(merchant, operator):
    request_id = _verified_own(merchant.user, "deletion")
    boss = office(operator)
    path = f"{OPERATORS}/{request_id}/actions"
    # The merchant still owns an open store: refused, and nothing changes.
    refused = _post(boss, path, {"action": "erase"})
    assert refused.status_code == 409 and refused.json()["code"] == "erasure_refused"
    assert DataRequest.objects.get(pk=request_id).status == RequestStatus.OPEN
    Store.objects.filter(pk=merchant.store.pk).update(closed_at=timezone.now())
    erased = _post(boss, path, {"action": "erase"})
    assert erased.status_code == 200 and erased.json()["status"] == "in_progress"
    merchant.user.refresh_from_db()
    assert merchant.user.erasure_locked_at is not None
    again = _post(boss, path, {"action": "erase"})
    assert again.status_code == 400 and again.json()["code"] == "deletion_running"
    assert _post(boss, path, {"action": "refuse", "note": "No."}).status_code == 400  # a running erasure


def test_store_inbox_paths_still_answer_beside_the_literal_ones(merchant, store):
    customer = make_customer(store)
    token = customer_api_token_create(customer=customer)
    buyer = Client(HTTP_HOST=host(store), HTTP_AUTHORIZATION=f"Bearer {token}")
    request_id = _post(buyer, BASE, {"kind": "correction", "details": "x"}).json()["id"]
    assert buyer.get(f"{BASE}/{request_id}").status_code == 200
    _post(buyer, f"{BASE}/{request_id}/verify", {"password": PASSWORD})
    api = office(merchant.user)
    assert api.get(f"{OFFICE}/{request_id}", {"store": store.handle}).status_code == 200
    started = _post(api, f"{OFFICE}/{request_id}/actions?store={store.handle}", {"action": "start"})
    assert started.status_code == 200 and started.json()["status"] == "in_progress"


# --- the public contact form --------------------------------------------------------------------------------


def test_contact_answers_the_same_whether_or_not_data_is_on_file(store):
    customer = make_customer(store, email="jane@example.com")
    anyone = Client(HTTP_HOST=host(store))
    known = _post(anyone, CONTACT, {"kind": "access", "email": customer.email})
    unknown = _post(anyone, CONTACT, {"kind": "access", "email": "nobody@example.com"})
    guardian = _post(anyone, CONTACT, {"kind": "deletion", "email": customer.email, "who": "guardian"})
    assert known.status_code == unknown.status_code == guardian.status_code == 202
    assert known.json() == unknown.json() == guardian.json() == {"message": services.SAME_ANSWER}
    # Only the address on file is written to; the unknown address and the missing guardian get nothing.
    assert [e.to for e in Email.objects.filter(kind="privacy_request_link")] == [customer.email]
    assert DataRequest.objects.get().status == RequestStatus.VERIFYING
    assert AuditEntry.objects.filter(action="privacy.request_unmatched").count() == 2


def test_contact_from_an_agent_is_confirmed_by_the_subject_and_the_agent_gets_nothing(store):
    customer = make_customer(store, email="jane@example.com")
    anyone = Client(HTTP_HOST=host(store))
    body = {
        "kind": "export",
        "email": customer.email,
        "who": "agent",
        "agent_name": "Ada Agent",
        "agent_email": "agent@example.com",
    }
    answer = _post(anyone, CONTACT, body)
    assert answer.status_code == 202 and answer.json() == {"message": services.SAME_ANSWER}
    request = DataRequest.objects.get()
    assert request.status == RequestStatus.AWAITING_SUBJECT and request.agent_email == "agent@example.com"
    assert [e.to for e in Email.objects.filter(kind__startswith="privacy_request")] == [customer.email]
    missing = _post(anyone, CONTACT, {**body, "agent_email": "not an email"})
    assert missing.status_code == 400 and "agent_email" in missing.json()["fields"]


def test_contact_bad_input_is_a_400_and_changes_nothing(store):
    anyone = Client(HTTP_HOST=host(store))
    for body in (
        {"kind": "access", "email": "not an email"},
        {"kind": "everything", "email": "a@example.com"},
        {"kind": "access", "email": "a@example.com", "who": "nobody"},
        {"kind": "correction", "email": "a@example.com"},  # what should be corrected?
        {"kind": "access"},
        {"kind": "access", "email": "a@example.com", "details": "x" * 3000},
    ):
        assert _post(anyone, CONTACT, body).status_code == 400, body
    assert anyone.post(CONTACT, "kind=access", content_type="text/plain").status_code == 400
    # On the platform host a guardian has nobody to ask about (children have store accounts only).
    assert _post(Client(), CONTACT, {"kind": "access", "email": "a@example.com", "who": "guardian"}).status_code == 400
    assert not DataRequest.objects.exists() and not Email.objects.filter(kind__startswith="privacy").exists()


def test_contact_is_throttled_per_client_address(store):
    customer = make_customer(store, email="jane@example.com")
    anyone = Client(HTTP_HOST=host(store))
    answers = [
        _post(anyone, CONTACT, {"kind": "access", "email": f"who{i}@example.com"}).status_code
        for i in range(services.FORM_REQUESTS_PER_IP_PER_HOUR)
    ]
    assert set(answers) == {202}
    limited = _post(anyone, CONTACT, {"kind": "access", "email": customer.email})
    assert limited.status_code == 429 and limited["Retry-After"]
    assert not DataRequest.objects.exists()
