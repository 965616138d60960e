"""On PostgreSQL the database itself refuses to change or delete audit entries.

Only a transaction that declares audit maintenance (key rotation re-encrypting
IPs; later, anonymisation when retention ends) with
`SET LOCAL shopwright.audit_maintenance = 'on'` may touch existing rows.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION shopwright_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('shopwright.audit_maintenance', true), '') = 'on' THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditentry_append_only
    BEFORE UPDATE OR DELETE ON core_auditentry
    FOR EACH ROW EXECUTE FUNCTION shopwright_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry;
DROP FUNCTION IF EXISTS shopwright_audit_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
