"""Preview links: a merchant sees a draft product on the store host before publishing.

The back office lives on the platform host, so the merchant's session is not
sent to the store host; the back office hands out a signed link instead. The
token names the store and the product and expires after an hour.
"""

from __future__ import annotations

from shopwright.catalog.models import Product
from shopwright.core.tokens import make_token, read_token, state_matches

PREVIEW_MAX_AGE_SECONDS = 60 * 60


def preview_token(*, product: Product) -> str:
    return make_token(purpose="product-preview", subject_id=product.pk, state=str(product.store_id))


def preview_token_valid(*, product: Product, token: str) -> bool:
    found = read_token(token=token, purpose="product-preview", max_age_seconds=PREVIEW_MAX_AGE_SECONDS)
    return found is not None and found[0] == product.pk and state_matches(found[1], str(product.store_id))
