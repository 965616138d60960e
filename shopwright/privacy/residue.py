"""After an erasure: does any of the subject's identifiers remain anywhere?

`subject_identifiers(subject)` gathers, before the erasure, what would
identify the person: emails, names, phones, address strings (4 characters
or more), the email's blind-index values, stored file names, and the account
id. `residue_scan(identifiers)` then looks for them

- in every text column of every table in the database (introspected, not
  only Django's), case-insensitively, for the plain values and the index
  values; the columns of encrypted fields are left out: they hold only
  ciphertext, so no plain value can show there, and what is kept restricted
  (an order) does not count;
- by walking the subject's graph again (the account id and the email
  index): it must find nothing;
- in MEDIA_ROOT and the export folder (file names, and the contents of
  small files);
- in the job store (Huey's queue, schedule and results, as bytes).

The report holds table and column names and counts, never the values.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from shopwright.core import crypto
from shopwright.core.fields import EncryptedTextField
from shopwright.core.tenancy import cross_store_access
from shopwright.privacy import datamap
from shopwright.privacy.datamap import Category
from shopwright.privacy.subjects import DataSubject, subject_graph

MIN_LENGTH = 4
# Longer texts (an email's body, a message) are not identifiers themselves: the names, addresses
# and numbers in them are looked for one by one.
MAX_LENGTH = 120
SMALL_FILE = 1_000_000
# Patterns per LIKE ANY array on PostgreSQL.
LIKE_CHUNK = 500
# Text a person's value might be equal to that names nobody (a choice from a list).
_GENERIC = {"female", "male", "other", "unsaid", "none", "null", "true", "false"}
_TEXT_TYPES_PG = {25, 1042, 1043, 114, 3802}  # text, char, varchar, json, jsonb


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in ("country", "country_area"):
                yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _usable(value: str) -> bool:
    text = value.strip()
    return (
        MIN_LENGTH <= len(text) <= MAX_LENGTH
        and text.casefold() not in _GENERIC
        and not text.isdigit()
        and "\n" not in text
    )


def subject_identifiers(subject: DataSubject) -> dict[str, Any]:
    """What identifies the subject, read before it is erased (plain values: keep them encrypted)."""
    from shopwright.privacy.subjects import rows, subject_scope

    texts: set[str] = set()
    files: set[str] = set()
    if subject.email:
        texts.add(subject.email)
    graph = subject_graph(subject)
    wanted = {Category.CONTACT, Category.IDENTITY, Category.ADDRESS, Category.CHILD}
    with subject_scope(subject):
        for model, pks in graph.owned.items():
            file_fields = datamap.model_entry(model).files
            # Values the map lets stand in plain text (a parcel's tracking number, a country code) are
            # references, not identifiers of the person; files are looked for by name.
            fields = [
                n
                for n, fc in datamap.personal_fields(model).items()
                if fc.category in wanted and fc.identifier and (not fc.plain_reason or n in file_fields)
            ]
            if not fields:
                continue
            attnames = [datamap.concrete_field(model, n).attname for n in fields]
            for obj in rows(model, subject, pks).only("pk", *attnames):
                for name in fields:
                    value = getattr(obj, datamap.concrete_field(model, name).attname)
                    if name in file_fields and value:
                        files.add(str(value))
                        continue
                    texts.update(t.strip() for t in _strings(value) if _usable(t))
    return {
        "texts": sorted(texts),
        "indexes": crypto.blind_index_candidates(subject.email) if subject.email else [],
        "files": sorted(files),
        "subject": {k: v for k, v in subject.__dict__.items() if k != "email"},
    }


def _ciphertext_columns() -> dict[str, set[str]]:
    """Per table, the columns of encrypted fields: they hold only ciphertext, where no plain value can show."""
    columns: dict[str, set[str]] = {}
    for model in apps.get_models():
        encrypted = {str(f.column) for f in model._meta.local_concrete_fields if isinstance(f, EncryptedTextField)}
        if encrypted:
            columns.setdefault(model._meta.db_table, set()).update(encrypted)
    return columns


def _text_columns(table: str, ciphertext: set[str]) -> list[str]:
    with connection.cursor() as cursor:
        description = connection.introspection.get_table_description(cursor, table)
    columns = []
    for col in description:
        if col.name in ciphertext:
            continue
        if connection.vendor == "postgresql":
            if col.type_code in _TEXT_TYPES_PG:
                columns.append(col.name)
        else:
            kind = str(col.type_code or "").lower()
            if any(word in kind for word in ("char", "text", "clob", "json")) or kind == "":
                columns.append(col.name)
    return columns


def _like(value: str) -> str:
    escaped = value.lower().replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return f"%{escaped}%"


def _matches(expression: str, patterns: list[str]) -> tuple[str, list[Any]]:
    """An SQL condition true when `expression` holds any of the LIKE patterns, and its parameters.

    PostgreSQL: one `LIKE ANY (array)` per chunk of patterns (measured ten times faster than one
    regular expression of the same alternatives). Elsewhere (SQLite, tests): one LIKE per pattern.
    """
    if connection.vendor == "postgresql":
        chunks = [patterns[i : i + LIKE_CHUNK] for i in range(0, len(patterns), LIKE_CHUNK)]
        return " OR ".join(f"LOWER({expression}) LIKE ANY (%s::text[])" for _ in chunks), list(chunks)
    return " OR ".join(f"LOWER({expression}) LIKE %s ESCAPE '!'" for _ in patterns), list(patterns)


def _like_any(value: str) -> str:
    """A pattern for LIKE ANY, which has no ESCAPE clause: PostgreSQL's default escape is the backslash."""
    escaped = value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _count(sql: str, params: list[Any]) -> tuple[Any, ...] | None:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            return tuple(cursor.fetchone() or ())
    except DatabaseError:  # a virtual table that cannot be read this way (FTS internals)
        return None


