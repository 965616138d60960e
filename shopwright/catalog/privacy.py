"""Data map: the catalog. A store's products are business data, not anyone's personal data.

Every field is listed by name, so a field added later without an entry here
fails the data-map test and gets classified on purpose.
"""

from shopwright.privacy.datamap import (
    NOT_PERSONAL,
    Category,
    Erasure,
    FieldClass,
    Retention,
    Subject,
    personal,
    register,
)


def _not_personal(names: str) -> dict[str, FieldClass]:
    """Space-separated field names, each classified as not personal."""
    return dict.fromkeys(names.split(), NOT_PERSONAL)


register(
    "catalog.Product",
    _not_personal(
        "id store handle title description_html vendor product_type tags_text status seo_title seo_description"
        " created_at updated_at published_at price_min price_max sales_count search_document"
    ),
)
register("catalog.ProductOption", _not_personal("id store product position name values"))
register("catalog.ProductImage", _not_personal("id store product position alt renditions width height created_at"))
register(
    "catalog.Variant",
    _not_personal(
        "id store product position sku option1 option2 option3 price compare_at_price weight_grams"
        " stock_quantity track_stock continue_selling image"
    ),
)
register(
    "catalog.Collection",
    _not_personal(
        "id store handle title description_html kind rules match_all default_sort is_published is_featured"
        " position seo_title seo_description created_at updated_at"
    ),
)
register("catalog.CollectionProduct", _not_personal("id store collection product position"))
register(
    "catalog.ImportJob",
    {
        **_not_personal(
            "id store status file_name stored_file total_rows processed_rows created_count updated_count errors"
            " created_at finished_at heartbeat_at attempts"
        ),
        # Which staff member started an import: an account link, emptied when the account goes.
        "created_by": personal(Category.LINK, subject=Subject.STAFF, retention=Retention.ACCOUNT, erasure=Erasure.NULL),
    },
)
