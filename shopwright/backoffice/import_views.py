"""Back-office CSV import and export (/office/catalog/import/).

Upload → the whole file is checked (`catalog.imports.import_preview_create`):
an invalid file re-renders the upload page with status 400 and the error
report, writing nothing; a valid one leads to its preview page, whose
"Confirm import" queues the job. While the job runs, the page polls a small
JSON endpoint (import.js) and shows a progress bar; without JavaScript a
link reloads it. Jobs are looked up within the current store, so another
store's job id is a 404.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shopwright.backoffice.views import StorePageRequest, _ctx, store_page
from shopwright.catalog import imports
from shopwright.catalog.csv_io import (
    COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    REQUIRED_COLUMNS,
    CsvIssue,
    export_text,
    read_upload,
)
from shopwright.catalog.models import ImportJob
from shopwright.core.audit import Actor
from shopwright.core.exceptions import ApplicationError, NotFound


class UploadForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="UTF-8, one row per variant, at most 10 MB and 50,000 rows.")


# Room for the form's other fields and the multipart boundaries around the file.
_FORM_OVERHEAD_BYTES = 64 * 1024


def _body_too_large(request: StorePageRequest) -> bool:
    """Refuse an oversized upload by its declared length, before Django spools it to disk."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > MAX_FILE_BYTES + _FORM_OVERHEAD_BYTES


def _job(request: StorePageRequest, job_id: int) -> ImportJob:
    try:
        return imports.import_job_get(store=request.membership.store, job_id=job_id)
    except NotFound as exc:
        raise Http404 from exc


def _import_page(
    request: StorePageRequest, form: UploadForm, plan: imports.ImportPlan | None, status: int
) -> HttpResponse:
    return render(
        request,
        "backoffice/catalog/import.html",
        _ctx(
            request,
            form=form,
            plan=plan,
            jobs=imports.import_jobs_recent(store=request.membership.store),
            columns=COLUMNS,
            required_columns=REQUIRED_COLUMNS,
            max_megabytes=MAX_FILE_BYTES // (1024 * 1024),
            max_rows=MAX_ROWS,
        ),
        status=status,
    )


@store_page()
@require_http_methods(["GET", "POST"])
def import_start(request: StorePageRequest) -> HttpResponse:
    if request.method != "POST":
        return _import_page(request, UploadForm(), None, 200)
    if _body_too_large(request):
        form = UploadForm(data={})  # bound, so it can carry the message; the body is never parsed
        form.errors["file"] = form.error_class([f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB."])
        return _import_page(request, form, None, 400)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, form, None, 400)
    upload = form.cleaned_data["file"]
    plan, job = imports.import_preview_create(
        store=request.membership.store,
        actor=Actor.user(request.user),
        data=read_upload(upload),
        file_name=upload.name or "upload.csv",
    )
    if job is None:
        return _import_page(request, UploadForm(), plan, 400)
    return redirect("backoffice:catalog_import_job", job_id=job.pk)


def _progress(job: ImportJob) -> dict[str, object]:
    return {
        "status": job.status,
        "status_label": job.get_status_display(),
        "processed_rows": job.processed_rows,
        "total_rows": job.total_rows,
        "created": job.created_count,
        "updated": job.updated_count,
        "finished": job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED),
    }


@store_page()
@require_GET
def import_job(request: StorePageRequest, job_id: int) -> HttpResponse:
    job = _job(request, job_id)
    issues = [CsvIssue.from_dict(e) for e in job.errors]
    return render(
        request,
        "backoffice/catalog/import_job.html",
        _ctx(
            request,
            job=job,
            progress=_progress(job),
            errors=[i for i in issues if not i.warning],
            warnings=[i for i in issues if i.warning],
            is_preview=job.status == ImportJob.Status.PREVIEW,
            is_running=job.status in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING),
        ),
    )


@store_page()
@require_GET
def import_job_progress(request: StorePageRequest, job_id: int) -> JsonResponse:
    return JsonResponse(_progress(_job(request, job_id)))


@store_page()
@require_POST
def import_job_confirm(request: StorePageRequest, job_id: int) -> HttpResponse:
    job = _job(request, job_id)
    try:
        imports.import_confirm(store=request.membership.store, actor=Actor.user(request.user), job=job)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The import has started.")
    return redirect("backoffice:catalog_import_job", job_id=job.pk)


@store_page()
@require_POST
def import_job_discard(request: StorePageRequest, job_id: int) -> HttpResponse:
    job = _job(request, job_id)
    try:
        imports.import_discard(store=request.membership.store, actor=Actor.user(request.user), job=job)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("backoffice:catalog_import_job", job_id=job.pk)
    messages.success(request, "The import is discarded; nothing was changed.")
    return redirect("backoffice:catalog_import")


@store_page()
@require_GET
def catalog_export(request: StorePageRequest) -> StreamingHttpResponse:
    """The whole catalog as CSV, streamed in batches (memory and queries do not grow with the catalog)."""
    store = request.membership.store
    response = StreamingHttpResponse(
        (chunk.encode() for chunk in export_text(store=store)), content_type="text/csv; charset=utf-8"
    )
    name = f"{store.handle}-products-{timezone.now():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
