from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "shopwright.payments"
    label = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from shopwright.core.store_cache import store_config_watch
        from shopwright.payments.models import PaymentSettings

        # Every save or delete of a store's payment settings replaces the provider name
        # providers.registry caches (core.store_cache); payments.services saves the row.
        store_config_watch(PaymentSettings)
