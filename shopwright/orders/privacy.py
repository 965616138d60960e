"""Data map: orders. Transaction records are kept 3 years after completion (seed 3(2)), encrypted."""

from shopwright.privacy.datamap import (
    NOT_PERSONAL,
    Category,
    Erasure,
    FieldClass,
    Handling,
    Retention,
    Subject,
    personal,
    register,
)

# Kept encrypted and restricted when the buyer asks for erasure, until the retention period ends.
_T: Handling = {"subject": Subject.CUSTOMER, "retention": Retention.TRANSACTION, "erasure": Erasure.KEEP_ENCRYPTED}


def _cut(category: Category) -> FieldClass:
    """A link from a kept order to its buyer: cut (anonymised) when the buyer is erased; the order is still theirs."""
    return personal(
        category, subject=Subject.CUSTOMER, retention=Retention.TRANSACTION, erasure=Erasure.ANONYMISE, owns=True
    )


def _not_personal(names: str) -> dict:
    return dict.fromkeys(names.split(), NOT_PERSONAL)


register("orders.OrderNumberSequence", _not_personal("store last_number"))
register(
    "orders.Order",
    {
        **_not_personal(
            "id store number status currency prices_include_tax subtotal shipping_total tax_total total"
            " refunded_total shipping_method shipping_method_name weight_grams reserved_until created_at"
            " updated_at paid_at cancelled_at fulfilled_at subject_erased_at anonymised_at"
        ),
        # When the buyer is erased the order is kept (restricted) and its links to the buyer are
        # cut: no customer, no email index, and a new random secret for the order link.
        "token_hash": _cut(Category.CREDENTIAL),
        "customer": _cut(Category.LINK),
        "email": personal(Category.CONTACT, **_T),
        "email_index": _cut(Category.LINK),
        "phone": personal(Category.CONTACT, **_T),
        "extra_phone": personal(Category.CONTACT, **_T),
        "delivery_time": personal(Category.ADDRESS, **_T),
        "shipping_address": personal(Category.ADDRESS, **_T),
        "billing_address": personal(Category.ADDRESS, **_T),
        "shipping_country": personal(
            Category.ADDRESS, plain_reason="a country code alone names nobody; tax reports group by it", **_T
        ),
        "shipping_area": personal(
            Category.ADDRESS, plain_reason="a region code (state, province); tax reports group by it", **_T
        ),
    },
    export_as="orders",
)
register(
    "orders.OrderLine",
    _not_personal(
        "id store order variant product_title variant_title sku unit_price quantity line_total tax_rate"
        " tax_amount weight_grams quantity_fulfilled stock_taken restocked"
    ),
    export_as="orders",
)
register(
    "orders.OrderTaxLine", _not_personal("id store order name area rate taxable_amount amount"), export_as="orders"
)
register(
    "orders.OrderEvent",
    {
        **_not_personal("id store order kind data created_at"),
        "actor_type": NOT_PERSONAL,
        "actor_id": personal(
            Category.LINK, subject=Subject.ANY, retention=Retention.TRANSACTION, erasure=Erasure.ANONYMISE
        ),
    },
    export_as="orders",
)
register(
    "orders.Fulfillment",
    {
        **_not_personal("id store order carrier created_at"),
        # A parcel's tracking number finds the recipient's address at the carrier.
        "tracking_number": personal(
            Category.ADDRESS, plain_reason="the carrier's reference; the buyer reads it to track the parcel", **_T
        ),
        # The carrier's tracking link almost always holds the tracking number (…/track?id=JJD…).
        "tracking_url": personal(
            Category.ADDRESS, plain_reason="the carrier's tracking link; the buyer opens it to track the parcel", **_T
        ),
    },
    export_as="orders",
)
register("orders.FulfillmentLine", _not_personal("id store fulfillment order_line quantity"), export_as="orders")
