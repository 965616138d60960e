"""Data map: the catalog. A store's products are business data, not anyone's personal data."""

from django.db import models

from shopwright.catalog.models import (
    Collection,
    CollectionProduct,
    ImportJob,
    Product,
    ProductImage,
    ProductOption,
    Variant,
)
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


def _all_not_personal(model: type[models.Model]) -> dict[str, FieldClass]:
    return {field.name: NOT_PERSONAL for field in model._meta.local_concrete_fields}


for _model in (Product, ProductOption, ProductImage, Variant, Collection, CollectionProduct):
    register(_model._meta.label, _all_not_personal(_model))

register(
    "catalog.ImportJob",
    {
        **_all_not_personal(ImportJob),
        # Which staff member started an import: an account link, emptied when the account goes.
        "created_by": personal(Category.LINK, subject=Subject.STAFF, retention=Retention.ACCOUNT, erasure=Erasure.NULL),
    },
)
