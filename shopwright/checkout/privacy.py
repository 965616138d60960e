"""Data map: checkouts in progress. What the buyer typed lives only until the cart goes."""

from shopwright.privacy.datamap import NOT_PERSONAL, Category, Erasure, Handling, Retention, Subject, personal, register

_B: Handling = {"subject": Subject.CUSTOMER, "retention": Retention.SHORT, "erasure": Erasure.DELETE}

register(
    "checkout.Checkout",
    {
        "id": NOT_PERSONAL,
        "store": NOT_PERSONAL,
        "cart": personal(Category.LINK, **_B),
        "customer": personal(Category.LINK, **_B),
        "email": personal(Category.CONTACT, **_B),
        "phone": personal(Category.CONTACT, **_B),
        "extra_phone": personal(Category.CONTACT, **_B),
        "delivery_time": personal(Category.ADDRESS, **_B),
        "shipping_address": personal(Category.ADDRESS, **_B),
        "billing_address": personal(Category.ADDRESS, **_B),
        "shipping_method": NOT_PERSONAL,
        "reviewed_signature": NOT_PERSONAL,
        "order": personal(Category.LINK, **_B),
        "created_at": NOT_PERSONAL,
        "updated_at": NOT_PERSONAL,
    },
    export_as="checkouts",
)