def _scan_tables(needles: list[str], skipped: list[str]) -> tuple[list[dict[str, Any]], int]:
    """Count, per text column of every table, the rows that hold any needle.

    On PostgreSQL a table is first read once with its text columns joined (most tables hold
    nothing of the subject); only a table with a hit is read again column by column to say where.
    """
    findings: list[dict[str, Any]] = []
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor, include_views=False)
    scanned = 0
    if not needles:
        return findings, 0
    postgres = connection.vendor == "postgresql"
    patterns = [_like_any(n) if postgres else _like(n) for n in needles]
    ciphertext = _ciphertext_columns()
    for table in tables:
        scanned += 1
        columns = _text_columns(table, ciphertext.get(table, set()))
        if not columns:
            continue
        if postgres:
            joined = "concat_ws(chr(1), " + ", ".join(f"{qn(c)}::text" for c in columns) + ")"
            condition, params = _matches(joined, patterns)
            first = _count(f"SELECT COUNT(*) FROM {qn(table)} WHERE {condition}", params)  # noqa: S608
            if first is None:
                skipped.append(table)
                continue
            if not first[0]:
                continue
        sums, params = [], []
        for column in columns:
            condition, values = _matches(f"{qn(column)}::text" if postgres else qn(column), patterns)
            sums.append(f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)")
            params.extend(values)
        # Names come from introspection; values are bound.
        counts = _count(f"SELECT {', '.join(sums)} FROM {qn(table)}", params)  # noqa: S608
        if counts is None:
            skipped.append(table)
            continue
        for column, count in zip(columns, counts, strict=False):
            if count:
                findings.append({"where": f"table {table}", "column": column, "count": int(count)})
    return findings, scanned


def _scan_graph(identifiers: dict[str, Any]) -> list[dict[str, Any]]:
    """Walk the subject's graph again from the account id (and no email: it is gone): nothing may be found."""
    info = identifiers.get("subject") or {}
    if not info:
        return []
    findings = []
    subject = DataSubject(email="", **info)
    graph = subject_graph(subject)
    root = subject.root_model
    for model, pks in graph.owned.items():
        # The root id itself is the graph's seed; only a row that still exists counts.
        if model is root and subject.root() is None:
            continue
        if pks:
            findings.append({"where": "subject graph", "column": model._meta.label_lower, "count": len(pks)})
    for model, fields in graph.cut.items():
        for name, pks in fields.items():
            findings.append(
                {"where": "subject graph", "column": f"{model._meta.label_lower}.{name}", "count": len(pks)}
            )
    return findings


