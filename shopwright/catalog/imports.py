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
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.db.models import F
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
            from shopwright.catalog.tasks import import_apply_task

            store_id, job_id = store.pk, locked.pk
            transaction.on_commit(lambda: import_apply_task(store_id, job_id))
    return locked


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


def _claim(*, store: Store, job_id: int) -> ImportJob | None:
    """Mark the job running, or None when there is nothing to do (unknown, not started, or over)."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(store=store, pk=job_id).first()
        if job is None or job.status not in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
            return None
        if job.status == ImportJob.Status.QUEUED:
            job.status = ImportJob.Status.RUNNING
            job.save(update_fields=["status"])
    return job


def _actor_of(job: ImportJob) -> Actor:
    """The merchant who uploaded the file is the one who changes the products."""
    return Actor(AuditEntry.ActorType.USER, job.created_by_id) if job.created_by_id else Actor.system()


def import_apply(*, store_id: int, job_id: int, progress: ProgressCallback | None = None) -> ImportJob | None:
    """Apply a confirmed import; safe to run again (see the module docstring).

    Products whose rows fail the services' checks now (the catalog changed
    since the preview) are left out and reported with their rows; the job
    still ends `done`. It ends `failed` only when it cannot go on (the file
    is gone or no longer valid, or an unexpected error).
    """
    store = Store.objects.filter(pk=store_id).first()
    if store is None:
        return None
    job = _claim(store=store, job_id=job_id)
    if job is None:
        return ImportJob.objects.filter(store=store, pk=job_id).first()
    try:
        _apply_all(store=store, job=job, progress=progress)
    except Exception:
        logger.exception("catalog import %s stopped by an unexpected error", job.pk)
        _finish(
            store=store, job=job, status=ImportJob.Status.FAILED, issue="The import stopped on an unexpected error."
        )
    job.refresh_from_db()
    return job


def _apply_all(*, store: Store, job: ImportJob, progress: ProgressCallback | None) -> None:
    storage = import_storage()
    if not job.stored_file or not storage.exists(job.stored_file):
        _finish(store=store, job=job, status=ImportJob.Status.FAILED, issue="The uploaded file is no longer there.")
        return
    with storage.open(job.stored_file, "rb") as handle:
        parsed = parse_csv(handle.read())
    if not parsed.valid:
        _finish(store=store, job=job, status=ImportJob.Status.FAILED, issue="The uploaded file is no longer valid.")
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
            ImportJob.objects.filter(store=store, pk=job.pk).update(
                processed_rows=done,
                created_count=F("created_count") + created,
                updated_count=F("updated_count") + updated,
                errors=_report(issues),
            )
        if progress:
            progress(done, job.total_rows)
    _finish(store=store, job=job, status=ImportJob.Status.DONE)


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


def _finish(*, store: Store, job: ImportJob, status: str, issue: str = "") -> None:
    with transaction.atomic():
        current = ImportJob.objects.select_for_update().get(store=store, pk=job.pk)
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
