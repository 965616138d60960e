"""The demo merchant and store, made through the same services a real signup uses.

`demo_load` also fills the store's catalog (`catalog.demo`): imported when
called, because `catalog` depends on `stores` and not the other way round.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from shopwright.stores import selectors
from shopwright.stores.models import Store
from shopwright.stores.services import email_verification_token, merchant_signup, user_verify_email

DEMO_EMAIL = "demo@shopwright.test"
# Public on purpose: it is printed by `make run`. Never used outside development.
DEMO_PASSWORD = "harbour-lantern-58"  # noqa: S105
DEMO_HANDLE = "demo"
REFUSED_IN_PRODUCTION = (
    "shopwright demo is refused when SHOPWRIGHT_ENV=production: "
    "it creates a merchant account whose password is published."
)


class DemoRefused(Exception):
    """The demo account must never exist in production."""


def demo_load() -> Store:
    """Create the demo merchant and store if missing; make sure the store is live. Idempotent.

    Raises DemoRefused in production.
    """
    if settings.PRODUCTION:
        raise DemoRefused(REFUSED_IN_PRODUCTION)
    user = selectors.user_by_email(email=DEMO_EMAIL)
    if user is None:
        result = merchant_signup(
            email=DEMO_EMAIL,
            password=DEMO_PASSWORD,
            full_name="Demo Merchant",
            phone="+44 20 7946 0958",
            country="GB",
            industry="home",
            business_scale="small",
            store_name="Demo Store",
            store_handle=DEMO_HANDLE,
        )
        user = result.user
    else:
        with transaction.atomic():
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
    user_verify_email(token=email_verification_token(user=user))
    store = selectors.store_for_handle(handle=DEMO_HANDLE)
    assert store is not None
    from shopwright.catalog.demo import demo_catalog_load
    from shopwright.privacy.demo import demo_policies_load
    from shopwright.shipping.demo import demo_shipping_load

    demo_catalog_load(store=store)
    demo_shipping_load(store=store)
    demo_policies_load(store=store)
    return store
