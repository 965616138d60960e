"""Which provider a store takes payments with: `provider_for(store)`.

The store's PaymentSettings choose; a store without settings uses the
built-in test provider. Stripe's keys are read (decrypted) here only.

Which provider a store uses is read from the per-store config cache
(core.store_cache): only the provider's name is cached, never a key. A
Stripe store's keys are read from the database each time they are needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shopwright.core.exceptions import NotFound
from shopwright.core.store_cache import store_config
from shopwright.payments.models import PaymentSettings
from shopwright.payments.providers.base import PaymentProvider
from shopwright.payments.selectors import payment_settings

if TYPE_CHECKING:
    from shopwright.stores.models import Store

PROVIDER_NAMES = (PaymentSettings.Provider.TEST.value, PaymentSettings.Provider.STRIPE.value)
# The cache entry's name (core.store_cache): the provider's name, a str.
_CONFIG_NAME = "payment-provider-1"


def _build(name: str, store: Store, settings_row: PaymentSettings | None) -> PaymentProvider:
    if name == PaymentSettings.Provider.STRIPE:
        from shopwright.payments.providers.stripe_provider import StripeProvider

        return StripeProvider(
            secret_key=settings_row.stripe_secret_key if settings_row else "",
            webhook_secret=settings_row.stripe_webhook_secret if settings_row else "",
        )
    from shopwright.payments.providers.test_provider import TestProvider

    return TestProvider(account=store.pk)


def provider_name_for(store: Store) -> str:
    """The name of the provider new payments of `store` go to ("test" without settings); cached per store."""

    def build() -> str:
        names = list(PaymentSettings.objects.filter(store=store).values_list("provider", flat=True)[:1])
        return str(names[0]) if names else str(PaymentSettings.Provider.TEST.value)

    return store_config(store.pk, _CONFIG_NAME, build)


def provider_for(store: Store) -> PaymentProvider:
    """The provider new payments of `store` go to.

    No query for the test provider once the store's choice is cached; a
    Stripe store's keys are read from the database (one query), never cached.
    """
    name = provider_name_for(store)
    settings_row = payment_settings(store=store) if name != PaymentSettings.Provider.TEST else None
    return _build(name, store, settings_row)


def provider_named(store: Store, name: str) -> PaymentProvider:
    """The provider `name` with the store's credentials: a payment made with Stripe is refunded,
    fetched and confirmed through Stripe even after the store switched to another provider.

    Raises NotFound for a name that is no provider (a webhook URL with a made-up name).
    The test provider needs no settings (no query); Stripe's keys are read from
    the database (one query), never from the cache.
    """
    if name not in PROVIDER_NAMES:
        raise NotFound("There is no such payment provider.")
    settings_row = payment_settings(store=store) if name != PaymentSettings.Provider.TEST else None
    return _build(name, store, settings_row)
