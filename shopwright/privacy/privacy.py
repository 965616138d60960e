"""Data map entries for Django's own tables, which the project also stores."""

from shopwright.privacy.datamap import NOT_PERSONAL, Category, Erasure, Handling, Retention, Subject, personal, register

register("contenttypes.ContentType", {"id": NOT_PERSONAL, "app_label": NOT_PERSONAL, "model": NOT_PERSONAL})
register(
    "auth.Permission",
    {"id": NOT_PERSONAL, "name": NOT_PERSONAL, "content_type": NOT_PERSONAL, "codename": NOT_PERSONAL},
)
register("auth.Group", {"id": NOT_PERSONAL, "name": NOT_PERSONAL, "permissions": NOT_PERSONAL})
register(
    "sessions.Session",
    {
        "session_key": personal(
            Category.CREDENTIAL, subject=Subject.ANY, retention=Retention.SHORT, erasure=Erasure.DELETE
        ),
        # Holds signed-in ids (user, customer) and a password fingerprint; no values.
        "session_data": personal(Category.LINK, subject=Subject.ANY, retention=Retention.SHORT, erasure=Erasure.DELETE),
        "expire_date": NOT_PERSONAL,
    },
)
register(
    "admin.LogEntry",
    {
        "id": NOT_PERSONAL,
        "action_time": NOT_PERSONAL,
        "user": personal(Category.LINK, subject=Subject.STAFF, retention=Retention.AUDIT, erasure=Erasure.ANONYMISE),
        "content_type": NOT_PERSONAL,
        "object_id": NOT_PERSONAL,
        "object_repr": NOT_PERSONAL,  # every model's __str__ is an id, never a person's value
        "action_flag": NOT_PERSONAL,
        "change_message": NOT_PERSONAL,  # names of changed fields only
    },
)

_SHARED: Handling = {"subject": Subject.CUSTOMER, "retention": Retention.TRANSACTION, "erasure": Erasure.KEEP_ENCRYPTED}
register(
    "privacy.SharingRecord",
    {
        "id": NOT_PERSONAL,
        "store": NOT_PERSONAL,
        "recipient": NOT_PERSONAL,
        "purpose": NOT_PERSONAL,
        "categories": NOT_PERSONAL,
        "created_at": NOT_PERSONAL,
        "order": personal(Category.LINK, **_SHARED),
        "customer": personal(Category.LINK, **_SHARED),
    },
)