def _scan_folder(root: Path, needles: list[bytes], files: set[str], label: str) -> tuple[list[dict[str, Any]], int]:
    findings: list[dict[str, Any]] = []
    scanned = 0
    if not root.exists():
        return findings, 0
    basenames = {os.path.basename(f) for f in files}
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            path = Path(dirpath) / name
            scanned += 1
            relative = str(path.relative_to(root))
            if name in basenames or relative in files:
                findings.append({"where": label, "column": "file name", "count": 1})
                continue
            lowered_name = name.lower().encode()
            if any(n in lowered_name for n in needles):
                findings.append({"where": label, "column": "file name", "count": 1})
                continue
            try:
                if path.stat().st_size > SMALL_FILE:
                    continue
                content = path.read_bytes().lower()
            except OSError:
                continue
            hits = sum(1 for n in needles if n in content)
            if hits:
                findings.append({"where": label, "column": "file content", "count": hits})
    return findings, scanned


def _job_payloads() -> list[bytes]:
    from huey.contrib.djhuey import HUEY

    storage = HUEY.storage
    payloads: list[bytes] = []
    for item in list(storage.enqueued_items()) + list(storage.scheduled_items()):
        payloads.append(bytes(item) if not isinstance(item, bytes) else item)
    try:
        results = storage.result_items()
    except Exception:
        results = {}
    for key, value in results.items():
        payloads.append(str(key).encode())
        if isinstance(value, bytes):
            payloads.append(value)
    return payloads


def _scan_jobs(needles: list[bytes]) -> tuple[list[dict[str, Any]], int]:
    payloads = _job_payloads()
    hits = sum(1 for p in payloads if any(n in p.lower() for n in needles))
    findings = [{"where": "job store", "column": "payload", "count": hits}] if hits else []
    return findings, len(payloads)


def _without_redundant(texts: list[str]) -> list[str]:
    """Drop every text that contains a shorter one: wherever it shows, the shorter one shows too.

    ("Order #1001 for Ada Lovelace" goes when "Ada Lovelace" is looked for.) Case-insensitive, like the scan.
    """
    kept: list[str] = []
    for text in sorted({t.casefold(): t for t in texts}.values(), key=len):
        folded = text.casefold()
        if not any(short.casefold() in folded for short in kept):
            kept.append(text)
    return kept


def residue_scan(identifiers: dict[str, Any]) -> dict[str, Any]:
    """Look for the identifiers everywhere (see the module docstring); the report never holds a value."""
    from shopwright.privacy.exports import export_root

    started = time.monotonic()
    texts = [t for t in identifiers.get("texts", []) if _usable(t)]
    indexes = list(identifiers.get("indexes", []))
    files = set(identifiers.get("files", []))
    needles = _without_redundant(texts) + indexes + sorted(files)
    byte_needles = [n.lower().encode() for n in needles]
    with cross_store_access("the residue scan reads every table"):
        skipped: list[str] = []
        table_findings, tables = _scan_tables(needles, skipped)
        graph_findings = _scan_graph(identifiers)
    media_findings, media_files = _scan_folder(Path(settings.MEDIA_ROOT), byte_needles, files, "media")
    export_findings, export_files = _scan_folder(export_root(), byte_needles, files, "exports")
    job_findings, jobs = _scan_jobs(byte_needles)
    findings = table_findings + graph_findings + media_findings + export_findings + job_findings
    return {
        "clean": not findings,
        "findings": findings,
        "scanned": {
            "tables": tables,
            "unreadable_tables": len(skipped),
            "identifiers": len(needles),
            "media_files": media_files,
            "export_files": export_files,
            "jobs": jobs,
        },
        "seconds": round(time.monotonic() - started, 3),
    }
