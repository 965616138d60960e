"""The data request API: a customer opens and verifies requests; a merchant reads the inbox and answers."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from shopwright.core.models import AuditEntry, Email
from shopwright.customers.services import customer_api_token_create
from shopwright.privacy.models import DataRequest, RequestStatus
from shopwright.stores.models import Membership, Role, Store, User
from shopwright.stores.services import user_api_token_create
from tests.factories import PASSWORD, host, make_customer, make_merchant

pytestmark = pytest.mark.django_db
BASE = "/api/v1/storefront/privacy/requests"
OFFICE = "/api/v1/merchant/privacy/requests"


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
def customer(store):  # type: ignore[no-untyped-def]
    return make_customer(store, email="jane@example.com")


def buyer(store, customer) -> Client:  # type: ignore[no-untyped-def]
    token = customer_api_token_create(customer=customer)
    return Client(HTTP_HOST=host(store), HTTP_AUTHORIZATION=f"Bearer {token}")


def office(user: User) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {user_api_token_create(user=user)}")


def _post(client: Client, path: str, body: dict):  # type: ignore[no-untyped-def]
    return client.post(path, body, content_type="application/json")


def test_customer_opens_verifies_by_password_and_reads_it(store, customer):
    api = buyer(store, customer)
    opened = _post(api, BASE, {"kind": "correction", "details": "Street misspelt"})
    assert opened.status_code == 201
    body = opened.json()
    assert body["status"] == "verifying" and body["due_at"] is None
    wrong = _post(api, f"{BASE}/{body['id']}/verify", {"password": "nope-nope"})
    assert wrong.status_code == 400 and "password" in wrong.json()["fields"]
    ok = _post(api, f"{BASE}/{body['id']}/verify", {"password": PASSWORD})
    assert ok.status_code == 200
    assert ok.json()["status"] == "open" and ok.json()["days_left"] == 14
    assert [r["id"] for r in api.get(BASE).json()] == [body["id"]]
    assert api.get(f"{BASE}/{body['id']}").json()["details"] == "Street misspelt"


def test_customer_verifies_by_code(store, customer):
    api = buyer(store, customer)
    request_id = _post(api, BASE, {"kind": "restriction"}).json()["id"]
    assert _post(api, f"{BASE}/{request_id}/code", {}).status_code == 202
    body = next(e for e in Email.objects.filter(kind="privacy_request_code") if e.to == customer.email).body_text
    code = re.search(r"\b(\d{6})\b", body).group(1)  # type: ignore[union-attr]
    assert _post(api, f"{BASE}/{request_id}/verify", {}).status_code == 400
    done = _post(api, f"{BASE}/{request_id}/verify", {"code": code})
    assert done.status_code == 200 and done.json()["status"] == "completed"


def test_bad_input_and_someone_elses_request(store, customer):
    api = buyer(store, customer)
    assert _post(api, BASE, {"kind": "everything"}).status_code == 400
    request_id = _post(api, BASE, {"kind": "access"}).json()["id"]
    other = buyer(store, make_customer(store))
    assert other.get(f"{BASE}/{request_id}").status_code == 404
    assert _post(other, f"{BASE}/{request_id}/verify", {"password": PASSWORD}).status_code == 404
    assert api.get(f"{BASE}/{10**30}").status_code in (400, 404)
    other_store = _merchant().store
    foreign = buyer(other_store, make_customer(other_store))
    assert foreign.get(f"{BASE}/{request_id}").status_code == 404
    assert Client().get(BASE).status_code in (401, 404)
    assert DataRequest.objects.get(pk=request_id).status == RequestStatus.VERIFYING


def test_merchant_inbox_masks_and_answers_by_role(store, customer, merchant):
    api = buyer(store, customer)
    request_id = _post(api, BASE, {"kind": "correction", "details": "x"}).json()["id"]
    _post(api, f"{BASE}/{request_id}/verify", {"password": PASSWORD})
    owner = office(merchant.user)
    listing = owner.get(OFFICE, {"store": store.handle})
    assert listing.status_code == 200
    assert [r["subject_email"] for r in listing.json()] == ["j***@example.com"]
    assert owner.get(f"{OFFICE}/{request_id}", {"store": store.handle}).status_code == 200
    staff_user = User.objects.create_user("staffer@example.com", PASSWORD, full_name="Staff Person")
    Membership.objects.create(store=store, user=staff_user, role=Role.STAFF)
    staff = office(staff_user)
    assert staff.get(OFFICE, {"store": store.handle}).status_code == 200
    refused = _post(staff, f"{OFFICE}/{request_id}/actions?store={store.handle}", {"action": "resolve", "note": "ok"})
    assert refused.status_code == 403
    bad = _post(owner, f"{OFFICE}/{request_id}/actions?store={store.handle}", {"action": "resolve", "note": ""})
    assert bad.status_code == 400
    done = _post(owner, f"{OFFICE}/{request_id}/actions?store={store.handle}", {"action": "resolve", "note": "Fixed."})
    assert done.status_code == 200 and done.json()["status"] == "completed"
    # Another merchant sees neither the store nor the request.
    stranger = office(_merchant().user)
    assert stranger.get(OFFICE, {"store": store.handle}).status_code == 404
    assert stranger.get(f"{OFFICE}/{request_id}", {"store": store.handle}).status_code == 404
    assert AuditEntry.objects.filter(action="privacy.request_completed", object_id=str(request_id)).exists()
