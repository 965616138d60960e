"""Data map: the audit log and the email queue."""

from __future__ import annotations

from typing import Any

from django.db import models

from shopwright.privacy.datamap import (
    NOT_PERSONAL,
    Category,
    Erasure,
    Handling,
    Retention,
    Subject,
    personal,
    register,
    register_finder,
    row_erasure,
)

register(
    "core.AuditEntry",
    {
        "id": NOT_PERSONAL,
        "created_at": NOT_PERSONAL,
        "store_id": NOT_PERSONAL,
        "actor_type": NOT_PERSONAL,
        "actor_id": personal(Category.LINK, subject=Subject.ANY, retention=Retention.AUDIT, erasure=Erasure.ANONYMISE),
        "action": NOT_PERSONAL,
        "object_type": NOT_PERSONAL,
        "object_id": personal(Category.LINK, subject=Subject.ANY, retention=Retention.AUDIT, erasure=Erasure.ANONYMISE),
        "ip_address": personal(
            Category.DEVICE, subject=Subject.ANY, retention=Retention.AUDIT, erasure=Erasure.ANONYMISE
        ),
        "details": NOT_PERSONAL,  # by contract: roles, counts, field names, never values
    },
    export_as="audit_entries",
)

_RENDERED: Handling = {"subject": Subject.ANY, "retention": Retention.SHORT, "erasure": Erasure.DELETE}
register(
    "core.Email",
    {
        "id": NOT_PERSONAL,
        "created_at": NOT_PERSONAL,
        "store_id": NOT_PERSONAL,
        "kind": NOT_PERSONAL,
        "to": personal(Category.CONTACT, subject=Subject.ANY, retention=Retention.SHORT, erasure=Erasure.DELETE),
        "to_index": personal(Category.LINK, subject=Subject.ANY, retention=Retention.SHORT, erasure=Erasure.DELETE),
        # Rendered from other values (names, addresses, order numbers): the residue scan looks for those.
        "subject": personal(Category.IDENTITY, identifier=False, **_RENDERED),
        "body_text": personal(Category.IDENTITY, identifier=False, **_RENDERED),
        "body_html": personal(Category.IDENTITY, identifier=False, **_RENDERED),
        "status": NOT_PERSONAL,
        "attempts": NOT_PERSONAL,
        "sent_at": NOT_PERSONAL,
    },
    export_as="emails",
)

register(
    "core.LoginThrottle",
    {
        # A keyed hash of an email or an IP; deleted when its window passes.
        "key": personal(Category.LINK, subject=Subject.ANY, retention=Retention.SHORT, erasure=Erasure.DELETE),
        "failures": NOT_PERSONAL,
        "level": NOT_PERSONAL,
        "locked_until": NOT_PERSONAL,
        "expires_at": NOT_PERSONAL,
    },
)


# --- links that are not foreign keys ------------------------------------------------


def _audit_by_subject(subject: Any, found: dict[type[models.Model], set[Any]]) -> models.QuerySet[Any]:
    """What the subject did: its id as the actor (index audit_actor). Erasure empties the actor and the IP."""
    from shopwright.core.models import AuditEntry

    if subject.root_id is None:
        return AuditEntry.objects.none()
    return AuditEntry.objects.filter(actor_type=subject.kind, actor_id=subject.root_id)


def _audit_about_erased_rows(subject: Any, found: dict[type[models.Model], set[Any]]) -> models.QuerySet[Any]:
    """Entries about rows that erasure deletes (index audit_object); the object id goes with them."""
    from shopwright.core.models import AuditEntry

    condition = models.Q(pk__in=[])
    for model, pks in found.items():
        if pks and row_erasure(model) == Erasure.DELETE:
            condition |= models.Q(object_type=model._meta.label_lower, object_id__in=[str(pk) for pk in pks])
    return AuditEntry.objects.filter(condition)


def _audit_anonymous_about_subject(subject: Any, found: dict[type[models.Model], set[Any]]) -> models.QuerySet[Any]:
    """Entries with no signed-in actor about the subject's rows (a contact-form request, a guest's order).

    The IP there is the subject's own, typed in without an account: erasure empties it.
    """
    from shopwright.core.models import AuditEntry

    condition = models.Q(pk__in=[])
    for model, pks in found.items():
        if pks:
            condition |= models.Q(object_type=model._meta.label_lower, object_id__in=[str(pk) for pk in pks])
    return AuditEntry.objects.filter(condition, actor_type=AuditEntry.ActorType.ANONYMOUS).exclude(ip_address="")


def _throttles(subject: Any, found: dict[type[models.Model], set[Any]]) -> models.QuerySet[Any]:
    """The sign-in throttle of the subject's account: its key is a keyed hash of the email (core.throttle)."""
    from shopwright.core.models import LoginThrottle
    from shopwright.core.throttle import _digest

    if not subject.email:
        return LoginThrottle.objects.none()
    scope = f"store:{subject.store_id}" if subject.store_id is not None else "platform"
    return LoginThrottle.objects.filter(key=f"{scope}:acct:{_digest(subject.email)}")


register_finder("core.AuditEntry", _audit_by_subject, fields=("actor_id", "ip_address"))
register_finder("core.AuditEntry", _audit_about_erased_rows, fields=("object_id",))
register_finder("core.AuditEntry", _audit_anonymous_about_subject, fields=("ip_address",))
register_finder("core.LoginThrottle", _throttles)
