"""Data map: tax rates are the store's settings."""

from shopwright.privacy.datamap import NOT_PERSONAL, register

register(
    "taxes.TaxRate",
    dict.fromkeys("id store area name rate applies_to_shipping created_at".split(), NOT_PERSONAL),
)
