"""The audit log is append-only."""

import pytest

from shopwright.core.audit import Actor, audit_record
from shopwright.core.models import AuditEntry


@pytest.mark.django_db
def test_entries_cannot_be_changed_or_deleted():
    entry = audit_record(action="test.action", actor=Actor.system(), ip="203.0.113.5")
    entry.action = "tampered"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="tampered")
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.action"


@pytest.mark.django_db
def test_entry_keeps_the_ip_encrypted():
    entry = audit_record(action="test.action", actor=Actor.anonymous(), ip="203.0.113.5")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT ip_address FROM core_auditentry WHERE id = %s", [entry.pk])
        raw = cursor.fetchone()[0]
    assert "203.0.113.5" not in raw
    assert AuditEntry.objects.get(pk=entry.pk).ip_address == "203.0.113.5"


@pytest.mark.django_db
def test_postgresql_refuses_raw_changes_to_the_audit_log(postgres):
    from django.db import DatabaseError, connection, transaction

    entry = audit_record(action="test.action", actor=Actor.system())
    for sql in (
        "UPDATE core_auditentry SET action = 'tampered' WHERE id = %s",
        "DELETE FROM core_auditentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.action"
