"""Access through the API: a confirmed access request returns the customer's own data, for 30 minutes."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from shopwright.customers.services import customer_api_token_create
from shopwright.privacy.models import DataRequest
from tests.factories import PASSWORD, host, make_customer, make_merchant
from tests.order_factories import make_paid_order, make_variant

pytestmark = pytest.mark.django_db
BASE = "/api/v1/storefront/privacy/requests"


def _api(store, customer) -> Client:  # type: ignore[no-untyped-def]
    return Client(HTTP_HOST=host(store), HTTP_AUTHORIZATION=f"Bearer {customer_api_token_create(customer=customer)}")


def _open(api: Client, kind: str) -> int:
    opened = api.post(BASE, {"kind": kind}, content_type="application/json")
    assert opened.status_code == 201, opened.json()
    return int(opened.json()["id"])


def test_a_confirmed_access_request_returns_my_data_and_nobody_elses():
    store = make_merchant().store
    store.data_region = "eu-central"
    store.save(update_fields=["data_region"])
    me = make_customer(store, email="ada.access@example.com", name="Ada Access")
    other = make_customer(store, email="bob.other@example.com", name="Bob Other")
    make_paid_order(store, [(make_variant(store), 1)], customer=me, email="ada.access@example.com")
    make_paid_order(store, [(make_variant(store), 1)], customer=other, email="bob.other@example.com")
    api = _api(store, me)
    request_id = _open(api, "access")

    # Not before it is confirmed.
    assert api.get(f"{BASE}/{request_id}/data").status_code == 403
    verified = api.post(f"{BASE}/{request_id}/verify", {"password": PASSWORD}, content_type="application/json")
    assert verified.json()["status"] == "completed"

    body = api.get(f"{BASE}/{request_id}/data").json()
    assert body["region"] == "eu-central"
    assert body["data"]["profile"][0]["email"] == "ada.access@example.com"
    assert [row["number"] for row in body["data"]["orders"] if row["_type"] == "order"] == [1001]
    assert "bob.other" not in str(body) and "Bob Other" not in str(body)
    assert all("password" not in row for row in body["data"]["profile"])  # credentials never leave

    # Another customer cannot read it, and it closes after 30 minutes.
    assert _api(store, other).get(f"{BASE}/{request_id}/data").status_code == 404
    DataRequest.objects.filter(pk=request_id).update(
        verified_at=verified_at_minus(DataRequest.objects.get(pk=request_id).verified_at, minutes=31)
    )
    assert api.get(f"{BASE}/{request_id}/data").json()["code"] == "access_expired"


def verified_at_minus(value: datetime.datetime | None, *, minutes: int) -> datetime.datetime:
    assert value is not None
    return value - datetime.timedelta(minutes=minutes)


def test_another_kind_of_request_gives_no_data():
    store = make_merchant().store
    me = make_customer(store)
    api = _api(store, me)
    request_id = _open(api, "restriction")
    api.post(f"{BASE}/{request_id}/verify", {"password": PASSWORD}, content_type="application/json")
    answer = api.get(f"{BASE}/{request_id}/data")
    assert answer.status_code == 403 and answer.json()["code"] == "not_access"


def test_a_used_or_made_up_download_link_is_refused_with_an_audit_entry(django_capture_on_commit_callbacks):
    from shopwright.core.models import AuditEntry
    from shopwright.privacy import exports
    from shopwright.privacy.models import RequestChannel, RequestKind, RequestStatus

    store = make_merchant().store
    me = make_customer(store)
    request = DataRequest.objects.create(
        store=store,
        kind=RequestKind.EXPORT,
        status=RequestStatus.IN_PROGRESS,
        channel=RequestChannel.ACCOUNT,
        customer=me,
        subject_email=me.email,
    )
    archive = exports.export_build(request=request)
    token = exports.export_link_issue(archive=archive)
    page = Client(HTTP_HOST=host(store))
    assert page.get(f"/privacy/requests/download/{token}/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert page.post(f"/privacy/requests/download/{token}/").status_code == 200
    for _ in range(2):  # the spent link, then a made-up one
        assert page.get(f"/privacy/requests/download/{token}/").status_code == 410
        token = "swx_made-up"
    refusals = AuditEntry.objects.filter(action="privacy.export_link_refused")
    assert refusals.count() == 2
