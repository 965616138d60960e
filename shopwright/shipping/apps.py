from django.apps import AppConfig


class ShippingConfig(AppConfig):
    name = "shopwright.shipping"
    label = "shipping"
    verbose_name = "Shipping"

    def ready(self) -> None:
        from shopwright.core.store_cache import store_config_watch
        from shopwright.shipping.models import ShippingMethod, ShippingZone

        # A net under shipping.services' own store_config_changed calls: any save or delete elsewhere
        # (shell, a zone's cascade to its methods) also replaces checkout's cached zones and methods.
        store_config_watch(ShippingZone, ShippingMethod)
