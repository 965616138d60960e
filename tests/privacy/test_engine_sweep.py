"""Erasures whose worker died are picked up again; only a started deletion request erases anything."""

from __future__ import annotations

import pytest

from shopwright.core.audit import Actor
from shopwright.customers.models import Customer
from shopwright.privacy import engine_tasks, erasure
from shopwright.privacy.models import DataRequest, RequestChannel, RequestKind, RequestStatus
from tests.factories import make_customer, make_merchant

pytestmark = pytest.mark.django_db


def _request(store, customer, kind=RequestKind.DELETION, status=RequestStatus.IN_PROGRESS) -> DataRequest:  # type: ignore[no-untyped-def]
    return DataRequest.objects.create(
        store=store,
        kind=kind,
        status=status,
        channel=RequestChannel.ACCOUNT,
        customer=customer,
        subject_email=customer.email,
    )


def test_an_erasure_whose_job_was_lost_is_finished_by_the_sweep(monkeypatch):
    store = make_merchant().store
    customer = make_customer(store)
    request = _request(store, customer)
    # The worker that should run the job dies before it starts: the queued job is lost.
    monkeypatch.setattr(engine_tasks, "erasure_run_task", lambda request_id: None)
    erasure.erasure_start(request=request, actor=Actor.system())
    customer.refresh_from_db()
    assert not customer.is_active  # locked at once, but not erased
    assert erasure.erasures_stalled() == [request.pk]
    monkeypatch.undo()

    engine_tasks.erasures_resume_task.call_local()

    request.refresh_from_db()
    assert request.status == RequestStatus.COMPLETED and request.residue_report["clean"]
    assert not Customer.objects.filter(store=store, pk=customer.pk).exists()
    assert erasure.erasures_stalled() == []


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        (RequestKind.EXPORT, RequestStatus.IN_PROGRESS),
        (RequestKind.DELETION, RequestStatus.OPEN),
        (RequestKind.DELETION, RequestStatus.REFUSED),
    ],
)
def test_only_a_started_deletion_request_erases(kind, status):
    store = make_merchant().store
    customer = make_customer(store)
    request = _request(store, customer, kind=kind, status=status)
    with pytest.raises(erasure.ErasureRefused):
        erasure.erasure_run(request_id=request.pk)
    assert Customer.objects.filter(store=store, pk=customer.pk, is_active=True).exists()


def test_the_request_completes_before_the_residue_scan_and_a_scan_cut_short_is_run_by_the_sweep(monkeypatch):
    from shopwright.privacy import residue

    store = make_merchant().store
    customer = make_customer(store)
    request = _request(store, customer)
    monkeypatch.setattr(engine_tasks, "erasure_run_task", lambda request_id: None)
    erasure.erasure_start(request=request, actor=Actor.system())

    def worker_dies(identifiers):  # type: ignore[no-untyped-def]
        raise SystemExit("the worker died during the scan")

    monkeypatch.setattr(residue, "residue_scan", worker_dies)
    with pytest.raises(SystemExit):
        erasure.erasure_run(request_id=request.pk)
    request.refresh_from_db()
    # Erased and completed for the subject; the report is owed, the identifiers kept sealed for it.
    assert request.status == RequestStatus.COMPLETED and request.residue_report == {"pending": True}
    assert not Customer.objects.filter(store=store, pk=customer.pk).exists()
    assert erasure.residue_checks_pending() == [request.pk]
    monkeypatch.undo()

    engine_tasks.erasures_resume_task.call_local()

    request.refresh_from_db()
    assert request.residue_report["clean"] is True
    assert "identifiers" not in request.erasure_progress
    assert erasure.residue_checks_pending() == []


def test_the_ip_of_a_request_sent_without_an_account_is_erased_with_the_subject(monkeypatch):
    from shopwright.core.audit import audit_record
    from shopwright.core.models import AuditEntry

    store = make_merchant().store
    customer = make_customer(store)
    request = _request(store, customer)
    # The contact form: no signed-in actor, the sender's IP recorded against the request.
    entry = audit_record(
        action="privacy.request_opened", actor=Actor.anonymous(), store=store, obj=request, ip="203.0.113.9"
    )
    erasure.erasure_start(request=request, actor=Actor.system())
    erasure.erasure_run(request_id=request.pk)
    kept = AuditEntry.objects.get(pk=entry.pk)
    assert kept.ip_address == "" and kept.action == "privacy.request_opened"
