"""Data map: carts. What someone put in a cart is their behaviour data."""

from shopwright.privacy.datamap import NOT_PERSONAL, Category, Erasure, Handling, Retention, Subject, personal, register

_CART: Handling = {"subject": Subject.CUSTOMER, "retention": Retention.ACCOUNT, "erasure": Erasure.DELETE}

register(
    "cart.Cart",
    {
        "id": personal(Category.LINK, **_CART),
        "store": NOT_PERSONAL,
        "customer": personal(Category.LINK, **_CART),
        # A hash of a random browser cookie: links the cart to one browser, not to a person's identifier.
        "token_hash": personal(Category.LINK, **_CART),
        "created_at": personal(Category.BEHAVIOUR, plain_reason="a timestamp; goes with the row", **_CART),
        "updated_at": personal(Category.BEHAVIOUR, plain_reason="a timestamp; goes with the row", **_CART),
    },
    export_as="cart",
)

register(
    "cart.CartLine",
    {
        "id": NOT_PERSONAL,
        "store": NOT_PERSONAL,
        "cart": personal(Category.LINK, **_CART),
        "variant": personal(Category.BEHAVIOUR, plain_reason="a catalog id; goes with the row", **_CART),
        "quantity": personal(Category.BEHAVIOUR, plain_reason="a count; goes with the row", **_CART),
        "created_at": personal(Category.BEHAVIOUR, plain_reason="a timestamp; goes with the row", **_CART),
    },
    export_as="cart",
)
