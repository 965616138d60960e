"""Erasure of a realistic customer: locked at once, erased from the data map, nothing left but restricted orders."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from django.db import connection, connections

from shopwright.core.audit import Actor
from shopwright.core.models import AuditEntry, Email
from shopwright.customers.models import Address, Customer
from shopwright.orders.models import Order
from shopwright.privacy import erasure, residue
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


def test_an_erasure_that_fails_halfway_finishes_when_run_again(store, monkeypatch):
    customer, facts = make_rich_customer(store)
    request = deletion_request(store, customer)
    real = erasure._delete_rows
    calls = {"n": 0}

    def failing(model, subject, pks):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("the worker died")
        return real(model, subject, pks)

    monkeypatch.setattr(erasure, "_delete_rows", failing)
    monkeypatch.setattr("shopwright.privacy.engine_tasks.erasure_run_task", lambda request_id: None)
    erasure.erasure_start(request=request, actor=Actor.system())
    with pytest.raises(RuntimeError):
        erasure.erasure_run(request_id=request.pk)
    request.refresh_from_db()
    assert request.status == RequestStatus.IN_PROGRESS
    assert request.erasure_progress["steps"], "some steps were done and saved before the failure"
    assert Customer.objects.filter(store=store, pk=customer.pk).exists()  # the root goes last
    # The account is locked already: no sign-in, no session.
    assert facts.client is not None and facts.client.get("/account/").status_code == 302

    monkeypatch.setattr(erasure, "_delete_rows", real)
    erasure.erasure_run(request_id=request.pk)
    request.refresh_from_db()
    assert request.status == RequestStatus.COMPLETED
    assert request.residue_report["clean"], request.residue_report
    assert not Customer.objects.filter(store=store, pk=customer.pk).exists()
    assert "identifiers" not in request.erasure_progress and "subject" not in request.erasure_progress


def test_a_second_run_while_one_runs_is_refused(store, monkeypatch):
    customer, _facts = make_rich_customer(store, sign_in=False)
    request = deletion_request(store, customer)
    monkeypatch.setattr("shopwright.privacy.engine_tasks.erasure_run_task", lambda request_id: None)
    erasure.erasure_start(request=request, actor=Actor.system())
    with _running_elsewhere(request.pk), pytest.raises(erasure.ErasureRunning):
        erasure.erasure_run(request_id=request.pk)
    assert Customer.objects.filter(store=store, pk=customer.pk).exists()


@contextlib.contextmanager
def _running_elsewhere(request_id: int) -> Iterator[None]:
    """Another worker runs the erasure: on PostgreSQL its own session holds the lock."""
    if connection.vendor != "postgresql":
        with erasure._single_run(request_id):
            yield
        return
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [0x5E7A, request_id])
        yield
    finally:
        other.close()


def test_the_residue_scan_finds_a_subject_that_was_not_erased(store):
    customer, facts = make_rich_customer(store, sign_in=False)
    identifiers = residue.subject_identifiers(DataSubject.for_customer(customer))
    report = residue.residue_scan(identifiers)
    assert not report["clean"]
    places = {(f["where"], f["column"]) for f in report["findings"]}
    assert ("table customers_customer", "email_index") in places
    assert ("table orders_order", "email_index") in places
    assert ("media", "file name") in places  # the avatar
    assert any(where == "subject graph" for where, _ in places)
    assert facts.email not in str(report) and facts.name not in str(report)


def test_a_merchant_who_owns_an_open_store_cannot_be_erased(store):
    owner = store.owner
    request = DataRequest.objects.create(
        kind=RequestKind.DELETION, status=RequestStatus.IN_PROGRESS, channel=RequestChannel.ACCOUNT, user=owner
    )
    with pytest.raises(erasure.ErasureRefused, match="owns a store"):
        erasure.erasure_start(request=request, actor=Actor.system())
    owner.refresh_from_db()
    assert owner.is_active and owner.has_usable_password()


def test_a_merchant_of_a_closed_store_is_erased_and_the_store_keeps_a_placeholder_owner(store):
    from django.utils import timezone

    from shopwright.stores.models import Store, User

    owner = store.owner
    Store.objects.filter(pk=store.pk).update(closed_at=timezone.now())
    request = DataRequest.objects.create(
        kind=RequestKind.DELETION, status=RequestStatus.IN_PROGRESS, channel=RequestChannel.ACCOUNT, user=owner
    )
    erasure.erasure_start(request=request, actor=Actor.system())
    request.refresh_from_db()
    assert request.status == RequestStatus.COMPLETED
    assert not User.objects.filter(pk=owner.pk).exists()
    store.refresh_from_db()
    assert store.owner_id != owner.pk and not store.owner.is_active
