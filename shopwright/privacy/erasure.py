"""Erasing a data subject, driven by the data map: no per-model code.

`subject_lock` comes first and at once: the account cannot sign in, every
session and token dies. `subject_erase` then works through the rows that
`subjects.subject_graph` finds, deepest first, each model's rows in batches
committed one by one:

- a row of a model with a KEEP_ENCRYPTED field (an order, its payments) is
  kept while its retention runs: its personal fields stay encrypted, its
  links to the subject (fields classified NULL or ANONYMISE) are cut, and it
  is flagged `subject_erased_at` when the model has that field (restricted:
  out of merchant lists, search, exports and marketing);
- a row of a model with a DELETE field goes (files named by `files=` in the
  map are deleted from storage first, `before_delete` hooks run);
- a row with only NULL/ANONYMISE fields keeps the row and empties them;
- a row that only names the subject (a `cut` link: a store's owner, an
  audit entry's actor) gets just that field emptied.

Emptied means NULL, "" or a required link moved to the map's placeholder;
a value that must stay unique becomes a fresh random value. Nothing derived
from an identifier (hash, HMAC, token) is left: anonymisation, not
pseudonymisation.

Every step is idempotent: the graph is found again on each run, and what is
done is no longer linked. Killed at any point, `erasure_run` run again
finishes (tests/privacy/test_engine_erasure.py kills it).
"""

from __future__ import annotations

import contextlib
import json
import secrets
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.files.storage import default_storage
from django.db import connection, models, transaction
from django.utils import timezone

from shopwright.core import crypto
from shopwright.core.audit import Actor, audit_record
from shopwright.core.exceptions import ApplicationError
from shopwright.core.tenancy import cross_store_access
from shopwright.privacy import datamap
from shopwright.privacy.datamap import Category, Erasure, Retention
from shopwright.privacy.models import DataRequest, RequestKind, RequestStatus
from shopwright.privacy.subjects import (
    DataSubject,
    SubjectGraph,
    chunks,
    rows,
    subject_for_request,
    subject_graph,
    subject_scope,
)

BATCH = 500
# A run on SQLite whose heartbeat is older than this is taken for dead (PostgreSQL uses a session lock).
STALE_SECONDS = 60


class ErasureRunning(ApplicationError):
    status_code = 409
    code = "deletion_running"


class ErasureRefused(ApplicationError):
    status_code = 409
    code = "erasure_refused"


# --- the lock ---------------------------------------------------------------------


def _has_field(model: type[models.Model], name: str) -> bool:
    return any(f.name == name for f in model._meta.local_concrete_fields)


def _is_token_table(model: type[models.Model]) -> bool:
    """Sessions, API tokens, links: rows that let someone act as the subject, deleted at lock time."""
    fields = datamap.personal_fields(model)
    return datamap.row_erasure(model) == Erasure.DELETE and any(
        fc.category == Category.CREDENTIAL and fc.retention in (Retention.ACCOUNT, Retention.SHORT)
        for fc in fields.values()
    )


def subject_lock(subject: DataSubject) -> None:
    """No sign-in, no session, no token for the subject from now on; nothing else changes yet.

    The account is deactivated and marked `erasure_locked_at`, its password
    made unusable (every session's fingerprint stops matching at once), and
    every token and session row the map finds is deleted.
    """
    now = timezone.now()
    with transaction.atomic(), subject_scope(subject):
        model = subject.root_model
        if model is not None and subject.root_id is not None:
            values: dict[str, Any] = {}
            if _has_field(model, "is_active"):
                values["is_active"] = False
            if _has_field(model, "erasure_locked_at"):
                values["erasure_locked_at"] = now
            if _has_field(model, "password"):
                values["password"] = make_password(None)
            if values:
                rows(model, subject, [subject.root_id]).update(**values)
        graph = subject_graph(subject)
        for found, pks in graph.owned.items():
            if found is model or not _is_token_table(found):
                continue
            for batch in chunks(pks, BATCH):
                _delete_rows(found, subject, batch)


# --- erasing ----------------------------------------------------------------------


def _unique_fields(model: type[models.Model]) -> set[str]:
    names = {f.name for f in model._meta.local_concrete_fields if f.unique and not f.primary_key}
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint):
            names.update(constraint.fields)
    return names


