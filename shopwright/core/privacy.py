"""Data map: the audit log and the email queue."""

from shopwright.privacy.datamap import NOT_PERSONAL, Category, Erasure, Retention, Subject, personal, register

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
)

register(
    "core.Email",
    {
        "id": NOT_PERSONAL,
        "created_at": NOT_PERSONAL,
        "store_id": NOT_PERSONAL,
        "kind": NOT_PERSONAL,
        "to": personal(Category.CONTACT, subject=Subject.ANY, retention=Retention.SHORT, erasure=Erasure.DELETE),
        "to_index": personal(Category.LINK, subject=Subject.ANY, retention=Retention.SHORT, erasure=Erasure.DELETE),
        "subject": personal(Category.IDENTITY, subject=Subject.ANY, retention=Retention.SHORT, erasure=Erasure.DELETE),
        "body_text": personal(
            Category.IDENTITY, subject=Subject.ANY, retention=Retention.SHORT, erasure=Erasure.DELETE
        ),
        "body_html": personal(
            Category.IDENTITY, subject=Subject.ANY, retention=Retention.SHORT, erasure=Erasure.DELETE
        ),
        "status": NOT_PERSONAL,
        "attempts": NOT_PERSONAL,
        "sent_at": NOT_PERSONAL,
    },
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
