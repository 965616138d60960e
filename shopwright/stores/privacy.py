"""Data map: platform accounts, stores, staff."""

from __future__ import annotations

from typing import Any

from shopwright.privacy.datamap import (
    NOT_PERSONAL,
    Category,
    Erasure,
    Holding,
    Retention,
    Subject,
    personal,
    register,
    register_erasure_check,
    register_placeholder,
)

_ACCOUNT: Holding = {"subject": Subject.MERCHANT, "retention": Retention.ACCOUNT}

register(
    "stores.User",
    {
        "id": personal(Category.LINK, erasure=Erasure.DELETE, **_ACCOUNT),
        "password": personal(Category.CREDENTIAL, erasure=Erasure.DELETE, **_ACCOUNT),
        "last_login": personal(
            Category.BEHAVIOUR, erasure=Erasure.DELETE, plain_reason="a timestamp; goes with the row", **_ACCOUNT
        ),
        "is_superuser": NOT_PERSONAL,
        "email": personal(Category.CONTACT, erasure=Erasure.DELETE, **_ACCOUNT),
        "email_index": personal(Category.LINK, erasure=Erasure.DELETE, **_ACCOUNT),
        "full_name": personal(Category.IDENTITY, erasure=Erasure.DELETE, **_ACCOUNT),
        "phone": personal(Category.CONTACT, erasure=Erasure.DELETE, **_ACCOUNT),
        "country": personal(
            Category.IDENTITY,
            erasure=Erasure.DELETE,
            plain_reason="an ISO country code chosen from a list; reads phone numbers and sets store defaults",
            **_ACCOUNT,
        ),
        "industry": NOT_PERSONAL,
        "business_scale": NOT_PERSONAL,
        "email_verified_at": NOT_PERSONAL,
        "is_active": NOT_PERSONAL,
        "is_staff": NOT_PERSONAL,
        "date_joined": NOT_PERSONAL,
        "erasure_locked_at": NOT_PERSONAL,
        "groups": NOT_PERSONAL,
        "user_permissions": NOT_PERSONAL,
    },
    export_as="profile",
    root=True,
)

register(
    "stores.Store",
    {
        "id": NOT_PERSONAL,
        "handle": NOT_PERSONAL,
        "name": NOT_PERSONAL,
        "owner": personal(Category.LINK, erasure=Erasure.ANONYMISE, **_ACCOUNT),
        "status": NOT_PERSONAL,
        "country": NOT_PERSONAL,
        "currency": NOT_PERSONAL,
        "data_region": NOT_PERSONAL,
        "prices_include_tax": NOT_PERSONAL,
        "created_at": NOT_PERSONAL,
        "went_live_at": NOT_PERSONAL,
        "ask_date_of_birth": NOT_PERSONAL,
        "closed_at": NOT_PERSONAL,
        "customer_data_erased_at": NOT_PERSONAL,
    },
)

register(
    "stores.Domain",
    {
        "id": NOT_PERSONAL,
        "store": NOT_PERSONAL,
        "hostname": NOT_PERSONAL,
        "verified_at": NOT_PERSONAL,
        "created_at": NOT_PERSONAL,
    },
)

_STAFF: Holding = {"subject": Subject.STAFF, "retention": Retention.ACCOUNT}

register(
    "stores.Membership",
    {
        "id": NOT_PERSONAL,
        "store": NOT_PERSONAL,
        "user": personal(Category.LINK, erasure=Erasure.DELETE, **_STAFF),
        "role": NOT_PERSONAL,
        "created_at": NOT_PERSONAL,
    },
    export_as="memberships",
)

register(
    "stores.StaffInvitation",
    {
        "id": NOT_PERSONAL,
        "store": NOT_PERSONAL,
        "email": personal(Category.CONTACT, subject=Subject.STAFF, retention=Retention.SHORT, erasure=Erasure.DELETE),
        "email_index": personal(
            Category.LINK, subject=Subject.STAFF, retention=Retention.SHORT, erasure=Erasure.DELETE
        ),
        "role": NOT_PERSONAL,
        "token_hash": personal(
            Category.CREDENTIAL, subject=Subject.STAFF, retention=Retention.SHORT, erasure=Erasure.DELETE
        ),
        "invited_by": personal(Category.LINK, erasure=Erasure.NULL, **_ACCOUNT),
        "created_at": NOT_PERSONAL,
        "expires_at": NOT_PERSONAL,
        "accepted_at": NOT_PERSONAL,
        "accepted_by": personal(Category.LINK, erasure=Erasure.NULL, **_STAFF),
    },
    export_as="staff_invitations",
)

register(
    "stores.UserApiToken",
    {
        "id": NOT_PERSONAL,
        "user": personal(Category.LINK, erasure=Erasure.DELETE, **_ACCOUNT),
        "key_hash": personal(Category.CREDENTIAL, erasure=Erasure.DELETE, **_ACCOUNT),
        "created_at": NOT_PERSONAL,
        "expires_at": NOT_PERSONAL,
    },
    export_as="api_tokens",
)


ERASED_OWNER_EMAIL = "erased-account@shopwright.invalid"


def _erased_owner() -> Any:
    """The one inactive account a closed store's erased owner is replaced by (Store.owner is required).

    It is the same row for every erased owner, holds nobody's data and
    cannot sign in, so it links no store to a person or to another store.
    """
    from shopwright.core import crypto
    from shopwright.stores.models import User

    index = crypto.blind_index(ERASED_OWNER_EMAIL)
    user = User.objects.filter(email_index=index).first()
    if user is None:
        user = User(email=ERASED_OWNER_EMAIL, email_index=index, full_name="Deleted account", is_active=False)
        user.set_unusable_password()
        user.save()
    return user


register_placeholder("stores.User", _erased_owner)


def _open_stores(subject: Any, stores: Any) -> str:
    """A merchant who owns a store that is not closed cannot be erased: the store needs its owner."""
    if stores.filter(closed_at__isnull=True).exists():
        return "This account owns a store that is not closed. Close the store (or hand it over) first."
    return ""


register_erasure_check("stores.Store", _open_stores)