def _empty_value(model: type[models.Model], field: models.Field) -> Any:
    """A value that identifies nobody for this field."""
    if isinstance(field, models.ForeignKey) and not field.null:
        stand_in = datamap.placeholder(field.related_model)
        if stand_in is None:
            raise ErasureRefused(f"{model._meta.label}.{field.name} is required and has no placeholder in the map")
        return stand_in.pk
    if field.null:
        return None
    if isinstance(field, models.CharField | models.TextField):
        return ""
    return field.get_default()


def _field_updates(
    model: type[models.Model], names: list[str], subject: DataSubject, pks: list[Any], *, flag: bool
) -> int:
    """Empty `names` on these rows (fresh random values where a unique constraint forbids equal values)."""
    if not names and not flag:
        return 0
    fields = [datamap.concrete_field(model, n) for n in names]
    unique = _unique_fields(model)
    shared: dict[str, Any] = {}
    per_row: list[models.Field] = []
    for f in fields:
        if f.name in unique and isinstance(f, models.CharField) and not f.null:
            per_row.append(f)
        else:
            shared[f.attname] = _empty_value(model, f)
    if flag:
        shared["subject_erased_at"] = timezone.now()
    qs = rows(model, subject, pks)
    # The append-only audit log's narrow path (its manager refuses any other update).
    anonymise = getattr(model._default_manager.all(), "anonymise", None)
    if anonymise is not None and not per_row and not flag:
        return int(model._default_manager.filter(pk__in=pks).anonymise(*names))  # type: ignore[attr-defined]
    count = qs.update(**shared) if shared else len(pks)
    for pk in pks if per_row else []:
        rows(model, subject, [pk]).update(
            **{f.attname: secrets.token_hex(max(8, (f.max_length or 32) // 2)) for f in per_row}
        )
    return count


def _delete_files(model: type[models.Model], subject: DataSubject, pks: list[Any]) -> None:
    names = datamap.model_entry(model).files
    if not names:
        return
    for values in rows(model, subject, pks).values_list(*names):
        for name in values:
            if name:
                default_storage.delete(name)


def _delete_rows(model: type[models.Model], subject: DataSubject, pks: list[Any]) -> int:
    qs = rows(model, subject, pks)
    for hook in datamap.before_delete_hooks(model):
        hook(qs)
    _delete_files(model, subject, pks)
    # The cascade follows foreign keys from rows already scoped to the subject's store.
    with cross_store_access("cascade from the subject's rows"):
        deleted, _ = qs.delete()
    return int(deleted)


def _check(subject: DataSubject, graph: SubjectGraph) -> None:
    for model in set(graph.owned) | set(graph.cut):
        pks = set(graph.owned.get(model, set()))
        for ids in graph.cut.get(model, {}).values():
            pks |= ids
        for check in datamap.erasure_checks(model):
            reason = check(subject, rows(model, subject, pks))
            if reason:
                raise ErasureRefused(reason)


def _steps(graph: SubjectGraph, subject: DataSubject) -> list[tuple[str, type[models.Model], str, list[Any], Any]]:
    """(step name, model, action, primary keys, detail) in the order they run: deepest first, the root last."""
    root = subject.root_model
    steps: list[tuple[str, type[models.Model], str, list[Any], Any]] = []
    order = sorted(graph.depth, key=lambda m: (-graph.depth[m], m is root, m._meta.label_lower))
    for model in order:
        label = model._meta.label_lower
        for name, pks in sorted(graph.cut.get(model, {}).items()):
            steps.append((f"cut:{label}.{name}", model, "cut", sorted(pks, key=str), name))
        owned = sorted(graph.owned.get(model, set()), key=str)
        if not owned:
            continue
        kind = datamap.row_erasure(model)
        if kind == Erasure.DELETE:
            steps.append((f"delete:{label}", model, "delete", owned, None))
        elif kind in (Erasure.KEEP_ENCRYPTED, Erasure.NULL, Erasure.ANONYMISE):
            steps.append((f"{kind.value}:{label}", model, "empty", owned, kind))
    return steps


def subject_erase(
    subject: DataSubject,
    *,
    progress: dict[str, Any] | None = None,
    on_step: Callable[[dict[str, Any]], None] | None = None,
    pause: float = 0.0,
) -> dict[str, int]:
    """Erase everything the map finds of the subject; returns rows changed per step (`delete:customers.address`: 2).

    Not one transaction: each batch commits on its own, `progress["steps"]`
    counts what is done and `on_step(progress)` runs after every batch (the
    job saves it). Safe to run again at any point. Retention, children and
    store closure call it too. Raises ErasureRefused when the map says the
    subject cannot go yet (a merchant who owns an open store).
    """
    progress = progress if progress is not None else {}
    done: dict[str, int] = progress.setdefault("steps", {})
    with subject_scope(subject):
        graph = subject_graph(subject)
        _check(subject, graph)
        for step, model, action, pks, detail in _steps(graph, subject):
            for batch in chunks(pks, BATCH):
                with transaction.atomic():
                    if action == "delete":
                        changed = _delete_rows(model, subject, batch)
                    elif action == "cut":
                        changed = _field_updates(model, [detail], subject, batch, flag=False)
                    else:
                        names = [
                            name
                            for name, fc in datamap.personal_fields(model).items()
                            if fc.erasure in (Erasure.NULL, Erasure.ANONYMISE)
                        ]
                        if set(names) & set(datamap.model_entry(model).files):
                            _delete_files(model, subject, batch)
                        flag = detail == Erasure.KEEP_ENCRYPTED and _has_field(model, "subject_erased_at")
                        changed = _field_updates(model, names, subject, batch, flag=flag)
                done[step] = done.get(step, 0) + changed
                if on_step is not None:
                    on_step(progress)
                if pause:
                    time.sleep(pause)
    return dict(done)


def order_anonymise(order: Any) -> None:
    """Retention end of a kept order: every personal field of it and its dependants emptied, dates to the month.

    Idempotent (an anonymised order is left alone). Personal fields of the
    order's rows are emptied whatever their strategy (the retention that
    kept them is over); timestamps become the first of their month.
    """
    if getattr(order, "anonymised_at", None) is not None:
        return
    model = type(order)
    now = timezone.now()
    found: dict[type[models.Model], set[Any]] = {model: {order.pk}}
    frontier = dict(found)
    store_id = getattr(order, "store_id", None)
    subject = DataSubject("order", store_id, "", None, "")
    while frontier:
        following: dict[type[models.Model], set[Any]] = {}
        for target, pks in frontier.items():
            for child, fk, _entry in datamap.links_to(target):
                base = child._base_manager.all()
                if store_id is not None and _has_field(child, "store"):
                    base = base.filter(store_id=store_id)
                ids = set(base.filter(**{f"{fk.attname}__in": list(pks)}).values_list("pk", flat=True))
                new = ids - found.get(child, set())
                if new:
                    found.setdefault(child, set()).update(new)
                    following.setdefault(child, set()).update(new)
        frontier = following
    with transaction.atomic():
        for child, pks in found.items():
            personal = datamap.personal_fields(child)
            if not personal:
                continue
            names = [n for n, fc in personal.items() if fc.category != Category.LINK or fc.erasure != Erasure.NONE]
            if datamap.row_erasure(child) == Erasure.DELETE and child is not model:
                _delete_rows(child, subject, sorted(pks, key=str))
                continue
            values: dict[str, Any] = {}
            per_row = []
            unique = _unique_fields(child)
            for name in names:
                f = datamap.concrete_field(child, name)
                if isinstance(f, models.ManyToManyField):
                    continue
                if name in unique and isinstance(f, models.CharField) and not f.null:
                    per_row.append(f)
                elif isinstance(f, models.ForeignKey) and not f.null:
                    continue
                else:
                    values[f.attname] = _empty_value(child, f)
            for batch in chunks(sorted(pks, key=str), BATCH):
                for obj in rows(child, subject, batch):
                    update = dict(values)
                    for f in child._meta.local_concrete_fields:
                        value = getattr(obj, f.attname)
                        if isinstance(f, models.DateTimeField) and value is not None and f.attname not in update:
                            update[f.attname] = value.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
                    for f in per_row:
                        update[f.attname] = secrets.token_hex(max(8, (f.max_length or 32) // 2))
                    if child is model:
                        update["anonymised_at"] = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
                    rows(child, subject, [obj.pk]).update(**update)
    order.anonymised_at = now


# --- the job ----------------------------------------------------------------------


def _seal(value: Any) -> str:
    return crypto.encrypt(json.dumps(value))


def _unseal(value: str) -> Any:
    return json.loads(crypto.decrypt(value))


def _subject_from(request: DataRequest) -> DataSubject:
    sealed = (request.erasure_progress or {}).get("subject")
    if sealed:
        return DataSubject(**_unseal(sealed))
    try:
        return subject_for_request(request)
    except LookupError as exc:
        raise ErasureRefused("This request no longer names anyone.", code="no_subject") from exc


def erasure_start(*, request: DataRequest, actor: Actor) -> None:
    """Lock the subject at once and queue the erasure job (after commit). Call inside the request's transaction.

    The subject (and, sealed, the identifiers the residue scan looks for
    afterwards) go into the request's progress, encrypted, so the job can
    resume after the account row is gone.
    """
    from shopwright.privacy import residue

    subject = _subject_from(request)
    with subject_scope(subject):
        graph = subject_graph(subject)
        _check(subject, graph)
    progress = dict(request.erasure_progress or {})
    if "subject" not in progress:
        progress["subject"] = _seal(subject.__dict__)
        progress["identifiers"] = _seal(residue.subject_identifiers(subject))
    subject_lock(subject)
    progress.setdefault("steps", {})["lock"] = 1
    request.erasure_progress = progress
    request.save(update_fields=["erasure_progress"])
    audit_record(
        action="privacy.erasure_started",
        actor=actor,
        store=request.store,
        obj=request,
        details={"rows": graph.count()},
    )
    from shopwright.privacy.engine_tasks import erasure_run_task

    request_id = request.pk
    transaction.on_commit(lambda: erasure_run_task(request_id))


@contextlib.contextmanager
def _single_run(request_id: int) -> Iterator[None]:
    """Refuse a second run of the same erasure while one runs (ErasureRunning, 409)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [0x5E7A, request_id])
            (got,) = cursor.fetchone()
        if not got:
            raise ErasureRunning("This erasure is already running.")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [0x5E7A, request_id])
        return
    with transaction.atomic():
        request = DataRequest.objects.select_for_update().get(pk=request_id)
        progress = dict(request.erasure_progress or {})
        beat = progress.get("heartbeat")
        if beat and time.time() - float(beat) < STALE_SECONDS:
            raise ErasureRunning("This erasure is already running.")
        progress["heartbeat"] = time.time()
        DataRequest.objects.filter(pk=request_id).update(erasure_progress=progress)
    try:
        yield
    finally:
        request = DataRequest.objects.get(pk=request_id)
        progress = dict(request.erasure_progress or {})
        progress.pop("heartbeat", None)
        DataRequest.objects.filter(pk=request_id).update(erasure_progress=progress)


def _save_progress(request_id: int) -> Callable[[dict[str, Any]], None]:
    def save(progress: dict[str, Any]) -> None:
        stored = DataRequest.objects.get(pk=request_id).erasure_progress or {}
        merged = {**stored, "steps": progress.get("steps", {})}
        if connection.vendor != "postgresql":
            merged["heartbeat"] = time.time()
        DataRequest.objects.filter(pk=request_id).update(erasure_progress=merged)

    return save


def _empty_request(request: DataRequest) -> None:
    """The request stays as the proof of the erasure: kind, dates, status, counts, residue report; no identifiers."""
    names = [
        name
        for name, fc in datamap.personal_fields(DataRequest).items()
        if fc.erasure in (Erasure.NULL, Erasure.ANONYMISE)
    ]
    DataRequest.objects.filter(pk=request.pk).update(
        **{
            datamap.concrete_field(DataRequest, n).attname: _empty_value(
                DataRequest, datamap.concrete_field(DataRequest, n)
            )
            for n in names
        }
    )


def erasure_run(*, request_id: int, pause: float = 0.0) -> DataRequest:
    """The erasure job: erase, empty the request, complete it, then scan for residue. Resumable and idempotent.

    Raises ErasureRunning (409) while another run of it is going, and
    ErasureRefused when the map refuses (a merchant owning an open store).
    `pause` waits between batches (spares a busy database; the kill test uses it).
    """
    from shopwright.privacy import residue

    request = DataRequest.objects.get(pk=request_id)
    if request.status == RequestStatus.COMPLETED and request.residue_report:
        return residue_check(request_id=request_id)  # erased already; the scan may still be owed
    if request.kind != RequestKind.DELETION or request.status != RequestStatus.IN_PROGRESS:
        # Only a deletion the inbox started erases anything (erasure_start moves it to IN_PROGRESS).
        raise ErasureRefused("Only a started deletion request erases data.")
    with _single_run(request_id):
        request = DataRequest.objects.get(pk=request_id)
        progress = dict(request.erasure_progress or {})
        subject = _subject_from(request)
        if "subject" not in progress:  # started without erasure_start (retention, a command)
            progress["subject"] = _seal(subject.__dict__)
            progress["identifiers"] = _seal(residue.subject_identifiers(subject))
            subject_lock(subject)
            DataRequest.objects.filter(pk=request_id).update(erasure_progress=progress)
        started = time.monotonic()
        counts = subject_erase(subject, progress=progress, on_step=_save_progress(request_id), pause=pause)
        _empty_request(request)
        erase_seconds = round(time.monotonic() - started, 3)
        now = timezone.now()
        with transaction.atomic():
            # Done for the subject: the request completes now. The residue scan that follows reads every
            # table, so its time grows with the platform; it is a check that reports, not a step to wait for.
            request = DataRequest.objects.select_for_update().get(pk=request_id)
            request.erasure_progress = {
                "steps": counts,
                "rows": sum(counts.values()),
                "seconds": erase_seconds,
                "finished_at": now.isoformat(),
                "identifiers": progress.get("identifiers", ""),
            }
            request.residue_report = {"pending": True}
            request.status = RequestStatus.COMPLETED
            request.completed_at = request.completed_at or now
            request.save(update_fields=["erasure_progress", "residue_report", "status", "completed_at"])
            audit_record(
                action="privacy.erasure_completed",
                actor=Actor.system(),
                store=request.store,
                obj=request,
                details={"rows": sum(counts.values())},
            )
    return residue_check(request_id=request_id)


def residue_check(*, request_id: int) -> DataRequest:
    """Scan for the erased subject's identifiers and store the report; then forget the identifiers. Idempotent."""
    from shopwright.privacy import residue

    request = DataRequest.objects.get(pk=request_id)
    if not (request.residue_report or {}).get("pending"):
        return request
    sealed = (request.erasure_progress or {}).get("identifiers")
    report = residue.residue_scan(_unseal(sealed) if sealed else {})
    with transaction.atomic():
        request = DataRequest.objects.select_for_update().get(pk=request_id)
        if not (request.residue_report or {}).get("pending"):
            return request  # another run stored it meanwhile
        request.residue_report = report
        request.erasure_progress = {k: v for k, v in (request.erasure_progress or {}).items() if k != "identifiers"}
        request.save(update_fields=["residue_report", "erasure_progress"])
        audit_record(
            action="privacy.residue_checked",
            actor=Actor.system(),
            store=request.store,
            obj=request,
            details={"clean": bool(report.get("clean")), "findings": len(report.get("findings", []))},
        )
    return request


def residue_checks_pending() -> list[int]:
    """Completed erasures whose residue scan has not stored its report (its worker died during the scan)."""
    completed = DataRequest.objects.filter(kind=RequestKind.DELETION, status=RequestStatus.COMPLETED)
    return list(completed.filter(residue_report__pending=True).values_list("pk", flat=True))


def erasure_runnable(request: DataRequest) -> bool:
    """True when an erasure was started for the request and has not finished."""
    return bool((request.erasure_progress or {}).get("subject")) and request.status != RequestStatus.COMPLETED


def erasures_stalled(*, now: float | None = None) -> list[int]:
    """Started deletions with no sign of life for STALE_SECONDS: their worker died (a job lost with it).

    The periodic sweep queues them again; erasure_run resumes where they stopped.
    """
    now = time.time() if now is None else now
    started = DataRequest.objects.filter(kind=RequestKind.DELETION, status=RequestStatus.IN_PROGRESS).only(
        "pk", "status", "erasure_progress"
    )
    stalled = []
    for request in started:
        beat = (request.erasure_progress or {}).get("heartbeat")
        if erasure_runnable(request) and (beat is None or now - float(beat) > STALE_SECONDS):
            stalled.append(request.pk)
    return stalled


__all__ = [
    "ErasureRefused",
    "ErasureRunning",
    "erasure_run",
    "erasure_runnable",
    "erasure_start",
    "erasures_stalled",
    "order_anonymise",
    "residue_check",
    "residue_checks_pending",
    "subject_erase",
    "subject_lock",
]
