"""CSV import jobs: check an upload and preview it, confirm it, apply it in batches with progress.

The flow (the back-office page and `shopwright import-products` share it):

1. `import_check` reads and checks the whole file and every product in it
   with the catalog's own validation (`catalog.validation.clean_product`, what
   `product_create`/`product_update` run before writing), and says how many
   products it would create and update. It writes nothing.
2. `import_preview_create` does the same and, when the file is valid, keeps
   it outside the public media folder and records an `ImportJob` waiting for
   confirmation. An invalid file writes nothing at all.
3. `import_confirm` queues the job (`catalog.tasks.import_apply_task`).
4. `import_apply` writes through `product_create`/`product_update`, a batch
   of rows per transaction, committing `processed_rows` with each batch so
   other connections see the progress. Products are matched by handle, so
   running it again updates instead of doubling; a job picked up again after
   a crash skips the batches it already committed. The kept file is deleted
   when the job ends.
5. A worker can die mid-job (killed, out of memory, redeployed) without
   saying so. Each run beats (`heartbeat_at`) when it takes the job and with
   every committed batch; `import_requeue_stalled`, run every few minutes,
   queues a running job whose heartbeat is older than STALL_AFTER again, and
   marks it failed once MAX_ATTEMPTS runs have taken it. Each run holds the
   job under its attempt number: a batch or an ending written by a run that
   another has since taken over is refused and rolled back, so a worker
   thought dead that wakes up cannot write over the new run.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from shopwright.catalog.csv_io import (
    CsvIssue,
    CsvProduct,
    ParsedCsv,
    ProductRows,
    existing_products,
    parse_csv,
    product_rows,
)
from shopwright.catalog.models import ImportJob
from shopwright.catalog.services import product_create, product_update
from shopwright.catalog.validation import clean_product
from shopwright.core.audit import Actor, audit_record
from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.core.models import AuditEntry
from shopwright.core.tenancy import cross_store_access
from shopwright.stores.models import Store

logger = logging.getLogger(__name__)

# Rows written per transaction: small enough that progress moves and locks are short.
BATCH_ROWS = 250
# An error report longer than this is cut (the count of the rest is kept).
MAX_REPORTED_ISSUES = 1000
# A preview nobody confirmed is dropped (with its file) after this long.
PREVIEW_LIFETIME = timedelta(hours=24)
# A running job that has not beaten for this long has lost its worker (a batch takes seconds).
STALL_AFTER = timedelta(minutes=10)
# Runs one job may have in all: the first, Huey's retries after an error and the sweep's re-queues.
MAX_ATTEMPTS = 3

ProgressCallback = Callable[[int, int], None]


@dataclass
class ImportPlan:
    """What a file would do: every problem found, and how many products it creates and updates."""

    parsed: ParsedCsv
    issues: list[CsvIssue] = field(default_factory=list)
    to_create: int = 0
    to_update: int = 0

    @property
    def errors(self) -> list[CsvIssue]:
        return [i for i in self.issues if not i.warning]

    @property
    def warnings(self) -> list[CsvIssue]:
        return [i for i in self.issues if i.warning]

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def row_count(self) -> int:
        return self.parsed.row_count


def _sorted(issues: list[CsvIssue]) -> list[CsvIssue]:
    return sorted(issues, key=lambda i: (i.row or 0, i.warning))


def import_check(*, store: Store, data: bytes) -> ImportPlan:
    """Check the file and every product in it; nothing is written."""
    parsed = parse_csv(data)
    plan = ImportPlan(parsed=parsed, issues=list(parsed.issues))
    if any(i.row is None and not i.warning for i in parsed.issues) or not parsed.products:
        if not parsed.products and not parsed.errors:
            plan.issues.append(CsvIssue(None, "", "The file has a header but no product rows."))
        plan.issues = _sorted(plan.issues)
        return plan
    for chunk in _chunks(parsed.products):
        existing = existing_products(store=store, handles=[p.handle for p in chunk])
        for product in chunk:
            rows = product_rows(product, columns=parsed.columns, existing=existing.get(product.handle))
            plan.issues.extend(rows.issues)
            try:
                clean_product(store=store, data=rows.data, product=rows.existing)
            except ApplicationError as exc:
                plan.issues.extend(rows.service_issues(exc, known=parsed.issues))
            if rows.existing is None:
                plan.to_create += 1
            else:
                plan.to_update += 1
    plan.issues = _sorted(plan.issues)
    return plan


def _chunks(products: list[CsvProduct]) -> Iterator[list[CsvProduct]]:
    """Products in file order, grouped so each group has at most BATCH_ROWS rows (or one larger product)."""
    rows = BATCH_ROWS
    batch: list[CsvProduct] = []
    count = 0
    for product in products:
        if batch and count + len(product.rows) > rows:
            yield batch
            batch, count = [], 0
        batch.append(product)
        count += len(product.rows)
    if batch:
        yield batch


# --- the kept upload ---------------------------------------------------------------------


def import_storage() -> FileSystemStorage:
    """Where uploads wait for their job: under VAR_DIR, never under the public media URL."""
    location = getattr(settings, "SHOPWRIGHT_IMPORT_DIR", None) or settings.VAR_DIR / "imports"
    return FileSystemStorage(location=location, file_permissions_mode=0o600, directory_permissions_mode=0o700)


def _delete_file_on_commit(name: str) -> None:
    if name:
        transaction.on_commit(lambda: import_storage().delete(name))


def _report(issues: list[CsvIssue]) -> list[dict[str, Any]]:
    return [i.as_dict() for i in issues[:MAX_REPORTED_ISSUES]]


# --- preview, confirm, discard ---------------------------------------------------------------


def import_preview_create(
    *, store: Store, actor: Actor, data: bytes, file_name: str
) -> tuple[ImportPlan, ImportJob | None]:
    """Check the file; when it is valid, keep it and record a job waiting for confirmation.

    An invalid file gives the plan with its errors and no job: nothing is written.
    """
    plan = import_check(store=store, data=data)
    if not plan.valid:
        return plan, None
    name = import_storage().save(f"{store.pk}/{secrets.token_hex(16)}.csv", ContentFile(data))
    try:
        with transaction.atomic():
            job = ImportJob.objects.create(
                store=store,
                created_by_id=actor.id if actor.type == AuditEntry.ActorType.USER else None,
                status=ImportJob.Status.PREVIEW,
                file_name=file_name[:200],
                stored_file=name,
                total_rows=plan.row_count,
                # Until the job runs, the counts are what the preview expects it to do.
                created_count=plan.to_create,
                updated_count=plan.to_update,
                errors=_report(plan.warnings),
            )
    except BaseException:
        import_storage().delete(name)
        raise
    return plan, job


def import_job_get(*, store: Store, job_id: int) -> ImportJob:
    """One of the store's import jobs; another store's answers the same NotFound as a missing one."""
    job = ImportJob.objects.filter(store=store, pk=job_id).first()
    if job is None:
        raise NotFound("There is no such import.")
    return job


def import_jobs_recent(*, store: Store, limit: int = 10) -> list[ImportJob]:
    return list(ImportJob.objects.filter(store=store).order_by("-created_at", "-pk")[:limit])


def import_confirm(*, store: Store, actor: Actor, job: ImportJob, queue: bool = True) -> ImportJob:
    """Start a previewed import: queue its job after commit (or leave it to the caller with `queue=False`)."""
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().filter(store=store, pk=job.pk).first()
        if locked is None:
            raise NotFound("There is no such import.")
        if locked.status != ImportJob.Status.PREVIEW:
            raise ApplicationError("This import has already been started or discarded.", code="conflict")
        locked.status = ImportJob.Status.QUEUED
        # From here on the counts are what the job has done.
        locked.created_count = 0
        locked.updated_count = 0
        locked.save(update_fields=["status", "created_count", "updated_count"])
        audit_record(
            action="catalog.import_started",
            actor=actor,
            store=store,
            obj=locked,
            details={"rows": locked.total_rows},
        )
        if queue:
            _queue_on_commit(store_id=store.pk, job_id=locked.pk)
    return locked


def _queue_on_commit(*, store_id: int, job_id: int) -> None:
    """Hand the job to a worker once the transaction that made it runnable commits."""
    from shopwright.catalog.tasks import import_apply_task

    transaction.on_commit(lambda: import_apply_task(store_id, job_id))


def import_discard(*, store: Store, actor: Actor, job: ImportJob) -> None:
    """Drop a preview nobody will confirm, and its file."""
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().filter(store=store, pk=job.pk).first()
        if locked is None:
            raise NotFound("There is no such import.")
        if locked.status != ImportJob.Status.PREVIEW:
            raise ApplicationError("Only an import waiting for confirmation can be discarded.", code="conflict")
        _delete_file_on_commit(locked.stored_file)
        locked.status = ImportJob.Status.FAILED
        locked.stored_file = ""
        locked.finished_at = timezone.now()
        locked.errors = [*locked.errors, CsvIssue(None, "", "Discarded without importing.").as_dict()]
        locked.save(update_fields=["status", "stored_file", "finished_at", "errors"])


# --- apply --------------------------------------------------------------------------------------

_OPEN = (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING)
_GAVE_UP = f"The import stopped {MAX_ATTEMPTS} times before it could finish. Upload the file again to retry."


class _Superseded(Exception):
    """Another run has taken the job over, or it has ended: this run stops and writes nothing more."""


def _claim(*, store: Store, job_id: int) -> ImportJob | None:
    """Take the job for this run: running, one more attempt, a fresh heartbeat.

    None when there is nothing to do: unknown, not started, over, or out of
    attempts (then it ends failed here).
    """
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(store=store, pk=job_id).first()
        if job is None or job.status not in _OPEN:
            return None
        if job.attempts >= MAX_ATTEMPTS:
            _finish(store=store, job=job, status=ImportJob.Status.FAILED, issue=_GAVE_UP)
            return None
        job.status = ImportJob.Status.RUNNING
        job.attempts += 1
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["status", "attempts", "heartbeat_at"])
    return job


def _actor_of(job: ImportJob) -> Actor:
    """The merchant who uploaded the file is the one who changes the products."""
    return Actor(AuditEntry.ActorType.USER, job.created_by_id) if job.created_by_id else Actor.system()


def import_apply(
    *, store_id: int, job_id: int, progress: ProgressCallback | None = None, retry_on_error: bool = False
) -> ImportJob | None:
    """Apply a confirmed import; safe to run again (see the module docstring).

    Products whose rows fail the services' checks now (the catalog changed
    since the preview) are left out and reported with their rows; the job
    still ends `done`. It ends `failed` when it cannot go on (the file is gone
    or no longer valid, or an unexpected error). With `retry_on_error` (the
    queued task, which Huey retries) an unexpected error is raised instead
    while attempts remain: the job stays running and the retry resumes it.
    """
    store = Store.objects.filter(pk=store_id).first()
    if store is None:
        return None
    job = _claim(store=store, job_id=job_id)
    if job is None:
        return ImportJob.objects.filter(store=store, pk=job_id).first()
    try:
        _apply_all(store=store, job=job, progress=progress)
    except _Superseded:
        logger.warning("catalog import %s: attempt %s was taken over and stopped", job.pk, job.attempts)
    except Exception:
        if retry_on_error and job.attempts < MAX_ATTEMPTS:
            logger.warning("catalog import %s: attempt %s stopped by an error; retrying", job.pk, job.attempts)
            raise
        logger.exception("catalog import %s stopped by an unexpected error", job.pk)
        _finish(
            store=store,
            job=job,
            status=ImportJob.Status.FAILED,
            issue="The import stopped on an unexpected error.",
            attempt=job.attempts,
        )
    job.refresh_from_db()
    return job


def _apply_all(*, store: Store, job: ImportJob, progress: ProgressCallback | None) -> None:
    storage = import_storage()
    attempt = job.attempts
    if not job.stored_file or not storage.exists(job.stored_file):
        issue = "The uploaded file is no longer there."
        _finish(store=store, job=job, status=ImportJob.Status.FAILED, issue=issue, attempt=attempt)
        return
    with storage.open(job.stored_file, "rb") as handle:
        parsed = parse_csv(handle.read())
    if not parsed.valid:
        issue = "The uploaded file is no longer valid."
        _finish(store=store, job=job, status=ImportJob.Status.FAILED, issue=issue, attempt=attempt)
        return
    actor = _actor_of(job)
    done = job.processed_rows
    issues = [CsvIssue.from_dict(e) for e in job.errors]
    if progress:
        progress(done, job.total_rows)
    skipped = 0
    for chunk in _chunks(parsed.products):
        rows_in_chunk = sum(len(p.rows) for p in chunk)
        if skipped + rows_in_chunk <= done:
            skipped += rows_in_chunk  # committed by an earlier run of this job
            continue
        with transaction.atomic():
            created, updated, failed = _apply_chunk(store=store, actor=actor, parsed=parsed, chunk=chunk)
            issues.extend(failed)
            done += rows_in_chunk
            skipped += rows_in_chunk
            # Only while this run still holds the job: else the batch rolls back with the refusal.
            if not ImportJob.objects.filter(
                store=store, pk=job.pk, status=ImportJob.Status.RUNNING, attempts=attempt
            ).update(
                processed_rows=done,
                created_count=F("created_count") + created,
                updated_count=F("updated_count") + updated,
                errors=_report(issues),
                heartbeat_at=timezone.now(),
            ):
                raise _Superseded
        if progress:
            progress(done, job.total_rows)
    if not _finish(store=store, job=job, status=ImportJob.Status.DONE, attempt=attempt):
        raise _Superseded


def _apply_chunk(
    *, store: Store, actor: Actor, parsed: ParsedCsv, chunk: list[CsvProduct]
) -> tuple[int, int, list[CsvIssue]]:
    """Write one batch; a product the services refuse is reported and skipped, the others are written."""
    existing = existing_products(store=store, handles=[p.handle for p in chunk])
    created = updated = 0
    failed: list[CsvIssue] = []
    for product in chunk:
        rows: ProductRows = product_rows(product, columns=parsed.columns, existing=existing.get(product.handle))
        if any(not i.warning for i in rows.issues):
            failed.extend(i for i in rows.issues if not i.warning)
            continue
        try:
            with transaction.atomic():
                if rows.existing is None:
                    product_create(store=store, actor=actor, data=rows.data)
                    created += 1
                else:
                    product_update(store=store, actor=actor, product=rows.existing, data=rows.data)
                    updated += 1
        except ApplicationError as exc:
            failed.extend(rows.service_issues(exc))
    return created, updated, failed


def _finish(*, store: Store, job: ImportJob, status: str, issue: str = "", attempt: int | None = None) -> bool:
    """End an open job (and delete its file); with `attempt`, only while that run still holds it. True if ended."""
    with transaction.atomic():
        current = ImportJob.objects.select_for_update().filter(store=store, pk=job.pk).first()
        if current is None or current.status not in _OPEN:
            return False
        if attempt is not None and current.attempts != attempt:
            return False
        errors = list(current.errors)
        if issue:
            errors.append(CsvIssue(None, "", issue).as_dict())
        _delete_file_on_commit(current.stored_file)
        current.status = status
        current.errors = errors
        current.stored_file = ""
        current.finished_at = timezone.now()
        current.save(update_fields=["status", "errors", "stored_file", "finished_at"])
        audit_record(
            action="catalog.import_finished",
            actor=Actor.system(),
            store=store,
            obj=current,
            details={
                "status": status,
                "rows": current.processed_rows,
                "created": current.created_count,
                "updated": current.updated_count,
                "problems": sum(1 for e in errors if not e.get("warning")),
            },
        )
    return True


def import_purge_stale() -> int:
    """Drop previews nobody confirmed within PREVIEW_LIFETIME, with their files; returns how many."""
    cutoff = timezone.now() - PREVIEW_LIFETIME
    with cross_store_access("the hourly purge looks at every store's unconfirmed previews"):
        stale = list(
            ImportJob.objects.filter(status=ImportJob.Status.PREVIEW, created_at__lt=cutoff).values_list(
                "store_id", "pk"
            )
        )
    for store_id, job_id in stale:
        with transaction.atomic():
            job = (
                ImportJob.objects.select_for_update()
                .filter(store_id=store_id, pk=job_id, status=ImportJob.Status.PREVIEW)
                .first()
            )
            if job is None:
                continue
            _delete_file_on_commit(job.stored_file)
            job.status = ImportJob.Status.FAILED
            job.stored_file = ""
            job.finished_at = timezone.now()
            job.errors = [*job.errors, CsvIssue(None, "", "Not confirmed within a day; discarded.").as_dict()]
            job.save(update_fields=["status", "stored_file", "finished_at", "errors"])
    return len(stale)


@dataclass(frozen=True)
class SweepResult:
    requeued: list[int]
    failed: list[int]


def import_requeue_stalled(*, now: datetime | None = None) -> SweepResult:
    """Queue again every running import whose worker stopped beating STALL_AFTER ago; fail those out of attempts.

    Runs every few minutes across every store (catalog.tasks). A re-queued job
    stays `running` (its page keeps showing the progress) and gets a fresh
    heartbeat, so the next sweep leaves it to the new run. A job that ran
    before heartbeats existed is judged by its age.
    """
    now = now or timezone.now()
    cutoff = now - STALL_AFTER
    silent = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
    with cross_store_access("the sweep looks at every store's running imports for a dead worker"):
        stalled = list(
            ImportJob.objects.filter(silent, status=ImportJob.Status.RUNNING)
            .order_by("pk")
            .values_list("store_id", "pk")
        )
    requeued: list[int] = []
    failed: list[int] = []
    for store_id, job_id in stalled:
        store = Store.objects.filter(pk=store_id).first()
        if store is None:
            continue
        with transaction.atomic():
            # Still silent under the lock: a run that beat since the look above is alive.
            job = (
                ImportJob.objects.select_for_update()
                .filter(silent, store=store, pk=job_id, status=ImportJob.Status.RUNNING)
                .first()
            )
            if job is None:
                continue
            if job.attempts >= MAX_ATTEMPTS:
                _finish(store=store, job=job, status=ImportJob.Status.FAILED, issue=_GAVE_UP)
                failed.append(job_id)
                continue
            job.heartbeat_at = now
            job.save(update_fields=["heartbeat_at"])
            _queue_on_commit(store_id=store_id, job_id=job_id)
            requeued.append(job_id)
    if requeued or failed:
        logger.warning("catalog imports with a dead worker: re-queued %s, failed %s", requeued, failed)
    return SweepResult(requeued=requeued, failed=failed)
