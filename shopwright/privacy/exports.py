"""A subject's data, as it sees it (the access view) and as a ZIP it downloads once (the export).

Both come from `subjects.subject_graph`: the rows the data map's identity
links find, grouped by each model's export name (`datamap.register(...,
export_as=...)`), values decrypted (it is the subject's own data), credential
fields never included. The ZIP holds one JSON file per group and a README
generated from the map (export_readme). It is written by a job into
`PRIVATE_EXPORT_ROOT` (outside the media folder, never served by the web
server) under a random name, downloaded once through a token whose hash
alone is stored, and deleted after the download or after 7 days
(`exports_expire`, hourly).
"""

from __future__ import annotations

import datetime
import decimal
import io
import json
import os
import secrets
import uuid
import zipfile
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from shopwright.core.audit import Actor, audit_record
from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.core.tokens import hash_secret_token, new_secret_token
from shopwright.privacy import datamap
from shopwright.privacy.datamap import Category
from shopwright.privacy.export_readme import readme_text
from shopwright.privacy.models import DataRequest, ExportArchive
from shopwright.privacy.subjects import (
    DataSubject,
    SubjectGraph,
    chunks,
    rows,
    subject_for_request,
    subject_graph,
    subject_scope,
)

LINK_LIFETIME = datetime.timedelta(days=7)
TOKEN_PREFIX = "swx"  # noqa: S105 - the visible prefix of download tokens, not a secret


def export_root() -> Path:
    """Where archives are written: settings.PRIVATE_EXPORT_ROOT (default var/exports), never MEDIA_ROOT."""
    root = Path(getattr(settings, "PRIVATE_EXPORT_ROOT", Path(settings.VAR_DIR) / "exports"))
    root.mkdir(parents=True, exist_ok=True)
    return root


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return None
    return value


def _exported_fields(model: type[models.Model]) -> list[models.Field]:
    entries = datamap.classification(model) or {}
    return [
        f
        for f in model._meta.local_concrete_fields
        if f.name in entries and entries[f.name].category != Category.CREDENTIAL
    ]


def _record(obj: models.Model, fields: list[models.Field], only: set[str] | None) -> dict[str, Any]:
    entries = datamap.classification(type(obj)) or {}
    record: dict[str, Any] = {"_type": str(obj._meta.verbose_name)}
    for f in fields:
        if only is not None and entries[f.name].is_personal and f.name not in only:
            continue  # someone else's value in a row that only mentions the subject
        record[f.name] = _plain(getattr(obj, f.attname))
    return record


def _records(subject: DataSubject, graph: SubjectGraph) -> dict[str, list[dict[str, Any]]]:
    data: dict[str, list[dict[str, Any]]] = {}
    models_found = set(graph.owned) | set(graph.about)
    for model in sorted(models_found, key=lambda m: m._meta.label_lower):
        fields = _exported_fields(model)
        owned = graph.owned.get(model, set())
        about = graph.about.get(model, set()) - owned
        cut = graph.cut.get(model, {})
        out = data.setdefault(datamap.export_name(model), [])
        for pks, own in ((owned, True), (about, False)):
            for batch in chunks(sorted(pks, key=str)):
                for obj in rows(model, subject, batch).order_by("pk"):
                    only = None if own else {name for name, ids in cut.items() if obj.pk in ids}
                    out.append(_record(obj, fields, only))
    return {name: records for name, records in sorted(data.items()) if records}


def subject_data(subject: DataSubject) -> dict[str, list[dict[str, Any]]]:
    """Everything stored about the subject: export name -> records (field name -> plain value)."""
    graph = subject_graph(subject)
    with subject_scope(subject):
        return _records(subject, graph)


def _region(request: DataRequest) -> str:
    store = request.store
    if store is not None:
        return str(store.data_region)
    return str(getattr(settings, "PLATFORM_DATA_REGION", "local"))


def _subject_of(request: DataRequest) -> DataSubject:
    try:
        return subject_for_request(request)
    except LookupError as exc:
        raise ApplicationError("This request no longer names anyone.", code="no_subject") from exc


def export_build(*, request: DataRequest) -> ExportArchive:
    """Write the request's ZIP (a job's work) and return its archive, ready for `export_link_issue`.

    Idempotent: a ready archive whose file still exists is returned as it is.
    The file is written under a temporary name and renamed, so a crash
    leaves no half archive behind a ready row.
    """
    archive, _ = ExportArchive.objects.get_or_create(request=request)
    if archive.ready_at and archive.deleted_at is None and archive.path and (export_root() / archive.path).exists():
        return archive
    subject = _subject_of(request)
    data = subject_data(subject)
    name = f"{secrets.token_hex(16)}.zip"
    target = export_root() / name
    partial = target.with_suffix(".part")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("README.txt", readme_text(data, region=_region(request), subject=subject))
        for category, records in data.items():
            zf.writestr(f"{category}.json", json.dumps(records, indent=2, ensure_ascii=False, default=str))
    os.replace(partial, target)
    now = timezone.now()
    old = archive.path
    archive.path = name
    archive.size = target.stat().st_size
    archive.ready_at = now
    archive.expires_at = now + LINK_LIFETIME
    archive.downloaded_at = None
    archive.deleted_at = None
    archive.token_hash = ""
    archive.save(update_fields=["path", "size", "ready_at", "expires_at", "downloaded_at", "deleted_at", "token_hash"])
    if old and old != name:
        (export_root() / old).unlink(missing_ok=True)
    return archive


