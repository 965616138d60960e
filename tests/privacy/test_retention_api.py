"""The retention API (/merchant/privacy/retention): the table, the store's periods within bounds, operators' reports."""

from __future__ import annotations

import pytest
from django.test import Client

from shopwright.core.models import AuditEntry
from shopwright.privacy.models import RetentionOverride
from shopwright.privacy.retention import retention_purge
from shopwright.stores.models import Membership, Role, Store, User
from shopwright.stores.services import user_api_token_create
from tests.factories import make_merchant

pytestmark = pytest.mark.django_db
URL = "/api/v1/merchant/privacy/retention"


def office(user: User) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {user_api_token_create(user=user)}")


def _put(client: Client, handle: str, body: object):  # type: ignore[no-untyped-def]
    return client.put(f"{URL}?store={handle}", body, content_type="application/json")


def test_the_owner_reads_and_sets_periods_and_the_age_gate() -> None:
    merchant = make_merchant()
    store, owner = merchant.store, office(merchant.user)

    table = owner.get(f"{URL}?store={store.handle}")
    assert table.status_code == 200
    rules = {row["key"]: row for row in table.json()["rules"]}
    assert (rules["transaction"]["default_days"], rules["transaction"]["min_days"]) == (1095, 1095)
    assert rules["sessions"]["editable"] is False
    assert table.json()["ask_date_of_birth"] is True

    done = _put(owner, store.handle, {"periods": {"transaction": 1500, "emails": None}, "ask_date_of_birth": False})

    assert done.status_code == 200
    rules = {row["key"]: row for row in done.json()["rules"]}
    assert (rules["transaction"]["store_days"], rules["transaction"]["days"]) == (1500, 1500)
    assert done.json()["ask_date_of_birth"] is False
    assert Store.objects.get(pk=store.pk).ask_date_of_birth is False
    assert AuditEntry.objects.filter(action="retention.update", store_id=store.pk).count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"periods": {"transaction": 365}}, "transaction"),
        ({"periods": {"transaction": 1500, "emails": 9999}}, "emails"),
        ({"periods": {"sessions": 5}}, "sessions"),
        ({"periods": {"nonsense": 5}}, "nonsense"),
    ],
)
def test_out_of_bounds_or_unknown_periods_are_refused_and_nothing_changes(body, field) -> None:
    merchant = make_merchant()
    response = _put(office(merchant.user), merchant.store.handle, body)
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not RetentionOverride.objects.filter(store=merchant.store).exists()


def test_staff_get_403_and_strangers_404() -> None:
    merchant = make_merchant()
    stranger = make_merchant().user
    helper = make_merchant().user
    Membership.objects.create(store=merchant.store, user=helper, role=Role.STAFF)

    assert office(helper).get(f"{URL}?store={merchant.store.handle}").status_code == 403
    assert _put(office(helper), merchant.store.handle, {"periods": {"transaction": 2000}}).status_code == 403
    assert office(stranger).get(f"{URL}?store={merchant.store.handle}").status_code == 404
    assert office(stranger).get(f"{URL}?store=no-such-store").status_code == 404
    assert Client().get(f"{URL}?store={merchant.store.handle}").status_code == 401
    assert _put(office(merchant.user), merchant.store.handle, [1, 2]).status_code == 400
    assert not RetentionOverride.objects.filter(store=merchant.store).exists()


def test_only_operators_read_the_purge_reports() -> None:
    retention_purge()
    operator = make_merchant().user
    User.objects.filter(pk=operator.pk).update(is_staff=True)
    operator.refresh_from_db()

    reports = office(operator).get(f"{URL}/purges")

    assert reports.status_code == 200
    (report,) = reports.json()
    assert report["counts"]["orders_anonymised"] == 0 and report["seconds"] is not None
    assert office(make_merchant().user).get(f"{URL}/purges").status_code == 404
