from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "shopwright.backoffice"
    label = "backoffice"
    verbose_name = "Merchant back office"
