"""Cross-cutting tables: the audit log and the outgoing email queue."""

from __future__ import annotations

from typing import Any

from django.db import connections, models, transaction

from shopwright.core.compiled_saves import insert_one, update_one
from shopwright.core.fields import BlindIndexField, EncryptedTextField


class CompiledInsertsModel(models.Model):
    """Base of the tables written on the checkout's hot path: a new row's INSERT is built once per shape.

    See core.compiled_saves; what it cannot reuse goes through Django's own path.
    """

    class Meta:
        abstract = True

    # Django 5.2's signature (the stubs follow a later release).
    def _do_insert(self, manager: Any, using: Any, fields: Any, returning_fields: Any, raw: Any) -> Any:
        rows = insert_one(self, using=using, fields=fields, returning_fields=returning_fields, raw=raw)
        if rows is not None:
            return rows
        return super()._do_insert(manager, using, fields, returning_fields, raw)  # type: ignore[misc]


class CompiledSavesModel(CompiledInsertsModel):
    """A platform table's base (no store): a loaded row's UPDATE by its key is built once per shape too."""

    class Meta:
        abstract = True

    # Django 5.2's signature (the stubs follow a later release).
    def _do_update(  # type: ignore[override]
        self, base_qs: Any, using: Any, pk_val: Any, values: Any, update_fields: Any, forced_update: Any
    ) -> Any:
        updated = update_one(
            base_qs, using=using, store_id=None, pk_val=pk_val, values=values, forced_update=forced_update, scoped=False
        )
        if updated is not None:
            return updated
        return super()._do_update(base_qs, using, pk_val, values, update_fields, forced_update)  # type: ignore[call-arg]


class TenantModel(CompiledInsertsModel):
    """Base of every table owned by one store.

    Every query on such a table must filter by `store_id` (the test-suite
    tenant guard enforces it), and every index or unique constraint on it must
    start with `store` (tests/core/test_tenancy.py checks the models).
    """

    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True

    # Django 5.2's signature of _do_update (the stubs follow a later release).
    def _do_update(  # type: ignore[override]
        self, base_qs: Any, using: Any, pk_val: Any, values: Any, update_fields: Any, forced_update: Any
    ) -> Any:
        # `save()` on a loaded row updates it only within its own store, so a
        # row can never be written into, or across, another tenant. The SQL is
        # built once per shape (core.compiled_saves), or by Django when it cannot be.
        updated = update_one(
            base_qs, using=using, store_id=self.store_id, pk_val=pk_val, values=values, forced_update=forced_update
        )
        if updated is not None:
            return updated
        return super()._do_update(  # type: ignore[call-arg]
            base_qs.filter(store_id=self.store_id), using, pk_val, values, update_fields, forced_update
        )

    def refresh_from_db(self, using: Any = None, fields: Any = None, from_queryset: Any = None) -> None:
        if from_queryset is None:
            from_queryset = type(self)._base_manager.filter(store_id=self.store_id)
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        from shopwright.core.tenancy import cross_store_access

        # The cascade follows foreign keys from this row, which is already scoped
        # to its store; Django's collector does not repeat the store filter.
        with cross_store_access("cascade from a row of one store"):
            return super().delete(*args, **kwargs)


# The only columns an erasure may empty in the audit log: who acted, on what, from where.
AUDIT_ANONYMISABLE = {"actor_id": None, "object_id": "", "ip_address": ""}


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("the audit log is append-only")

    def anonymise(self, *fields: str) -> int:
        """Empty `fields` (of actor_id, object_id, ip_address) in these entries; the one change the log allows.

        Erasure keeps the entries about an erased subject (proof and
        security) but cuts them from the person. On PostgreSQL the trigger
        lets the UPDATE through only under `shopwright.audit_anonymise`, and
        only when nothing but those columns changes, to empty values.
        """
        if not fields or not set(fields) <= AUDIT_ANONYMISABLE.keys():
            raise PermissionError(f"the audit log can only empty {sorted(AUDIT_ANONYMISABLE)}")
        values = {name: AUDIT_ANONYMISABLE[name] for name in fields}
        with transaction.atomic(using=self.db):
            connection = connections[self.db]
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL shopwright.audit_anonymise = 'on'")
            count = super().update(**values)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL shopwright.audit_anonymise = 'off'")
        return count

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("the audit log is append-only")


class AuditEntry(models.Model):
    """One sensitive action: who did what to which object, when and from where.

    Append-only: rows are never updated or deleted by the application (the
    queryset and `save` refuse; on PostgreSQL a trigger refuses too). The store
    is kept as a bare id so entries outlive a deleted store.
    """

    class ActorType(models.TextChoices):
        USER = "user", "platform user"
        CUSTOMER = "customer", "store customer"
        SYSTEM = "system", "system"
        ANONYMOUS = "anonymous", "anonymous"

    created_at = models.DateTimeField(auto_now_add=True)
    store_id = models.BigIntegerField(null=True, blank=True)
    actor_type = models.CharField(max_length=16, choices=ActorType.choices)
    actor_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    ip_address = EncryptedTextField(blank=True, default="")
    # Non-personal details only (roles, counts, reasons); never names or emails.
    details = models.JSONField(default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["store_id", "-created_at"], name="audit_store_time"),
            models.Index(fields=["actor_type", "actor_id"], name="audit_actor"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("the audit log is append-only")


class Email(CompiledSavesModel):
    """An outgoing message, rendered when queued and delivered by a job.

    Recipient and content are personal data and are encrypted. Without
    EMAIL_URL (development) delivered messages stay here and /dev/outbox
    shows them.
    """

    class Status(models.TextChoices):
        QUEUED = "queued"
        SENT = "sent"
        FAILED = "failed"

    created_at = models.DateTimeField(auto_now_add=True)
    store_id = models.BigIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=64)
    to = EncryptedTextField()
    # Finds a person's queued and sent mail for exports and erasure.
    to_index = BlindIndexField(source="to", blank=True, default="")
    subject = EncryptedTextField()
    body_text = EncryptedTextField()
    body_html = EncryptedTextField(blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "created_at"], name="email_status_time"),
            # Exports and erasure find one person's mail by it.
            models.Index(fields=["to_index"], name="email_to_index"),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class LoginThrottle(models.Model):
    """Failed sign-in attempts and lock-outs of one account or one client IP.

    The key is a keyed hash (core.throttle), never an email or an IP. Rows are
    changed only under a row lock, so parallel attempts are all counted; the
    `throttle_purge` job deletes rows whose window has passed.
    """

    key = models.CharField(max_length=200, primary_key=True)
    failures = models.PositiveIntegerField(default=0)
    level = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="throttle_expiry")]

    def __str__(self) -> str:
        return f"throttle {self.key[:16]}"
