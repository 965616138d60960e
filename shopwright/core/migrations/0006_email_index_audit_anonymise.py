"""Queued mail found by its recipient's blind index; the audit log's one allowed change: anonymisation.

Erasure keeps the audit entries about an erased subject but empties who
acted, on what and from where (actor_id, object_id, ip_address). The
trigger lets such an UPDATE through only when the transaction declares
`SET LOCAL shopwright.audit_anonymise = 'on'` and nothing else changes:
every other column keeps its value and the three only become empty.
Key rotation's `shopwright.audit_maintenance` stays as it was.
"""

from django.db import migrations, models

CREATE = """
CREATE OR REPLACE FUNCTION shopwright_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('shopwright.audit_maintenance', true), '') = 'on' THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE'
        AND coalesce(current_setting('shopwright.audit_anonymise', true), '') = 'on'
        AND NEW.id = OLD.id
        AND NEW.created_at = OLD.created_at
        AND NEW.store_id IS NOT DISTINCT FROM OLD.store_id
        AND NEW.actor_type = OLD.actor_type
        AND NEW.action = OLD.action
        AND NEW.object_type = OLD.object_type
        AND NEW.details::text = OLD.details::text
        AND (NEW.actor_id IS NULL OR NEW.actor_id = OLD.actor_id)
        AND (NEW.object_id = '' OR NEW.object_id = OLD.object_id)
        AND (NEW.ip_address = '' OR NEW.ip_address = OLD.ip_address)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
"""

PREVIOUS = """
CREATE OR REPLACE FUNCTION shopwright_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('shopwright.audit_maintenance', true), '') = 'on' THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PREVIOUS)


class Migration(migrations.Migration):
    dependencies = [("core", "0005_email_to_index")]

    operations = [
        migrations.AddIndex(
            model_name="email",
            index=models.Index(fields=["to_index"], name="email_to_index"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
