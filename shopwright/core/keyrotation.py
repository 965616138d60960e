"""Re-encrypting every personal field with the newest data key.

Put a new key first in SHOPWRIGHT_DATA_KEYS, restart, then run
`shopwright rotate-keys`: every encrypted value not already under the newest
key is re-encrypted and every blind index recomputed, table by table in
batches, each batch in its own transaction. Old keys keep decrypting until
the run ends, so the site stays up throughout; when it reports zero rows
left, the old key can be removed. Running it twice is harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import connection, models, transaction

from shopwright.core import crypto
from shopwright.core.fields import BlindIndexField, EncryptedTextField
from shopwright.core.models import AuditEntry
from shopwright.core.tenancy import cross_store_access

BATCH = 500


@dataclass
class RotationReport:
    rows_updated: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows_updated.values())


def _encrypted_models() -> list[tuple[type[models.Model], list[EncryptedTextField], list[BlindIndexField]]]:
    found = []
    for model in apps.get_models():
        fields = [f for f in model._meta.local_concrete_fields if isinstance(f, EncryptedTextField)]
        indexes = [f for f in model._meta.local_concrete_fields if isinstance(f, BlindIndexField)]
        if fields:
            found.append((model, fields, indexes))
    return found


def rotate_keys(*, progress: Callable[[str, int], None] | None = None) -> RotationReport:
    """Re-encrypt and re-index every row not yet under the newest key; see the module docstring."""
    report = RotationReport()
    with cross_store_access("key rotation re-encrypts every store's rows"):
        for model, fields, indexes in _encrypted_models():
            updated = _rotate_table(model, fields, indexes)
            report.rows_updated[model._meta.label] = updated
            if progress:
                progress(model._meta.label, updated)
    return report


def _rotate_table(model: type[models.Model], fields: list[EncryptedTextField], indexes: list[BlindIndexField]) -> int:
    qn = connection.ops.quote_name
    table = model._meta.db_table
    pk = model._meta.pk.attname if model._meta.pk else "id"
    columns = [f.attname for f in fields] + [f.attname for f in indexes]
    position = {f.name: i for i, f in enumerate([*fields, *indexes])}
    # Table and column names come from model metadata, never from input.
    select_sql = (
        f"SELECT {qn(pk)}, {', '.join(qn(c) for c in columns)} FROM {qn(table)} "  # noqa: S608
        f"WHERE {qn(pk)} > %s ORDER BY {qn(pk)} LIMIT {BATCH}"
    )
    last: Any = -1
    updated = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            if model is AuditEntry and connection.vendor == "postgresql":
                # Re-encrypting an IP changes no fact: allowed past the append-only trigger.
                cursor.execute("SET LOCAL shopwright.audit_maintenance = 'on'")
            cursor.execute(select_sql, [last])
            rows = cursor.fetchall()
            for row in rows:
                last, values = row[0], row[1:]
                changes: dict[str, str] = {}
                read: dict[str, str] = {}  # the tokens this row's changes were computed from
                for f in fields:
                    token = values[position[f.name]]
                    if token and not crypto.is_current(token):
                        changes[f.attname] = crypto.reencrypt(token)
                        read[f.attname] = token
                for index in indexes:
                    source = next(f for f in fields if f.name == index.source)
                    token = values[position[index.source]]
                    if token:
                        fresh = crypto.blind_index(crypto.decrypt(token))
                        if fresh != values[position[index.name]]:
                            changes[index.attname] = fresh
                            read[source.attname] = token
                if changes and _write_if_unchanged(cursor, table, pk, last, changes, read):
                    updated += 1
        if len(rows) < BATCH:
            return updated


def _write_if_unchanged(
    cursor: Any, table: str, pk: str, pk_value: Any, changes: dict[str, str], read: dict[str, str]
) -> bool:
    """Write only if the columns read are still as read (compare-and-set).

    A row the application rewrote meanwhile already holds values under the
    newest key; overwriting it would undo the user's change.
    """
    qn = connection.ops.quote_name
    assignments = ", ".join(f"{qn(c)} = %s" for c in changes)
    unchanged = " AND ".join(f"{qn(c)} = %s" for c in read)
    cursor.execute(
        f"UPDATE {qn(table)} SET {assignments} WHERE {qn(pk)} = %s AND {unchanged}",  # noqa: S608
        [*changes.values(), pk_value, *read.values()],
    )
    return bool(cursor.rowcount)
