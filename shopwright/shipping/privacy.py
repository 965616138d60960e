"""Data map: shipping zones and methods are the store's settings, not anyone's personal data."""

from shopwright.privacy.datamap import NOT_PERSONAL, register

register("shipping.ShippingZone", dict.fromkeys("id store name areas created_at".split(), NOT_PERSONAL))
register(
    "shipping.ShippingMethod",
    dict.fromkeys(
        "id store zone name kind price weight_brackets free_above delivery_estimate is_active position".split(),
        NOT_PERSONAL,
    ),
)
