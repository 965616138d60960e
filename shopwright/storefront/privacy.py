"""Data map: storefront data kept for a customer."""

from shopwright.privacy.datamap import NOT_PERSONAL, Category, Erasure, Handling, Retention, Subject, personal, register

_FAV: Handling = {"subject": Subject.CUSTOMER, "retention": Retention.ACCOUNT, "erasure": Erasure.DELETE}

register(
    "storefront.Favourite",
    {
        "id": NOT_PERSONAL,
        "store": NOT_PERSONAL,
        "customer": personal(Category.LINK, **_FAV),
        "product": personal(Category.BEHAVIOUR, plain_reason="a catalog id; goes with the row", **_FAV),
        "created_at": personal(Category.BEHAVIOUR, plain_reason="a timestamp; goes with the row", **_FAV),
    },
    export_as="favourites",
)
