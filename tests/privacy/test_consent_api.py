"""The consent and policy API: a customer's consents and the store policy; a merchant's policy versions."""

from __future__ import annotations

import pytest
from django.test import Client

from shopwright.core.audit import Actor
from shopwright.customers.services import customer_api_token_create
from shopwright.privacy import consents, policies
from shopwright.privacy.models import ConsentPurpose, ConsentRecord, PolicyVersion
from shopwright.stores.models import Membership, Role, User
from shopwright.stores.services import user_api_token_create
from tests.factories import host, make_customer, make_merchant

pytestmark = pytest.mark.django_db
BASE = "/api/v1/storefront/privacy"
OFFICE = "/api/v1/merchant/privacy"


@pytest.fixture
def merchant():  # type: ignore[no-untyped-def]
    return make_merchant()


@pytest.fixture
def store(merchant):  # type: ignore[no-untyped-def]
    return merchant.store


@pytest.fixture
def customer(store):  # type: ignore[no-untyped-def]
    return make_customer(store)


def buyer(store, customer) -> Client:  # type: ignore[no-untyped-def]
    token = customer_api_token_create(customer=customer)
    return Client(HTTP_HOST=host(store), HTTP_AUTHORIZATION=f"Bearer {token}")


def office(user: User) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {user_api_token_create(user=user)}")


def _state(body: dict) -> dict[str, tuple[bool, bool]]:
    return {row["purpose"]: (row["granted"], row["in_effect"]) for row in body["consents"]}


def test_a_customer_reads_grants_and_withdraws_consents(store, customer):
    client = buyer(store, customer)
    body = client.get(f"{BASE}/consents").json()
    assert _state(body)["marketing_email"] == (False, False)
    assert body["restricted"] is False and body["policy_to_accept"] is None
    assert "privacy_policy" not in _state(body)

    response = client.put(
        f"{BASE}/consents/marketing_email", {"granted": True, "evidence": "Email me offers"}, "application/json"
    )
    assert response.status_code == 200
    assert _state(response.json())["marketing_email"] == (True, True)
    assert consents.processing_allowed(purpose=ConsentPurpose.MARKETING_EMAIL, customer=customer)
    record = ConsentRecord.objects.filter(customer=customer, purpose="marketing_email").last()
    assert (record.channel, record.evidence) == ("api", "Email me offers")

    response = client.put(f"{BASE}/consents/marketing_email", {"granted": False}, "application/json")
    assert _state(response.json())["marketing_email"] == (False, False)
    assert not consents.processing_allowed(purpose=ConsentPurpose.MARKETING_EMAIL, customer=customer)

    # A restriction shows as granted but not in effect.
    client.put(f"{BASE}/consents/personalisation", {"granted": True}, "application/json")
    consents.restriction_start(customer=customer, actor=Actor.customer(customer))
    body = client.get(f"{BASE}/consents").json()
    assert body["restricted"] is True and _state(body)["personalisation"] == (True, False)


def test_bad_input_changes_nothing(store, customer):
    client = buyer(store, customer)
    before = ConsentRecord.objects.count()
    for purpose in ("privacy_policy", "guardian", "spam"):
        assert client.put(f"{BASE}/consents/{purpose}", {"granted": True}, "application/json").status_code == 404
    for body in ({}, {"granted": "perhaps"}, [1], {"granted": True, "evidence": "x" * 6000}):
        response = client.put(f"{BASE}/consents/marketing_email", body, "application/json")
        assert response.status_code in (400, 422), body
    assert Client(HTTP_HOST=host(store)).get(f"{BASE}/consents").status_code == 401
    assert ConsentRecord.objects.count() == before


def test_the_store_policy_and_accepting_a_major_change(store, customer):
    client = buyer(store, customer)
    assert client.get(f"{BASE}/policy").status_code == 404
    customer.created_at = customer.created_at.replace(year=customer.created_at.year - 1)
    type(customer).objects.filter(store_id=store.pk, pk=customer.pk).update(created_at=customer.created_at)
    draft = policies.policy_draft_save(
        store=store, title="Privacy", body="Text", is_major=True, author=None, actor=Actor.system()
    )
    policies.policy_publish(version=draft, actor=Actor.system())
    policy = Client(HTTP_HOST=host(store)).get(f"{BASE}/policy").json()
    assert (policy["version"], policy["title"], policy["is_major"]) == (1, "Privacy", True)
    assert client.get(f"{BASE}/consents").json()["policy_to_accept"] == 1

    assert client.post(f"{BASE}/policy/accept", {"version": 2}, "application/json").status_code == 400
    assert client.post(f"{BASE}/policy/accept", {"version": 0}, "application/json").status_code in (400, 422)
    response = client.post(f"{BASE}/policy/accept", {"version": 1}, "application/json")
    assert response.status_code == 200 and response.json()["policy_to_accept"] is None
    # The platform host does not serve the store's endpoints.
    assert Client().get(f"{BASE}/policy").status_code == 404


def test_another_stores_customer_token_does_not_work_here(store, customer):
    other = make_merchant().store
    token = customer_api_token_create(customer=customer)
    client = Client(HTTP_HOST=host(other), HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get(f"{BASE}/consents").status_code == 401


def test_a_merchant_writes_and_publishes_the_policy_by_role(store, merchant, customer):
    owner = office(merchant.user)
    url = f"{OFFICE}/policy/drafts?store={store.handle}"
    response = owner.post(url, {"title": "Our policy", "body": "Text", "is_major": False}, "application/json")
    assert response.status_code == 201
    draft = response.json()
    assert (draft["version"], draft["published_at"]) == (1, None)
    assert owner.post(url, {"title": "", "body": ""}, "application/json").status_code == 400

    versions = owner.get(f"{OFFICE}/policy/versions?store={store.handle}").json()
    assert [v["version"] for v in versions] == [1]
    publish = f"{OFFICE}/policy/versions/{draft['id']}/publish?store={store.handle}"
    response = owner.post(publish)
    assert response.status_code == 200 and response.json()["published_at"]
    assert owner.post(publish).status_code == 400  # already published
    assert owner.post(f"{OFFICE}/policy/versions/99999999999/publish?store={store.handle}").status_code == 404

    # Staff read but do not write; another merchant sees nothing.
    clerk = make_merchant().user
    Membership.objects.create(store=store, user=clerk, role=Role.STAFF)
    staff = office(clerk)
    assert staff.get(f"{OFFICE}/policy/versions?store={store.handle}").status_code == 200
    assert staff.post(url, {"title": "Mine", "body": "Text"}, "application/json").status_code == 403
    stranger = office(make_merchant().user)
    assert stranger.get(f"{OFFICE}/policy/versions?store={store.handle}").status_code == 404
    assert stranger.post(publish).status_code == 404
    assert PolicyVersion.objects.filter(store=store).count() == 1
