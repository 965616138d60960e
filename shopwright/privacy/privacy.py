"""Data map entries for Django's own tables, which the project also stores."""

from typing import Any

from shopwright.privacy.datamap import (
    NOT_PERSONAL,
    Category,
    Erasure,
    Handling,
    Retention,
    Subject,
    personal,
    register,
    register_before_delete,
)
from shopwright.privacy.session_links import sessions_end

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
        # Cut when the customer is erased: the record stays with the (restricted) order.
        "customer": personal(
            Category.LINK,
            subject=Subject.CUSTOMER,
            retention=Retention.TRANSACTION,
            erasure=Erasure.NULL,
            owns=True,
        ),
    },
    export_as="sharing_ledger",
)

register(
    "privacy.PolicyVersion",
    {
        "id": NOT_PERSONAL,
        "store": NOT_PERSONAL,
        "version": NOT_PERSONAL,
        "title": NOT_PERSONAL,
        "body": NOT_PERSONAL,  # the merchant's published policy text
        "change_summary": NOT_PERSONAL,
        "is_major": NOT_PERSONAL,
        "created_at": NOT_PERSONAL,
        "created_by": personal(
            Category.LINK, subject=Subject.MERCHANT, retention=Retention.ACCOUNT, erasure=Erasure.NULL
        ),
        "published_at": NOT_PERSONAL,
        "notified_at": NOT_PERSONAL,
    },
)

# Consent records are the proof of consent: kept while the account lives, deleted with it
# (erasure keeps only the proof of the deletion itself: the request and its audit entries).
_CONSENT: Handling = {"subject": Subject.ANY, "retention": Retention.ACCOUNT, "erasure": Erasure.DELETE}
register(
    "privacy.ConsentRecord",
    {
        "id": NOT_PERSONAL,
        "store": NOT_PERSONAL,
        "customer": personal(Category.LINK, **_CONSENT),
        "user": personal(Category.LINK, **_CONSENT),
        "visitor_hash": personal(Category.LINK, **_CONSENT),
        "purpose": personal(Category.BEHAVIOUR, plain_reason="a choice code from a fixed list", **_CONSENT),
        "granted": personal(Category.BEHAVIOUR, plain_reason="a yes or no", **_CONSENT),
        "policy_version": NOT_PERSONAL,
        "channel": NOT_PERSONAL,
        "evidence": NOT_PERSONAL,  # the standard text shown, the same for everyone
        "created_at": NOT_PERSONAL,
    },
    export_as="consents",
)
register(
    "privacy.ProcessingRestriction",
    {
        "id": NOT_PERSONAL,
        "store": NOT_PERSONAL,
        "customer": personal(Category.LINK, **_CONSENT),
        "user": personal(Category.LINK, **_CONSENT),
        "created_at": NOT_PERSONAL,
        "lifted_at": NOT_PERSONAL,
    },
    export_as="consents",
)

# A request is the proof that it was handled: kept for the audit period with the
# subject's identifiers emptied once it is closed and the subject erased.
_REQ: Handling = {"subject": Subject.ANY, "retention": Retention.AUDIT, "erasure": Erasure.NULL}
# The subject's own requests: exported, and their identifiers emptied by erasure.
_REQ_LINK = personal(Category.LINK, owns=True, **_REQ)
register(
    "privacy.DataRequest",
    {
        "id": NOT_PERSONAL,
        "store": NOT_PERSONAL,
        "kind": NOT_PERSONAL,
        "status": NOT_PERSONAL,
        "channel": NOT_PERSONAL,
        "customer": _REQ_LINK,
        "user": _REQ_LINK,
        "subject_email": personal(Category.CONTACT, **_REQ),
        "subject_email_index": _REQ_LINK,
        "agent_name": personal(Category.IDENTITY, **_REQ),
        "agent_email": personal(Category.CONTACT, **_REQ),
        "details": personal(Category.IDENTITY, **_REQ),
        "resolution": personal(Category.IDENTITY, **_REQ),
        "code_hash": personal(Category.CREDENTIAL, **_REQ),
        "code_expires_at": NOT_PERSONAL,
        "code_attempts": NOT_PERSONAL,
        "verification_nonce": personal(Category.CREDENTIAL, **_REQ),
        "created_at": NOT_PERSONAL,
        "verified_at": NOT_PERSONAL,
        "due_at": NOT_PERSONAL,
        "reminded_day10_at": NOT_PERSONAL,
        "reminded_day14_at": NOT_PERSONAL,
        "completed_at": NOT_PERSONAL,
        # Step names and counts; while an erasure runs also the identifiers its residue scan looks
        # for, encrypted (they are gone from everywhere else by then), removed when it finishes.
        "erasure_progress": NOT_PERSONAL,
        "residue_report": NOT_PERSONAL,  # table and column names, counts; never values
    },
    export_as="data_requests",
)
register(
    "privacy.ExportArchive",
    {
        "id": NOT_PERSONAL,
        "request": NOT_PERSONAL,
        "path": personal(
            Category.LINK,
            plain_reason="a random file name; the file is deleted after download or expiry",
            subject=Subject.ANY,
            retention=Retention.SHORT,
            erasure=Erasure.DELETE,
        ),
        "size": NOT_PERSONAL,
        "token_hash": personal(
            Category.CREDENTIAL, subject=Subject.ANY, retention=Retention.SHORT, erasure=Erasure.DELETE
        ),
        "created_at": NOT_PERSONAL,
        "ready_at": NOT_PERSONAL,
        "expires_at": NOT_PERSONAL,
        "downloaded_at": NOT_PERSONAL,
        "deleted_at": NOT_PERSONAL,
    },
)
register(
    "privacy.RetentionOverride",
    {
        "id": NOT_PERSONAL,
        "store": NOT_PERSONAL,
        "retention": NOT_PERSONAL,
        "days": NOT_PERSONAL,
        "updated_at": NOT_PERSONAL,
    },
)
register(
    "privacy.PurgeReport",
    {
        "id": NOT_PERSONAL,
        "started_at": NOT_PERSONAL,
        "finished_at": NOT_PERSONAL,
        "counts": NOT_PERSONAL,
        "stores_closed": NOT_PERSONAL,
    },
)

_SESSION: Handling = {"subject": Subject.ANY, "retention": Retention.SHORT, "erasure": Erasure.DELETE}
register(
    "privacy.SessionLink",
    {
        "id": NOT_PERSONAL,
        "customer": personal(Category.LINK, **_SESSION),
        "user": personal(Category.LINK, **_SESSION),
        "session_key": personal(Category.CREDENTIAL, **_SESSION),
        "created_at": NOT_PERSONAL,
    },
    export_as="sessions",
)
# The session itself (in the database or the cache) ends with its link.
register_before_delete("privacy.SessionLink", sessions_end)


def _archive_files_delete(archives: Any) -> None:
    from shopwright.privacy.exports import export_root

    for name in archives.exclude(path="").values_list("path", flat=True):
        (export_root() / name).unlink(missing_ok=True)


# An export's ZIP (outside the media folder) goes with its row.
register_before_delete("privacy.ExportArchive", _archive_files_delete)
