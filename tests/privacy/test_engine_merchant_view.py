"""A merchant sees no more of an erased customer than "Deleted customer" on the old orders."""

from __future__ import annotations

import pytest

from shopwright.core.audit import Actor
from shopwright.core.models import AuditEntry
from shopwright.orders.models import Order
from shopwright.privacy import erasure
from shopwright.privacy.subjects import DataSubject
from tests.factories import make_merchant
from tests.privacy_factories import make_rich_customer
from tests.stores.helpers import platform_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _exports(settings, tmp_path):
    settings.PRIVATE_EXPORT_ROOT = str(tmp_path / "exports")


def test_old_orders_show_deleted_customer_and_nothing_of_the_buyer():
    store = make_merchant().store
    customer, facts = make_rich_customer(store, sign_in=False)
    erasure.subject_lock(DataSubject.for_customer(customer))
    erasure.subject_erase(DataSubject.for_customer(customer))
    order = Order.objects.get(store=store, pk=facts.order_ids[0])
    owner = platform_client(store.owner)

    listing = owner.get("/office/orders/").content.decode()
    assert f">#{order.number}<" in listing and "Deleted customer" in listing
    detail = owner.get(f"/office/orders/{order.number}/").content.decode()
    assert "Deleted customer" in detail and "reveal-button" not in detail
    masked_email = facts.email[0]
    for text in (facts.email, facts.real_name, facts.street, "JJD00", f"{masked_email}***@"):
        assert text not in detail, text

    reveals = AuditEntry.objects.filter(action="order.customer_revealed").count()
    refused = owner.post(f"/office/orders/{order.number}/reveal/")
    assert refused.status_code == 403
    body = refused.content.decode()
    assert "nothing to reveal" in body and facts.email not in body and facts.street not in body
    assert AuditEntry.objects.filter(action="order.customer_revealed").count() == reveals

    # Searching by the old email finds nothing.
    search = owner.get("/office/orders/", {"q": facts.email}).content.decode()
    assert f">#{order.number}<" not in search


def test_export_and_one_time_download(settings):
    from shopwright.privacy import exports
    from shopwright.privacy.models import DataRequest, RequestChannel, RequestKind, RequestStatus

    store = make_merchant().store
    customer, facts = make_rich_customer(store, sign_in=False)
    data = exports.subject_data(DataSubject.for_customer(customer))
    assert {"profile", "addresses", "orders", "consents", "sharing_ledger", "favourites", "cart", "emails"} <= set(data)
    assert data["profile"][0]["email"] == facts.email and "password" not in data["profile"][0]
    assert any(r.get("email") == facts.email for r in data["orders"] if r["_type"] == "order")
    assert len([r for r in data["orders"] if r["_type"] == "order"]) == 3  # two as a customer, one as a guest

    request = DataRequest.objects.create(
        store=store,
        kind=RequestKind.EXPORT,
        status=RequestStatus.IN_PROGRESS,
        channel=RequestChannel.ACCOUNT,
        customer=customer,
        subject_email=customer.email,
    )
    archive = exports.export_build(request=request)
    token = exports.export_link_issue(archive=archive)
    _archive, stream, filename = exports.export_open(token=token)
    import io
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(stream.read())).namelist()
    assert "README.txt" in names and "orders.json" in names and filename.endswith(".zip")
    with pytest.raises(exports.NotFound):
        exports.export_open(token=token)  # used twice: refused
    archive.refresh_from_db()
    assert archive.deleted_at is not None


def test_erasure_start_is_audited_and_locks_at_once(django_capture_on_commit_callbacks):
    from shopwright.privacy.models import DataRequest, RequestChannel, RequestKind, RequestStatus

    store = make_merchant().store
    customer, facts = make_rich_customer(store)
    request = DataRequest.objects.create(
        store=store,
        kind=RequestKind.DELETION,
        status=RequestStatus.IN_PROGRESS,
        channel=RequestChannel.ACCOUNT,
        customer=customer,
        subject_email=customer.email,
    )
    with django_capture_on_commit_callbacks(execute=False):
        erasure.erasure_start(request=request, actor=Actor.system())
    customer.refresh_from_db()
    assert not customer.is_active and customer.erasure_locked_at is not None
    assert facts.client is not None and facts.client.get("/account/").status_code == 302
    assert AuditEntry.objects.filter(action="privacy.erasure_started", object_id=str(request.pk)).exists()
