from django.apps import AppConfig


class StoresConfig(AppConfig):
    name = "shopwright.stores"
    label = "stores"
    verbose_name = "Merchants and stores"