def export_link_issue(*, archive: ExportArchive) -> str:
    """A new one-time download token for a ready archive (only its hash is kept); the previous one stops working."""
    if archive.ready_at is None or archive.deleted_at is not None:
        raise ApplicationError("The export is not ready or no longer exists.", code="export_unavailable")
    token, digest = new_secret_token(TOKEN_PREFIX)
    archive.token_hash = digest
    archive.save(update_fields=["token_hash"])
    return token


LINK_REFUSED = "This download link is not valid, was already used or has expired."


def export_peek(*, token: str, ip: str = "") -> ExportArchive:
    """The archive a download link leads to, while it can still be downloaded (the page before the button).

    Spends nothing. Raises NotFound, after an audit entry, for an unknown, used or expired link.
    """
    archive = None
    if token and token.startswith(f"{TOKEN_PREFIX}_") and len(token) <= 100:
        digest = hash_secret_token(token)
        archive = ExportArchive.objects.filter(token_hash=digest).select_related("request").first()
    if archive is None or not _downloadable(archive, timezone.now()):
        _refused(archive, ip)
        raise NotFound(LINK_REFUSED, code="export_link")
    return archive


def _downloadable(archive: ExportArchive, now: Any) -> bool:
    return (
        archive.downloaded_at is None
        and archive.deleted_at is None
        and archive.expires_at is not None
        and archive.expires_at > now
    )


def _refused(archive: ExportArchive | None, ip: str) -> None:
    audit_record(
        action="privacy.export_link_refused",
        actor=Actor.anonymous(),
        store=archive.request.store if archive is not None else None,
        obj=archive,
        ip=ip,
    )


def export_open(*, token: str, ip: str = "") -> tuple[ExportArchive, IO[bytes], str]:
    """Open the archive behind a download token, once: the token is spent and the file read into memory.

    Raises NotFound for an unknown, used or expired token (the same answer for
    each, so a token cannot be probed), after an audit entry of the refusal.
    The file is deleted at once; the caller streams the returned bytes.
    """
    archive, content = _archive_take(token)
    if archive is None or content is None:
        _refused(archive, ip)
        raise NotFound(LINK_REFUSED, code="export_link")
    filename = f"my-data-{archive.ready_at:%Y-%m-%d}.zip" if archive.ready_at else "my-data.zip"
    return archive, io.BytesIO(content), filename


def _archive_take(token: str) -> tuple[ExportArchive | None, bytes | None]:
    """The token's archive and its bytes, spending the token; (archive or None, None) when it cannot be had."""
    if not token or not token.startswith(f"{TOKEN_PREFIX}_") or len(token) > 100:
        return None, None
    digest = hash_secret_token(token)
    with transaction.atomic():
        archive = ExportArchive.objects.select_for_update().filter(token_hash=digest).first()
        now = timezone.now()
        if archive is None:
            return None, None
        path = export_root() / archive.path
        if not _downloadable(archive, now) or not path.is_file():
            return archive, None
        content = path.read_bytes()
        archive.downloaded_at = now
        archive.deleted_at = now
        archive.token_hash = ""
        archive.save(update_fields=["downloaded_at", "deleted_at", "token_hash"])
        transaction.on_commit(lambda: path.unlink(missing_ok=True))
    return archive, content


def export_delete(*, archive: ExportArchive) -> None:
    """Delete the archive's file now (erasure, expiry); the row stays as the record that it existed."""
    if archive.path:
        (export_root() / archive.path).unlink(missing_ok=True)
    archive.path = ""
    archive.token_hash = ""
    archive.deleted_at = archive.deleted_at or timezone.now()
    archive.save(update_fields=["path", "token_hash", "deleted_at"])


def exports_expire(*, now: datetime.datetime | None = None) -> int:
    """Delete the files of downloaded or expired archives (hourly job); returns how many went."""
    now = now or timezone.now()
    gone = 0
    due = ExportArchive.objects.filter(deleted_at__isnull=True, ready_at__isnull=False).filter(
        models.Q(expires_at__lte=now) | models.Q(downloaded_at__isnull=False)
    )
    for archive in due:
        export_delete(archive=archive)
        gone += 1
    # Files no row points at (a crash between writing and saving) go too, once a day old.
    known = set(ExportArchive.objects.exclude(path="").values_list("path", flat=True))
    for path in export_root().iterdir():
        if path.name not in known and path.is_file():
            age = now.timestamp() - path.stat().st_mtime
            if age > 86400:
                path.unlink(missing_ok=True)
                gone += 1
    return gone
