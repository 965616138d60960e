"""Data map: store customers. The merchant is the controller of these rows."""

from shopwright.privacy.datamap import NOT_PERSONAL, Category, Erasure, Handling, Retention, Subject, personal, register

_C: Handling = {"subject": Subject.CUSTOMER, "retention": Retention.ACCOUNT, "erasure": Erasure.DELETE}

register(
    "customers.Customer",
    {
        "id": personal(Category.LINK, **_C),
        "store": NOT_PERSONAL,
        "email": personal(Category.CONTACT, **_C),
        "email_index": personal(Category.LINK, **_C),
        "name": personal(Category.IDENTITY, **_C),
        "password": personal(Category.CREDENTIAL, **_C),
        "is_active": NOT_PERSONAL,
        "created_at": NOT_PERSONAL,
        "last_login": personal(Category.BEHAVIOUR, plain_reason="a timestamp; goes with the row", **_C),
        "real_name": personal(Category.IDENTITY, **_C),
        "gender": personal(Category.IDENTITY, **_C),
        "date_of_birth": personal(Category.IDENTITY, **_C),
        "place_of_residence": personal(Category.ADDRESS, **_C),
        "nickname": personal(Category.IDENTITY, **_C),
        "avatar": personal(
            Category.IDENTITY,
            plain_reason="a random storage name; the image file is deleted with the row",
            **_C,
        ),
        "guardian_email": personal(Category.CHILD, **_C),
        "guardian_consent_due_at": NOT_PERSONAL,
        "guardian_consented_at": NOT_PERSONAL,
        "erasure_locked_at": NOT_PERSONAL,
    },
    export_as="profile",
    root=True,
    files=("avatar",),
)

register(
    "customers.CustomerApiToken",
    {
        "id": NOT_PERSONAL,
        "store": NOT_PERSONAL,
        "customer": personal(Category.LINK, **_C),
        "key_hash": personal(Category.CREDENTIAL, **_C),
        "created_at": NOT_PERSONAL,
        "expires_at": NOT_PERSONAL,
    },
    export_as="api_tokens",
)

register(
    "customers.Address",
    {
        "id": NOT_PERSONAL,
        "store": NOT_PERSONAL,
        "customer": personal(Category.LINK, **_C),
        "data": personal(Category.ADDRESS, **_C),
        "is_default": NOT_PERSONAL,
        "created_at": NOT_PERSONAL,
        "updated_at": NOT_PERSONAL,
    },
    export_as="addresses",
)
