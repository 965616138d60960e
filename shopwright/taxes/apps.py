from django.apps import AppConfig


class TaxesConfig(AppConfig):
    name = "shopwright.taxes"
    label = "taxes"
    verbose_name = "Taxes"
