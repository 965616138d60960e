"""Fill `Email.to_index` for mail queued before it existed, so exports and erasure find that mail too.

Uses the real model (its encrypted `to` decrypts through the field) in batches by id.
"""

from django.db import migrations

BATCH = 1000


def backfill(apps, schema_editor):
    from shopwright.core.crypto import blind_index

    Email = apps.get_model("core", "Email")
    last = 0
    while True:
        rows = list(Email.objects.filter(pk__gt=last, to_index="").order_by("pk").values_list("pk", "to")[:BATCH])
        if not rows:
            return
        for pk, to in rows:  # `to` reads decrypted: the historical model keeps the encrypted field class
            if to:
                Email.objects.filter(pk=pk).update(to_index=blind_index(to))
        last = rows[-1][0]


class Migration(migrations.Migration):
    dependencies = [("core", "0006_email_index_audit_anonymise")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
