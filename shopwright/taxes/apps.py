from django.apps import AppConfig


class TaxesConfig(AppConfig):
    name = "shopwright.taxes"
    label = "taxes"
    verbose_name = "Taxes"

    def ready(self) -> None:
        from shopwright.core.store_cache import store_config_watch
        from shopwright.taxes.models import TaxRate

        # A net under taxes.services' own store_config_changed calls (see core.store_cache).
        store_config_watch(TaxRate)
