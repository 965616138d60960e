"""Writing and reading the append-only audit log.

Services call `audit_record` inside their own transaction, with the actor
passed in, so the entry exists exactly when the action happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models

from shopwright.core.models import AuditEntry

if TYPE_CHECKING:
    from shopwright.customers.models import Customer
    from shopwright.stores.models import Store, User


@dataclass(frozen=True)
class Actor:
    """Who acted: a platform user, a store customer, the system or nobody."""

    type: str
    id: int | None = None

    @classmethod
    def user(cls, user: User) -> Actor:
        return cls(AuditEntry.ActorType.USER, user.pk)

    @classmethod
    def customer(cls, customer: Customer) -> Actor:
        return cls(AuditEntry.ActorType.CUSTOMER, customer.pk)

    @classmethod
    def system(cls) -> Actor:
        return cls(AuditEntry.ActorType.SYSTEM)

    @classmethod
    def anonymous(cls) -> Actor:
        return cls(AuditEntry.ActorType.ANONYMOUS)


def audit_record(
    *,
    action: str,
    actor: Actor,
    store: Store | None = None,
    obj: models.Model | None = None,
    ip: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. `details` must not hold personal data."""
    return AuditEntry.objects.create(
        action=action,
        actor_type=actor.type,
        actor_id=actor.id,
        store_id=getattr(store, "pk", None),
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        ip_address=ip or "",
        details=details or {},
    )
