"""Erasure of a realistic customer: locked at once, erased from the data map, nothing left but restricted orders."""

from __future__ import annotations

import pytest

from shopwright.core.audit import Actor
from shopwright.core.models import AuditEntry, Email
from shopwright.customers.models import Address, Customer
from shopwright.orders.models import Order
from shopwright.privacy import erasure
from shopwright.privacy.models import (
    ConsentRecord,
    DataRequest,
    RequestChannel,
    RequestKind,
    RequestStatus,
    SessionLink,
    SharingRecord,
)
from shopwright.privacy.subjects import DataSubject
from shopwright.storefront.models import Favourite
from tests.factories import make_merchant
from tests.privacy_factories import make_rich_customer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _exports(settings, tmp_path):
    settings.PRIVATE_EXPORT_ROOT = str(tmp_path / "exports")


@pytest.fixture
def store():
    return make_merchant().store


def deletion_request(store, customer) -> DataRequest:
    return DataRequest.objects.create(
        store=store,
        kind=RequestKind.DELETION,
        status=RequestStatus.IN_PROGRESS,
        channel=RequestChannel.ACCOUNT,
        customer=customer,
        subject_email=customer.email,
    )


def test_erasure_leaves_only_restricted_orders_and_a_clean_residue_report(store, django_capture_on_commit_callbacks):
    customer, facts = make_rich_customer(store)
    request = deletion_request(store, customer)
    with django_capture_on_commit_callbacks(execute=True):
        erasure.erasure_start(request=request, actor=Actor.system())
    request.refresh_from_db()
    assert request.status == RequestStatus.COMPLETED
    assert request.residue_report["clean"], request.residue_report
    assert not Customer.objects.filter(store=store, pk=customer.pk).exists()
    assert not Address.objects.filter(store=store, pk__in=facts.address_ids).exists()
    assert not Favourite.objects.filter(store=store, customer_id=customer.pk).exists()
    assert not ConsentRecord.objects.filter(customer_id=customer.pk).exists()
    assert not SessionLink.objects.filter(customer_id=customer.pk).exists()
    orders = Order.objects.filter(store=store, pk__in=[*facts.order_ids, facts.guest_order_id])
    assert orders.count() == 3
    for order in orders:
        assert order.customer_id is None and order.email_index == "" and order.subject_erased_at is not None
        assert order.email == facts.email  # kept encrypted while the retention runs
    assert SharingRecord.objects.filter(store=store, customer_id__isnull=True, order_id=facts.order_ids[0]).exists()
    assert not AuditEntry.objects.filter(actor_type="customer", actor_id=customer.pk).exists()
    assert not Email.objects.filter(to_index__in=DataSubject.for_email(store, facts.email).email_index_candidates())
    assert request.subject_email == "" and request.customer_id is None
    # The session the customer signed in with is dead.
    assert facts.client is not None
    assert facts.client.get("/account/").status_code == 302
