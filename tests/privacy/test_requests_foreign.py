"""Asking for someone else's privacy request is refused like a missing one, and recorded in the audit log."""

from __future__ import annotations

import pytest
from django.test import Client

from shopwright.core.models import AuditEntry
from shopwright.customers.services import customer_api_token_create
from shopwright.privacy.models import DataRequest
from tests.factories import PASSWORD, host, make_customer, make_merchant

pytestmark = pytest.mark.django_db
BASE = "/api/v1/storefront/privacy/requests"


def _api(store, customer) -> Client:  # type: ignore[no-untyped-def]
    return Client(HTTP_HOST=host(store), HTTP_AUTHORIZATION=f"Bearer {customer_api_token_create(customer=customer)}")


def test_someone_elses_request_is_404_and_audited_a_missing_one_only_404():
    store = make_merchant().store
    owner, intruder = make_customer(store), make_customer(store)
    request_id = _api(store, owner).post(BASE, {"kind": "access"}, content_type="application/json").json()["id"]
    api = _api(store, intruder)

    assert api.get(f"{BASE}/{request_id}").status_code == 404
    assert (
        api.post(f"{BASE}/{request_id}/verify", {"password": PASSWORD}, content_type="application/json").status_code
        == 404
    )
    assert api.get(f"{BASE}/{request_id + 1000}").status_code == 404

    foreign = AuditEntry.objects.filter(action="privacy.request_foreign")
    assert foreign.count() == 2
    assert set(foreign.values_list("actor_id", flat=True)) == {intruder.pk}
    assert foreign.first().details == {}  # nothing about whose request it was  # type: ignore[union-attr]
    assert DataRequest.objects.get(pk=request_id).status == "verifying"
