"""Import jobs whose worker dies: the sweep queues them again, the job resumes, and gives up after MAX_ATTEMPTS."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from django.db import OperationalError
from django.utils import timezone

from shopwright.catalog import imports, tasks
from shopwright.catalog.imports import (
    MAX_ATTEMPTS,
    STALL_AFTER,
    import_apply,
    import_confirm,
    import_preview_create,
    import_requeue_stalled,
)
from shopwright.catalog.models import ImportJob, Product
from shopwright.core.audit import Actor
from shopwright.core.models import AuditEntry
from shopwright.stores.models import Store
from tests.catalog.csv_helpers import csv_bytes, shirt_rows
from tests.stores.helpers import platform_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    settings.SHOPWRIGHT_IMPORT_DIR = str(tmp_path / "imports")
    return tmp_path / "imports"


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    # Three batches: the linen shirt (4 rows), the second shirt (4), the mug (1).
    monkeypatch.setattr(imports, "BATCH_ROWS", 4)


class WorkerKilled(BaseException):
    """What a SIGKILL looks like from inside the job: it stops mid-way, and no `except Exception` sees it."""


def _started(store: Store, actor: Actor) -> ImportJob:
    rows = shirt_rows() + shirt_rows(handle="second", sku_prefix="B") + [{"handle": "mug", "title": "M", "price": "1"}]
    plan, job = import_preview_create(store=store, actor=actor, data=csv_bytes(rows), file_name="catalog.csv")
    assert plan.valid and job is not None
    return import_confirm(store=store, actor=actor, job=job, queue=False)


def _killed_after_first_batch(store: Store, job: ImportJob) -> ImportJob:
    def die(done: int, total: int) -> None:
        if done == 4:
            raise WorkerKilled

    with pytest.raises(WorkerKilled):
        import_apply(store_id=store.pk, job_id=job.pk, progress=die)
    return ImportJob.objects.get(store=store, pk=job.pk)


def _silent_since(store: Store, job: ImportJob, when: datetime) -> None:
    ImportJob.objects.filter(store=store, pk=job.pk).update(heartbeat_at=when)


def _long_ago() -> datetime:
    return timezone.now() - STALL_AFTER - timezone.timedelta(minutes=1)


def _created_audits(store: Store) -> list[str]:
    entries = AuditEntry.objects.filter(store_id=store.pk, action="catalog.product_create")
    return sorted(e.object_id for e in entries)


def _handles(store: Store) -> list[str]:
    return sorted(Product.objects.filter(store=store).values_list("handle", flat=True))


def test_a_job_whose_worker_died_is_queued_again_by_the_sweep_and_finishes_once(
    store: Store,
    actor: Actor,
    django_capture_on_commit_callbacks: Callable,  # type: ignore[type-arg]
) -> None:
    job = _killed_after_first_batch(store, _started(store, actor))
    assert (job.status, job.processed_rows, job.attempts) == (ImportJob.Status.RUNNING, 4, 1)
    assert job.heartbeat_at is not None
    assert _handles(store) == ["linen-shirt"]

    # A worker that beat recently may still be working: the sweep leaves it alone.
    with django_capture_on_commit_callbacks(execute=True) as queued:
        assert import_requeue_stalled().requeued == []
    assert queued == []

    _silent_since(store, job, _long_ago())
    with django_capture_on_commit_callbacks(execute=True) as queued:
        swept = import_requeue_stalled()
    assert (swept.requeued, swept.failed) == ([job.pk], [])
    assert queued, "the job went back to the queue"

    # The queued task ran (Huey runs tasks at once in tests) and resumed after the committed batch.
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.total_rows, job.attempts) == (ImportJob.Status.DONE, 9, 9, 2)
    assert (job.created_count, job.updated_count) == (3, 0)
    assert _handles(store) == ["linen-shirt", "mug", "second"]
    # Each product was written once: the batch the dead worker committed was not applied again.
    assert len(_created_audits(store)) == 3
    assert job.stored_file == ""


def test_a_job_that_keeps_dying_ends_failed_and_its_page_stops_waiting(
    store: Store,
    actor: Actor,
    django_capture_on_commit_callbacks: Callable,  # type: ignore[type-arg]
) -> None:
    job = _started(store, actor)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        job = _killed_after_first_batch(store, job) if attempt == 1 else job
        if attempt > 1:
            # The re-queued run dies too, before it commits anything.
            with pytest.raises(WorkerKilled):
                import_apply(store_id=store.pk, job_id=job.pk, progress=_die_at_once)
        job.refresh_from_db()
        assert (job.status, job.attempts) == (ImportJob.Status.RUNNING, attempt)
        _silent_since(store, job, _long_ago())
        with django_capture_on_commit_callbacks(execute=False):
            swept = import_requeue_stalled()
        if attempt < MAX_ATTEMPTS:
            assert swept.requeued == [job.pk]
    assert (swept.requeued, swept.failed) == ([], [job.pk])

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.finished_at is not None
    assert f"stopped {MAX_ATTEMPTS} times" in job.errors[-1]["message"]
    assert job.processed_rows == 4  # what was committed stays, and is reported
    browser = platform_client(store.owner)
    progress = browser.get(f"/office/catalog/import/{job.pk}/progress/").json()
    assert (progress["status"], progress["finished"]) == ("failed", True)
    page = browser.get(f"/office/catalog/import/{job.pk}/").content.decode()
    assert "data-import-poll" not in page and "Failed" in page

    # A retry that turns up late does nothing.
    assert import_apply(store_id=store.pk, job_id=job.pk) is not None
    assert ImportJob.objects.get(store=store, pk=job.pk).status == ImportJob.Status.FAILED


def _die_at_once(done: int, total: int) -> None:
    raise WorkerKilled


def test_a_worker_thought_dead_that_wakes_up_writes_nothing_over_the_new_run(store: Store, actor: Actor) -> None:
    job = _started(store, actor)

    def stall_then_wake(done: int, total: int) -> None:
        if done != 4:
            return
        # While this worker hangs after its first batch, the sweep gives the job to another, which finishes it.
        _silent_since(store, job, _long_ago())
        assert import_requeue_stalled().requeued == [job.pk]
        finished = import_apply(store_id=store.pk, job_id=job.pk)
        assert finished is not None and finished.status == ImportJob.Status.DONE

    result = import_apply(store_id=store.pk, job_id=job.pk, progress=stall_then_wake)

    # The woken worker's next batch was refused and rolled back; the job is as the new run left it.
    assert result is not None
    assert (result.status, result.attempts, result.processed_rows) == (ImportJob.Status.DONE, 2, 9)
    assert (result.created_count, result.updated_count) == (3, 0)
    assert len(_created_audits(store)) == 3
    finished = AuditEntry.objects.filter(store_id=store.pk, action="catalog.import_finished")
    assert finished.count() == 1


def test_an_error_in_the_queued_task_leaves_the_job_running_for_huey_s_retry(
    store: Store, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = _started(store, actor)
    real_chunk = imports._apply_chunk
    calls = {"n": 0}

    def flaky_chunk(**kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise OperationalError("server closed the connection unexpectedly")
        return real_chunk(**kwargs)

    monkeypatch.setattr(imports, "_apply_chunk", flaky_chunk)
    with pytest.raises(OperationalError):
        import_apply(store_id=store.pk, job_id=job.pk, retry_on_error=True)
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.attempts) == (ImportJob.Status.RUNNING, 4, 1)

    retried = import_apply(store_id=store.pk, job_id=job.pk, retry_on_error=True)
    assert retried is not None
    assert (retried.status, retried.processed_rows, retried.created_count) == (ImportJob.Status.DONE, 9, 3)
    assert len(_created_audits(store)) == 3


def test_on_its_last_attempt_an_error_fails_the_job_instead_of_asking_for_a_retry(
    store: Store, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = _started(store, actor)
    ImportJob.objects.filter(store=store, pk=job.pk).update(status=ImportJob.Status.RUNNING, attempts=MAX_ATTEMPTS - 1)

    def broken_chunk(**kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("still down")

    monkeypatch.setattr(imports, "_apply_chunk", broken_chunk)
    done = import_apply(store_id=store.pk, job_id=job.pk, retry_on_error=True)
    assert done is not None
    assert (done.status, done.attempts) == (ImportJob.Status.FAILED, MAX_ATTEMPTS)
    assert "unexpected error" in done.errors[-1]["message"]


def test_the_task_retries_with_back_off_and_the_sweep_runs_every_five_minutes() -> None:
    task = tasks.import_apply_task.task_class
    # The first run and its retries together never exceed the job's attempts.
    assert task.default_retries == MAX_ATTEMPTS - 1
    assert task.default_retry_delay > 0 and task.default_retry_backoff > 1
    sweep = tasks.import_requeue_stalled_task.task_class()
    assert all(sweep.validate_datetime(datetime(2026, 1, 1, 3, minute)) for minute in (0, 5, 30, 55))
    assert not any(sweep.validate_datetime(datetime(2026, 1, 1, 3, minute)) for minute in (1, 7, 41))


def test_the_sweep_looks_at_every_store_and_only_at_running_jobs(
    store: Store,
    other_store: Store,
    actor: Actor,
    django_capture_on_commit_callbacks: Callable,  # type: ignore[type-arg]
) -> None:
    ours = _killed_after_first_batch(store, _started(store, actor))
    theirs = _killed_after_first_batch(other_store, _started(other_store, Actor.user(other_store.owner)))
    waiting = _started(store, actor)  # queued, never taken: not a dead worker's job
    for job in (ours, theirs, waiting):
        ImportJob.objects.filter(store_id=job.store_id, pk=job.pk).update(heartbeat_at=_long_ago())
    with django_capture_on_commit_callbacks(execute=True):
        swept = import_requeue_stalled()
    assert sorted(swept.requeued) == sorted([ours.pk, theirs.pk])
    assert ImportJob.objects.get(store=store, pk=ours.pk).status == ImportJob.Status.DONE
    assert ImportJob.objects.get(store=other_store, pk=theirs.pk).status == ImportJob.Status.DONE
    assert ImportJob.objects.get(store=store, pk=waiting.pk).status == ImportJob.Status.QUEUED
    assert _handles(other_store) == ["linen-shirt", "mug", "second"]
