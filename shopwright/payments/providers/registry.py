"""Which provider a store takes payments with: `provider_for(store)`.

The store's PaymentSettings choose; a store without settings uses the
built-in test provider. Stripe's keys are read (decrypted) here only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shopwright.core.exceptions import NotFound
from shopwright.payments.models import PaymentSettings
from shopwright.payments.providers.base import PaymentProvider

if TYPE_CHECKING:
    from shopwright.stores.models import Store

PROVIDER_NAMES = (PaymentSettings.Provider.TEST.value, PaymentSettings.Provider.STRIPE.value)


def _build(name: str, store: Store, settings_row: PaymentSettings | None) -> PaymentProvider:
    if name == PaymentSettings.Provider.STRIPE:
        from shopwright.payments.providers.stripe_provider import StripeProvider

        return StripeProvider(
            secret_key=settings_row.stripe_secret_key if settings_row else "",
            webhook_secret=settings_row.stripe_webhook_secret if settings_row else "",
        )
    from shopwright.payments.providers.test_provider import TestProvider

    return TestProvider(account=store.pk)


def provider_for(store: Store) -> PaymentProvider:
    """The provider new payments of `store` go to."""
    settings_row = PaymentSettings.objects.filter(store=store).first()
    name = settings_row.provider if settings_row else PaymentSettings.Provider.TEST
    return _build(name, store, settings_row)


def provider_named(store: Store, name: str) -> PaymentProvider:
    """The provider `name` with the store's credentials: a payment made with Stripe is refunded,
    fetched and confirmed through Stripe even after the store switched to another provider.

    Raises NotFound for a name that is no provider (a webhook URL with a made-up name).
    """
    if name not in PROVIDER_NAMES:
        raise NotFound("There is no such payment provider.")
    settings_row = PaymentSettings.objects.filter(store=store).first() if name != "test" else None
    return _build(name, store, settings_row)
